"""SHACL validation on Oxigraph: shapes compiled to SPARQL and run set-at-a-time.

pyshacl evaluates every constraint focus node by focus node in Python, on rdflib. This module compiles
the shapes graph once into SPARQL queries that each cover *all* the focus nodes of a shape, and runs
them on the Oxigraph store the build already holds:

* a shape's targets become one sub-select binding ``?this`` (``sh:targetClass`` follows
  ``rdfs:subClassOf*`` in the data graph, as pyshacl does; implicit class targets too);
* a value-type constraint (``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:pattern``, ``sh:in``,
  ``sh:languageIn``, ``sh:min/maxInclusive/Exclusive``, ``sh:min/maxLength``, ``sh:node``, ``sh:not``,
  ``sh:and``, ``sh:or``, ``sh:xone``) becomes one query returning the violating (focus, value) pairs;
* a count constraint (``sh:minCount``, ``sh:maxCount``, ``sh:uniqueLang``, ``sh:hasValue``,
  ``sh:qualifiedValueShape`` with ``sh:qualifiedMin/MaxCount``) becomes one query returning the
  violating focus nodes; ``sh:closed`` one returning (focus, property, value);
* a SPARQL-based constraint (``sh:sparql`` / ``sh:select``) is rewritten with the target sub-select at
  the head of its WHERE group, so ``$this`` is bound by a join, not once per focus node;
* nested shapes (``sh:node``, ``sh:or``, ``sh:and``, ``sh:not``, ``sh:xone``, ``sh:qualifiedValueShape``)
  compile to a boolean expression (EXISTS / NOT EXISTS …) true when a node conforms;
* ``sh:property`` shapes are compiled in the context of their parent's focus (or value) nodes.

What keeps it cheap on large data (measured on the 1M-triple generated world): a
property check whose path is scanned from the data side is *gated* by that scan without the focus-node
test, which shapes checking the same path the same way share and which usually has no row, so the check
itself is not run (`run_queries`); sh:minCount 1 checks of one focus share one query
(`_merge_min_counts`); a FILTER of a SPARQL constraint on GROUP BY keys only is applied to the groups
(`rewrite_select`).

Every result carries what pyshacl reports: focus node, result path, value, source shape, constraint
component, severity and message(s). pyshacl is the reference: where it departs from the letter of the
spec, the compiled query follows pyshacl (``sh:datatype`` judges lexical forms as rdflib does,
``sh:pattern`` keeps Python's ``$`` and only the ``i`` and ``m`` flags, ``sh:uniqueLang`` reports no
value, …).

What the compiler does not handle raises `Unsupported` while compiling; the targeted shape (with every
named shape it uses) is then validated by the `fallback` given to `validate` (pyshacl, in
pactgraph.validate) and the reason is listed in `Outcome.fallbacks`: no constraint is skipped silently.

This module imports neither rdflib nor pyshacl; rdflib is imported only if the data holds a typed
literal whose lexical form is outside the forms on which rdflib and XSD agree (see `datatype_ok`).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import count
from typing import Callable, Iterable

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"

RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_FIRST = ox.NamedNode(RDF + "first")
RDF_REST = ox.NamedNode(RDF + "rest")
RDF_NIL = ox.NamedNode(RDF + "nil")
RDFS_CLASS = ox.NamedNode(RDFS + "Class")
RDFS_SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")


def sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


#: Custom SPARQL function that judges an unusual lexical form the way rdflib (hence pyshacl) does.
WELL_FORMED_FN = ox.NamedNode("urn:pactgraph:shacl:rdflib-well-formed")


class Unsupported(Exception):
    """A construct this compiler does not handle; the shape is validated by the fallback instead."""


# ---------------------------------------------------------------------------------------------------
# The shapes graph
# ---------------------------------------------------------------------------------------------------


class ShapesGraph:
    """A small indexed set of triples (a shapes graph is a few thousand triples)."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self.spo: dict = defaultdict(lambda: defaultdict(list))
        self.pos: dict = defaultdict(lambda: defaultdict(list))
        self.triples: list[ox.Triple] = []
        for t in triples:
            if t.object in self.spo[t.subject][t.predicate]:
                continue
            self.triples.append(t)
            self.spo[t.subject][t.predicate].append(t.object)
            self.pos[t.predicate][t.object].append(t.subject)

    def objects(self, s, p) -> list:
        return self.spo.get(s, {}).get(p, [])

    def value(self, s, p):
        vals = self.objects(s, p)
        return vals[0] if vals else None

    def subjects(self, p, o) -> list:
        return self.pos.get(p, {}).get(o, [])

    def subjects_of(self, p) -> list:
        return [s for subs in self.pos.get(p, {}).values() for s in subs]

    def objects_of(self, p) -> list:
        return list(self.pos.get(p, {}).keys())

    def predicates(self, s) -> list:
        return list(self.spo.get(s, {}).keys())

    def items(self, head) -> list:
        out, seen = [], set()
        while head != RDF_NIL:
            if head is None or head in seen or self.value(head, RDF_FIRST) is None:
                raise Unsupported("a malformed RDF list")
            seen.add(head)
            out.append(self.value(head, RDF_FIRST))
            head = self.value(head, RDF_REST)
        return out

    def closure(self, node) -> list[ox.Triple]:
        """Triples describing `node` and, recursively, the blank nodes it points to."""
        out, todo, seen = [], [node], set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            for p, objs in self.spo.get(n, {}).items():
                for o in objs:
                    out.append(ox.Triple(n, p, o))
                    if isinstance(o, ox.BlankNode):
                        todo.append(o)
        return out


# ---------------------------------------------------------------------------------------------------
# SPARQL text helpers
# ---------------------------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def term_text(term) -> str:
    """A constant in SPARQL syntax."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{_quote(term.value)}@{term.language}"
        if term.datatype.value == XSD + "string":
            return _quote(term.value)
        return f"{_quote(term.value)}^^<{term.datatype.value}>"
    if isinstance(term, ox.BlankNode):
        raise Unsupported("a blank node used as a constant (sh:hasValue, sh:in or sh:targetNode)")
    raise Unsupported(f"unexpected term {term!r}")


def show(term) -> str:
    """A term for messages: <iri>, _:b, or the literal in N-Triples."""
    if term is None:
        return "(none)"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


class _Vars:
    """Fresh variable names, so that nested patterns never capture each other's variables."""

    def __init__(self):
        self._n = count()

    def __call__(self, hint: str = "v") -> str:
        return f"?_{hint}{next(self._n)}"


# ---------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One validation result, as pyshacl reports it (top-level results, not sh:detail)."""

    focus: object
    shape: object  # the source shape (may be a blank node of the shapes graph)
    component: str  # IRI of the constraint component
    path: object = None  # sh:resultPath: the path node of the shapes graph (an IRI or a blank node)
    path_text: str | None = None  # the path in SPARQL syntax
    value: object = None
    severity: str = SH + "Violation"
    messages: tuple[str, ...] = ()
    source_constraint: object = None
    #: the messages as literals (with their language tags), when known; else `messages` are plain
    message_terms: tuple = ()

    @property
    def message(self) -> str | None:
        return self.messages[0] if self.messages else None


@dataclass
class Outcome:
    conforms: bool
    results: list[Result] = field(default_factory=list)
    #: (shape, reason) for every targeted shape validated by the fallback (pyshacl) instead
    fallbacks: list[tuple[str, str]] = field(default_factory=list)
    shapes: ShapesGraph | None = None
    queries: int = 0


@dataclass
class Check:
    """One SPARQL query and how to turn each of its rows into a result."""

    root: object  # the targeted shape this check belongs to
    shape: object
    component: str
    query: str
    kind: str  # "value" (?this ?value), "focus" (?this), "closed" (?this ?path ?value), "sparql"
    path: object = None
    path_text: str | None = None
    node_shape: bool = False
    messages: tuple[str, ...] = ()
    severity: str = SH + "Violation"
    source_constraint: object = None
    sparql_messages: tuple[str, ...] = ()
    #: sh:message literals of the shape and of the SPARQL constraint, language tags kept
    message_terms: tuple = ()
    sparql_message_terms: tuple = ()
    dedup_store: bool = False  # run on a copy without duplicate triples (the query counts rows)
    #: the data side of `query` without its focus-node test (see _then_member), or None
    gate: str | None = None
    #: the same check starting from the focus nodes (run instead of `query` when the gate has many rows)
    focus_first: str | None = None
    #: for sh:minCount 1 on an IRI path: (the focus nodes' pattern, the path), see _merge_min_counts
    min_one: tuple[str, str] | None = None


@dataclass
class Focus:
    """The focus nodes of a shape in one context, in the forms the checks use.

    `flat(var)`: a group binding `var` to every focus node, possibly more than once (the UNION of the
    targets: a node typed with two target classes comes twice). `member(var)`: a boolean expression
    true when the node in `var` is a focus node, or None when enumerating is cheaper (sh:targetNode
    only) or membership is not known (the value nodes of a property shape).
    """

    flat: Callable[[str], str]
    member: Callable[[str], str] | None = None
    targets: int = 1  # how many target patterns (classes, predicates, node lists) flat() unites

    def distinct(self, var: str) -> str:
        return f"{{ SELECT DISTINCT {var} WHERE {{ {self.flat(var)} }} }}"


#: value-type components: one result per failing value node, with the value node as sh:value
VALUE_COMPONENTS = {
    "class": "ClassConstraintComponent", "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent", "pattern": "PatternConstraintComponent",
    "languageIn": "LanguageInConstraintComponent", "in": "InConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent", "maxInclusive": "MaxInclusiveConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent", "maxExclusive": "MaxExclusiveConstraintComponent",
    "minLength": "MinLengthConstraintComponent", "maxLength": "MaxLengthConstraintComponent",
    "node": "NodeConstraintComponent", "not": "NotConstraintComponent", "and": "AndConstraintComponent",
    "or": "OrConstraintComponent", "xone": "XoneConstraintComponent",
}
#: every sh: parameter a shape may carry here; any other (sh:equals, sh:lessThan, sh:js, ...) is Unsupported
KNOWN_PARAMETERS = set(VALUE_COMPONENTS) | {
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "message", "name", "description",
    "severity", "deactivated", "order", "group", "defaultValue", "path", "ignoredProperties", "flags",
    "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "qualifiedValueShape",
    "property", "sparql", "closed", "uniqueLang", "minCount", "maxCount", "hasValue", "declare", "prefixes",
}

# sh:datatype: lexical forms on which rdflib and XSD (Oxigraph's casts) agree. A literal of one of
# rdflib's parsed datatypes in any other form is judged by rdflib itself (rdflib_well_formed).
_COMMON_FORM = {
    XSD + "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    XSD + "dateTime": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?"
                      r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?$",
    XSD + "integer": r"^[+-]?[0-9]+$",
    XSD + "decimal": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    XSD + "double": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$",
    XSD + "float": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$",
}
# Common forms that still need Oxigraph's cast to rule out impossible values ("2024-13-45").
_CAST_CHECK = {XSD + "date", XSD + "dateTime"}
# Datatypes rdflib knows without a lexical-to-value parser: always well-formed there.
_STRINGLIKE = {XSD + n for n in ("string", "normalizedString", "token", "language", "anyURI")}
# Datatypes rdflib parses (a literal is ill-typed when parsing fails). Any other datatype is taken as
# it comes by pyshacl (e.g. "abc"^^xsd:gYear passes sh:datatype xsd:gYear).
_PARSED = {XSD + n for n in (
    "time", "date", "dateTime", "duration", "dayTimeDuration", "yearMonthDuration", "hexBinary", "boolean",
    "decimal", "integer", "nonPositiveInteger", "long", "nonNegativeInteger", "negativeInteger", "int",
    "unsignedLong", "positiveInteger", "short", "unsignedInt", "byte", "unsignedShort", "unsignedByte",
    "float", "double", "base64Binary")} | {RDF + "XMLLiteral", RDF + "HTML"}


def rdflib_well_formed(value, datatype):
    """Custom SPARQL function: does pyshacl accept `value` as a literal of `datatype`?

    Called only for lexical forms outside _COMMON_FORM, so rdflib is imported only when the data
    holds such a literal.
    """
    import logging

    import rdflib

    log = logging.getLogger("rdflib.term")
    level = log.level
    log.setLevel(logging.CRITICAL)  # rdflib logs every lexical form it cannot parse
    try:
        lit = rdflib.Literal(value.value, datatype=rdflib.URIRef(datatype.value))
    finally:
        log.setLevel(level)
    ok = lit.ill_typed is not True and _actual_datatype(lit.value, datatype.value)
    return ox.Literal("true" if ok else "false", datatype=XSD_BOOLEAN)


def _actual_datatype(value, dt: str) -> bool:
    """pyshacl's DatatypeConstraintComponent._assert_actual_datatype."""
    import datetime
    from decimal import Decimal

    checks = {
        XSD + "string": (str, bytes), RDF + "langString": (str, bytes), XSD + "integer": int,
        XSD + "float": float, XSD + "decimal": Decimal, XSD + "boolean": bool, XSD + "date": datetime.date,
        XSD + "time": datetime.time, XSD + "dateTime": datetime.datetime,
    }
    return isinstance(value, checks[dt]) if dt in checks else True


CUSTOM_FUNCTIONS = {WELL_FORMED_FN: rdflib_well_formed}


def python_regex_to_sparql(pattern: str, multiline: bool) -> str:
    """Translate a pattern so that Oxigraph's REGEX finds what Python's re.search (pyshacl) finds.

    The difference that matters for the patterns SHACL users write: without the m flag, Python's `$`
    also matches just before a final newline, Oxigraph's only at the very end.
    """
    if multiline or "$" not in pattern:
        return pattern
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            j = i + 1
            if pattern[j:j + 1] == "^":
                j += 1
            if pattern[j:j + 1] == "]":  # a literal ] first in the class
                out.append(pattern[i:j + 1])
                i = j + 1
                continue
        elif c == "$":
            out.append("(?:\\n?$)")
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def path_text(sg: ShapesGraph, path) -> str:
    """A SHACL property path in SPARQL syntax."""
    if isinstance(path, ox.NamedNode):
        return f"<{path.value}>"
    if not isinstance(path, ox.BlankNode):
        raise Unsupported("a property path that is not an IRI or a blank node")
    if sg.value(path, RDF_FIRST) is not None:
        members = sg.items(path)
        if len(members) < 2:
            raise Unsupported("a sequence path with fewer than two members")
        return "(" + "/".join(path_text(sg, m) for m in members) + ")"
    for name, fmt in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"), ("oneOrMorePath", "{}+"),
                      ("zeroOrOnePath", "{}?")):
        inner = sg.value(path, sh(name))
        if inner is not None:
            return "(" + fmt.format(path_text(sg, inner)) + ")"
    alt = sg.value(path, sh("alternativePath"))
    if alt is not None:
        members = sg.items(alt)
        if len(members) < 2:
            raise Unsupported("an alternative path with fewer than two members")
        return "(" + "|".join(path_text(sg, m) for m in members) + ")"
    raise Unsupported("an unknown kind of property path")


def path_bounded(sg: ShapesGraph, path) -> bool:
    """True for a path without * + ? (it never relates a node to itself for nothing, so the triples
    it follows can be scanned from the data side)."""
    if isinstance(path, ox.NamedNode):
        return True
    if sg.value(path, RDF_FIRST) is not None:
        return all(path_bounded(sg, m) for m in sg.items(path))
    if sg.value(path, sh("inversePath")) is not None:
        return path_bounded(sg, sg.value(path, sh("inversePath")))
    if sg.value(path, sh("alternativePath")) is not None:
        return all(path_bounded(sg, m) for m in sg.items(sg.value(path, sh("alternativePath"))))
    return False


# ---------------------------------------------------------------------------------------------------
# The compiler
# ---------------------------------------------------------------------------------------------------


class Compiler:
    """Turns the shapes of a shapes graph into Checks (SPARQL text), given the data's subclasses."""

    def __init__(self, sg: ShapesGraph, subclasses: Callable[[ox.NamedNode], list],
                 class_closure: Callable[[str], list[str] | None] | None = None):
        self.sg = sg
        self.subclasses = subclasses
        #: IRI -> the IRIs C with `C rdfs:subClassOf* IRI` in the data graph (None: not usable)
        self.class_closure = class_closure
        self.var = _Vars()
        self._regex_ok: dict[tuple[str, str], bool] = {}
        self._probe = ox.Store()
        self.custom_parameters = custom_parameters(sg)

    # --- shape properties --------------------------------------------------------------------------

    def is_property_shape(self, shape) -> bool:
        return self.sg.value(shape, sh("path")) is not None

    def _true(self, shape, name) -> bool:
        v = self.sg.value(shape, sh(name))
        return isinstance(v, ox.Literal) and v.value in ("true", "1")

    def message_literals(self, shape) -> tuple:
        """The shape's sh:message literals (language tags kept), English or untagged first."""
        msgs = [m for m in self.sg.objects(shape, sh("message")) if isinstance(m, ox.Literal)]
        msgs.sort(key=lambda m: (m.language not in (None, "en"), m.language or "", m.value))
        return tuple(msgs)

    def messages(self, shape) -> tuple[str, ...]:
        return tuple(m.value for m in self.message_literals(shape))

    def severity(self, shape) -> str:
        s = self.sg.value(shape, sh("severity"))
        return s.value if isinstance(s, ox.NamedNode) else SH + "Violation"

    def path_of(self, shape) -> tuple[object, str]:
        if len(self.sg.objects(shape, sh("path"))) > 1:
            raise Unsupported("a shape with more than one sh:path")
        p = self.sg.value(shape, sh("path"))
        return p, path_text(self.sg, p)

    def check_parameters(self, shape) -> None:
        for p in self.sg.predicates(shape):
            if p in self.custom_parameters:
                raise Unsupported(f"the custom constraint component {show(self.custom_parameters[p])} "
                                  f"(parameter {show(p)})")
            if p.value.startswith(SH) and p.value[len(SH):] not in KNOWN_PARAMETERS:
                raise Unsupported(f"sh:{p.value[len(SH):]}")

    def targets(self, shape) -> dict[str, list]:
        out = {k: list(self.sg.objects(shape, sh(k)))
               for k in ("targetNode", "targetClass", "targetSubjectsOf", "targetObjectsOf")}
        if is_implicit_class_target(self.sg, shape):
            out["targetClass"].append(shape)
        if self.sg.objects(shape, sh("target")):
            raise Unsupported("sh:target (SHACL-AF custom targets)")
        return out

    def focus_of(self, shape) -> "Focus":
        """The focus nodes of a targeted shape, in the three forms the checks use."""
        targets = self.targets(shape)
        if any(not isinstance(c, ox.NamedNode) for c in targets["targetClass"]):
            raise Unsupported("sh:targetClass that is not an IRI")
        for kind in ("targetSubjectsOf", "targetObjectsOf"):
            if any(not isinstance(p, ox.NamedNode) for p in targets[kind]):
                raise Unsupported(f"sh:{kind} that is not an IRI")
        if not any(targets.values()):
            raise Unsupported("a shape without targets")
        nodes = [term_text(n) for n in targets["targetNode"]]
        classes = sorted({s.value for c in targets["targetClass"] for s in self.subclasses(c)})

        def flat(var: str) -> str:
            branches = []
            if nodes:
                branches.append(f"VALUES {var} {{ {' '.join(nodes)} }}")
            # one pattern per class: Oxigraph reads each from its index (twice as fast as a VALUES join)
            branches += [f"{var} <{RDF_TYPE.value}> <{x}>" for x in classes]
            for p in targets["targetSubjectsOf"]:
                branches.append(f"{var} {term_text(p)} {self.var('t')}")
            for p in targets["targetObjectsOf"]:
                branches.append(f"{self.var('t')} {term_text(p)} {var}")
            return "{ " + " UNION ".join(f"{{ {b} }}" for b in branches) + " }"

        def member(var: str) -> str:
            tests = [f"sameTerm({var}, {n})" for n in nodes]
            if classes:
                c = self.var("c")
                tests.append(f"EXISTS {{ {var} <{RDF_TYPE.value}> {c} . "
                             f"FILTER({c} IN ({', '.join(f'<{x}>' for x in classes)})) }}")
            tests += [f"EXISTS {{ {var} {term_text(p)} {self.var('t')} }}" for p in targets["targetSubjectsOf"]]
            tests += [f"EXISTS {{ {self.var('t')} {term_text(p)} {var} }}" for p in targets["targetObjectsOf"]]
            return "(" + " || ".join(tests) + ")"

        only_nodes = not (classes or targets["targetSubjectsOf"] or targets["targetObjectsOf"])
        n = bool(nodes) + len(classes) + len(targets["targetSubjectsOf"]) + len(targets["targetObjectsOf"])
        return Focus(flat=flat, member=None if only_nodes else member, targets=n)

    # --- one value node against one constraint ------------------------------------------------------

    def regex_supported(self, pattern: str, flags: str) -> bool:
        key = (pattern, flags)
        if key not in self._regex_ok:
            q = f"SELECT ?x WHERE {{ BIND(REGEX(\"\", {_quote(pattern)}, {_quote(flags)}) AS ?x) }}"
            rows = list(self._probe.query(q))
            self._regex_ok[key] = bool(rows) and rows[0]["x"] is not None
        return self._regex_ok[key]

    def datatype_ok(self, dt, v: str) -> str:
        if not isinstance(dt, ox.NamedNode):
            raise Unsupported("sh:datatype that is not an IRI")
        d = dt.value
        if d == RDF + "langString":
            return f"(isLiteral({v}) && LANG({v}) != \"\")"
        if d == RDFS + "Literal":
            return f"isLiteral({v})"
        if d == RDFS + "Datatype":
            return f"(isLiteral({v}) && LANG({v}) = \"\" && DATATYPE({v}) != <{XSD}string>)"
        same = f"(isLiteral({v}) && DATATYPE({v}) = <{d}>)"
        if d in _STRINGLIKE or d not in _PARSED:
            return same
        if d == XSD + "boolean":
            return f"({same} && STR({v}) IN (\"true\", \"false\", \"1\", \"0\"))"
        ask_rdflib = f"COALESCE(<{WELL_FORMED_FN.value}>({v}, <{d}>), false)"
        form = _COMMON_FORM.get(d)
        if form is None:
            return f"({same} && {ask_rdflib})"
        common = f"(REGEX(STR({v}), \"{form}\") && !STRSTARTS(STR({v}), \"0000\"))"
        sure = f"COALESCE(isLiteral(<{d}>(STR({v}))), false)" if d in _CAST_CHECK else "true"
        return f"({same} && IF({common}, {sure}, {ask_rdflib}))"

    def value_ok(self, shape, name: str, param, v: str, stack: tuple) -> str:
        """Boolean SPARQL expression: the node in `v` passes component `name` with parameter `param`."""
        sg = self.sg
        if name == "class":
            if not isinstance(param, ox.NamedNode):
                raise Unsupported("sh:class that is not an IRI")
            t = self.var("t")
            subs = ", ".join(f"<{s}>" for s in sorted({c.value for c in self.subclasses(param)}))
            return f"EXISTS {{ {v} <{RDF_TYPE.value}> {t} . FILTER({t} IN ({subs})) }}"
        if name == "datatype":
            return self.datatype_ok(param, v)
        if name == "nodeKind":
            kinds = {"IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
                     "BlankNodeOrIRI": "(isIRI({v}) || isBlank({v}))",
                     "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
                     "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))"}
            local = param.value[len(SH):] if isinstance(param, ox.NamedNode) and param.value.startswith(SH) else None
            if local not in kinds:
                raise Unsupported(f"sh:nodeKind {show(param)}")
            return kinds[local].format(v=v)
        if name == "pattern":
            if not isinstance(param, ox.Literal):
                raise Unsupported("sh:pattern that is not a literal")
            try:
                re.compile(param.value)
            except re.error as err:
                raise Unsupported(f"sh:pattern {param.value!r} is not a Python regular expression: {err}")
            given = sg.value(shape, sh("flags"))
            given = given.value.lower() if isinstance(given, ox.Literal) else ""
            flags = "".join(f for f in "im" if f in given)  # pyshacl honours only i and m
            pattern = python_regex_to_sparql(param.value, "m" in flags)
            if not self.regex_supported(pattern, flags):
                raise Unsupported(f"sh:pattern {param.value!r}, which Oxigraph's REGEX does not support")
            return f"(!isBlank({v}) && REGEX(STR({v}), {_quote(pattern)}, {_quote(flags)}))"
        if name == "languageIn":
            langs = []
            for item in sg.items(param):
                if not isinstance(item, ox.Literal):
                    raise Unsupported("sh:languageIn member that is not a literal")
                langs.append(item.value.lower())
            if "*" in langs:
                return f"(isLiteral({v}) && LANG({v}) != \"\")"
            if not langs:
                return "false"
            # pyshacl: the tag, or its first subtag, equals a range (case-insensitively). For a range
            # without "-" that is langMatches; a range with "-" matches only the whole tag.
            tests = [f"langMatches(LANG({v}), {_quote(x)})" if "-" not in x else f"LCASE(LANG({v})) = {_quote(x)}"
                     for x in langs]
            return f"(isLiteral({v}) && LANG({v}) != \"\" && ({' || '.join(tests)}))"
        if name == "in":
            members = sg.items(param)
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({v}, {term_text(m)})" for m in members) + ")"
        if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            if not isinstance(param, ox.Literal):
                raise Unsupported(f"sh:{name} that is not a literal")
            op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}[name]
            # pyshacl compares a string only with a string, a non-string only with a non-string
            stringish = f"(LANG({v}) != \"\" || DATATYPE({v}) IN ({', '.join(f'<{s}>' for s in sorted(_STRINGLIKE))}))"
            bound_is_string = bool(param.language) or param.datatype.value in _STRINGLIKE
            kind = stringish if bound_is_string else f"!{stringish}"
            return f"(isLiteral({v}) && {kind} && COALESCE({v} {op} {term_text(param)}, false))"
        if name in ("minLength", "maxLength"):
            try:
                n = int(param.value)
            except (AttributeError, ValueError):
                raise Unsupported(f"sh:{name} that is not an integer") from None
            op = ">=" if name == "minLength" else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {n})"
        if name == "node":
            return self.conforms(param, v, stack)
        if name == "not":
            return f"!{self.conforms(param, v, stack)}"
        if name in ("and", "or", "xone"):
            parts = [self.conforms(m, v, stack) for m in sg.items(param)]
            if name == "and":
                return "(" + " && ".join(parts) + ")" if parts else "true"
            if name == "or":
                return "(" + " || ".join(parts) + ")" if parts else "false"
            return "((" + " + ".join(f"IF({p}, 1, 0)" for p in parts) + ") = 1)" if parts else "false"
        raise Unsupported(f"sh:{name}")

    # --- a node against a whole shape (nested shapes) -------------------------------------------

    def conforms(self, shape, v: str, stack: tuple) -> str:
        """Boolean SPARQL expression: the node in `v` conforms to `shape` (its targets ignored)."""
        if shape in stack:
            raise Unsupported("recursive shapes")
        stack = stack + (shape,)
        if self._true(shape, "deactivated"):
            return "true"
        self.check_parameters(shape)
        sg = self.sg
        if sg.objects(shape, sh("sparql")):
            raise Unsupported("sh:sparql in a shape used through sh:node, sh:or, sh:not, ...")
        parts = []
        if self.is_property_shape(shape):
            _, p = self.path_of(shape)
            for name in VALUE_COMPONENTS:
                for param in sg.objects(shape, sh(name)):
                    x = self.var("x")
                    ok = self.value_ok(shape, name, param, x, stack)
                    parts.append(f"NOT EXISTS {{ {v} {p} {x} . FILTER(!COALESCE({ok}, false)) }}")
            parts += self._nested_counts(shape, v, p, stack)
            for child in sg.objects(shape, sh("property")):
                x = self.var("x")
                ok = self.conforms(child, x, stack)
                parts.append(f"NOT EXISTS {{ {v} {p} {x} . FILTER(!COALESCE({ok}, false)) }}")
            if self._true(shape, "closed"):
                raise Unsupported("sh:closed on a property shape")
        else:
            for name in ("minCount", "maxCount", "uniqueLang", "qualifiedValueShape"):
                if sg.objects(shape, sh(name)):
                    raise Unsupported(f"sh:{name} on a node shape")
            for name in VALUE_COMPONENTS:
                for param in sg.objects(shape, sh(name)):
                    parts.append(self.value_ok(shape, name, param, v, stack))
            for hv in sg.objects(shape, sh("hasValue")):
                parts.append(f"sameTerm({v}, {term_text(hv)})")
            if self._true(shape, "closed"):
                pv, ov = self.var("p"), self.var("o")
                parts.append(f"NOT EXISTS {{ {v} {pv} {ov} . FILTER({pv} NOT IN ({self._closed_allowed(shape)})) }}")
            for child in sg.objects(shape, sh("property")):
                parts.append(self.conforms(child, v, stack))
        if not parts:
            return "true"
        return "(" + " && ".join(f"COALESCE({p}, false)" for p in parts) + ")"

    def _distinct_values(self, v: str, p: str, n: int, condition: Callable[[str], str] | None = None) -> str:
        """A group matching when the node in `v` has `n` distinct values on `p` (meeting `condition`)."""
        xs = [self.var("x") for _ in range(n)]
        triples = " . ".join(f"{v} {p} {x}" for x in xs)
        filters = [f"!sameTerm({a}, {b})" for i, a in enumerate(xs) for b in xs[i + 1:]]
        if condition:
            filters += [f"COALESCE({condition(x)}, false)" for x in xs]
        return f"{{ {triples} . {'FILTER(' + ' && '.join(filters) + ')' if filters else ''} }}"

    def _nested_counts(self, shape, v: str, p: str, stack: tuple) -> list[str]:
        sg = self.sg
        parts = self._count_parts(shape, v, p, "minCount", "maxCount")
        for ul in sg.objects(shape, sh("uniqueLang")):
            if _boolean(ul, "sh:uniqueLang") and ul.value == "true":
                a, b = self.var("x"), self.var("x")
                parts.append(f"NOT EXISTS {{ {v} {p} {a} . {v} {p} {b} . FILTER(!sameTerm({a}, {b}) && "
                             f"isLiteral({a}) && isLiteral({b}) && LANG({a}) != \"\" && "
                             f"LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
        for hv in sg.objects(shape, sh("hasValue")):
            parts.append(f"EXISTS {{ {v} {p} {term_text(hv)} }}")
        for q in sg.objects(shape, sh("qualifiedValueShape")):
            self._check_qualified(shape)
            cond = (lambda x, q=q: self.conforms(q, x, stack))
            parts += self._count_parts(shape, v, p, "qualifiedMinCount", "qualifiedMaxCount", cond)
        return parts

    def _count_parts(self, shape, v: str, p: str, min_key: str, max_key: str, cond=None) -> list[str]:
        """EXISTS groups for a min and max count in the nested form, which writes one variable per
        counted value and so stops at small counts."""
        parts = []
        for mc in self.sg.objects(shape, sh(min_key)):
            n = _count(mc, f"sh:{min_key}")
            if n > 4:
                raise Unsupported(f"sh:{min_key} above 4 in a shape used through sh:node, sh:or, ...")
            if n > 0:
                parts.append(f"EXISTS {self._distinct_values(v, p, n, cond)}")
        for mc in self.sg.objects(shape, sh(max_key)):
            n = _count(mc, f"sh:{max_key}")
            if n > 3:
                raise Unsupported(f"sh:{max_key} above 3 in a shape used through sh:node, sh:or, ...")
            parts.append(f"NOT EXISTS {self._distinct_values(v, p, n + 1, cond)}")
        return parts

    def _check_qualified(self, shape) -> None:
        sg = self.sg
        if self._true(shape, "qualifiedValueShapesDisjoint"):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        if len(sg.objects(shape, sh("qualifiedValueShape"))) > 1:
            raise Unsupported("more than one sh:qualifiedValueShape on a shape")
        mins, maxs = sg.objects(shape, sh("qualifiedMinCount")), sg.objects(shape, sh("qualifiedMaxCount"))
        if len(mins) > 1 or len(maxs) > 1 or not (mins or maxs):
            raise Unsupported("sh:qualifiedValueShape without exactly one qualified min or max count")

    def _closed_allowed(self, shape) -> str:
        allowed = set()
        for ps in self.sg.objects(shape, sh("property")):
            p = self.sg.value(ps, sh("path"))
            if isinstance(p, ox.NamedNode):
                allowed.add(p.value)
        for lst in self.sg.objects(shape, sh("ignoredProperties")):
            allowed |= {i.value for i in self.sg.items(lst) if isinstance(i, ox.NamedNode)}
        return ", ".join(f"<{a}>" for a in sorted(allowed)) or f"<{SH}nothing>"

    # --- top-level checks ----------------------------------------------------------------------------

    def compile_root(self, root) -> list[Check]:
        """Every check of a targeted shape: its own constraints and those of its property shapes."""
        return self._compile(root, root, self.focus_of(root), ())

    def _compile(self, root, shape, focus: Focus, stack: tuple) -> list[Check]:
        if shape in stack:
            raise Unsupported("recursive sh:property")
        stack = stack + (shape,)
        if self._true(shape, "deactivated"):
            return []
        self.check_parameters(shape)
        sg = self.sg
        checks: list[Check] = []
        prop = self.is_property_shape(shape)
        common = dict(root=root, shape=shape, messages=self.messages(shape), message_terms=self.message_literals(shape),
                      severity=self.severity(shape),
                      node_shape=not prop)
        path = ptext = None
        # Data side first: scan the triples of the path, test the value, then whether the subject is a
        # focus node; else enumerate the focus nodes and follow the path from each.
        data_first = False
        if prop:
            path, ptext = self.path_of(shape)
            common.update(path=path, path_text=ptext)
            data_first = focus.member is not None and path_bounded(sg, path)
        for name, comp in VALUE_COMPONENTS.items():
            for param in sg.objects(shape, sh(name)):
                # sh:class scanned from the data side is an anti-join (MINUS: one hash of the class
                # members), not an EXISTS looked up per triple (4-5x slower at 1M). Focus first, the
                # focus nodes are often far fewer than the class members: EXISTS stays.
                test = self._class_minus(param, "?value") if name == "class" and data_first else None
                test = test or f"FILTER(!COALESCE({self.value_ok(shape, name, param, '?value', stack)}, false))"
                # (no DISTINCT: repeated rows are few, as violations are, and dropped in Python; a
                # DISTINCT over every focus node costs more than testing a node twice)
                if data_first:
                    alt = (f"SELECT ?this ?value WHERE {{ {focus.flat('?this')} ?this {ptext} ?value . "
                           f"FILTER(!COALESCE({self.value_ok(shape, name, param, '?value', stack)}, false)) }}")
                    q = _then_member(f"?this {ptext} ?value . {test}", "?this ?value", focus, focus_first=alt)
                elif prop:
                    q = f"SELECT ?this ?value WHERE {{ {focus.flat('?this')} ?this {ptext} ?value . {test} }}"
                else:  # several targets repeat a node once per target: test each node once
                    nodes = focus.distinct("?this") if focus.targets > 1 else focus.flat("?this")
                    q = f"SELECT ?this ?value WHERE {{ {nodes} BIND(?this AS ?value) {test} }}"
                checks.append(Check(component=SH + comp, query=q, kind="value", gate=_gate(q),
                                    focus_first=getattr(q, "focus_first", None), **common))
        if prop:
            checks += self._count_checks(shape, focus, ptext, data_first, common, stack)
            if self._true(shape, "closed"):
                raise Unsupported("sh:closed on a property shape")
        else:
            for name in ("minCount", "maxCount", "uniqueLang", "qualifiedValueShape"):
                if sg.objects(shape, sh(name)):
                    raise Unsupported(f"sh:{name} on a node shape")
            for hv in sg.objects(shape, sh("hasValue")):
                q = f"SELECT ?this WHERE {{ {focus.flat('?this')} FILTER(!sameTerm(?this, {term_text(hv)})) }}"
                checks.append(Check(component=SH + "HasValueConstraintComponent", query=q, kind="focus", **common))
            if self._true(shape, "closed"):
                q = (f"SELECT ?this ?path ?value WHERE {{ {focus.flat('?this')} ?this ?path ?value . "
                     f"FILTER(?path NOT IN ({self._closed_allowed(shape)})) }}")
                checks.append(Check(component=SH + "ClosedConstraintComponent", query=q, kind="closed", **common))
        for constraint in sg.objects(shape, sh("sparql")):
            check = self._sparql_check(shape, constraint, focus, common)
            if check is not None:
                checks.append(check)
        for child in sg.objects(shape, sh("property")):
            if prop:  # the focus nodes of a property shape's property shapes are its value nodes
                def flat(var, focus=focus, ptext=ptext):
                    outer = self.var("f")
                    return f"{{ {focus.flat(outer)} {outer} {ptext} {var} }}"
                child_focus = Focus(flat=flat)
            else:
                child_focus = focus
            checks += self._compile(root, child, child_focus, stack)
        return checks

    def _class_minus(self, param, v: str) -> str | None:
        """sh:class as `MINUS { v rdf:type C1 } UNION …`: removes the rows whose value is an instance.

        Same rows as FILTER NOT EXISTS (the right side binds only `v`, which every left row binds).
        """
        if not isinstance(param, ox.NamedNode):
            return None
        subs = sorted({c.value for c in self.subclasses(param)})
        return "MINUS { " + " UNION ".join(f"{{ {v} <{RDF_TYPE.value}> <{c}> }}" for c in subs) + " }"

    def _count_checks(self, shape, focus: Focus, p: str, data_first: bool, common, stack) -> list[Check]:
        sg, checks = self.sg, []
        # Repeated rows are dropped in Python (see _compile); COUNT(DISTINCT) ignores repeated focus rows.
        flat = focus.flat("?this")

        def add(component, query):
            checks.append(Check(component=SH + component, query=query, kind="focus", gate=_gate(query),
                                focus_first=getattr(query, "focus_first", None), **common))

        for mc in sg.objects(shape, sh("minCount")):
            n = _count(mc, "sh:minCount")
            if n == 1:  # (MINUS measured slower: it hashes the whole path, often far more than the focus)
                add("MinCountConstraintComponent", f"SELECT ?this WHERE {{ {flat} FILTER NOT EXISTS {{ ?this {p} ?any }} }}")
                if p.startswith("<") and p.endswith(">"):  # an IRI path: may share one query (_merge_min_counts)
                    checks[-1].min_one = (_canonical_vars(flat), p)
            elif n > 1:
                add("MinCountConstraintComponent", f"SELECT ?this WHERE {{ {flat} OPTIONAL {{ ?this {p} ?v }} }} "
                                                   f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})")
        for mc in sg.objects(shape, sh("maxCount")):
            n = _count(mc, "sh:maxCount")
            # (for maxCount 1 too: grouping the path's triples measured 1.5-2.5x cheaper at 1M than
            # joining them with themselves, `?this p ?v1 . ?this p ?v2 . FILTER(!sameTerm(?v1, ?v2))`)
            q = f"SELECT ?this WHERE {{ {flat} ?this {p} ?v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})"
            if data_first:  # gated by the subjects with more than n rows (no row: no violation)
                q = _then_member(f"?this {p} ?v", "?this", focus, f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})",
                                 focus_first=q, gate=_more_rows_than(p, n))
            add("MaxCountConstraintComponent", q)
        for ul in sg.objects(shape, sh("uniqueLang")):
            if not _boolean(ul, "sh:uniqueLang"):
                raise Unsupported("sh:uniqueLang false (pyshacl treats it as a failing constraint)")
            if ul.value != "true":  # only true activates it ("1"^^xsd:boolean does not: W3C uniqueLang-002)
                continue
            same_lang = ("isLiteral(?a) && LANG(?a) != \"\" && !sameTerm(?a, ?b) && "
                         "LCASE(LANG(?a)) = LCASE(LANG(?b))")
            q = (f"SELECT ?this ?lang WHERE {{ {flat} ?this {p} ?a . ?this {p} ?b . "
                 f"FILTER({same_lang}) BIND(LCASE(LANG(?a)) AS ?lang) }}")
            if data_first:
                q = _then_member(f"{{ {_more_rows_than(p, 1)} }} ?this {p} ?a . ?this {p} ?b . FILTER({same_lang}) "
                                 f"BIND(LCASE(LANG(?a)) AS ?lang)", "?this ?lang", focus, focus_first=q)
            add("UniqueLangConstraintComponent", q)
        for hv in sg.objects(shape, sh("hasValue")):
            add("HasValueConstraintComponent", f"SELECT ?this WHERE {{ {flat} FILTER NOT EXISTS {{ ?this {p} {term_text(hv)} }} }}")
        for qshape in sg.objects(shape, sh("qualifiedValueShape")):
            self._check_qualified(shape)
            ok = f"COALESCE({self.conforms(qshape, '?v', stack)}, false)"
            for mc in sg.objects(shape, sh("qualifiedMinCount")):
                n = _count(mc, "sh:qualifiedMinCount")
                if n == 1:
                    q = f"SELECT ?this WHERE {{ {flat} FILTER NOT EXISTS {{ ?this {p} ?v . FILTER({ok}) }} }}"
                elif n > 1:
                    q = (f"SELECT ?this WHERE {{ {flat} OPTIONAL {{ ?this {p} ?v . FILTER({ok}) }} }} "
                         f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})")
                else:
                    continue
                add("QualifiedMinCountConstraintComponent", q)
            for mc in sg.objects(shape, sh("qualifiedMaxCount")):
                n = _count(mc, "sh:qualifiedMaxCount")
                q = (f"SELECT ?this WHERE {{ {flat} ?this {p} ?v . FILTER({ok}) }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})")
                if data_first:
                    q = _then_member(f"?this {p} ?v . FILTER({ok})", "?this", focus,
                                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})", focus_first=q)
                add("QualifiedMaxCountConstraintComponent", q)
        return checks

    # --- SPARQL-based constraints --------------------------------------------------------------------

    def _sparql_check(self, shape, constraint, focus, common) -> Check | None:
        sg = self.sg
        if self._true(constraint, "deactivated"):
            return None  # pyshacl skips a deactivated SPARQL constraint too
        if sg.objects(constraint, sh("ask")):
            raise Unsupported("sh:ask in a SPARQL constraint")
        selects = sg.objects(constraint, sh("select"))
        if len(selects) != 1 or not isinstance(selects[0], ox.Literal):
            raise Unsupported("sh:sparql without exactly one sh:select string")
        current = shape if isinstance(shape, ox.NamedNode) else None
        query, dedup = rewrite_select(selects[0].value, focus, common.get("path_text"), current,
                                      self.prefix_map(constraint), self.class_closure)
        literals = tuple(m for m in sg.objects(constraint, sh("message")) if isinstance(m, ox.Literal))
        messages = tuple(m.value for m in literals)
        try:  # parsed (on an empty store) now, so that a query Oxigraph rejects goes to the fallback
            self._probe.query(self.prefixes(constraint) + query, custom_functions=CUSTOM_FUNCTIONS)
        except SyntaxError as err:
            raise Unsupported(f"a SPARQL constraint that does not parse here ({' '.join(str(err).split())[:160]})")
        return Check(component=SH + "SPARQLConstraintComponent", query=self.prefixes(constraint) + query,
                     kind="sparql", source_constraint=constraint, sparql_messages=messages, dedup_store=dedup,
                     sparql_message_terms=literals,
                     **common)

    def prefixes(self, constraint) -> str:
        """PREFIX lines for a SPARQL constraint, collected as pyshacl does (sh:prefixes, and the
        sh:declare of every owl:Ontology of the shapes graph)."""
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefix_map(constraint).items())

    def prefix_map(self, constraint) -> dict[str, str]:
        sg = self.sg
        onts = set(sg.subjects(RDF_TYPE, ox.NamedNode(OWL + "Ontology")))
        global_declares = [d for o in onts for d in sg.objects(o, sh("declare"))]
        prefixes: dict[str, str] = {}
        for pv in sg.objects(constraint, sh("prefixes")):
            own = list(sg.objects(pv, sh("declare")))
            seen, todo = {pv}, list(sg.objects(pv, ox.NamedNode(OWL + "imports")))
            while todo:  # the declarations of what it imports, transitively (W3C sparql/node/prefixes-001)
                imported = todo.pop()
                if imported in seen:
                    continue
                seen.add(imported)
                own += sg.objects(imported, sh("declare"))
                todo += sg.objects(imported, ox.NamedNode(OWL + "imports"))
            declares = own if (own and pv in onts) else global_declares + own
            for dec in declares:
                pfx, ns = sg.objects(dec, sh("prefix")), sg.objects(dec, sh("namespace"))
                if len(pfx) != 1 or len(ns) != 1 or not isinstance(pfx[0], ox.Literal):
                    raise Unsupported("a malformed sh:declare")
                prefixes[pfx[0].value] = ns[0].value
        return prefixes


def _merge_min_counts(checks: list[Check]):
    """The queries to run for `checks`, with the sh:minCount 1 checks of IRI paths that have the same
    focus nodes merged into one query (`VALUES ?_pg_path { p1 p2 ... } FILTER NOT EXISTS { ?this
    ?_pg_path ?any }`: the focus nodes are enumerated once; at 1M, five such checks on pg:StatusPeriod
    0.42 s -> 0.21 s), and a function turning the answers back into one answer per check."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(checks):
        if c.min_one is not None:
            groups[c.min_one[0]].append(i)
    units: list[Check] = []
    unit_of: dict[int, int] = {}
    for i, c in enumerate(checks):
        group = groups.get(c.min_one[0]) if c.min_one is not None else None
        if group is None or len(group) < 2:
            unit_of[i] = len(units)
            units.append(c)
        elif i == group[0]:
            paths = " ".join(dict.fromkeys(checks[j].min_one[1] for j in group))
            query = (f"SELECT ?this ?_pg_path WHERE {{ {c.min_one[0]} VALUES ?_pg_path {{ {paths} }} "
                     f"FILTER NOT EXISTS {{ ?this ?_pg_path ?any }} }}")
            for j in group:
                unit_of[j] = len(units)
            units.append(Check(root=None, shape=None, component="", query=query, kind="focus"))

    def split(answers):
        out = []
        for i, c in enumerate(checks):
            names, rows = answers[unit_of[i]]
            if units[unit_of[i]] is not c:  # a merged query: its rows for this check's path
                t, p, path = names.index("this"), names.index("_pg_path"), c.min_one[1][1:-1]
                names, rows = ["this"], [(r[t],) for r in rows if r[p].value == path]
            out.append((names, rows))
        return out

    return units, split


def _more_rows_than(p: str, n: int) -> str:
    """A select of the subjects with more than `n` rows on path `p`: a superset of those with more
    than `n` distinct values, found by counting the path's rows, which is cheaper than comparing values
    (at 1M: the gate of sh:maxCount 1 on pg:date 0.065 s -> 0.04 s; as a sub-select of sh:uniqueLang on
    rdfs:label, the values are compared for these subjects only: 0.40 s -> 0.18 s)."""
    return f"SELECT ?this WHERE {{ ?this {p} ?_more }} GROUP BY ?this HAVING (COUNT(*) > {n})"


class _Gated(str):
    """A query text that also knows its gate (the same query without the focus-node test) and the
    same check written focus nodes first."""

    gate: str
    focus_first: str | None


def _gate(query: str) -> str | None:
    return getattr(query, "gate", None)


def _then_member(where: str, projection: str, focus: Focus, modifiers: str = "",
                 focus_first: str | None = None, gate: str | None = None) -> str:
    """`SELECT projection WHERE { where }` restricted to the rows whose ?this is a focus node.

    The result also carries (as `.gate`) the inner `SELECT projection WHERE { where }`: it does not
    depend on the shape's targets, so shapes checking the same path the same way share it, and when
    it has no row (the usual case: no violation) the whole query has none (run_queries). When it has
    many (the path is used by far more nodes than the focus nodes), run_queries runs `focus_first`, the
    same check starting from the focus nodes, instead. `gate`, if given, replaces the inner select as
    the gate: a cheaper query with the same variables whose rows include the inner select's.

    The membership test goes outside a sub-select: Oxigraph splits a `FILTER(a && b)` and pushes each
    part down to where its variables are bound, so `bad && member(?this)` ran the membership EXISTS on
    every triple of the path before the (cheap, rarely true) value test; the sub-select keeps it for
    the few violating rows (DerivedFromSourceShape at 1M: 0.79 s -> 0.14 s with _class_minus).
    """
    inner = f"SELECT {projection} WHERE {{ {where} }} {modifiers}"
    query = _Gated(f"SELECT {projection} WHERE {{ {{ {inner} }} FILTER({focus.member('?this')}) }}")
    query.gate = gate or inner
    query.focus_first = focus_first
    return query


def _count(term, what: str) -> int:
    try:
        return int(term.value)
    except (AttributeError, ValueError):
        raise Unsupported(f"{what} that is not an integer") from None


def _boolean(term, what: str) -> bool:
    if isinstance(term, ox.Literal) and term.value in ("true", "1", "false", "0"):
        return term.value in ("true", "1")
    raise Unsupported(f"{what} that is not a boolean")


def custom_parameters(sg: ShapesGraph) -> dict:
    """Parameter path -> constraint component, for every component the shapes graph declares
    (sh:ConstraintComponent, or anything with sh:parameter): a shape using one is never compiled."""
    components = set(sg.subjects(RDF_TYPE, sh("ConstraintComponent"))) | set(sg.subjects_of(sh("parameter")))
    out = {}
    for c in components:
        for param in sg.objects(c, sh("parameter")):
            for path in sg.objects(param, sh("path")):
                if isinstance(path, ox.NamedNode) and not path.value.startswith(SH):
                    out[path] = c
    return out


def is_implicit_class_target(sg: ShapesGraph, shape) -> bool:
    """pyshacl: a shape typed rdfs:Class (or a subclass of it declared in the shapes graph)."""
    class_types = {RDFS_CLASS, *sg.subjects(RDFS_SUBCLASS_OF, RDFS_CLASS)}
    return any(t in class_types for t in sg.objects(shape, RDF_TYPE))


# ---------------------------------------------------------------------------------------------------
# Rewriting an sh:select so that one query covers every focus node
# ---------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.%:\u00B7-\uFFFF]*)?|:[A-Za-z0-9_\-.]*)
  | (?P<punct>[{}()])
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_DUPLICATE_SENSITIVE = {"COUNT", "SUM", "AVG", "GROUP_CONCAT"}
_SOLUTION_MODIFIERS = {"HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}


@dataclass
class _Tok:
    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    def is_var(self, name: str) -> bool:
        return self.kind == "var" and self.text[1:] == name


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("ws", "comment")]


def rewrite_select(text: str, focus, path: str | None, current_shape=None, prefixes: dict | None = None,
                   class_closure: Callable[[str], list[str] | None] | None = None) -> tuple[str, bool]:
    """The sh:select `text` turned into one query over every focus node.

    `$this` is bound by a join rather than pre-bound: the focus sub-select goes at the head of the WHERE
    group, so every FILTER of that group (and every EXISTS in it) sees `$this` bound. `?this` is added to the projection and to
    GROUP BY. Where a join does not stand for pre-binding `$this` (an expression of a nested group, a
    sub-select, LIMIT, ...) raises Unsupported.

    A `FILTER NOT EXISTS { P }` of the WHERE group whose group P is flat (triple patterns and filters on
    their own variables) and shares with the rest of the query only variables the WHERE group surely
    binds becomes `OPTIONAL { P BIND(true AS ?m) } FILTER(!BOUND(?m))`: the same solutions, but planned
    as one anti-join instead of a pattern evaluated per solution without knowing what is bound (which
    Oxigraph may plan as a scan of the whole pattern for every solution).

    A `?x rdf:type/rdfs:subClassOf* C` of the WHERE group (C a constant) becomes `?x rdf:type ?c` with
    `VALUES ?c { the subclasses of C in the data }` (given `class_closure` and the `prefixes`): Oxigraph
    evaluates the path by walking the type triples, the VALUES join reads each class from the index
    (SignatureAfterNegotiationLaunchShape at 1M: 0.58 s -> 0.18 s). Same rows: one per type of ?x in
    the closure, as the sequence path gives; only where rows are not counted and the projection is
    not `*` (the new variable stays hidden).

    `focus` is a Focus, or a function var -> group pattern binding var to the focus nodes. Returns the
    query and whether it must run on a graph without duplicate triples (it counts or sums rows).
    """
    if not isinstance(focus, Focus):
        focus = Focus(flat=focus)
    toks = _tokens(text)
    words = [t.word for t in toks]
    for bad in ("MINUS", "VALUES", "SERVICE"):
        if bad in words:
            raise Unsupported(f"{bad} in a SPARQL constraint (pyshacl rejects it)")
    if words.count("SELECT") != 1:
        raise Unsupported("a sub-select (or no SELECT) in sh:select")
    if "LIMIT" in words or "OFFSET" in words:
        raise Unsupported("LIMIT or OFFSET in a SPARQL constraint")
    for i, t in enumerate(toks):
        if t.is_var("shapesGraph"):
            raise Unsupported("$shapesGraph in a SPARQL constraint")
        if t.is_var("currentShape") and current_shape is None:
            raise Unsupported("$currentShape of a blank-node shape")
        if t.kind == "var" and t.text[1:] in ("this", "value", "PATH", "currentShape") and i > 0 \
                and toks[i - 1].word == "AS":
            raise Unsupported(f"AS {t.text} in a SPARQL constraint")

    sel = words.index("SELECT")
    open_i = next((i for i in range(sel, len(toks)) if toks[i].text == "{"), None)
    if open_i is None:
        raise Unsupported("sh:select without a WHERE group")
    stack: list[dict] = []  # the open groups: their kind and the parenthesis depth inside them
    close_i = None
    surely_bound: set[str] = set()  # variables of the triple patterns of the WHERE group itself
    not_exists: list[tuple[int, int]] = []  # (index of FILTER, index of the closing brace)
    type_paths: list[int] = []  # where `rdf:type/rdfs:subClassOf* C` starts, in the WHERE group
    where_filters: list[int] = []  # where each FILTER of the WHERE group itself starts
    for i in range(open_i, len(toks)):
        t = toks[i]
        if t.text == "{":
            before = toks[i - 1] if i > 0 else None
            kind = "where" if not stack else "group"
            if stack and before is not None and before.word in ("EXISTS", "OPTIONAL"):
                kind = before.word.lower()
            if len(stack) == 1 and stack[0]["parens"] == 0 and i >= 3 and \
                    [x.word for x in toks[i - 3:i]] == ["FILTER", "NOT", "EXISTS"]:
                stack.append({"kind": kind, "parens": 0, "not_exists_at": i - 3})
            else:
                stack.append({"kind": kind, "parens": 0})
        elif t.text == "}":
            group = stack.pop()
            if "not_exists_at" in group:
                not_exists.append((group["not_exists_at"], i))
            if not stack:
                close_i = i
                break
        elif t.text == "(":
            stack[-1]["parens"] += 1
        elif t.text == ")":
            stack[-1]["parens"] -= 1
        elif t.word == "FILTER" and len(stack) == 1 and stack[0]["parens"] == 0:
            where_filters.append(i)
        elif len(stack) == 1 and stack[0]["parens"] == 0 and _is_type_path(toks, i, prefixes):
            type_paths.append(i)
        elif t.kind == "var":
            if len(stack) == 1 and stack[0]["parens"] == 0:
                surely_bound.add(t.text[1:])
            if t.is_var("this"):
                _check_this_use(stack)
    if close_i is None:
        raise Unsupported("unbalanced braces in sh:select")

    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    proj = toks[sel + 1:open_i]
    star = any(t.text == "*" for t in proj)
    aggregates = [t for t in toks if t.word in _AGGREGATES]
    dedup = any(t.word in _DUPLICATE_SENSITIVE and i + 2 < len(toks) and toks[i + 2].word != "DISTINCT"
                for i, t in enumerate(toks))
    tail = toks[close_i + 1:]
    group_i = next((i for i, t in enumerate(tail) if t.word == "GROUP"), None)
    if star and (group_i is not None or aggregates):
        raise Unsupported("SELECT * with aggregates")
    # FILTERs on GROUP BY keys only are applied to the groups, after the aggregation, not to every
    # solution before it (a FILTER NOT EXISTS on a key is then looked up once per group): the grouped
    # query becomes a sub-select with the filters after it.
    moved = _filters_on_keys(toks, where_filters, tail[group_i + 1:] if group_i is not None else None) \
        if not star else []
    # And if its WHERE group does not read $this, every focus node has the same groups: they are
    # computed once and joined with the focus nodes ($this left out of its SELECT and GROUP BY).
    this_outside = bool(moved) and bool(_projected(proj) - {"this"}) and \
        _this_only_grouped(toks, sel, open_i, close_i, group_i)
    if this_outside:
        edits += [(t.start, t.end, "") for t in proj + tail if t.is_var("this")]
    elif not star and not any(t.is_var("this") for t in proj):
        after = proj[0] if proj and proj[0].word in ("DISTINCT", "REDUCED") else toks[sel]
        edits.append((after.end, after.end, " ?this"))
    closing = []  # text appended at the end of the WHERE group
    # The focus nodes first: a shape's targets are usually more selective than its query's first
    # pattern (a FILTER testing membership at the end measured several times slower).
    edits.append((toks[open_i].end, toks[open_i].end, " " if this_outside else " " + focus.distinct("?this") + " "))
    for t in toks[open_i + 1:]:
        if t.is_var("PATH"):
            if path is None:
                raise Unsupported("$PATH in a SPARQL constraint of a node shape")
            edits.append((t.start, t.end, path))
        elif t.is_var("currentShape"):
            edits.append((t.start, t.end, term_text(current_shape)))
    if class_closure is not None and prefixes is not None and not dedup and not star and "PREFIX" not in words:
        head_values = []
        for i in type_paths:
            subs = class_closure(_iri_of(toks[i + 4], prefixes) or "")
            if subs is None:
                continue
            var = f"?_pg_class_{len(head_values)}"
            edits.append((toks[i].start, toks[i + 4].end, f"<{RDF}type> {var}"))
            head_values.append(f"VALUES {var} {{ {' '.join(f'<{c}>' for c in subs)} }}")
        if head_values:
            start, end, new_text = next(e for e in edits if e[0] == toks[open_i].end)
            edits.remove((start, end, new_text))
            edits.append((start, end, new_text + " ".join(head_values) + " "))
    surely_bound.add("this")
    if moved:
        moved_at = {f for f, _ in moved}
        not_exists = [(f, e) for f, e in not_exists if f not in moved_at]
        projected = _projected(proj) | {"this"}
        used = {t.text[1:] for f, e in moved for t in toks[f:e + 1] if t.kind == "var"}
        extra = sorted((used & _group_keys(tail[group_i + 1:])) - projected)
        after = proj[0] if proj and proj[0].word in ("DISTINCT", "REDUCED") else toks[sel]
        if extra:
            edits.append((after.end, after.end, "".join(f" ?{v}" for v in extra)))
        for f, e in moved:
            edits.append((toks[f].start, toks[e].end, ""))
        outer = " ".join(f"?{v}" for v in sorted(projected))
        head = focus.distinct("?this") + " " if this_outside else ""
        edits.append((toks[sel].start, toks[sel].start, f"SELECT {outer} WHERE {{ {head}{{ "))
        edits.append((len(text), len(text), "\n} " + " ".join(text[toks[f].start:toks[e].end] for f, e in moved)
                      + " }"))
    for n, (filter_i, end_i) in enumerate(not_exists):
        inner = toks[filter_i + 4:end_i]
        if not _decorrelatable(inner, toks[:filter_i] + toks[end_i + 1:], surely_bound):
            continue
        marker = f"?_pg_not_exists_{n}"
        body = text[toks[filter_i + 3].end:toks[end_i].start]
        edits.append((toks[filter_i].start, toks[end_i].end, ""))
        closing.append(f"OPTIONAL {{ {body} BIND(true AS {marker}) }} FILTER(!BOUND({marker}))")
    if closing:
        edits.append((toks[close_i].start, toks[close_i].start, " " + " ".join(closing) + " "))
    if group_i is not None:
        by = tail[group_i + 1]
        keys = []
        for t in tail[group_i + 2:]:
            if t.word in _SOLUTION_MODIFIERS:
                break
            keys.append(t)
        if not any(t.is_var("this") for t in keys) and not this_outside:
            edits.append((by.end, by.end, " ?this"))
    elif aggregates:
        edits.append((toks[close_i].end, toks[close_i].end, " GROUP BY ?this"))
    out, pos = [], 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        out += [text[pos:start], new]
        pos = end
    out.append(text[pos:])
    return "".join(out), dedup


def _this_only_grouped(toks: list[_Tok], sel: int, open_i: int, close_i: int, group_i: int) -> bool:
    """Is $this only a plain variable of the projection and a plain GROUP BY key, beside another plain
    key (so the query still groups without it)?"""
    tail = toks[close_i + 1:]
    by = tail[group_i + 1:]
    if any(t.is_var("this") for t in toks[open_i:close_i + 1]) or not (_group_keys(by) - {"this"}):
        return False
    key_end = next((i for i, t in enumerate(by) if t.word in _SOLUTION_MODIFIERS), len(by))
    depth = 0
    for t in toks[sel + 1:open_i] + by[:key_end]:
        depth += (t.text == "(") - (t.text == ")")
        if t.is_var("this") and depth:
            return False
    return not any(t.is_var("this") for t in by[key_end:]) and not any(
        t.is_var("this") for t in tail[:group_i])


def _group_keys(by: list[_Tok]) -> set[str]:
    """The plain variables of a GROUP BY clause (`by` starts at BY); expressions are left out."""
    keys, depth = set(), 0
    for t in by[1:]:
        if t.word in _SOLUTION_MODIFIERS:
            break
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.kind == "var" and depth == 0:
            keys.add(t.text[1:])
    return keys | {"this"}  # (rewrite_select adds ?this to the keys)


def _projected(proj: list[_Tok]) -> set[str]:
    """The variables a SELECT clause projects: its plain variables and the `AS ?v` of expressions."""
    out, depth = set(), 0
    for i, t in enumerate(proj):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.kind == "var" and (depth == 0 or (i > 0 and proj[i - 1].word == "AS")):
            out.add(t.text[1:])
    return out


def _filter_end(toks: list[_Tok], i: int) -> int | None:
    """The index of the last token of the FILTER at toks[i]: FILTER (...), FILTER fn(...),
    FILTER EXISTS {...} or FILTER NOT EXISTS {...}; None for anything else."""
    words = [t.word for t in toks[i + 1:i + 3]]
    if i + 1 < len(toks) and toks[i + 1].text == "(":
        j, opening = i + 1, "("
    elif words[:1] == ["EXISTS"]:
        j, opening = i + 2, "{"
    elif words[:2] == ["NOT", "EXISTS"]:
        j, opening = i + 3, "{"
    elif i + 2 < len(toks) and toks[i + 1].kind in ("word", "iri") and toks[i + 2].text == "(":
        j, opening = i + 2, "("
    else:
        return None
    if j >= len(toks) or toks[j].text != opening:
        return None
    closing = ")" if opening == "(" else "}"
    depth = 0
    for k in range(j, len(toks)):
        if toks[k].text == opening:
            depth += 1
        elif toks[k].text == closing:
            depth -= 1
            if depth == 0:
                return k
    return None


def _filters_on_keys(toks: list[_Tok], filters: list[int], by: list[_Tok] | None) -> list[tuple[int, int]]:
    """The FILTERs of the WHERE group (start, end indexes) that may be applied after GROUP BY: every
    variable they share with the rest of the query is a plain group key (so a filter keeps or drops
    whole groups). Not with $PATH, $currentShape or $shapesGraph (substituted elsewhere) in them."""
    if by is None:
        return []
    keys = _group_keys(by)
    out = []
    for f in filters:
        e = _filter_end(toks, f)
        if e is None:
            continue
        span = toks[f:e + 1]
        if any(t.kind == "var" and t.text[1:] in ("PATH", "currentShape", "shapesGraph") for t in span):
            continue
        inside = {t.text[1:] for t in span if t.kind == "var"}
        elsewhere = {t.text[1:] for t in toks[:f] + toks[e + 1:] if t.kind == "var"} | {"this"}
        if inside & elsewhere <= keys:
            out.append((f, e))
    return out


def _iri_of(tok: _Tok, prefixes: dict | None) -> str | None:
    """The IRI of an IRI or prefixed-name token (None for anything else or an unknown prefix)."""
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "word" and ":" in tok.text and prefixes is not None:
        pfx, _, local = tok.text.partition(":")
        if pfx in prefixes and "\\" not in local and not local.endswith("."):
            return prefixes[pfx] + local
    return None


def _is_type_path(toks: list[_Tok], i: int, prefixes: dict | None) -> bool:
    """Do toks[i:i+5] read `rdf:type / rdfs:subClassOf * C` (C a constant, not followed by `,`)?"""
    if i + 5 >= len(toks) or i == 0 or toks[i - 1].text in ("/", "|", "^", "("):
        return False
    first, slash, second, star, cls, after = toks[i:i + 6]
    return ((first.text == "a" or _iri_of(first, prefixes) == RDF + "type") and slash.text == "/"
            and _iri_of(second, prefixes) == RDFS + "subClassOf" and star.text == "*"
            and _iri_of(cls, prefixes) is not None and after.text not in (",", "/", "|", "*", "+", "?"))


def _decorrelatable(inner: list[_Tok], outside: list[_Tok], surely_bound: set[str]) -> bool:
    """Should `FILTER NOT EXISTS { inner }` become an OPTIONAL anti-join?

    Only a flat group (triple patterns, and filters on their own variables) that shares with the rest
    of the query only variables the WHERE group surely binds (so the OPTIONAL binds nothing the rest
    sees), made of two or more triple patterns joined by variables of their own (so that evaluated
    alone it is a join, not a cross product). A single pattern stays an EXISTS: Oxigraph looks it up
    with the bound variables.
    """
    depth, triple_vars, expr_vars = 0, set(), set()
    statements: list[list[_Tok]] = [[]]
    triples = 1
    in_filter = False
    for t in inner:
        if t.text in "{}" or t.word in ("OPTIONAL", "UNION", "GRAPH", "MINUS", "EXISTS", "SELECT", "BIND",
                                         "SERVICE", "VALUES") or t.text in ("[", "]"):
            return False
        if t.kind == "var" and t.text[1:] in ("PATH", "currentShape", "shapesGraph"):
            return False
        if t.word == "FILTER":
            in_filter = True
            continue
        if t.text == "(":
            depth += 1
            continue
        if t.text == ")":
            depth -= 1
            if depth == 0:
                in_filter = False
            continue
        if depth or in_filter:
            if t.kind == "var":
                expr_vars.add(t.text[1:])
            continue
        if t.text == ".":
            statements.append([])
        elif t.text in (";", ","):
            triples += 1
            statements[-1].append(t)
        else:
            if t.kind == "var":
                triple_vars.add(t.text[1:])
            statements[-1].append(t)
    statements = [st for st in statements if st]
    triples += len(statements) - 1
    if triples < 2 or not triple_vars or not expr_vars <= triple_vars:
        return False
    outside_vars = {t.text[1:] for t in outside if t.kind == "var"} | {"this"}
    if not (triple_vars & outside_vars) <= surely_bound:
        return False
    # connected through variables that only the group binds
    own = triple_vars - surely_bound
    groups = [{t.text[1:] for t in st if t.kind == "var"} & own for st in statements]
    if any(not g for g in groups):
        return False
    joined = set(groups[0])
    rest = groups[1:]
    while rest:
        linked = [g for g in rest if g & joined]
        if not linked:
            return False
        for g in linked:
            joined |= g
            rest.remove(g)
    return True


def _check_this_use(stack: list[dict]) -> None:
    """Raise Unsupported unless binding $this by a join at the head of WHERE equals pre-binding it.

    Safe: anywhere in the WHERE group itself; a triple pattern in nested groups, UNION branches and an
    OPTIONAL of the WHERE group; inside an EXISTS of the WHERE group, a triple pattern in it or its
    nested groups, or an expression directly in it (Oxigraph passes the current solution into an
    EXISTS, but not into the filters of groups nested in it).
    """
    chain = [g["kind"] for g in stack[1:]]
    if not chain:
        return
    in_expr = stack[-1]["parens"] > 0
    first, rest = chain[0], chain[1:]
    if all(k == "group" for k in rest):
        if not in_expr and first in ("group", "optional", "exists"):
            return
        if in_expr and first == "exists" and not rest:
            return
    raise Unsupported("$this in an expression or a pattern of a nested group, where a join does not "
                      "stand for pre-binding")


# ---------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------


class Validator:
    """Validates a dataset held in an Oxigraph store against a shapes graph."""

    def __init__(self, shapes: ShapesGraph):
        self.sg = shapes
        self.rewritten_constants = rewritten_constants(shapes.triples)

    def roots(self) -> list:
        """The shapes with targets, in a stable order."""
        roots, seen = [], set()
        for kind in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target"):
            for s in self.sg.subjects_of(sh(kind)):
                if s not in seen:
                    seen.add(s)
                    roots.append(s)
        for t in sorted({RDFS_CLASS, *self.sg.subjects(RDFS_SUBCLASS_OF, RDFS_CLASS)}, key=str):
            for s in self.sg.subjects(RDF_TYPE, t):
                custom = custom_parameters(self.sg)
                shapey = any(p.value.startswith(SH) or p in custom for p in self.sg.predicates(s)) or any(
                    o in (sh("NodeShape"), sh("PropertyShape")) for o in self.sg.objects(s, RDF_TYPE))
                if s not in seen and shapey:
                    seen.add(s)
                    roots.append(s)
        return roots

    def referenced(self, shape) -> set:
        """`shape` and every shape it uses."""
        out, todo = set(), [shape]
        while todo:
            s = todo.pop()
            if s in out:
                continue
            out.add(s)
            for p in ("property", "node", "not", "qualifiedValueShape"):
                todo += self.sg.objects(s, sh(p))
            for p in ("and", "or", "xone"):
                for lst in self.sg.objects(s, sh(p)):
                    try:
                        todo += self.sg.items(lst)
                    except Unsupported:
                        pass
        return out

    def _subclasses(self, store, query_args) -> dict:
        classes = {c for p in ("class", "targetClass") for c in self.sg.objects_of(sh(p))
                   if isinstance(c, ox.NamedNode)}
        classes |= {s for s in self.roots() if isinstance(s, ox.NamedNode) and is_implicit_class_target(self.sg, s)}
        out: dict = defaultdict(list)
        if classes:
            values = " ".join(f"<{c.value}>" for c in classes)
            q = (f"SELECT DISTINCT ?sub ?sup WHERE {{ VALUES ?sup {{ {values} }} "
                 f"?sub <{RDFS}subClassOf>* ?sup . FILTER(isIRI(?sub)) }}")
            for row in store.query(q, **query_args):
                out[row["sup"]].append(row["sub"])
        return out

    def constants(self, shape) -> list:
        """The terms a shape compares data nodes with as terms: sh:targetNode, sh:hasValue, sh:in members."""
        out = list(self.sg.objects(shape, sh("targetNode"))) + list(self.sg.objects(shape, sh("hasValue")))
        for lst in self.sg.objects(shape, sh("in")):
            try:
                out += self.sg.items(lst)
            except Unsupported:
                pass
        return out

    def touches(self, root, predicates: set) -> bool:
        """Does a shape (or one it uses) read values of one of `predicates` (IRIs)? Its paths, targets
        and sh:closed are looked at; a SPARQL constraint is taken to read a predicate whose IRI or
        local name its text holds."""
        if not predicates:
            return False
        locals_ = {re.split(r"[/#:]", p)[-1] for p in predicates}
        for shape in self.referenced(root):
            for path in self.sg.objects(shape, sh("path")):
                if predicates & path_iris(self.sg, path):
                    return True
            for kind in ("targetSubjectsOf", "targetObjectsOf"):
                if any(isinstance(t, ox.NamedNode) and t.value in predicates for t in self.sg.objects(shape, sh(kind))):
                    return True
            if self.sg.objects(shape, sh("closed")):
                return True
            for c in self.sg.objects(shape, sh("sparql")):
                text = " ".join(q.value for q in self.sg.objects(c, sh("select")) if isinstance(q, ox.Literal))
                if any(p in text for p in predicates) or any(re.search(r":" + re.escape(n) + r"\b", text) for n in locals_):
                    return True
        return False

    def validate(self, store: ox.Store, query_args: dict, fallback=None, workers: int = 1,
                 rewritten: set | None = None) -> Outcome:
        subclass_map = self._subclasses(store, query_args)
        closures: dict[str, list[str] | None] = {}

        def class_closure(iri: str) -> list[str] | None:
            """Every class C with `C rdfs:subClassOf* <iri>` in the data; None if one is a blank node
            (a query cannot name it)."""
            if iri not in closures:
                q = f"SELECT DISTINCT ?sub WHERE {{ ?sub <{RDFS}subClassOf>* <{iri}> }}"
                subs = [row["sub"] for row in store.query(q, **query_args)]
                closures[iri] = (None if any(not isinstance(c, ox.NamedNode) for c in subs)
                                 else sorted(c.value for c in subs))
            return closures[iri]

        compiler = Compiler(self.sg, lambda c: subclass_map.get(c) or [c], class_closure)
        roots = self.roots()
        checks: list[Check] = []
        unsupported: dict = {}
        for root in roots:
            try:
                checks += compiler.compile_root(root)
            except Unsupported as err:
                unsupported[root] = str(err)
                continue
            if rewritten and self.touches(root, rewritten):
                unsupported[root] = ("values of " + ", ".join(f"<{p}>" for p in sorted(rewritten)[:3])
                                     + " that the store does not hold as written")
            elif self.rewritten_constants and any(c in self.rewritten_constants for s in self.referenced(root)
                                                  for c in self.constants(s)):
                unsupported[root] = "a literal constant that Oxigraph's queries do not keep as written"
        # A targeted shape used by an unsupported one is validated by the fallback as well (pyshacl
        # runs every named shape it is given); drop our checks for it so nothing is reported twice.
        by_fallback = set(unsupported)
        for root in unsupported:
            if not isinstance(root, ox.NamedNode):
                by_fallback = set(roots)  # pyshacl cannot be given a blank-node shape: all of it
                break
            by_fallback |= {s for s in self.referenced(root) if s in set(roots)}
        checks = [c for c in checks if c.root not in by_fallback]

        results: list[Result] = []
        units, split = _merge_min_counts(checks)
        answers = run_queries(store, [u.query for u in units], query_args, workers, [u.dedup_store for u in units],
                              [u.gate for u in units], [u.focus_first for u in units])
        for check, (names, rows) in zip(checks, split(answers)):
            results += rows_to_results(check, names, rows)
        outcome = Outcome(conforms=True, shapes=self.sg, queries=len(checks))
        if unsupported:
            if fallback is None:
                raise Unsupported("; ".join(f"{show(s)}: {r}" for s, r in unsupported.items()))
            if by_fallback == set(roots) and any(not isinstance(r, ox.NamedNode) for r in unsupported):
                names = None  # everything
            else:
                names = sorted({s.value for r in by_fallback for s in self.referenced(r)
                                if isinstance(s, ox.NamedNode)})
            results += fallback(names)
            outcome.fallbacks = [(show(s), r) for s, r in unsupported.items()]
        outcome.results = results
        outcome.conforms = not results
        return outcome


def run_queries(store: ox.Store, queries: list[str], query_args: dict, workers: int = 1,
                dedup: list[bool] | None = None, gates: list[str | None] | None = None,
                focus_first: list[str | None] | None = None) -> list[tuple[list[str], list[tuple]]]:
    """Run the queries; each gives (variable names, rows as tuples).

    `gates[i]`, when given, is a query with the same variables whose rows include every row of
    queries[i] (its data side without the focus-node test, _then_member): queries[i] is run only if
    its gate has a row, and a gate is run once for all the queries that share it (up to the names of
    the compiler's own variables: several shapes check the same path the same way). When the gate has
    more than GATE_ROWS rows and `focus_first[i]` is given, that query (same rows) is run instead.
    """
    merged: list[ox.Store] = []
    gate_rows: dict[str, tuple[list[str], list[tuple]]] = {}
    gate_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
    locks_lock = threading.Lock()

    def run(query, dedup_it):
        target, args = store, query_args
        if dedup_it:
            if not merged:
                merged.append(merged_store(store, query_args))
            target, args = merged[0], {}
        solutions = target.query(query, custom_functions=CUSTOM_FUNCTIONS, **args)
        return [v.value for v in solutions.variables], [tuple(row) for row in solutions]

    def one(i_query):
        i, query = i_query
        gate = gates[i] if gates else None
        if gate is not None:
            key = _canonical_vars(gate)
            with locks_lock:
                lock = gate_locks[key]
            with lock:  # a thread needing a gate another is running waits for it (they are short)
                if key not in gate_rows:  # (whether it has rows, and more than GATE_ROWS, is all we need)
                    gate_rows[key] = run(f"{key} LIMIT {GATE_ROWS + 1}", False)
            names, rows = gate_rows[key]
            if not rows:
                return names, []
            if len(rows) > GATE_ROWS and focus_first and focus_first[i]:
                query = focus_first[i]
        return run(query, bool(dedup and dedup[i]))

    if workers <= 1:
        return [one(q) for q in enumerate(queries)]
    if dedup and any(dedup):
        merged.append(merged_store(store, query_args))
    from .queries import parallel_map

    order = _longest_first(queries, gates)
    done = dict(zip(order, parallel_map(one, [(i, queries[i]) for i in order], workers)))
    return [done[i] for i in range(len(queries))]


#: Above this many rows of a gate, the check is run focus nodes first (run_queries): pg:party has 250k
#: pairs of values on status periods, but the shape limiting it to one value targets a small class.
GATE_ROWS = 1000


def _canonical_vars(query: str) -> str:
    """`query` with the compiler's fresh variables (?_x12, ?_t3, ...) renumbered in order of first
    appearance, so that two shapes' identical checks read the same (string literals and IRIs left
    alone: an IRI may hold a "?")."""
    names: dict[str, str] = {}

    def rename(m):
        if m.group(1):
            return m.group(1)
        return names.setdefault(m.group(0), f"?_g{len(names)}")

    return re.sub(r'("(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>)|\?_[a-z]+[0-9]+\b', rename, query)


def _longest_first(queries: list[str], gates: list | None) -> list[int]:
    """The order to start the queries in: the likely long ones first, so that no thread is left
    running one alone at the end (results keep their order). Likely long (0.2-0.8 s each at 1M): SPARQL
    constraints, and a test of every focus node of a shape with many targets or of a large target
    (node-shape value checks, `BIND(?this AS ?value)`), the more target patterns the longer. A gated
    check (run_queries) usually costs its gate only, which is short."""
    def rank(i):
        q = queries[i]
        if gates and gates[i] is not None:
            return 0.0
        long = "PREFIX" in q or "SELECT DISTINCT ?this" in q or "BIND(?this AS ?value)" in q
        return (3.0 if long else 0.0) + min(q.count(" UNION "), 50) / 20

    return sorted(range(len(queries)), key=lambda i: -rank(i))


def merged_store(store: ox.Store, query_args: dict) -> ox.Store:
    """The data graph as one default graph without duplicate triples (for queries that count rows:
    a triple stated in two files appears twice in Oxigraph's union default graph, once in rdflib's)."""
    merged = ox.Store()
    graphs = query_args.get("default_graph")
    if graphs is None:
        quads = store.quads_for_pattern(None, None, None)
    else:
        quads = (q for g in graphs for q in store.quads_for_pattern(None, None, None, g))
    merged.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return merged


def rows_to_results(check: Check, names: list[str], rows: list[tuple]) -> list[Result]:
    base = dict(shape=check.shape, component=check.component, path=check.path, path_text=check.path_text,
                severity=check.severity, source_constraint=check.source_constraint)
    col = {n: i for i, n in enumerate(names)}
    if check.kind != "sparql" and check.messages:
        base["message_terms"] = check.message_terms
    out = []
    if check.kind != "sparql":
        rows = list(dict.fromkeys(rows))  # the queries do not say DISTINCT: drop repeated rows here
    if check.kind == "value":
        t, v = col["this"], col["value"]
        for row in rows:
            out.append(Result(focus=row[t], value=row[v],
                              messages=check.messages or (generic_message(check, row[v]),), **base))
    elif check.kind == "focus":
        t = col["this"]
        for row in rows:
            out.append(Result(focus=row[t], messages=check.messages or (generic_message(check, None),), **base))
    elif check.kind == "closed":
        t, p, v = col["this"], col["path"], col["value"]
        for row in rows:
            out.append(Result(focus=row[t], value=row[v],
                              messages=check.messages or (generic_message(check, row[v]),),
                              **{**base, "path": row[p], "path_text": f"<{row[p].value}>"}))
    else:
        out += _sparql_results(check, names, rows, base)
    return out


def _sparql_results(check: Check, names: list[str], rows: list[tuple], base: dict) -> list[Result]:
    """Results of a SPARQL constraint, as pyshacl builds them: ?value (else, for a node shape, the
    focus node), ?path (else the shape's path), duplicates dropped, one result per focus for ?failure."""
    out, seen, failed = [], set(), set()
    for row in rows:
        bound = {n: row[i] for i, n in enumerate(names) if row[i] is not None}
        this = bound.pop("this")
        if "failure" in bound:
            if this in failed:
                continue
            failed.add(this)
            bound.pop("failure")
            path = value = None
        else:
            path, value = bound.pop("path", None), bound.pop("value", None)
            key = (this, path, value, tuple(sorted(bound.items(), key=lambda kv: kv[0])))
            if key in seen:
                continue
            seen.add(key)
        if value is None and check.node_shape:
            value = this
        fmt = {"this": this, "path": path, "value": value, **bound}
        msgs = tuple(_format_message(m, fmt) for m in check.sparql_messages + check.messages)
        res = dict(base)
        terms = check.sparql_message_terms + check.message_terms
        if msgs and len(terms) == len(msgs):
            res["message_terms"] = tuple(ox.Literal(m, language=t.language) if t.language else ox.Literal(m)
                                         for m, t in zip(msgs, terms))
        if path is not None:
            res["path"], res["path_text"] = path, f"<{path.value}>" if isinstance(path, ox.NamedNode) else None
        out.append(Result(focus=this, value=value, messages=msgs or (generic_message(check, value),), **res))
    return out


def _format_message(msg: str, bound: dict) -> str:
    """{?var} and {$var} replaced by the value's string (an IRI without brackets, a literal's text)."""
    for var, val in bound.items():
        if val is not None:
            msg = re.sub("{[?$]" + re.escape(var) + "}", lambda _m, t=val.value: t, msg)
    return msg


def generic_message(check: Check, value) -> str:
    """A message for a result of a shape without sh:message (pyshacl's own wording is not copied)."""
    name = check.component[len(SH):].replace("ConstraintComponent", "")
    return f"{name} constraint not met" + (f" by value {show(value)}" if value is not None else "")


# ---------------------------------------------------------------------------------------------------
# Entry point and report graph
# ---------------------------------------------------------------------------------------------------


def default_workers() -> int:
    """Threads for the queries: pyoxigraph releases the GIL while it evaluates a query, so two
    threads on two cores ran the 1M-triple checks 1.6-2x faster (docs/validation.md)."""
    import os

    return max(1, min(4, os.cpu_count() or 1))


def rewritten_constants(triples) -> set:
    """The typed literals of the shapes graph that Oxigraph would not keep as written in a query
    ("4.0"^^xsd:decimal becomes "4"): a shape holding one (sh:targetNode, sh:in, ...) is not compiled."""
    literals = {t.object for t in triples if isinstance(t.object, ox.Literal) and not t.object.language
                and t.object.datatype.value != XSD + "string"}
    if not literals:
        return set()
    probe, subject = ox.Store(), {}
    for i, lit in enumerate(literals):
        node = ox.NamedNode(f"urn:probe:{i}")
        subject[node] = lit
        probe.add(ox.Quad(node, RDF_FIRST, lit))
    return {subject[q.subject] for q in probe.quads_for_pattern(None, RDF_FIRST, None) if q.object != subject[q.subject]}


def path_iris(sg: ShapesGraph, path) -> set:
    """The predicate IRIs a property path follows."""
    if isinstance(path, ox.NamedNode):
        return {path.value}
    out, todo, seen = set(), [path], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, objs in sg.spo.get(n, {}).items():
            for o in objs:
                if isinstance(o, ox.NamedNode) and o != RDF_NIL and p != RDF_TYPE:
                    out.add(o.value)
                elif isinstance(o, ox.BlankNode):
                    todo.append(o)
    return out


def validate(store: ox.Store, shapes: ShapesGraph, *, graphs: list | None = None, fallback=None,
             workers: int | None = None, rewritten: set | None = None) -> Outcome:
    """Validate the union of all graphs of `store` (or of the named `graphs`) against `shapes`.

    `fallback(shape_iris)` validates the given named shapes (None: all of them) with another engine
    and returns their Results; without one, an unsupported construct raises Unsupported. `workers`:
    threads running the queries (default: default_workers()). `rewritten`: predicates (IRIs) some of
    whose literal values the store does not hold as written; a shape reading them goes to the fallback.
    """
    workers = default_workers() if workers is None else workers
    query_args = {"default_graph": graphs} if graphs is not None else {"use_default_graph_as_union": True}
    return Validator(shapes).validate(store, query_args, fallback=fallback, workers=workers, rewritten=rewritten)


def report_triples(outcome: Outcome) -> list[ox.Triple]:
    """The SHACL validation report of one run (an sh:ValidationReport and its sh:result nodes)."""
    report = ox.BlankNode()
    triples = [ox.Triple(report, RDF_TYPE, sh("ValidationReport")),
               ox.Triple(report, sh("conforms"), ox.Literal("true" if outcome.conforms else "false",
                                                            datatype=XSD_BOOLEAN))]
    copied = set()
    for r in outcome.results:
        node = ox.BlankNode()
        triples += [ox.Triple(report, sh("result"), node), ox.Triple(node, RDF_TYPE, sh("ValidationResult")),
                    ox.Triple(node, sh("focusNode"), r.focus),
                    ox.Triple(node, sh("resultSeverity"), ox.NamedNode(r.severity)),
                    ox.Triple(node, sh("sourceConstraintComponent"), ox.NamedNode(r.component)),
                    ox.Triple(node, sh("sourceShape"), r.shape)]
        if r.value is not None:
            triples.append(ox.Triple(node, sh("value"), r.value))
        if r.path is not None:
            triples.append(ox.Triple(node, sh("resultPath"), r.path))
        if r.source_constraint is not None:
            triples.append(ox.Triple(node, sh("sourceConstraint"), r.source_constraint))
        triples += [ox.Triple(node, sh("resultMessage"), m) for m in r.message_terms or map(ox.Literal, r.messages)]
        for described in (r.shape, r.path, r.source_constraint):
            if isinstance(described, ox.BlankNode) and described not in copied and outcome.shapes is not None:
                copied.add(described)
                triples += outcome.shapes.closure(described)
    return triples
