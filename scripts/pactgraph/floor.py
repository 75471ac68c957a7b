"""`python -m pactgraph.floor [--data DIR]`: the least CPU time any build of that data can spend here.

A build must load the graph, validate it, run the canned queries and QC checks, count the VoID
statistics and write six formats. This times the part of that work that is Oxigraph's own (Rust, no
Python object per statement), each step alone, in CPU-seconds of this process and its threads:

* loading the source files (`Store.load`), and loading the derived status periods (the N-Quads text
  `status.derive` produces, loaded the same way);
* the SHACL validation (`validate.validate_store`, the Oxigraph engine: its time is the engine's
  SPARQL queries);
* the canned queries and the QC checks (`build.check_queries`, `build.run_qc`) and the statistics
  (`describe.statistics`);
* writing each format with `Store.dump`: N-Quads and TriG of the store, and N-Triples, Turtle,
  RDF/XML and JSON-LD one named graph at a time (less than the merged graph costs: no merging, no
  sorting, no canonical blank nodes).

The sum is a floor: no arrangement of the build over the machine's cores can take less wall time than
the sum divided by the cores. The status rule (Python) is timed too but is not in the floor, since a
leaner rule could cost less. Prints a table; `--json FILE` keeps the figures. Used for docs/benchmarks.md
("the floor").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


#: The one step timed but not counted in the floor (a leaner rule could cost less).
RULE = "status rule (Python, loading its periods once: not in the floor)"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(project, data_dir: Path | None = None, log=print) -> dict:
    """{step: {"cpu": s, "wall": s}} and the floor; see the module docstring."""
    import pyoxigraph as ox

    from . import status
    from .build import QUERY_TIMEOUT, check_queries, run_qc
    from .describe import statistics
    from .sources import MAX_NESTING, _Literals, _syntax_error, read_source, source_files
    from .validate import validate_store

    steps: dict[str, dict] = {}

    def timed(name: str, fn):
        cpu, wall = _cpu(), time.perf_counter()
        out = fn()
        steps[name] = {"cpu": round(_cpu() - cpu, 3), "wall": round(time.perf_counter() - wall, 3)}
        log(f"  {name:66s} {steps[name]['cpu']:7.2f} CPU-s {steps[name]['wall']:7.2f} s")
        return out

    files = source_files(project, data_dir)
    store = ox.Store()
    texts = [(f, read_source(f.path)) for f in files]  # read first: the disk is not Oxigraph's work

    def load() -> None:
        for f, text in texts:
            try:
                store.load(text, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.graph))
            except SyntaxError as err:  # file:line: what, as the build says it
                raise _syntax_error(f.path, err) from None

    timed("load the sources (Store.load)", load)
    # The loader's own checks (Python, not timed) hand the validator what the store rewrote, as in a
    # build (sources.rewritten_in): without them the validator would parse every file again.
    literals = _Literals()
    for f, text in texts:
        literals.add(f.path, text, ox.parse(text, format=ox.RdfFormat.TURTLE), MAX_NESTING)
    literals.check()
    literals.remember()
    del texts, literals
    with tempfile.TemporaryDirectory(prefix="pactgraph-floor-") as tmp:
        periods = Path(tmp) / "periods.nq"
        # The rule's output, made once (it loads its periods too), then taken out and loaded alone, as
        # Oxigraph's own work.
        timed(RULE, lambda: status.derive(store, copy=periods))
        store.remove_graph(ox.NamedNode(status.STATUS_GRAPH))
        timed("load the status periods (Store.load)",
              lambda: store.load(path=str(periods), format=ox.RdfFormat.N_QUADS))
        timed("validate (Oxigraph SHACL engine)",
              lambda: validate_store(store, files, project.shapes_files(), project.ontology_shapes_files(),
                                     project.root, engine="oxigraph"))
        timed("canned queries", lambda: check_queries(store, project.queries_dir, expected=False,
                                                      timeout=QUERY_TIMEOUT))
        timed("QC checks", lambda: run_qc(store, project.queries_dir, timeout=QUERY_TIMEOUT))
        timed("statistics", lambda: statistics(store))
        for fmt in ("N_QUADS", "TRIG"):
            timed(f"Store.dump {fmt}", lambda: store.dump(str(Path(tmp) / "out"), format=getattr(ox.RdfFormat, fmt)))
        graphs = list(store.named_graphs())
        for fmt in ("N_TRIPLES", "TURTLE", "RDF_XML", "JSON_LD"):
            timed(f"Store.dump {fmt} (a graph at a time)",
                  lambda: [store.dump(str(Path(tmp) / "out"), format=getattr(ox.RdfFormat, fmt), from_graph=g)
                           for g in graphs])
    floor = round(sum(s["cpu"] for name, s in steps.items() if name != RULE), 2)
    cores = os.cpu_count() or 1
    result = {"quads": len(store), "cores": cores, "steps": steps, "floor_cpu": floor,
              "floor_wall": round(floor / cores, 2),
              "status_rule_cpu": steps[RULE]["cpu"]}
    log(f"{len(store):,} quads. Oxigraph's own work: {floor:.2f} CPU-s, so at least {floor / cores:.2f} s of "
        f"wall time on {cores} cores; the status rule adds {result['status_rule_cpu']:.2f} CPU-s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pactgraph.floor", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="data folder (default: the project's)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    from .project import find_project

    from .errors import PactgraphError

    try:
        project = find_project()
        result = measure(project, args.data)
    except PactgraphError as err:  # said as the CLI says it
        print(f"pactgraph.floor: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 (one line for a user, never a traceback)
        print(f"pactgraph.floor: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
