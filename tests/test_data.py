"""The data conforms to the shapes, and keeps the project's rules on truth."""

from __future__ import annotations

import pyoxigraph as ox

from conftest import ROOT
from pactgraph.sources import source_files
from pactgraph.validate import validate_store

PGID = "https://w3id.org/pactgraph/id/"


def test_data_files_are_found(project):
    files = [f for f in source_files(project) if f.kind == "data"]
    assert len(files) >= 5


def test_data_conforms(project, store):
    report = validate_store(store, source_files(project), project.shapes_files(),
                            project.ontology_shapes_files(), project.root)
    assert report.conforms, report.text()


def _ask(store, query):
    return bool(store.query(query, use_default_graph_as_union=True))


PREFIXES = """PREFIX pg: <https://w3id.org/pactgraph/ontology/>
PREFIX pgid: <https://w3id.org/pactgraph/id/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def test_low_confidence_rows_are_not_facts(store):
    # facts.csv marks Kishida's QID and any Japan-France RAA signature as low / not found.
    assert not _ask(store, PREFIXES + "ASK { ?x pg:wikidataEntity <http://www.wikidata.org/entity/Q312907> }")
    assert not _ask(store, PREFIXES + "ASK { ?s a pg:Signature ; pg:actOn <https://w3id.org/pactgraph/id/agreement/jp-fr-raa> }")
    assert _ask(store, PREFIXES + "ASK { ?s a pg:NegotiationLaunch ; pg:actOn <https://w3id.org/pactgraph/id/agreement/jp-fr-raa> }")


def test_month_precision_stays_a_month(store):
    # The new US ACSA entered into force in April 2017; the day is not known.
    assert _ask(store, PREFIXES + """ASK { ?a a pg:EntryIntoForce ; pg:actOn ?agr ; pg:date ?d .
        ?agr pg:hasParty <https://w3id.org/pactgraph/id/place/us> , <https://w3id.org/pactgraph/id/place/jp> ; a pg:AcquisitionCrossServicingAgreement .
        FILTER(datatype(?d) = xsd:gYearMonth && str(?d) = "2017-04") }""")


def test_medium_rows_are_marked(store):
    # The SOFA's dates come from a Wikipedia mirror (medium).
    assert _ask(store, PREFIXES + """ASK { ?a a pg:EntryIntoForce ; pg:actOn <https://w3id.org/pactgraph/id/agreement/jp-us-sofa> ;
        pg:confidence <https://w3id.org/pactgraph/id/concept/medium-confidence> }""")


def test_seed_contradiction_keeps_both_claims(store):
    """The seed says talks start on Wednesday; the Kantei records the agreement on Thursday."""
    assert _ask(store, PREFIXES + """ASK { ?i a pg:Intention ; pg:actOn <https://w3id.org/pactgraph/id/agreement/jp-fr-raa> ;
        pg:intendedDate "2024-05-01"^^xsd:date ; prov:wasDerivedFrom <https://w3id.org/pactgraph/id/source/seed-article> }""")
    assert _ask(store, PREFIXES + """ASK { ?a a pg:NegotiationLaunch ; pg:actOn <https://w3id.org/pactgraph/id/agreement/jp-fr-raa> ;
        pg:date "2024-05-02"^^xsd:date }""")


def test_senkaku_sovereignty_is_not_asserted(store):
    assert not _ask(store, PREFIXES + "ASK { ?s a pg:Sovereignty ; pg:territory <https://w3id.org/pactgraph/id/place/senkaku-islands> }")
    assert _ask(store, PREFIXES + """ASK { ?a a pg:Administration ; pg:territory <https://w3id.org/pactgraph/id/place/senkaku-islands> ;
        pg:administrator <https://w3id.org/pactgraph/id/place/jp> ; prov:wasDerivedFrom ?src }""")
