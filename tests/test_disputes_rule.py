"""The rule for "disputed" (docs/disputes.md) in both queries that use it: every branch, on a
small graph built for the purpose (the real data has no claim by a place's own holder)."""

from __future__ import annotations

import pyoxigraph as ox

from conftest import ROOT
from pactgraph import queries

TTL = b"""
@prefix pg: <https://w3id.org/pactgraph/ontology/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix p: <https://w3id.org/pactgraph/id/place/> . @prefix c: <https://w3id.org/pactgraph/id/claim/> .
@prefix r: <https://w3id.org/pactgraph/id/region/> .
p:a rdfs:label "A"@en . p:b rdfs:label "B"@en .
p:t1 rdfs:label "T1"@en ; pg:liesIn r:x . c:t1-adm a pg:Administration ; pg:territory p:t1 ; pg:administrator p:a .
c:t1-ca a pg:TerritorialClaim ; pg:territory p:t1 ; pg:claimant p:a .
p:t2 rdfs:label "T2"@en ; pg:liesIn r:x . c:t2-adm a pg:Administration ; pg:territory p:t2 ; pg:administrator p:a .
c:t2-cb a pg:TerritorialClaim ; pg:territory p:t2 ; pg:claimant p:b .
p:t3 rdfs:label "T3"@en ; pg:liesIn r:x . c:t3-sov a pg:Sovereignty ; pg:territory p:t3 ; pg:sovereign p:a .
c:t3-ca a pg:TerritorialClaim ; pg:territory p:t3 ; pg:claimant p:a .
p:t4 rdfs:label "T4"@en ; pg:liesIn r:x . c:t4-sov a pg:Sovereignty ; pg:territory p:t4 ; pg:sovereign p:a .
c:t4-cb a pg:TerritorialClaim ; pg:territory p:t4 ; pg:claimant p:b .
p:t5 rdfs:label "T5"@en ; pg:liesIn r:x . c:t5-ca a pg:TerritorialClaim ; pg:territory p:t5 ; pg:claimant p:a .
p:t6 rdfs:label "T6"@en ; pg:liesIn r:x . c:t6-ca a pg:TerritorialClaim ; pg:territory p:t6 ; pg:claimant p:a .
c:t6-cb a pg:TerritorialClaim ; pg:territory p:t6 ; pg:claimant p:b .
p:t7 rdfs:label "T7"@en ; pg:liesIn r:x . c:t7-adm a pg:Administration ; pg:territory p:t7 ; pg:administrator p:a .
c:t7-sov a pg:Sovereignty ; pg:territory p:t7 ; pg:sovereign p:b .
c:t7-cb a pg:TerritorialClaim ; pg:territory p:t7 ; pg:claimant p:b .
"""
# T1 claim by its administrator; T3 by its sovereign (no administration); T5 a single claimant with
# neither recorded: not disputed. T2, T4, T6 and T7 (the administration decides before sovereignty): disputed.
WANT = {'"T2"@en', '"T4"@en', '"T6"@en', '"T7"@en'}


def _disputed(name: str, params: dict[str, str]) -> set[str]:
    store = ox.Store()
    store.load(TTL, ox.RdfFormat.TURTLE)
    q = queries.parse_query_file(ROOT / "queries" / f"{name}.rq")
    _, got = queries.rows(queries.run(store, q.text, q.bindings(params)))
    return {row["territoryLabel"] for row in got}


def test_disputed_territories_follows_the_rule():
    assert _disputed("disputed-territories", {}) == WANT


def test_disputes_in_region_follows_the_rule():
    assert _disputed("disputes-in-region", {"region": "https://w3id.org/pactgraph/id/region/x"}) == WANT
