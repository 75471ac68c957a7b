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
