"""SHACL validation of the dataset, reported per file, focus node and path.

Three engines give the same results:

* ``oxigraph`` (the default, `validate_data`): the shapes compiled to SPARQL and run set-at-a-time on
  the Oxigraph store the build already holds (`pactgraph.shacl_oxigraph`). What it does not evaluate
  goes to the reference validator (pyshacl-turbo where installed, else pyshacl), named in a warning:
  a shape it cannot compile (a custom SPARQL-based constraint component, alone or nested, sh:equals,
  ...), a shape reading literals the store does not hold as written, and a shapes graph using SHACL-AF
  (then validated whole, advanced features on). SHACL-JS stops the run (ShaclError), as does a shape
  the reference cannot run either: nothing is reported as validated that was not. Without a fallback
  this path imports neither rdflib nor pyshacl.
* ``pyshacl`` and ``pyshacl-turbo``: the references. The store is copied into rdflib and handed over.

This module and `shacl_oxigraph` are the only ones that import pyshacl: the query path never loads it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from . import shacl_oxigraph as shacl
from .errors import InputError
from .locate import compact, line_of
from .sources import SourceFile, parse_file, rewritten_in

ENGINES = ("oxigraph", "pyshacl", "pyshacl-turbo")
DEFAULT_ENGINE = "oxigraph"

log = logging.getLogger(__name__)


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
    #: the SHACL results graph(s), merged: an rdflib.Graph (engine pyshacl) or a ResultsGraph
    #: (engine oxigraph); both serialize(format="nt")
    graph: object = None
    engine: str = DEFAULT_ENGINE
    #: (shape, reason) for the shapes the oxigraph engine left to pyshacl
    fallbacks: list[tuple[str, str]] = field(default_factory=list)

    def text(self) -> str:
        if self.conforms:
            return "conforms: yes"
        lines = [f"conforms: no ({len(self.violations)} result(s))"]
        lines += ["  " + v.describe() for v in sorted(self.violations, key=_order)]
        return "\n".join(lines)


def _order(v: Violation):
    return (v.file or "", v.line or 0, v.focus, v.path or "", v.message)


class ResultsGraph:
    """The SHACL report of the oxigraph engine: Oxigraph triples that serialize like an rdflib graph."""

    def __init__(self, triples: list[ox.Triple]):
        self.triples = triples

    def __iter__(self):
        return iter(self.triples)

    def __len__(self) -> int:
        return len(self.triples)

    def serialize(self, format: str = "nt", encoding: str | None = None):  # noqa: A002 (rdflib's name)
        formats = {"nt": ox.RdfFormat.N_TRIPLES, "ntriples": ox.RdfFormat.N_TRIPLES, "turtle": ox.RdfFormat.TURTLE,
                   "ttl": ox.RdfFormat.TURTLE}
        data = ox.serialize(self.triples, format=formats[format])
        return data if encoding else data.decode("utf-8")


# --- rdflib bridges (imported lazily: only the pyshacl engine and fallbacks need them) ---------------


def to_rdflib(quads):
    """Merge quads into one rdflib graph (the SHACL data graph is the union of all named graphs)."""
    import rdflib

    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def _rdflib_term(t):
    import rdflib

    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)  # same label: results name the shapes graph's own blank nodes
    # normalize=False: the literal as written (rdflib would otherwise rewrite "01"^^xsd:integer as "1")
    if t.language:
        return rdflib.Literal(t.value, lang=t.language, normalize=False)
    if t.datatype.value == shacl.XSD + "string":
        return rdflib.Literal(t.value, normalize=False)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value), normalize=False)


def _ox_term(t):
    import rdflib

    if t is None:
        return None
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    if t.language:
        return ox.Literal(str(t), language=t.language)
    if t.datatype:
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
    return ox.Literal(str(t))


def _rdflib_graph(triples):
    import rdflib

    graph = rdflib.Graph()
    for t in triples:
        graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
    return graph


def shapes_graph(paths: list[Path]) -> shacl.ShapesGraph:
    """The shapes files as one shapes graph (blank nodes kept apart between files)."""
    return shacl.ShapesGraph(ox.Triple(q.subject, q.predicate, q.object) for p in paths for q in parse_file(p))


def reference_validator() -> str:
    """The reference validator: pyshacl-turbo where it is installed (same API and results as pyshacl,
    a Rust engine; docs/decisions.md D11), else pyshacl."""
    import importlib.util

    return "pyshacl-turbo" if importlib.util.find_spec("pyshacl_turbo") else "pyshacl"


def validate_graph(data, shapes, use_shapes: list[str] | None = None, advanced: bool = False,
                   reference: str | None = None):
    """The reference validator on rdflib graphs: (conforms, results graph). `advanced`: SHACL-AF on
    (custom targets, rules, SPARQL functions, node expressions), for shapes graphs that use it.
    `reference`: "pyshacl" or "pyshacl-turbo" (default: reference_validator())."""
    reference = reference or reference_validator()
    if reference == "pyshacl-turbo":
        import pyshacl_turbo as validator
    else:
        import pyshacl as validator

    options = {"use_shapes": use_shapes} if use_shapes else {}
    try:
        conforms, results, _ = validator.validate(
            data, shacl_graph=shapes, inference="none", advanced=advanced, allow_warnings=False, **options
        )
    except Exception as err:  # noqa: BLE001 (pyshacl raises its own error types for shapes it cannot run)
        raise ShaclError(f"SHACL validation cannot be done: {_one_line(err)}") from None
    if not hasattr(results, "subjects"):  # pyshacl hands back a failure instead of a report
        raise ShaclError(f"SHACL validation cannot be done: {_one_line(results)}")
    return bool(conforms), results


def _one_line(err) -> str:
    text = " ".join(str(getattr(err, "message", None) or err).split())
    return f"{type(err).__name__}: {text}"[:400] if text else type(err).__name__


class ShaclError(InputError):
    """The shapes cannot be evaluated (by any validator here): the run stops, nothing is claimed."""


#: SHACL-AF terms: a shapes graph holding one is validated by the reference with advanced features on
AF_PREDICATES = {shacl.SH + n for n in (
    "target", "rule", "expression", "values", "condition", "returnType", "intersection", "union", "filterShape",
    "nodes", "this", "order")} - {shacl.SH + "order"}
AF_TYPES = {shacl.SH + n for n in (
    "SPARQLTarget", "SPARQLTargetType", "SPARQLFunction", "SPARQLRule", "TripleRule", "Function", "Rule",
    "ExpressionConstraintComponent")}
#: SHACL-JS: no validator here evaluates it
JS_TERMS = {shacl.SH + n for n in (
    "js", "jsFunctionName", "jsLibrary", "jsLibraryURL", "JSConstraint", "JSConstraintComponent", "JSFunction",
    "JSLibrary", "JSRule", "JSTarget", "JSTargetType", "JSValidator")}


def advanced_features(sg: shacl.ShapesGraph) -> list[str]:
    """The SHACL-AF terms a shapes graph uses (sorted, as sh:name)."""
    found = {t.predicate.value for t in sg.triples if t.predicate.value in AF_PREDICATES}
    found |= {t.object.value for t in sg.triples if t.predicate == shacl.RDF_TYPE and
              isinstance(t.object, ox.NamedNode) and t.object.value in AF_TYPES}
    return sorted("sh:" + f[len(shacl.SH):] for f in found)


def js_features(sg: shacl.ShapesGraph) -> list[str]:
    found = {t.predicate.value for t in sg.triples if t.predicate.value in JS_TERMS}
    found |= {t.object.value for t in sg.triples if isinstance(t.object, ox.NamedNode) and t.object.value in JS_TERMS}
    return sorted("sh:" + f[len(shacl.SH):] for f in found)


def _pyshacl_results(results) -> list[shacl.Result]:
    """The top-level results of a pyshacl report (not the sh:detail ones nested under sh:node)."""
    from rdflib.namespace import RDF, SH

    out = []
    for report in results.subjects(RDF.type, SH.ValidationReport):
        for r in results.objects(report, SH.result):
            path = _ox_term(results.value(r, SH.resultPath))
            out.append(shacl.Result(
                focus=_ox_term(results.value(r, SH.focusNode)),
                shape=_ox_term(results.value(r, SH.sourceShape)),
                component=str(results.value(r, SH.sourceConstraintComponent)),
                path=path,
                value=_ox_term(results.value(r, SH.value)),
                severity=str(results.value(r, SH.resultSeverity) or shacl.SH + "Violation"),
                messages=tuple(sorted(str(m) for m in results.objects(r, SH.resultMessage))),
                source_constraint=_ox_term(results.value(r, SH.sourceConstraint)),
                message_terms=tuple(sorted((_ox_term(m) for m in results.objects(r, SH.resultMessage)), key=str)),
            ))
    return out


# --- the data as written ------------------------------------------------------------------------------


def written_triples(paths: list[Path]) -> list[ox.Triple]:
    """The triples of the source files with their literals as written (Oxigraph's store rewrites some:
    "4.0"^^xsd:decimal is stored as "4", "5"^^xsd:int as xsd:integer). Blank nodes are renamed per
    file, so they are not the store's: only a fallback on the whole data graph may use these."""
    return [ox.Triple(q.subject, q.predicate, q.object) for p in paths for q in parse_file(p)]


def typed_literal_triples(paths: list[Path]) -> list[ox.Triple]:
    """The triples of the source files whose object is a literal the store may rewrite (a typed
    literal of a datatype outside _KEPT): a cheaper scan than written_triples (~1.5 s per 1M triples)."""
    out = []
    for p in paths:
        try:
            for t in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE):
                o = t.object
                if type(o) is ox.Literal and not o.language and o.datatype.value not in _KEPT:
                    out.append(t)
        except SyntaxError as err:
            raise InputError(f"{p}: Turtle syntax error: {err}") from None
    return out


#: datatypes whose literals the store never rewrites
_KEPT = {shacl.XSD + "string", shacl.RDF + "langString", shacl.RDF + "HTML", shacl.RDF + "XMLLiteral",
         shacl.XSD + "anyURI", shacl.XSD + "normalizedString", shacl.XSD + "token"}


def rewritten_literals(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The triples whose literal Oxigraph's store would not keep as written (probed: each distinct
    typed literal is stored once in a scratch store and read back)."""
    triples = [t for t in triples if isinstance(t.object, ox.Literal) and not t.object.language
               and t.object.datatype.value not in _KEPT]
    literals = {t.object for t in triples}
    if not literals:
        return []
    probe, subject = ox.Store(), {}
    for i, lit in enumerate(literals):
        s = ox.NamedNode(f"urn:probe:{i}")
        subject[s] = lit
        probe.add(ox.Quad(s, RDF_VALUE, lit))
    changed = {subject[q.subject] for q in probe.quads_for_pattern(None, RDF_VALUE, None)
               if q.object != subject[q.subject]}
    return [t for t in triples if t.object in changed]


RDF_VALUE = ox.NamedNode(shacl.RDF + "value")


# --- the two engines ---------------------------------------------------------------------------------


@dataclass
class _Run:
    conforms: bool
    results: list  # shacl.Result
    shapes: shacl.ShapesGraph
    graph: object  # rdflib graph (pyshacl) or list of triples
    fallbacks: list = field(default_factory=list)


def _run_pyshacl(quads, shapes: shacl.ShapesGraph, advanced: bool = False, reference: str = "pyshacl") -> _Run:
    conforms, results = validate_graph(to_rdflib(quads), _rdflib_graph(shapes.triples), advanced=advanced,
                                       reference=reference)
    return _Run(conforms, _pyshacl_results(results), shapes, results)


def validate_data(store: ox.Store, shapes: shacl.ShapesGraph, *, graphs: list | None = None,
                  written: Callable[[], list[ox.Triple]] | None = None,
                  literals: Callable[[], list[ox.Triple]] | None = None,
                  workers: int | None = None) -> shacl.Outcome:
    """The default validation path: the Oxigraph engine, with the reference validator (pyshacl) for
    what it does not evaluate. Nothing is passed without being evaluated:

    * a shapes graph using SHACL-JS stops the run (ShaclError): no validator here evaluates it;
    * one using SHACL-AF (custom targets, rules, SPARQL functions, node expressions) is validated
      whole by the reference with advanced features on;
    * if the store does not hold a literal of the data as written (`written()`: the data's triples
      as parsed from the source text), the whole data graph goes to the reference, fed those triples;
    * a shape the engine cannot compile (a custom SPARQL-based constraint component, alone or inside
      sh:and/sh:or/sh:not/sh:xone, sh:equals, ...) goes to the reference with every shape it uses.

    `graphs`: the named graphs of `store` that make the data graph (None: all of them). `literals()`:
    the triples of the data as written whose literal the store may rewrite (default: from written()).
    Every case handed to the reference is listed in `Outcome.fallbacks` as (shape or "(all shapes)",
    reason).
    """
    js = js_features(shapes)
    if js:
        raise ShaclError(f"SHACL validation cannot be done: the shapes use SHACL-JS ({', '.join(js)}), "
                         "which no validator here evaluates")

    def data_quads():
        if graphs is None:
            return store.quads_for_pattern(None, None, None)
        return [q for g in graphs for q in store.quads_for_pattern(None, None, None, g)]

    def whole(reason: str, triples, advanced: bool = False) -> shacl.Outcome:
        data = _rdflib_graph(triples)
        conforms, results = validate_graph(data, _rdflib_graph(shapes.triples), advanced=advanced)
        out = shacl.Outcome(conforms=conforms, results=_pyshacl_results(results), shapes=shapes)
        out.fallbacks = [("(all shapes)", reason)]
        out.conforms = out.conforms and not out.results
        return out

    af = advanced_features(shapes)
    if af:
        return whole(f"SHACL-AF ({', '.join(af)})", written() if written else data_quads(), advanced=True)
    if literals is None and written is not None:
        literals = written
    rewritten = {t.predicate.value for t in rewritten_literals(literals())} if literals else set()

    def fallback(names):
        triples = written() if written is not None else data_quads()
        _, results = validate_graph(_rdflib_graph(triples), _rdflib_graph(shapes.triples), names)
        return _pyshacl_results(results)

    return shacl.validate(store, shapes, graphs=graphs, fallback=fallback, workers=workers, rewritten=rewritten)


def _run_oxigraph(store: ox.Store, shapes: shacl.ShapesGraph, graphs: list | None,
                  written: Callable[[], list[ox.Triple]] | None = None,
                  literals: Callable[[], list[ox.Triple]] | None = None, workers: int | None = None) -> _Run:
    outcome = validate_data(store, shapes, graphs=graphs, written=written, literals=literals, workers=workers)
    for shape, reason in outcome.fallbacks:
        log.warning("SHACL shape %s validated with %s, which evaluates it: the oxigraph engine does not "
                    "support %s", compact(shape.strip("<>")) if shape.startswith("<") else shape,
                    reference_validator(), reason)
    return _Run(outcome.conforms, outcome.results, shapes, shacl.report_triples(outcome), outcome.fallbacks)


def validate_store(store: ox.Store, files: list[SourceFile], shapes_paths: list[Path],
                   ontology_shapes_paths: list[Path], root: Path | None = None,
                   engine: str = DEFAULT_ENGINE) -> Report:
    """Validate the data (with the ontology beside it) and the ontology itself."""
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r} (expected one of {', '.join(ENGINES)})")
    onto_graphs = [ox.NamedNode(f.graph) for f in files if f.kind == "ontology"]

    def onto_quads():
        return [q for g in onto_graphs for q in store.quads_for_pattern(None, None, None, g)]

    runs = []
    shapes = shapes_graph(shapes_paths)
    onto_shapes = shapes_graph(ontology_shapes_paths) if ontology_shapes_paths else None
    if engine in ("pyshacl", "pyshacl-turbo"):
        for sg, quads in ((shapes, store), (onto_shapes, None)):
            if sg is None:
                continue
            js = js_features(sg)
            if js:
                raise ShaclError(f"SHACL validation cannot be done: the shapes use SHACL-JS ({', '.join(js)}), "
                                 "which no validator here evaluates")
            runs.append(_run_pyshacl(quads if quads is not None else onto_quads(), sg,
                                     advanced=bool(advanced_features(sg)), reference=engine))
        graph = runs[0].graph
        for run in runs[1:]:
            graph = graph + run.graph
    else:
        data_paths = [f.path for f in files]
        onto_paths = [f.path for f in files if f.kind == "ontology"]
        cache: dict = {}

        def written(paths):
            def get():
                key = tuple(paths)
                if key not in cache:
                    cache[key] = written_triples(paths)
                return cache[key]
            return get if paths else None

        def scan(paths):  # the literals the store may have rewritten, as written
            def get():
                # What the loader found while loading these very files, else a scan of them (1.2 s at 1M)
                known = rewritten_in(paths)
                return known if known is not None else typed_literal_triples(paths)
            return get if paths else None

        runs.append(_run_oxigraph(store, shapes, None, written(data_paths), scan(data_paths)))
        if onto_shapes is not None:
            runs.append(_run_oxigraph(store, onto_shapes, onto_graphs, written(onto_paths), scan(onto_paths)))
        graph = ResultsGraph([t for run in runs for t in run.graph])

    by_graph = {f.graph: f for f in files}
    lines = _Lines()
    violations = [_violation(r, run.shapes, store, by_graph, root, lines) for run in runs for r in run.results]
    return Report(conforms=all(run.conforms for run in runs) and not violations, violations=violations,
                  graph=graph, engine=engine, fallbacks=[f for run in runs for f in run.fallbacks])


# --- results as violations ---------------------------------------------------------------------------


def named_shape(shapes, shape):
    """The named shape a result came from: an anonymous property shape is named by its node shape.

    `shapes` is an rdflib graph or a shacl_oxigraph.ShapesGraph (then `shape` is an Oxigraph term).
    """
    if isinstance(shapes, shacl.ShapesGraph):
        seen = set()
        while isinstance(shape, ox.BlankNode) and shape not in seen:
            seen.add(shape)
            parents = shapes.subjects(shacl.sh("property"), shape) or shapes.subjects(shacl.sh("node"), shape)
            if not parents:
                break
            shape = parents[0]
        return shape
    import rdflib
    from rdflib.namespace import SH

    seen = set()
    while isinstance(shape, rdflib.BNode) and shape not in seen:
        seen.add(shape)
        parent = shapes.value(None, SH.property, shape) or shapes.value(None, SH.node, shape)
        if parent is None:  # a blank shape nothing holds stays itself
            break
        shape = parent
    return shape


def term_display(t) -> str | None:
    """An Oxigraph term as it is printed in a violation: prefixed IRI, "[blank node]" or N-Triples."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return compact(t.value)
    if isinstance(t, ox.BlankNode):
        return "[blank node]"
    return str(t)


def path_display(shapes: shacl.ShapesGraph, path) -> str | None:
    """A result path: the property, or a complex path in SPARQL syntax with prefixed names."""
    if path is None:
        return None
    if isinstance(path, ox.NamedNode):
        return compact(path.value)
    try:
        text = shacl.path_text(shapes, path)
    except shacl.Unsupported:
        return "(complex path)"
    import re

    return re.sub(r"<([^<>]*)>", lambda m: compact(m.group(1)), text)


class _Lines:
    """Line numbers of focus nodes, each file read once (locate.line_of reads the file per call)."""

    def __init__(self):
        self.subjects: dict[Path, dict[str, int]] = {}

    def line(self, path: Path, iri: str) -> int | None:
        if path not in self.subjects:
            self.subjects[path] = self._index(path)
        found = self.subjects[path].get(iri)
        return found if found is not None else line_of(path, iri)

    @staticmethod
    def _index(path: Path) -> dict[str, int]:
        """IRI -> first line that starts with it (as <iri> or prefix:local), as line_of finds them."""
        import re

        prefix_decl = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
        token = re.compile(r"\s*(<[^>\s]*>|[A-Za-z][\w.-]*:[^\s;,()\[\]]*|:[^\s;,()\[\]]*)(?=[\s;,.)\]]|$)")
        prefixes: dict[str, str] = {}
        found: dict[str, int] = {}
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = prefix_decl.match(line)
                if m:
                    prefixes[m.group(1) or ""] = m.group(2)
                    continue
                m = token.match(line)
                if not m:
                    continue
                tok = m.group(1)
                if tok.startswith("<"):
                    iri = tok[1:-1]
                else:
                    pfx, _, local = tok.partition(":")
                    if local.endswith("."):  # the statement's final dot
                        local = local[:-1]
                    if pfx not in prefixes:
                        continue
                    iri = prefixes[pfx] + local
                found.setdefault(iri, number)
        return found


def _violation(r: shacl.Result, shapes: shacl.ShapesGraph, store, by_graph, root, lines=None) -> Violation:
    from .sources import relpath

    focus = r.focus
    shape = named_shape(shapes, r.shape)
    file = line = None
    if isinstance(focus, ox.NamedNode):
        graphs = sorted({q.graph_name.value for q in store.quads_for_pattern(focus, None, None)
                         if isinstance(q.graph_name, ox.NamedNode)})
        for graph in graphs:
            if graph in by_graph:
                src = by_graph[graph]
                file = relpath(src.path, root)
                line = lines.line(src.path, focus.value) if lines else line_of(src.path, focus.value)
                break
    message = r.message or "constraint not met"
    if isinstance(focus, ox.NamedNode) and r.value is None and isinstance(r.path, ox.NamedNode):
        # A value allowed once, written twice (a second English label, a second date): name each
        # value and where it is written.
        from .locate import describe_locations, repeated_values

        clashing = repeated_values(store, by_graph, focus, r.path, root)
        if clashing:
            message += f": {describe_locations(clashing)}"
    ontology = [ox.NamedNode(g) for g, f in by_graph.items() if f.kind == "ontology"]
    if isinstance(r.value, ox.NamedNode) and (file is None or any(
            f.kind == "ontology" and relpath(f.path, root) == file for f in by_graph.values())) and not any(
            next(store.quads_for_pattern(r.value, None, None, g), None) for g in ontology):
        # A misspelt or undeclared term (the ontology does not describe it): where the data uses it,
        # not where the ontology is declared.
        from .locate import usage_location

        used = usage_location(store, by_graph, r.value.value, root=root)
        if used:
            file, line = used
    return Violation(
        focus=term_display(focus) or "?",
        path=path_display(shapes, r.path),
        value=term_display(r.value),
        message=message,
        shape=term_display(shape) if isinstance(shape, ox.NamedNode) else None,
        severity=r.severity.rsplit("#", 1)[-1] if r.severity else "Violation",
        file=file,
        line=line,
    )


# --- timing ------------------------------------------------------------------------------------------


def time_engines(project, data_dir: Path | None = None, engines=ENGINES, repeat: int = 5, log=print) -> dict:
    """Validate the same store `repeat` times with each engine, in this process; seconds per run.

    The store is loaded once; each run includes everything validate_store does (for pyshacl: the copy
    into rdflib, the shapes graph and both pyshacl runs; for oxigraph: compiling the shapes and every
    query). Runs alternate between engines so that a change in machine load hits both alike.
    """
    import statistics
    import time

    from .sources import load_store, source_files

    import resource

    def peak_mib() -> float:  # the process's peak resident set so far (Linux: KiB)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    files = source_files(project, data_dir)
    started = time.perf_counter()
    store = load_store(files)
    log(f"loaded {len(store)} quads from {len(files)} files in {time.perf_counter() - started:.2f} s "
        f"(peak RSS {peak_mib():.0f} MiB)")
    times: dict[str, list[float]] = {e: [] for e in engines}
    cpu: dict[str, list[float]] = {e: [] for e in engines}
    verdicts: dict[str, set] = {}
    for i in range(repeat):
        for engine in engines:
            t, c = time.perf_counter(), time.process_time()
            report = validate_store(store, files, project.shapes_files(), project.ontology_shapes_files(),
                                    project.root, engine=engine)
            times[engine].append(time.perf_counter() - t)
            cpu[engine].append(time.process_time() - c)
            verdicts[engine] = {(v.focus, v.path, v.value, v.shape) for v in report.violations}
            log(f"run {i + 1} {engine}: {times[engine][-1]:.3f} s ({cpu[engine][-1]:.3f} s CPU, all threads), "
                f"conforms {report.conforms}, "
                f"{len(report.violations)} result(s), peak RSS so far {peak_mib():.0f} MiB")
    summary = {e: {"median": statistics.median(ts), "min": min(ts), "max": max(ts), "runs": ts,
                   "cpu_median": statistics.median(cpu[e]), "results": len(verdicts[e])} for e, ts in times.items()}
    if len(verdicts) > 1:
        first = next(iter(verdicts.values()))
        summary["same_results"] = all(v == first for v in verdicts.values())
    return summary


def _main(argv: list[str] | None = None) -> int:
    """python -m pactgraph.validate [--data DIR] [--engine E ...] [--repeat N]: time the engines."""
    import argparse
    import json

    from .project import find_project

    parser = argparse.ArgumentParser(prog="python -m pactgraph.validate", description=_main.__doc__)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--engine", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    project = find_project(args.root) if args.root else find_project()
    summary = time_engines(project, args.data, args.engine, args.repeat)
    for e in args.engine:
        s = summary[e]
        print(f"{e}: median {s['median']:.3f} s (min {s['min']:.3f}, max {s['max']:.3f}, {len(s['runs'])} runs; "
              f"median CPU {s['cpu_median']:.3f} s), {s['results']} result(s)")
    if "same_results" in summary:
        print(f"same results: {summary['same_results']}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
