"""Deterministic serialisations of the dataset: the same input gives the same bytes.

Blank nodes are renamed by RDFC-1.0 canonicalisation and statements are sorted before writing, so
no parse order, random blank-node label or clock reaches an artefact.

The JSON-LD export is compacted with the published context (`context.jsonld`, see jsonld.py) so that
a web developer can read it as plain JSON; it holds the merged graph (TriG and N-Quads keep the named
graphs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from . import jsonld
from .errors import ExportFailed
from .namespaces import PG, PGID, PREFIXES

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


#: Up to this many triples (the merged graph) the JSON-LD is compacted with the published context
#: (jsonld.py), which a web developer reads as plain JSON; above it, Oxigraph's own JSON-LD writer gives
#: the expanded form (full IRIs, no context: pyoxigraph 0.5 takes no prefixes for JSON-LD), in a child
#: process beside the Turtle and RDF/XML writers. Measured at 1M triples (docs/benchmarks.md, D15):
#: compaction 7.2 s of Python in the build process, 90 MB; Oxigraph 1.9 s in a child, 200 MB.
COMPACT_JSONLD_MAX = 500_000


def jsonld_form(triples: int) -> str:
    """"compacted" or "expanded": the form of the JSON-LD export of a merged graph of `triples`."""
    return "compacted" if triples <= COMPACT_JSONLD_MAX else "expanded"


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

    For a store that did not come from source files; the build uses write_sources, and the tests hold
    it to this function's bytes. `timings`, if given, gets the seconds spent in each step ("N-Quads", "Turtle", "JSON-LD", …).

    The dataset goes from the store to bytes in Rust (Store.dump) and stays bytes: sorting N-Quads
    lines as bytes gives the order of sorting the quads by str() (UTF-8 keeps code-point order, and
    a line is never a prefix of another but for the " ." that follows a default-graph quad), so no
    pyoxigraph object is made per quad in this process. TriG, Turtle and RDF/XML need Oxigraph's
    serialisers, which take one Python object per statement; they read the sorted .nq/.nt files in
    child processes (see `_Serialisers`), which run on the other core while the JSON-LD is compacted.
    """
    folder = Path(folder)
    if len(store) > STREAM_ABOVE:
        return _write_streaming(store, folder, timings)
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

    def write_lines(name: str, items: list[bytes], end: bytes, step: str) -> None:
        # end.join(items) + end, written a slice at a time: the joined text of a million lines would
        # be one more copy of them all in memory
        with open(folder / name, "wb") as f:
            for i in range(0, len(items), 65536):
                f.write(end.join(items[i:i + 65536]) + end)
        sizes[name] = (folder / name).stat().st_size
        clock(step)

    children = _Serialisers()
    try:
        write_lines("pactgraph.nq", lines, b"\n", "N-Quads")
        children.start(folder / "pactgraph.nq", "N_QUADS", folder / "pactgraph.trig", "TRIG", TURTLE_PREFIXES)
        in_default_graph = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
        triples = _union_lines(lines, in_default_graph)
        del lines
        clock("merge graphs")
        write_lines("pactgraph.nt", triples, b" .\n", "N-Triples")
        n_triples = len(triples)
        children.start(folder / "pactgraph.nt", "N_TRIPLES", folder / "pactgraph.ttl", "TURTLE", TURTLE_PREFIXES)
        children.start(folder / "pactgraph.nt", "N_TRIPLES", folder / "pactgraph.rdf", "RDF_XML", PREFIXES)
        compact = n_triples <= COMPACT_JSONLD_MAX
        if not compact:  # Oxigraph's own writer, in a child like the others (see COMPACT_JSONLD_MAX)
            children.start(folder / "pactgraph.nt", "N_TRIPLES", folder / "pactgraph.jsonld", "JSON_LD", {})
        ctx = jsonld.context_of_lines(_pg_subject_lines(triples))
        write(jsonld.CONTEXT_FILE, jsonld.context_document(ctx), "JSON-LD")
        if compact:
            text = [t.decode("utf-8") + " ." for t in triples]
            del triples
            write("pactgraph.jsonld", jsonld.document_lines(text, ctx), "JSON-LD")
            del text
        else:
            del triples
        children.wait(timings)
        clock("wait for serialisers")
        _escape_carriage_returns(folder / "pactgraph.rdf")
    finally:
        children.kill()
    for name in ("pactgraph.trig", "pactgraph.ttl", "pactgraph.rdf", "pactgraph.jsonld"):
        sizes[name] = (folder / name).stat().st_size
    order = [*FORMATS][:-1] + [jsonld.CONTEXT_FILE, "pactgraph.jsonld"]
    return {name: sizes[name] for name in order}


#: Above this many quads the exports are written by streaming through files (_write_streaming): the
#: dump and its lines held in memory take some 500 bytes a quad (8 GB at 10M source triples).
STREAM_ABOVE = 4_000_000
#: Bytes of N-Quads handled at a time by the streaming path. Small enough for the allocator to reuse
#: (glibc maps a block over 32 MiB afresh each time, and each new page is a fault): at 1M, 64 MiB cost
#: 1.1M page faults and 6.1 s of system time in the export process, 4 MiB 0.18M and 3.7 s.
_CHUNK = 4 * 1024 * 1024


def write_sources(files: list[tuple[Path, str]], periods: Path, folder: Path,
                  timings: dict | None = None, ready=None) -> dict[str, int]:
    """write_store for the store that the source `files` (path, graph IRI) and the derived periods
    (N-Quads) make, without reading the store: the same bytes, by the streaming path.

    Each file is parsed by Oxigraph and written as N-Triples (its blank nodes renamed, as the loader
    does); every line gets its graph name. The loader refused every literal the store would hold
    otherwise than written but OWL cardinalities, which the exports restore anyway; a triple written
    twice is written once (sort -u). `ready`, if given, is called after the source files and before the
    periods file is read: it returns once that file is complete (ExportJob starts this before the load).
    """
    from .sources import read_source

    clock = _Clock(timings)

    def produce(out) -> None:  # into `out`, a stream (_write_streaming's _LineSink)
        for path, graph in files:
            triples = ox.parse(read_source(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
            end = f" <{graph}> .\n".encode()
            while True:  # a slice at a time: the N-Triples of a whole file at 10M would be gigabytes
                nt = ox.serialize(islice(triples, _TRIPLES_AT_A_TIME), format=ox.RdfFormat.N_TRIPLES)
                if not nt:
                    break
                out.write(nt.replace(b" .\n", end))  # LF only ends a line
                del nt
        clock("sources")
        if ready is not None:
            ready()
            clock("wait for the periods")
        with open(periods, "rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)

    return _write_streaming(produce, Path(folder), timings, clock)


#: Triples of a source file written as N-Triples at a time by write_sources (some 100 MB).
_TRIPLES_AT_A_TIME = 500_000


def _write_streaming(store, folder: Path, timings: dict | None, clock=None) -> dict[str, int]:
    """write_store for a large store, in bounded memory, with the same bytes.

    The store is dumped into the input of GNU sort, through _LineSink: each piece of lines has its OWL
    cardinalities restored and its lines holding "_:" set aside (canonicalised together at the end, as
    _canonical_lines does). sort runs in the C locale (byte order, as bytes.sort; an external merge
    sort with a bounded buffer) and writes pactgraph.nq. The merged graph is the sorted N-Quads without
    graph names, copies of a triple being adjacent (_union_lines). The other formats are written by
    Oxigraph in child processes, as for a small store, the JSON-LD in its expanded form
    (COMPACT_JSONLD_MAX).
    """
    clock = clock or _Clock(timings)
    if isinstance(store, ox.Store) and next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())),
                                            None) is not None:
        raise ExportFailed("a store this large with triples in the default graph cannot be exported by "
                           "streaming; the build puts every file in a named graph")
    sort = shutil.which("sort")
    if sort is None:
        raise ExportFailed("exporting a store this large needs GNU sort (coreutils), which was not found")
    nq = folder / "pactgraph.nq"
    # The N-Quads go straight into sort's input (no file of them before the sorted one): sort reads
    # while they are written and sorts once they end.
    sorting = subprocess.Popen([sort, "-u", "-S", "1G", "-T", str(folder), "-o", str(nq)],
                               stdin=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "LC_ALL": "C"})
    try:
        sink = _LineSink(sorting.stdin)
        try:
            if isinstance(store, ox.Store):
                store.dump(sink, format=ox.RdfFormat.N_QUADS)
            else:  # a function that writes the N-Quads into the stream it is given (write_sources)
                store(sink)
            clock("dump" if isinstance(store, ox.Store) else "periods")
            sink.close()
        except BrokenPipeError:  # sort stopped: it says why below
            pass
        sorting.stdin.close()
        err = sorting.stderr.read()
        if sorting.wait() != 0:
            raise ExportFailed(f"sorting the N-Quads failed: {err.decode('utf-8', 'replace').strip()}")
        clock("sort")
        children = _Serialisers()
        try:
            children.start(nq, "N_QUADS", folder / "pactgraph.trig", "TRIG", TURTLE_PREFIXES)
            pg_lines: list[str] = []
            last, n_triples = None, 0
            with open(nq, "rb") as src, open(folder / "pactgraph.nt", "wb") as dst:
                for chunk in _line_chunks(src):
                    triples = _union_lines(chunk.split(b"\n")[:-1], False)
                    if triples and triples[0] == last:
                        triples.pop(0)  # a copy across the chunk boundary
                    if triples:
                        n_triples += len(triples)
                        last = triples[-1]
                        dst.write(b" .\n".join(triples) + b" .\n")
                        pg_lines += _pg_subject_lines(triples)
            clock("merge graphs")
            compact = n_triples <= COMPACT_JSONLD_MAX  # (not with this many quads, unless in many graphs)
            for dst_name, fmt, prefixes in (("pactgraph.ttl", "TURTLE", TURTLE_PREFIXES),
                                            ("pactgraph.rdf", "RDF_XML", PREFIXES),
                                            ("pactgraph.jsonld", "JSON_LD", {}))[:2 if compact else 3]:
                children.start(folder / "pactgraph.nt", "N_TRIPLES", folder / dst_name, fmt, prefixes)
            ctx = jsonld.context_of_lines(pg_lines)
            (folder / jsonld.CONTEXT_FILE).write_bytes(jsonld.context_document(ctx))
            if compact:
                text = (folder / "pactgraph.nt").read_text(encoding="utf-8").split("\n")
                text.pop()
                (folder / "pactgraph.jsonld").write_bytes(jsonld.document_lines(text, ctx))
            clock("JSON-LD")
            children.wait(timings)
            clock("wait for serialisers")
            _escape_carriage_returns(folder / "pactgraph.rdf")
        finally:
            children.kill()
    finally:
        if sorting.poll() is None:
            sorting.kill()
            sorting.wait()
    order = [*FORMATS][:-1] + [jsonld.CONTEXT_FILE, "pactgraph.jsonld"]
    return {name: (folder / name).stat().st_size for name in order}


class _LineSink:
    """A binary stream that passes what is written to it on to `out` in pieces of about _CHUNK that end
    at a line end, each with its OWL cardinalities restored and its lines holding "_:" set aside;
    close() writes those last, canonicalised together (as _canonical_lines does)."""

    def __init__(self, out):
        self.out, self.parts, self.size, self.blank = out, [], 0, []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        if self.size >= _CHUNK:
            self._pass_on(final=False)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._pass_on(final=True)
        lines = _canonical_blank_lines(self.blank)
        if lines:
            self.out.write(b"\n".join(lines) + b"\n")

    def _pass_on(self, final: bool) -> None:
        data = b"".join(self.parts)
        cut = len(data) if final else data.rfind(b"\n") + 1
        self.parts, self.size = ([data[cut:]], len(data) - cut) if cut < len(data) else ([], 0)
        chunk = data[:cut]
        if chunk and not chunk.endswith(b"\n"):
            chunk += b"\n"
        if not chunk:
            return
        if b"_:" not in chunk and b"ardinality> " not in chunk:  # (of every OWL_CARDINALITY)
            self.out.write(chunk)  # nothing to change: most chunks; not split into lines
            return
        lines, cut_out = _cut_blank_lines(chunk)
        self.blank += cut_out
        if lines:
            self.out.write(b"\n".join(lines) + b"\n")


def _line_chunks(f):
    """The bytes of file `f` in pieces of about _CHUNK that end at the end of a line."""
    rest = b""
    while True:
        data = f.read(_CHUNK)
        if not data:
            if rest:
                yield rest if rest.endswith(b"\n") else rest + b"\n"
            return
        data = rest + data
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut:
            yield data[:cut]


class ExportJob:
    """The exports of a build, written by another process while the build validates and queries its
    store (D15).

    The exports are Python work over every statement (canonical blank nodes, the merged graph, the
    JSON-LD context) and the serialisers', and Python runs one thread at a time: in a process of their
    own they run on the other core. That process does not read the store: it writes the exports from
    what filled it, the source files and the status periods the loader wrote to a file
    (`write_sources`, the same bytes as `write_store`). Reading the store back cost more: a store on
    disk (RocksDB) took 37-50 s to dump at 1M quads against 2.6 s in memory; a store in memory handed
    to a forked process is copied into it as it is read (Oxigraph writes to the pages it reads: 431 of
    516 MiB at 1M), so that process reached 1.72 GB, against 0.55 GB for the whole export from the
    sources (D16, docs/benchmarks.md).
    """

    def __init__(self, folder: Path, files: list, periods: Path):
        """Starts at once, before the store is loaded: the process converts the source files (a load
        leaves a core partly idle) and then waits for `go` before it reads the periods file."""
        self.folder = Path(folder)
        # the child takes this module's settings as they are here (tests change them for small data)
        settings = {name: globals()[name] for name in ("COMPACT_JSONLD_MAX", "_CHUNK", "_TRIPLES_AT_A_TIME")}
        args = json.dumps([[[str(f.path), f.graph] for f in files], str(periods), str(folder), settings])
        package_parent = str(Path(__file__).resolve().parents[1])  # importable as in this process
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent,
                                                                         os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-c", _EXPORT_CHILD, args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def go(self) -> None:
        """The periods file is complete: the process may read it."""
        self._close_stdin(b"go\n")

    def _close_stdin(self, say: bytes = b"") -> None:
        # (and forget it: Popen.communicate would flush a closed pipe)
        stdin, self.proc.stdin = self.proc.stdin, None
        if stdin is None:
            return
        try:
            stdin.write(say)
            stdin.close()
        except BrokenPipeError:  # it ended already: result() says why
            pass

    def result(self) -> tuple[dict[str, int], dict[str, float]]:
        """(file name -> size, step -> seconds) once the files are written; ExportFailed if they were not."""
        self._close_stdin()  # if never told to go, it stops at the periods (and says so)
        stdout, stderr = self.proc.communicate()
        if self.proc.returncode != 0:
            last = (stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise ExportFailed(f"build failed; dist/ left unchanged: writing the exports failed: {last}")
        out = json.loads(stdout)
        return out["sizes"], out["timings"]

    def kill(self) -> None:
        """Stop it (the build failed): nothing it wrote is published."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_stdin()


#: The export process: the exports from the source files and the periods file (ExportJob).
_EXPORT_CHILD = """
import json, sys
from pathlib import Path
from pactgraph import export
from pactgraph.export import write_sources
from pactgraph.forked import die_with_parent
die_with_parent()
files, periods, folder, settings = json.loads(sys.argv[1])
for name, value in settings.items():
    setattr(export, name, value)


def ready():  # the build says "go" once the periods file is complete; anything else: it stopped
    if sys.stdin.buffer.readline() != b"go\\n":
        raise SystemExit("the build stopped before the status periods were written")


timings = {}
sizes = write_sources([(Path(p), g) for p, g in files], Path(periods), Path(folder), timings, ready)
print(json.dumps({"sizes": sizes, "timings": timings}))
"""



#: Run by the child processes: parse one file and serialise it into another, streaming (the
#: statements are already in order); prints the seconds it took. Only pyoxigraph is imported.
_CHILD = """
import ctypes, json, signal, sys, time
import pyoxigraph as ox
try:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # die with the parent (forked.die_with_parent)
except (OSError, AttributeError, TypeError):
    pass
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
    lines, blank = _cut_blank_lines(raw)
    return lines + _canonical_blank_lines(blank)


def _cut_blank_lines(raw: bytes) -> tuple[list[bytes], list[bytes]]:
    """(the lines of `raw`, complete N-Quads lines, that hold no "_:", with OWL cardinalities restored;
    the lines that do, with their newline)."""
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
        part = segment.split(b"\n")
        part.pop()
        # OWL cardinalities are mostly on blank nodes: look at the lines of a segment only if it has one
        lines += owl_cardinalities(part) if any(p in segment for p in OWL_CARDINALITY) else part
    return lines, blank


def _canonical_blank_lines(blank: list[bytes]) -> list[bytes]:
    """The lines holding "_:" (all of the dataset's), with RDFC-1.0 labels, without newlines."""
    if not blank:
        return []
    # The cardinalities first, so that the labels are those of the restored quads.
    dataset = ox.Dataset(ox.parse(b"".join(owl_cardinalities(blank)), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).split(b"\n")[:-1]


def _pg_subject_lines(triples: list[bytes]) -> list[str]:
    """The N-Triples lines (with " .") of the sorted triples whose subject is a pg: term: all the JSON-LD
    context is made of (found by bisection, not by decoding every line)."""
    from bisect import bisect_left

    head = b"<" + PG.encode()
    lo = bisect_left(triples, head)
    hi = lo
    while hi < len(triples) and triples[hi].startswith(head):
        hi += 1
    return [t.decode("utf-8") + " ." for t in triples[lo:hi]]


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
