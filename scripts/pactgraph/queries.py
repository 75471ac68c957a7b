"""Canned SPARQL queries: discovery, header parsing, safe parameter binding, running, checking.

A query file declares its parameters in its header (`# @param name type default`). Values are
pre-bound as RDF terms by a VALUES block at the head of the WHERE group (see `run`), never pasted in
as text.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Union

import pyoxigraph as ox

from .errors import InputError, PactgraphError
from .namespaces import PREFIXES, XSD, expand

PARAM_TYPES = ("iri", "date", "string", "integer")
_PARAM = re.compile(r"^#\s*@param\s+(\w+)\s+(\w+)(?:\s+(\S+))?(?:\s+--\s*(.*))?\s*$")
_QUESTION = re.compile(r"^#\s*Question:\s*(.*)$", re.IGNORECASE)
_RETURNS = re.compile(r"^#\s*Returns:\s*(.*)$", re.IGNORECASE)
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
_PREFIXED = re.compile(r"([A-Za-z][\w.-]*):(?!//)")

#: defaults of the bounds on `pactgraph query` and `pactgraph sparql` (options --timeout, --max-rows,
#: --max-depth)
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ROWS = 100_000
#: deepest nesting of brackets ( [ { in a query: the engine's parser recurses on them, and a query of
#: 10,000 nested parentheses overflows its stack (a crash, not an error)
MAX_QUERY_DEPTH = 64
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    doc: str = ""


@dataclass
class CannedQuery:
    name: str
    path: Path
    text: str
    question: str
    returns: str
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def ordered(self) -> bool:
        body = "\n".join(line.split("#", 1)[0] for line in self.text.splitlines())
        return bool(_ORDER_BY.search(body))

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.name + ".expected.json")

    def bindings(self, given: dict[str, object] | None = None) -> dict[ox.Variable, object]:
        """Terms for every parameter: given values over defaults, each checked against its type.

        A value is the text the CLI gets (`--param date=2024-05-02`) or, from the Python API, a Python
        value of the declared type (`datetime.date` for a date, `int` for an integer): see `to_term`."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(sorted(self.params)) or "none"
            raise InputError(f"query {self.name!r} has no parameter {unknown[0]!r} (its parameters: {known})")
        out = {}
        for name, param in self.params.items():
            value = given.get(name, param.default)
            if value is None:
                raise InputError(f"query {self.name!r} needs parameter {name!r} ({param.type})")
            out[ox.Variable(name)] = to_term(param, value, self.name)
        return out


def to_term(param: Param, value: object, query: str = "?"):
    """The RDF term for a parameter value, or InputError saying why it is not one.

    The value is text (what the CLI is given), or a Python value of the parameter's type: a
    `datetime.date` (not a datetime) for a date, an `int` (not a bool) for an integer, a
    `pyoxigraph.NamedNode` for an IRI."""
    bad = f"parameter {param.name!r} of query {query!r}"
    if isinstance(value, ox.NamedNode) and param.type == "iri":
        return value
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime) and param.type == "date":
        value = value.isoformat()
    elif isinstance(value, int) and not isinstance(value, bool) and param.type == "integer":
        value = str(value)
    if not isinstance(value, str):
        wanted = {"iri": "an IRI (str)", "date": "a date (datetime.date or YYYY-MM-DD)",
                  "integer": "an integer (int)", "string": "a str"}[param.type]
        raise InputError(f"{bad}: expected {wanted}, got {type(value).__name__} {value!r}")
    if param.type == "iri":
        return iri_term(value, bad)
    if param.type == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            _dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{bad}: {value!r} is not a date (YYYY-MM-DD)") from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise InputError(f"{bad}: {value!r} is not an integer")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
    return ox.Literal(value)


def iri_term(value: str, what: str):
    """The NamedNode for a parameter value: `<full IRI>`, a full IRI, or a prefixed name with one of
    the project's prefixes (pgid:place/jp); InputError otherwise."""
    from .errors import visible

    hint = "give a full IRI or a prefixed name such as pgid:place/jp"
    text = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    m = _PREFIXED.match(text)
    if text is value and m and m.group(1) not in PREFIXES:
        known = ", ".join(sorted(PREFIXES))
        raise InputError(visible(f"{what}: {value!r} has an unknown prefix {m.group(1)!r} (known prefixes: {known}; "
                                 "write any other IRI in full, in <...>)"))
    iri = expand(text)
    if not _IRI.fullmatch(iri):
        raise InputError(visible(f"{what}: {value!r} is not an IRI ({hint})"))
    try:
        return ox.NamedNode(iri)
    except ValueError as err:
        raise InputError(visible(f"{what}: {value!r} is not an IRI ({err}; {hint})")) from None


def read_query_text(path: Path) -> str:
    """The text of a query file (UTF-8, a byte order mark dropped); InputError naming the file if it
    is a folder, cannot be read or is not UTF-8."""
    from .sources import read_source

    data = read_source(path, "query file")  # byte order mark dropped
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError(f"{path}:{line}: not UTF-8 (byte 0x{data[err.start]:02X}); save the file as UTF-8") from None


def parse_query_file(path: Path) -> CannedQuery:
    text = read_query_text(path)
    question = returns = ""
    params: dict[str, Param] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            continue
        if m := _QUESTION.match(line):
            question = m.group(1).strip()
        elif m := _RETURNS.match(line):
            returns = m.group(1).strip()
        elif line.lstrip("# ").startswith("@param"):
            m = _PARAM.match(line)
            if not m or m.group(2) not in PARAM_TYPES:
                raise InputError(f"{path}:{number}: bad @param line (expected '# @param NAME {'|'.join(PARAM_TYPES)} DEFAULT')")
            params[m.group(1)] = Param(m.group(1), m.group(2), m.group(3), (m.group(4) or "").strip())
    if not question:
        raise InputError(f"{path}: missing '# Question:' header line")
    return CannedQuery(path.stem, path, text, question, returns, params)


def discover(queries_dir: Path) -> dict[str, CannedQuery]:
    if not queries_dir.is_dir():
        raise InputError(f"queries folder not found: {queries_dir}")
    found = {p.stem: parse_query_file(p) for p in sorted(queries_dir.glob("*.rq"))}
    if not found:
        raise InputError(f"no queries (*.rq) in {queries_dir}")
    return found


def get(queries: dict[str, CannedQuery], name: str) -> CannedQuery:
    if name not in queries:
        raise InputError(f"unknown query {name!r}; known queries: {', '.join(sorted(queries))}")
    return queries[name]


def run(store: ox.Store, text: str, substitutions=None, *, prefixes: bool = False,
        max_depth: int = MAX_QUERY_DEPTH):
    """Run SPARQL over the union of the named graphs; a syntax error becomes an InputError.

    `substitutions` ({Variable: term}) pre-bind variables with a VALUES block at the head of the WHERE
    group (sparql_text.bind_values), the same text any SPARQL 1.1 store runs. Not with Oxigraph's own
    substitution: that binds after planning, so the planner cannot start from the bound variable
    (measured on the 100k-triple synthetic world: shared-partners-by-type 7.4 s substituted vs 0.01 s
    with VALUES; docs/benchmarks.md).

    The text is checked before the engine sees it (check_text): an update, or brackets nested deeper
    than `max_depth`, is an InputError.
    """
    text = check_text(text, max_depth)
    if substitutions:
        from .sparql_text import bind_values

        text = bind_values(text, {var.value: str(term) for var, term in substitutions.items()})
    try:
        return store.query(text, use_default_graph_as_union=True,
                           prefixes=PREFIXES if prefixes else None)
    except SyntaxError as err:
        from .errors import visible

        message = " ".join(str(err).split())  # one line: the engine's lists of expected characters run long
        if len(message) > 300:
            message = message[:300] + "..."
        raise InputError(visible(f"SPARQL syntax error: {message}")) from None


def check_text(text: str, max_depth: int = MAX_QUERY_DEPTH) -> str:
    """The query text without a byte order mark, once it is known to be a query the engine can take:
    InputError for an update (INSERT, LOAD, DROP...), which the embedded store must never run, and for
    brackets nested deeper than `max_depth`."""
    from .sparql_text import UPDATE_KEYWORDS, first_keyword, nesting

    if text.startswith("\ufeff"):
        text = text[1:]
    if sum(text.count(c) for c in "([{") > max_depth:  # else it cannot nest deeper
        depth, line = nesting(text, max_depth)
        if depth > max_depth:
            raise InputError(f"the query nests brackets more than {max_depth} deep (line {line}); "
                             "simplify it (or raise --max-depth)")
    keyword = first_keyword(text)
    if keyword in UPDATE_KEYWORDS:
        raise InputError(f"updates are not supported ({keyword}): pactgraph runs queries only "
                         "(SELECT, CONSTRUCT, DESCRIBE, ASK); change the sources and rebuild instead")
    return text


def parallel_map(fn, items, workers: int | None = None, timeout: float | None = None, name=str) -> list:
    """`[fn(x) for x in items]` on a pool of threads, results in the order of `items`.

    pyoxigraph releases the GIL while it evaluates a query, so queries on one store run on every core:
    on the 1M-triple synthetic world, the 30 canned queries and QC checks take 12.4 s one after the
    other and 7-8 s on two threads (docs/benchmarks.md). The first exception is raised.

    With `timeout` (seconds for all of them), what has not finished by then raises StuckQueries naming
    them (`name(item)`): a thread cannot be stopped inside the engine, so the caller must end the
    process (the CLI does: cli.main) rather than wait for it.
    """
    items = list(items)
    workers = workers or min(len(items), os.cpu_count() or 1)
    if workers <= 1 and timeout is None:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max(workers, 1))
    futures = [pool.submit(fn, x) for x in items]
    _, pending = wait(futures, timeout=timeout)
    pool.shutdown(wait=not pending, cancel_futures=True)
    if pending:
        late = [name(x) for x, f in zip(items, futures) if f in pending and f.running()]
        STUCK.extend(late)
        raise StuckQueries(f"{len(pending)} check(s) did not finish within {timeout:g} s and were stopped "
                           f"({', '.join(late[:5]) or 'waiting'}); simplify them (or raise --query-timeout)")
    return [f.result() for f in futures]


#: Queries whose thread is still running after a timeout (parallel_map): the process must end.
STUCK: list[str] = []


class StuckQueries(PactgraphError):
    """Some queries run past their time bound in threads that cannot be stopped."""

    exit_code = 1


def rows(solutions) -> tuple[list[str], list[dict[str, str]]]:
    """Variables and rows, each value the N-Triples form of its term (unbound values left out)."""
    names = [v.value for v in solutions.variables]
    out = []
    for sol in solutions:
        out.append({n: str(sol[n]) for n in names if sol[n] is not None})
    return names, out


# -- results as Python values (the Python API) -----------------------------------------------------


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known only to the year (xsd:gYear) or to the month (xsd:gYearMonth), kept at that
    precision: never padded to a day. `str()` gives its lexical form, "2017" or "2017-04"."""

    year: int
    month: int | None = None

    @property
    def precision(self) -> str:
        return "year" if self.month is None else "month"

    def isoformat(self) -> str:
        year = f"{self.year:05d}" if self.year < 0 else f"{self.year:04d}"
        return year if self.month is None else f"{year}-{self.month:02d}"

    def __str__(self) -> str:
        return self.isoformat()


#: a value in a result row of the Python API (`to_python`)
Value = Union[str, int, float, bool, Decimal, _dt.date, _dt.datetime, PartialDate, None]

_PARTIAL = re.compile(r"(-?\d{4,})(?:-(\d{2}))?(?:Z|[+-]\d{2}:\d{2})?")
_INTEGER_TYPES = frozenset(XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))


def to_python(term) -> Value:
    """A query result term as a Python value: an IRI as its str; a blank node as "_:id"; xsd:date as
    `datetime.date`; xsd:gYear and xsd:gYearMonth as `PartialDate` (their precision kept);
    xsd:dateTime as `datetime.datetime`; xsd:boolean as bool; the integer types as int; xsd:decimal as
    `decimal.Decimal`; xsd:double and xsd:float as float; any other literal (strings, language-tagged
    text, other types) as its lexical str; None stays None. A value that is not valid for its type
    stays its lexical str."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, ox.Literal):
        return str(term)
    value, datatype = term.value, term.datatype.value
    try:
        if datatype == XSD + "date":
            return _dt.date.fromisoformat(value)
        if datatype in (XSD + "gYear", XSD + "gYearMonth"):
            m = _PARTIAL.fullmatch(value)
            if m and (m.group(2) is None) == (datatype == XSD + "gYear"):
                month = int(m.group(2)) if m.group(2) else None
                if month is None or 1 <= month <= 12:
                    return PartialDate(int(m.group(1)), month)
            return value
        if datatype == XSD + "dateTime":
            return _dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        if datatype == XSD + "boolean":
            if value in ("true", "1", "false", "0"):
                return value in ("true", "1")
            return value
        if datatype in _INTEGER_TYPES:
            return int(value)
        if datatype == XSD + "decimal":
            return Decimal(value)
        if datatype in (XSD + "double", XSD + "float"):
            return float(value)
    except (ValueError, ArithmeticError):
        return value
    return value


def python_rows(solutions) -> tuple[list[str], list[dict[str, Value]]]:
    """Variables and rows of a SELECT result, each value a Python value (`to_python`); an unbound
    variable is None, so every row has every variable."""
    names = [v.value for v in solutions.variables]
    return names, [{n: to_python(sol[n]) for n in names} for sol in solutions]


@dataclass
class CheckResult:
    query: str
    case: int
    ok: bool
    detail: str = ""


def check(store: ox.Store, query: CannedQuery) -> list[CheckResult]:
    """Run every expected case of a query and compare (in order if the query has ORDER BY)."""
    if not query.expected_path.is_file():
        return [CheckResult(query.name, 0, False, f"no expected results file {query.expected_path.name}")]
    try:
        cases = json.loads(query.expected_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        return [CheckResult(query.name, 0, False, f"{query.expected_path.name}:{err.lineno}: {err.msg}")]
    if not cases:
        return [CheckResult(query.name, 0, False, "expected results file has no cases")]
    results = []
    for i, case in enumerate(cases):
        try:
            subs = query.bindings(case.get("params", {}))
        except InputError as err:
            results.append(CheckResult(query.name, i, False, str(err)))
            continue
        _, got = rows(run(store, query.text, subs))
        want = case["rows"]
        if query.ordered:
            ok = got == want
        else:
            ok = sorted(map(_key, got)) == sorted(map(_key, want))
        detail = "" if ok else _diff(want, got, case.get("params", {}))
        results.append(CheckResult(query.name, i, ok, detail))
    return results


def _key(row: dict[str, str]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def _diff(want, got, params) -> str:
    w, g = {_key(r) for r in want}, {_key(r) for r in got}
    parts = [f"params {params or '(defaults)'}"]
    parts += [f"missing {r}" for r in sorted(w - g)[:5]]
    parts += [f"unexpected {r}" for r in sorted(g - w)[:5]]
    if w == g:
        parts.append("same rows, different order")
    return "; ".join(parts)


def violation_checks(queries_dir: Path) -> list[Path]:
    """QC queries (`checks/*-violation.rq`): each must return no rows. Each is read once here, so a
    folder or a file that cannot be read or is not UTF-8 stops the build with its name."""
    paths = sorted((queries_dir / "checks").glob("*-violation.rq"))
    for path in paths:
        read_query_text(path)
    return paths


# -- running a query for a person, within bounds ----------------------------------------------------


def run_isolated(job, out, *, timeout: float | None = DEFAULT_TIMEOUT, max_memory: int | None = None) -> None:
    """Run `job(stream)` (a query that writes its results to the text stream it is given) in a child
    process, and copy what it writes to `out`.

    The child can be stopped whatever the engine is doing, which a thread cannot: after `timeout`
    seconds (InputError), on Ctrl-C (KeyboardInterrupt, the child killed first), and when it
    dies (a crash of the engine becomes an InputError, not the end of this process). With
    `max_memory` (bytes) the child cannot grow by more than that. The child shares the loaded
    store (fork: a page is copied only when written; Oxigraph writes to some of the pages it reads, so
    a query that reads much of an in-memory store copies up to that much, within the store's own
    size and outside `max_memory`, which bounds new address space: D16). Without fork (not POSIX),
    `job` runs here.
    """
    import os

    if not hasattr(os, "fork"):
        job(out)
        return
    import codecs
    import selectors
    import signal
    import time

    from .errors import PactgraphError

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # The engine writes its own lines on a crash (an allocation failure): the parent reports it.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(out_r)
            os.close(err_r)
            if max_memory:
                _limit_memory(max_memory)
            with open(out_w, "w", encoding="utf-8", closefd=True) as stream:
                job(stream)
        except PactgraphError as err:
            os.write(err_w, f"{err.exit_code}\t{err}".encode("utf-8", "replace"))
            code = 3
        except MemoryError:
            os.write(err_w, b"2\tthe query needs more memory than allowed (--max-memory)")
            code = 3
        except OSError as err:  # what the engine raises for a SERVICE call that fails
            os.write(err_w, f"2\tthe query failed: {' '.join(str(err).split())}".encode("utf-8", "replace"))
            code = 3
        except BaseException as err:  # noqa: BLE001 - reported in one line by the parent
            os.write(err_w, f"2\tthe query failed: {type(err).__name__}: {' '.join(str(err).split())}"
                     .encode("utf-8", "replace"))
            code = 3
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    errors = bytearray()
    import math

    deadline = time.monotonic() + timeout if timeout and math.isfinite(timeout) else None
    sel = selectors.DefaultSelector()
    sel.register(out_r, selectors.EVENT_READ)
    sel.register(err_r, selectors.EVENT_READ)
    done = False
    try:
        open_fds = 2
        while open_fds:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise InputError(f"the query did not finish within {timeout:g} s and was stopped; "
                                 "simplify it (or raise --timeout)")
            for key, _ in sel.select(wait):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    open_fds -= 1
                elif key.fd == out_r:
                    out.write(decoder.decode(chunk))
                else:
                    errors += chunk
        out.write(decoder.decode(b"", final=True))
        _, status = os.waitpid(pid, 0)
        done = True
    finally:
        if not done:
            _kill(pid)
        sel.close()
        os.close(out_r)
        os.close(err_r)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        why = " (out of memory: raise --max-memory, or add LIMIT)" if max_memory and sig in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV) else ""
        raise InputError(f"the query engine stopped with signal {name}{why}; the query is too large for it")
    if errors:
        code, _, message = errors.decode("utf-8", "replace").partition("\t")
        err = PactgraphError(message)
        err.exit_code = int(code) if code.isdigit() else 2
        raise err
    if os.WEXITSTATUS(status) != 0:
        raise InputError(f"the query failed (exit status {os.WEXITSTATUS(status)})")


def _kill(pid: int) -> None:
    import os
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _limit_memory(extra: int) -> None:
    """Let this process grow by at most `extra` bytes of address space beyond what it has now."""
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            size = int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return
    limit = size + extra
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
