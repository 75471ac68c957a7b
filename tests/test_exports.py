"""Every export parses back, with two independent parsers, to the graph that was built."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

EXPORTS = {
    "pactgraph.ttl": ("turtle", ox.RdfFormat.TURTLE),
    "pactgraph.nt": ("nt", ox.RdfFormat.N_TRIPLES),
    "pactgraph.nq": ("nquads", ox.RdfFormat.N_QUADS),
    "pactgraph.trig": ("trig", ox.RdfFormat.TRIG),
    "pactgraph.jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
}


@pytest.fixture(scope="module")
def reference(built):
    """The merged graph as built (from the N-Quads, read by Oxigraph)."""
    triples = {ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(path=str(built / "dist" / "pactgraph.nq"), format=ox.RdfFormat.N_QUADS)}
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert len(graph) > 500
    return graph


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_parses_back_isomorphic_with_rdflib(built, reference, name):
    rdflib_format, _ = EXPORTS[name]
    data = rdflib.Dataset()
    data.parse(str(built / "dist" / name), format=rdflib_format)
    merged = rdflib.Graph()
    for s, p, o, _g in data.quads((None, None, None, None)):
        merged.add((s, p, o))
    assert isomorphic(merged, reference)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_parses_back_with_oxigraph(built, reference, name):
    _, ox_format = EXPORTS[name]
    quads = list(ox.parse(path=str(built / "dist" / name), format=ox_format))
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    assert len(triples) == len(reference)


def test_named_graphs_are_kept(built):
    graphs = {q.graph_name.value for q in ox.parse(path=str(built / "dist" / "pactgraph.trig"), format=ox.RdfFormat.TRIG)}
    assert "https://w3id.org/pactgraph/graph/agreements" in graphs
    assert "https://w3id.org/pactgraph/graph/ontology/pactgraph" in graphs


# -- write_store on small datasets, against the straightforward implementation --------------------

EX = "http://example.org/"
PGO = "https://w3id.org/pactgraph/ontology/"


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def _quads(b1: str = "x", b2: str = "y", graph_of_default=None) -> list[ox.Quad]:
    """Awkward data: blank nodes (one embedded, one shared, an RDF list), literals with spaces,
    quotes, escapes, `_:` and ` <g> .` inside, languages and datatypes, a triple in two graphs,
    IRIs that are prefixes of each other, and a pg: property so the JSON-LD context has a term."""
    g1, g2 = _n("g1"), _n("g2")
    x, y = ox.BlankNode(b1), ox.BlankNode(b2)
    l1, l2 = ox.BlankNode(b1 + "l1"), ox.BlankNode(b1 + "l2")
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    owl = "http://www.w3.org/2002/07/owl#"
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    triples = [
        (ox.NamedNode(PGO + "note"), ox.NamedNode(rdf + "type"), ox.NamedNode(owl + "DatatypeProperty"), g1),
        (_n("a"), ox.NamedNode(PGO + "note"), ox.Literal('say "hi" <x> .\n\\ _:b ok'), g1),
        (_n("a"), label, ox.Literal("a b", language="en"), g1),
        (_n("a"), label, ox.Literal("a b", language="en"), g2),  # the same triple in two graphs
        (_n("a"), label, ox.Literal("a", language="en"), g2),
        (_n("a"), _n("p"), ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), g1),
        (_n("a"), _n("p"), x, g1),
        (_n("a"), _n("p"), y, g2),
        (_n("a/b"), _n("p"), y, g1),
        (_n("a/b"), _n("p"), _n("a"), g2),
        (x, _n("q"), ox.Literal("inside x"), g1),
        (y, _n("q"), ox.Literal("shared"), g2),
        (_n("c"), _n("list"), l1, g1),
        (l1, ox.NamedNode(rdf + "first"), ox.Literal("one"), g1),
        (l1, ox.NamedNode(rdf + "rest"), l2, g1),
        (l2, ox.NamedNode(rdf + "first"), _n("two"), g1),
        (l2, ox.NamedNode(rdf + "rest"), ox.NamedNode(rdf + "nil"), g1),
    ]
    quads = [ox.Quad(s, p, o, g) for s, p, o, g in triples]
    if graph_of_default is not None:  # a default-graph quad whose object literal ends like a graph name
        quads.append(ox.Quad(_n("d"), _n("p"), ox.Literal(f"x {graph_of_default}"), ox.DefaultGraph()))
        quads.append(ox.Quad(_n("d"), _n("p"), _n("o")))
    return quads


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _reference(quads, folder) -> dict[str, bytes]:
    """What the export wrote before write_store: pyoxigraph objects all the way."""
    from pactgraph import export, jsonld

    canon = export.canonical_quads(quads)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in canon}, key=str)  # merged graph
    ctx = jsonld.build_context(triples)
    return {
        "context.jsonld": jsonld.context_document(ctx),
        "pactgraph.jsonld": jsonld.dumps(jsonld.compact(triples, ctx)),
        "pactgraph.nq": ox.serialize(canon, format=ox.RdfFormat.N_QUADS),
        "pactgraph.nt": ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
        "pactgraph.rdf": ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=export.PREFIXES),
        "pactgraph.trig": ox.serialize(canon, format=ox.RdfFormat.TRIG, prefixes=export.TURTLE_PREFIXES),
        "pactgraph.ttl": ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=export.TURTLE_PREFIXES),
    }


@pytest.mark.parametrize("with_default_graph", [False, True])
def test_write_store_matches_reference(tmp_path, with_default_graph):
    from pactgraph import export

    quads = _quads(graph_of_default="<http://example.org/g1>" if with_default_graph else None)
    store = ox.Store()
    store.extend(quads)
    timings: dict = {}
    (tmp_path / "store").mkdir()
    sizes = export.write_store(store, tmp_path / "store", timings)
    got = _files(tmp_path / "store")
    assert got == _reference(quads, tmp_path)
    assert sizes == {name: len(data) for name, data in got.items()}
    assert {"canonicalise", "N-Quads", "N-Triples", "Turtle", "TriG", "RDF/XML", "JSON-LD"} <= set(timings)
    (tmp_path / "again").mkdir()  # a second store from the same quads in reverse: the same bytes
    again = ox.Store()
    again.extend(reversed(quads))
    assert export.write_store(again, tmp_path / "again") == sizes
    assert _files(tmp_path / "again") == got


def test_blank_node_labels_do_not_depend_on_input(tmp_path):
    from pactgraph import export

    outputs = []
    for i, quads in enumerate([_quads("x", "y"), list(reversed(_quads("zz9", "b0")))]):
        store = ox.Store()
        store.extend(quads)
        (tmp_path / str(i)).mkdir()
        export.write_store(store, tmp_path / str(i))
        outputs.append(_files(tmp_path / str(i)))
    assert outputs[0] == outputs[1]
    assert b"_:c14n0" in outputs[0]["pactgraph.nq"]
    assert b"zz9" not in outputs[1]["pactgraph.nq"]


def test_only_blank_node_lines_are_canonicalised_as_the_whole_dataset_would_be():
    """RDFC-1.0 labels depend only on the quads that mention blank nodes (export._canonical_lines)."""
    from pactgraph import export

    quads = _quads()
    raw = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert sorted(export._canonical_lines(raw)) == \
        ox.serialize(export.canonical_quads(quads), format=ox.RdfFormat.N_QUADS).split(b"\n")[:-1]


def test_real_export_is_deterministic(built, tmp_path):
    """Two exports of the built data, one loaded in reverse order, give the published bytes."""
    from pactgraph import export

    quads = list(ox.parse(path=str(built / "dist" / "pactgraph.nq"), format=ox.RdfFormat.N_QUADS))
    for i, order in enumerate((quads, quads[::-1])):
        store = ox.Store()
        store.extend(order)
        (tmp_path / str(i)).mkdir()
        export.write_store(store, tmp_path / str(i))
        for name, data in _files(tmp_path / str(i)).items():
            assert data == (built / "dist" / name).read_bytes(), name


def test_whitespace_and_cardinalities_survive_every_export(tmp_path):
    """A carriage return in a literal (XML parsers turn a raw one into a line feed) and an OWL
    cardinality (the store keeps it as xsd:integer) come back from every format as the source has them."""
    import pyoxigraph as ox
    import rdflib

    from pactgraph.export import write_store

    XSD, OWL = "http://www.w3.org/2001/XMLSchema#", "http://www.w3.org/2002/07/owl#"
    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/pactgraph/graph/x")
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("one\r\ntwo\tthree"), g))
    store.add(ox.Quad(ox.BlankNode(), ox.NamedNode(OWL + "qualifiedCardinality"),
                      ox.Literal("1", datatype=ox.NamedNode(XSD + "nonNegativeInteger")), g))
    write_store(store, tmp_path)
    formats = {"pactgraph.nq": "nquads", "pactgraph.trig": "trig", "pactgraph.ttl": "turtle",
               "pactgraph.nt": "nt", "pactgraph.rdf": "xml", "pactgraph.jsonld": "json-ld"}
    for name, fmt in formats.items():
        ds = rdflib.Dataset()
        ds.parse(tmp_path / name, format=fmt)
        objects = {o for _, _, o, _ in ds.quads((None, None, None, None))}
        assert rdflib.Literal("one\r\ntwo\tthree") in objects, name
        assert rdflib.Literal("1", datatype=rdflib.URIRef(XSD + "nonNegativeInteger")) in objects, name
