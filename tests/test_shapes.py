"""Tests of ontology/shapes.ttl against small good and bad graphs.

Each fixture under tests/fixtures/{valid,invalid}/ is validated together with the context every data
file is checked with: the ontology (for rdfs:subClassOf behind sh:class), data/sources.ttl and
data/concepts.ttl. The header of an invalid fixture says what must go wrong:

    # expect: pgsh:ShapeName            the only shape whose violations the fixture triggers
    # why: ...                          what is wrong, in words
    # also: pgsh:Other                  (optional) a shape that must fire as well

or, for a file that must not parse, `# expect: parse-error` / `# expect: parse-error line N`.

Results are attributed to the named shape they come from: a blank-node property shape counts as the
named node shape holding it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.parsers.notation3 import BadSyntax

from pactgraph.validate import named_shape

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILES = [ROOT / "ontology" / "pactgraph.ttl", ROOT / "ontology" / "alignments.ttl"]
CONTEXT_DATA_FILES = [ROOT / "data" / "sources.ttl", ROOT / "data" / "concepts.ttl"]
FIXTURES = ROOT / "tests" / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

PGSH = "https://w3id.org/pactgraph/shapes/"
PG = "https://w3id.org/pactgraph/ontology/"

HEADER = re.compile(r"^#\s*(expect|why|also):\s*(.*?)\s*$")


# --- helpers ---------------------------------------------------------------------------------------


def expand(curie: str) -> str:
    if curie.startswith("pgsh:"):
        return PGSH + curie[len("pgsh:"):]
    return curie


def read_header(path: Path) -> dict[str, list[str]]:
    """The `# expect:`, `# why:` and `# also:` lines at the top of a fixture."""
    header: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = HEADER.match(line)
        if m:
            header.setdefault(m.group(1), []).append(m.group(2))
    return header



def validate(data: rdflib.Graph, shapes: rdflib.Graph, meta_shacl: bool = False):
    conforms, results, text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, meta_shacl=meta_shacl,
        allow_warnings=False,
    )
    # pyshacl hands back a ValidationFailure instead of a report when a shape cannot be run.
    assert isinstance(results, rdflib.Graph), f"validation could not run: {results}"
    return conforms, results, text


def top_results(results: rdflib.Graph) -> list:
    """The results of the report itself (sh:result), not the nested sh:detail ones of sh:node."""
    return [r for report in results.subjects(RDF.type, SH.ValidationReport)
            for r in results.objects(report, SH.result)]


def result_shapes(results: rdflib.Graph, shapes: rdflib.Graph) -> set[str]:
    return {str(named_shape(shapes, results.value(r, SH.sourceShape))) for r in top_results(results)}


def describe(results: rdflib.Graph, shapes: rdflib.Graph) -> str:
    lines = []
    for r in top_results(results):
        shape = named_shape(shapes, results.value(r, SH.sourceShape))
        lines.append(f"  {results.value(r, SH.focusNode)} [{shape}] {results.value(r, SH.resultMessage)}")
    return "\n".join(sorted(lines))


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def context() -> rdflib.Graph:
    """The ontology, the sources and the concept schemes: what every fixture is checked beside."""
    graph = rdflib.Graph()
    for path in [ONTOLOGY_FILES[0], *CONTEXT_DATA_FILES]:
        assert path.is_file(), f"context file missing: {path.relative_to(ROOT)}"
        graph.parse(path, format="turtle")
    if ONTOLOGY_FILES[1].is_file():
        graph.parse(ONTOLOGY_FILES[1], format="turtle")
    return graph


def with_context(context: rdflib.Graph, path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in context:
        graph.add(triple)
    graph.parse(path, format="turtle")
    return graph


# --- the shapes graph itself -----------------------------------------------------------------------


def test_fixture_lists_are_not_empty():
    assert VALID, "no valid fixtures found"
    assert len(INVALID) >= 18, f"expected at least 18 invalid fixtures, found {len(INVALID)}"


def test_shapes_graph_passes_meta_shacl():
    # meta_shacl=True validates the shapes graph against SHACL-SHACL first and raises if it fails.
    # A fresh copy: pyshacl may add triples to the shapes graph it is given.
    shapes = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    conforms, results, text = validate(rdflib.Graph(), shapes, meta_shacl=True)
    assert conforms, text


def test_shapes_are_minted_in_pgsh_and_explained(shapes):
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    named = [s for s in shape_nodes if isinstance(s, rdflib.URIRef)]
    assert len(named) > 30
    for s in named:
        assert str(s).startswith(PGSH), f"shape minted outside pgsh: {s}"
        has_message = (shapes.value(s, SH.message) is not None
                       or any(shapes.value(c, SH.message) is not None for c in shapes.objects(s, SH.sparql)))
        assert shapes.value(s, RDFS.label) is not None or has_message, f"shape without label or message: {s}"
    # SPARQL constraints all carry a message and declared prefixes.
    for c in shapes.subjects(RDF.type, SH.SPARQLConstraint):
        assert shapes.value(c, SH.message) is not None
        assert shapes.value(c, SH.prefixes) == rdflib.URIRef(PGSH + "Prefixes")
    # Every subject in the shapes graph that is an IRI is in pgsh: or is the shapes graph itself.
    for s in set(shapes.subjects()):
        if isinstance(s, rdflib.URIRef):
            assert str(s).startswith(PGSH) or str(s) == PGSH.rstrip("/"), f"triple about {s}"


# Shape parameters that select or describe rather than constrain.
NOT_CONSTRAINTS = {SH[x] for x in (
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property", "path", "message",
    "name", "description", "severity", "deactivated", "order", "group", "declare", "prefixes")}


def reportable_shapes(shapes: rdflib.Graph) -> set[str]:
    """Named shapes that can be the source of a top-level result: they carry a constraint themselves
    or hold a blank-node property shape, and they are targeted or held by a targeted shape (shapes
    reached only through sh:node report as sh:detail of the shape that uses them)."""
    targets = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
    targeted = {s for t in targets for s in shapes.subjects(t, None)}
    held = {o for s in targeted for o in shapes.objects(s, SH.property)}
    found = set()
    for shape in targeted | held:
        if not isinstance(shape, rdflib.URIRef):
            continue
        own = any(p.startswith(str(SH)) and p not in NOT_CONSTRAINTS for p, _ in shapes.predicate_objects(shape))
        anonymous = any(isinstance(o, rdflib.BNode) for o in shapes.objects(shape, SH.property))
        if own or anonymous:
            found.add(str(shape))
    return found


def test_every_constraint_has_an_invalid_fixture(shapes):
    """Each shape that can report a violation is the expected shape of some invalid fixture, so that
    deleting or breaking any shape fails a test."""
    expected = set()
    for path in INVALID:
        header = read_header(path)
        for key in ("expect", "also"):
            expected |= {expand(w) for line in header.get(key, []) for w in line.split() if w.startswith("pgsh:")}
    missing = sorted(reportable_shapes(shapes) - expected)
    assert not missing, "shapes without an invalid fixture: " + ", ".join(missing)


def test_context_conforms(context, shapes):
    """The ontology, sources and concepts alone raise nothing, so every result below is the fixture's."""
    conforms, results, _ = validate(context, shapes)
    assert conforms, describe(results, shapes)


def test_ill_typed_date_literal_is_ill_typed():
    """sh:datatype relies on rdflib marking an impossible xsd:date as ill-typed."""
    assert rdflib.Literal("2024-13-45", datatype=rdflib.XSD.date).ill_typed is True
    assert rdflib.Literal("2024-05-01", datatype=rdflib.XSD.date).ill_typed is False


# --- fixtures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_fixture_conforms(path, context, shapes):
    data = with_context(context, path)
    conforms, results, _ = validate(data, shapes)
    assert conforms, f"{path.name} should conform:\n{describe(results, shapes)}"


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_fixture_fails_on_expected_shape(path, context, shapes):
    header = read_header(path)
    assert header.get("expect"), f"{path.name}: first line must be '# expect: ...'"
    assert header.get("why"), f"{path.name}: second line must be '# why: ...'"
    first, second = path.read_text(encoding="utf-8").splitlines()[:2]
    assert first.startswith("# expect:") and second.startswith("# why:"), path.name
    expect = header["expect"][0]

    if expect.startswith("parse-error"):
        m = re.fullmatch(r"parse-error(?:\s+line\s+(\d+))?", expect)
        assert m, f"{path.name}: bad expect line {expect!r}"
        with pytest.raises(BadSyntax) as info:
            rdflib.Graph().parse(path, format="turtle")
        if m.group(1):
            line = re.search(r"at line (\d+)", str(info.value))
            assert line, str(info.value)
            assert int(line.group(1)) == int(m.group(1)), str(info.value)
        # The project's loader parses with Oxigraph: it must reject the file at the same line.
        with pytest.raises(SyntaxError) as ox_info:
            list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        if m.group(1):
            assert ox_info.value.lineno == int(m.group(1)), str(ox_info.value)
        return

    expected = {expand(expect)} | {expand(a) for also in header.get("also", []) for a in also.split()}
    for shape in expected:
        assert (rdflib.URIRef(shape), None, None) in shapes, f"{path.name}: no such shape {shape}"
    data = with_context(context, path)
    conforms, results, _ = validate(data, shapes)
    assert not conforms, f"{path.name} should not conform"
    found = result_shapes(results, shapes)
    assert expand(expect) in found, f"{path.name}: {expect} did not fire; got:\n{describe(results, shapes)}"
    assert found == expected, f"{path.name}: unexpected shapes fired:\n{describe(results, shapes)}"


# --- semantic gaps (issue 9): what the new shapes let through ----------------------------------------

_PLACES = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix pg: <https://w3id.org/pactgraph/ontology/> .
@prefix place: <https://w3id.org/pactgraph/id/place/> . @prefix claim: <https://w3id.org/pactgraph/id/claim/> .
@prefix source: <https://w3id.org/pactgraph/id/source/> .
place:fr a pg:SovereignState ; rdfs:label "France"@en ; prov:wasDerivedFrom source:seed-article .
place:jp a pg:SovereignState ; rdfs:label "Japan"@en ; prov:wasDerivedFrom source:seed-article .
place:nc a pg:Territory ; rdfs:label "New Caledonia"@en ; prov:wasDerivedFrom source:seed-article .
claim:nc-sovereignty a pg:Sovereignty ; rdfs:label "first"@en ; pg:territory place:nc ; pg:sovereign place:fr ;
    prov:wasDerivedFrom source:seed-article {first} .
claim:nc-jp-sovereignty a pg:Sovereignty ; rdfs:label "second"@en ; pg:territory place:nc ; pg:sovereign {second_sovereign} ;
    prov:wasDerivedFrom source:seed-article {second} .
"""


@pytest.mark.parametrize("first,second,sovereign,overlap", [
    ("", "", "place:jp", True),  # no dates: both hold at once
    ('; pg:startDate "1900"^^xsd:gYear ; pg:endDate "1961"^^xsd:gYear', '; pg:startDate "1962"^^xsd:gYear', "place:jp", False),
    ('; pg:endDate "1961-07"^^xsd:gYearMonth', '; pg:startDate "1961"^^xsd:gYear', "place:jp", False),  # may meet
    ('; pg:endDate "1963"^^xsd:gYear', '; pg:startDate "1961-07"^^xsd:gYearMonth', "place:jp", True),  # ends after
    ('; pg:startDate "1962"^^xsd:gYear', '; pg:endDate "1961"^^xsd:gYear', "place:jp", False),  # the other way round
    ("", "", "place:fr", False),  # the same sovereign twice is not two sovereigns
])
def test_sovereignty_overlap(first, second, sovereign, overlap, context, shapes):
    data = with_context(context, ROOT / "ontology" / "pactgraph.ttl")
    data.parse(data=_PLACES.replace("{first}", first).replace("{second}", second)
               .replace("{second_sovereign}", sovereign), format="turtle")
    conforms, results, _ = validate(data, shapes)
    fired = PGSH + "SovereigntyOverlapShape" in result_shapes(results, shapes)
    assert fired == overlap, describe(results, shapes)
    assert conforms == (not overlap), describe(results, shapes)
