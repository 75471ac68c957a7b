"""The paths of a large build (issue 13), tested on small worlds against the paths they replace.

* The outputs of a small world are byte-identical to those of the code before the scale work
  (REFERENCE_COMMIT, built from git with its own code on the same sources): the faster loader,
  status rule, export process and validator changed no byte.
* The large-build switches (the JSON-LD above COMPACT_JSONLD_MAX, the on-disk store above
  DISK_STORE_ABOVE or with `--store DIR`) are forced on a small world by lowering the thresholds, and
  give the same graph (parsed back by rdflib, an independent parser) or the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import to_isomorphic

from conftest import ROOT, run_cli

#: The last commit before issue 13: its code is the reference the small world's outputs are compared
#: with. Move it forward only when a change of the outputs is intended (and say so in CHANGELOG.md).
REFERENCE_COMMIT = "6fdf858"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world") / "w"
    r = run_cli("generate", "--triples", "10k", "--seed", "7", "--out", str(out))
    assert r.code == 0, r.err
    assert len(list(out.glob("*.ttl"))) > 0
    return out


def _hashes(folder: Path) -> dict[str, str]:
    files = {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(folder.rglob("*")) if p.is_file()}
    assert files, folder
    return files


def _build(world: Path, out: Path, *extra: str) -> None:
    r = run_cli("build", "-q", "--no-pages", "--data", str(world), "--out", str(out), *extra, root=ROOT)
    assert r.code == 0, r.err + r.out


@pytest.fixture(scope="module")
def current(world, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("current") / "dist"
    _build(world, out)
    return out


def test_small_world_outputs_are_the_bytes_the_reference_code_writes(world, current, tmp_path):
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", REFERENCE_COMMIT, "scripts"],
                             capture_output=True)
    assert archive.returncode == 0, (
        f"the reference commit {REFERENCE_COMMIT} is not in this clone (a shallow clone?): "
        + archive.stderr.decode("utf-8", "replace"))
    ref_code = tmp_path / "ref"
    ref_code.mkdir()
    subprocess.run(["tar", "-x", "-C", str(ref_code)], input=archive.stdout, check=True)
    out = tmp_path / "ref-dist"
    # The reference code on the current sources (ontology, shapes, queries): only the code differs.
    proc = subprocess.run([sys.executable, "-m", "pactgraph.cli", "--root", str(ROOT), "build", "-q", "--no-pages",
                           "--data", str(world), "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ref_code / "scripts")}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _hashes(current) == _hashes(out)


def test_expanded_json_ld_of_a_large_build_is_the_same_graph(world, current, tmp_path, monkeypatch):
    from pactgraph import export

    monkeypatch.setattr(export, "COMPACT_JSONLD_MAX", 0)  # every build counts as large
    out = tmp_path / "dist"
    _build(world, out)
    text = (out / "pactgraph.jsonld").read_text(encoding="utf-8")
    assert text.startswith("[") and '"@context"' not in text  # Oxigraph's expanded form
    expanded = rdflib.Graph().parse(data=text, format="json-ld")
    compacted = rdflib.Graph().parse(current / "pactgraph.jsonld", format="json-ld")
    triples = rdflib.Graph().parse(current / "pactgraph.nt", format="nt")
    assert len(triples) > 5000
    assert to_isomorphic(expanded) == to_isomorphic(triples) == to_isomorphic(compacted)
    # the description says which form it is, and points to the context only when compacted
    void = (out / "void.ttl").read_text(encoding="utf-8")
    assert "JSON-LD, expanded form" in void and "JSON-LD, expanded form" not in (current / "void.ttl").read_text()
    for name in ("pactgraph.nq", "pactgraph.ttl", "pactgraph.trig", "pactgraph.rdf", "pactgraph.nt"):
        assert (out / name).read_bytes() == (current / name).read_bytes(), name


def test_on_disk_store_gives_the_same_bytes_and_is_kept(world, current, tmp_path):
    store = tmp_path / "store"
    out = tmp_path / "dist"
    _build(world, out, "--store", str(store))
    assert _hashes(out) == _hashes(current)
    assert (store / ".pactgraph-store").is_file() and any(p.name.endswith(".sst") for p in store.iterdir())
    _build(world, out, "--store", str(store))  # a store an earlier build made is replaced
    assert _hashes(out) == _hashes(current)


def test_sources_over_the_threshold_go_on_disk_in_a_folder_removed_after(world, current, tmp_path, monkeypatch):
    from pactgraph import build

    monkeypatch.setattr(build, "DISK_STORE_ABOVE", 1000)
    out = tmp_path / "dist"
    r = run_cli("build", "--no-pages", "--data", str(world), "--out", str(out), root=ROOT)
    assert r.code == 0, r.err
    assert "the store goes on disk" in r.err
    assert _hashes(out) == _hashes(current)
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # the temporary store is gone


@pytest.mark.parametrize("case", ["other files", "a file", "the output", "the data"])
def test_store_folder_that_is_not_ours_is_refused(world, tmp_path, case):
    out = tmp_path / "dist"
    store = {"other files": tmp_path / "mine", "a file": tmp_path / "notes.txt", "the output": out,
             "the data": world}[case]
    if case == "other files":
        store.mkdir()
        (store / "keep.txt").write_text("mine\n")
    elif case == "a file":
        store.write_text("mine\n")
    elif case == "the output":  # an earlier build's output
        store.mkdir()
        (store / ".pactgraph-output").write_text("x\n")
    before = sorted(p.name for p in store.iterdir()) if store.is_dir() else store.read_text()
    r = run_cli("build", "-q", "--no-pages", "--data", str(world), "--out", str(out), "--store", str(store),
                root=ROOT)
    assert r.code == 2 and r.err.count("\n") == 1 and "--store" in r.err, r.err
    assert (sorted(p.name for p in store.iterdir()) if store.is_dir() else store.read_text()) == before


def test_a_failing_export_process_fails_the_build_and_publishes_nothing(world, tmp_path, monkeypatch):
    from pactgraph import export

    # the export process runs this instead of export.write_sources
    monkeypatch.setattr(export, "_EXPORT_CHILD", "raise OSError('disk full (simulated)')")
    out = tmp_path / "dist"
    out.mkdir()
    (out / ".pactgraph-output").write_text(export.__name__)
    r = run_cli("build", "-q", "--no-pages", "--data", str(world), "--out", str(out), root=ROOT)
    assert r.code != 0 and "disk full (simulated)" in r.err and "Traceback" not in r.err, r.err
    assert [p.name for p in out.iterdir()] == [".pactgraph-output"]
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no temporary folder left


def test_bad_input_stops_the_export_process_started_before_the_load(world, tmp_path):
    """The export process starts with the build (it converts the sources while they load) and reads the
    periods only once told to: a source the loader refuses stops it, and leaves nothing behind."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(world, data)
    with open(data / "statements.ttl", "a", encoding="utf-8") as f:
        f.write("\n<https://example.org/a> <https://example.org/b> .\n")  # no object
    out = tmp_path / "out" / "dist"
    r = run_cli("build", "-q", "--no-pages", "--data", str(data), "--out", str(out), root=ROOT)
    assert r.code != 0 and r.err.count("\n") == 1 and "statements.ttl:" in r.err and "Traceback" not in r.err, r.err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    alive = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            alive += [cmdline] if str(out.parent).encode() in cmdline.read_bytes() else []
        except OSError:  # ended meanwhile
            pass
    assert alive == []


def test_streaming_export_writes_the_same_bytes(world, tmp_path, monkeypatch):
    """The export path of a store over export.STREAM_ABOVE quads (files, GNU sort, bounded memory),
    forced on the small world, writes every file as the in-memory path does."""
    from pactgraph import export
    from pactgraph.project import Project
    from pactgraph.sources import load_store, source_files

    store = load_store(source_files(Project(ROOT), world))
    export.write_store(store, tmp_path / "memory" if (tmp_path / "memory").mkdir() is None else None)
    streamed = []
    real = export._write_streaming
    monkeypatch.setattr(export, "_write_streaming", lambda *a: streamed.append(1) or real(*a))
    monkeypatch.setattr(export, "STREAM_ABOVE", 0)
    monkeypatch.setattr(export, "_CHUNK", 4096)  # many chunks: lines and copies across their edges
    (tmp_path / "streamed").mkdir()
    export.write_store(store, tmp_path / "streamed")
    assert streamed == [1]
    assert _hashes(tmp_path / "streamed") == _hashes(tmp_path / "memory")


def test_exports_from_the_sources_are_the_exports_of_the_store(tmp_path, monkeypatch):
    """Every build writes its exports from the source files and the periods file (export.ExportJob,
    export.write_sources), not from the store: on the real data (language tags, blank nodes, OWL
    cardinalities, a triple in two files) they are the bytes write_store writes from the loaded store,
    with each file converted a few triples at a time (blank nodes across the slices)."""
    from pactgraph import export
    from pactgraph.project import Project
    from pactgraph.sources import load_store, source_files

    files = source_files(Project(ROOT))
    periods = tmp_path / "periods.nq"
    store = load_store(files, periods=periods)
    for name in ("store", "sources"):
        (tmp_path / name).mkdir()
    export.write_store(store, tmp_path / "store")
    monkeypatch.setattr(export, "_TRIPLES_AT_A_TIME", 7)
    export.write_sources([(f.path, f.graph) for f in files], periods, tmp_path / "sources")
    assert _hashes(tmp_path / "sources") == _hashes(tmp_path / "store")


def test_on_disk_build_of_the_real_data_writes_the_same_exports(built, tmp_path):
    """The on-disk path spills the periods to the store's folder (status.derive(spill=...)) and fills
    the store with Oxigraph's bulk loader: its exports, on the real data, are the bytes the in-memory
    build wrote."""
    out = tmp_path / "dist"
    r = run_cli("build", "-q", "--no-pages", "--out", str(out), "--store", str(tmp_path / "store"), root=built)
    assert r.code == 0, r.err
    names = ["pactgraph.nq", "pactgraph.nt", "pactgraph.ttl", "pactgraph.trig", "pactgraph.rdf", "pactgraph.jsonld",
             "context.jsonld"]
    for name in names:
        assert (out / name).read_bytes() == (built / "dist" / name).read_bytes(), name
