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


def parse_file(path: Path, graph: str | None = None) -> list[ox.Quad]:
    """Parse one Turtle file into quads of `graph` (the default graph if None).

    Raises InputError naming the file, line and column of the first syntax error.
    """
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    try:
        # Blank nodes are renamed so that `_:b1` in two files stays two nodes; exports canonicalise
        # them again, so the random names never reach an artefact.
        triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        return [ox.Quad(t.subject, t.predicate, t.object, target) for t in triples]
    except SyntaxError as err:
        line, col = (err.lineno, err.offset) if err.lineno else (None, None)
        where = f"{path}:{line}:{col}" if line else str(path)
        # Oxigraph's message starts with its own position text; keep only what is wrong.
        msg = str(err.msg if hasattr(err, "msg") else err)
        what = msg.split(": ", 1)[1] if msg.startswith("Parser error") and ": " in msg else msg
        raise InputError(f"{where}: Turtle syntax error: {what}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None


def load_store(files: list[SourceFile]) -> ox.Store:
    """An in-memory Oxigraph store holding every file in its named graph.

    All files are parsed before anything is added, so a syntax error leaves no half-loaded store.
    """
    quads: list[ox.Quad] = []
    for f in files:
        quads.extend(parse_file(f.path, f.graph))
    store = ox.Store()
    store.extend(quads)
    return store
