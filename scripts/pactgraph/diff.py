"""`pactgraph diff OLD NEW`: the facts added, removed and changed between two releases.

OLD and NEW are each a build folder (one holding `pactgraph.nq`: `dist/`, a `build --out` folder) or
a git revision of the checkout (`HEAD~3`, `3c00cfc`), which is then built, with that revision's own
code, in a temporary folder outside the checkout (`git archive`: the working tree and the index are
never touched) and removed afterwards.

What is compared is the N-Quads export, fact by fact (a fact is a quad). Blank nodes are compared by
their canonical form, not their label: a blank node that is the object of a statement (an OWL
restriction, a class union, an RDF list) is written out as the nested description it stands for
(`[ owl:onProperty pg:date ; owl:someValuesFrom … ]`), so a restriction that did not change is not
reported even when RDFC-1.0 numbered it differently because another blank node was added.

The report groups facts by named graph and by resource (subject). A subject–predicate pair that lost a
value and gained another is "changed" (a date made more precise, a label corrected); each resource
listed carries its sources (prov:wasDerivedFrom). Ontology terms (IRIs in the pg: namespace described
in an ontology graph) come first, apart: term added, term removed, term changed, with what kind of
change it is (axiom or annotation; docs/decisions.md D14 says what each means for the version). The
derived graph of status periods is summarised by counts unless `--all`. Output is sorted, so the same
two releases always give the same bytes. Module-level imports: standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HELP = "the facts added, removed and changed between two builds or git revisions"

NQ_FILE = "pactgraph.nq"
CHANGES_FILE = "changes.md"
PG = "https://w3id.org/pactgraph/ontology/"
GRAPH_NS = "https://w3id.org/pactgraph/graph/"
ONTOLOGY_GRAPHS = GRAPH_NS + "ontology/"
#: Derived on every load (status.py): summarised, not listed, unless --all.
SUMMARISED_GRAPHS = (GRAPH_NS + "status",)

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = f"<{_RDF}type>"
RDF_FIRST, RDF_REST, RDF_NIL = f"<{_RDF}first>", f"<{_RDF}rest>", f"<{_RDF}nil>"
RDFS_LABEL = f"<{_RDFS}label>"
DERIVED_FROM = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
#: Predicates whose change is an annotation change of a term (documentation, not logic); any other
#: predicate (type, domain, range, subClassOf, restrictions, characteristics…) is an axiom change.
ANNOTATIONS = frozenset(f"<{iri}>" for iri in (
    _RDFS + "label", _RDFS + "comment", _RDFS + "seeAlso", _RDFS + "isDefinedBy",
    _SKOS + "definition", _SKOS + "prefLabel", _SKOS + "altLabel", _SKOS + "example", _SKOS + "scopeNote",
    _SKOS + "editorialNote", _SKOS + "note", _SKOS + "historyNote", _SKOS + "changeNote",
    "http://purl.org/vocab/vann/usageNote", "http://www.w3.org/2002/07/owl#versionInfo",
    "http://www.w3.org/2002/07/owl#deprecated"))
#: The predicates a reader of the release notes cares most about, named in the term line.
KEY_PREDICATES = {f"<{_SKOS}definition>": "definition", f"<{_RDFS}label>": "label",
                  f"<{_RDFS}domain>": "domain", f"<{_RDFS}range>": "range",
                  f"<{_RDFS}subClassOf>": "subClassOf", f"<{_RDFS}subPropertyOf>": "subPropertyOf",
                  RDF_TYPE: "type", f"<{_RDFS}comment>": "comment"}


def add_arguments(parser) -> None:
    parser.add_argument("old", help="the older release: a build folder (holding pactgraph.nq) or a git revision")
    parser.add_argument("new", help="the newer release: a build folder or a git revision")
    parser.add_argument("--out", "-o", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--format", "-f", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--all", action="store_true",
                        help="list the derived status periods (graph/status) fact by fact, not only their counts")
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress (builds of revisions)")


def run(project, args) -> int:
    from .errors import InputError

    if args.out is not None and args.out.is_dir():
        raise InputError(f"--out is a folder, not a file: {args.out}")
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    with Releases(project.root, log) as releases:
        old = releases.resolve(args.old)
        new = releases.resolve(args.new)
        result = compare(old.folder, new.folder, old_label=old.label, new_label=new.label)
    text = result.json() if args.format == "json" else result.markdown(all_status=args.all)
    if args.out is None:
        sys.stdout.write(text)
    else:
        _write(args.out, text)
    return 0


def write_changes(old_dir, new_dir, out_file, old_label: str = "previous build",
                  new_label: str = "this build", all_status: bool = False) -> "Diff":
    """Write the markdown of `compare(old_dir, new_dir)` to `out_file` (for `build --previous DIR`:
    `write_changes(DIR, <new build folder>, <new build folder>/changes.md)`); returns the Diff.
    The labels, not the folders' paths, name the two releases, so a temporary folder's name never
    reaches the file."""
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    result = compare(old_dir, new_dir, old_label=_describe(old_dir, old_label, []),
                     new_label=_describe(new_dir, new_label, []))
    _write(Path(out_file), result.markdown(all_status=all_status))
    return result


def check_build_dir(folder) -> Path:
    """`folder` if it holds a build (pactgraph.nq); InputError (exit 2) saying why not otherwise.
    For `build --previous DIR`, to refuse a wrong DIR before the build starts."""
    from .errors import InputError

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"not a build folder: {folder} ({'a file' if folder.exists() else 'no such folder'})")
    if not (folder / NQ_FILE).is_file():
        raise InputError(f"not a build folder: {folder} (no {NQ_FILE})")
    return folder


def _write(path: Path, text: str) -> None:
    from .errors import InputError

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None


# -- releases: build folders and git revisions ------------------------------------------------------

@dataclass
class Release:
    folder: Path
    label: str


class Releases:
    """Resolves OLD and NEW; builds git revisions in temporary folders it removes on exit."""

    def __init__(self, root: Path, log=lambda msg: None):
        self.root, self.log = Path(root), log
        self.temporary: list[Path] = []
        self.built: dict[str, Path] = {}  # commit -> build folder (a revision named twice is built once)

    def __enter__(self) -> "Releases":
        return self

    def __exit__(self, *exc) -> None:
        for folder in self.temporary:
            shutil.rmtree(folder, ignore_errors=True)

    def resolve(self, spec: str) -> Release:
        from .errors import InputError

        path = Path(spec)
        if path.is_dir():
            return Release(check_build_dir(path), _describe(path, spec, []))
        if path.exists():
            raise InputError(f"not a build folder: {spec} (a file)")
        commit = self._commit(spec)
        if commit is None:
            raise InputError(f"neither a build folder nor a git revision of {self.root}: {spec}")
        if commit not in self.built:
            self.built[commit] = self._build(spec, commit)
        return Release(self.built[commit], _describe(self.built[commit], spec, [f"commit {commit[:12]}"]))

    def _git(self, *args: str, binary: bool = False):
        try:
            return subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=not binary,
                                  check=False)
        except FileNotFoundError:
            return None

    def _commit(self, spec: str) -> str | None:
        if spec.startswith("-"):  # never an option to git
            return None
        done = self._git("rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
        if done is None or done.returncode != 0:
            return None
        return done.stdout.strip() or None

    def _build(self, spec: str, commit: str) -> Path:
        """The revision's sources in a temporary folder, built by that revision's own code."""
        from .errors import InputError

        prefix = self._git("rev-parse", "--show-prefix")
        prefix = prefix.stdout.strip() if prefix is not None and prefix.returncode == 0 else ""
        tmp = Path(tempfile.mkdtemp(prefix="pactgraph-diff-"))
        self.temporary.append(tmp)
        # The checkout may be a folder inside the repository: archive that folder's tree.
        archive = self._git("archive", "--format=tar", f"{commit}:{prefix}" if prefix else commit, binary=True)
        if archive is None or archive.returncode != 0:
            message = (archive.stderr.decode("utf-8", "replace").strip().splitlines() or ["git archive failed"])[-1] \
                if archive is not None else "git not found"
            raise InputError(f"cannot export {spec}: {message}")
        _extract(archive.stdout, tmp)
        self.log(f"building {spec} ({commit[:12]}) in {tmp}")
        out = tmp / "dist"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(tmp / "scripts"), *filter(None, [os.environ.get("PYTHONPATH")])])}
        command = [sys.executable, "-m", "pactgraph.cli", "--root", str(tmp), "build", "--out", str(out)]
        done = subprocess.run([*command, "--no-pages"], capture_output=True, text=True, env=env, cwd=tmp)
        if done.returncode == 2 and "--no-pages" in done.stderr:  # a revision from before --no-pages
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp)
        if done.returncode != 0 or not (out / NQ_FILE).is_file():
            last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
            raise InputError(f"the build of {spec} ({commit[:12]}) failed (exit {done.returncode}): {last}")
        return out


def _extract(data: bytes, folder: Path) -> None:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(folder, filter="data")
        else:  # Python before 3.10.12: git's own archive, members checked by hand
            members = [m for m in tar.getmembers()
                       if not (m.name.startswith("/") or ".." in Path(m.name).parts or m.issym() or m.islnk())]
            tar.extractall(folder, members=members)


def _version(folder: Path) -> str | None:
    """The version the build's report (build-report.json) gives, if any."""
    try:
        report = json.loads((folder / "build-report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = report.get("version") if isinstance(report, dict) else None
    return version if isinstance(version, str) else None


def _describe(folder: Path, label: str, notes: list[str]) -> str:
    """`label (notes…, pactgraph VERSION)`."""
    version = _version(folder)
    notes = notes + ([f"pactgraph {version}"] if version else [])
    return f"{label} ({', '.join(notes)})" if notes else label


# -- reading a release ------------------------------------------------------------------------------

Fact = tuple[str, str, str, str]  # graph, subject, predicate, object: N-Triples text, blank nodes as forms


@dataclass
class Snapshot:
    facts: set[Fact]
    subjects: set[str]  # every subject key in any graph
    sources: dict[str, list[str]]  # subject key -> its prov:wasDerivedFrom objects
    labels: dict[str, str]  # subject key -> a label (rdfs:label, English first)
    quads: int


def read_release(folder: Path) -> Snapshot:
    from .errors import InputError

    import pyoxigraph as ox

    path = Path(folder) / NQ_FILE
    try:
        quads = [(str(q.graph_name) if not isinstance(q.graph_name, ox.DefaultGraph) else "",
                  str(q.subject), str(q.predicate), str(q.object))
                 for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)]
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    except SyntaxError as err:
        raise InputError(f"{path}: not N-Quads: {str(err).splitlines()[0] if str(err) else err}") from None
    forms = _BlankForms(quads)
    facts: set[Fact] = set()
    sources: dict[str, set[str]] = {}
    labels: dict[str, tuple[int, str]] = {}
    for g, s, p, o in quads:
        if s.startswith("_:") and s in forms.owned:
            continue  # described inside the statement that mentions it
        s, o = forms.key(s), forms.key(o)
        facts.add((g, s, p, o))
        if p == DERIVED_FROM:
            sources.setdefault(s, set()).add(o)
        elif p == RDFS_LABEL and o.startswith('"'):
            rank = 0 if o.endswith('"@en') else 1
            if s not in labels or (rank, o) < labels[s]:
                labels[s] = (rank, o)
    return Snapshot(facts, {f[1] for f in facts}, {s: sorted(v) for s, v in sources.items()},
                    {s: _literal_text(v[1]) for s, v in labels.items()}, len(quads))


class _BlankForms:
    """Blank nodes as the nested description they stand for: `[ p o ; p o ]`, lists as `( a b )`.

    The form is built from the blank node's statements in every graph (a label is scoped to the whole
    document), with the pairs sorted, so two releases that describe the same restriction give the
    same text whatever RDFC-1.0 numbered it. A blank node on a cycle keeps its label where the cycle
    closes."""

    def __init__(self, quads):
        self.props: dict[str, list[tuple[str, str]]] = {}
        self.owned: set[str] = set()
        for _g, s, p, o in quads:
            if s.startswith("_:"):
                self.props.setdefault(s, []).append((p, o))
            if o.startswith("_:"):
                self.owned.add(o)
        # A blank node is folded into the statement that mentions it only if it hangs, however deep,
        # from an IRI or from a blank node nothing mentions; a cycle of blank nodes that nothing else
        # mentions keeps its own statements, or they would be lost.
        roots = [o for _g, s, _p, o in quads if o.startswith("_:") and not (s.startswith("_:") and s in self.owned)]
        reached = set(roots)
        while roots:
            for _p, o in self.props.get(roots.pop(), ()):
                if o.startswith("_:") and o not in reached:
                    reached.add(o)
                    roots.append(o)
        self.owned &= reached
        self.memo: dict[str, str] = {}

    def key(self, term: str) -> str:
        return self._form(term, ()) if term.startswith("_:") else term

    def _form(self, node: str, path: tuple) -> str:
        if node in self.memo:
            return self.memo[node]
        if node in path:
            return node
        path = (*path, node)
        pairs = self.props.get(node, [])
        items = _list_items(node, self.props)
        if items is not None:
            text = "( " + " ".join(self._form(i, path) if i.startswith("_:") else i for i in items) + " )"
        else:
            text = "[ " + " ; ".join(sorted(f"{p} {self._form(o, path) if o.startswith('_:') else o}"
                                             for p, o in set(pairs))) + " ]" if pairs else "[]"
        if not any(n in path[:-1] for n in _reachable(node, self.props)):  # no cycle through here
            self.memo[node] = text
        return text


def _list_items(node: str, props) -> list[str] | None:
    """The members of the well-formed RDF list starting at `node`, or None."""
    items, seen = [], set()
    while node != RDF_NIL:
        pairs = props.get(node) if node.startswith("_:") else None
        if not pairs or node in seen or len(pairs) != 2:
            return None
        seen.add(node)
        d = dict(pairs)
        if set(d) != {RDF_FIRST, RDF_REST}:
            return None
        items.append(d[RDF_FIRST])
        node = d[RDF_REST]
    return items


def _reachable(node: str, props) -> set[str]:
    seen, todo = set(), [node]
    while todo:
        n = todo.pop()
        for _p, o in props.get(n, ()):
            if o.startswith("_:") and o not in seen:
                seen.add(o)
                todo.append(o)
    return seen


def _literal_text(nt: str) -> str:
    """The lexical form of an N-Triples literal (for headings)."""
    import pyoxigraph as ox

    try:
        return next(iter(ox.parse(f"<x:s> <x:p> {nt} .", format=ox.RdfFormat.N_TRIPLES))).object.value
    except (SyntaxError, StopIteration):
        return nt


# -- comparing --------------------------------------------------------------------------------------

@dataclass
class Resource:
    subject: str
    state: str  # new | removed | changed
    label: str | None
    sources: list[str]
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # predicate, old, new

    def facts(self) -> tuple[int, int]:
        """(added, removed) facts, a change counting as both."""
        return (len(self.added) + sum(len(n) for _p, _o, n in self.changed),
                len(self.removed) + sum(len(o) for _p, o, _n in self.changed))

    def as_json(self) -> dict:
        return {"subject": self.subject, "state": self.state, "label": self.label, "sources": self.sources,
                "added": [list(x) for x in self.added], "removed": [list(x) for x in self.removed],
                "changed": [{"predicate": p, "old": o, "new": n} for p, o, n in self.changed]}


@dataclass
class GraphDiff:
    graph: str
    added: int
    removed: int
    resources: list[Resource]  # listed here (ontology terms are listed apart, in Diff.terms)
    summarised: bool
    states: dict[str, int] = field(default_factory=dict)  # state -> subjects, terms included

    def count(self, state: str) -> int:
        return self.states.get(state, 0)


@dataclass
class TermChange(Resource):
    kinds: list[str] = field(default_factory=list)  # "axiom", "annotation"


@dataclass
class Diff:
    old_label: str
    new_label: str
    old_quads: int
    new_quads: int
    graphs: list[GraphDiff]
    terms: list[TermChange]
    old_version: str | None = None  # from the builds' build-report.json
    new_version: str | None = None

    # -- JSON -------------------------------------------------------------------------------------
    def as_json(self) -> dict:
        return {
            "old": {"release": self.old_label, "version": self.old_version, "quads": self.old_quads},
            "new": {"release": self.new_label, "version": self.new_version, "quads": self.new_quads},
            "summary": {"added": sum(g.added for g in self.graphs), "removed": sum(g.removed for g in self.graphs),
                        "graphs": [{"graph": g.graph, "added": g.added, "removed": g.removed,
                                    "resources": {s: g.count(s) for s in ("new", "removed", "changed")}}
                                   for g in self.graphs],
                        "version": suggested_bump(self)},
            "terms": [{**t.as_json(), "kinds": t.kinds} for t in self.terms],
            "graphs": [{"graph": g.graph, "summarised": g.summarised, "added": g.added, "removed": g.removed,
                        "resources": [r.as_json() for r in g.resources]} for g in self.graphs],
        }

    def json(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    # -- markdown ---------------------------------------------------------------------------------
    def markdown(self, all_status: bool = False) -> str:
        out = [f"# Changes from {self.old_label} to {self.new_label}", ""]
        added, removed = sum(g.added for g in self.graphs), sum(g.removed for g in self.graphs)
        out += [f"{added:,} facts added and {removed:,} removed ({self.old_quads:,} quads before, "
                f"{self.new_quads:,} after). A fact is a statement in a named graph; blank nodes are "
                "compared by what they describe. \"Changed\" is a resource's property that lost a value "
                "and gained another; the sources listed are the resource's prov:wasDerivedFrom.", ""]
        if not self.graphs:
            out += ["No differences.", ""]
            return "\n".join(out)
        out += ["| graph | facts added | facts removed | resources new | removed | changed |",
                "|---|--:|--:|--:|--:|--:|"]
        for g in self.graphs:
            out.append(f"| {_code(_short(g.graph) if g.graph else 'default graph')} | {g.added:,} | {g.removed:,} | "
                       f"{g.count('new'):,} | {g.count('removed'):,} | {g.count('changed'):,} |")
        bump = suggested_bump(self)
        next_version = f"; from {self.old_version}, the next version is at least {bump['next']}" \
            if bump.get("next") else ""
        out += ["", f"Version step (docs/decisions.md, D14): at least **{bump['level']}** ({bump['reason']})"
                f"{next_version}.", ""]
        out += self._terms_markdown()
        for g in self.graphs:
            out += self._graph_markdown(g, all_status)
        return "\n".join(out).rstrip("\n") + "\n"

    def _terms_markdown(self) -> list[str]:
        if not self.terms:
            return []
        counts = {s: sum(1 for t in self.terms if t.state == s) for s in ("new", "removed", "changed")}
        out = ["## Ontology terms", "",
               f"{counts['new']} added, {counts['removed']} removed, {counts['changed']} changed; an axiom is "
               "any statement but an annotation (label, definition, comment, note).", ""]
        for t in self.terms:
            head = {"new": "term added", "removed": "term removed", "changed": "term changed"}[t.state]
            what = ""
            if t.state == "changed":
                preds = {p for p, *_ in t.changed} | {p for p, _o in t.added + t.removed}
                what = " (" + "; ".join(
                    f"{kind}: " + ", ".join(sorted(KEY_PREDICATES.get(p, _short(p)) for p in preds
                                                   if (p in ANNOTATIONS) == (kind == "annotation")))
                    for kind in t.kinds) + ")"
            label = f" \"{t.label}\"" if t.label else ""
            out.append(f"- {head}: {_code(_short(t.subject))}{label}{what}")
            out += ["  " + line for line in _fact_lines(t, new_state=t.state == "new")]
        out.append("")
        return out

    def _graph_markdown(self, g: GraphDiff, all_status: bool) -> list[str]:
        name = _short(g.graph) if g.graph else "default graph"
        if g.summarised and not all_status:
            return [f"## {_code(name)} (derived: summarised)", "",
                    f"{g.added:,} facts added, {g.removed:,} removed; resources: {g.count('new'):,} new, "
                    f"{g.count('removed'):,} removed, {g.count('changed'):,} changed "
                    "(`--all` lists them).", ""]
        if not g.resources:  # only ontology terms, shown above
            return []
        out = [f"## {_code(name)}", ""]
        for r in g.resources:
            label = f" — {r.label}" if r.label else ""
            out += [f"### {_code(_short(r.subject))}{label} ({r.state})", ""]
            if r.sources:
                out += ["sources: " + ", ".join(_link(s) for s in r.sources), ""]
            out += _fact_lines(r, new_state=r.state == "new") + [""]
        return out


def _fact_lines(r: Resource, new_state: bool = False) -> list[str]:
    lines = []
    for p, old, new in r.changed:
        lines.append(f"- changed {_code(_short(p))}: {', '.join(_code(_short(o)) for o in old)} → "
                     f"{', '.join(_code(_short(n)) for n in new)}")
    for p, o in r.added:
        lines.append(f"- {'' if new_state else 'added '}{_code(_short(p))} {_code(_short(o))}")
    for p, o in r.removed:
        lines.append(f"- removed {_code(_short(p))} {_code(_short(o))}")
    return lines


def compare(old_dir: Path, new_dir: Path, old_label: str | None = None, new_label: str | None = None) -> Diff:
    """The differences between the builds in two folders."""
    old, new = read_release(Path(old_dir)), read_release(Path(new_dir))
    gone, came = old.facts - new.facts, new.facts - old.facts
    per_graph: dict[str, dict[str, tuple[list, list]]] = {}
    for facts, at in ((came, 0), (gone, 1)):
        for g, s, p, o in facts:
            per_graph.setdefault(g, {}).setdefault(s, ([], []))[at].append((p, o))

    def state_of(subject: str) -> str:
        return "new" if subject not in old.subjects else "removed" if subject not in new.subjects else "changed"

    def resource(subject: str, added: list, removed: list, cls=Resource) -> Resource:
        state = state_of(subject)
        side = old if state == "removed" else new
        r = cls(subject, state, side.labels.get(subject) or (old.labels.get(subject)),
                side.sources.get(subject, []))
        by_predicate_added: dict[str, list[str]] = {}
        by_predicate_removed: dict[str, list[str]] = {}
        for p, o in added:
            by_predicate_added.setdefault(p, []).append(o)
        for p, o in removed:
            by_predicate_removed.setdefault(p, []).append(o)
        for p in sorted(by_predicate_added.keys() & by_predicate_removed.keys()):
            r.changed.append((p, sorted(by_predicate_removed.pop(p)), sorted(by_predicate_added.pop(p))))
        r.added = sorted((p, o) for p, os_ in by_predicate_added.items() for o in os_)
        r.removed = sorted((p, o) for p, os_ in by_predicate_removed.items() for o in os_)
        return r

    # Ontology terms: every change to a pg: term in an ontology graph, all such graphs together.
    term_facts: dict[str, tuple[list, list]] = {}
    graphs = []
    for g in sorted(per_graph, key=lambda g: g.strip("<>")):
        subjects = per_graph[g]
        ontology = g.startswith("<" + ONTOLOGY_GRAPHS)
        listed = []
        for s in sorted(subjects):
            added, removed = subjects[s]
            if ontology and s.startswith("<" + PG):
                both = term_facts.setdefault(s, ([], []))
                both[0].extend(added)
                both[1].extend(removed)
            else:
                listed.append(resource(s, added, removed))
        n_added = sum(len(a) for a, _r in subjects.values())
        n_removed = sum(len(r) for _a, r in subjects.values())
        states: dict[str, int] = {}
        for subject in subjects:
            states[state_of(subject)] = states.get(state_of(subject), 0) + 1
        graphs.append(GraphDiff(g, n_added, n_removed, listed, g.strip("<>") in SUMMARISED_GRAPHS, states))
    terms = []
    for s in sorted(term_facts):
        t = resource(s, *term_facts[s], cls=TermChange)
        preds = {p for p, *_ in t.changed} | {p for p, _o in t.added + t.removed}
        t.kinds = [] if t.state != "changed" else [k for k, hit in (("axiom", any(p not in ANNOTATIONS for p in preds)),
                                    ("annotation", any(p in ANNOTATIONS for p in preds))) if hit]
        terms.append(t)
    return Diff(old_label or str(old_dir), new_label or str(new_dir), old.quads, new.quads, graphs, terms,
                _version(Path(old_dir)), _version(Path(new_dir)))


def suggested_bump(diff: Diff) -> dict:
    """The smallest SemVer step the differences allow (docs/decisions.md, D14), as {"level", "reason",
    "next"}: a removed term or a changed axiom of an existing term is major, an added term or a new
    resource in the data minor, anything else a patch. A lower bound for a person to confirm, not a
    decision: the tool cannot tell an axiom that only relaxes a constraint (minor) from one that
    tightens it, nor a removed resource that was an error (patch) from a withdrawn one (major).
    "next" is the old version raised by that step (while the major version is 0, a major step raises
    the minor and a minor step the patch, as Cargo reads SemVer's 0.y.z)."""
    found = _bump_level(diff)
    found["next"] = _next_version(diff.old_version, found["level"])
    return found


def _next_version(version: str | None, level: str) -> str | None:
    parts = (version or "").split(".")
    if level == "none" or len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    major, minor, patch = map(int, parts)
    if major == 0:  # initial development: everything moves one place down
        level = {"major": "minor", "minor": "patch"}.get(level, "patch")
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0",
            "patch": f"{major}.{minor}.{patch + 1}"}[level]


def _bump_level(diff: Diff) -> dict:
    removed = [t for t in diff.terms if t.state == "removed"]
    axioms = [t for t in diff.terms if t.state == "changed" and "axiom" in t.kinds]
    added = [t for t in diff.terms if t.state == "new"]
    annotations = [t for t in diff.terms if t.state == "changed" and t.kinds == ["annotation"]]
    new_data = any(g.count("new") for g in diff.graphs if not g.summarised)
    if removed or axioms:
        parts = [f"{len(removed)} term(s) removed"] if removed else []
        parts += [f"axioms changed on {', '.join(_short(t.subject) for t in axioms)}, minor if they only "
                  "relax a constraint"] if axioms else []
        return {"level": "major", "reason": "; ".join(parts)}
    if added or new_data:
        return {"level": "minor", "reason": f"{len(added)} term(s) added" if added else "new resources in the data"}
    if annotations or diff.graphs:
        return {"level": "patch", "reason": "annotations or facts corrected, nothing added or removed"}
    return {"level": "none", "reason": "no differences"}


# -- display ----------------------------------------------------------------------------------------

def _prefixes() -> list[tuple[str, str]]:
    from .namespaces import PREFIXES

    return sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


_PREFIXES: list[tuple[str, str]] = []


def _short(term: str) -> str:
    """An N-Triples term, or a blank node's form, with IRIs written as prefixed names where a prefix
    fits (`pgid:act/x`, `"2017"^^xsd:gYear`)."""
    if not _PREFIXES:
        _PREFIXES.extend(_prefixes())
    out, i = [], 0
    while i < len(term):
        c = term[i]
        if c == '"':  # a literal: copy through its closing quote (escapes kept)
            j = i + 1
            while j < len(term) and term[j] != '"':
                j += 2 if term[j] == "\\" else 1
            out.append(term[i:j + 1])
            i = j + 1
        elif c == "<":
            j = term.index(">", i)
            out.append(_curie(term[i + 1:j]))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _curie(iri: str) -> str:
    for prefix, ns in _PREFIXES:
        if iri.startswith(ns) and len(iri) > len(ns) and not any(ch in iri[len(ns):] for ch in " <>\"{}|^`\\#"):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _code(text: str) -> str:
    """A markdown code span that holds `text` whatever backticks it contains."""
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    if not longest:
        return f"`{text}`"
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def _link(term: str) -> str:
    if term.startswith("<") and term.endswith(">") and " " not in term:
        return term  # an autolink
    return _code(_short(term))
