"""python -m pactgraph.floor: Oxigraph's own share of a build, step by step, and the floor it sets."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, run_cli
from pactgraph import floor

STEPS = {"load the sources (Store.load)", floor.RULE, "load the status periods (Store.load)",
         "validate (Oxigraph SHACL engine)", "canned queries", "QC checks", "statistics",
         "Store.dump N_QUADS", "Store.dump TRIG"} | {
    f"Store.dump {fmt} (a graph at a time)" for fmt in ("N_TRIPLES", "TURTLE", "RDF_XML", "JSON_LD")}


def test_the_floor_is_the_sum_of_oxigraphs_steps(tmp_path):
    world = tmp_path / "w"
    assert run_cli("generate", "--triples", "3k", "--seed", "3", "--out", str(world)).code == 0
    out = tmp_path / "floor.json"
    proc = subprocess.run([sys.executable, "-m", "pactgraph.floor", "--data", str(world), "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "scripts"),
                                                                         "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["steps"]) == STEPS
    assert all(step["cpu"] >= 0 and step["wall"] > 0 for step in result["steps"].values())
    # the status rule is timed but not counted: a leaner rule could cost less
    counted = sum(step["cpu"] for name, step in result["steps"].items() if name != floor.RULE)
    assert abs(result["floor_cpu"] - counted) < 0.02 and result["floor_cpu"] > 0
    assert result["floor_wall"] == round(result["floor_cpu"] / result["cores"], 2)
    # the generated world and its derived periods, all loaded
    assert result["quads"] > 3000 and result["status_rule_cpu"] == result["steps"][floor.RULE]["cpu"]
    assert f"{result['quads']:,} quads" in proc.stdout and "CPU-s" in proc.stdout


def test_a_bad_data_folder_is_one_line(tmp_path):
    (tmp_path / "bad.ttl").write_text("ex:a ex:b .\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pactgraph.floor", "--data", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "scripts"),
                                                               "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{tmp_path / 'bad.ttl'}:1:" in proc.stderr and "syntax error" in proc.stderr


def test_the_validator_is_timed_without_parsing_the_files_again():
    """As in a build, the loader's checks hand the validator what the store rewrote
    (sources.rewritten_in): the floor's "validate" is the engine's queries, not a parse of every file."""
    from pactgraph.project import Project
    from pactgraph.sources import rewritten_in, source_files

    project = Project(ROOT)
    result = floor.measure(project, log=lambda *_: None)
    assert result["quads"] > 10_000  # the project's data and its periods
    assert rewritten_in([f.path for f in source_files(project)]) is not None
