"""Parse the project's Turtle files into one Oxigraph store, one named graph per file.

Sources flow one way: files -> store. A file that does not parse is reported with its path, line and
column, and nothing is loaded from a broken set of files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError
from .namespaces import graph_iri


@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph: str  # the named graph IRI the file loads into
    kind: str  # "ontology" or "data"


def source_files(project, data_dir: Path | None = None) -> list[SourceFile]:
    """The files that make up the published dataset: the ontology (with alignments) and the data."""
    files = [SourceFile(p, graph_iri("ontology", p.stem), "ontology") for p in project.ontology_files()]
    files += [SourceFile(p, graph_iri("data", p.stem), "data") for p in project.data_files(data_dir)]
    return files


def relpath(path: Path, root: Path | None = None) -> str:
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


def _syntax_error(path: Path, err: SyntaxError) -> InputError:
    line, col = (err.lineno, err.offset) if err.lineno else (None, None)
    where = f"{path}:{line}:{col}" if line else str(path)
    # Oxigraph's message starts with its own position text; keep only what is wrong.
    msg = str(err.msg if hasattr(err, "msg") else err)
    what = msg.split(": ", 1)[1] if msg.startswith("Parser error") and ": " in msg else msg
    return InputError(f"{where}: Turtle syntax error: {what}")


def parse_file(path: Path, graph: str | None = None, data: bytes | None = None) -> list[ox.Quad]:
    """Parse one Turtle file (or its `data`, already read) into quads of `graph` (the default graph
    if None).

    Raises InputError naming the file, line and column of the first syntax error.
    """
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    source = {"path": str(path)} if data is None else {"input": data}
    try:
        # Blank nodes are renamed so that `_:b1` in two files stays two nodes; exports canonicalise
        # them again, so the random names never reach an artefact.
        triples = ox.parse(**source, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        return [ox.Quad(t.subject, t.predicate, t.object, target) for t in triples]
    except SyntaxError as err:
        raise _syntax_error(path, err) from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None


def load_store(files: list[SourceFile]) -> ox.Store:
    """An in-memory Oxigraph store holding every file in its named graph.

    A file is loaded by Oxigraph itself (`Store.load`: parsed and inserted in Rust, no Python object
    per triple; about twice as fast as parsing into Python quads, docs/benchmarks.md). Each load is a
    transaction, and on a syntax error the store is dropped, so no caller sees a half-loaded store.
    A file with labelled blank nodes (`_:b1`) goes through parse_file instead, which renames them so
    that the same label in two files stays two nodes (`Store.load` keeps labels as written).
    """
    store = ox.Store()
    for f in files:
        try:
            text = f.path.read_bytes()
        except OSError as err:
            raise InputError(f"{f.path}: cannot read: {err.strerror or err}") from None
        if b"_:" in text:  # a cheap over-approximation: "_:" inside a string or IRI only costs speed
            store.extend(parse_file(f.path, f.graph, text))
            continue
        try:
            store.load(text, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.graph))
        except SyntaxError as err:
            raise _syntax_error(f.path, err) from None
    return store
