"""Deterministic serialisations of the dataset: the same input gives the same bytes.

Blank nodes are renamed by RDFC-1.0 canonicalisation and statements are sorted before writing, so
no parse order, random blank-node label or clock reaches an artefact.

The JSON-LD export is compacted with the published context (`context.jsonld`, see jsonld.py) so that
a web developer can read it as plain JSON; it holds the merged graph (TriG and N-Quads keep the named
graphs).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
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


#: OWL 2 (RDF mapping) requires xsd:nonNegativeInteger on these; Oxigraph stores it as xsd:integer.
OWL_CARDINALITY = tuple(f"<http://www.w3.org/2002/07/owl#{p}> ".encode() for p in (
    "cardinality", "minCardinality", "maxCardinality", "qualifiedCardinality", "minQualifiedCardinality",
    "maxQualifiedCardinality"))
_INTEGER = b"^^<http://www.w3.org/2001/XMLSchema#integer>"
_NON_NEGATIVE = b"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"


def owl_cardinalities(lines: list[bytes]) -> list[bytes]:
    """N-Quads lines with the datatype of OWL cardinalities given back as written: the loader accepts
    only xsd:nonNegativeInteger there (sources.py), so this restores the sources exactly."""
    out = []
    for line in lines:
        if _INTEGER in line and any(p in line for p in OWL_CARDINALITY):
            line = line.replace(_INTEGER, _NON_NEGATIVE, 1)
        out.append(line)
    return out


def _escape_carriage_returns(path: Path) -> None:
    """Oxigraph's RDF/XML writer leaves a carriage return in a literal raw, and every XML parser turns
    it into a line feed (XML 1.0, 2.11), so the literal would change silently. Written as &#13; it
    survives; the writer puts no CR anywhere else (its line ends are LF)."""
    data = path.read_bytes()
    if b"\r" in data:
        path.write_bytes(data.replace(b"\r", b"&#13;"))


def canonical_quads(quads) -> list[ox.Quad]:
    """Quads with canonical blank-node labels, in sorted order (for small sets of quads)."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=str)


def write_store(store: ox.Store, folder: Path, timings: dict | None = None) -> dict[str, int]:
    """Write every format, and the JSON-LD context, into `folder`; returns file name -> size in bytes.

    `timings`, if given, gets the seconds spent in each step ("N-Quads", "Turtle", "JSON-LD", …).

    The dataset goes from the store to bytes in Rust (Store.dump) and stays bytes: sorting N-Quads
    lines as bytes gives the order of sorting the quads by str() (UTF-8 keeps code-point order, and
    a line is never a prefix of another but for the " ." that follows a default-graph quad), so no
    pyoxigraph object is made per quad in this process. TriG, Turtle and RDF/XML need Oxigraph's
    serialisers, which take one Python object per statement; they read the sorted .nq/.nt files in
    child processes (see `_Serialisers`), which run on the other core while the JSON-LD is compacted.
    """
    folder = Path(folder)
    clock = _Clock(timings)
    raw = store.dump(format=ox.RdfFormat.N_QUADS)
    clock("dump")
    lines = _canonical_lines(raw)
    del raw
    clock("canonicalise")
    lines.sort()
    clock("sort")
    sizes = {}

    def write(name: str, data: bytes, step: str) -> None:
        (folder / name).write_bytes(data)
        sizes[name] = len(data)
        clock(step)

    children = _Serialisers()
    try:
        write("pactgraph.nq", b"\n".join(lines) + b"\n" if lines else b"", "N-Quads")
        children.start(folder / "pactgraph.nq", "N_QUADS", folder / "pactgraph.trig", "TRIG", TURTLE_PREFIXES)
        in_default_graph = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
        triples = _union_lines(lines, in_default_graph)
        del lines
        clock("merge graphs")
        nt = b" .\n".join(triples) + b" .\n" if triples else b""
        del triples
        write("pactgraph.nt", nt, "N-Triples")
        children.start(folder / "pactgraph.nt", "N_TRIPLES", folder / "pactgraph.ttl", "TURTLE", TURTLE_PREFIXES)
        children.start(folder / "pactgraph.nt", "N_TRIPLES", folder / "pactgraph.rdf", "RDF_XML", PREFIXES)
        text = nt.decode("utf-8").split("\n")
        del nt
        text.pop()  # after the last newline
        ctx = jsonld.context_of_lines(text)
        write(jsonld.CONTEXT_FILE, jsonld.context_document(ctx), "JSON-LD")
        write("pactgraph.jsonld", jsonld.document_lines(text, ctx), "JSON-LD")
        del text
        children.wait(timings)
        clock("wait for serialisers")
        _escape_carriage_returns(folder / "pactgraph.rdf")
    finally:
        children.kill()
    for name in ("pactgraph.trig", "pactgraph.ttl", "pactgraph.rdf"):
        sizes[name] = (folder / name).stat().st_size
    order = [*FORMATS][:-1] + [jsonld.CONTEXT_FILE, "pactgraph.jsonld"]
    return {name: sizes[name] for name in order}


#: Run by the child processes: parse one file and serialise it into another, streaming (the
#: statements are already in order); prints the seconds it took. Only pyoxigraph is imported.
_CHILD = """
import json, sys, time
import pyoxigraph as ox
t = time.perf_counter()
src, src_format, dst, dst_format, prefixes = json.loads(sys.argv[1])
ox.serialize(ox.parse(path=src, format=getattr(ox.RdfFormat, src_format)), dst,
             format=getattr(ox.RdfFormat, dst_format), prefixes=prefixes)
print(json.dumps(time.perf_counter() - t))
"""


class _Serialisers:
    """Oxigraph serialisations running in child processes (Python holds one core at a time)."""

    def __init__(self):
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, src: Path, src_format: str, dst: Path, dst_format: str, prefixes: dict) -> None:
        args = json.dumps([str(src), src_format, str(dst), dst_format, prefixes])
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self.running.append((str(getattr(ox.RdfFormat, dst_format)), proc))

    def wait(self, timings: dict | None) -> None:
        for step, proc in self.running:
            out, err = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"writing {step} failed: {err.decode('utf-8', 'replace').strip()}")
            if timings is not None:  # time spent in the child, overlapping the steps above
                timings[step] = timings.get(step, 0.0) + json.loads(out)
        self.running = []

    def kill(self) -> None:
        for _, proc in self.running:
            proc.kill()
            proc.wait()
        self.running = []


def _canonical_lines(raw: bytes) -> list[bytes]:
    """The lines of an N-Quads document, with RDFC-1.0 blank-node labels.

    RDFC-1.0 hashes a blank node from the quads that mention it (and, through them, from other blank
    nodes' quads) and nothing else, so only the lines that may hold a blank node are canonicalised:
    the labels come out the same as canonicalising the whole dataset, at the cost of the few lines
    with a blank node rather than of a million. "_:" in a line is a cheap over-approximation (an IRI
    or a literal may contain it); such a line goes through canonicalisation unchanged.
    """
    blank, kept, start = [], [], 0
    at = raw.find(b"_:")
    while at >= 0:  # cut out each line holding "_:" (C-speed search; typically a few lines)
        begin = raw.rfind(b"\n", 0, at) + 1
        end = raw.index(b"\n", at) + 1
        blank.append(raw[begin:end])
        kept.append(raw[start:begin])
        start = end
        at = raw.find(b"_:", end)
    kept.append(raw[start:])
    lines: list[bytes] = []
    for segment in kept:  # each is empty or ends with a newline: drop what split gives after it
        lines += segment.split(b"\n")
        lines.pop()
    lines = owl_cardinalities(lines)
    if blank:  # before canonicalisation, so the labels are those of the restored quads
        dataset = ox.Dataset(ox.parse(b"".join(owl_cardinalities(blank)), format=ox.RdfFormat.N_QUADS))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        lines += ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).split(b"\n")[:-1]
    return lines


def _union_lines(lines: list[bytes], in_default_graph: bool) -> list[bytes]:
    """The distinct triples (N-Triples lines without " .") of sorted N-Quads lines, sorted.

    Without the graph name the lines stay sorted: a triple is never a prefix of another but for a
    language tag or datatype, which sorts the same way before " ." as before " <graph>". So the copies
    of a triple in several graphs are adjacent, and dict.fromkeys drops them keeping the order.
    """
    if not in_default_graph:
        # Every line ends " <graph> ." or " _:graph ."; a graph name holds no space.
        return list(dict.fromkeys([line[:line.rindex(b" ", 0, len(line) - 2)] for line in lines]))
    # A default-graph quad has no graph name to drop, and which lines have one is a question for a
    # parser (an object literal may end in something like " <x>"): let Oxigraph answer it.
    quads = ox.parse(b"".join(line + b"\n" for line in lines), format=ox.RdfFormat.N_QUADS)
    nt = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
    return list(dict.fromkeys(line[:-2] for line in nt.split(b"\n")[:-1]))


class _Clock:
    """Adds the seconds since the last call to timings[step] (a no-op without `timings`)."""

    def __init__(self, timings: dict | None):
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[step] = self.timings.get(step, 0.0) + now - self.last
        self.last = now
