"""Gather what the pages and pictures show from the store, in a few SPARQL queries.

Everything is read in one pass over grouped query results (never one query per page), so publishing
stays linear in the size of the graph. The result is an in-memory index: the statements about each
resource under https://w3id.org/pactgraph/id/, the statements pointing at it, the labels of everything,
the class hierarchy, and the named graphs each resource is stated in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .namespaces import PG, PGID, PROV, RDF, RDFS, SKOS

RDF_TYPE = RDF + "type"
LABEL = RDFS + "label"

_TOUCHING_IDS = f"""
SELECT DISTINCT ?s ?p ?o WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(STRSTARTS(STR(?s), "{PGID}") || (isIRI(?o) && STRSTARTS(STR(?o), "{PGID}")))
}}"""

_BLANK = """SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s)) }"""

_LABELS = f"""
SELECT DISTINCT ?s ?p ?l WHERE {{
  GRAPH ?g {{ ?s ?p ?l }}
  VALUES ?p {{ <{LABEL}> <{SKOS}prefLabel> }}
  FILTER(isLiteral(?l))
}}"""

_SUBCLASS = f"""
SELECT DISTINCT ?c ?sup WHERE {{ GRAPH ?g {{ ?c <{RDFS}subClassOf> ?sup }} FILTER(isIRI(?c) && isIRI(?sup)) }}"""

_SOURCES = f"""
SELECT DISTINCT ?s ?p ?o WHERE {{
  GRAPH ?g {{ ?s a <{PG}Source> }}
  GRAPH ?h {{ ?s ?p ?o }}
}}"""

_GRAPHS = f"""
SELECT DISTINCT ?s ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), "{PGID}")) }}"""


@dataclass
class GraphIndex:
    """The published resources and everything needed to describe them."""

    out: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))  # s -> p -> [o]
    incoming: dict = field(default_factory=lambda: defaultdict(list))  # o -> [(s, p)]
    blank: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))  # b -> p -> [o]
    labels: dict = field(default_factory=lambda: defaultdict(list))  # iri -> [(lang, text, is_pref)]
    superclasses: dict = field(default_factory=lambda: defaultdict(set))  # class -> direct supers
    sources: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))  # source -> p -> [o]
    graphs: dict = field(default_factory=lambda: defaultdict(set))  # s -> {graph IRI}
    statements: dict = field(default_factory=lambda: defaultdict(list))  # subject -> [stmt]
    resources: list = field(default_factory=list)  # every pgid: IRI, sorted

    # -- labels ---------------------------------------------------------------------------------
    def label(self, iri: str, lang: str = "en") -> str | None:
        """The English rdfs:label (else skos:prefLabel, else any label), or None."""
        found = self.labels.get(iri)
        if not found:
            return None
        for want_pref in (False, True):
            for lg, text, pref in found:
                if pref == want_pref and lg == lang:
                    return text
        for lg, text, _pref in found:
            if lg in ("", None):
                return text
        return sorted(found)[0][1]

    def other_labels(self, iri: str) -> list[tuple[str, str]]:
        """Labels in languages other than English: [(lang, text)], sorted."""
        return sorted({(lg, text) for lg, text, pref in self.labels.get(iri, ()) if lg and lg != "en" and not pref})

    # -- classes --------------------------------------------------------------------------------
    def ancestors(self, cls: str) -> set[str]:
        seen, todo = set(), [cls]
        while todo:
            for sup in self.superclasses.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        return seen

    def depth(self, cls: str) -> int:
        return len(self.ancestors(cls))

    def types(self, iri) -> list[str]:
        node = self.out.get(iri if isinstance(iri, ox.NamedNode) else ox.NamedNode(iri))
        return sorted(o.value for o in node.get(RDF_TYPE, ()) if isinstance(o, ox.NamedNode)) if node else []

    def specific_types(self, iri) -> list[str]:
        """The most specific of a resource's types, deepest first."""
        types = self.types(iri)
        implied = set().union(*(self.ancestors(t) for t in types)) if types else set()
        specific = [t for t in types if t not in implied]
        return sorted(specific, key=lambda t: (-self.depth(t), self.label(t) or t))

    def primary_type(self, iri) -> str | None:
        specific = self.specific_types(iri)
        return specific[0] if specific else None

    def is_a(self, iri, cls: str) -> bool:
        return any(t == cls or cls in self.ancestors(t) for t in self.types(iri))

    # -- values ---------------------------------------------------------------------------------
    def values(self, iri, prop: str) -> list:
        node = self.out.get(iri if isinstance(iri, ox.NamedNode) else ox.NamedNode(iri))
        return list(node.get(prop, ())) if node else []

    def value(self, iri, prop: str):
        vals = self.values(iri, prop)
        return sorted(vals, key=str)[0] if vals else None


def kind_of(iri: str) -> str:
    """`place` for https://w3id.org/pactgraph/id/place/jp."""
    return iri[len(PGID):].split("/", 1)[0] if iri.startswith(PGID) else ""


def gather(store: ox.Store) -> GraphIndex:
    idx = GraphIndex()
    for s, p, o in store.query(_TOUCHING_IDS):
        if isinstance(s, ox.BlankNode):
            continue
        if s.value.startswith(PGID):
            idx.out[s][p.value].append(o)
        if isinstance(o, ox.NamedNode) and o.value.startswith(PGID):
            idx.incoming[o].append((s, p.value))
    for s, p, o in store.query(_BLANK):
        idx.blank[s][p.value].append(o)
    for s, p, lit in store.query(_LABELS):
        if not isinstance(s, ox.BlankNode):
            idx.labels[s.value].append((lit.language or "", lit.value, p.value != LABEL))
    for c, sup in store.query(_SUBCLASS):
        idx.superclasses[c.value].add(sup.value)
    for s, p, o in store.query(_SOURCES):
        idx.sources[s][p.value].append(o)
    for s, g in store.query(_GRAPHS):
        idx.graphs[s].add(g.value)
    # rdf:Statement nodes, by the resource they are about
    for s, props in idx.out.items():
        if any(t.value == RDF + "Statement" for t in props.get(RDF_TYPE, ())):
            for subj in props.get(RDF + "subject", ()):
                if isinstance(subj, ox.NamedNode):
                    idx.statements[subj].append(s)
    # determinism: everything sorted once, here
    for props in list(idx.out.values()) + list(idx.blank.values()) + list(idx.sources.values()):
        for p in props:
            props[p].sort(key=str)
    for o in idx.incoming:
        idx.incoming[o] = sorted(set(idx.incoming[o]), key=lambda sp: (sp[1], sp[0].value))
    for subj in idx.statements:
        idx.statements[subj].sort(key=str)
    for iri in idx.labels:
        idx.labels[iri].sort()
    ids = {s for s in idx.out} | {o for o in idx.incoming}
    idx.resources = sorted(ids, key=lambda n: n.value)
    return idx


def statement_sources(idx: GraphIndex, subject, prop: str, obj) -> list:
    """The rdf:Statement nodes that give their own source for the triple (subject, prop, obj)."""
    found = []
    for st in idx.statements.get(subject, ()):
        if (ox.NamedNode(prop) in idx.out[st].get(RDF + "predicate", ())
                and obj in idx.out[st].get(RDF + "object", ())):
            found.append(st)
    return found


__all__ = ["GraphIndex", "gather", "kind_of", "statement_sources", "PROV"]
