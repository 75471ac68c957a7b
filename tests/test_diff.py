"""`pactgraph diff`: two hand-made builds with known differences, the git-revision path on a throwaway
repository, `write_changes` (for `build --previous`), and refusals of bad arguments."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from pactgraph import diff

PG = "https://w3id.org/pactgraph/ontology/"
ID = "https://w3id.org/pactgraph/id/"
G = "https://w3id.org/pactgraph/graph/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"

ONT, AGR, STATUS = f"<{G}ontology/pactgraph>", f"<{G}agreements>", f"<{G}status>"


def nq(text: str) -> str:
    """N-Quads from a compact notation: pg:, pgid:, rdf:, … expanded."""
    names = {"pg:": PG, "pgid:": ID, "rdf:": RDF, "rdfs:": RDFS, "owl:": OWL, "xsd:": XSD, "skos:": SKOS,
             "prov:": PROV}
    out = []
    for line in textwrap.dedent(text).strip().splitlines():
        words = []
        for word in line.split(" "):
            for prefix, ns in names.items():
                if word.startswith(prefix):
                    word = f"<{ns}{word[len(prefix):]}>"
                    break
                if word.startswith('"') and f"^^{prefix}" in word:
                    lexical, _, local = word.rpartition(f"^^{prefix}")
                    word = f"{lexical}^^<{ns}{local}>"
            words.append(word)
        out.append(" ".join(words))
    return "\n".join(out) + "\n"


# The restriction on pg:Signature is the same in both; only its RDFC-1.0 label moves (c14n0 -> c14n1),
# because the new release adds another restriction that sorts first.
OLD = nq(f"""
    pg:date rdfs:label "date"@en {ONT} .
    pg:date skos:definition "The day of an act."@en {ONT} .
    pg:date rdfs:range pg:DateValue {ONT} .
    pg:Signature rdfs:subClassOf _:c14n0 {ONT} .
    _:c14n0 rdf:type owl:Restriction {ONT} .
    _:c14n0 owl:onProperty pg:actor {ONT} .
    _:c14n0 owl:minCardinality "1"^^xsd:nonNegativeInteger {ONT} .
    pg:Gone rdf:type owl:Class {ONT} .
    pgid:act/a-signature rdf:type pg:Signature {AGR} .
    pgid:act/a-signature rdfs:label "Signature of A"@en {AGR} .
    pgid:act/a-signature pg:date "2017"^^xsd:gYear {AGR} .
    pgid:act/a-signature prov:wasDerivedFrom <https://example.org/one> {AGR} .
    pgid:act/b-signature rdf:type pg:Signature {AGR} .
    pgid:act/b-signature prov:wasDerivedFrom <https://example.org/zero> {AGR} .
    pgid:period/a-1 pg:status pgid:concept/signed {STATUS} .
""")
NEW = nq(f"""
    pg:date rdfs:label "date"@en {ONT} .
    pg:date skos:definition "The day of an act, to the precision of its source."@en {ONT} .
    pg:date rdfs:range pg:DateValue {ONT} .
    pg:Signature rdfs:subClassOf _:c14n1 {ONT} .
    _:c14n1 rdf:type owl:Restriction {ONT} .
    _:c14n1 owl:onProperty pg:actor {ONT} .
    _:c14n1 owl:minCardinality "1"^^xsd:nonNegativeInteger {ONT} .
    pg:Accession rdf:type owl:Class {ONT} .
    pg:Accession rdfs:label "accession"@en {ONT} .
    pg:Accession rdfs:subClassOf _:c14n0 {ONT} .
    _:c14n0 rdf:type owl:Restriction {ONT} .
    _:c14n0 owl:onProperty pg:actor {ONT} .
    _:c14n0 owl:someValuesFrom pg:Polity {ONT} .
    pgid:act/a-signature rdf:type pg:Signature {AGR} .
    pgid:act/a-signature rdfs:label "Signature of A"@en {AGR} .
    pgid:act/a-signature pg:date "2017-04"^^xsd:gYearMonth {AGR} .
    pgid:act/a-signature prov:wasDerivedFrom <https://example.org/one> {AGR} .
    pgid:act/a-signature prov:wasDerivedFrom <https://example.org/two> {AGR} .
    pgid:act/c-signature rdf:type pg:Signature {AGR} .
    pgid:act/c-signature rdfs:label "Signature of C"@en {AGR} .
    pgid:act/c-signature pg:date "2024-05-02"^^xsd:date {AGR} .
    pgid:act/c-signature prov:wasDerivedFrom <https://example.org/three> {AGR} .
    pgid:period/a-1 pg:status pgid:concept/signed {STATUS} .
    pgid:period/a-2 pg:status pgid:concept/in-force {STATUS} .
    pgid:period/c-1 pg:status pgid:concept/signed {STATUS} .
""")

EXPECTED = """\
# Changes from old (pactgraph 0.1.0) to new (pactgraph 0.2.0)

12 facts added and 5 removed (15 quads before, 25 after). A fact is a statement in a named graph; blank nodes are compared by what they describe. "Changed" is a resource's property that lost a value and gained another; the sources listed are the resource's prov:wasDerivedFrom.

| graph | facts added | facts removed | resources new | removed | changed |
|---|--:|--:|--:|--:|--:|
| `pggraph:agreements` | 6 | 3 | 1 | 1 | 1 |
| `pggraph:ontology/pactgraph` | 4 | 2 | 1 | 1 | 1 |
| `pggraph:status` | 2 | 0 | 2 | 0 | 0 |

Version step (docs/decisions.md, D14): at least **major** (1 term(s) removed); from 0.1.0, the next version is at least 0.2.0.

## Ontology terms

1 added, 1 removed, 1 changed; an axiom is any statement but an annotation (label, definition, comment, note).

- term added: `pg:Accession` "accession"
  - `rdf:type` `owl:Class`
  - `rdfs:label` `"accession"@en`
  - `rdfs:subClassOf` `[ rdf:type owl:Restriction ; owl:onProperty pg:actor ; owl:someValuesFrom pg:Polity ]`
- term removed: `pg:Gone`
  - removed `rdf:type` `owl:Class`
- term changed: `pg:date` "date" (annotation: definition)
  - changed `skos:definition`: `"The day of an act."@en` → `"The day of an act, to the precision of its source."@en`

## `pggraph:agreements`

### `pgid:act/a-signature` — Signature of A (changed)

sources: <https://example.org/one>, <https://example.org/two>

- changed `pg:date`: `"2017"^^xsd:gYear` → `"2017-04"^^xsd:gYearMonth`
- added `prov:wasDerivedFrom` `<https://example.org/two>`

### `pgid:act/b-signature` (removed)

sources: <https://example.org/zero>

- removed `rdf:type` `pg:Signature`
- removed `prov:wasDerivedFrom` `<https://example.org/zero>`

### `pgid:act/c-signature` — Signature of C (new)

sources: <https://example.org/three>

- `rdf:type` `pg:Signature`
- `rdfs:label` `"Signature of C"@en`
- `prov:wasDerivedFrom` `<https://example.org/three>`
- `pg:date` `"2024-05-02"^^xsd:date`

## `pggraph:status` (derived: summarised)

2 facts added, 0 removed; resources: 2 new, 0 removed, 0 changed (`--all` lists them).
"""


def make_build(folder: Path, quads: str, version: str = "0.1.0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pactgraph.nq").write_text(quads, encoding="utf-8")
    (folder / "build-report.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    return folder


@pytest.fixture
def builds(tmp_path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    for part in ("ontology", "data"):
        (root / part).mkdir(parents=True)
    return make_build(root / "old", OLD), make_build(root / "new", NEW, "0.2.0")


def test_two_builds_give_exactly_the_expected_changes(builds, monkeypatch):
    old, new = builds
    monkeypatch.chdir(old.parent)
    got = run_cli("diff", "old", "new", root=old.parent)
    assert (got.code, got.err) == (0, "")
    assert got.out == EXPECTED
    # The unchanged restriction, relabelled c14n0 -> c14n1, is not reported; nor are its blank labels.
    assert "minCardinality" not in got.out and "_:c14n" not in got.out
    assert run_cli("diff", "old", "new", root=old.parent).out == got.out  # deterministic
    to_file = run_cli("diff", "old", "new", "--out", "changes.md", root=old.parent)
    assert (to_file.code, to_file.out) == (0, "") and (old.parent / "changes.md").read_text() == EXPECTED


def test_all_lists_the_status_periods_and_json_says_the_same(builds, monkeypatch):
    old, new = builds
    monkeypatch.chdir(old.parent)
    listed = run_cli("diff", "old", "new", "--all", root=old.parent)
    assert listed.code == 0
    assert "### `pgid:period/a-2` (new)\n\n- `pg:status` `pgid:concept/in-force`" in listed.out
    assert "(derived: summarised)" not in listed.out

    got = json.loads(run_cli("diff", "old", "new", "--format", "json", root=old.parent).out)
    assert got["summary"]["added"] == 12 and got["summary"]["removed"] == 5
    assert got["summary"]["version"] == {"level": "major", "reason": "1 term(s) removed", "next": "0.2.0"}
    terms = {t["subject"]: (t["state"], t["kinds"]) for t in got["terms"]}
    assert terms == {f"<{PG}Accession>": ("new", []), f"<{PG}Gone>": ("removed", []),
                     f"<{PG}date>": ("changed", ["annotation"])}
    agreements = next(g for g in got["graphs"] if g["graph"] == AGR)
    a = next(r for r in agreements["resources"] if r["subject"] == f"<{ID}act/a-signature>")
    assert a["changed"] == [{"predicate": f"<{PG}date>", "old": [f'"2017"^^<{XSD}gYear>'],
                             "new": [f'"2017-04"^^<{XSD}gYearMonth>']}]
    assert a["sources"] == ["<https://example.org/one>", "<https://example.org/two>"]
    status = next(g for g in got["graphs"] if g["graph"] == STATUS)
    assert status["summarised"] and (status["added"], status["removed"]) == (2, 0)
    assert [r["subject"] for r in status["resources"]] == [f"<{ID}period/a-2>", f"<{ID}period/c-1>"]


def test_a_changed_axiom_is_major_and_an_added_term_alone_minor(tmp_path):
    base = nq(f"""
        pg:date rdfs:range pg:DateValue {ONT} .
        pgid:x rdf:type pg:Thing {AGR} .
    """)
    axiom = base.replace(f"<{PG}DateValue>", f"<{XSD}date>")
    added = base + nq(f"pg:New rdf:type owl:Class {ONT} .")
    same = make_build(tmp_path / "a", base)
    result = diff.compare(same, make_build(tmp_path / "b", axiom))
    assert [(t.subject, t.state, t.kinds) for t in result.terms] == [(f"<{PG}date>", "changed", ["axiom"])]
    assert result.terms[0].changed == [(f"<{RDFS}range>", [f"<{PG}DateValue>"], [f"<{XSD}date>"])]
    assert diff.suggested_bump(result)["level"] == "major"
    minor = diff.suggested_bump(diff.compare(same, make_build(tmp_path / "c", added)))
    assert (minor["level"], minor["next"]) == ("minor", "0.1.1")  # 0.y.z: every step moves one place down
    assert [diff._next_version("1.4.2", level) for level in ("major", "minor", "patch", "none")] == \
        ["2.0.0", "1.5.0", "1.4.3", None]
    assert diff._next_version("0.1.0", "major") == "0.2.0" and diff._next_version("0.1", "minor") is None
    nothing = diff.compare(same, make_build(tmp_path / "d", base))
    assert (nothing.graphs, nothing.terms, diff.suggested_bump(nothing)["level"]) == ([], [], "none")
    assert "No differences." in nothing.markdown()


def test_write_changes_names_the_releases_not_the_folders(builds, tmp_path):
    old, new = builds
    out = new / "changes.md"
    diff.write_changes(old, new, out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Changes from previous build (pactgraph 0.1.0) to this build (pactgraph 0.2.0)\n")
    assert text.split("\n", 1)[1] == EXPECTED.split("\n", 1)[1]
    assert str(tmp_path) not in text
    assert [p.name for p in new.iterdir() if p.name.startswith(".")] == []  # no temporary file left


# -- git revisions ----------------------------------------------------------------------------------

#: A stand-in for a revision's own build: it copies data/release.nq to OUT/pactgraph.nq and reports
#: the version written in this very file, so the test sees that the revision's code ran.
FAKE_CLI = '''
import json, shutil, sys
from pathlib import Path
VERSION = "{version}"
args = sys.argv[1:]
root, out = Path(args[args.index("--root") + 1]), Path(args[args.index("--out") + 1])
if (root / "data" / "fail").exists():
    print("boom: the data does not conform", file=sys.stderr)
    sys.exit(1)
out.mkdir(parents=True)
shutil.copyfile(root / "data" / "release.nq", out / "pactgraph.nq")
(out / "build-report.json").write_text(json.dumps({{"version": VERSION}}))
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.org",
                           "-c", "commit.gpgsign=false", *args],
                          check=True, capture_output=True, text=True).stdout


def commit(repo: Path, quads: str, version: str, message: str) -> None:
    (repo / "scripts" / "pactgraph" / "cli.py").write_text(FAKE_CLI.format(version=version), encoding="utf-8")
    (repo / "data" / "release.nq").write_text(quads, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    repo = tmp_path / "repo"
    for part in ("ontology", "data", "scripts/pactgraph"):
        (repo / part).mkdir(parents=True)
    (repo / "ontology" / "README").write_text("ontology\n")
    (repo / "scripts" / "pactgraph" / "__init__.py").write_text("")
    git(repo, "init", "-q")
    commit(repo, OLD, "0.1.0", "old")
    commit(repo, NEW, "0.2.0", "new")
    # Work in progress that the diff must leave exactly as it is.
    (repo / "data" / "release.nq").write_text("uncommitted\n", encoding="utf-8")
    (repo / "untracked.txt").write_text("mine\n", encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))  # where the revisions are built
    return repo


def test_git_revisions_are_built_by_their_own_code_outside_the_checkout(repo, tmp_path):
    status, index = git(repo, "status", "--porcelain"), (repo / ".git" / "index").read_bytes()
    got = run_cli("diff", "HEAD~1", "HEAD", root=repo)
    assert got.code == 0, got.err
    old_sha, new_sha = git(repo, "rev-parse", "HEAD~1").strip(), git(repo, "rev-parse", "HEAD").strip()
    assert got.out.split("\n", 1)[0] == (f"# Changes from HEAD~1 (commit {old_sha[:12]}, pactgraph 0.1.0) "
                                         f"to HEAD (commit {new_sha[:12]}, pactgraph 0.2.0)")
    assert got.out.split("\n", 1)[1] == EXPECTED.split("\n", 1)[1]
    assert [line.split(" in ")[0] for line in got.err.splitlines()] == ["building HEAD~1 (%s)" % old_sha[:12],
                                                                        "building HEAD (%s)" % new_sha[:12]]
    # The checkout is untouched: same status, same index, no worktree; the builds are gone.
    assert git(repo, "status", "--porcelain") == status
    assert (repo / ".git" / "index").read_bytes() == index
    assert (repo / "data" / "release.nq").read_text() == "uncommitted\n"
    assert len(git(repo, "worktree", "list").splitlines()) == 1
    assert list((tmp_path / "scratch").iterdir()) == []

    # A revision against a build folder, and the same revision twice (built once).
    folder = make_build(tmp_path / "dist", NEW, "0.2.0")
    mixed = run_cli("diff", "HEAD~1", str(folder), "-q", root=repo)
    assert (mixed.code, mixed.err) == (0, "") and mixed.out.split("\n", 1)[1] == EXPECTED.split("\n", 1)[1]
    same = run_cli("diff", "HEAD", "HEAD", root=repo)
    assert same.code == 0 and "No differences." in same.out and same.err.count("building") == 1
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_revision_whose_build_fails_is_one_line_and_leaves_nothing(repo, tmp_path):
    (repo / "data" / "fail").write_text("")
    git(repo, "add", "data/fail")
    git(repo, "commit", "-q", "-m", "broken")
    got = run_cli("diff", "-q", "HEAD~1", "HEAD", root=repo)
    assert got.code == 2 and got.out == ""
    assert got.err.splitlines() == [f"pactgraph: error: the build of HEAD ({git(repo, 'rev-parse', 'HEAD')[:12]}) "
                                    "failed (exit 1): boom: the data does not conform"]
    assert list((tmp_path / "scratch").iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["no-such-revision", "HEAD"], "neither a build folder nor a git revision of"),
    (["empty", "HEAD"], "not a build folder: empty (no pactgraph.nq)"),
    (["a-file", "HEAD"], "not a build folder: a-file (a file)"),
    (["--", "--help", "HEAD"], "neither a build folder nor a git revision"),
    (["HEAD", "HEAD", "--out", "empty"], "--out is a folder, not a file: empty"),
    (["HEAD", "HEAD", "--format", "xml"], "invalid choice: 'xml'"),
    (["HEAD"], "the following arguments are required: new"),
])
def test_bad_arguments_exit_2_with_one_line(repo, monkeypatch, args, message):
    monkeypatch.chdir(repo)
    (repo / "empty").mkdir()
    (repo / "a-file").write_text("x")
    got = run_cli("diff", *args, root=repo)
    assert got.code == 2 and got.out == ""
    errors = [line for line in got.err.splitlines() if not line.startswith(("usage:", " "))]
    assert len(errors) == 1 and message in errors[0] and errors[0].startswith("pactgraph: error: "), got.err
    assert "Traceback" not in got.err


def test_blank_nodes_nothing_mentions_are_still_compared(tmp_path):
    """A nested blank node is folded into its parent; a cycle of blank nodes that no IRI mentions is
    reported on its own rather than lost."""
    base = nq(f"pgid:x pg:p _:c14n0 {AGR} .\n_:c14n0 pg:q _:c14n1 {AGR} .\n_:c14n1 pg:r \"1\" {AGR} .")
    cycle = nq(f"_:c14n2 pg:s _:c14n3 {AGR} .\n_:c14n3 pg:s _:c14n2 {AGR} .")
    nested = diff.compare(make_build(tmp_path / "a", base),
                          make_build(tmp_path / "b", base.replace('"1"', '"2"') + cycle))
    got = {r.subject: (r.state, r.added, r.removed, r.changed) for r in nested.graphs[0].resources}
    inner = f"[ <{PG}q> [ <{PG}r> \"%s\" ] ]"
    assert got[f"<{ID}x>"] == ("changed", [], [], [(f"<{PG}p>", [inner % 1], [inner % 2])])
    assert len(got) == 3 and all(state == "new" for s, (state, *_) in got.items() if s.startswith("[ "))


def test_build_previous_writes_the_changes_since_an_earlier_build(scratch):
    """`build --previous DIR` writes changes.md into the new output: the facts changed since DIR."""
    from conftest import run_cli

    first = scratch / "first"
    assert run_cli("build", "--quiet", "--no-pages", "--out", str(first), root=scratch).code == 0
    (scratch / "data" / "zz-extra.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/pactgraph/id/place/jp> rdfs:comment \"An island state.\"@en .\n", encoding="utf-8")
    second = scratch / "second"
    result = run_cli("build", "--quiet", "--no-pages", "--out", str(second), "--previous", str(first), root=scratch)
    assert result.code == 0, result.err
    changes = (second / "changes.md").read_text(encoding="utf-8")
    assert changes.startswith("# Changes") and "An island state." in changes and str(scratch) not in changes
    bad = run_cli("build", "--quiet", "--out", str(scratch / "third"), "--previous", str(scratch / "nowhere"),
                  root=scratch)
    assert bad.code == 2 and len(bad.err.strip().splitlines()) == 1
