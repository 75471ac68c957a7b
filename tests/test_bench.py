"""`pactgraph bench` on a small world with faults: structure of the JSON, and the validators' verdicts.

A smoke run, not a timing test: nothing here asserts a speed. It runs both pipelines (the project's and
the rdflib/pyshacl reference) on about 3,000 generated triples with one fault of each kind, and checks
that the two validators agree on the verdict and on every violation (focus node + shape), and that
they found exactly the injected faults.
"""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, run_cli

STAGES = ("load", "validate", "queries", "checks", "export", "total")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "bench.json"
    # --timeout 5: rdflib's SPARQL engine needs minutes for some queries even here; a query stopped at
    # the timeout is reported as a lower bound, which this smoke run checks too.
    r = run_cli("bench", "--triples", "3000", "--faults", "1", "--repeat", "1", "--timeout", "5",
                "--json", str(out), "--work", str(tmp / "work"), root=ROOT)
    return r, json.loads(out.read_text(encoding="utf-8")) if out.is_file() else None


def test_bench_runs_and_passes(bench):
    r, data = bench
    assert r.code == 0, r.err + r.out
    assert data is not None
    assert "same verdict and violations" in r.out and "all found, none unexpected" in r.out, r.out


def test_bench_json_structure(bench):
    _, data = bench
    assert {"machine", "settings", "scales", "command"} <= set(data)
    assert data["machine"]["nproc"] >= 1 and data["machine"]["libraries"]["pyoxigraph"]
    (scale,) = data["scales"]
    assert scale["triples_requested"] == 3000 and scale["faults_injected"] == 12
    for stage in STAGES:
        row = scale["stages"][stage]
        for pipeline in ("pactgraph", "reference"):
            assert row[pipeline]["seconds"] > 0, (stage, pipeline)
            assert row[pipeline]["peak_rss_mib"] > 0, (stage, pipeline)
        assert row["ratio"] > 0
    assert set(scale["queries"]) == {p.stem for p in (ROOT / "queries").glob("*.rq")}
    for row in scale["queries"].values():
        assert row["pactgraph"]["rows"] >= 0 and not row["pactgraph"].get("timed_out")
        if row["reference"].get("timed_out"):  # stopped: a lower bound, never a ratio as measured
            assert row["ratio_bound"] == "lower"
        else:
            assert row["rows_agree"] is True
    assert set(scale["checks"]) == {p.stem for p in (ROOT / "queries" / "checks").glob("*-violation.rq")}
    for fmt in ("N-Quads", "Turtle", "N-Triples", "JSON-LD"):
        assert scale["export_formats"][fmt]["pactgraph"]["seconds"] > 0
        assert scale["export_formats"][fmt]["reference"]["seconds"] > 0


def test_validators_agree_and_find_exactly_the_injected_faults(bench):
    _, data = bench
    (scale,) = data["scales"]
    v = scale["verdict"]
    assert v["pactgraph"]["conforms"] is False and v["reference"]["conforms"] is False
    assert v["agree"] is True and scale["stages"]["validate"]["verdicts_agree"] is True
    assert v["only_pactgraph"] == [] and v["only_reference"] == []
    assert v["pactgraph_matches_manifest"] is True and v["reference_matches_manifest"] is True
    assert v["missing"] == [] and v["unexpected"] == []
    assert v["pactgraph"]["violations"] == v["manifest"] >= 12
    assert v["ok"] is True


def test_reference_skipped_above_reference_max_is_said(tmp_path):
    r = run_cli("bench", "--triples", "3000", "--repeat", "1", "--reference-max", "1000",
                "--json", str(tmp_path / "b.json"), "--work", str(tmp_path / "w"), root=ROOT)
    assert r.code == 0, r.err + r.out
    assert "reference pipeline skipped" in r.out
    (scale,) = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["scales"]
    assert scale["reference"]["skipped"] and scale["stages"]["load"]["reference"] is None
    assert scale["verdict"]["agree"] is None and scale["verdict"]["pactgraph_matches_manifest"] is True


def test_bench_user_errors():
    r = run_cli("bench", "--triples", "many", root=ROOT)
    assert r.code == 2 and "not a count" in r.err


def test_what_failed_in_an_earlier_bench_is_not_rerun(tmp_path):
    """`--after FILE`: a reference stage that timed out (or failed) in an earlier, smaller bench is
    reported as such, with its lower bound, instead of running for the whole timeout again."""
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({"scales": [{
        "stages": {"validate": {"reference": {"seconds": 300.0, "timed_out": True}}},
        "queries": {"timeline": {"reference": {"seconds": 20.0, "timed_out": True}}},
        "checks": {"act-shape-violation": {"reference": {"seconds": 1.0, "error": "MemoryError"}}},
    }]}), encoding="utf-8")
    out = tmp_path / "b.json"
    r = run_cli("bench", "--triples", "3000", "--repeat", "1", "--timeout", "5", "--validate-timeout", "300",
                "--after", str(earlier), "--json", str(out), "--work", str(tmp_path / "w"), root=ROOT)
    assert r.code == 0, r.err + r.out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["settings"]["after"]["not_rerun"]["reference"] == {
        "validate": "timeout", "queries/timeline": "timeout", "checks/act-shape-violation": "MemoryError"}
    (scale,) = data["scales"]
    assert scale["stages"]["validate"]["reference"]["timed_out"] is True
    assert scale["stages"]["validate"]["reference"]["seconds"] == 300.0  # the bound, not a rerun
    assert scale["queries"]["timeline"]["reference"]["timed_out"] is True
    assert scale["queries"]["timeline"]["ratio_bound"] == "lower"
    assert "MemoryError" in scale["checks"]["act-shape-violation"]["reference"]["error"]
    assert scale["queries"]["itinerary"]["reference"].get("timed_out") is not True  # the others ran
