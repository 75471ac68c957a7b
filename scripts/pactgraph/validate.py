"""SHACL validation of the dataset with pyshacl, reported per file, focus node and path.

This module is the only one that imports pyshacl: the query path never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from .locate import compact, line_of
from .sources import SourceFile, parse_file


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None
    severity: str
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "(no file)")
        path = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value else ""
        shape = f" [{self.shape}]" if self.shape else ""
        return f"{where}: {self.focus}{path}: {self.message}{value}{shape}"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    graph: rdflib.Graph | None = None  # the SHACL results graph(s), merged

    def text(self) -> str:
        if self.conforms:
            return "conforms: yes"
        lines = [f"conforms: no ({len(self.violations)} result(s))"]
        lines += ["  " + v.describe() for v in sorted(self.violations, key=_order)]
        return "\n".join(lines)


def _order(v: Violation):
    return (v.file or "", v.line or 0, v.focus, v.path or "", v.message)


def to_rdflib(quads) -> rdflib.Graph:
    """Merge quads into one rdflib graph (the SHACL data graph is the union of all named graphs)."""
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def load_shapes(paths: list[Path]) -> rdflib.Graph:
    quads = [q for p in paths for q in parse_file(p)]
    return to_rdflib(quads)


def validate_graph(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, rdflib.Graph]:
    import pyshacl

    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=False
    )
    return bool(conforms), results


def validate_store(store: ox.Store, files: list[SourceFile], shapes_paths: list[Path],
                   ontology_shapes_paths: list[Path], root: Path | None = None) -> Report:
    """Validate the data (with the ontology beside it) and the ontology itself."""
    data = to_rdflib(store)
    shapes = load_shapes(shapes_paths)
    conforms, report_graph = validate_graph(data, shapes)
    if ontology_shapes_paths:
        onto = to_rdflib(q for f in files if f.kind == "ontology"
                         for q in store.quads_for_pattern(None, None, None, ox.NamedNode(f.graph)))
        onto_shapes = load_shapes(ontology_shapes_paths)
        ok, onto_results = validate_graph(onto, onto_shapes)
        conforms = conforms and ok
        report_graph = report_graph + onto_results
        shapes = shapes + onto_shapes
    by_graph = {f.graph: f for f in files}
    violations = [_violation(report_graph, shapes, r, store, by_graph, root)
                  for r in report_graph.subjects(RDF.type, SH.ValidationResult)]
    return Report(conforms=conforms and not violations, violations=violations, graph=report_graph)


def _term(t) -> str | None:
    if t is None:
        return None
    if isinstance(t, rdflib.URIRef):
        return compact(str(t))
    if isinstance(t, rdflib.BNode):
        return "[blank node]"
    return t.n3()


def named_shape(shapes: rdflib.Graph, shape):
    """The named shape a result came from: an anonymous property shape is named by its node shape."""
    seen = set()
    while isinstance(shape, rdflib.BNode) and shape not in seen:
        seen.add(shape)
        shape = shapes.value(None, SH.property, shape) or shapes.value(None, SH.node, shape)
    return shape


def _violation(g: rdflib.Graph, shapes: rdflib.Graph, r, store, by_graph, root) -> Violation:
    from .sources import relpath

    focus = g.value(r, SH.focusNode)
    path = g.value(r, SH.resultPath)
    shape = named_shape(shapes, g.value(r, SH.sourceShape))
    message = g.value(r, SH.resultMessage)
    severity = g.value(r, SH.resultSeverity)
    file = line = None
    if isinstance(focus, rdflib.URIRef):
        graphs = sorted({q.graph_name.value for q in store.quads_for_pattern(ox.NamedNode(str(focus)), None, None)
                         if isinstance(q.graph_name, ox.NamedNode)})
        for graph in graphs:
            if graph in by_graph:
                src = by_graph[graph]
                file, line = relpath(src.path, root), line_of(src.path, str(focus))
                break
    return Violation(
        focus=_term(focus) or "?",
        path=_term(path) if not isinstance(path, rdflib.BNode) else "(complex path)",
        value=_term(g.value(r, SH.value)),
        message=str(message) if message else "constraint not met",
        shape=_term(shape) if isinstance(shape, rdflib.URIRef) else None,
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        file=file,
        line=line,
    )
