"""The ontology is complete and is the one the data uses."""

from __future__ import annotations

import pyshacl
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF

from conftest import ROOT
from pactgraph.namespaces import ONTOLOGY, PG
from pactgraph.version import VERSION


def _graph(*names):
    g = rdflib.Graph()
    for n in names:
        g.parse(ROOT / "ontology" / n, format="turtle")
    return g


def test_version_is_declared_once():
    g = _graph("pactgraph.ttl")
    onto = rdflib.URIRef(ONTOLOGY)
    assert str(g.value(onto, OWL.versionInfo)) == VERSION
    assert str(g.value(onto, OWL.versionIRI)).endswith("/" + VERSION)
    assert g.value(onto, DCTERMS.license) is not None  # http://purl.org/dc/terms/, not elements/1.1


def test_ontology_conforms_to_its_own_shapes():
    data = _graph("pactgraph.ttl", "alignments.ttl")
    conforms, _, text = pyshacl.validate(data, shacl_graph=_graph("ontology-shapes.ttl"), meta_shacl=True)
    assert conforms, text


def test_ontology_shapes_catch_a_missing_label():
    data = _graph("pactgraph.ttl")
    term = rdflib.URIRef(PG + "Signature")
    data.remove((term, rdflib.RDFS.label, None))
    conforms, _, _ = pyshacl.validate(data, shacl_graph=_graph("ontology-shapes.ttl"))
    assert not conforms


def test_every_pg_term_used_in_data_is_declared(store):
    onto = _graph("pactgraph.ttl")
    declared = {str(s) for s in onto.subjects(RDF.type, None) if str(s).startswith(PG)}
    used = set()
    for q in store:
        if q.graph_name.value.startswith("https://w3id.org/pactgraph/graph/ontology"):
            continue
        for term in (q.predicate, q.object):
            if hasattr(term, "value") and isinstance(term.value, str) and term.value.startswith(PG) \
                    and type(term).__name__ == "NamedNode":
                used.add(term.value)
    assert used, "data uses pg: terms"
    assert sorted(used - declared) == []
