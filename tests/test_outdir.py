"""`build --out` replaces only folders that a build wrote: never a file, someone's folder or the sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import run_cli
from pactgraph import outdir


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_refuses_a_file(scratch):
    target = scratch / "notes.txt"
    target.write_text("keep me\n")
    result = run_cli("build", "--quiet", "--out", str(target), root=scratch)
    assert result.code == 2 and "is a file" in result.err and "Traceback" not in result.err
    assert target.read_text() == "keep me\n"


def test_refuses_a_folder_of_other_files(scratch, tmp_path):
    theirs = tmp_path / "theirs"
    (theirs / "sub").mkdir(parents=True)
    (theirs / "a.txt").write_text("a")
    (theirs / "sub" / "b.txt").write_text("b")
    before = _tree(theirs)
    result = run_cli("build", "--quiet", "--out", str(theirs), root=scratch)
    assert result.code == 2 and "other files" in result.err
    assert _tree(theirs) == before


@pytest.mark.parametrize("where", ["data", "ontology", "queries", ".", "..", "data/inner", "ontology/x/y"])
def test_refuses_the_sources_and_what_holds_them(scratch, where):
    before = {part: _tree(scratch / part) for part in ("data", "ontology", "queries")}
    assert all(before.values())
    result = run_cli("build", "--quiet", "--out", str(scratch / where), root=scratch)
    assert result.code == 2, result.err
    assert "which the build reads" in result.err and len(result.err.strip().splitlines()) == 1
    assert {part: _tree(scratch / part) for part in before} == before
    assert not (scratch / "data" / "inner").exists()


def test_refuses_the_data_folder_given_with_data(scratch, tmp_path):
    mine = tmp_path / "mydata"
    mine.mkdir()
    for f in (scratch / "data").glob("*.ttl"):
        (mine / f.name).write_bytes(f.read_bytes())
    before = _tree(mine)
    result = run_cli("build", "--quiet", "--data", str(mine), "--out", str(mine), root=scratch)
    assert result.code == 2 and "which the build reads" in result.err
    assert _tree(mine) == before


def test_refuses_a_symbolic_link(scratch, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    result = run_cli("build", "--quiet", "--out", str(link), root=scratch)
    assert result.code == 2 and "symbolic link" in result.err
    assert link.is_symlink() and real.is_dir()


def test_builds_into_an_empty_folder_then_replaces_its_own_output(scratch, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert run_cli("build", "--quiet", "--out", str(out), root=scratch).code == 0
    assert outdir.is_marked(out) and (out / "pactgraph.nq").stat().st_size > 0
    (out / "stale-extra.txt").write_text("from an earlier build")
    assert run_cli("build", "--quiet", "--out", str(out), root=scratch).code == 0
    assert not (out / "stale-extra.txt").exists()  # replaced whole: it was a build's own folder


def test_an_output_from_before_the_marker_is_still_replaced(scratch, tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "build-report.json").write_text(json.dumps(
        {"version": "0.0.9", "release_date": "2024-05-01", "conforms": True, "graphs": {}}))
    assert run_cli("build", "--quiet", "--out", str(out), root=scratch).code == 0
    assert outdir.is_marked(out)


def test_stale_temporary_folders_of_dead_builds_are_removed(scratch):
    dead, alive = _dead_pid(), os.getppid()
    stale = scratch / f".dist.tmp-{dead}"
    old = scratch / f".dist.old-{dead}"
    running = scratch / f".dist.tmp-{alive}"
    unmarked = scratch / f".dist.tmp-{dead + 1 if dead + 1 != alive else dead + 2}"
    for folder in (stale, old, running):
        folder.mkdir()
        outdir.mark(folder)
        (folder / "pactgraph.nq").write_text("")
    unmarked.mkdir()
    (unmarked / "x").write_text("not ours")
    result = run_cli("build", "--out", str(scratch / "dist"), root=scratch)
    assert result.code == 0, result.err
    assert not stale.exists() and not old.exists()
    assert f"removed {stale}" in result.err
    assert running.is_dir() and unmarked.is_dir()  # a live build's folder, and one we did not write


def test_check_out_dir_allows_a_new_folder_inside_the_project(project, tmp_path):
    sources = [project.ontology_dir, project.data_dir, project.queries_dir]
    assert outdir.check_out_dir(project.root / "dist-new", project.root, sources) == project.root / "dist-new"
    assert outdir.check_out_dir(tmp_path / "a" / "b", project.root, sources) == tmp_path / "a" / "b"
