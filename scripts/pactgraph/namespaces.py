"""Every namespace the project mints or uses, in one place."""

BASE = "https://w3id.org/pactgraph/"
ONTOLOGY = BASE + "ontology"
PG = BASE + "ontology/"
PGSH = BASE + "shapes/"
PGID = BASE + "id/"
PGGRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"

#: Prefixes offered to ad-hoc SPARQL, used in exports and accepted in CLI parameters.
PREFIXES = {
    "pg": PG,
    "pgsh": PGSH,
    "pgid": PGID,
    "pggraph": PGGRAPH,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "schema": SCHEMA,
    "vann": VANN,
    "sh": SH,
    "wd": WD,
}


def graph_iri(kind: str, stem: str) -> str:
    """The named graph a source file loads into: ontology files and data files share one pattern."""
    return f"{PGGRAPH}{stem}" if kind == "data" else f"{PGGRAPH}{kind}/{stem}"


def expand(curie_or_iri: str) -> str:
    """Expand `pg:Foo` with the project prefixes; anything else is returned unchanged."""
    prefix, sep, local = curie_or_iri.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return curie_or_iri
