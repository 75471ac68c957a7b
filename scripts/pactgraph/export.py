"""Deterministic serialisations of the dataset: the same input gives the same bytes.

Blank nodes are renamed by RDFC-1.0 canonicalisation and statements are sorted before writing, so
no parse order, random blank-node label or clock reaches an artefact.

The JSON-LD export is compacted with the published context (`context.jsonld`, see jsonld.py) so that
a web developer can read it as plain JSON; it holds the merged graph (TriG and N-Quads keep the named
graphs).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from . import jsonld
from .namespaces import PGID, PREFIXES

#: The kinds of instance IRI (docs/model.md); Turtle and TriG get a prefix for each, as the data
#: files do, so that `pgid:act/x` is written `act:x` rather than `pgid:act\/x`.
KINDS = ("place", "region", "city", "agreement", "act", "intention", "person", "office", "term", "org",
         "membership", "event", "claim", "source", "concept", "scheme", "stmt")
TURTLE_PREFIXES = {**PREFIXES, **{k: f"{PGID}{k}/" for k in KINDS if k not in PREFIXES}}


def used_prefixes(triples, prefixes: dict[str, str] = TURTLE_PREFIXES) -> dict[str, str]:
    """The prefixes whose namespace an IRI of the triples starts with (for small documents)."""
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    by_length = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    by_ns = {ns: p for p, ns in prefixes.items()}
    wanted = set()
    for iri in iris:  # the longest namespace is the one the serialiser will use
        if iri.startswith(PGID):  # the common case, without a scan: pgid:<kind>/…
            kind_ns = PGID + iri[len(PGID):].split("/", 1)[0] + "/"
            if kind_ns in by_ns and len(iri) > len(kind_ns):
                wanted.add(by_ns[kind_ns])
                continue
        for p, ns in by_length:
            if iri.startswith(ns) and len(iri) > len(ns):
                wanted.add(p)
                break
    return {p: ns for p, ns in prefixes.items() if p in wanted}

#: file name -> (format, keeps named graphs)
FORMATS = {
    "pactgraph.nq": (ox.RdfFormat.N_QUADS, True),
    "pactgraph.trig": (ox.RdfFormat.TRIG, True),
    "pactgraph.ttl": (ox.RdfFormat.TURTLE, False),
    "pactgraph.nt": (ox.RdfFormat.N_TRIPLES, False),
    "pactgraph.rdf": (ox.RdfFormat.RDF_XML, False),
    "pactgraph.jsonld": (ox.RdfFormat.JSON_LD, False),  # compacted with context.jsonld (jsonld.py)
}

#: Formats written with the project's prefixes.
_WITH_PREFIXES = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)


def canonical_quads(quads) -> list[ox.Quad]:
    """Quads with canonical blank-node labels, in sorted order."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=str)


def union_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    """The merged graph: every distinct triple of every named graph, sorted."""
    return sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)


def write_all(quads, folder: Path) -> dict[str, int]:
    """Write every format, and the JSON-LD context, into `folder`; returns file name -> size in bytes."""
    canon = canonical_quads(quads)
    triples = union_triples(canon)
    sizes = {}
    for name, (fmt, keeps_graphs) in FORMATS.items():
        if fmt == ox.RdfFormat.JSON_LD:
            ctx = jsonld.build_context(triples)
            data = jsonld.dumps(jsonld.compact(triples, ctx))
            context = jsonld.context_document(ctx)
            (folder / jsonld.CONTEXT_FILE).write_bytes(context)
            sizes[jsonld.CONTEXT_FILE] = len(context)
        else:
            prefixes = None
            if fmt in _WITH_PREFIXES:
                prefixes = PREFIXES if fmt == ox.RdfFormat.RDF_XML else TURTLE_PREFIXES
            data = ox.serialize(canon if keeps_graphs else triples, format=fmt, prefixes=prefixes)
        (folder / name).write_bytes(data)
        sizes[name] = len(data)
    return sizes
