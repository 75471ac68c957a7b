"""`pactgraph bench` on a small world with faults: structure of the JSON, and the validators' verdicts.

A smoke run, not a timing test: nothing here asserts a speed. It runs both pipelines (the project's and
the rdflib/pyshacl reference) on about 3,000 generated triples (the generator's smallest world) with one
fault of each kind, and checks that the two validators agree on the verdict and on every violation
(focus node + shape), and that they found exactly the injected faults.

The runs are kept short by the bench's own limits: rdflib's slowest queries are stopped at --timeout
(1 s here, reported as lower bounds), and the runs that do not compare validators skip the reference
(--reference-max) or carry its validation over from an earlier JSON (--after). What is left is
pyshacl's validation of the small world, which the verdict comparison needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from pactgraph import bench as bench_module
from pactgraph import build
from pactgraph.project import Project

STAGES = ("load", "validate", "queries", "checks", "export", "total")


#: The small world of the runs below (the same seed, so the same world in each)
WORLD = ("--triples", "3000", "--faults", "1", "--seed", "1")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "bench.json"
    # --timeout 1: rdflib's SPARQL engine needs minutes for some queries even here; a query stopped at
    # the timeout is reported as a lower bound, which this smoke run checks too. --validate-timeout
    # only bounds a hang: the verdicts must be compared, so pyshacl has to finish.
    r = run_cli("bench", *WORLD, "--repeat", "1", "--timeout", "1", "--validate-timeout", "300",
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
    stopped = 0
    for row in scale["queries"].values():
        assert row["pactgraph"]["rows"] >= 0 and not row["pactgraph"].get("timed_out")
        if row["reference"].get("timed_out"):  # stopped: a lower bound, never a ratio as measured
            assert row["ratio_bound"] == "lower" and row["reference"]["seconds"] >= 1
            stopped += 1
        else:
            assert row["rows_agree"] is True
    # rdflib needs more than 5 s for some queries even on this world: the 1 s limit stopped them
    assert stopped >= 1 and scale["stages"]["queries"]["ratio_bound"] == "lower"
    assert sum(row.get("rows_agree") is True for row in scale["queries"].values()) >= len(scale["queries"]) // 2
    assert set(scale["checks"]) == {p.stem for p in (ROOT / "queries" / "checks").glob("*-violation.rq")}
    for fmt in ("N-Quads", "Turtle", "N-Triples", "JSON-LD"):
        assert scale["export_formats"][fmt]["reference"]["seconds"] > 0
    # pactgraph's export, as the build writes it (export.write_sources): its steps and its writers
    for step in ("sort", "merge graphs", "Turtle", "TriG", "RDF/XML", "JSON-LD"):
        assert scale["export_formats"][step]["pactgraph"]["seconds"] > 0, step
    # this world is far below build.DISK_STORE_ABOVE: the store is in memory, as `pactgraph build` has it
    assert scale["store"] == "memory" and "store_bytes_on_disk" not in scale["pactgraph"]
    assert scale["store_rule"]["disk_store_above_bytes"] == build.DISK_STORE_ABOVE
    assert 0 < scale["store_rule"]["source_bytes"] <= build.DISK_STORE_ABOVE
    assert "store: memory" in bench[0].out
    # the derivation of the status periods, timed inside the load (which still includes it)
    load = scale["stages"]["load"]["pactgraph"]
    assert 0 < load["derive_seconds"] < load["seconds"] and "(derive)" in bench[0].out
    # the export's child processes (the Oxigraph writers) are measured beside the process itself
    export, total = scale["stages"]["export"]["pactgraph"], scale["stages"]["total"]["pactgraph"]
    assert export["children_max_rss_mib"] > 0
    assert total["tree_peak_rss_mib"] >= export["tree_peak_rss_mib"] >= export["peak_rss_mib"]
    assert "child processes" in data["memory_note"]


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


def test_bench_user_errors(tmp_path):
    r = run_cli("bench", "--triples", "many", root=ROOT)
    assert r.code == 2 and "not a count" in r.err
    # refused by the generator, which runs in a child process: still one line and exit 2
    r = run_cli("bench", "--triples", "1000", "--work", str(tmp_path / "w"), root=ROOT)
    assert r.code == 2 and "at least 3000" in r.err and "Traceback" not in r.err, r.err
    assert len(r.err.strip().splitlines()) == 2  # the "generating" progress line, then the error


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
    # --timeout 0.5: the queries that were not carried over run, each stopped at that bound
    r = run_cli("bench", *WORLD, "--repeat", "1", "--timeout", "0.5", "--validate-timeout", "300",
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


def test_store_on_disk_exactly_when_build_would_put_it_there(bench, tmp_path, monkeypatch):
    """Above build.DISK_STORE_ABOVE bytes of sources the pactgraph pipeline loads into Oxigraph's
    on-disk store, in a folder of the work folder that is gone after the run; the answers are those
    of the in-memory store. The bench reads the constant when it runs (here lowered in-process: the
    bench decides, its child process is told)."""
    _, memory = bench
    (mem_scale,) = memory["scales"]
    data = Path(mem_scale["data"])
    size = mem_scale["store_rule"]["source_bytes"]
    project = Project(ROOT)
    monkeypatch.setattr(build, "DISK_STORE_ABOVE", size)  # "more than", as in build.py
    assert bench_module.store_choice(project, data)[0] == "memory"
    monkeypatch.setattr(build, "DISK_STORE_ABOVE", size - 1)
    assert bench_module.store_choice(project, data) == ("disk", {"source_bytes": size,
                                                                "disk_store_above_bytes": size - 1})

    out, work = tmp_path / "b.json", tmp_path / "w"
    r = run_cli("bench", *WORLD, "--repeat", "1", "--reference-max", "1000",
                "--json", str(out), "--work", str(work), root=ROOT)
    assert r.code == 0, r.err + r.out
    assert "store: disk" in r.out
    (scale,) = json.loads(out.read_text(encoding="utf-8"))["scales"]
    assert scale["store"] == "disk" and scale["pactgraph"]["store_bytes_on_disk"] > 0
    assert sorted(p.name for p in work.iterdir()) == ["world-3000"]  # the store folder was removed
    # the same world, the same answers as from the in-memory store
    assert scale["triples_generated"] == mem_scale["triples_generated"]
    assert scale["quads_loaded"] == mem_scale["quads_loaded"]
    assert scale["verdict"]["pactgraph"] == mem_scale["verdict"]["pactgraph"]
    assert scale["verdict"]["pactgraph_matches_manifest"] is True and scale["verdict"]["ok"] is True
    for kind in ("queries", "checks"):
        assert {k: v["pactgraph"]["rows"] for k, v in scale[kind].items()} == \
            {k: v["pactgraph"]["rows"] for k, v in mem_scale[kind].items()}
    assert scale["stages"]["load"]["pactgraph"]["derive_seconds"] > 0
    # exported as `pactgraph build` exports either store: from the sources, by the streaming path
    # (export.write_sources: no "N-Quads" step of its own, the sort writes them), not by reading it back
    for entry in (scale, mem_scale):
        assert entry["export_formats"]["sort"]["pactgraph"]["seconds"] > 0
        assert "pactgraph" not in entry["export_formats"].get("N-Quads", {})


def test_the_memory_of_child_processes_is_counted():
    """The sampler behind tree_peak_rss_mib adds the resident sets of child processes (and theirs) to
    the process's own; RUSAGE_CHILDREN gives the largest child's peak once it ended."""
    import subprocess
    import sys

    hold = "import sys, time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.6)"
    from pactgraph.watch import TreeSampler

    with TreeSampler(interval=0.05) as tree:
        own = bench_module._status()["VmRSS"]
        # a child that starts a grandchild holding 200 MiB
        subprocess.run([sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {hold!r}])"],
                       check=True)
    assert tree.peak_kib >= own + 190 * 1024
    assert bench_module._children_maxrss() >= 190 * 1024
