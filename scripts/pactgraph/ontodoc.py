"""HTML documentation of the ontology: pyLODE (OntPub profile), or a plain page if pyLODE is missing.

pyLODE 3.3.x works offline with rdflib 7 (3.4.1 fails on import: it reads a pyproject.toml that its
wheel does not ship — RDFLib/pyLODE#260 — hence the pin `pylode>=3.3,<3.4`). Two things are fixed
around it so the page is the same bytes on every build: the ontology is handed over with canonical
blank-node labels, and the order of the `or`-lists pyLODE builds for union domains and ranges (from
a Python set of HTML elements, so random) is sorted.

Returns, beside the HTML, the anchor of each documented term (`ontology/index.html#Polity`) so the
resource pages can link their types and properties to it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections import defaultdict
from html import escape

import pyoxigraph as ox

from .export import canonical_quads
from .namespaces import ONTOLOGY, OWL, PG, PGGRAPH, PREFIXES, RDF, RDFS, SKOS
from .version import RELEASE_DATE, VERSION

ONTOLOGY_GRAPHS = PGGRAPH + "ontology/"
PAGE = "ontology/index.html"


def ontology_triples(quads) -> list[ox.Triple]:
    """The ontology's own statements (graphs graph/ontology/*), with canonical blank nodes."""
    onto = [q for q in quads
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(ONTOLOGY_GRAPHS)]
    return sorted({ox.Triple(q.subject, q.predicate, q.object) for q in canonical_quads(onto)}, key=str)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"


def _pylode_html(triples: list[ox.Triple]) -> str:
    import rdflib
    import pylode.utils as pu
    from pylode import OntPub

    if not getattr(pu.intersperse, "_pactgraph_sorted", False):
        original = pu.intersperse

        def intersperse(lst, sep):  # pyLODE passes a set: give it a stable order
            return original(sorted(lst, key=str), sep)

        intersperse._pactgraph_sorted = True
        pu.intersperse = intersperse
    graph = rdflib.Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    # pyLODE documents one owl:Ontology and picks the first it meets, which depends on process state;
    # give it only the main ontology's header (the alignments' term triples stay).
    headers = {t.subject for t in triples if t.predicate.value == RDF_TYPE and t.object.value == OWL_ONTOLOGY
               and t.subject.value != ONTOLOGY}
    triples = [t for t in triples if t.subject not in headers]
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return OntPub(ontology=graph).make_html()
    finally:
        quiet.setLevel(level)


def _anchors_from_html(html_: str) -> dict[str, str]:
    """IRI -> anchor, read from pyLODE's entity blocks (its ids are not a function of the IRI alone)."""
    anchors = {}
    for m in re.finditer(r'<div class="[^"]*entity[^"]*" id="([^"]+)">.*?<code>([^<]+)</code>', html_, re.S):
        anchors.setdefault(m.group(2).strip(), m.group(1))
    return anchors


def _fallback_html(triples: list[ox.Triple]) -> tuple[str, dict[str, str]]:
    """A plain vocabulary page: every class and property with its label, definition and axioms."""
    props: dict = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            props[t.subject.value][t.predicate.value].append(t.object)

    def first(iri, p):
        vals = sorted((o for o in props[iri].get(p, ()) if isinstance(o, ox.Literal)),
                      key=lambda o: (o.language != "en", o.value))
        return vals[0].value if vals else ""

    def kinds(iri):
        return {o.value for o in props[iri].get(RDF + "type", ()) if isinstance(o, ox.NamedNode)}

    terms = [i for i in props if i.startswith(PG) and kinds(i) & {OWL + "Class", OWL + "ObjectProperty",
                                                                   OWL + "DatatypeProperty", RDFS + "Datatype"}]
    anchors = {i: i[len(PG):] for i in terms}

    def ref(o):
        if isinstance(o, ox.NamedNode):
            if o.value in anchors:
                return f'<a href="#{escape(anchors[o.value])}">pg:{escape(anchors[o.value])}</a>'
            for prefix, ns in PREFIXES.items():
                if o.value.startswith(ns):
                    return f"<code>{escape(prefix)}:{escape(o.value[len(ns):])}</code>"
            return f"<code>{escape(o.value)}</code>"
        return "<em>(a class expression)</em>" if isinstance(o, ox.BlankNode) else escape(o.value)

    sections = []
    for title, kind in (("Classes", OWL + "Class"), ("Object properties", OWL + "ObjectProperty"),
                        ("Datatype properties", OWL + "DatatypeProperty"), ("Datatypes", RDFS + "Datatype")):
        items = []
        for iri in sorted((i for i in terms if kind in kinds(i)), key=lambda i: i.lower()):
            rows = [f"<tr><th>IRI</th><td><code>{escape(iri)}</code></td></tr>"]
            for name, p in (("definition", SKOS + "definition"), ("comment", RDFS + "comment")):
                if first(iri, p):
                    rows.append(f"<tr><th>{name}</th><td>{escape(first(iri, p))}</td></tr>")
            for name, p in (("subclass of", RDFS + "subClassOf"), ("domain", RDFS + "domain"),
                            ("range", RDFS + "range"), ("inverse of", OWL + "inverseOf"),
                            ("sub-property of", RDFS + "subPropertyOf")):
                vals = sorted(ref(o) for o in props[iri].get(p, ()))
                if vals:
                    rows.append(f"<tr><th>{name}</th><td>{', '.join(vals)}</td></tr>")
            heading = escape(first(iri, RDFS + "label") or anchors[iri])
            items.append(f'<section id="{escape(anchors[iri])}"><h3>{heading}'
                         f"</h3><table>{''.join(rows)}</table></section>")
        if items:
            sections.append(f"<h2>{title}</h2>\n" + "\n".join(items))
    onto = PG[:-1]
    html_ = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
             f"<title>{escape(first(onto, RDFS + 'label') or 'pactgraph ontology')}</title>"
             "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
             "table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.2rem .5rem;"
             "border-bottom:1px solid #ddd}th{width:10rem;color:#555}</style></head>\n<body>\n"
             f"<h1>{escape(first(onto, RDFS + 'label') or 'pactgraph ontology')}</h1>\n"
             f"<p><code>{escape(onto)}</code> · version {escape(VERSION)} ({escape(RELEASE_DATE)})</p>\n"
             f"<p>{escape(first(onto, 'http://purl.org/dc/terms/description'))}</p>\n"
             + "\n".join(sections) + "\n</body>\n</html>\n")
    return html_, anchors


def ontology_html(quads, log=lambda msg: None) -> tuple[str, dict[str, str], str]:
    """(html, {term IRI: anchor}, tool) for the ontology in the dataset's ontology graphs."""
    triples = ontology_triples(quads)
    try:
        import pylode  # noqa: F401
    except Exception as err:  # not installed, or a broken release (3.4.1 raises FileNotFoundError)
        log(f"pyLODE unavailable ({type(err).__name__}: {err}); pip install 'pylode>=3.3,<3.4'. "
            "Writing a plain vocabulary page instead.")
        html_, anchors = _fallback_html(triples)
        return html_, anchors, "pactgraph"
    html_ = _pylode_html(triples)
    return html_, _anchors_from_html(html_), "pyLODE"
