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
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError
from .namespaces import PREFIXES, XSD, expand

PARAM_TYPES = ("iri", "date", "string", "integer")
_PARAM = re.compile(r"^#\s*@param\s+(\w+)\s+(\w+)(?:\s+(\S+))?(?:\s+--\s*(.*))?\s*$")
_QUESTION = re.compile(r"^#\s*Question:\s*(.*)$", re.IGNORECASE)
_RETURNS = re.compile(r"^#\s*Returns:\s*(.*)$", re.IGNORECASE)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
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

    def bindings(self, given: dict[str, str] | None = None) -> dict[ox.Variable, object]:
        """Terms for every parameter: given values over defaults, each checked against its type."""
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


def to_term(param: Param, value: str, query: str = "?"):
    """The RDF term for a parameter value, or InputError saying why it is not one."""
    bad = f"parameter {param.name!r} of query {query!r}"
    if param.type == "iri":
        iri = expand(value.strip("<>"))
        if not _IRI.match(iri):
            raise InputError(f"{bad}: {value!r} is not an IRI (give a full IRI or a prefixed name such as pgid:place/jp)")
        return ox.NamedNode(iri)
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


def parse_query_file(path: Path) -> CannedQuery:
    text = path.read_text(encoding="utf-8")
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


def run(store: ox.Store, text: str, substitutions=None, *, prefixes: bool = False):
    """Run SPARQL over the union of the named graphs; a syntax error becomes an InputError.

    `substitutions` ({Variable: term}) pre-bind variables with a VALUES block at the head of the WHERE
    group (sparql_text.bind_values), the same text any SPARQL 1.1 store runs. Not with Oxigraph's own
    substitution: that binds after planning, so the planner cannot start from the bound variable
    (measured on the 100k-triple synthetic world: shared-partners-by-type 7.4 s substituted vs 0.01 s
    with VALUES; docs/benchmarks.md).
    """
    if substitutions:
        from .sparql_text import bind_values

        text = bind_values(text, {var.value: str(term) for var, term in substitutions.items()})
    try:
        return store.query(text, use_default_graph_as_union=True,
                           prefixes=PREFIXES if prefixes else None)
    except SyntaxError as err:
        raise InputError(f"SPARQL syntax error: {err}") from None


def parallel_map(fn, items, workers: int | None = None) -> list:
    """`[fn(x) for x in items]` on a pool of threads, results in the order of `items`.

    pyoxigraph releases the GIL while it evaluates a query, so queries on one store run on every core:
    on the 1M-triple synthetic world, the 30 canned queries and QC checks take 12.4 s one after the
    other and 7-8 s on two threads (docs/benchmarks.md). The first exception is raised.
    """
    items = list(items)
    workers = workers or min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def rows(solutions) -> tuple[list[str], list[dict[str, str]]]:
    """Variables and rows, each value the N-Triples form of its term (unbound values left out)."""
    names = [v.value for v in solutions.variables]
    out = []
    for sol in solutions:
        out.append({n: str(sol[n]) for n in names if sol[n] is not None})
    return names, out


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
    """QC queries (`checks/*-violation.rq`): each must return no rows."""
    return sorted((queries_dir / "checks").glob("*-violation.rq"))
