"""The W3C SHACL test suite (core and sparql), run through the default validation path.

The suite is vendored under tests/w3c-shacl/ (see its NOTICE.md and LICENSE.md). Every entry of every
manifest is one test: its data graph and shapes graph are validated by `validate.validate_data`, the
path `pactgraph build` and `pactgraph validate` take (the Oxigraph engine, which hands what it does not
evaluate to the reference validator), and the outcome is judged as the suite says:

* an entry expecting a report: `sh:conforms` must be equal, and the results equal as a set of (focus
  node, result path, value, severity, source constraint component, source shape), blank nodes compared
  by what they describe (their triples, recursively), literals compared as written;
* an entry expecting `sht:Failure`: validation must stop with an error (validate.ShaclError).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT
from pactgraph import shacl_oxigraph as shacl
from pactgraph.validate import ShaclError, validate_data

SUITE = ROOT / "tests" / "w3c-shacl"
GROUPS = ("core", "sparql")

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
RDF_TYPE = ox.NamedNode(shacl.RDF + "type")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass(frozen=True)
class Entry:
    group: str
    file: Path  # the manifest file holding the entry
    iri: str
    data: Path
    shapes: Path

    @property
    def name(self) -> str:
        return f"{self.group}/{self.file.parent.name}/{self.iri.rsplit('/', 1)[-1]}"


def parse(path: Path) -> list[ox.Triple]:
    """A suite file as written: relative IRIs against its own file: URI (as the manifests mean them)."""
    return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))


def _graph(triples) -> shacl.ShapesGraph:
    return shacl.ShapesGraph(triples)


def _path_of(iri: str) -> Path:
    assert iri.startswith("file://"), iri
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(iri).path))


def entries(manifest: Path, group: str) -> list[Entry]:
    """Every entry of a manifest and of the manifests it includes."""
    g = _graph(parse(manifest))
    me = _n(manifest.resolve().as_uri())
    out = []
    for inc in g.objects(me, _n(MF + "include")):
        out += entries(_path_of(inc.value), group)
    for lst in g.objects(me, _n(MF + "entries")):
        for e in g.items(lst):
            action = g.value(e, _n(MF + "action"))
            out.append(Entry(group, manifest, e.value, _path_of(g.value(action, _n(SHT + "dataGraph")).value),
                             _path_of(g.value(action, _n(SHT + "shapesGraph")).value)))
    return out


ENTRIES = {group: entries(SUITE / group / "manifest.ttl", group) for group in GROUPS}
ALL = [e for group in GROUPS for e in ENTRIES[group]]


# --- comparing reports ------------------------------------------------------------------------------


def describe(term, graph: shacl.ShapesGraph, depth: int = 0, seen: frozenset = frozenset()):
    """A term as a comparable value: an IRI or literal as written, a blank node by its triples."""
    if not isinstance(term, ox.BlankNode):
        return str(term)
    if term in seen or depth > 8:
        return "[...]"
    seen = seen | {term}
    out = sorted((str(p), describe(o, graph, depth + 1, seen)) for p in graph.predicates(term)
                 for o in graph.objects(term, p))
    if not out:  # a blank node described by nothing: by what points at it in the data
        out = sorted(("^" + str(t.predicate), describe(t.subject, graph, depth + 1, seen)) for t in graph.triples
                     if t.object == term and not t.predicate.value.startswith((shacl.SH, MF, SHT)))
    return tuple(out)


def path_key(path, graph: shacl.ShapesGraph):
    """A result path by the path it denotes (its SPARQL text): a list written twice is one path."""
    try:
        return shacl.path_text(graph, path)
    except shacl.Unsupported:
        return describe(path, graph)


def result_key(focus, path, value, severity, component, shape, graph, path_graph) -> tuple:
    return (describe(focus, graph), path_key(path, path_graph) if path is not None else None,
            describe(value, graph) if value is not None else None, str(severity), str(component),
            describe(shape, graph))


def expected(entry: Entry) -> tuple[object, set | None]:
    """(conforms or "failure", set of result keys) for one entry."""
    g = _graph(parse(entry.file))
    result = g.value(_n(entry.iri), _n(MF + "result"))
    if result == _n(SHT + "Failure"):
        return "failure", None
    conforms = g.value(result, shacl.sh("conforms")).value == "true"
    # the data and shapes graphs beside the manifest, so that blank nodes are described alike
    context = _graph([*parse(entry.data), *parse(entry.shapes)])

    def one(r):
        v = lambda p: g.value(r, shacl.sh(p))  # noqa: E731
        return result_key(v("focusNode"), v("resultPath"), v("value"), v("resultSeverity").value,
                          v("sourceConstraintComponent").value, v("sourceShape"), context, g)

    return conforms, {one(r) for r in g.objects(result, shacl.sh("result"))}


def actual(entry: Entry) -> tuple[object, set | None]:
    data_triples = parse(entry.data)
    shapes_triples = parse(entry.shapes)
    graph = ox.NamedNode("urn:w3c:data")
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in data_triples)
    try:
        outcome = validate_data(store, _graph(shapes_triples), written=lambda: data_triples)
    except ShaclError:
        return "failure", None
    context = _graph([*data_triples, *shapes_triples])
    keys = {result_key(r.focus, r.path, r.value, r.severity, r.component, r.shape, context, context)
            for r in outcome.results}
    return outcome.conforms, keys


# --- the tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_suite_is_found(group):
    assert len(ENTRIES[group]) > 0
    assert {"core": 98, "sparql": 22}[group] == len(ENTRIES[group])


@pytest.mark.parametrize("entry", ALL, ids=[e.name for e in ALL])
def test_w3c_entry(entry):
    want_conforms, want = expected(entry)
    got_conforms, got = actual(entry)
    assert got_conforms == want_conforms, f"conforms: expected {want_conforms}, got {got_conforms}"
    if want is not None:
        missing, extra = want - got, got - want
        assert not missing and not extra, (
            "results differ\nmissing:\n  " + "\n  ".join(map(str, sorted(missing, key=str)))
            + "\nextra:\n  " + "\n  ".join(map(str, sorted(extra, key=str))))


def summary() -> dict[str, tuple[int, int, list[str]]]:
    """passed/total per group, and the names that failed (python tests/test_w3c_shacl.py)."""
    out = {}
    for group in GROUPS:
        failed = []
        for e in ENTRIES[group]:
            try:
                test_w3c_entry(e)
            except Exception as err:  # noqa: BLE001 (a report of every entry)
                failed.append(f"{e.name}: {str(err).splitlines()[0][:200]}")
        out[group] = (len(ENTRIES[group]) - len(failed), len(ENTRIES[group]), failed)
    return out


if __name__ == "__main__":
    for group, (passed, total, failed) in summary().items():
        print(f"{group}: {passed}/{total}")
        for f in failed:
            print("  FAIL", f)
