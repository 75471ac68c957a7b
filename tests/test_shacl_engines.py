"""The Oxigraph SHACL engine gives the results pyshacl (the reference) gives.

Every fixture of tests/fixtures/{valid,invalid} is validated by both engines with the context every
fixture is checked with (ontology + data/sources.ttl + data/concepts.ttl, as in test_shapes.py), and so
is the real dataset (with the ontology shapes), and the real dataset with every invalid fixture added.
The verdicts and the sets of (focus node, path, value, source shape) must be equal; a result of a
blank-node property shape counts as its named parent shape (validate.named_shape), and a complex path is
compared as its SPARQL text.

The reference is pyshacl-turbo (docs/decisions.md D11: pyshacl's API and results, a Rust engine, 15-45x
faster here); that it gives pyshacl's own results is checked on the real data with every fault.

The second half checks that the default path never passes what it does not evaluate: custom SPARQL-based
constraint components (alone or inside sh:and/sh:or/sh:not/sh:xone), SHACL-AF, SHACL-JS, literals the
store does not hold as written, and shapes the reference cannot run either.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT
from pactgraph import shacl_oxigraph as shacl
from pactgraph.errors import InputError
from pactgraph.namespaces import graph_iri
from pactgraph.sources import SourceFile, load_store, parse_file, source_files
from pactgraph.validate import validate_store

SHAPES = [ROOT / "ontology" / "shapes.ttl"]
ONTOLOGY_FILES = [ROOT / "ontology" / "pactgraph.ttl", ROOT / "ontology" / "alignments.ttl"]
CONTEXT_DATA_FILES = [ROOT / "data" / "sources.ttl", ROOT / "data" / "concepts.ttl"]
FIXTURES = ROOT / "tests" / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
ALL = VALID + INVALID
PGSH = "https://w3id.org/pactgraph/shapes/"


def expects_parse_error(path: Path) -> bool:
    return path.read_text(encoding="utf-8").startswith("# expect: parse-error")


def fixture_files(*extra: Path) -> list[SourceFile]:
    files = [SourceFile(p, graph_iri("ontology", p.stem), "ontology") for p in ONTOLOGY_FILES if p.is_file()]
    files += [SourceFile(p, graph_iri("data", p.stem), "data") for p in [*CONTEXT_DATA_FILES, *extra]]
    return files


def keys(report) -> set[tuple]:
    return {(v.focus, v.path, v.value, v.shape) for v in report.violations}


def messages(report) -> list[tuple]:
    return sorted(((v.focus, v.path, v.value, v.shape, v.message) for v in report.violations),
                  key=lambda m: tuple(x or "" for x in m))


def sparql_shapes() -> set[str]:
    """Named shapes holding a SPARQL constraint (their messages may use SAMPLE: not compared)."""
    from pactgraph.validate import shapes_graph

    sg = shapes_graph(SHAPES)
    return {"pgsh:" + s.value[len(PGSH):] for s in sg.subjects_of(shacl.sh("sparql"))
            if isinstance(s, ox.NamedNode) and s.value.startswith(PGSH)}


REFERENCE = "pyshacl-turbo"


def compare(store, files, shapes=SHAPES, ontology_shapes=(), reference=REFERENCE):
    ref = validate_store(store, files, shapes, list(ontology_shapes), ROOT, engine=reference)
    fast = validate_store(store, files, shapes, list(ontology_shapes), ROOT, engine="oxigraph")
    assert fast.fallbacks == [], fast.fallbacks
    assert fast.conforms == ref.conforms, f"verdicts differ:\npyshacl:\n{ref.text()}\noxigraph:\n{fast.text()}"
    only_ref, only_fast = keys(ref) - keys(fast), keys(fast) - keys(ref)
    assert not only_ref and not only_fast, (
        "results differ\nonly pyshacl:\n  " + "\n  ".join(map(str, sorted(only_ref)))
        + "\nonly oxigraph:\n  " + "\n  ".join(map(str, sorted(only_fast))))
    skip = sparql_shapes()
    assert [m for m in messages(ref) if m[3] not in skip] == [m for m in messages(fast) if m[3] not in skip]
    return ref, fast


# --- fixtures -----------------------------------------------------------------------------------


def test_fixture_lists_are_not_empty():
    assert VALID and INVALID
    assert len(ALL) > 100


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_engines_agree_on_fixture(path):
    if expects_parse_error(path):
        # Neither engine ever sees such a file: the loader rejects it first.
        with pytest.raises(InputError):
            parse_file(path)
        return
    files = fixture_files(path)
    compare(load_store(files), files)


def test_engines_agree_on_the_real_data(project, store):
    files = source_files(project)
    compare(store, files, project.shapes_files(), project.ontology_shapes_files())


def test_engines_agree_on_the_real_data_with_every_fault(project):
    """The real data with every invalid fixture added: hundreds of results, all equal."""
    extra = [p for p in INVALID if not expects_parse_error(p)]
    files = source_files(project) + [SourceFile(p, graph_iri("data", "fixture-" + p.stem), "data") for p in extra]
    ref, fast = compare(load_store(files), files, project.shapes_files(), project.ontology_shapes_files())
    assert len(fast.violations) > len(extra)


def test_turbo_reference_gives_pyshacls_results(project):
    """pyshacl-turbo stands in for pyshacl: on the real data with every invalid fixture added (every
    shape fires), its verdict, results and messages are pyshacl's."""
    extra = [p for p in INVALID if not expects_parse_error(p)]
    files = source_files(project) + [SourceFile(p, graph_iri("data", "fixture-" + p.stem), "data") for p in extra]
    store = load_store(files)
    args = (store, files, project.shapes_files(), project.ontology_shapes_files(), ROOT)
    turbo, ref = validate_store(*args, engine="pyshacl-turbo"), validate_store(*args, engine="pyshacl")
    assert turbo.conforms == ref.conforms
    assert keys(turbo) == keys(ref) and len(keys(ref)) > len(extra)
    skip = sparql_shapes()
    assert [m for m in messages(turbo) if m[3] not in skip] == [m for m in messages(ref) if m[3] not in skip]


# --- what the fast engine reports on key fixtures -------------------------------------------------


def fast_report(name: str):
    files = fixture_files(FIXTURES / "invalid" / name)
    return validate_store(load_store(files), files, SHAPES, [], ROOT, engine="oxigraph")


@pytest.mark.parametrize("name,shape,value", [
    ("date-ill-formed.ttl", "pgsh:DateValue-date", '"2024-13-45"^^<http://www.w3.org/2001/XMLSchema#date>'),
    ("startdate-month-13.ttl", "pgsh:DateValue-startDate", None),
    ("officeterm-end-before-start.ttl", "pgsh:EndNotBeforeStartShape", None),
    ("undeclared-property.ttl", "pgsh:DeclaredVocabularyShape", "pg:officalName"),
    ("label-two-en.ttl", "pgsh:LabelUniqueLangShape", None),
    ("label-missing-en.ttl", "pgsh:EnglishLabelShape", None),
    ("actor-not-party.ttl", "pgsh:ActorIsPartyShape", None),
    ("confidence-outside-scheme.ttl", "pgsh:ConfidenceValueShape", None),
    ("intention-act-type-not-act.ttl", "pgsh:IntentionShape", None),
])
def test_fast_engine_reports_the_expected_shape(name, shape, value):
    report = fast_report(name)
    assert not report.conforms
    assert {v.shape for v in report.violations} == {shape}, report.text()
    if value is not None:
        assert value in {v.value for v in report.violations}, report.text()


def test_ill_formed_date_is_caught_by_the_cast_not_only_the_pattern():
    """"2024-02-30" matches the date pattern of pgsh:DateValue-date: only the datatype check rejects it."""
    store = ox.Store()
    s, p = ox.NamedNode("https://w3id.org/pactgraph/id/act/x"), ox.NamedNode("https://w3id.org/pactgraph/ontology/date")
    for lex in ("2024-02-30", "2024-02-29"):
        store.add(ox.Quad(s, p, ox.Literal(lex, datatype=ox.NamedNode(shacl.XSD + "date")), ox.NamedNode("urn:g")))
    sg = shacl.ShapesGraph(ox.parse(f"""
        @prefix sh: <{shacl.SH}> . @prefix xsd: <{shacl.XSD}> .
        <urn:S> sh:targetSubjectsOf <https://w3id.org/pactgraph/ontology/date> ;
            sh:property [ sh:path <https://w3id.org/pactgraph/ontology/date> ; sh:datatype xsd:date ] .
        """, format=ox.RdfFormat.TURTLE))
    outcome = shacl.validate(store, sg)
    assert [r.value.value for r in outcome.results] == ["2024-02-30"]


# --- datatype parity with rdflib on unusual lexical forms ------------------------------------------

LEXICAL_FORMS = {
    "date": ["2024-05-01", "2024-13-45", "2024-02-30", "2024-5-1", "20240501", "2024-05-01Z", "2024-05-01+09:00",
             "-0044-03-15", "0000-01-01", "12024-05-01", " 2024-05-01", "2024-05-01T00:00:00", "2024-W01-1"],
    "dateTime": ["2024-04-29T10:00:00+09:00", "2024-04-29T10:00", "2024-04-29T10:00:00", "2024-04-29 10:00:00",
                 "2024-04-29T25:00:00Z", "2024-04-29T10:00:00.5Z", "20240429T100000Z", "2024-04-29T10:00:00+15:00"],
    "integer": ["1", "01", "+1", "-0", "1_000", " 1", "1.0", "abc", ""],
    "decimal": ["1.5", "1.", ".5", "abc", "1e3"],
    "double": ["1e3", "INF", "-INF", "NaN", "1.5", "abc"],
    "boolean": ["true", "1", "TRUE", "yes", "0"],
    "gYear": ["2024", "0999", "abcd"],
    "anyURI": ["http://x", "not a uri"],
    "string": ["x", ""],
    "time": ["10:00:00", "25:00:00", "10:00"],
    "int": ["1", "99999999999"],
}


@pytest.fixture
def rdflib_default_conversions(monkeypatch):
    """rdflib's own lexical conversions, as a plain pyshacl run (no inference) uses them: owlrl, which
    pyshacl runs for inference in other tests, replaces them process-wide (use_Alt_lexical_conversions)
    and would change this test's reference answer (e.g. "abcd"^^xsd:gYear) with the test order."""
    from rdflib import term

    mapping = dict(term._toPythonMapping)
    try:
        from owlrl.DatatypeHandling import AltXSDToPYTHON
    except ImportError:
        AltXSDToPYTHON = {}
    for dt in AltXSDToPYTHON:
        if dt in term.XSDToPython:
            mapping[dt] = term.XSDToPython[dt]
        else:
            mapping.pop(dt, None)
    monkeypatch.setattr(term, "_toPythonMapping", mapping)


@pytest.mark.parametrize("dt", sorted(LEXICAL_FORMS))
def test_datatype_check_matches_pyshacl_on_unusual_lexical_forms(dt, rdflib_default_conversions):
    import rdflib
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

    datatype = shacl.XSD + dt
    store = ox.Store()
    subject = {}
    for i, lex in enumerate(LEXICAL_FORMS[dt]):
        s = ox.NamedNode(f"urn:s{i}")
        store.add(ox.Quad(s, ox.NamedNode("urn:p"), ox.Literal(lex, datatype=ox.NamedNode(datatype)), ox.NamedNode("urn:g")))
        subject[s.value] = lex
    sg = shacl.ShapesGraph(ox.parse(f"""
        @prefix sh: <{shacl.SH}> .
        <urn:S> sh:targetSubjectsOf <urn:p> ; sh:property [ sh:path <urn:p> ; sh:datatype <{datatype}> ] .
        """, format=ox.RdfFormat.TURTLE))
    rejected = {subject[r.focus.value] for r in shacl.validate(store, sg).results}
    # pyshacl's own judgement, on the lexical form Oxigraph stores (what to_rdflib hands it)
    expected = set()
    for s, lex in subject.items():
        # (Oxigraph stores a valid "1"^^xsd:int as xsd:integer: both engines then see xsd:integer)
        stored = next(store.quads_for_pattern(ox.NamedNode(s), None, None)).object
        lit = rdflib.Literal(stored.value, datatype=rdflib.URIRef(stored.datatype.value))
        ok = lit.datatype == rdflib.URIRef(datatype) and lit.ill_typed is not True and \
            DatatypeConstraintComponent._assert_actual_datatype(None, lit, rdflib.URIRef(datatype))
        if not ok:
            expected.add(lex)
    assert rejected == expected


# --- the compiler's pieces --------------------------------------------------------------------------


def test_python_dollar_also_matches_before_a_final_newline():
    assert shacl.python_regex_to_sparql("^[A-Z]{2}$", multiline=False) == "^[A-Z]{2}(?:\\n?$)"
    assert shacl.python_regex_to_sparql("^[$]\\$", multiline=False) == "^[$]\\$"
    assert shacl.python_regex_to_sparql("a$", multiline=True) == "a$"


def test_select_is_rewritten_for_all_focus_nodes():
    query, dedup = shacl.rewrite_select(
        "SELECT $this ?value WHERE { $this <urn:p> ?value . FILTER NOT EXISTS { $this <urn:q> ?value } }",
        lambda var: f"{{ FOCUS {var} }}", None)
    assert query.index("{ FOCUS ?this }") < query.index("$this <urn:p>")
    assert not dedup
    query, _ = shacl.rewrite_select("SELECT ?value (SAMPLE(?s) AS ?x) WHERE { ?s ?value ?o } GROUP BY ?value",
                                    lambda var: "{}", None)
    assert re.search(r"SELECT \?this \?value", query) and re.search(r"GROUP BY \?this \?value", query)
    _, dedup = shacl.rewrite_select("SELECT $this (COUNT(?o) AS ?n) WHERE { $this ?p ?o } HAVING (COUNT(?o) > 1)",
                                    lambda var: "{}", None)
    assert dedup  # counting rows: run on a graph without duplicate triples


def test_type_path_becomes_a_values_join_with_the_same_rows():
    """`?x rdf:type/rdfs:subClassOf* C` in the WHERE group becomes `?x rdf:type ?c` + VALUES of C's
    subclasses; not inside EXISTS, not before `,`, not when a subclass is a blank node."""
    store = ox.Store()
    store.add_graph(ox.NamedNode("urn:g"))
    data = """<urn:C2> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <urn:C> .
        <urn:a> a <urn:C> ; <urn:p> <urn:x> .  <urn:b> a <urn:C2> , <urn:C> ; <urn:p> <urn:x> .
        <urn:c> a <urn:D> ; <urn:p> <urn:x> .  <urn:t> <urn:p> <urn:x> ."""
    store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g"))
    prefixes = {"rdf": shacl.RDF, "rdfs": shacl.RDFS}
    select = ("SELECT $this ?value WHERE { $this <urn:p> ?o . ?value rdf:type/rdfs:subClassOf* <urn:C> ; "
              "<urn:p> ?o . FILTER NOT EXISTS { ?value a/rdfs:subClassOf* <urn:D> } }")
    focus = shacl.Focus(flat=lambda var: f"{{ VALUES {var} {{ <urn:t> }} }}")
    closure = {"urn:C": ["urn:C", "urn:C2"], "urn:D": ["urn:D"]}
    plain, _ = shacl.rewrite_select(select, focus, None)
    fast, _ = shacl.rewrite_select(select, focus, None, None, prefixes, closure.get)
    assert "VALUES ?_pg_class_0 { <urn:C> <urn:C2> }" in fast and "a/rdfs:subClassOf* <urn:D>" in fast
    args = {"use_default_graph_as_union": True}
    rows = [sorted(tuple(r) for r in store.query("PREFIX rdf: <%s>\nPREFIX rdfs: <%s>\n%s" % (shacl.RDF, shacl.RDFS, q),
                                                  **args)) for q in (plain, fast)]
    assert rows[0] == rows[1] and len(rows[0]) == 3  # <urn:b> twice: once per type, as the path gives
    unchanged, _ = shacl.rewrite_select(select, focus, None, None, prefixes, lambda iri: None)
    assert unchanged == plain  # a blank-node subclass: the path stays
    listed = "SELECT $this WHERE { $this rdf:type/rdfs:subClassOf* <urn:C> , <urn:D> }"
    assert shacl.rewrite_select(listed, focus, None, None, prefixes, closure.get) == \
        shacl.rewrite_select(listed, focus, None)


@pytest.mark.parametrize("select", [
    "SELECT $this WHERE { { ?s ?p ?o . FILTER(?o = $this) } UNION { ?s ?p ?o } }",  # expression in a nested group
    "SELECT $this WHERE { ?s ?p ?o . FILTER EXISTS { ?a ?b ?c { FILTER(?c = $this) } } }",
    "SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }",  # sub-select
    "SELECT $this WHERE { $this ?p ?o } LIMIT 1",
    "SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }",
    "SELECT $this WHERE { $this $shapesGraph ?o }",
])
def test_unsafe_selects_are_detected(select):
    with pytest.raises(shacl.Unsupported):
        shacl.rewrite_select(select, lambda var: "{}", None)


def test_unsupported_constraint_falls_back_to_pyshacl(caplog, tmp_path):
    """sh:equals is not compiled: the shape is validated by pyshacl, with a warning, and still fails;
    the other shapes stay with the oxigraph engine."""
    store = ox.Store()
    a = ox.NamedNode("https://w3id.org/pactgraph/id/place/xx")
    g = ox.NamedNode(graph_iri("data", "x"))
    store.add(ox.Quad(a, ox.NamedNode("urn:p"), ox.Literal("1"), g))
    store.add(ox.Quad(a, ox.NamedNode("urn:q"), ox.Literal("2"), g))
    text = f"""@prefix sh: <{shacl.SH}> .
        <{PGSH}EqualsShape> a sh:NodeShape ; sh:targetSubjectsOf <urn:p> ;
            sh:property [ sh:path <urn:p> ; sh:equals <urn:q> ; sh:message "p and q differ" ] .
        <{PGSH}CountShape> a sh:NodeShape ; sh:targetSubjectsOf <urn:p> ;
            sh:property [ sh:path <urn:q> ; sh:minCount 2 ; sh:message "two q" ] ."""
    path = tmp_path / "shapes.ttl"
    path.write_text(text, encoding="utf-8")
    ref = validate_store(store, [], [path], [], ROOT, engine="pyshacl")
    with caplog.at_level("WARNING"):
        fast = validate_store(store, [], [path], [], ROOT, engine="oxigraph")
    assert [s for s, _ in fast.fallbacks] == [f"<{PGSH}EqualsShape>"]
    assert "sh:equals" in caplog.text
    assert keys(fast) == keys(ref) and {v.shape for v in fast.violations} == {"pgsh:EqualsShape", "pgsh:CountShape"}


def test_fast_path_imports_neither_rdflib_nor_pyshacl():
    code = (
        "import sys; from pathlib import Path;"
        "from pactgraph.project import Project; from pactgraph.sources import load_store, source_files;"
        "from pactgraph.validate import validate_store;"
        f"p = Project(Path({str(ROOT)!r})); files = source_files(p); store = load_store(files);"
        "r = validate_store(store, files, p.shapes_files(), p.ontology_shapes_files(), p.root);"
        "r.graph.serialize(format='nt', encoding='utf-8');"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyshacl'));"
        "assert not bad, bad"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr


# --- constructs the project's shapes do not use yet: both engines agree on small cases ----------------

CONSTRUCT_CASES = {
    "languageIn with subtags": (
        "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:languageIn ( \"en\" \"pt-BR\" ) ] .",
        'ex:a ex:p "x"@en , "y"@en-GB , "z"@pt-br , "w"@pt , "v"@fr , "u" , ex:b .'),
    "in, hasValue, minLength, maxLength": (
        "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:in ( ex:b 1 \"two\" ) ; "
        "sh:minLength 2 ; sh:maxLength 3 ] , [ sh:path ex:q ; sh:hasValue ex:b ] .",
        'ex:a ex:p ex:b , 1 , "two" , "three" , 2 ; ex:q ex:c . ex:d ex:p "two" ; ex:q ex:b .'),
    "min/max inclusive and exclusive": (
        "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:minInclusive 1 ; "
        "sh:maxExclusive 10 ] , [ sh:path ex:q ; sh:minExclusive \"b\" ; sh:maxInclusive \"d\" ] .",
        'ex:a ex:p 0 , 1 , 9.5 , 10 , "5" , ex:b ; ex:q "a" , "b" , "c" , "d" , "e" , 3 .'),
    "xone, and, not, node": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:xone ( [ sh:class ex:D ] [ sh:class ex:E ] ) ; "
        "sh:property [ sh:path ex:p ; sh:node ex:N ] , [ sh:path ex:q ; sh:and ( [ sh:nodeKind sh:IRI ] "
        "[ sh:not [ sh:hasValue ex:z ] ] ) ] . "
        "ex:N a sh:NodeShape ; sh:property [ sh:path ex:r ; sh:minCount 1 ; sh:maxCount 1 ] .",
        "ex:a a ex:C , ex:D ; ex:p ex:n1 , ex:n2 ; ex:q ex:z , ex:y , \"lit\" . ex:b a ex:C , ex:D , ex:E . "
        "ex:c a ex:C . ex:n1 ex:r 1 . ex:n2 ex:r 1 , 2 ."),
    "closed with ignored properties": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ; "
        "sh:property [ sh:path ex:p ] .",
        "ex:a a ex:C ; ex:p 1 ; ex:q 2 . ex:b a ex:C ; ex:p 3 ."),
    "inverse, alternative, sequence and one-or-more paths": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        "sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ; sh:class ex:D ] , "
        "[ sh:path [ sh:alternativePath ( ex:q ex:r ) ] ; sh:maxCount 1 ] , "
        "[ sh:path ( ex:q [ sh:oneOrMorePath ex:s ] ) ; sh:datatype xsd:integer ] .",
        "ex:a a ex:C . ex:x ex:p ex:a . ex:b a ex:C ; ex:q ex:m ; ex:r ex:n . ex:y a ex:D ; ex:p ex:b . "
        "ex:m ex:s ex:m2 . ex:m2 ex:s \"3\"^^xsd:integer , \"x\" ."),
    "qualified counts and uniqueLang": (
        "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:uniqueLang true ; "
        "sh:qualifiedValueShape [ sh:datatype rdf:langString ] ; sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 3 ] .",
        'ex:a ex:p "a"@en , "b"@EN , "c"@fr . ex:b ex:p "a"@en , "x" . ex:c ex:p "1"@de , "2"@es , "3"@it , "4"@nl .'),
    "property shapes of a property shape, severity, targetObjectsOf": (
        "ex:S a sh:NodeShape ; sh:targetObjectsOf ex:p ; sh:property [ sh:path ex:q ; sh:severity sh:Warning ; "
        "sh:property [ sh:path ex:r ; sh:minCount 1 ; sh:message \"needs r\"@en ] ] .",
        "ex:a ex:p ex:b . ex:b ex:q ex:c , ex:d . ex:c ex:r 1 ."),
    "SPARQL constraint with $PATH, ?path and GROUP BY": (
        "ex:S a sh:PropertyShape ; sh:targetSubjectsOf ex:p ; sh:path ex:p ; sh:sparql [ sh:message \"{?n} values of {$PATH}\" ; "
        "sh:select \"SELECT $this (COUNT(DISTINCT ?v) AS ?n) WHERE { $this $PATH ?v } GROUP BY $this HAVING (COUNT(DISTINCT ?v) > 1)\" ] .",
        "ex:a ex:p 1 , 2 . ex:b ex:p 1 ."),
}

PREAMBLE = f"""@prefix sh: <{shacl.SH}> . @prefix ex: <http://example.org/> .
@prefix rdf: <{shacl.RDF}> . @prefix xsd: <{shacl.XSD}> .
"""


@pytest.mark.parametrize("name", sorted(CONSTRUCT_CASES))
def test_engines_agree_on_constructs(name, tmp_path):
    shapes_ttl, data_ttl = CONSTRUCT_CASES[name]
    (tmp_path / "shapes.ttl").write_text(PREAMBLE + shapes_ttl, encoding="utf-8")
    (tmp_path / "data.ttl").write_text(PREAMBLE + data_ttl, encoding="utf-8")
    files = [SourceFile(tmp_path / "data.ttl", graph_iri("data", "data"), "data")]
    store = load_store(files)
    ref = validate_store(store, files, [tmp_path / "shapes.ttl"], [], tmp_path, engine="pyshacl")
    fast = validate_store(store, files, [tmp_path / "shapes.ttl"], [], tmp_path, engine="oxigraph")
    assert fast.fallbacks == []
    assert not ref.conforms, "each case is meant to fail somewhere"
    assert keys(fast) == keys(ref), f"\npyshacl:\n{ref.text()}\noxigraph:\n{fast.text()}"
    assert sorted((v.severity for v in fast.violations)) == sorted((v.severity for v in ref.violations))


def test_counting_query_sees_a_triple_stated_twice_once(tmp_path):
    """A triple in two files is one triple of the data graph (pyshacl's merged rdflib graph), though
    Oxigraph's union default graph returns it once per graph: a COUNT without DISTINCT runs on a copy
    of the data graph without duplicates."""
    shapes = ("ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:message \"{?n} p\" ; sh:select "
              "\"SELECT $this (COUNT(?v) AS ?n) WHERE { $this ex:p ?v } GROUP BY $this HAVING (COUNT(?v) = 1)\" ; "
              "sh:prefixes [ sh:declare [ sh:prefix \"ex\" ; sh:namespace \"http://example.org/\" ] ] ] .")
    (tmp_path / "shapes.ttl").write_text(PREAMBLE + shapes, encoding="utf-8")
    (tmp_path / "one.ttl").write_text(PREAMBLE + "ex:a ex:p 1 . ex:b ex:p 1 , 2 .", encoding="utf-8")
    (tmp_path / "two.ttl").write_text(PREAMBLE + "ex:a ex:p 1 .", encoding="utf-8")
    files = [SourceFile(tmp_path / f"{n}.ttl", graph_iri("data", n), "data") for n in ("one", "two")]
    store = load_store(files)
    ref = validate_store(store, files, [tmp_path / "shapes.ttl"], [], tmp_path, engine="pyshacl")
    fast = validate_store(store, files, [tmp_path / "shapes.ttl"], [], tmp_path, engine="oxigraph")
    assert keys(fast) == keys(ref) == {("<http://example.org/a>", None, "<http://example.org/a>", "<http://example.org/S>")}
    assert [v.message for v in fast.violations] == ["1 p"]


# --- nothing passes unevaluated -------------------------------------------------------------------------

COMPONENT = """
ex:HasLang a sh:ConstraintComponent ;
    sh:parameter [ sh:path ex:lang ] ;
    sh:propertyValidator [ a sh:SPARQLSelectValidator ; sh:message "value without language {$lang}" ;
        sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER (!isLiteral(?value) || !langMatches(lang(?value), $lang)) }" ] .
"""
USES = {
    "alone": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; ex:lang \"en\" ] .",
    "inside sh:and": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:and ( [ sh:property [ sh:path ex:p ; ex:lang \"en\" ] ] ) .",
    "inside sh:or": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:or ( [ sh:property [ sh:path ex:p ; ex:lang \"en\" ] ] [ sh:hasValue ex:none ] ) .",
    "inside sh:not": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:not [ sh:property [ sh:path ex:p ; ex:lang \"de\" ] ] .",
    "inside sh:xone": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:xone ( [ sh:property [ sh:path ex:p ; ex:lang \"en\" ] ] [ sh:hasValue ex:none ] ) .",
}


def _case(tmp_path, shapes_ttl: str, data_ttl: str):
    (tmp_path / "shapes.ttl").write_text(PREAMBLE + shapes_ttl, encoding="utf-8")
    (tmp_path / "data.ttl").write_text(PREAMBLE + data_ttl, encoding="utf-8")
    files = [SourceFile(tmp_path / "data.ttl", graph_iri("data", "data"), "data")]
    return load_store(files), files, [tmp_path / "shapes.ttl"]


@pytest.mark.parametrize("use", sorted(USES))
def test_custom_constraint_component_is_evaluated(use, tmp_path, caplog):
    """A SPARQL-based constraint component the engine does not compile goes to the reference, which
    finds the violation (it used to be reported as conforming, with no warning)."""
    store, files, shapes = _case(tmp_path, COMPONENT + USES[use], 'ex:a ex:p "hello"@de . ex:b ex:p "hi"@en .')
    with caplog.at_level("WARNING"):
        fast = validate_store(store, files, shapes, [], tmp_path)
    ref = validate_store(store, files, shapes, [], tmp_path, engine=REFERENCE)
    assert not fast.conforms and not ref.conforms
    assert {v.focus for v in fast.violations} == {"<http://example.org/a>"}
    assert keys(fast) == keys(ref)
    assert [s for s, _ in fast.fallbacks] == ["<http://example.org/S>"]
    assert "custom constraint component" in fast.fallbacks[0][1] and "custom constraint component" in caplog.text


def test_shacl_af_goes_to_the_reference_with_advanced_features_on(tmp_path):
    """A custom SPARQL target (SHACL-AF) selects ex:a; with advanced features off it would select
    nothing and the data would "conform"."""
    shapes = ('ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this <http://example.org/p> ?x }" ] ; '
              'sh:property [ sh:path ex:q ; sh:minCount 1 ] .')
    store, files, paths = _case(tmp_path, shapes, "ex:a ex:p 1 . ex:b ex:q 1 .")
    fast = validate_store(store, files, paths, [], tmp_path)
    assert not fast.conforms
    assert {v.focus for v in fast.violations} == {"<http://example.org/a>"}
    assert fast.fallbacks == [("(all shapes)", "SHACL-AF (sh:SPARQLTarget, sh:target)")]
    rules = 'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:q ; sh:object 1 ] .'
    store, files, paths = _case(tmp_path, rules, "ex:a a ex:C .")
    assert validate_store(store, files, paths, [], tmp_path).fallbacks[0][0] == "(all shapes)"


def test_shacl_js_stops_the_run_with_one_line(tmp_path):
    from pactgraph.validate import ShaclError

    shapes = ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:js [ a sh:JSConstraint ; '
              'sh:jsFunctionName "f" ; sh:jsLibrary [ sh:jsLibraryURL "http://example.org/f.js"^^xsd:anyURI ] ] .')
    store, files, paths = _case(tmp_path, shapes, "ex:a ex:p 1 .")
    for engine in ("oxigraph", "pyshacl"):
        with pytest.raises(ShaclError) as err:
            validate_store(store, files, paths, [], tmp_path, engine=engine)
        assert "SHACL-JS" in str(err.value) and "\n" not in str(err.value)
    assert issubclass(ShaclError, InputError)  # the CLI's exit 2, one line, no traceback


def test_a_shape_no_validator_can_run_stops_the_run(tmp_path):
    """VALUES is forbidden in a SPARQL constraint: the engine hands the shape on, the reference
    refuses it, and the run stops (it never reports the shape as validated)."""
    from pactgraph.validate import ShaclError

    shapes = ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select '
              '"SELECT $this WHERE { $this <http://example.org/p> ?v . VALUES ?v { 1 } }" ] .')
    store, files, paths = _case(tmp_path, shapes, "ex:a ex:p 1 .")
    with pytest.raises(ShaclError) as err:
        validate_store(store, files, paths, [], tmp_path)
    assert "VALUES" in str(err.value) and "\n" not in str(err.value)


def test_literals_are_judged_as_written(tmp_path):
    """Oxigraph stores "5"^^xsd:int as xsd:integer and "4.0"^^xsd:decimal as "4": shapes reading such
    values go to the reference, fed the source text, and results carry the literal as written."""
    shapes = ("ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:datatype xsd:int ] , "
              "[ sh:path ex:q ; sh:maxLength 1 ] , [ sh:path ex:r ; sh:minCount 1 ] .")
    _, files, paths = _case(tmp_path, shapes, "")
    (tmp_path / "data.ttl").write_text(PREAMBLE + 'ex:a ex:p "5"^^xsd:int ; ex:q "4.0"^^xsd:decimal .', encoding="utf-8")
    store = ox.Store()  # loaded as Oxigraph loads it (the build's loader refuses such literals up front)
    store.load(path=str(tmp_path / "data.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(files[0].graph))
    fast = validate_store(store, files, paths, [], tmp_path)
    ref = validate_store(store, files, paths, [], tmp_path, engine=REFERENCE)
    assert keys(fast) == {("<http://example.org/a>", "<http://example.org/q>",
                           '"4.0"^^<http://www.w3.org/2001/XMLSchema#decimal>', "<http://example.org/S>"),
                          ("<http://example.org/a>", "<http://example.org/r>", None, "<http://example.org/S>")}
    assert {s for s, _ in fast.fallbacks} == {"<http://example.org/S>"}
    assert keys(ref) != keys(fast)  # the reference on the store sees "4" and xsd:integer: wrong both ways


@pytest.mark.parametrize("engine", ["oxigraph", REFERENCE])
def test_result_messages_keep_their_language_tags(engine, tmp_path):
    shapes = ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:datatype xsd:string ; '
              'sh:message "not a string"@en , "pas une chaîne"@fr ] ; sh:sparql [ sh:message "{?value} is odd"@en ; '
              'sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value . FILTER (?value = 1) }" ] .')
    store, files, paths = _case(tmp_path, shapes, "ex:a ex:p 1 .")
    report = validate_store(store, files, paths, [], tmp_path, engine=engine)
    got = {(m.value, m.language) for m in ox.parse(report.graph.serialize(format="nt", encoding="utf-8"),
                                                    format=ox.RdfFormat.N_TRIPLES)
           if m.predicate == shacl.sh("resultMessage") for m in [m.object]}
    # pyshacl and pyshacl-turbo drop the tag of a SPARQL constraint's message once they fill it in
    sparql_tag = "en" if engine == "oxigraph" else None
    assert got == {("not a string", "en"), ("pas une chaîne", "fr"), ("1 is odd", sparql_tag)}
