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
from bisect import bisect_left, bisect_right
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
        # property IRI -> kind of value -> the first term (by name) taking it; a value's kind is "id"
        # (IRI or blank node), "lang", "plain" (xsd:string) or its datatype IRI.
        self.terms_by_kind: dict[str, dict[str, Term]] = defaultdict(dict)
        for t in self.terms:
            self.terms_by_kind[t.iri].setdefault(t.kind, t)
        self.terms_by_kind = dict(self.terms_by_kind)
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
#
# Terms are handled in their N-Triples form: `<iri>`, `_:label`, `"lexical"`, `"x"@en`, `"1"^^<dt>`.
# The export reads them straight from the sorted N-Triples lines (see `document_lines`), so a million
# triples never become a million pyoxigraph objects; pyoxigraph terms (the per-resource pages) are
# turned into the same form with str(), which prints a term exactly as the N-Triples serialiser does.

RDF_NIL_TOKEN = f"<{RDF_NIL}>"
_NO_TERMS: dict = {}


def _literal(tok: str) -> tuple[str, str, str]:
    """(value, datatype IRI, language) of a literal written in N-Triples form."""
    q = tok.rfind('"')  # the closing quote: neither a language tag nor a datatype IRI can hold one
    lex = tok[1:q]
    # Oxigraph escapes only \b \t \n \f \r \" \\ and other control characters (as \uXXXX), all of them
    # JSON escapes too, so the C JSON decoder unescapes; without a backslash there is nothing to undo.
    value = json.loads(tok[:q + 1]) if "\\" in lex else lex
    suffix = tok[q + 1:]
    if not suffix:
        return value, XSD_STRING, ""
    if suffix[0] == "@":  # "--ltr" would be an RDF 1.2 base direction: as before, only the language is kept
        return value, LANG_STRING, suffix[1:].partition("--")[0]
    return value, suffix[3:-1], ""  # ^^<datatype>


def _sort_key(tok: str) -> tuple:
    """IRIs, then blank nodes, then literals by datatype (none for language-tagged), language, value."""
    c = tok[0]
    if c == "<":
        return (0, tok[1:-1], "")
    if c == "_":
        return (1, tok[2:], "")
    value, datatype, lang = _literal(tok)
    return (2, "" if lang else datatype, lang, value)


def _subject_key(tok: str) -> tuple:
    return (1, tok[2:]) if tok[0] == "_" else (0, tok[1:-1])


class Compactor:
    """Compacts triples into node objects; blank nodes used once are embedded.

    `out` maps a subject to its properties (predicate IRI -> object terms), `bnodes` does so for the
    blank-node subjects (looked up when one is embedded or is an RDF list), and `refs` counts the
    triples whose object is each blank node.
    """

    def __init__(self, ctx: Context, triples=()):
        self.ctx = ctx
        self.out: dict = defaultdict(lambda: defaultdict(list))
        refs: dict = defaultdict(int)
        for t in triples:
            o = str(t.object)
            self.out[str(t.subject)][t.predicate.value].append(o)
            if o[0] == "_":
                refs[o] += 1
        self.refs = refs
        self.bnodes = self.out
        self.used: set = {"id"}
        self._done: set = set()  # blank nodes already written
        self._iris: dict = {}  # IRI -> (compact form, prefix it used): object IRIs repeat a lot
        self._types: dict = {}

    def _cache_iri(self, iri: str) -> tuple[str, str | None]:
        got: set = set()
        hit = self._iris[iri] = (self.ctx.compact_iri(iri, got), next(iter(got), None))
        return hit

    def _iri(self, iri: str) -> str:
        hit = self._iris.get(iri)
        if hit is None:
            hit = self._cache_iri(iri)
        if hit[1] is not None:
            self.used.add(hit[1])
        return hit[0]

    def _type(self, iri: str) -> str:
        hit = self._types.get(iri)
        if hit is None:
            got: set = set()
            hit = self._types[iri] = (self.ctx.compact_type(iri, got), tuple(got))
        self.used.update(hit[1])
        return hit[0]

    def _embeddable(self, b: str) -> bool:
        return self.refs.get(b) == 1 and b in self.bnodes

    def _list_items(self, b: str) -> list | None:
        """The items of a well-formed RDF list starting at blank node `b`, or None."""
        items, node, seen = [], b, set()
        while node != RDF_NIL_TOKEN:
            if node[0] != "_" or node in seen or self.refs.get(node) != 1:
                return None
            props = self.bnodes.get(node)
            if not props or set(props) != {RDF_FIRST, RDF_REST} or len(props[RDF_FIRST]) != 1 \
                    or len(props[RDF_REST]) != 1:
                return None
            seen.add(node)
            items.append(props[RDF_FIRST][0])
            node = props[RDF_REST][0]
        return items if items else None

    def _mark_list(self, b: str) -> None:
        node = b
        while node[0] == "_":
            self._done.add(node)
            node = self.bnodes[node][RDF_REST][0]

    def node(self, s: str, props: dict | None = None, embedded: bool = False) -> dict:
        """The node object of subject `s` (its properties `props`, else looked up in `out`)."""
        # The hot loop of the export (once per triple): locals, cached IRIs and inlined common cases.
        ctx, used, done, iris = self.ctx, self.used, self._done, self._iris
        if props is None:
            props = self.out[s]
        if s[0] == "_":
            done.add(s)
        obj: dict = {}
        if not embedded:
            obj["id"] = s if s[0] == "_" else ctx.compact_iri(s[1:-1], used)
        keyed: dict[str, list] = {}
        many: dict[str, bool] = {}
        lang_keys: set = set()
        by_kind = ctx.terms_by_kind
        for p in sorted(props) if len(props) > 1 else props:
            values = props[p]
            if len(values) > 1:
                values = sorted(values, key=_sort_key)
            if p == RDF_TYPE and all(v[0] == "<" for v in values):
                types = sorted(self._type(v[1:-1]) for v in values)
                used.add("type")
                obj["type"] = types[0] if len(types) == 1 else types
                continue
            terms = by_kind.get(p, _NO_TERMS)
            for o in values:
                c = o[0]
                if c == "<":
                    term = terms.get("id")
                    if term is not None:
                        iri = o[1:-1]
                        hit = iris.get(iri)
                        if hit is None:
                            hit = self._cache_iri(iri)
                        if hit[1] is not None:
                            used.add(hit[1])
                        value = hit[0]
                elif c == '"':
                    if o[-1] == '"' and "\\" not in o:  # the common plain string, nothing to unescape
                        lit = (o[1:-1], XSD_STRING, "")
                        term = terms.get("plain")
                    else:
                        lit = _literal(o)
                        term = terms.get("lang" if lit[2] else "plain" if lit[1] == XSD_STRING else lit[1])
                    if term is not None:
                        if term.kind == "lang":
                            lang_keys.add(term.name)
                            value = (lit[2], lit[0])
                        else:
                            value = lit[0]
                else:  # a blank node: an RDF list, embedded, or referenced by its label
                    if o not in done:
                        items = self._list_items(o)
                        if items is not None:
                            self._mark_list(o)
                            key = self._iri(p)
                            keyed.setdefault(key, []).append({"@list": [self._value_explicit(i) for i in items]})
                            many.setdefault(key, False)
                            continue
                    term = terms.get("id")
                    if term is not None:
                        if self._embeddable(o) and o not in done:
                            value = self.node(o, self.bnodes[o], embedded=True)
                        else:
                            value = o
                if term is None:  # kept in full under the property's compact IRI
                    key = self._iri(p)
                    keyed.setdefault(key, []).append(self._value_explicit(o))
                    many.setdefault(key, False)
                    continue
                name = term.name
                used.add(name)
                vals = keyed.get(name)
                if vals is None:
                    keyed[name] = [value]
                else:
                    vals.append(value)
                many[name] = term.many
        if "label" in keyed:
            order = ["label", *sorted(k for k in keyed if k != "label")]
        else:
            order = sorted(keyed)
        for key in order:
            vals = keyed[key]
            if key in lang_keys:
                by_lang: dict = {}
                for lang, value in vals:
                    by_lang.setdefault(lang, []).append(value)
                obj[key] = {lang: (v[0] if len(v) == 1 else v) for lang, v in sorted(by_lang.items())}
            elif many[key] or len(vals) > 1:
                obj[key] = vals
            else:
                obj[key] = vals[0]
        return obj

    def _value_explicit(self, o: str):
        """A value written in full (under a compact-IRI key): {"id": …} or {"@value": …, …}."""
        c = o[0]
        if c == "_":
            if self._embeddable(o) and o not in self._done:
                return self.node(o, self.bnodes[o], embedded=True)
            return {"id": o}
        if c == "<":
            return {"id": self._iri(o[1:-1])}
        value, datatype, lang = _literal(o)
        if lang:
            return {"@value": value, "@language": lang}
        if datatype == XSD_STRING:
            return {"@value": value}
        return {"@value": value, "@type": self._iri(datatype)}

    def nodes(self, subjects=None) -> list[dict]:
        """Top-level node objects: `subjects` first in their order, then the rest sorted.

        A blank node referenced exactly once is written inside its referrer, not at the top.
        """
        listed = [s for s in dict.fromkeys(str(s) for s in subjects or ()) if s in self.out]
        first = set(listed)
        order = listed + sorted((s for s in self.out if s not in first), key=_subject_key)
        result = []
        for s in order:
            if s in self._done or (s not in first and s[0] == "_" and self._embeddable(s)):
                continue
            result.append(self.node(s))
        for s in order:  # blank nodes in a cycle of single references have no referrer to sit in
            if s[0] == "_" and s not in self._done:
                result.append(self.node(s))
        return result


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


def _props(lines) -> dict[str, list[str]]:
    """predicate IRI -> object terms, from N-Triples lines of one subject."""
    props: dict = {}
    for line in lines:
        _, p, o = line.split(" ", 2)  # subject and predicate hold no space; the object may
        p, o = p[1:-1], o[:-2]  # <p> -> p; drop the final " ."
        vals = props.get(p)
        if vals is None:
            props[p] = [o]
        else:
            vals.append(o)
    return props


def context_of_lines(lines: list[str]) -> Context:
    """build_context for sorted N-Triples lines: only the triples about pg: terms are parsed."""
    lo = bisect_left(lines, "<" + PG)
    hi = bisect_left(lines, "<" + PG + "\U0010ffff", lo)
    data = "".join(line + "\n" for line in lines[lo:hi]).encode("utf-8")
    return build_context(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))


def document_lines(lines: list[str], ctx: Context) -> bytes:
    """The compacted document of the triples in `lines`, as `dumps(compact(triples, ctx))` writes it.

    `lines` are the N-Triples lines of a graph, sorted and without newlines: the lines of a subject
    are then adjacent, so each subject's properties are read from its slice of the list when its
    node is written, and only blank-node subjects are held in a dictionary (they may be embedded).
    """
    # Subject slices. Every line of subject s starts with s + " " and nothing else sorts between them.
    iri_groups, bnode_starts = [], []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        s = line[:line.index(" ")]
        j = bisect_right(lines, s + " \U0010ffff", i + 1)
        if s[0] == "_":
            bnode_starts.append((s, i, j))
        else:
            iri_groups.append((s[1:-1], i, j))
        i = j
    c = Compactor(ctx)
    c.out = c.bnodes = {s: _props(lines[a:b]) for s, a, b in bnode_starts}
    refs: dict = defaultdict(int)
    for line in lines:
        if "_:" in line:  # cheap filter; the object is a blank node only if its term starts with _:
            o = line.split(" ", 2)[2][:-2]
            if o[0] == "_":
                refs[o] += 1
    c.refs = refs
    # Top-level order: IRIs by IRI (not by `<iri>`: `<a/b>` sorts before `<a>`), then blank nodes.
    iri_groups.sort()
    enc = _ENCODE
    nodes = [enc(c.node("<" + iri + ">", _props(lines[a:b]))) for iri, a, b in iri_groups]
    order = sorted(c.bnodes, key=_subject_key)
    for s in order:
        if s not in c._done and not c._embeddable(s):
            nodes.append(enc(c.node(s)))
    for s in order:  # blank nodes in a cycle of single references have no referrer to sit in
        if s not in c._done:
            nodes.append(enc(c.node(s)))
    return _document(ctx.document(), nodes)


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


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # what json.dumps(v, ensure_ascii=False) does


def _document(context: dict, nodes: list[str]) -> bytes:
    """dumps({"@context": context, "@graph": graph}) for already encoded nodes."""
    enc = _ENCODE
    inner = ",\n".join(f"    {enc(k)}: {enc(v)}" for k, v in context.items())
    graph = '  "@graph": [\n    ' + ",\n    ".join(nodes) + "\n  ]" if nodes else '  "@graph": []'
    return f'{{\n  "@context": {{\n{inner}\n  }},\n{graph}\n}}\n'.encode("utf-8")


def context_document(ctx: Context) -> bytes:
    return dumps({"@context": ctx.document()})
