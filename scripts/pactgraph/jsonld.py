"""JSON-LD a web developer can read as plain JSON: the published @context and compaction with it.

The context is generated from the ontology (every pg: property, with `@type` for IRIs and dates and a
language map for language-tagged text) plus a fixed table of the other vocabularies' properties the
data uses. Compaction is done here rather than by a general JSON-LD processor because it must be
fast (10^6 triples), deterministic to the byte, and round-trip exactly; the tests parse the output
back with rdflib and Oxigraph and compare it with the graph that was built.

The shape of a compacted node:

    {"id": "pgid:agreement/jp-au-raa", "type": ["BilateralAgreement", "ReciprocalAccessAgreement"],
     "label": {"en": "Japan–Australia Reciprocal Access Agreement"},
     "hasParty": ["pgid:place/au", "pgid:place/jp"], "wasDerivedFrom": ["https://www.mofa.go.jp/…"]}

A value that does not fit its property's term (say a `pg:date` given as a plain string) is kept
under the property's compact IRI (`"pg:date"`) as an explicit value object, so nothing is lost.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pyoxigraph as ox

from .namespaces import DCTERMS, OWL, PG, PREFIXES, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

RDF_TYPE = RDF + "type"
RDF_FIRST, RDF_REST, RDF_NIL = RDF + "first", RDF + "rest", RDF + "nil"
LANG_STRING = RDF + "langString"
XSD_STRING = XSD + "string"
DATE_VALUE = PG + "DateValue"

#: Where the published context lives (dist/context.jsonld); documented in docs/publishing.md.
CONTEXT_FILE = "context.jsonld"

#: Date datatypes a pg:DateValue property may carry, and the suffix of the term for each.
DATE_TERMS = ((XSD + "date", ""), (XSD + "gYearMonth", "YearMonth"), (XSD + "gYear", "Year"))

#: Properties from other vocabularies that the data uses, with how their values are written.
#: kind: "id" (IRI, always a list), "id1" (IRI, single), "lang" (language map), "plain"
#: (plain string), or a datatype IRI.
EXTERNAL_TERMS = (
    ("label", RDFS + "label", "lang"),
    ("comment", RDFS + "comment", "lang"),
    ("seeAlso", RDFS + "seeAlso", "id"),
    ("isDefinedBy", RDFS + "isDefinedBy", "id1"),
    ("subClassOf", RDFS + "subClassOf", "id"),
    ("subPropertyOf", RDFS + "subPropertyOf", "id"),
    ("domain", RDFS + "domain", "id"),
    ("range", RDFS + "range", "id"),
    ("equivalentClass", OWL + "equivalentClass", "id"),
    ("equivalentProperty", OWL + "equivalentProperty", "id"),
    ("inverseOf", OWL + "inverseOf", "id"),
    ("versionInfo", OWL + "versionInfo", "plain"),
    ("prefLabel", SKOS + "prefLabel", "lang"),
    ("altLabel", SKOS + "altLabel", "lang"),
    ("definition", SKOS + "definition", "lang"),
    ("scopeNote", SKOS + "scopeNote", "lang"),
    ("inScheme", SKOS + "inScheme", "id"),
    ("topConceptOf", SKOS + "topConceptOf", "id"),
    ("hasTopConcept", SKOS + "hasTopConcept", "id"),
    ("broader", SKOS + "broader", "id"),
    ("narrower", SKOS + "narrower", "id"),
    ("exactMatch", SKOS + "exactMatch", "id"),
    ("closeMatch", SKOS + "closeMatch", "id"),
    ("wasDerivedFrom", PROV + "wasDerivedFrom", "id"),
    ("url", SCHEMA + "url", XSD + "anyURI"),
    ("title", DCTERMS + "title", "lang"),
    ("description", DCTERMS + "description", "lang"),
    ("license", DCTERMS + "license", "id1"),
    ("issued", DCTERMS + "issued", XSD + "date"),
    ("subject", RDF + "subject", "id1"),
    ("predicate", RDF + "predicate", "id1"),
)


class Term:
    """One term definition: the key it writes and the values it takes."""

    __slots__ = ("name", "iri", "kind", "many")

    def __init__(self, name: str, iri: str, kind: str, many: bool):
        self.name, self.iri, self.kind, self.many = name, iri, kind, many

    def definition(self, compact) -> dict | str:
        d: dict = {"@id": compact(self.iri)}
        if self.kind == "id":
            d["@type"] = "@id"
        elif self.kind == "lang":
            d["@container"] = "@language"
        elif self.kind != "plain":
            d["@type"] = compact(self.kind)
        if self.many and self.kind != "lang":
            d["@container"] = "@set"
        return d


class Context:
    """The pactgraph JSON-LD context and the term lookup used to compact with it."""

    def __init__(self, terms: list[Term], prefixes: dict[str, str]):
        self.terms = sorted(terms, key=lambda t: t.name)
        self.prefixes = dict(sorted(prefixes.items()))
        # Longest namespace first, so `pgid:` wins over a shorter prefix of the same IRI.
        self._ns = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: (-len(x[0]), x[1]))
        self.by_iri: dict[str, list[Term]] = defaultdict(list)
        for t in self.terms:
            self.by_iri[t.iri].append(t)
        self.names = {t.name for t in self.terms} | set(self.prefixes) | {"id", "type"}

    # -- IRIs ---------------------------------------------------------------------------------
    def compact_iri(self, iri: str, used: set | None = None) -> str:
        """`pgid:place/jp` for an IRI in a known namespace, else the IRI itself."""
        for ns, prefix in self._ns:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if local and not local.startswith("//"):
                    if used is not None:
                        used.add(prefix)
                    return f"{prefix}:{local}"
        return iri

    def compact_type(self, iri: str, used: set | None = None) -> str:
        """A class: its bare local name for pg: classes (through @vocab), else a compact IRI."""
        if iri.startswith(PG):
            local = iri[len(PG):]
            if local and local not in self.names and all(c.isalnum() or c == "_" for c in local):
                if used is not None:
                    used.add("@vocab")
                return local
        return self.compact_iri(iri, used)

    # -- the context document -------------------------------------------------------------------
    def document(self, used: set | None = None) -> dict:
        """The @context object; with `used`, only the terms and prefixes a document needs."""
        ctx: dict = {"id": "@id", "type": "@type"}
        if used is None or "@vocab" in used:
            ctx["@vocab"] = PG
        needed_prefixes = set(self.prefixes) if used is None else {p for p in self.prefixes if p in used}
        chosen = [t for t in self.terms if used is None or t.name in used]
        if used is not None:  # the prefixes the term definitions themselves are written with
            for t in chosen:
                for iri in (t.iri, t.kind):
                    self.compact_iri(iri, needed_prefixes)
        for p in sorted(needed_prefixes):
            ctx[p] = self.prefixes[p]
        for t in chosen:
            ctx[t.name] = t.definition(self.compact_iri)
        return ctx


def build_context(triples) -> Context:
    """The context for a dataset, from the pg: properties its ontology declares."""
    types, functional, ranges = defaultdict(set), set(), defaultdict(set)
    for t in triples:
        s, p, o = t.subject, t.predicate.value, t.object
        if not isinstance(s, ox.NamedNode) or not s.value.startswith(PG):
            continue
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            types[s.value].add(o.value)
            if o.value == OWL + "FunctionalProperty":
                functional.add(s.value)
        elif p == RDFS + "range" and isinstance(o, ox.NamedNode):
            ranges[s.value].add(o.value)
    terms: list[Term] = []
    for iri in sorted(types):
        local = iri[len(PG):]
        if not local or not local[0].islower():
            continue
        many = iri not in functional
        if OWL + "ObjectProperty" in types[iri]:
            terms.append(Term(local, iri, "id", many))
        elif OWL + "DatatypeProperty" in types[iri]:
            rng = ranges[iri]
            if rng == {LANG_STRING}:
                terms.append(Term(local, iri, "lang", many))
            elif rng == {DATE_VALUE}:
                for dt, suffix in DATE_TERMS:
                    terms.append(Term(local + suffix, iri, dt, many))
            elif len(rng) == 1 and next(iter(rng)).startswith(XSD) and rng != {XSD_STRING}:
                terms.append(Term(local, iri, next(iter(rng)), many))
            else:
                terms.append(Term(local, iri, "plain", many))
    taken = {t.name for t in terms}
    for name, iri, kind in EXTERNAL_TERMS:
        if name not in taken:
            many = kind in ("id", "lang", "plain")
            terms.append(Term(name, iri, "id" if kind == "id1" else kind, many and kind != "plain"))
            taken.add(name)
    return Context(terms, PREFIXES)


# ------------------------------------------------------------------------------------------------
# Compaction
# ------------------------------------------------------------------------------------------------

def _term_for(ctx: Context, p: str, o) -> Term | None:
    for t in ctx.by_iri.get(p, ()):
        if isinstance(o, (ox.NamedNode, ox.BlankNode)):
            if t.kind == "id":
                return t
        elif o.language:
            if t.kind == "lang":
                return t
        elif o.datatype.value == XSD_STRING:
            if t.kind == "plain":
                return t
        elif t.kind == o.datatype.value:
            return t
    return None


def _node_id(ctx: Context, node, used: set) -> str:
    return f"_:{node.value}" if isinstance(node, ox.BlankNode) else ctx.compact_iri(node.value, used)


def _explicit(ctx: Context, o, used: set) -> dict:
    """A value written in full (under a compact-IRI key): {"id": …} or {"@value": …, …}."""
    if isinstance(o, (ox.NamedNode, ox.BlankNode)):
        return {"id": _node_id(ctx, o, used)}
    if o.language:
        return {"@value": o.value, "@language": o.language}
    if o.datatype.value == XSD_STRING:
        return {"@value": o.value}
    return {"@value": o.value, "@type": ctx.compact_iri(o.datatype.value, used)}


class Compactor:
    """Compacts a set of triples into node objects; blank nodes used once are embedded."""

    def __init__(self, ctx: Context, triples):
        self.ctx = ctx
        self.out: dict = defaultdict(lambda: defaultdict(list))  # subject -> predicate -> [objects]
        refs: dict = defaultdict(int)
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)
            if isinstance(t.object, ox.BlankNode):
                refs[t.object] += 1
        self.refs = refs
        self.used: set = {"id"}
        self._done: set = set()

    def _embeddable(self, b) -> bool:
        return self.refs.get(b) == 1 and b in self.out

    def _list_items(self, b) -> list | None:
        """The items of a well-formed RDF list starting at blank node `b`, or None."""
        items, node, seen = [], b, set()
        while node != ox.NamedNode(RDF_NIL):
            if not isinstance(node, ox.BlankNode) or node in seen or self.refs.get(node) != 1:
                return None
            props = self.out.get(node)
            if not props or set(props) != {RDF_FIRST, RDF_REST} or len(props[RDF_FIRST]) != 1 \
                    or len(props[RDF_REST]) != 1:
                return None
            seen.add(node)
            items.append(props[RDF_FIRST][0])
            node = props[RDF_REST][0]
        return items if items else None

    def _mark_list(self, b) -> None:
        node = b
        while isinstance(node, ox.BlankNode):
            self._done.add(node)
            node = self.out[node][RDF_REST][0]

    def node(self, s, embedded: bool = False) -> dict:
        ctx, used = self.ctx, self.used
        self._done.add(s)
        obj: dict = {}
        if not embedded:
            obj["id"] = _node_id(ctx, s, used)
        keyed: dict[str, list] = defaultdict(list)
        many: dict[str, bool] = {}
        lang_keys: set = set()
        for p in sorted(self.out[s]):
            values = sorted(self.out[s][p], key=_sort_key)
            if p == RDF_TYPE and all(isinstance(v, ox.NamedNode) for v in values):
                types = sorted(ctx.compact_type(v.value, used) for v in values)
                used.add("type")
                obj["type"] = types[0] if len(types) == 1 else types
                continue
            for o in values:
                if isinstance(o, ox.BlankNode) and o not in self._done:
                    items = self._list_items(o)
                    if items is not None:
                        self._mark_list(o)
                        key = ctx.compact_iri(p, used)
                        keyed[key].append({"@list": [self._value_explicit(i) for i in items]})
                        many.setdefault(key, False)
                        continue
                term = _term_for(ctx, p, o)
                if term is None:
                    key = ctx.compact_iri(p, used)
                    keyed[key].append(self._value_explicit(o))
                    many.setdefault(key, False)
                    continue
                used.add(term.name)
                if term.kind == "lang":
                    lang_keys.add(term.name)
                    keyed[term.name].append((o.language, o.value))
                elif term.kind == "id":
                    if isinstance(o, ox.BlankNode) and self._embeddable(o) and o not in self._done:
                        keyed[term.name].append(self.node(o, embedded=True))
                    else:
                        keyed[term.name].append(_node_id(ctx, o, used))
                else:
                    keyed[term.name].append(o.value)
                many[term.name] = term.many
        for key in _key_order(keyed):
            vals = keyed[key]
            if key in lang_keys:
                by_lang: dict = defaultdict(list)
                for lang, value in vals:
                    by_lang[lang].append(value)
                obj[key] = {lang: (v[0] if len(v) == 1 else v) for lang, v in sorted(by_lang.items())}
            elif many.get(key) or len(vals) > 1:
                obj[key] = vals
            else:
                obj[key] = vals[0]
        return obj

    def _value_explicit(self, o):
        if isinstance(o, ox.BlankNode) and self._embeddable(o) and o not in self._done:
            return self.node(o, embedded=True)
        return _explicit(self.ctx, o, self.used)

    def nodes(self, subjects=None) -> list[dict]:
        """Top-level node objects: `subjects` first in their order, then the rest sorted.

        A blank node referenced exactly once is written inside its referrer, not at the top.
        """
        listed = [s for s in dict.fromkeys(subjects or ()) if s in self.out]
        first = set(listed)
        order = listed + sorted((s for s in self.out if s not in first), key=_subject_key)
        result = []
        for s in order:
            if s in self._done or (s not in first and isinstance(s, ox.BlankNode) and self._embeddable(s)):
                continue
            result.append(self.node(s))
        for s in order:  # blank nodes in a cycle of single references have no referrer to sit in
            if s not in self._done:
                result.append(self.node(s))
        return result


def _sort_key(term) -> tuple:
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "")
    return (2, term.datatype.value if not term.language else "", term.language or "", term.value)


def _subject_key(term) -> tuple:
    return (1 if isinstance(term, ox.BlankNode) else 0, term.value)


def _key_order(keyed) -> list[str]:
    first = [k for k in ("label",) if k in keyed]
    return first + sorted(k for k in keyed if k not in first)


def compact(triples, ctx: Context, embed_context: bool = True, subjects=None) -> dict:
    """A compacted JSON-LD document for the triples.

    With `embed_context` the full context is written inline (the document is self-contained);
    otherwise only the terms and prefixes this document uses (for per-resource pages).
    `subjects`, when given, lists the subjects to write at the top level, in that order (subjects
    of the triples not listed are written after them).
    """
    c = Compactor(ctx, triples)
    graph = c.nodes(subjects)
    context = ctx.document() if embed_context else ctx.document(c.used)
    return {"@context": context, "@graph": graph}


def dumps(doc: dict) -> bytes:
    """Stable bytes: the context one entry per line, then one node per line (grep- and diff-friendly,
    and written by the C JSON encoder, which matters at a million triples)."""
    def enc(value):
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for key, value in doc.items():
        if key == "@context" and isinstance(value, dict):
            inner = ",\n".join(f"    {enc(k)}: {enc(v)}" for k, v in value.items())
            parts.append(f'  "@context": {{\n{inner}\n  }}')
        elif key == "@graph":
            nodes = ",\n".join("    " + enc(n) for n in value)
            parts.append(f'  "@graph": [\n{nodes}\n  ]' if value else '  "@graph": []')
        else:
            parts.append(f"  {enc(key)}: {enc(value)}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


def context_document(ctx: Context) -> bytes:
    return dumps({"@context": ctx.document()})
