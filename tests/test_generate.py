"""`pactgraph generate`: a deterministic synthetic world that conforms, and faults that are found.

The clean world is checked with pyshacl itself (the reference validator), on the union of the
generated files and the ontology, as the build validates the real data. The faulty world is checked
with the project's validator: every injected fault must be reported on its focus node by exactly the
shapes the manifest names, and nothing else may be reported.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

from pactgraph.generate import FAULT_KINDS, FILES, PGSH, generate, parse_count

SIZE = 4000


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out, SIZE, seed=1)
    return out


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("faulty")
    return out, generate(out, SIZE, seed=1, faults=1)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes(tmp_path):
    generate(tmp_path / "a", SIZE, seed=7, faults=1)
    generate(tmp_path / "b", SIZE, seed=7, faults=1)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert sorted(a) == sorted([f"{name}.ttl" for name in FILES] + ["faults.json"])
    assert a == b


def test_different_seed_different_world(tmp_path):
    generate(tmp_path / "a", SIZE, seed=7)
    generate(tmp_path / "b", SIZE, seed=8)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert a["acts.ttl"] != b["acts.ttl"] and a["people.ttl"] != b["people.ttl"]


def test_faults_leave_the_rest_of_the_world_unchanged(clean, faulty):
    """Faults are drawn from their own random stream: the clean world is the faulty one, repaired."""
    folder, manifest = faulty
    changed = {f["file"] for f in manifest["faults"]}
    for name in FILES:
        a = (clean / f"{name}.ttl").read_text(encoding="utf-8").splitlines()[2:]  # after the header line
        b = (folder / f"{name}.ttl").read_text(encoding="utf-8").splitlines()[2:]
        if f"{name}.ttl" not in changed:
            assert a == b, name


def test_size_and_manifest(clean, faulty):
    manifest = json.loads((clean / "faults.json").read_text(encoding="utf-8"))
    assert abs(manifest["triples"] - SIZE) <= SIZE * 0.05
    assert manifest["faults"] == []
    assert sum(f["triples"] for f in manifest["files"].values()) == manifest["triples"]
    folder, faults = faulty
    kinds = [f["kind"] for f in faults["faults"]]
    assert sorted(kinds) == sorted(FAULT_KINDS), "one fault of each kind"
    assert len({f["focus"] for f in faults["faults"]}) == len(kinds), "each fault on its own node"
    for f in faults["faults"]:
        assert f["focus"].startswith("https://w3id.org/pactgraph/id/")
        assert f["shapes"][0] == f["shape"] and all(s.startswith(PGSH) for s in f["shapes"])
        assert f["file"] in manifest["files"] and f["line"] > 0
        # the line named is where the focus node is described
        line = (folder / f["file"]).read_text(encoding="utf-8").splitlines()[f["line"] - 1]
        local = f["focus"].rsplit("/", 1)[1]
        assert line.split(" ", 1)[0].endswith(":" + local), (f, line)


def test_clean_world_conforms_under_pyshacl(clean):
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    for path in [ROOT / "ontology" / "pactgraph.ttl", ROOT / "ontology" / "alignments.ttl",
                 *sorted(clean.glob("*.ttl"))]:
        data.parse(path, format="turtle")
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                         allow_warnings=False)
    assert conforms, text[:3000]


def test_every_fault_is_found_by_its_shapes(faulty, project):
    from pactgraph.namespaces import expand
    from pactgraph.sources import load_store, source_files
    from pactgraph.validate import validate_store

    folder, manifest = faulty
    files = source_files(project, folder)
    report = validate_store(load_store(files), files, project.shapes_files(), project.ontology_shapes_files(),
                            project.root)
    assert not report.conforms
    found = {(expand(v.focus.strip("<>")), expand(v.shape or "")) for v in report.violations}
    for f in manifest["faults"]:
        for shape in f["shapes"]:
            assert (f["focus"], shape) in found, f"{f['kind']}: {f['focus']} not reported by {shape}"
    expected = {(f["focus"], s) for f in manifest["faults"] for s in f["shapes"]}
    assert found == expected, sorted(found - expected)


def test_cli(tmp_path):
    out = tmp_path / "world"
    r = run_cli("generate", "--triples", "3k", "--seed", "3", "--out", str(out), "--faults", "1", root=ROOT)
    assert r.code == 0, r.err
    assert "12 faults" in r.out and (out / "faults.json").is_file()
    # a rerun over its own output is allowed and gives the same bytes
    before = _bytes(out)
    assert run_cli("generate", "--triples", "3k", "--seed", "3", "--out", str(out), "--faults", "1", root=ROOT).code == 0
    assert _bytes(out) == before


@pytest.mark.parametrize("args, message", [
    (["--triples", "lots"], "not a count"),
    (["--triples", "2000"], "at least"),
    (["--triples", "3000", "--faults", "400"], "candidate"),
])
def test_cli_user_errors(tmp_path, args, message):
    r = run_cli("generate", *args, "--out", str(tmp_path / "w"), root=ROOT)
    assert r.code == 2 and message in r.err, r.err


def test_refuses_a_folder_of_real_data(tmp_path):
    (tmp_path / "mine.ttl").write_text("# hand-written\n", encoding="utf-8")
    r = run_cli("generate", "--triples", "3000", "--out", str(tmp_path), root=ROOT)
    assert r.code == 2 and "did not write" in r.err
    assert (tmp_path / "mine.ttl").read_text(encoding="utf-8") == "# hand-written\n"


def test_parse_count():
    assert parse_count("3000") == 3000 and parse_count("10k") == 10_000 and parse_count("1M") == 1_000_000
    assert parse_count("1.5m") == 1_500_000


@pytest.mark.parametrize("module", ["generate", "bench"])
def test_plugin_imports_only_the_standard_library_at_module_level(module):
    tree = ast.parse((ROOT / "scripts" / "pactgraph" / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top == "__future__", f"{module}.py imports {name} at module level"
        assert not (isinstance(node, ast.ImportFrom) and node.level), f"{module}.py: relative import at module level"


def test_build_runs_on_a_generated_world(clean, faulty, tmp_path):
    """`pactgraph build --data` on other data: every query runs, but is not held to the expected
    results of the project's data; a faulty world is refused and writes nothing."""
    out = tmp_path / "dist"
    r = run_cli("build", "--data", str(clean), "--no-pages", "--out", str(out), root=ROOT)
    assert r.code == 0, r.err + r.out
    assert "expected results not compared" in r.out
    report = json.loads((out / "build-report.json").read_text())
    assert report["conforms"] is True and report["queries_checked"] >= 19 and report["query_cases_checked"] == 0
    assert report["triples"] > SIZE * 0.9 and (out / "pactgraph.nq").stat().st_size > 0
    r = run_cli("build", "--data", str(faulty[0]), "--no-pages", "--out", str(tmp_path / "bad"), root=ROOT)
    assert r.code == 1 and not (tmp_path / "bad").exists()
