"""The Oxigraph engine's cost-saving rewrites keep pyshacl's results (pyshacl-turbo is the reference).

Each rewrite of pactgraph.shacl_oxigraph that makes validation cheaper at 1M triples is run here on small
graphs that break it and graphs that do not, and its results are compared with the reference:

* sh:minCount 1 checks of several IRI paths on the same focus nodes run as one query (_merge_min_counts);
* a data-side check (_then_member) is gated: its data side, shared by every shape checking the same path
  the same way, runs first, and the full check only if that has a row; when it has many, the check runs
  focus nodes first instead (GATE_ROWS);
* sh:maxCount and sh:uniqueLang compare values only for subjects with more rows than allowed (a triple
  stated in two files is two rows but one value);
* a FILTER of a SPARQL constraint that reads only GROUP BY keys is applied after the aggregation.
"""

from __future__ import annotations

import pytest

from pactgraph import shacl_oxigraph as shacl
from pactgraph.namespaces import graph_iri
from pactgraph.sources import SourceFile, load_store
from pactgraph.validate import shapes_graph, validate_store

REFERENCE = "pyshacl-turbo"
PREAMBLE = f"""@prefix sh: <{shacl.SH}> . @prefix ex: <http://example.org/> .
@prefix rdf: <{shacl.RDF}> . @prefix xsd: <{shacl.XSD}> .
"""
EX = "http://example.org/"


def run(tmp_path, shapes_ttl: str, *data_ttl: str):
    """Both engines on the data files (one graph each); returns (reference keys, oxigraph keys, checks)."""
    (tmp_path / "shapes.ttl").write_text(PREAMBLE + shapes_ttl, encoding="utf-8")
    files = []
    for n, text in enumerate(data_ttl):
        path = tmp_path / f"data{n}.ttl"
        path.write_text(PREAMBLE + text, encoding="utf-8")
        files.append(SourceFile(path, graph_iri("data", f"data{n}"), "data"))
    store = load_store(files)
    ref = validate_store(store, files, [tmp_path / "shapes.ttl"], [], tmp_path, engine=REFERENCE)
    fast = validate_store(store, files, [tmp_path / "shapes.ttl"], [], tmp_path, engine="oxigraph")
    assert fast.fallbacks == []
    return keys(ref), keys(fast), compiled_checks(store, tmp_path / "shapes.ttl")


def keys(report) -> set[tuple]:
    """(focus, path, value, shape) of every result, and its message where the shape gives one (each
    engine words its own otherwise)."""
    return {(v.focus, v.path, v.value, v.shape, v.message if v.message in GIVEN else None) for v in report.violations}


GIVEN = {"needs p", "needs q"}  # the sh:message texts of the shapes below


def compiled_checks(store, shapes_path) -> list:
    validator = shacl.Validator(shapes_graph([shapes_path]))
    args = {"use_default_graph_as_union": True}
    subclasses = validator._subclasses(store, args)
    compiler = shacl.Compiler(validator.sg, lambda c: subclasses.get(c) or [c])
    return [c for root in validator.roots() for c in compiler.compile_root(root)]


MIN_COUNTS = """
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:message "needs p" ] ,
                [ sh:path ex:q ; sh:minCount 1 ; sh:message "needs q" ] ,
                [ sh:path ex:r ; sh:minCount 1 ] .
ex:T a sh:NodeShape ; sh:targetClass ex:D ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
"""


def test_min_counts_on_one_focus_run_as_one_query_with_each_paths_results(tmp_path):
    ref, fast, checks = run(tmp_path, MIN_COUNTS, "ex:a a ex:C ; ex:p 1 . ex:b a ex:C ; ex:q 1 ; ex:r 1 . "
                                                  "ex:c a ex:C ; ex:p 1 ; ex:q 2 ; ex:r 3 . ex:d a ex:D ; ex:q 1 .")
    assert fast == ref
    assert {(f[0], f[1], f[4]) for f in fast} == {
        (f"<{EX}a>", f"<{EX}q>", "needs q"), (f"<{EX}a>", f"<{EX}r>", None), (f"<{EX}b>", f"<{EX}p>", "needs p"),
        (f"<{EX}d>", f"<{EX}p>", None)}
    units, _ = shacl._merge_min_counts(checks)
    merged = [u for u in units if u not in checks]
    assert len(merged) == 1 and len(units) == len(checks) - 2  # S's three checks in one query, T's alone


def test_min_counts_merged_conform_when_nothing_is_missing(tmp_path):
    ref, fast, _ = run(tmp_path, MIN_COUNTS, "ex:c a ex:C ; ex:p 1 ; ex:q 2 ; ex:r 3 . ex:d a ex:D ; ex:p 1 .")
    assert fast == ref == set()


MAX_COUNTS = """
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] .
ex:T a sh:NodeShape ; sh:targetClass ex:D ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] ,
    [ sh:path ex:l ; sh:uniqueLang true ] .
"""
# x is no focus node of either shape (its values are not checked); c1 breaks S; d1 states one value in
# two files (one value: no violation); d2 has two English labels, d1 two labels in two languages.
MAX_DATA = ('ex:x ex:p 1 , 2 , 3 . ex:c1 a ex:C ; ex:p 1 , 2 . ex:c2 a ex:C ; ex:p 1 . '
            'ex:d1 a ex:D ; ex:p 5 ; ex:l "a"@en , "b"@fr . ex:d2 a ex:D ; ex:l "a"@en , "b"@EN , "c"@fr .',
            'ex:d1 ex:p 5 ; ex:l "a"@en .')


@pytest.mark.parametrize("gate_rows", [1000, 1, 0])
def test_gated_checks_report_only_their_own_focus_nodes(tmp_path, monkeypatch, gate_rows):
    """The two maxCount checks share one gate; with a small GATE_ROWS they run focus nodes first."""
    monkeypatch.setattr(shacl, "GATE_ROWS", gate_rows)
    ref, fast, checks = run(tmp_path, MAX_COUNTS, *MAX_DATA)
    assert fast == ref
    assert {(f[0], f[3]) for f in fast} == {(f"<{EX}c1>", f"<{EX}S>"), (f"<{EX}d2>", f"<{EX}T>")}
    max_gates = [shacl._canonical_vars(c.gate) for c in checks if c.component.endswith("MaxCountConstraintComponent")]
    assert len(max_gates) == 2 and max_gates[0] == max_gates[1]
    # values are compared only for subjects with more rows than allowed
    counted = [c for c in checks if c.component.endswith(("MaxCountConstraintComponent",
                                                          "UniqueLangConstraintComponent"))]
    assert len(counted) == 3 and all("COUNT(*) > 1" in (c.gate if "MaxCount" in c.component else c.query) for c in counted)


def test_a_gate_without_rows_skips_the_check(tmp_path):
    ref, fast, checks = run(tmp_path, MAX_COUNTS, 'ex:c1 a ex:C ; ex:p 1 . ex:x ex:p 1 . ex:d1 a ex:D ; ex:l "a"@en .')
    assert fast == ref == set()
    store = load_store([])
    answers = shacl.run_queries(store, ["SELECT ?this WHERE { BIND(<urn:x> AS ?this) }"], {}, 1,
                                gates=["SELECT ?this WHERE { ?this <urn:p> ?o }"])
    assert answers == [(["this"], [])]  # the (always matching) query was not run: its gate had no row


DECLARED = """
ex:S a sh:NodeShape ; sh:targetNode ex:o ; sh:sparql [ sh:message "{?value} used by {?subject}" ;
    sh:prefixes [ sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] ,
                              [ sh:prefix "rdf" ; sh:namespace "http://www.w3.org/1999/02/22-rdf-syntax-ns#"^^xsd:anyURI ] ] ;
    sh:select \"\"\"SELECT $this ?value (SAMPLE(?s) AS ?subject) WHERE {
        { ?s ?value ?o } UNION { ?s rdf:type ?value }
        FILTER (STRSTARTS(STR(?value), "http://example.org/v/"))
        FILTER NOT EXISTS { ?value rdf:type ?kind }
    } GROUP BY $this ?value\"\"\" ] .
"""


def test_filters_on_group_keys_apply_after_the_aggregation(tmp_path):
    ref, fast, checks = run(tmp_path, DECLARED, "<http://example.org/v/known> a ex:Property . "
                                                "ex:a <http://example.org/v/known> 1 ; <http://example.org/v/typo> 2 ; "
                                                "a <http://example.org/v/Missing> , <http://example.org/v/known> .")
    assert {(f[0], f[2]) for f in fast} == {(f"<{EX}o>", f"<{EX}v/typo>"), (f"<{EX}o>", f"<{EX}v/Missing>")}
    assert fast == ref
    (query,) = [c.query for c in checks if c.kind == "sparql"]
    after = query[query.index("GROUP BY"):]
    assert "FILTER NOT EXISTS" in after and "STRSTARTS" in after  # both moved past GROUP BY


def test_a_filter_reading_a_non_key_variable_stays_before_the_aggregation(tmp_path):
    shapes = DECLARED.replace('FILTER (STRSTARTS(STR(?value), "http://example.org/v/"))', "FILTER (?o != 2)")
    ref, fast, checks = run(tmp_path, shapes, "ex:a <http://example.org/v/x> 1 , 2 ; <http://example.org/v/y> 2 .")
    assert {f[2] for f in fast} == {f"<{EX}v/x>"}
    assert fast == ref
    (query,) = [c.query for c in checks if c.kind == "sparql"]
    assert "?o != 2" in query[:query.index("GROUP BY")]
    assert "FILTER NOT EXISTS" in query[query.index("GROUP BY"):]


@pytest.mark.parametrize("select, moved", [
    ("SELECT $this ?v WHERE { $this ex:p ?v . FILTER(?v > 1) }", False),  # no GROUP BY
    ("SELECT $this (COUNT(?v) AS ?n) WHERE { $this ex:p ?v . FILTER(?n > 1) } GROUP BY $this", False),  # ?n: an alias
    ("SELECT $this ?k (COUNT(?v) AS ?n) WHERE { $this ex:p ?v ; ex:k ?k . FILTER(?k > 1) } GROUP BY $this ?k", True),
    ("SELECT $this ?k (COUNT(?v) AS ?n) WHERE { $this ex:p ?v ; ex:k ?k . FILTER(?k > ?v) } GROUP BY $this ?k", False),
])
def test_which_filters_move(select, moved):
    query, _ = shacl.rewrite_select(select, lambda v: f"{{ VALUES {v} {{ <urn:a> }} }}", None)
    tail = query[query.index("GROUP BY"):] if "GROUP BY" in query else ""
    assert ("FILTER" in tail) == moved, query


GROUPED_WITHOUT_THIS = """
ex:S a sh:NodeShape ; sh:targetNode ex:o1 , ex:o2 ; sh:sparql [ sh:message "{?value} used {?n} times" ;
    sh:select "SELECT $this ?value (COUNT(?s) AS ?n) WHERE { ?s ?value ?o FILTER(isIRI(?value)) } GROUP BY $this ?value HAVING (COUNT(?s) > 1)" ] .
"""


def test_groups_that_do_not_read_this_are_computed_once_for_every_focus_node(tmp_path):
    """(When the query is wrapped anyway, for a filter on its keys.)"""
    ref, fast, checks = run(tmp_path, GROUPED_WITHOUT_THIS, "ex:a ex:p 1 ; ex:q 1 . ex:b ex:p 2 .", "ex:a ex:p 1 .")
    assert {(f[0], f[2]) for f in fast} == {(f"<{EX}o1>", f"<{EX}p>"), (f"<{EX}o2>", f"<{EX}p>")}
    assert fast == ref
    (query,) = [c.query for c in checks if c.kind == "sparql"]
    assert query.index("SELECT DISTINCT ?this") < query.index("(COUNT(?s) AS ?n)")  # focus nodes outside
    assert "GROUP BY  ?value" in query or "GROUP BY ?value" in query
