"""Hostile but realistic input (issue 9, "Files and builds" and "Commands"): every input error exits 2
with one line naming the file (and line), never a traceback, a crash, a hang or a silent change."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT, run_cli
from pactgraph import locate, queries, sources, sparql_text
from pactgraph.errors import InputError, visible
from pactgraph.namespaces import graph_iri
from pactgraph.sources import SourceFile, load_store

PREFIXES = ("@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n")
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}


def _file(tmp_path, body: bytes | str, name: str = "f.ttl") -> SourceFile:
    path = tmp_path / name
    data = body.encode("utf-8") if isinstance(body, str) else body
    path.write_bytes(PREFIXES.encode() + data)
    return SourceFile(path, f"http://example.org/graph/{path.stem}", "data")


def _refused(tmp_path, body, *needles: str, name: str = "f.ttl") -> str:
    f = _file(tmp_path, body, name)
    with pytest.raises(InputError) as err:
        load_store([f])
    message = str(err.value)
    assert message.startswith(str(f.path)) and "\n" not in message, message
    for needle in needles:
        assert needle in message, message
    return message


def _cli(*args, root, timeout=120, **kw) -> subprocess.CompletedProcess:
    """The command in its own process, as a user runs it (a crash cannot take the tests with it)."""
    return subprocess.run([sys.executable, "-m", "pactgraph.cli", "--root", str(root), *args],
                          capture_output=True, text=True, env=ENV, timeout=timeout, **kw)


def _one_line_exit_2(result, *needles: str) -> None:
    code = getattr(result, "code", getattr(result, "returncode", None))
    err = result.err if hasattr(result, "err") else result.stderr
    lines = [line for line in err.strip().splitlines() if not line.startswith("pactgraph: note:")]
    assert code == 2, (code, err)
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def _data_dir(tmp_path, name: str, body: bytes | str) -> Path:
    folder = tmp_path / "data-in"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(PREFIXES.encode() + (body.encode() if isinstance(body, str) else body))
    return folder


# --- control characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("body,char", [
    (b'\nex:a ex:p "a\x00b" .\n', "U+0000"),
    ('\nex:a ex:p "a\\u0000b" .\n', "U+0000"),
    (b'\nex:a ex:p "a\x0bb" .\n', "U+000B"),
    ('\nex:a ex:p "a\\u000Bb" .\n', "U+000B"),
    ('\nex:a ex:p "a\\U0000001Fb" .\n', "U+001F"),
    ('\nex:a ex:p "a\\fb" .\n', "U+000C"),
    ('\nex:a ex:p "a\\bb" .\n', "U+0008"),
    ('\nex:a ex:p """long\nline \\u0001""" .\n', "U+0001"),
    ('\nex:a ex:p "\\uFFFF"@en .\n', "U+FFFF"),
], ids=["raw-nul", "escaped-nul", "raw-vt", "escaped-vt", "long-escape", "formfeed", "backspace", "long-string",
        "noncharacter"])
def test_control_character_in_literal_is_refused_with_file_line_and_code_point(tmp_path, body, char):
    message = _refused(tmp_path, body, char, "XML")
    line = 6 if '"""' in str(body) else 5  # where the character is written
    assert message.startswith(f"{tmp_path / 'f.ttl'}:{line}:"), message


def test_tab_newline_and_carriage_return_stay_allowed(tmp_path):
    store = load_store([_file(tmp_path, '\nex:a ex:p "a\\tb\\nc\\rd", "x\ty" .\n')])
    assert {q.object.value for q in store} == {"a\tb\nc\rd", "x\ty"}


def test_control_character_refused_by_the_build_command(scratch):
    (scratch / "data" / "bad.ttl").write_bytes(PREFIXES.encode() + b'ex:a ex:p "vertical\x0btab" .\n')
    result = run_cli("build", "--quiet", root=scratch)
    _one_line_exit_2(result, "bad.ttl:4", "U+000B")
    assert not (scratch / "dist").exists()


# --- nesting --------------------------------------------------------------------------------------


def test_collection_nested_100000_deep_is_refused_quickly(tmp_path):
    started = time.perf_counter()
    message = _refused(tmp_path, "\n\nex:a ex:p " + "(" * 100_000 + ")" * 100_000 + " .\n", "nested", "64")
    assert message.startswith(f"{tmp_path / 'f.ttl'}:6:")
    assert time.perf_counter() - started < 20


def test_nesting_limit_is_exact_and_counts_blank_nodes_and_collections(tmp_path):
    def nested(depth):
        return "ex:a ex:p " + "[ ex:q " * (depth - 1) + "( ex:x )" + " ]" * (depth - 1) + " .\n"

    load_store([_file(tmp_path, nested(64), "ok.ttl")])
    _refused(tmp_path, nested(65), "more than 64 deep", name="deep.ttl")
    with pytest.raises(InputError):
        load_store([_file(tmp_path, nested(11), "ten.ttl")], max_nesting=10)
    # labelled blank nodes nest too (no brackets in the text: no line to give, still the file)
    chain = "".join(f"_:b{i} ex:p _:b{i + 1} .\n" for i in range(70))
    with pytest.raises(InputError, match="more than 64 deep"):
        load_store([_file(tmp_path, "ex:a ex:p _:b0 .\n" + chain, "chain.ttl")])


def test_long_flat_collection_and_brackets_in_strings_are_not_nesting(tmp_path):
    items = " ".join(f"ex:i{i}" for i in range(5000))
    strings = 'ex:a ex:s "' + "(" * 200 + '", """' + "[" * 200 + '""" . # ' + "(" * 200 + "\n"
    store = load_store([_file(tmp_path, f"ex:a ex:list ({items}) .\n" + strings)])
    assert len(store) > 10_000


def test_max_nesting_option_of_build_and_validate(scratch):
    deep = "ex:a ex:p " + "(" * 70 + ")" * 70 + " .\n"
    (scratch / "data" / "deep.ttl").write_text(PREFIXES + deep, encoding="utf-8")
    _one_line_exit_2(run_cli("validate", root=scratch), "deep.ttl:4", "--max-nesting")
    allowed = run_cli("validate", "--max-nesting", "80", root=scratch)
    assert "nested" not in allowed.err and "Traceback" not in allowed.err
    _one_line_exit_2(run_cli("build", "--quiet", root=scratch), "deep.ttl:4", "--max-nesting")
    allowed = run_cli("build", "--quiet", "--max-nesting", "80", root=scratch)
    assert "nested" not in allowed.err and "Traceback" not in allowed.err
    assert sources.MAX_NESTING == 64  # the option does not outlive the command


# --- files that cannot be read or named --------------------------------------------------------------


def test_literal_longer_than_the_parser_can_hold(tmp_path):
    big = "\nex:a ex:p \"" + "a" * (17 * 1024 * 1024) + "\" .\n"
    _refused(tmp_path, big, "f.ttl:5", "16 MiB")


def test_file_name_with_a_space_is_refused_by_name(scratch):
    (scratch / "data" / "my file.ttl").write_text(PREFIXES + "ex:a ex:p ex:b .\n", encoding="utf-8")
    _one_line_exit_2(run_cli("build", "--quiet", root=scratch), "my file.ttl", "a space")


def test_folder_named_like_a_turtle_file_and_a_dangling_link(scratch):
    (scratch / "data" / "folder.ttl").mkdir()
    _one_line_exit_2(run_cli("validate", root=scratch), "folder.ttl", "is a folder")
    (scratch / "data" / "folder.ttl").rmdir()
    (scratch / "data" / "gone.ttl").symlink_to(scratch / "nowhere.ttl")
    _one_line_exit_2(run_cli("validate", root=scratch), "gone.ttl", "cannot read")


def test_unreadable_file(tmp_path, monkeypatch):
    f = _file(tmp_path, "ex:a ex:p ex:b .\n")

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError, match=r"f\.ttl: cannot read: Permission denied"):
        load_store([f])


def test_byte_order_mark_accepted_in_turtle(tmp_path):
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + PREFIXES.encode() + b"ex:a ex:p ex:b .\n")
    assert len(load_store([SourceFile(path, "http://example.org/graph/bom", "data")])) == 1


def test_query_files_that_are_not_utf8_folders_or_have_a_bom(scratch):
    qdir = scratch / "queries"
    bad = qdir / "latin1.rq"
    bad.write_bytes(b"# Question: caf\xe9?\nSELECT * WHERE { ?s ?p ?o }\n")
    _one_line_exit_2(run_cli("query", "--list", root=scratch), "latin1.rq:1", "not UTF-8")
    _one_line_exit_2(run_cli("sparql", str(bad), root=scratch), "latin1.rq:1", "not UTF-8")
    bad.unlink()
    (qdir / "folder.rq").mkdir()
    _one_line_exit_2(run_cli("query", "--list", root=scratch), "folder.rq", "is a folder")
    _one_line_exit_2(run_cli("sparql", str(qdir / "folder.rq"), root=scratch), "folder.rq", "is a folder")
    (qdir / "folder.rq").rmdir()
    (qdir / "checks" / "odd-violation.rq").write_bytes(b"\xff\xfeS")
    with pytest.raises(InputError, match="odd-violation.rq:1: not UTF-8"):
        queries.violation_checks(qdir)
    (qdir / "checks" / "odd-violation.rq").unlink()
    bom = scratch / "bom.rq"
    bom.write_bytes(b"\xef\xbb\xbfASK { ?s ?p ?o }\n")
    result = run_cli("sparql", str(bom), root=scratch)
    assert result.code == 0 and result.out == "true\n", result.err
    (qdir / "bommed.rq").write_bytes(b"\xef\xbb\xbf# Question: anything?\nASK { ?s ?p ?o }\n")
    result = run_cli("query", "bommed", root=scratch)
    assert result.code == 0 and result.out == "true\n", result.err


# --- literals the store would rewrite -------------------------------------------------------------


@pytest.mark.parametrize("literal,advice", [
    ('"5"^^xsd:int', 'write "5"^^xsd:integer'),
    ('"5"^^xsd:long', 'write "5"^^xsd:integer'),
    ('"300"^^xsd:byte', "is not a valid xsd:byte"),
    ('"-1"^^xsd:nonNegativeInteger', "is not a valid xsd:nonNegativeInteger"),
    ('"4.0"^^xsd:decimal', 'write "4"^^xsd:decimal'),
    ("4.0", 'write "4"^^xsd:decimal'),
    ("+5", 'write "5"^^xsd:integer'),
    ("007", 'write "7"^^xsd:integer'),
    ("1e3", 'write "1000"^^xsd:double'),
    ('"1"^^xsd:boolean', 'write "true"^^xsd:boolean'),
    ('"2017-04-01T10:00:00+00:00"^^xsd:dateTime', 'write "2017-04-01T10:00:00Z"^^xsd:dateTime'),
    ('"P1Y12M"^^xsd:duration', 'write "P2Y"^^xsd:duration'),
])
def test_literal_the_store_would_rewrite_is_refused_with_advice(tmp_path, literal, advice):
    message = _refused(tmp_path, f'\nex:a ex:label "x" ;\n    ex:p {literal} .\n', advice)
    assert message.startswith(f"{tmp_path / 'f.ttl'}:6:"), message


def test_literals_the_store_keeps_load_unchanged(tmp_path):
    body = ('ex:a ex:p "5"^^xsd:integer, 5, "2017-04"^^xsd:gYearMonth, "2017"^^xsd:gYear, "true"^^xsd:boolean, '
            '"2017-4-1"^^xsd:date, "abc"^^xsd:integer, "x"^^ex:custom, "2017-04-01T10:00:00+09:00"^^xsd:dateTime, '
            '"4.5"^^xsd:decimal .\n'
            # OWL 2 requires xsd:nonNegativeInteger on cardinalities: the one rewrite let through
            'ex:r owl:qualifiedCardinality "1"^^xsd:nonNegativeInteger .\n')
    f = _file(tmp_path, body)
    written = {t.object for t in ox.parse(path=str(f.path), format=ox.RdfFormat.TURTLE)}
    stored = {q.object for q in load_store([f])}
    assert written - stored == {ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger"))}


def test_rewritten_literal_refused_in_a_file_with_blank_node_labels_and_counted(tmp_path):
    message = _refused(tmp_path, '_:b ex:p "5"^^xsd:short .\nex:a ex:p "6"^^xsd:short, "7"^^xsd:short .\n',
                       "xsd:short", "and 2 more")
    assert ":4:" in message


def test_the_real_sources_have_no_literal_the_store_rewrites(project):
    load_store(sources.source_files(project))  # raises if the project's own data breaks the rule


# --- commands: bounds ------------------------------------------------------------------------------


def test_sparql_updates_are_refused_in_one_line(scratch):
    for update in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "LOAD <http://example.org/>", "DROP ALL",
                   "PREFIX ex: <http://example.org/>\n# comment\nDELETE WHERE { ?s ex:p ?o }",
                   "\ufeffCLEAR DEFAULT"):
        _one_line_exit_2(run_cli("sparql", update, root=scratch), "updates are not supported")


def test_query_nested_100000_deep_is_refused_before_the_engine(scratch, tmp_path):
    deep = tmp_path / "deep.rq"
    deep.write_text("SELECT * WHERE { FILTER(" + "(" * 100_000 + "1" + ")" * 100_000 + ") }\n", encoding="utf-8")
    _one_line_exit_2(_cli("sparql", str(deep), root=scratch), "nests brackets more than 64 deep", "--max-depth")
    braces = "SELECT * WHERE " + "{" * 100 + "}" * 100
    _one_line_exit_2(run_cli("sparql", braces, root=scratch), "more than 64 deep")
    assert run_cli("sparql", "--max-depth", "200", braces, root=scratch).code == 0
    assert sparql_text.nesting('SELECT * { FILTER(("((((")) } # ((((')[0] == 3


def test_sparql_stops_at_the_time_limit(scratch):
    started = time.monotonic()
    result = _cli("sparql", "--timeout", "1", CARTESIAN_COUNT, root=scratch)
    _one_line_exit_2(result, "did not finish within 1 s", "--timeout")
    assert time.monotonic() - started < 30
    assert run_cli("sparql", "--timeout", "inf", "ASK { }", root=scratch).out == "true\n"
    nan = run_cli("sparql", "--timeout", "nan", "ASK { }", root=scratch)  # argparse: usage, then the error
    assert nan.code == 2 and "argument --timeout" in nan.err and "Traceback" not in nan.err


def test_query_stops_at_the_time_limit_too(scratch):
    (scratch / "queries" / "slow.rq").write_text("# Question: how many?\n" + CARTESIAN_COUNT + "\n", encoding="utf-8")
    _one_line_exit_2(_cli("query", "--timeout", "1", "slow", root=scratch), "did not finish within 1 s")


def test_ctrl_c_stops_a_running_query(scratch):
    proc = subprocess.Popen([sys.executable, "-m", "pactgraph.cli", "--root", str(scratch), "sparql", CARTESIAN_COUNT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        time.sleep(3)
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        proc.wait(timeout=15)
        assert time.monotonic() - started < 10
        assert proc.returncode == 130 and "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_result_bound_refuses_a_larger_result_whole(scratch, fmt):
    query = "SELECT ?s WHERE { ?s a ?c } LIMIT 4"
    ok = run_cli("sparql", "--max-rows", "4", "-f", fmt, query, root=scratch)
    assert ok.code == 0 and ok.out, ok.err
    result = run_cli("sparql", "--max-rows", "3", "-f", fmt, query, root=scratch)
    _one_line_exit_2(result, "more than 3 rows", "--max-rows")
    assert result.out == ""


def test_result_bound_of_a_cartesian_select_and_construct(scratch):
    started = time.monotonic()
    result = _cli("sparql", "-f", "csv", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", root=scratch)
    _one_line_exit_2(result, "more than 100,000 rows")
    assert result.stdout == "" and time.monotonic() - started < 60
    _one_line_exit_2(run_cli("sparql", "--max-rows", "2", "CONSTRUCT WHERE { ?s ?p ?o }", root=scratch),
                     "more than 2 triples")


def test_memory_bound_turns_an_engine_abort_into_one_line(scratch):
    result = _cli("sparql", "--max-memory", "150", "--max-rows", "0", "-f", "csv",
                  "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f", root=scratch)
    _one_line_exit_2(result, "--max-memory")


def test_service_to_an_unreachable_host_is_one_line(scratch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_cli("sparql", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                     root=scratch)
    _one_line_exit_2(result, "the query failed")


def test_generate_refuses_a_size_the_machine_cannot_hold(tmp_path):
    from pactgraph.generate import check_size

    started = time.monotonic()
    result = run_cli("generate", "--triples", "999999M", "--out", str(tmp_path / "w"), root=ROOT)
    _one_line_exit_2(result, "memory")
    assert time.monotonic() - started < 5 and not (tmp_path / "w").exists()
    with pytest.raises(ValueError, match="at most about 3,579,139 triples"):
        check_size(10_000_000, tmp_path, memory=2**30)
    check_size(3_000_000, tmp_path, memory=2**30)


# --- commands: parameters and messages ----------------------------------------------------------------


def test_iri_parameters_that_are_not_iris_or_have_an_unknown_prefix(scratch):
    base = ("query", "in-force-partners", "-p")
    for value in ("pgid:place/jp\n", "pgid:place/%zz", "<https://w3id.org/pactgraph/id/place/j p>", "jp"):
        _one_line_exit_2(run_cli(*base, f"state={value}", root=scratch), "is not an IRI")
    _one_line_exit_2(run_cli(*base, "state=pgd:place/fr", root=scratch), "unknown prefix 'pgd'")
    for value in ("pgid:place/jp", "<https://w3id.org/pactgraph/id/place/jp>", "https://w3id.org/pactgraph/id/place/jp",
                  "<urn:x:y>"):
        assert run_cli(*base, f"state={value}", root=scratch).code == 0, value


def test_invisible_characters_are_named(scratch, tmp_path):
    assert visible("a\x00b\ufeff\u200b\nc\td") == "a[U+0000]b[U+FEFF][U+200B]\nc\td"
    result = run_cli("query", "in-force-partners", "-p", "state=pgid:place/j\x00p", root=scratch)
    _one_line_exit_2(result, "[U+0000]")
    (scratch / "data" / "zw.ttl").write_text(PREFIXES + "ex:a ex:p \u200bex:b .\n", encoding="utf-8")
    _one_line_exit_2(run_cli("validate", root=scratch), "zw.ttl:4", "[U+200B]")


def test_locations_of_a_second_value_and_of_a_misspelt_property(tmp_path):
    first = tmp_path / "places.ttl"
    first.write_text(PREFIXES + '\nex:jp ex:label "Japan"@en ;\n    ex:date "2001-01-01" .\n', encoding="utf-8")
    second = tmp_path / "extra.ttl"
    second.write_text(PREFIXES + '# added later\n\nex:jp ex:label "Nippon"@en, "Nihon"@ja ;\n'
                      '  ex:date "2002-02-02" .\nex:b ex:labell "typo" .\n', encoding="utf-8")
    onto = tmp_path / "onto.ttl"
    onto.write_text(PREFIXES + "ex:label a owl:DatatypeProperty .\n", encoding="utf-8")
    files = [SourceFile(first, graph_iri("data", "places"), "data"), SourceFile(second, graph_iri("data", "extra"), "data"),
             SourceFile(onto, graph_iri("ontology", "onto"), "ontology")]
    store = load_store(files)
    by_graph = {f.graph: f for f in files}
    jp, ex = ox.NamedNode("http://example.org/jp"), "http://example.org/"
    labels = locate.repeated_values(store, by_graph, jp, ox.NamedNode(ex + "label"), tmp_path)
    assert labels == [("extra.ttl", 6, '"Nippon"@en'), ("places.ttl", 5, '"Japan"@en')]
    assert locate.describe_locations(labels) == '"Nippon"@en (extra.ttl:6), "Japan"@en (places.ttl:5)'
    dates = locate.repeated_values(store, by_graph, jp, ox.NamedNode(ex + "date"), tmp_path)
    assert [(f, line) for f, line, _ in dates] == [("extra.ttl", 7), ("places.ttl", 6)]
    assert locate.usage_location(store, by_graph, ex + "labell", root=tmp_path) == ("extra.ttl", 8)
    assert locate.repeated_values(store, by_graph, ox.NamedNode(ex + "b"), ox.NamedNode(ex + "labell"), tmp_path) == []


def test_output_cut_by_its_reader_ends_quietly(scratch):
    """`pactgraph sparql ... | head -1`: the reader goes away; no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "pactgraph.cli", "--root", str(scratch), "sparql", "-f", "csv",
                             "--max-rows", "0", "SELECT * WHERE { ?a ?b ?c }"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert proc.stdout.readline().startswith(b"a,b,c")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err, err


def test_validation_names_both_values_and_where_a_misspelt_property_is_used(scratch):
    """Needs the locate calls in validate._violation (issue 9): a second English label names both
    values and both files; an undeclared property is located where the data uses it."""
    (scratch / "data" / "extra.ttl").write_text(
        "@prefix place: <https://w3id.org/pactgraph/id/place/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix pg: <https://w3id.org/pactgraph/ontology/> .\n\n"
        'place:jp rdfs:label "Nippon"@en .\n'
        'place:fr pg:officalName "France"@en .\n', encoding="utf-8")
    report = run_cli("validate", root=scratch).out
    two = next(line for line in report.splitlines() if "Nippon" in line)
    assert "extra.ttl:5" in two and '"Japan"@en (data/' in two, two
    typo = next(line for line in report.splitlines() if "officalName" in line)
    assert typo.strip().startswith("data/extra.ttl:6:"), typo


def test_a_comment_ends_at_a_carriage_return_too():
    """SPARQL's EOL is CR or LF: an update after a CR-ended comment is still seen as an update."""
    from pactgraph.sparql_text import blank_non_code, first_keyword

    assert first_keyword("# note\rINSERT DATA { <urn:a> <urn:b> <urn:c> }") == "INSERT"
    assert "SERVICE" in blank_non_code("# note\rSELECT * { SERVICE <urn:x> { ?s ?p ?o } }")


def test_an_owl_cardinality_must_be_written_as_a_non_negative_integer(tmp_path):
    """The exports give cardinalities back their OWL 2 datatype (export.owl_cardinalities), which is
    exact only because the loader accepts no other datatype there."""
    message = _refused(tmp_path, '\nex:a ex:label "x" .\nex:r owl:qualifiedCardinality "1"^^xsd:integer .\n',
                       "xsd:nonNegativeInteger")
    assert message.startswith(f"{tmp_path / 'f.ttl'}:"), message
