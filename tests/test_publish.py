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
    assert set(first) - set(second) == {"build-report.json", "shacl-report.ttl", "shapes.ttl"}
    assert set(second) <= set(first)
    different = [name for name in second if first[name] != second[name]]
    assert not different, different[:20]


def test_no_clock_time_in_published_text(dist):
    """Only the release date appears: the build never writes today's date (unless that is the release)."""
    today = date.today().isoformat()
    for name in ("void.ttl", "service-description.ttl", "site/index.html", "site/network.svg",
                 "site/timeline.svg", "ontology/index.html", "context.jsonld"):
        text = (dist / name).read_text(encoding="utf-8")
        assert today == RELEASE_DATE or today not in text, name
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text) or name == "ontology/index.html", name
