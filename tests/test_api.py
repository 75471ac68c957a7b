"""The Python API (pactgraph.api), its examples in docs/api.md, and the packaged release with its
manifest (project.py), in a checkout. tests/test_wheel.py runs the same from an installed wheel."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT, copy_project, run_cli

from pactgraph import project as project_module
from pactgraph.api import PartialDate, open_release
from pactgraph.errors import InputError
from pactgraph.project import MANIFEST, Project, verify_release, write_release
from pactgraph.queries import to_python

XSD = "http://www.w3.org/2001/XMLSchema#"
PLACE = "https://w3id.org/pactgraph/id/place/"


def test_doc_examples_run(built, monkeypatch):
    """Every example of docs/api.md, as a doctest, on a built checkout."""
    monkeypatch.chdir(built / "data")  # below the checkout: open_release() finds it
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False, verbose=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20
    assert result.failed == 0


@pytest.fixture(scope="module")
def release(built):
    with open_release(built) as opened:
        yield opened


def test_query_rows_are_python_values(release):
    rows = release.query("in-force-partners", date=dt.date(2024, 5, 2))
    assert {r["partner"] for r in rows} == {PLACE + "au", PLACE + "gb"}
    au = next(r for r in rows if r["partner"] == PLACE + "au")
    assert au["evidenceDate"] == dt.date(2023, 8, 13)
    assert au["date"] == dt.date(2024, 5, 2) and au["state"] == PLACE + "jp"
    # the same parameter as text, as a prefixed name, and the same rows as `pactgraph query`
    as_text = release.query("in-force-partners", date="2024-05-02", state="pgid:place/jp")
    assert sorted(map(repr, as_text)) == sorted(map(repr, rows))
    later = release.query("in-force-partners", date=dt.date(2026, 1, 1))
    assert PLACE + "ph" in {r["partner"] for r in later}


def test_cli_and_api_give_the_same_answer(built, release):
    cli = run_cli("query", "in-force-partners", "--param", "date=2024-05-02", "--format", "json", root=built)
    assert cli.code == 0, cli.err
    bindings = json.loads(cli.out)["results"]["bindings"]
    api = release.query("in-force-partners", date=dt.date(2024, 5, 2))
    assert {(b["partner"]["value"], b["agreement"]["value"], b["evidenceDate"]["value"]) for b in bindings} == \
        {(r["partner"], r["agreement"], r["evidenceDate"].isoformat()) for r in api}


def test_dates_keep_their_precision(release):
    stages = release.query("agreement-lifecycle", agreement="pgid:agreement/jp-us-acsa-2016")
    entry = [r for r in stages if r["kind"].endswith("EntryIntoForce")]
    assert [r["date"] for r in entry] == [PartialDate(2017, 4)] and entry[0]["precision"] == "month"
    year = release.sparql("SELECT ?d WHERE { <https://w3id.org/pactgraph/id/act/jp-gb-acsa-entry-into-force> pg:date ?d }")
    assert year == [{"d": PartialDate(2017)}]
    assert str(year[0]["d"]) == "2017" and year[0]["d"].precision == "year"


def test_to_python_types():
    def lit(value, datatype):
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))

    assert to_python(lit("2017-04", "gYearMonth")) == PartialDate(2017, 4)
    assert str(to_python(lit("2017-04", "gYearMonth"))) == "2017-04"
    assert to_python(lit("1999", "gYear")) == PartialDate(1999, None)
    assert to_python(lit("2023-08-13", "date")) == dt.date(2023, 8, 13)
    assert to_python(lit("true", "boolean")) is True and to_python(lit("0", "boolean")) is False
    assert to_python(lit("42", "integer")) == 42 and type(to_python(lit("42", "integer"))) is int
    assert to_python(lit("7", "nonNegativeInteger")) == 7
    assert to_python(lit("1.50", "decimal")) == Decimal("1.50")
    assert to_python(lit("2.5E0", "double")) == 2.5
    assert to_python(lit("2024-05-02T10:00:00Z", "dateTime")) == dt.datetime(2024, 5, 2, 10, tzinfo=dt.timezone.utc)
    assert to_python(ox.Literal("Japan", language="en")) == "Japan"
    assert to_python(ox.NamedNode(PLACE + "jp")) == PLACE + "jp"
    assert to_python(ox.BlankNode("b1")) == "_:b1"
    assert to_python(None) is None
    # a month that is not one stays text, never a padded or invented date
    assert to_python(lit("2017-13", "gYearMonth")) == "2017-13"


def test_parameters_typed_as_the_header_declares(tmp_path):
    root = copy_project(tmp_path / "proj")
    (root / "queries" / "zz-typed.rq").write_text(
        "# Question: What are the typed parameters?\n"
        "# @param n integer 3\n# @param s string hello\n# @param d date 2024-01-01\n# @param i iri pgid:place/jp\n"
        "SELECT ?n ?s ?d ?i ?next WHERE { BIND(?n + 1 AS ?next) }\n", encoding="utf-8")
    with open_release(root) as rel:
        assert rel.query("zz-typed") == [{"n": 3, "s": "hello", "d": dt.date(2024, 1, 1), "i": PLACE + "jp", "next": 4}]
        got = rel.query("zz-typed", n=41, s="O'Brien \"quoted\"", d=dt.date(1951, 9, 8), i=PLACE + "fr")
        assert got == [{"n": 41, "s": "O'Brien \"quoted\"", "d": dt.date(1951, 9, 8), "i": PLACE + "fr", "next": 42}]
        for bad, why in [({"n": "4x"}, "not an integer"), ({"n": True}, "expected an integer"),
                         ({"n": 4.0}, "expected an integer"), ({"d": dt.datetime(2024, 1, 1)}, "expected a date"),
                         ({"d": "2024-1-1"}, "not a date"), ({"s": 3}, "expected a str"),
                         ({"i": "not an iri"}, "not an IRI"), ({"zz": 1}, "has no parameter 'zz'")]:
            with pytest.raises(InputError, match=why):
                rel.query("zz-typed", **bad)
        with pytest.raises(InputError, match="unknown query 'nope'"):
            rel.query("nope")


def test_store_is_read_only_and_updates_refused(release):
    with pytest.raises(RuntimeError):
        release.store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    with pytest.raises(InputError, match="updates are not supported"):
        release.sparql("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    with pytest.raises(InputError, match="nests brackets"):
        release.sparql("SELECT * WHERE " + "{" * 100 + "}" * 100)
    assert release.sparql("ASK { <https://w3id.org/pactgraph/id/place/jp> a pg:SovereignState }") is True
    triples = release.sparql("CONSTRUCT { ?s a pg:SovereignState } WHERE { ?s a pg:SovereignState } LIMIT 2")
    assert len(triples) == 2 and all(isinstance(t, ox.Triple) for t in triples)


def test_query_and_sparql_load_neither_rdflib_nor_the_validator(built):
    code = (
        "import sys, datetime\n"
        "from pactgraph.api import open_release\n"
        f"r = open_release({str(built)!r})\n"
        "assert r.query('in-force-partners', date=datetime.date(2024, 5, 2))\n"
        "assert r.sparql('ASK { ?s ?p ?o }') is True\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyshacl', 'pyshacl_turbo') "
        "or m in ('pactgraph.validate', 'pactgraph.shacl_oxigraph'))\n"
        "assert not heavy, heavy\n"
        "ds = r.dataset()\n"
        "assert 'rdflib' in sys.modules and len(ds) > 10000\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr


# -- the packaged release and its manifest ---------------------------------------------------------


@pytest.fixture
def packaged(built, tmp_path, monkeypatch) -> Path:
    """A release written from the built copy, installed as the package's release (for this test)."""
    proj = Project(built)
    monkeypatch.setattr(Project, "release_dir", property(lambda self: tmp_path / "pkg" / "release"))
    folder = write_release(proj, built / "dist", "test")
    monkeypatch.setattr(project_module, "package_release_dir", lambda: folder)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    return folder


def test_release_manifest_lists_every_file_with_its_hash(packaged):
    manifest = json.loads((packaged / MANIFEST).read_text(encoding="utf-8"))
    files = manifest["files"]
    assert {"pactgraph.nq", "void.ttl", "ontology/pactgraph.ttl", "ontology/shapes.ttl",
            "queries/in-force-partners.rq", "queries/in-force-partners.expected.json"} <= files.keys()
    assert files["pactgraph.nq"]["bytes"] == (packaged / "pactgraph.nq").stat().st_size
    assert verify_release(packaged)["version"] == "test"


def test_cli_outside_a_checkout_uses_the_packaged_release(packaged):
    listed = run_cli("query", "--list")
    assert listed.code == 0, listed.err
    assert "in-force-partners\t" in listed.out
    rows = run_cli("query", "in-force-partners", "-p", "date=2024-05-02", "-f", "csv")
    assert rows.code == 0, rows.err
    assert {line.split(",")[3] for line in rows.out.splitlines()[1:]} == {PLACE + "au", PLACE + "gb"}
    ask = run_cli("sparql", "ASK { <https://w3id.org/pactgraph/id/place/jp> a pg:SovereignState }", "-f", "json")
    assert ask.code == 0 and json.loads(ask.out) is True, ask.out
    with open_release() as rel:
        assert rel.packaged and rel.path == packaged and rel.version == "test"


def test_checkout_commands_refused_outside_a_checkout(packaged):
    for args in (["build"], ["bench"]):
        result = run_cli(*args)
        assert result.code == 2
        assert result.err.count("\n") == 1 and "works in a checkout only" in result.err, result.err
    validate = run_cli("validate")
    assert validate.code == 2 and validate.err.count("\n") == 1 and "give --data DIR" in validate.err


def test_validate_data_outside_a_checkout(packaged, tmp_path):
    data = tmp_path / "mydata"
    shutil.copytree(ROOT / "data", data)
    good = run_cli("validate", "--data", str(data))
    assert good.code == 0, good.out + good.err
    assert "conforms: yes" in good.out
    (data / "zz-bad.ttl").write_text(
        "@prefix pg: <https://w3id.org/pactgraph/ontology/> .\n"
        "<https://w3id.org/pactgraph/id/act/zz> a pg:Signature .\n", encoding="utf-8")
    bad = run_cli("validate", "--data", str(data))
    assert bad.code == 1 and "conforms: no" in bad.out and "zz-bad.ttl" in bad.out


@pytest.mark.parametrize("damage, message", [
    (lambda f: f.joinpath("pactgraph.nq").write_bytes(f.joinpath("pactgraph.nq").read_bytes()[:-100]),
     "pactgraph.nq: .* bytes, the manifest says"),
    (lambda f: f.joinpath("queries/in-force-partners.rq").write_text(
        f.joinpath("queries/in-force-partners.rq").read_text(encoding="utf-8").replace("?state", "?stat3"),
        encoding="utf-8"), "queries/in-force-partners.rq: its SHA-256 hash"),
    (lambda f: f.joinpath("void.ttl").unlink(), "void.ttl: missing"),
    (lambda f: f.joinpath("queries/zz-extra.rq").write_text("# Question: ?\nASK {}\n"), "zz-extra.rq: a file the manifest"),
    (lambda f: f.joinpath(MANIFEST).write_text("{}"), "MANIFEST.json is not a release manifest"),
])
def test_damaged_release_is_one_clear_error(packaged, damage, message):
    damage(packaged)
    for args in (["query", "--list"], ["sparql", "ASK {}"], ["status", "jp-au-raa"]):
        result = run_cli(*args)
        assert result.code == 2, result
        assert result.err.count("\n") == 1 and "is damaged" in result.err and "Traceback" not in result.err
        import re

        assert re.search(message, result.err), result.err
    with pytest.raises(InputError, match="is damaged"):
        open_release()
    with pytest.raises(InputError, match="is damaged"):
        open_release(packaged)


def test_checkout_still_preferred_to_the_packaged_release(packaged, built, monkeypatch):
    monkeypatch.chdir(built)
    with open_release() as rel:
        assert not rel.packaged and rel.path == built
    assert run_cli("query", "--list").code == 0


def test_packaged_release_written_only_by_a_build_of_the_own_data_into_dist(built, tmp_path, monkeypatch):
    from pactgraph.build import write_packaged_release

    target = tmp_path / "pkg" / "release"
    monkeypatch.setattr(Project, "release_dir", property(lambda self: target))
    proj = Project(built)
    assert write_packaged_release(proj, built / "dist", own_data=False, log=lambda m: None) is None
    assert write_packaged_release(proj, tmp_path / "other-out", own_data=True, log=lambda m: None) is None
    assert not target.exists()
    target.parent.mkdir()
    assert write_packaged_release(proj, built / "dist", own_data=True, log=lambda m: None) == target
    assert verify_release(target)["files"]["pactgraph.nq"]["bytes"] == (built / "dist" / "pactgraph.nq").stat().st_size


def test_release_folder_is_ignored_by_git():
    if not (ROOT / ".git").exists():
        pytest.fail("not a git checkout")
    proc = subprocess.run(["git", "check-ignore", "-q", "scripts/pactgraph/release/pactgraph.nq"], cwd=ROOT)
    assert proc.returncode == 0
    assert os.path.exists(ROOT / "scripts" / "pactgraph" / "py.typed")
