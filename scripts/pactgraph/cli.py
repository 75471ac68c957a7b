"""The `pactgraph` command: a thin layer over the library.

Exit codes: 0 success, 1 the data does not conform or a check failed, 2 usage or input error.
Imports are done inside each command so that `pactgraph query` never loads the validator.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import EXIT_OK, EXIT_USAGE, PactgraphError, visible
from .version import VERSION

#: defaults of the bounds on `query` and `sparql` (kept here, not imported, so that `--help` loads
#: nothing heavy; queries.py has the same values)
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ROWS = 100_000
MAX_QUERY_DEPTH = 64
MAX_NESTING = 64


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 too; keep its one-line style
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, visible(f"pactgraph: error: {message}") + "\n")


def _positive(kind, least=0):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value >= least:  # NaN too
            raise argparse.ArgumentTypeError(f"expected {least} or more, got {text!r}")
        return value
    return parse


def _bounds(p) -> None:
    """The options that bound a query run by `query` and `sparql`."""
    p.add_argument("--timeout", type=_positive(float), default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"stop the query after S seconds, exit 2 (default {DEFAULT_TIMEOUT:g}; 0: no limit)")
    p.add_argument("--max-rows", type=_positive(int), default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"refuse a result of more than N rows or triples, exit 2 (default {DEFAULT_MAX_ROWS:,}; 0: no limit)")
    p.add_argument("--max-depth", type=_positive(int, 1), default=MAX_QUERY_DEPTH, metavar="N",
                   help=f"refuse a query whose brackets nest deeper than N, before the engine sees it (default {MAX_QUERY_DEPTH})")
    p.add_argument("--max-memory", type=_positive(int), default=None, metavar="MB",
                   help="memory the query may take beyond the loaded graph, in MiB (default: half the machine's "
                        "available memory; 0: no limit)")


def _nesting(p) -> None:
    p.add_argument("--max-nesting", type=_positive(int, 1), default=MAX_NESTING, metavar="N",
                   help=f"refuse a source file whose blank nodes or collections nest deeper than N, exit 2 "
                        f"(default {MAX_NESTING})")


#: validate.ENGINES, repeated here so that the parser does not import the validator.
SHACL_ENGINES = ("oxigraph", "pyshacl-turbo", "pyshacl")


def make_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pactgraph", description="Build, validate and query the pactgraph knowledge graph.")
    p.add_argument("--version", action="version", version=f"pactgraph {VERSION}")
    p.add_argument("--root", type=Path, help="project folder (default: the one holding ontology/ and data/ at or above the current folder)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="load, validate, check every query and write dist/")
    b.add_argument("--out", type=Path, help="output folder (default: dist/)")
    b.add_argument("--data", type=Path, help="data folder (default: data/)")
    b.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    b.add_argument("--query-timeout", type=float, default=300.0, metavar="SECONDS",
                   help="time the canned queries, and then the QC checks, may take in all (default: %(default)g)")
    b.add_argument("--store", metavar="DIR|memory",
                   help="where the store is built: 'memory', or a folder for an on-disk Oxigraph store that is "
                        "kept after the build (new, empty, or one an earlier --store build made). Default: in "
                        "memory, or on disk in a temporary folder when the sources are over 256 MiB")
    b.add_argument("--previous", type=Path, metavar="DIR",
                   help="a previous build folder: also write changes.md, the facts changed since it (pactgraph diff)")
    b.add_argument("--no-pages", dest="pages", action="store_false",
                   help="write no site (a page per resource, index, pictures); for large datasets")
    b.add_argument("--engine", choices=SHACL_ENGINES, default="oxigraph",
                   help="SHACL engine: shapes compiled to SPARQL on Oxigraph (default), or pyshacl-turbo or "
                        "pyshacl alone (the references; docs/decisions.md D11)")
    _nesting(b)

    v = sub.add_parser("validate", help="validate the data against the shapes (exit 0 conforms, 1 not)")
    v.add_argument("--data", type=Path, help="data folder (default: data/)")
    v.add_argument("--engine", choices=SHACL_ENGINES, default="oxigraph",
                   help="SHACL engine: shapes compiled to SPARQL on Oxigraph (default), or pyshacl-turbo or "
                        "pyshacl alone (the references; docs/decisions.md D11)")
    _nesting(v)

    q = sub.add_parser("query", help="run a canned query")
    q.add_argument("name", nargs="?", help="query name (see --list)")
    q.add_argument("--list", action="store_true", help="list the queries: name, then question")
    q.add_argument("--param", "-p", action="append", type=_param, default=[], metavar="NAME=VALUE")
    q.add_argument("--format", "-f", choices=("table", "csv", "tsv", "json"), default="table")
    _bounds(q)

    s = sub.add_parser("sparql", help="run an ad-hoc SPARQL query (text or file) on the built graph")
    s.add_argument("query", help="SPARQL text, or the path of a .rq file")
    s.add_argument("--format", "-f", choices=("table", "csv", "tsv", "json"), default="table")
    _bounds(s)

    # Commands that live in their own module: each defines HELP, add_arguments(parser) and
    # run(project, args), and keeps its module-level imports to the standard library.
    for name in PLUGIN_COMMANDS:
        module = _plugin(name)
        module.add_arguments(sub.add_parser(name, help=module.HELP))
    return p


#: command name -> module in this package
PLUGIN_COMMANDS: dict[str, str] = {"serve": "serve", "load": "load", "generate": "generate", "bench": "bench",
                                   "status": "status_command", "table": "table", "diff": "diff"}


#: commands that need a checkout's sources; outside one, the others read the release shipped in the
#: package (project.py, docs/decisions.md D13)
CHECKOUT_COMMANDS = frozenset({"build", "bench"})


def _plugin(name: str):
    import importlib

    return importlib.import_module(f".{PLUGIN_COMMANDS[name]}", __package__)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        from .project import find_project

        project = find_project(args.root) if args.root else find_project(packaged=True)
        if project.packaged and args.command in CHECKOUT_COMMANDS:
            raise_usage(f"'{args.command}' works in a checkout only (a folder with ontology/ and data/; "
                        f"none at or above {Path.cwd()}): the installed package carries the built graph, not its sources")
        if args.command in PLUGIN_COMMANDS:
            return _plugin(args.command).run(project, args)
        return COMMANDS[args.command](project, args)
    except PactgraphError as err:
        print(visible(f"pactgraph: {'error: ' if err.exit_code == EXIT_USAGE else ''}{err}"), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("pactgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (`| head`): stop quietly
        import os

        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush cannot fail
        except (OSError, ValueError, AttributeError):
            pass
        return 141


def cmd_build(project, args) -> int:
    from . import sources
    from .build import build

    log = (lambda *a: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    default, sources.MAX_NESTING = sources.MAX_NESTING, args.max_nesting  # build() loads with the module's limit
    try:
        result = build(project, out_dir=args.out, data_dir=args.data, log=log, engine=args.engine,
                       pages=args.pages, previous=args.previous, query_timeout=args.query_timeout,
                       store=args.store)
    finally:
        sources.MAX_NESTING = default
    if not args.quiet:
        print(result.summary())
    return EXIT_OK


def cmd_validate(project, args) -> int:
    from .sources import load_store, source_files
    from .validate import validate_store

    files = source_files(project, args.data)
    store = load_store(files, args.max_nesting)
    report = validate_store(store, files, project.shapes_files(), project.ontology_shapes_files(), project.root,
                            engine=args.engine)
    print(visible(report.text()))
    return EXIT_OK if report.conforms else 1


def cmd_query(project, args) -> int:
    from . import queries

    found = queries.discover(project.queries_dir)
    if args.list:
        for q in found.values():
            print(f"{q.name}\t{q.question}")
        return EXIT_OK
    if not args.name:
        raise_usage("query needs a NAME or --list")
    q = queries.get(found, args.name)
    subs = q.bindings(dict(args.param))
    # Parameters are projected, so each CSV/JSON row says what it answers; the table omits them.
    _run_bounded(project, args, q.text, subs, hide=frozenset(q.params))
    return EXIT_OK


def cmd_sparql(project, args) -> int:
    from . import queries

    text = args.query
    path = Path(text)
    if text.endswith(".rq") or (len(text) < 4096 and "\n" not in text and path.is_file()):
        text = queries.read_query_text(path)
    _run_bounded(project, args, text, None, prefixes=True)
    return EXIT_OK


def _run_bounded(project, args, text, subs, hide=frozenset(), prefixes=False) -> None:
    """Check the query, load the graph, run the query in a child process within the bounds."""
    from . import queries
    from .results import write
    from .store import open_store

    text = queries.check_text(text, args.max_depth)  # before the graph is loaded: a refusal is immediate
    store = open_store(project)
    memory = args.max_memory
    if memory is None:
        from .store import available_memory

        available = available_memory()
        memory = available // 2 if available else 0
    else:
        memory *= 1024 * 1024

    def job(stream):
        result = queries.run(store, text, subs, prefixes=prefixes, max_depth=args.max_depth)
        write(result, args.format, stream, hide=hide, max_rows=args.max_rows or None)

    queries.run_isolated(job, sys.stdout, timeout=args.timeout or None, max_memory=memory or None)


def raise_usage(message: str):
    from .errors import InputError

    raise InputError(message)


COMMANDS = {"build": cmd_build, "validate": cmd_validate, "query": cmd_query, "sparql": cmd_sparql}

def console() -> None:
    """The `pactgraph` command: main(), then exit. A query past its time bound may leave a thread that
    cannot be stopped inside the engine (queries.parallel_map); a normal exit would wait for it for
    ever, so the process ends at once instead."""
    code = main()
    from . import queries

    if queries.STUCK:
        sys.stdout.flush()
        sys.stderr.flush()
        import os

        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console()
