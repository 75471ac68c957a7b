"""Descriptions of the dataset: VoID + DCAT (void.ttl) and a SPARQL 1.1 Service Description.

Counts come from SPARQL on the built store, so they are the real ones. Nothing depends on the clock:
the version and dates are pactgraph.version's. Where the files are downloaded from and where the
public SPARQL endpoint lives are configurable (see docs/publishing.md):

* PACTGRAPH_DOWNLOAD_URL — base of the files in dist/ (default https://w3id.org/pactgraph/dist/)
* PACTGRAPH_SPARQL_URL — the public SPARQL endpoint (default https://w3id.org/pactgraph/sparql)

`pactgraph serve` answers on http://127.0.0.1:7878/sparql, which is only reachable on the machine that
runs it, so it is not what a published description should point at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from .export import used_prefixes
from .namespaces import DCTERMS, OWL, PG, PGGRAPH, PGID, RDF, RDFS, XSD
from .version import RELEASE_DATE, VERSION

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
FOAF = "http://xmlns.com/foaf/0.1/"
IANA = "https://www.iana.org/assignments/media-types/"
WIKIDATA = "http://www.wikidata.org/entity/"

DEFAULT_DOWNLOAD_URL = "https://w3id.org/pactgraph/dist/"
DEFAULT_SPARQL_URL = "https://w3id.org/pactgraph/sparql"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

TITLE = "pactgraph"
DESCRIPTION = ("An open knowledge graph of states, security agreements and territories, every fact with its "
               "source: who is party to which agreement, the dated acts by which each agreement came into force, "
               "who governs or claims which territory, and the diplomatic events, offices and sources behind "
               "those facts. It starts from Japan's agreement network.")

#: The dumps: file -> (title, IANA media type, W3C format IRI)
DUMPS = {
    "pactgraph.ttl": ("Turtle (merged graph)", "text/turtle", "Turtle"),
    "pactgraph.nt": ("N-Triples (merged graph)", "application/n-triples", "N-Triples"),
    "pactgraph.nq": ("N-Quads (one named graph per source file)", "application/n-quads", "N-Quads"),
    "pactgraph.trig": ("TriG (one named graph per source file)", "application/trig", "TriG"),
    "pactgraph.rdf": ("RDF/XML (merged graph)", "application/rdf+xml", "RDF_XML"),
    "pactgraph.jsonld": ("JSON-LD compacted with context.jsonld (merged graph)", "application/ld+json", "JSON-LD"),
}

RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "RDF_XML", "N-Quads", "TriG")

PREFIXES = {
    "schema": "https://schema.org/", "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "wd": WIKIDATA, "vann": "http://purl.org/vocab/vann/",
    "void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "sd": SD, "formats": FORMATS, "foaf": FOAF,
    "xsd": XSD, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "pg": PG, "pgid": PGID, "pggraph": PGGRAPH,
}

EXAMPLES = ("agreement/jp-fr-raa", "agreement/jp-au-raa", "place/jp")


def endpoints() -> tuple[str, str]:
    """(download base, SPARQL endpoint), from the environment or the defaults."""
    base = os.environ.get("PACTGRAPH_DOWNLOAD_URL", "").strip() or DEFAULT_DOWNLOAD_URL
    if not base.endswith("/"):
        base += "/"
    sparql = os.environ.get("PACTGRAPH_SPARQL_URL", "").strip() or DEFAULT_SPARQL_URL
    return base, sparql


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def statistics(store: ox.Store) -> dict:
    """Counts over the merged graph (every distinct triple of every named graph).

    Each query is a scan of the whole store, so scans are shared: one GROUP BY ?g ?p pass gives the
    quads per graph and per property; a property found in one graph only cannot have a triple twice
    (a graph is a set), so only the properties of several graphs are deduplicated (DISTINCT, the
    costly part); the triples are the sum over the properties. Subjects and entities come from one
    pass over the distinct subjects. The queries run on a thread per core (queries.parallel_map).
    On the 1M-triple synthetic world: 4.6 s CPU -> about 2 s, with the same numbers.
    """
    from .queries import parallel_map

    def count(q: str) -> int:
        return next((int(row[0].value) for row in store.query(q)), 0)

    def per_graph_and_property() -> tuple[dict, dict]:
        quads: dict = {}  # (graph, property) -> quads
        for g, p, n in store.query("SELECT ?g ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ?p"):
            quads[g, p] = int(n.value)
        graphs: dict = {}
        in_graphs: dict = {}
        for (g, p), n in quads.items():
            graphs[g] = graphs.get(g, 0) + n
            in_graphs.setdefault(p, []).append(n)
        properties = {p: ns[0] for p, ns in in_graphs.items() if len(ns) == 1}
        shared = [p for p, ns in in_graphs.items() if len(ns) > 1]
        if shared:  # the same triple may be in several of their graphs: count distinct triples
            values = " ".join(str(p) for p in shared)
            for p, n in store.query(f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
                                        VALUES ?p {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} }} GROUP BY ?p"""):
                properties[p] = int(n.value)
        return graphs, properties

    def subjects() -> tuple[int, int]:
        row = next(iter(store.query(f"""SELECT (COUNT(*) AS ?n)
                                          (SUM(IF(isIRI(?s) && STRSTARTS(STR(?s), "{PGID}"), 1, 0)) AS ?entities)
                                        WHERE {{ SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} }}""")))
        return int(row[0].value), int(row[1].value)

    def classes() -> list:
        return sorted((row[0].value, int(row[1].value)) for row in store.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } GROUP BY ?c"))

    examples = {e: f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{PGID + e}> ?p ?o }} }}" for e in EXAMPLES}
    jobs = {
        "graphs_properties": per_graph_and_property,
        "subjects_entities": subjects,
        "objects": lambda: count("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
        "classes": classes,
        "wikidata_links": lambda: count(f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{
                                            GRAPH ?g {{ ?s <{PG}wikidataEntity> ?o }} FILTER(isIRI(?o)) }} }}"""),
        **{"example " + e: (lambda q=q: count(q)) for e, q in examples.items()},
    }
    answers = dict(zip(jobs, parallel_map(lambda job: job(), jobs.values())))

    graphs, properties = answers["graphs_properties"]
    stats = {
        "triples": sum(properties.values()),
        "entities": answers["subjects_entities"][1],
        "subjects": answers["subjects_entities"][0],
        "objects": answers["objects"],
        "wikidata_links": answers["wikidata_links"],
        "classes": answers["classes"],
        "properties": sorted((p.value, n) for p, n in properties.items()),
        "graphs": sorted((g.value, n) for g, n in graphs.items()),
    }
    stats["vocabularies"] = sorted({_namespace(p) for p, _ in stats["properties"]}
                                   | {_namespace(c) for c, _ in stats["classes"]})
    stats["examples"] = [PGID + e for e in examples if answers["example " + e]]
    return stats


class _Doc:
    def __init__(self):
        self.triples: set[ox.Triple] = set()

    def add(self, s: str, p: str, o) -> None:
        obj = o if isinstance(o, (ox.NamedNode, ox.Literal)) else ox.NamedNode(o)
        self.triples.add(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def turtle(self, header: str, first: tuple[str, ...] = (), local: dict[str, str] | None = None) -> bytes:
        """Turtle with the main nodes first, then every other subject in IRI order."""
        rank = {iri: i for i, iri in enumerate(first)}

        def order(t: ox.Triple) -> tuple:
            return (rank.get(t.subject.value, len(rank)), t.subject.value, t.predicate.value != RDF + "type",
                    t.predicate.value, str(t.object))

        triples = sorted(self.triples, key=order)
        prefixes = {**used_prefixes(triples, PREFIXES), **(local or {})}
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return header.encode("utf-8") + body


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))


def _nonneg(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "nonNegativeInteger"))


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _slug(iri: str) -> str:
    """A readable fragment for a term: `pg-SovereignState`, `rdf-type`."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            iri = f"{prefix}-{iri[len(ns):]}"
            break
    else:
        iri = iri.split("://", 1)[-1]
    out = "".join(c if c.isalnum() else "-" for c in iri)
    return "-".join(part for part in out.split("-") if part)


def void_ttl(stats: dict, folder: Path, base: str, sparql: str) -> bytes:
    """VoID and DCAT in one document (dist/void.ttl)."""
    doc = _Doc()
    me = base + "void.ttl"
    ds = me + "#dataset"
    date = ox.Literal(RELEASE_DATE, datatype=ox.NamedNode(XSD + "date"))
    for t in (VOID + "Dataset", DCAT + "Dataset"):
        doc.add(ds, RDF + "type", t)
    doc.add(me, RDF + "type", VOID + "DatasetDescription")
    doc.add(me, DCTERMS + "title", _en("Description of the pactgraph dataset (VoID and DCAT)"))
    doc.add(me, FOAF + "primaryTopic", ds)
    doc.add(ds, DCTERMS + "title", _en(TITLE))
    doc.add(ds, DCTERMS + "description", _en(DESCRIPTION))
    doc.add(ds, DCTERMS + "license", LICENSE)
    doc.add(ds, DCTERMS + "issued", date)
    doc.add(ds, DCTERMS + "modified", date)
    doc.add(ds, OWL + "versionInfo", ox.Literal(VERSION))
    doc.add(ds, DCAT + "version", ox.Literal(VERSION))
    doc.add(ds, DCTERMS + "conformsTo", PG[:-1])
    for kw in ("international agreements", "security agreements", "territories", "sovereign states", "provenance",
               "Japan"):
        doc.add(ds, DCAT + "keyword", _en(kw))
    doc.add(ds, DCAT + "landingPage", base + "site/index.html")
    doc.add(ds, FOAF + "page", base + "ontology/index.html")
    doc.add(ds, FOAF + "page", base + "site/index.html")
    doc.add(ds, VOID + "uriSpace", ox.Literal(PGID))
    doc.add(ds, VOID + "triples", _int(stats["triples"]))
    doc.add(ds, VOID + "entities", _int(stats["entities"]))
    doc.add(ds, VOID + "distinctSubjects", _int(stats["subjects"]))
    doc.add(ds, VOID + "distinctObjects", _int(stats["objects"]))
    doc.add(ds, VOID + "properties", _int(len(stats["properties"])))
    doc.add(ds, VOID + "classes", _int(len(stats["classes"])))
    doc.add(ds, VOID + "sparqlEndpoint", sparql)
    for ex in stats["examples"]:
        doc.add(ds, VOID + "exampleResource", ex)
    for vocab in stats["vocabularies"]:
        doc.add(ds, VOID + "vocabulary", vocab)
    for cls, n in stats["classes"]:
        node = f"{me}#class-{_slug(cls)}"
        doc.add(ds, VOID + "classPartition", node)
        doc.add(node, VOID + "class", cls)
        doc.add(node, VOID + "entities", _int(n))
    for prop, n in stats["properties"]:
        node = f"{me}#property-{_slug(prop)}"
        doc.add(ds, VOID + "propertyPartition", node)
        doc.add(node, VOID + "property", prop)
        doc.add(node, VOID + "triples", _int(n))
    # downloads
    from .export import jsonld_form

    expanded = jsonld_form(stats["triples"]) == "expanded"
    for name, (title, media, fmt) in DUMPS.items():
        path = folder / name
        if not path.is_file():
            continue
        if name.endswith(".jsonld") and expanded:  # a large build (export.COMPACT_JSONLD_MAX)
            title = "JSON-LD, expanded form (merged graph)"
        dist = f"{me}#distribution-{name.replace('.', '-')}"
        doc.add(ds, DCAT + "distribution", dist)
        doc.add(ds, VOID + "dataDump", base + name)
        doc.add(ds, VOID + "feature", FORMATS + fmt)
        doc.add(dist, RDF + "type", DCAT + "Distribution")
        doc.add(dist, DCTERMS + "title", _en(title))
        doc.add(dist, DCAT + "downloadURL", base + name)
        doc.add(dist, DCAT + "accessURL", base + name)
        doc.add(dist, DCAT + "mediaType", IANA + media)
        doc.add(dist, DCTERMS + "format", FORMATS + fmt)
        doc.add(dist, DCAT + "byteSize", _nonneg(path.stat().st_size))
        doc.add(dist, DCTERMS + "license", LICENSE)
        if name.endswith(".jsonld") and not expanded:
            doc.add(dist, RDFS + "seeAlso", base + "context.jsonld")
    # the SPARQL endpoint, as a DCAT data service
    service = f"{me}#sparql-service"
    doc.add(service, RDF + "type", DCAT + "DataService")
    doc.add(service, DCTERMS + "title", _en("pactgraph SPARQL 1.1 endpoint"))
    doc.add(service, DCAT + "endpointURL", sparql)
    doc.add(service, DCAT + "endpointDescription", base + "service-description.ttl")
    doc.add(service, DCAT + "servesDataset", ds)
    doc.add(service, DCTERMS + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    doc.add(ds, DCAT + "distribution", f"{me}#distribution-sparql")
    doc.add(f"{me}#distribution-sparql", RDF + "type", DCAT + "Distribution")
    doc.add(f"{me}#distribution-sparql", DCTERMS + "title", _en("SPARQL endpoint"))
    doc.add(f"{me}#distribution-sparql", DCAT + "accessURL", sparql)
    doc.add(f"{me}#distribution-sparql", DCAT + "accessService", service)
    # links to Wikidata
    wd = f"{me}#wikidata"
    links = f"{me}#wikidata-links"
    doc.add(wd, RDF + "type", VOID + "Dataset")
    doc.add(wd, DCTERMS + "title", _en("Wikidata"))
    doc.add(wd, FOAF + "homepage", "https://www.wikidata.org/")
    doc.add(wd, VOID + "uriSpace", ox.Literal(WIKIDATA))
    doc.add(wd, VOID + "sparqlEndpoint", "https://query.wikidata.org/sparql")
    doc.add(links, RDF + "type", VOID + "Linkset")
    doc.add(links, DCTERMS + "title", _en("Links from pactgraph resources to Wikidata items"))
    doc.add(links, VOID + "linkPredicate", PG + "wikidataEntity")
    doc.add(links, VOID + "subjectsTarget", ds)
    doc.add(links, VOID + "objectsTarget", wd)
    doc.add(links, VOID + "triples", _int(stats["wikidata_links"]))
    doc.add(ds, VOID + "subset", links)
    header = (f"# VoID and DCAT description of pactgraph {VERSION} ({RELEASE_DATE}), written by `pactgraph build`.\n"
              f"# Downloads are relative to {base}; the SPARQL endpoint is {sparql}\n"
              "# (both configurable: PACTGRAPH_DOWNLOAD_URL, PACTGRAPH_SPARQL_URL; see docs/publishing.md).\n\n")
    return doc.turtle(header, first=(ds, me, service, links, wd), local={"": me + "#"})


def service_description_ttl(stats: dict, base: str, sparql: str) -> bytes:
    """A SPARQL 1.1 Service Description of the endpoint serving the dataset."""
    doc = _Doc()
    me = base + "service-description.ttl"
    svc = me + "#service"
    ds = base + "void.ttl#dataset"
    doc.add(svc, RDF + "type", SD + "Service")
    doc.add(svc, SD + "endpoint", sparql)
    doc.add(svc, SD + "supportedLanguage", SD + "SPARQL11Query")
    doc.add(svc, SD + "feature", SD + "UnionDefaultGraph")
    doc.add(svc, SD + "defaultEntailmentRegime", "http://www.w3.org/ns/entailment/Simple")
    for fmt in RESULT_FORMATS:
        doc.add(svc, SD + "resultFormat", FORMATS + fmt)
    doc.add(svc, SD + "defaultDataset", ds)
    doc.add(svc, DCTERMS + "title", _en("pactgraph SPARQL endpoint"))
    doc.add(svc, DCTERMS + "description", _en(
        "Read-only SPARQL 1.1 Query endpoint over the pactgraph dataset (no SPARQL Update). Each source file "
        "is a named graph; the default graph is the union of all named graphs."))
    doc.add(ds, RDF + "type", SD + "Dataset")
    doc.add(ds, DCTERMS + "title", _en(TITLE))
    default = me + "#default-graph"
    doc.add(ds, SD + "defaultGraph", default)
    doc.add(default, RDF + "type", SD + "Graph")
    doc.add(default, DCTERMS + "description", _en("The union of all named graphs."))
    doc.add(default, VOID + "triples", _int(stats["triples"]))
    for graph, n in stats["graphs"]:
        local = graph[len(PGGRAPH):] if graph.startswith(PGGRAPH) else _slug(graph)
        named = f"{me}#named-graph-{local.replace('/', '-')}"
        content = f"{me}#graph-{local.replace('/', '-')}"
        doc.add(ds, SD + "namedGraph", named)
        doc.add(named, RDF + "type", SD + "NamedGraph")
        doc.add(named, SD + "name", graph)
        doc.add(named, SD + "graph", content)
        doc.add(content, RDF + "type", SD + "Graph")
        doc.add(content, VOID + "triples", _int(n))
    header = (f"# SPARQL 1.1 Service Description for pactgraph {VERSION} ({RELEASE_DATE}), "
              "written by `pactgraph build`.\n"
              f"# Endpoint: {sparql} (PACTGRAPH_SPARQL_URL; see docs/publishing.md).\n\n")
    return doc.turtle(header, first=(svc, ds, default), local={"": me + "#", "pgvoid": base + "void.ttl#"})


def write_descriptions(store: ox.Store, folder: Path, log=lambda m: None,
                       stats: dict | None = None) -> tuple[dict[str, int], dict]:
    """Write void.ttl and service-description.ttl (after the exports, whose sizes VoID lists);
    `stats` are statistics(store) if the caller has them already."""
    base, sparql = endpoints()
    stats = stats if stats is not None else statistics(store)
    sizes = {}
    for name, data in (("void.ttl", void_ttl(stats, folder, base, sparql)),
                       ("service-description.ttl", service_description_ttl(stats, base, sparql))):
        (folder / name).write_bytes(data)
        sizes[name] = len(data)
    return sizes, stats
