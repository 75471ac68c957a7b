"""Static HTML pages: one per resource under https://w3id.org/pactgraph/id/, an index and a sources list.

Each resource `https://w3id.org/pactgraph/id/<kind>/<slug>` gets `site/id/<kind>/<slug>.html` with its
labels, its facts in readable form, the source of each fact (the node's own `prov:wasDerivedFrom`, and
that of any `rdf:Statement` about one of its triples, with the confidence marker), the relations that
point at it, and relative links to everything it mentions; beside it the same statements as Turtle
(`<slug>.ttl`) and JSON-LD (`<slug>.jsonld`). Plain semantic HTML with a small inline stylesheet and
no external assets; every piece of text from the data is escaped.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections import defaultdict
from html import escape
from pathlib import Path

import pyoxigraph as ox

from . import jsonld
from .export import canonical_quads, used_prefixes
from .gather import LABEL, RDF_TYPE, GraphIndex, kind_of, statement_sources
from .namespaces import PG, PGID, PREFIXES, PROV, RDF, RDFS, SCHEMA, SKOS, WD, XSD
from .version import RELEASE_DATE, VERSION

DERIVED = PROV + "wasDerivedFrom"
CONFIDENCE = PG + "confidence"
EXCERPT = PG + "excerpt"
MEDIUM = PGID + "concept/medium-confidence"
DATE_PROPS = (PG + "date", PG + "startDate", PG + "endDate", PG + "intendedDate", PG + "startTime")
DATATYPE_PRECISION = {XSD + "gYearMonth": "month", XSD + "gYear": "year"}

#: Kinds in the order the model lists them, with a heading for each.
KINDS = {
    "place": "Places: states, territories and the relations over them",
    "region": "Regions",
    "city": "Cities",
    "agreement": "Agreements",
    "act": "Agreement acts",
    "intention": "Intentions",
    "person": "People",
    "office": "Offices",
    "term": "Terms of office",
    "org": "Organisations",
    "membership": "Memberships",
    "event": "Events",
    "claim": "Claims",
    "source": "Sources",
    "concept": "Concepts",
    "scheme": "Concept schemes",
    "stmt": "Statements with their own source",
}

#: How properties from other vocabularies are named on the pages.
PROPERTY_NAMES = {
    RDFS + "label": "label",
    RDFS + "comment": "comment",
    RDFS + "seeAlso": "see also",
    SKOS + "altLabel": "also known as",
    SKOS + "prefLabel": "preferred label",
    SKOS + "definition": "definition",
    SKOS + "inScheme": "in scheme",
    SKOS + "topConceptOf": "top concept of",
    SKOS + "hasTopConcept": "has top concept",
    SKOS + "broader": "broader",
    SKOS + "narrower": "narrower",
    SKOS + "exactMatch": "exact match",
    SCHEMA + "url": "address",
    DERIVED: "derived from",
    RDF + "subject": "subject",
    RDF + "predicate": "predicate",
    RDF + "object": "object",
    RDF_TYPE: "type",
}

#: Properties shown first in a facts table, in this order.
FIRST_PROPS = [PG + p for p in ("actOn", "intendedActType", "date", "intendedDate", "startDate", "endDate",
                                "startTime", "actor", "hasParty", "territory", "sovereign", "administrator",
                                "claimant", "holder", "office", "member", "organisation")]
#: Shown elsewhere on the page, not in the facts table.
NOT_FACTS = {RDF_TYPE, LABEL, DERIVED, CONFIDENCE, EXCERPT}

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")

STYLE = """
:root{--fg:#1b1f24;--muted:#5b6570;--line:#d8dee4;--accent:#0b5cad;--bg:#fff;--tint:#f5f7f9}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP",sans-serif;
color:var(--fg);background:var(--bg);margin:0}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:.75rem;font-size:.9rem;color:var(--muted)}
header a{color:var(--muted)}
h1{font-size:1.75rem;margin:.5rem 0 .25rem;line-height:1.25}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:1.25rem 0 .4rem}
a{color:var(--accent);text-decoration-thickness:1px;text-underline-offset:2px}
.sub{color:var(--muted);margin:.1rem 0}
code,.iri{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem;font-size:.95rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
thead th{background:var(--tint);font-weight:600}
tbody th{font-weight:500;color:var(--muted);width:14rem}
td.date,th.date{white-space:nowrap;width:9rem}
.lang,.prec,.badge{font-size:.75rem;color:var(--muted);border:1px solid var(--line);border-radius:.6rem;
padding:0 .35rem;margin-left:.25rem;white-space:nowrap}
.badge.medium{color:#7a4d00;border-color:#e0b35c;background:#fff7e6}
.note{background:#fff7e6;border:1px solid #e0b35c;border-radius:.3rem;padding:.4rem .6rem}
blockquote{margin:.25rem 0 .75rem;padding:.2rem .8rem;border-left:3px solid var(--line);color:var(--muted)}
ul.sources,ul.plain{padding-left:1.2rem;margin:.25rem 0}
ul.cols{columns:18rem;padding-left:1.2rem}
ul.cols li{break-inside:avoid}
.src{font-size:.85rem}
figure{margin:1rem 0}
figure img{max-width:100%;height:auto;border:1px solid var(--line)}
footer{color:var(--muted);font-size:.85rem;margin-top:2.5rem;padding-bottom:1.5rem;border-top:1px solid var(--line)}
nav.kinds a{margin-right:.6rem;white-space:nowrap}
""".strip()


# ------------------------------------------------------------------------------------------------
# Paths and links
# ------------------------------------------------------------------------------------------------

def page_path(iri: str) -> str | None:
    """`id/<kind>/<slug>` (relative to site/, without extension) for an IRI under pgid:, else None."""
    if not iri.startswith(PGID) or len(iri) == len(PGID):
        return None
    rest = iri[len(PGID):]
    if SLUG.match(rest):
        return "id/" + rest
    # Not the documented pattern: still a page, under a safe and collision-free file name.
    kind, _, slug = rest.partition("/")
    clean = lambda text: re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")  # noqa: E731
    digest = hashlib.sha1(rest.encode("utf-8")).hexdigest()[:10]
    return f"id/{clean(kind) or 'other'}/{(clean(slug) + '-' if clean(slug) else '')}{digest}"


def _rel(target: str, here: str) -> str:
    """A relative link from the page at `here` to `target` (both relative to dist/; `target` may end
    in a #fragment)."""
    t, h = target.split("/"), here.split("/")[:-1]
    i = 0
    while i < len(h) and i < len(t) - 1 and h[i] == t[i]:
        i += 1
    return "../" * (len(h) - i) + "/".join(t[i:])


def _safe_href(url: str) -> str | None:
    return url if url.startswith(("https://", "http://")) else None


class Renderer:
    """Turns terms into HTML, with links relative to the page being written."""

    def __init__(self, idx: GraphIndex, onto_anchors: dict[str, str], here: str):
        self.idx, self.anchors, self.here = idx, onto_anchors, here

    def href(self, iri: str) -> str | None:
        path = page_path(iri)
        if path:
            return _rel(f"site/{path}.html", self.here)
        if iri in self.anchors:
            return _rel(self.anchors[iri], self.here)
        return _safe_href(iri)

    def name(self, iri: str) -> str:
        label = self.idx.label(iri)
        if label:
            return label
        if iri in PROPERTY_NAMES:
            return PROPERTY_NAMES[iri]
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def prop(self, iri: str) -> str:
        name = PROPERTY_NAMES.get(iri) or self.idx.label(iri) or self.name(iri)
        href = self.href(iri) if not iri.startswith(PGID) else None
        return f'<a href="{escape(href)}">{escape(name)}</a>' if href and iri.startswith(PG) else escape(name)

    def link(self, iri: str, text: str | None = None) -> str:
        text = text if text is not None else self.name(iri)
        href = self.href(iri)
        title = f' title="{escape(iri)}"' if text != iri else ""
        if href:
            return f'<a href="{escape(href)}"{title}>{escape(text)}</a>'
        return f"<span{title}>{escape(text)}</span>"

    def term(self, term, depth: int = 0) -> str:
        if isinstance(term, ox.NamedNode):
            if term.value.startswith(WD):
                return self.link(term.value, "wd:" + term.value[len(WD):])
            return self.link(term.value)
        if isinstance(term, ox.BlankNode):
            return self.blank(term, depth)
        return self.literal(term)

    def literal(self, lit: ox.Literal) -> str:
        if lit.language:
            if lit.language == "en":
                return escape(lit.value)
            return (f'<span lang="{escape(lit.language)}">{escape(lit.value)}</span>'
                    f'<span class="lang" lang="en">{escape(lit.language)}</span>')
        dt = lit.datatype.value
        if dt in (XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"):
            prec = DATATYPE_PRECISION.get(dt)
            mark = f'<span class="prec" title="known to the {prec}">{prec}</span>' if prec else ""
            return f'<time datetime="{escape(lit.value)}">{escape(lit.value)}</time>{mark}'
        if dt == XSD + "anyURI" and _safe_href(lit.value):
            return f'<a href="{escape(lit.value)}">{escape(lit.value)}</a>'
        return escape(lit.value)

    def blank(self, node, depth: int) -> str:
        props = self.idx.blank.get(node)
        if not props or depth > 3:
            return "<em>(an anonymous node)</em>"
        items = []
        for p in sorted(props, key=self.name):
            vals = sorted(self.term(o, depth + 1) for o in props[p])
            items.append(f"<li>{self.prop(p)}: {', '.join(vals)}</li>")
        return f'<ul class="plain">{"".join(items)}</ul>'

    def date_of(self, iri) -> str:
        for p in (PG + "date", PG + "startDate", PG + "intendedDate"):
            v = self.idx.value(iri, p)
            if v is not None:
                end = self.idx.value(iri, PG + "endDate")
                text = self.literal(v)
                return f"{text} – {self.literal(end)}" if end is not None and p != PG + "intendedDate" else text
        return ""

    def sources(self, node, wrap: bool = True) -> str:
        """The sources of a node, as links, with the confidence marker."""
        srcs = self.idx.values(node, DERIVED)
        parts = [self.link(s.value) if isinstance(s, ox.NamedNode) else self.term(s) for s in srcs]
        html_ = "; ".join(parts)
        if any(c.value == MEDIUM for c in self.idx.values(node, CONFIDENCE)):
            html_ += ' <span class="badge medium" title="from a single secondary source">medium confidence</span>'
        return f'<span class="src">{html_}</span>' if html_ and wrap else html_


# ------------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------------

def _doc(title: str, body: str, here: str, crumbs: list[tuple[str, str]], alternates: str = "") -> str:
    nav = " › ".join(f'<a href="{escape(_rel(target, here))}">{escape(text)}</a>' for text, target in crumbs)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} — pactgraph</title>\n{alternates}"
        f"<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f"<header><nav>{nav}</nav></header>\n<main>\n{body}</main>\n"
        "<footer><p>pactgraph "
        f"{escape(VERSION)} ({escape(RELEASE_DATE)}) · data and ontology under "
        '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a> · every fact with its source.</p>'
        "</footer>\n</body>\n</html>\n"
    )


def _facts_rows(r: Renderer, node) -> list[str]:
    idx = r.idx
    props = idx.out.get(node, {})
    order = {p: i for i, p in enumerate(FIRST_PROPS)}
    rows = []
    for p in sorted((p for p in props if p not in NOT_FACTS),
                    key=lambda p: (order.get(p, len(order)), r.name(p).lower(), p)):
        cells = []
        for o in props[p]:
            value = r.term(o)
            stmts = statement_sources(idx, node, p, o)
            note = ""
            if stmts:
                note = " ".join(f'<br><span class="src">source: {r.sources(st, wrap=False)} '
                                f'({r.link(st.value, "statement")})</span>' for st in stmts)
            cells.append(value + note)
        cells.sort()
        rows.append(f"<tr><th scope=\"row\">{r.prop(p)}</th><td>{'<br>'.join(cells)}</td></tr>")
    return rows


def _summary(r: Renderer, node, skip) -> str:
    """A short line about a node that points at the page: its date and its other links."""
    idx = r.idx
    bits = []
    date = r.date_of(node)
    if date:
        bits.append(date)
    for p in sorted(idx.out.get(node, {}), key=r.name):
        if p in NOT_FACTS or p in DATE_PROPS or not p.startswith(PG):
            continue
        vals = [o for o in idx.out[node][p] if o != skip and isinstance(o, ox.NamedNode)]
        if vals:
            bits.append(f"{r.prop(p)}: " + ", ".join(sorted(r.term(o) for o in vals[:6])))
        if len(bits) >= 5:
            break
    return "; ".join(bits)


def _date_key(idx: GraphIndex, node) -> str:
    for p in (PG + "date", PG + "startDate", PG + "intendedDate"):
        v = idx.value(node, p)
        if v is not None:
            return v.value
    return "9999"


def _acts_table(r: Renderer, agreement, acts) -> str:
    idx = r.idx
    rows = []
    for act in sorted(acts, key=lambda a: (_date_key(idx, a), r.name(a.value), a.value)):
        kind = idx.primary_type(act)
        actor = idx.value(act, PG + "actor")
        place = idx.value(act, PG + "place")
        occasion = idx.value(act, PG + "occasion")
        where = " ".join(x for x in (r.term(place) if place else "",
                                     f"(at {r.term(occasion)})" if occasion else "") if x)
        rows.append(
            f'<tr><td class="date">{r.date_of(act)}</td>'
            f"<td>{r.link(kind) if kind else ''}</td>"
            f"<td>{r.link(act.value)}</td>"
            f"<td>{r.term(actor) if actor else ''}</td>"
            f"<td>{where}</td>"
            f"<td>{r.sources(act)}</td></tr>")
    return ("<table><thead><tr><th class=\"date\">date</th><th>act</th><th>description</th><th>by</th>"
            "<th>where</th><th>sources</th></tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>")


def _first_act_date(r: Renderer, agreement, act_class: str) -> str:
    idx = r.idx
    dates = []
    for s, p in idx.incoming.get(agreement, ()):
        if p == PG + "actOn" and idx.is_a(s, act_class) and idx.value(s, PG + "actor") is None:
            v = idx.value(s, PG + "date")
            if v is not None:
                dates.append(v)
    return r.literal(min(dates, key=lambda d: d.value)) if dates else ""


def _agreements_table(r: Renderer, polity, agreements) -> str:
    idx = r.idx
    rows = []
    for a in sorted(agreements, key=lambda a: (r.name(a.value).lower(), a.value)):
        kind = idx.primary_type(a)
        others = sorted((p for p in idx.values(a, PG + "hasParty") if p != polity), key=lambda p: r.name(p.value))
        rows.append(
            f"<tr><td>{r.link(a.value)}</td><td>{r.link(kind) if kind else ''}</td>"
            f"<td>{', '.join(r.term(p) for p in others)}</td>"
            f'<td class="date">{_first_act_date(r, a, PG + "Signature")}</td>'
            f'<td class="date">{_first_act_date(r, a, PG + "EntryIntoForce")}</td></tr>')
    return ("<table><thead><tr><th>agreement</th><th>type</th><th>other parties</th>"
            '<th class="date">signed</th><th class="date">entered into force</th></tr></thead>\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody></table>")


def render_page(idx: GraphIndex, node, anchors: dict[str, str]) -> str:
    iri = node.value
    path = page_path(iri)
    here = f"site/{path}.html"
    r = Renderer(idx, anchors, here)
    kind = kind_of(iri)
    title = idx.label(iri) or iri[len(PGID):]
    types = idx.specific_types(node)
    body = [f"<h1>{escape(title)}</h1>"]
    if types:
        body.append(f'<p class="sub">{", ".join(r.link(t) for t in types)}</p>')
    body.append(f'<p class="sub iri">{escape(iri)}</p>')
    others = idx.other_labels(iri)
    if others:
        names = [f'<span lang="{escape(lg)}">{escape(text)}</span><span class="lang">{escape(lg)}</span>'
                 for lg, text in others]
        body.append(f"<p>In other languages: {' · '.join(names)}</p>")
    if any(c.value == MEDIUM for c in idx.values(node, CONFIDENCE)):
        body.append('<p class="note">Medium confidence: this is taken from a single secondary source.</p>')
    if node not in idx.out:
        body.append("<p>The graph says nothing about this resource itself; it is only referred to.</p>")

    rows = _facts_rows(r, node)
    if rows:
        body.append("<section><h2>Facts</h2>\n<table><tbody>\n" + "\n".join(rows) + "\n</tbody></table></section>")

    incoming = idx.incoming.get(node, [])
    shown: set = set()
    acts = [s for s, p in incoming if p == PG + "actOn" and idx.value(s, PG + "date") is not None]
    if acts:
        body.append(f"<section><h2>Acts on this agreement</h2>\n{_acts_table(r, node, acts)}</section>")
        shown.update((a, PG + "actOn") for a in acts)
    intentions = [s for s, p in incoming if p == PG + "actOn" and (s, p) not in shown]
    if intentions:
        items = "".join(f"<li>{r.link(s.value)} — {r.date_of(s)} {r.sources(s)}</li>"
                        for s in sorted(intentions, key=lambda s: (_date_key(idx, s), s.value)))
        body.append(f'<section><h2>Announced intentions and other steps</h2><ul class="plain">{items}</ul></section>')
        shown.update((s, PG + "actOn") for s in intentions)
    agreements = [s for s, p in incoming if p == PG + "hasParty"]
    if agreements:
        body.append(f"<section><h2>Agreements</h2>\n{_agreements_table(r, node, agreements)}</section>")
        shown.update((a, PG + "hasParty") for a in agreements)

    groups: dict[str, list] = defaultdict(list)
    for s, p in incoming:
        if (s, p) not in shown and p != RDF + "subject":  # statements about it have their own section
            groups[p].append(s)
    if groups:
        parts = ["<section><h2>Referred to by</h2>"]
        for p in sorted(groups, key=lambda p: (r.name(p).lower(), p)):
            rows_ = []
            for s in sorted(groups[p], key=lambda s: (_date_key(idx, s), r.name(s.value).lower(), s.value)):
                rows_.append(f"<tr><td>{r.link(s.value)}</td><td>{_summary(r, s, node)}</td></tr>")
            parts.append(f"<h3>as {r.prop(p)}</h3>\n<table><tbody>\n" + "\n".join(rows_) + "\n</tbody></table>")
        parts.append("</section>")
        body.append("\n".join(parts))

    srcs = r.sources(node)
    excerpts = sorted(v.value for v in idx.values(node, EXCERPT))
    if srcs or excerpts:
        quote = "".join(f"<blockquote>{escape(e)}</blockquote>" for e in excerpts)
        body.append(f"<section><h2>Sources</h2>\n<p>{srcs}</p>{quote}</section>")
    stmts = idx.statements.get(node, [])
    if stmts:
        items = "".join(f"<li>{r.link(st.value)}: {r.sources(st)}</li>" for st in stmts)
        body.append("<section><h2>Statements about this resource with their own source</h2>"
                    f'<ul class="plain">{items}</ul></section>')

    slug = posixpath.basename(path)
    graphs = sorted(idx.graphs.get(node, ()))
    graph_note = ""
    if graphs:
        graph_note = " Stated in named graph" + ("s " if len(graphs) > 1 else " ") + ", ".join(
            f"<code>{escape(g)}</code>" for g in graphs) + "."
    body.append(f'<section><h2>Data</h2><p>This page as <a href="{escape(slug)}.ttl">Turtle</a> and '
                f'<a href="{escape(slug)}.jsonld">JSON-LD</a>.{graph_note}</p></section>')
    alternates = (f'<link rel="alternate" type="text/turtle" href="{escape(slug)}.ttl">\n'
                  f'<link rel="alternate" type="application/ld+json" href="{escape(slug)}.jsonld">\n')
    crumbs = [("pactgraph", "site/index.html"), (KINDS.get(kind, kind).split(":")[0], f"site/index.html#{kind}")]
    return _doc(title, "\n".join(body) + "\n", here, crumbs, alternates)


def page_triples(idx: GraphIndex, node) -> tuple[list[ox.Triple], list]:
    """The statements a page shows: the resource's own (with blank nodes it points to), those of the
    rdf:Statement nodes about it, the ones pointing at it, and the labels of what they mention.
    Returns the triples and the subjects in page order."""
    triples: list[ox.Triple] = []
    subjects = [node]
    seen_blank: set = set()

    def add_node(s, props):
        for p, objs in props.items():
            for o in objs:
                triples.append(ox.Triple(s, ox.NamedNode(p), o))
                if isinstance(o, ox.BlankNode) and o not in seen_blank and o in idx.blank:
                    seen_blank.add(o)
                    add_node(o, idx.blank[o])

    add_node(node, idx.out.get(node, {}))
    for st in idx.statements.get(node, ()):
        subjects.append(st)
        add_node(st, idx.out.get(st, {}))
    for s, p in idx.incoming.get(node, ()):
        triples.append(ox.Triple(s, ox.NamedNode(p), node))
    mentioned = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    mentioned |= {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    mentioned.discard(node.value)
    for iri in sorted(mentioned):
        for lang, text, pref in idx.labels.get(iri, ()):
            if not pref:
                lit = ox.Literal(text, language=lang) if lang else ox.Literal(text)
                triples.append(ox.Triple(ox.NamedNode(iri), ox.NamedNode(LABEL), lit))
    triples = list(dict.fromkeys(triples))
    if seen_blank:  # blank-node labels from the parser are random: canonicalise them
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in canonical_quads(ox.Quad(t.subject, t.predicate, t.object) for t in triples)]
    rank = {s: i for i, s in enumerate(subjects)}  # the resource first, then its statements, then the rest
    triples.sort(key=lambda t: (rank.get(t.subject, len(rank)), isinstance(t.subject, ox.BlankNode), str(t)))
    return triples, subjects


# ------------------------------------------------------------------------------------------------
# Index and sources pages
# ------------------------------------------------------------------------------------------------

LIST_INLINE_MAX = 400  # a kind with more resources than this gets its own list page


def _group_list(r: Renderer, idx: GraphIndex, members) -> str:
    by_type: dict[str, list] = defaultdict(list)
    for n in members:
        by_type[idx.primary_type(n) or ""].append(n)
    out = []
    for t in sorted(by_type, key=lambda t: (r.name(t).lower() if t else "~", t)):
        items = "".join(f"<li>{r.link(n.value)}</li>"
                        for n in sorted(by_type[t], key=lambda n: (r.name(n.value).lower(), n.value)))
        head = f"{r.link(t)} ({len(by_type[t])})" if t else f"other ({len(by_type[t])})"
        out.append(f'<h3>{head}</h3>\n<ul class="cols">{items}</ul>')
    return "\n".join(out)


def render_index(idx: GraphIndex, anchors: dict, downloads: dict[str, int], extra: dict[str, str]) -> dict[str, str]:
    """site/index.html (and site/list/<kind>.html for large kinds): {path under dist: html}."""
    here = "site/index.html"
    r = Renderer(idx, anchors, here)
    by_kind: dict[str, list] = defaultdict(list)
    for n in idx.resources:
        by_kind[kind_of(n.value)].append(n)
    kinds = [k for k in KINDS if k in by_kind] + sorted(k for k in by_kind if k not in KINDS)
    pages: dict[str, str] = {}
    body = ["<h1>pactgraph</h1>",
            "<p>An open knowledge graph of states, security agreements and territories — every fact with its "
            f"source. Version {escape(VERSION)}, released {escape(RELEASE_DATE)}; "
            f"{len(idx.resources)} resources.</p>"]
    body.append('<nav class="kinds">' + " ".join(
        f'<a href="#{escape(k)}">{escape(k)} ({len(by_kind[k])})</a>' for k in kinds) + "</nav>")
    from .pictures import picture_states  # pictures.py imports this module

    states = picture_states(idx)
    centre = escape(next((name for _code, _iri, name, is_centre in states if is_centre), "the centre state"))
    per_state = " · ".join(
        f'{escape(name)}: <a href="network-{code}.svg">network</a>, <a href="timeline-{code}.svg">timeline</a>'
        for code, _iri, name, _centre in states)
    body.append("<section><h2>Pictures</h2>"
                f'<figure><a href="network.svg"><img src="network.svg" alt="Network of the agreements of {centre}"></a>'
                f"<figcaption>The agreements of {centre}: its partners around it, one line per agreement coloured by "
                "type, solid when in force on the release date, dashed when no longer in force, dotted otherwise "
                "(multilateral agreements as a hub). Open the picture to follow its links.</figcaption></figure>"
                '<figure><a href="network-overview.svg"><img src="network-overview.svg" '
                'alt="Overview of agreements between states"></a>'
                "<figcaption>Overview: every state, one line per pair of states whose width and number give how "
                "many bilateral agreements they have, coloured by the most common type.</figcaption></figure>"
                '<figure><a href="network-matrix.svg"><img src="network-matrix.svg" '
                'alt="Matrix of agreements between states"></a>'
                "<figcaption>The same as a matrix: the number of bilateral agreements of each pair of states, "
                "and a column per agreement with three or more parties marking its parties.</figcaption></figure>"
                '<figure><a href="timeline.svg"><img src="timeline.svg" alt="Timeline of agreement acts"></a>'
                f"<figcaption>Acts on each agreement of {centre} over time, grouped by partner; a date known only to "
                "the month or year is drawn as a span.</figcaption></figure>"
                + '<figure><a href="in-force-per-year.svg"><img src="in-force-per-year.svg" '
                f'alt="Agreements of {centre} in force per year"></a>'
                f"<figcaption>Partners of {centre} with an agreement in force on 31 December of each year, by "
                "type (the dyad-year table, <code>pactgraph table dyad-years</code>).</figcaption></figure>"
                + (f'<p class="per-state">Pictures of each state: {per_state}.</p>' if per_state else "")
                + "</section>")
    dl = []
    for name, size in sorted(downloads.items()):
        desc = extra.get(name, "")
        dl.append(f'<tr><td><a href="{escape(_rel(name, here))}">{escape(name)}</a></td>'
                  f"<td>{escape(desc)}</td><td>{f'{size:,} bytes' if size else ''}</td></tr>")
    body.append("<section><h2>Downloads and descriptions</h2>"
                f'<p><a href="{escape(_rel("ontology/index.html", here))}">Ontology documentation</a> · '
                '<a href="sources.html">All sources</a></p>'
                "<table><thead><tr><th>file</th><th>what</th><th>size</th></tr></thead><tbody>"
                + "".join(dl) + "</tbody></table></section>")
    for k in kinds:
        members = by_kind[k]
        heading = KINDS.get(k, k)
        if len(members) > LIST_INLINE_MAX:
            list_path = f"site/list/{k}.html"
            lr = Renderer(idx, anchors, list_path)
            pages[list_path] = _doc(heading, f"<h1>{escape(heading)}</h1>\n{_group_list(lr, idx, members)}\n",
                                    list_path, [("pactgraph", here)])
            body.append(f'<section id="{escape(k)}"><h2>{escape(heading)} ({len(members)})</h2>'
                        f'<p><a href="list/{escape(k)}.html">List all {len(members)}</a></p></section>')
        else:
            body.append(f'<section id="{escape(k)}"><h2>{escape(heading)} ({len(members)})</h2>\n'
                        f"{_group_list(r, idx, members)}</section>")
    pages[here] = _doc("pactgraph", "\n".join(body) + "\n", here, [("pactgraph", here)])
    return pages


def render_sources(idx: GraphIndex, anchors: dict) -> str:
    here = "site/sources.html"
    r = Renderer(idx, anchors, here)
    cited: dict[str, int] = defaultdict(int)
    for props in idx.out.values():
        for src in props.get(DERIVED, ()):
            cited[src.value] += 1
    rows = []
    for s in sorted(idx.sources, key=lambda s: (r.name(s.value).lower(), s.value)):
        props = idx.sources[s]
        url = next((o.value for o in props.get(SCHEMA + "url", ())), None)
        if url is None and page_path(s.value) is None:
            url = s.value  # a source identified by its address
        name = r.link(s.value) if page_path(s.value) else escape(r.name(s.value))
        href = _safe_href(url) if url else None
        if url:
            addr = f'<a class="iri" href="{escape(href)}">{escape(url)}</a>' if href else escape(url)
        else:  # no address: say what it is
            addr = escape(next((o.value for o in props.get(RDFS + "comment", ())), ""))
        rows.append(f"<tr><td>{name}</td><td>{addr}</td><td>{cited.get(s.value, 0)}</td></tr>")
    body = (f"<h1>Sources</h1>\n<p>{len(rows)} sources; the last column counts the resources and statements "
            "that cite each one.</p>\n<table><thead><tr><th>source</th><th>address</th><th>cited by</th></tr>"
            "</thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n")
    return _doc("Sources", body, here, [("pactgraph", "site/index.html")])


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------

def write_site(idx: GraphIndex, ctx: jsonld.Context, folder: Path, anchors: dict, downloads: dict[str, int],
               descriptions: dict[str, str]) -> dict[str, int]:
    """Write every page into folder/site; returns {path under folder: size}."""
    sizes: dict[str, int] = {}

    def put(rel: str, data: bytes) -> None:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sizes[rel] = len(data)

    written: set[str] = set()
    for node in idx.resources:
        path = page_path(node.value)
        if path is None or path in written:
            continue
        written.add(path)
        put(f"site/{path}.html", render_page(idx, node, anchors).encode("utf-8"))
        triples, subjects = page_triples(idx, node)
        put(f"site/{path}.ttl", ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used_prefixes(triples)))
        put(f"site/{path}.jsonld", jsonld.dumps(jsonld.compact(triples, ctx, embed_context=False,
                                                                subjects=subjects)))
    for rel, html_ in render_index(idx, anchors, downloads, descriptions).items():
        put(rel, html_.encode("utf-8"))
    put("site/sources.html", render_sources(idx, anchors).encode("utf-8"))
    return sizes
