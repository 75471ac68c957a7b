"""The pactgraph command end to end, on temporary copies of the project."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, run_cli

EXPORTS = ("pactgraph.nq", "pactgraph.trig", "pactgraph.ttl", "pactgraph.nt", "pactgraph.jsonld")


def test_build_writes_every_artefact(built):
    dist = built / "dist"
    for name in EXPORTS + ("shacl-report.ttl", "build-report.json", "shapes.ttl"):
        assert (dist / name).stat().st_size > 0, name
    report = json.loads((dist / "build-report.json").read_text())
    assert report["conforms"] is True
    assert report["queries_checked"] >= 14
    assert report["triples"] > 500
    assert "https://w3id.org/pactgraph/graph/agreements" in report["graphs"]


def test_build_is_deterministic(built, tmp_path):
    """Two builds, each in a fresh process as a user runs them, give the same bytes."""
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        proc = subprocess.run([sys.executable, "-m", "pactgraph.cli", "--root", str(built), "build",
                               "--out", str(out), "--quiet"], capture_output=True, text=True,
                              env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin",
                                   "PYTHONHASHSEED": "1" if name == "one" else "2"})
        assert proc.returncode == 0, proc.stderr
        outs.append(_snapshot(out))
    first, second = outs
    assert len(first) >= 8 and sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name


def _snapshot(folder):
    """Every file below `folder`, by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_malformed_turtle_names_file_line_and_column_and_keeps_dist(scratch):
    assert run_cli("build", "--quiet", root=scratch).code == 0
    before = _snapshot(scratch / "dist")
    bad = scratch / "data" / "zz-broken.ttl"
    bad.write_text('@prefix pg: <https://w3id.org/pactgraph/ontology/> .\n\n<https://w3id.org/pactgraph/id/place/xx> pg:isoAlpha2 "XX" ;\n  pg:isoAlpha3 .\n')
    result = run_cli("build", root=scratch)
    assert result.code == 2
    assert "zz-broken.ttl:4:" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert _snapshot(scratch / "dist") == before


def test_nonconforming_data_exits_1_and_keeps_dist(scratch):
    assert run_cli("build", "--quiet", root=scratch).code == 0
    before = _snapshot(scratch / "dist")
    (scratch / "data" / "zz-bad-date.ttl").write_text(
        "@prefix pg: <https://w3id.org/pactgraph/ontology/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "<https://w3id.org/pactgraph/id/act/jp-au-raa-signature> pg:date \"2024-13-45\"^^xsd:date .\n")
    result = run_cli("build", root=scratch)
    assert result.code == 1
    assert "jp-au-raa-signature" in result.err and "dist/ left unchanged" in result.err
    assert _snapshot(scratch / "dist") == before
    validate = run_cli("validate", root=scratch)
    assert validate.code == 1 and "conforms: no" in validate.out
    assert "zz-bad-date.ttl:3" in validate.out or "agreements" in validate.out


def test_validate_conforms(built):
    result = run_cli("validate", root=built)
    assert result.code == 0, result.out
    assert result.out.strip() == "conforms: yes"


def test_query_list_names_every_query(built):
    result = run_cli("query", "--list", root=built)
    assert result.code == 0
    names = [line.split("\t")[0] for line in result.out.splitlines()]
    assert len(names) >= 14 and "in-force-partners" in names
    assert all("\t" in line and line.split("\t")[1] for line in result.out.splitlines())


def test_query_with_parameters_and_formats(built):
    table = run_cli("query", "in-force-partners", "-p", "date=2026-01-01", root=built)
    assert table.code == 0, table.err
    assert "Philippines" in table.out and "Australia" in table.out
    csv = run_cli("query", "in-force-partners", "--format", "csv", root=built)
    assert csv.code == 0 and "Philippines" not in csv.out and "Australia" in csv.out
    data = json.loads(run_cli("query", "in-force-partners", "--format", "json", root=built).out)
    assert {"head", "results"} <= set(data)
    tsv = run_cli("query", "in-force-partners", "--format", "tsv", root=built)
    assert tsv.out.startswith("?")


def test_query_user_errors_exit_2_with_one_line(built):
    cases = {
        ("query", "no-such-query"): "known queries: ",
        ("query", "in-force-partners", "-p", "colour=blue"): "no parameter 'colour'",
        ("query", "in-force-partners", "-p", "date=2024-02-30"): "is not a date",
        ("query", "in-force-partners", "-p", "state=not an iri"): "is not an IRI",
        ("sparql", "SELECT * WHERE { ?s ?p }"): "SPARQL syntax error",
    }
    for args, message in cases.items():
        result = run_cli(*args, root=built)
        assert result.code == 2, args
        assert message in result.err and "Traceback" not in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err


def test_missing_data_folder_exits_2(scratch):
    result = run_cli("build", "--data", str(scratch / "nowhere"), root=scratch)
    assert result.code == 2 and "data folder not found" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_sparql_ad_hoc_uses_project_prefixes(built):
    result = run_cli("sparql", "SELECT DISTINCT ?l WHERE { pgid:place/jp rdfs:label ?l FILTER(lang(?l)='en') }".replace(
        "pgid:place/jp", "<https://w3id.org/pactgraph/id/place/jp>"), root=built)
    assert result.code == 0, result.err
    assert "Japan" in result.out and "(1 row)" in result.out


def test_installed_command_runs_and_query_does_not_load_validator(built):
    code = (
        "import sys, runpy; sys.argv=['pactgraph','--root',%r,'query','office-holder'];"
        "from pactgraph.cli import main; rc=main(sys.argv[1:]);"
        "assert 'pyshacl' not in sys.modules and 'rdflib' not in sys.modules, sorted(m for m in sys.modules if 'shacl' in m or 'rdflib' in m);"
        "sys.exit(rc)" % str(built)
    )
    env_path = str(ROOT / "scripts")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "Kishida" in proc.stdout


def test_build_no_pages_writes_exports_but_no_site(built, tmp_path):
    """`--no-pages` (for large datasets) skips the per-resource site, nothing else."""
    out = tmp_path / "dist"
    r = run_cli("build", "--no-pages", "--quiet", "--out", str(out), root=built)
    assert r.code == 0, r.err
    assert not (out / "site").exists()
    for name in EXPORTS + ("context.jsonld", "void.ttl", "ontology/index.html", "build-report.json"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "build-report.json").read_text())
    assert report["resource_page_files"] == 0 and report["conforms"] is True
    # the exports are the same bytes as those of a build with pages
    for name in EXPORTS:
        assert (out / name).read_bytes() == (built / "dist" / name).read_bytes(), name


def test_failing_query_check_exits_1_and_keeps_dist(scratch):
    """The exports are written while the queries are checked; a failing check still publishes nothing
    and leaves no temporary folder behind."""
    assert run_cli("build", "--quiet", root=scratch).code == 0
    before = _snapshot(scratch / "dist")
    expected = scratch / "queries" / "territories.expected.json"
    cases = json.loads(expected.read_text())
    cases[0]["rows"] = cases[0]["rows"][1:] + [{"territory": "<https://w3id.org/pactgraph/id/place/zz>"}]
    expected.write_text(json.dumps(cases))
    result = run_cli("build", root=scratch)
    assert result.code == 1 and "query territories case 0" in result.err, result.err
    assert _snapshot(scratch / "dist") == before
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith(".dist")) == []


def test_cli_offers_every_validation_engine():
    from pactgraph.cli import SHACL_ENGINES
    from pactgraph.validate import ENGINES

    assert set(SHACL_ENGINES) == set(ENGINES)


def test_a_runaway_query_fails_the_build_within_its_time_bound(scratch):
    """A canned query that would run for ever (a cartesian product) fails the build at --query-timeout:
    exit 1, one line naming it, the earlier dist/ kept, and the process ends although the engine's
    thread cannot be stopped (cli.console)."""
    import time

    assert run_cli("build", "--quiet", "--no-pages", root=scratch).code == 0
    before = _snapshot(scratch / "dist")
    (scratch / "queries" / "runaway.rq").write_text(
        "# Question: How many triples times triples times triples?\n# Returns: n\n"
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n", encoding="utf-8")
    (scratch / "queries" / "runaway.expected.json").write_text('[{"params": {}, "rows": []}]\n', encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pactgraph.cli", "--root", str(scratch), "build", "--quiet",
                           "--no-pages", "--query-timeout", "3"], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1, proc.stderr
    assert time.monotonic() - started < 60
    assert "query runaway" in proc.stderr and "3 s" in proc.stderr and "Traceback" not in proc.stderr
    assert _snapshot(scratch / "dist") == before
