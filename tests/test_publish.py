"""What `pactgraph build` publishes beside the core exports: RDF/XML, compacted JSON-LD and its context,
VoID/DCAT, the SPARQL service description, the ontology documentation, one page per resource, and the
pictures. Every check runs on the project built once for the session (the `built` fixture)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import ROOT
from pactgraph.site import page_path
from pactgraph.version import RELEASE_DATE, VERSION

PG = "https://w3id.org/pactgraph/ontology/"
PGID = "https://w3id.org/pactgraph/id/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SVG = "{http://www.w3.org/2000/svg}"

#: file -> rapper's parser name, for every RDF file the build writes that raptor can read
RAPPER = {"pactgraph.ttl": "turtle", "pactgraph.nt": "ntriples", "pactgraph.nq": "nquads",
          "pactgraph.trig": "trig", "pactgraph.rdf": "rdfxml", "void.ttl": "turtle",
          "service-description.ttl": "turtle"}
RAPPER_HINT = ("rapper (Raptor RDF parser) is not installed: apt-get install raptor2-utils "
               "(CI installs it; this test does not skip)")


@pytest.fixture(scope="module")
def dist(built) -> Path:
    return built / "dist"


@pytest.fixture(scope="module")
def quads(dist) -> list[ox.Quad]:
    return list(ox.parse(path=str(dist / "pactgraph.nq"), format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def reference(quads) -> rdflib.Graph:
    """The merged graph as built (from the N-Quads, read by Oxigraph)."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _ox_graph(path: Path, fmt) -> rdflib.Graph:
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=fmt)}
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


# -- exports: RDF/XML and the compacted JSON-LD -------------------------------------------------------

@pytest.mark.parametrize("name,rdflib_format", [("pactgraph.rdf", "xml"), ("pactgraph.jsonld", "json-ld")])
def test_export_parses_back_isomorphic_with_rdflib(dist, reference, name, rdflib_format):
    graph = rdflib.Graph()
    graph.parse(str(dist / name), format=rdflib_format)
    assert len(graph) == len(reference)
    assert isomorphic(graph, reference)


@pytest.mark.parametrize("name,fmt", [("pactgraph.rdf", ox.RdfFormat.RDF_XML),
                                      ("pactgraph.jsonld", ox.RdfFormat.JSON_LD)])
def test_export_parses_back_isomorphic_with_oxigraph(dist, reference, name, fmt):
    graph = _ox_graph(dist / name, fmt)
    assert len(graph) == len(reference)
    assert isomorphic(graph, reference)


def _rapper_count(path: Path, parser: str) -> int:
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.fail(RAPPER_HINT)
    run = subprocess.run([rapper, "-i", parser, "-c", str(path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    found = re.search(r"returned (\d+) (triples|statements)", run.stderr)
    assert found, run.stderr
    assert "rapper: Error" not in run.stderr and "rapper: Warning" not in run.stderr, run.stderr
    return int(found.group(1))


@pytest.mark.parametrize("name", sorted(RAPPER))
def test_rapper_reads_every_rdf_file(dist, quads, reference, name):
    """A third, independent parser (Raptor) reads each file and counts what we wrote."""
    count = _rapper_count(dist / name, RAPPER[name])
    if name in ("pactgraph.nq", "pactgraph.trig"):
        assert count == len(quads)
    elif name.startswith("pactgraph."):
        assert count == len(reference)
    else:
        assert count > 20


def test_json_ld_reads_as_plain_json(dist):
    """A web developer gets nodes keyed by short terms, IRIs as compact strings, labels by language."""
    doc = json.loads((dist / "pactgraph.jsonld").read_text(encoding="utf-8"))
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert doc["@context"] == context  # the published context, inline so the file stands alone
    nodes = {n.get("id"): n for n in doc["@graph"]}
    raa = nodes["pgid:agreement/jp-au-raa"]
    assert raa["label"]["en"] == "Japan–Australia Reciprocal Access Agreement"
    assert "ReciprocalAccessAgreement" in raa["type"]
    assert sorted(raa["hasParty"]) == ["pgid:place/au", "pgid:place/jp"]
    def types(node):
        return [node["type"]] if isinstance(node.get("type"), str) else node.get("type", [])

    eif = [n for n in doc["@graph"] if n.get("actOn") == "pgid:agreement/jp-au-raa" and "EntryIntoForce" in types(n)]
    assert [n["date"] for n in eif] == ["2023-08-13"]
    month = [n for n in doc["@graph"] if n.get("dateYearMonth") == "2017-04"]
    assert month, "a month-precision date is written under its own term, not padded to a day"


def test_context_defines_typed_terms(dist):
    ctx = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert ctx["pg"] == PG and ctx["pgid"] == PGID and ctx["dcterms"] == "http://purl.org/dc/terms/"
    assert ctx["hasParty"] == {"@id": "pg:hasParty", "@type": "@id", "@container": "@set"}
    assert ctx["actOn"]["@type"] == "@id"
    assert ctx["date"] == {"@id": "pg:date", "@type": "xsd:date"}
    assert ctx["dateYearMonth"]["@type"] == "xsd:gYearMonth" and ctx["dateYear"]["@type"] == "xsd:gYear"
    assert ctx["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert ctx["officialName"]["@container"] == "@language"
    assert ctx["startTime"]["@type"] == "xsd:dateTime"
    assert ctx["wasDerivedFrom"]["@type"] == "@id"
    # every pg: property the ontology declares has a term
    onto = rdflib.Graph().parse(str(dist.parent / "ontology" / "pactgraph.ttl"))
    declared = {str(p) for kind in (rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty)
                for p in onto.subjects(rdflib.RDF.type, kind) if str(p).startswith(PG)}
    defined = {(v["@id"] if isinstance(v, dict) else v).replace("pg:", PG) for v in ctx.values()
               if isinstance(v, dict) and "@id" in v}
    assert declared <= defined, declared - defined


# -- VoID, DCAT and the service description -----------------------------------------------------------

@pytest.fixture(scope="module")
def void(dist) -> rdflib.Graph:
    return rdflib.Graph().parse(str(dist / "void.ttl"), format="turtle")


def test_void_counts_are_the_real_counts(void, reference, quads):
    datasets = [s for s in void.subjects(rdflib.RDF.type, VOID.Dataset) if (s, rdflib.RDF.type, DCAT.Dataset) in void]
    assert len(datasets) == 1
    ds = datasets[0]
    assert int(void.value(ds, VOID.triples)) == len(reference)
    subjects = {s for s in reference.subjects() if str(s).startswith(PGID)}
    assert int(void.value(ds, VOID.entities)) == len(subjects)
    wikidata = {(s, o) for s, o in reference.subject_objects(rdflib.URIRef(PG + "wikidataEntity"))}
    linksets = list(void.subjects(rdflib.RDF.type, VOID.Linkset))
    assert len(linksets) == 1 and wikidata
    assert int(void.value(linksets[0], VOID.triples)) == len(wikidata)
    assert void.value(linksets[0], VOID.linkPredicate) == rdflib.URIRef(PG + "wikidataEntity")
    # the class partitions count the typed resources
    for part in void.objects(ds, VOID.classPartition):
        cls = void.value(part, VOID["class"])
        assert int(void.value(part, VOID.entities)) == len(set(reference.subjects(rdflib.RDF.type, cls)))


def test_void_and_dcat_describe_release_and_downloads(void, dist):
    ds = next(s for s in void.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert void.value(ds, DCT.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(void.value(ds, DCAT.version)) == VERSION
    issued = void.value(ds, DCT.issued)
    assert str(issued) == RELEASE_DATE and issued.datatype == rdflib.XSD.date
    assert str(void.value(ds, DCT.title)) and str(void.value(ds, DCT.description))
    assert str(void.value(ds, VOID.sparqlEndpoint)) == "https://w3id.org/pactgraph/sparql"
    vocabularies = {str(v) for v in void.objects(ds, VOID.vocabulary)}
    assert {PG, "http://www.w3.org/ns/prov#", "http://www.w3.org/2000/01/rdf-schema#"} <= vocabularies
    downloads = {}
    for dist_node in void.objects(ds, DCAT.distribution):
        url = void.value(dist_node, DCAT.downloadURL)
        if url is not None:
            downloads[str(url)] = dist_node
    base = "https://w3id.org/pactgraph/dist/"
    for name in ("pactgraph.ttl", "pactgraph.nt", "pactgraph.nq", "pactgraph.trig", "pactgraph.rdf",
                 "pactgraph.jsonld"):
        node = downloads[base + name]
        media = str(void.value(node, DCAT.mediaType))
        assert media.startswith("https://www.iana.org/assignments/media-types/"), media
        assert int(void.value(node, DCAT.byteSize)) == (dist / name).stat().st_size
    assert str(void.value(downloads[base + "pactgraph.ttl"], DCAT.mediaType)).endswith("/text/turtle")
    # no clock time anywhere: the only dates are the release date
    for lit in (o for o in void.objects() if isinstance(o, rdflib.Literal)):
        assert lit.datatype != rdflib.XSD.dateTime


def test_service_description(dist):
    sd = rdflib.Graph().parse(str(dist / "service-description.ttl"), format="turtle")
    service = next(sd.subjects(rdflib.RDF.type, SD.Service))
    assert str(sd.value(service, SD.endpoint)) == "https://w3id.org/pactgraph/sparql"
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in sd
    formats = {str(f) for f in sd.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    dataset = sd.value(service, SD.defaultDataset)
    names = {str(sd.value(g, SD.name)) for g in sd.objects(dataset, SD.namedGraph)}
    report = json.loads((dist / "build-report.json").read_text())
    assert names == set(report["graphs"])
    for g in sd.objects(dataset, SD.namedGraph):
        assert int(sd.value(sd.value(g, SD.graph), VOID.triples)) == report["graphs"][str(sd.value(g, SD.name))]


def test_public_base_is_configurable(quads, tmp_path, monkeypatch):
    """The download base and the public SPARQL endpoint come from the environment when set."""
    from pactgraph import describe

    monkeypatch.setenv("PACTGRAPH_DOWNLOAD_URL", "https://example.org/pg")
    monkeypatch.setenv("PACTGRAPH_SPARQL_URL", "https://example.org/pg/query")
    store = ox.Store()
    store.extend(quads)
    describe.write_descriptions(store, tmp_path)
    g = rdflib.Graph().parse(str(tmp_path / "void.ttl"), format="turtle")
    ds = rdflib.URIRef("https://example.org/pg/void.ttl#dataset")
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in g
    assert g.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("https://example.org/pg/query")


# -- ontology documentation -----------------------------------------------------------------------

def test_ontology_documentation_by_pylode(dist):
    page = (dist / "ontology" / "index.html").read_text(encoding="utf-8")
    assert "pyLODE" in page, "pyLODE missing: pip install 'pylode>=3.3,<3.4' (CI must install it)"
    for term in ("ReciprocalAccessAgreement", "EntryIntoForce", "hasParty", "wasDerivedFrom"):
        assert term in page
    assert "pactgraph ontology" in page


# -- pages ----------------------------------------------------------------------------------------

def _resource_iris(quads) -> set[str]:
    iris = set()
    for q in quads:
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(PGID):
                iris.add(term.value)
    return iris


def test_every_resource_has_a_page(dist, quads):
    iris = _resource_iris(quads)
    assert len(iris) > 100
    missing = []
    for iri in sorted(iris):
        path = page_path(iri)
        for ext in (".html", ".ttl", ".jsonld"):
            if not (dist / "site" / f"{path}{ext}").is_file():
                missing.append(f"{iri} -> site/{path}{ext}")
    assert not missing, missing[:20]
    assert page_path(PGID + "place/jp") == "id/place/jp"


def test_agreement_page_shows_its_acts_with_sources(dist):
    page = (dist / "site" / "id" / "agreement" / "jp-au-raa.html").read_text(encoding="utf-8")
    assert "<h1>Japan–Australia Reciprocal Access Agreement</h1>" in page
    assert "2023-08-13" in page  # entry into force
    assert 'href="https://www.mofa.go.jp/press/release/press1e_000453.html"' in page  # its source (MOFA)
    assert 'href="../place/au.html"' in page and 'href="../place/jp.html"' in page
    table = page.split("Acts on this agreement", 1)[1].split("</table>", 1)[0]
    acts = re.findall(r'<time datetime="([0-9-]+)">', table)
    assert acts == sorted(acts) and "2022-01-06" in acts  # in date order, signature included
    assert "medium confidence" in page  # the 2014 start of talks comes from a single secondary source


def test_state_page_lists_agreements_and_territories(dist):
    page = (dist / "site" / "id" / "place" / "fr.html").read_text(encoding="utf-8")
    assert 'href="../agreement/jp-fr-raa.html"' in page
    assert 'href="nc.html"' in page  # New Caledonia, through French sovereignty
    jp = (dist / "site" / "id" / "place" / "jp.html").read_text(encoding="utf-8")
    assert "<h2>Agreements</h2>" in jp and 'href="../agreement/jp-au-raa.html"' in jp


def test_statement_sources_are_shown_with_the_fact(dist):
    """A Wikidata link with its own source: the page names the statement's source beside the fact."""
    page = (dist / "site" / "id" / "place" / "nc.html").read_text(encoding="utf-8")
    row = page.split("wd:Q33788", 1)[1].split("</tr>", 1)[0]
    assert "source:" in row and "statement" in row


def test_page_data_matches_the_graph(dist, quads):
    own = {ox.Triple(q.subject, q.predicate, q.object) for q in quads
           if q.subject == ox.NamedNode(PGID + "agreement/jp-au-raa")}
    base = dist / "site" / "id" / "agreement" / "jp-au-raa"
    ttl = {ox.Triple(t.subject, t.predicate, t.object)
           for t in ox.parse(path=f"{base}.ttl", format=ox.RdfFormat.TURTLE)}
    jsonld_ = {ox.Triple(t.subject, t.predicate, t.object)
               for t in ox.parse(path=f"{base}.jsonld", format=ox.RdfFormat.JSON_LD)}
    assert own and own <= ttl and ttl == jsonld_
    g = rdflib.Graph().parse(f"{base}.jsonld", format="json-ld")
    assert len(g) == len(ttl)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])
        if attrs.get("id"):
            self.ids.add(attrs["id"])


def test_relative_links_resolve_and_no_external_assets(dist):
    broken = []
    pages = sorted((dist / "site").rglob("*.html")) + [dist / "ontology" / "index.html"]
    for page in pages:
        parser = _Links()
        text = page.read_text(encoding="utf-8")
        parser.feed(text)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue
            if parts.scheme or link.startswith("//"):
                if parts.scheme != "data":
                    broken.append(f"{page.relative_to(dist)}: {link}")
                continue
            if parts.path and not (page.parent / unquote(parts.path)).resolve().exists():
                broken.append(f"{page.relative_to(dist)}: {link}")
        if page.parent.name != "ontology":
            assert "<script" not in text and "<link rel=\"stylesheet\"" not in text, page
    assert not broken, broken[:20]


def test_text_from_the_data_is_escaped(dist, quads):
    """Labels are HTML-escaped: an apostrophe, quote or ampersand in the data never reaches a page raw."""
    from html import escape

    special = sorted({(q.subject.value, q.object.value) for q in quads
                      if q.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"
                      and q.subject.value.startswith(PGID) and getattr(q.object, "language", None) == "en"
                      and any(c in q.object.value for c in "<>&'\"")})
    assert special, "the data has labels with characters that need escaping (e.g. Japan's)"
    for iri, label in special[:50]:
        page = (dist / "site" / f"{page_path(iri)}.html").read_text(encoding="utf-8")
        assert f"<h1>{escape(label)}</h1>" in page, iri
        assert f"<h1>{label}</h1>" not in page, iri


def test_index_links_pictures_docs_and_downloads(dist):
    index = (dist / "site" / "index.html").read_text(encoding="utf-8")
    for target in ('src="network.svg"', 'src="timeline.svg"', 'href="../ontology/index.html"',
                   'href="../void.ttl"', 'href="../pactgraph.ttl"', 'href="../context.jsonld"',
                   'href="id/agreement/jp-au-raa.html"', 'href="sources.html"'):
        assert target in index, target


# -- pictures -------------------------------------------------------------------------------------

def _svg_text(root) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter() if el.tag in (SVG + "text", SVG + "title")]


def test_network_svg(dist):
    root = ET.parse(dist / "site" / "network.svg").getroot()
    assert root.tag == SVG + "svg"
    text = _svg_text(root)
    for label in ("Japan", "Australia", "France", "United Kingdom", "Philippines", "United States"):
        assert label in text, label
    assert any(t.startswith("reciprocal access agreement") for t in text)  # the legend
    hrefs = {a.get("href") for a in root.iter(SVG + "a")}
    assert "id/place/jp.html" in hrefs and "id/agreement/jp-au-raa.html" in hrefs


def test_timeline_svg_draws_dates_at_their_precision(dist):
    root = ET.parse(dist / "site" / "timeline.svg").getroot()
    text = _svg_text(root)
    assert "Japan–Australia Reciprocal Access Agreement" in text
    marks = {}
    for a in root.iter(SVG + "a"):
        title = a.find(SVG + "title")
        if title is not None and title.text:
            marks[title.text] = [child.tag for child in a if child.tag != SVG + "title"]
    day = [shapes for tip, shapes in marks.items() if tip.startswith("2023-08-13 ")]
    month = [shapes for tip, shapes in marks.items() if tip.startswith("2017-04 ")]
    assert day and month
    assert month[0] == [SVG + "rect"]  # a month is a span
    assert day[0] != [SVG + "rect"]  # a day is a mark


STATE_IRI = re.compile(re.escape(PGID) + r"place/([a-z]{2})$")
ENDED = {PGID + "concept/" + s for s in ("terminated", "withdrawn", "replaced")}


@pytest.fixture(scope="module")
def facts(quads) -> dict:
    """subject -> predicate -> [object], over the merged graph (status periods included)."""
    out: dict = {}
    for q in quads:
        out.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object)
    return out


def _parties(facts) -> dict[str, set[str]]:
    """agreement -> its parties, for agreements with two or more parties."""
    out = {s: {o.value for o in props.get(PG + "hasParty", [])} for s, props in facts.items()}
    return {a: ps for a, ps in out.items() if len(ps) >= 2}


def _states(facts) -> dict[str, set[str]]:
    """alpha-2 code -> the agreements (with two or more parties) that state is party to."""
    out: dict[str, set[str]] = {}
    for a, ps in _parties(facts).items():
        for p in ps:
            m = STATE_IRI.match(p)
            if m:
                out.setdefault(m.group(1), set()).add(a)
    return out


def _en_label(facts, iri: str) -> str:
    labels = facts.get(iri, {}).get("http://www.w3.org/2000/01/rdf-schema#label", [])
    return next(lit.value for lit in labels if getattr(lit, "language", None) == "en")


def _agreement_links(root) -> list[str]:
    return [a.get("href") for a in root.iter(SVG + "a") if (a.get("href") or "").startswith("id/agreement/")]


def _status_on_release(facts) -> dict[tuple[str, str], str]:
    """(agreement, party) -> status concept on the release date, from the pg:StatusPeriod nodes."""
    out = {}
    for props in facts.values():
        if ox.NamedNode(PG + "StatusPeriod") not in props.get(RDF_TYPE, []):
            continue
        first = props[PG + "firstDay"][0].value
        last = props.get(PG + "lastDay", [None])[0]
        if first <= RELEASE_DATE and (last is None or last.value >= RELEASE_DATE):
            for party in props.get(PG + "party", []):
                out[(props[PG + "agreement"][0].value, party.value)] = props[PG + "status"][0].value
    return out


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_every_state_with_agreements_has_its_pictures(dist, facts):
    states = _states(facts)
    assert len(states) >= 20  # the graph has agreements among some twenty states
    index = (dist / "site" / "index.html").read_text(encoding="utf-8")
    for code in states:
        for kind in ("network", "timeline"):
            root = ET.parse(dist / "site" / f"{kind}-{code}.svg").getroot()
            assert root.tag == SVG + "svg", (kind, code)
            assert f'href="{kind}-{code}.svg"' in index, (kind, code)
    drawn = {p.name for p in (dist / "site").glob("*-??.svg")}
    assert drawn == {f"{kind}-{code}.svg" for code in states for kind in ("network", "timeline")}
    assert 'src="network-overview.svg"' in index and 'src="network-matrix.svg"' in index


def test_state_network_draws_each_of_its_agreements_once(dist, facts):
    for code, agreements in _states(facts).items():
        root = ET.parse(dist / "site" / f"network-{code}.svg").getroot()
        links = _agreement_links(root)
        assert sorted(links) == sorted(f"{page_path(a)}.html" for a in agreements), code
        assert f"id/place/{code}.html" in {a.get("href") for a in root.iter(SVG + "a")}


def test_state_timeline_draws_each_of_its_dated_agreements_once(dist, facts):
    dated = {o.value for props in facts.values() if PG + "date" in props for o in props.get(PG + "actOn", [])}
    for code, agreements in _states(facts).items():
        root = ET.parse(dist / "site" / f"timeline-{code}.svg").getroot()
        expected = sorted(f"{page_path(a)}.html" for a in agreements if a in dated)
        assert expected, code
        assert sorted(_agreement_links(root)) == expected, code


def test_centre_pictures_are_those_of_japan(dist):
    site = dist / "site"
    assert (site / "network.svg").read_bytes() == (site / "network-jp.svg").read_bytes()
    assert (site / "timeline.svg").read_bytes() == (site / "timeline-jp.svg").read_bytes()


def test_network_line_style_is_the_status_on_the_release_date(dist, facts):
    """Solid: in force on the release date (for some party); dashed "7 4": ended for every party;
    dotted "2 3": anything else — read from the derived pg:StatusPeriod nodes, not from the clock."""
    status, parties = _status_on_release(facts), _parties(facts)
    seen = set()
    for code, agreements in _states(facts).items():
        root = ET.parse(dist / "site" / f"network-{code}.svg").getroot()
        for a in root.iter(SVG + "a"):
            iri = PGID + (a.get("href") or "")[3:-5]
            if iri not in parties or len(parties[iri]) != 2:
                continue
            sts = [status[(iri, p)] for p in parties[iri] if (iri, p) in status]
            want = (None if PGID + "concept/in-force" in sts else "7 4" if sts and set(sts) <= ENDED else "2 3")
            path = a.find(SVG + "path")
            assert path.get("stroke-dasharray") == want, (code, iri, sts)
            seen.add(want)
    assert seen == {None, "7 4", "2 3"}  # every style occurs in the current graph


def test_overview_has_one_line_per_pair_with_its_count(dist, facts):
    root = ET.parse(dist / "site" / "network-overview.svg").getroot()
    pairs: dict[tuple, int] = {}
    multi = set()
    for a, ps in _parties(facts).items():
        if len(ps) == 2:
            key = tuple(sorted(ps))
            pairs[key] = pairs.get(key, 0) + 1
        else:
            multi.add(a)
    titles = [t.text for t in root.iter(SVG + "title") if t.text]
    line_titles = [t for t in titles if re.match(r"^[^\n:]+–[^\n:]+: \d+ bilateral agreements? \(", t)]
    for (p1, p2), n in pairs.items():
        head = f"{_en_label(facts, p1)}–{_en_label(facts, p2)}: {n} bilateral agreement{'' if n == 1 else 's'} ("
        found = [t for t in titles if t.startswith(head)]
        # a pair with two or more agreements has its number on the line too, with the same tooltip
        assert len(found) == (1 if n == 1 else 2), (p1, p2, n, found)
    assert len({t.split(":")[0] for t in line_titles}) == len(pairs)
    assert sorted(_agreement_links(root)) == sorted(f"{page_path(a)}.html" for a in multi)


def test_matrix_gives_every_pair_its_count_and_every_multilateral_agreement_a_column(dist, facts):
    root = ET.parse(dist / "site" / "network-matrix.svg").getroot()
    parties = _parties(facts)
    pairs: dict[tuple, int] = {}
    for ps in parties.values():
        if len(ps) == 2:
            key = tuple(sorted(ps))
            pairs[key] = pairs.get(key, 0) + 1
    titles = [t.text for t in root.iter(SVG + "title") if t.text]
    for (p1, p2), n in pairs.items():
        l1, l2 = _en_label(facts, p1), _en_label(facts, p2)
        count = f": {n} bilateral agreement{'' if n == 1 else 's'} ("
        # a cell above and one below the diagonal
        assert sum(t.startswith(f"{l1}–{l2}{count}") for t in titles) == 1, (p1, p2)
        assert sum(t.startswith(f"{l2}–{l1}{count}") for t in titles) == 1, (p1, p2)
    cells = [t for t in titles if re.match(r"^[^\n:]+–[^\n:]+: \d+ bilateral agreements? \(", t)]
    assert len(cells) == 2 * len(pairs)
    multi = {a: ps for a, ps in parties.items() if len(ps) > 2}
    assert sorted(_agreement_links(root)) == sorted(f"{page_path(a)}.html" for a in multi)
    for a, ps in multi.items():  # a mark in the row of each party
        name = _en_label(facts, a)
        marks = [t for t in titles if f" in {name}: " in t and t.split(" in ")[0] in
                 {_en_label(facts, p) for p in ps}]
        assert len(marks) == len(ps), (a, marks)


# -- determinism ----------------------------------------------------------------------------------

def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


_REPUBLISH = """
import sys
from pathlib import Path
from pactgraph import export
from pactgraph.project import Project
from pactgraph.publish import publish
from pactgraph.sources import load_store, source_files
root, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir()
store = load_store(source_files(Project(root)))
export.write_store(store, out)
publish(store, list(store), out, Project(root))
"""


def test_exports_and_publishing_are_byte_identical_in_another_process(built, dist, tmp_path):
    """Write every export and published file again in a fresh interpreter with another hash seed
    (set and dict orders differ there) and compare each file, recursively, with dist/."""
    again = tmp_path / "again"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACTGRAPH_")}
    env.update(PYTHONHASHSEED="4242", PYTHONPATH=str(ROOT / "scripts"))
    run = subprocess.run([sys.executable, "-c", _REPUBLISH, str(built), str(again)], env=env,
                         capture_output=True, text=True, timeout=1800, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    first, second = _tree(dist), _tree(again)
    # build-only files: the reports, the shapes copy, and the output marker (outdir.py)
    assert set(first) - set(second) == {"build-report.json", "shacl-report.ttl", "shapes.ttl", ".pactgraph-output"}
    assert set(second) <= set(first)
    different = [name for name in second if first[name] != second[name]]
    assert not different, different[:20]


def test_no_clock_time_in_published_text(dist):
    """Only the release date appears: the build never writes today's date (unless that is the release)."""
    today = date.today().isoformat()
    pictures = sorted(p.relative_to(dist).as_posix() for p in (dist / "site").glob("*.svg"))
    assert len(pictures) > 2
    for name in ("void.ttl", "service-description.ttl", "site/index.html", *pictures,
                 "ontology/index.html", "context.jsonld"):
        text = (dist / name).read_text(encoding="utf-8")
        assert today == RELEASE_DATE or today not in text, name
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text) or name == "ontology/index.html", name
