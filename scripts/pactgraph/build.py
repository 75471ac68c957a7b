"""The main job: sources -> store -> validate -> check queries -> write dist/.

Nothing is written unless every step passes, and dist/ is replaced in one rename, so a failed build
leaves the previous output exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import export, outdir, queries
from .errors import ChecksFailed
from .sources import load_store, relpath, source_files
from .version import RELEASE_DATE, VERSION


@dataclass
class BuildResult:
    triples: int
    graphs: int
    conforms: bool
    queries_checked: int
    cases_checked: int
    qc_checks: int
    seconds: float
    out_dir: Path
    files: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"pactgraph {VERSION}: {self.triples} triples in {self.graphs} graphs; "
                f"conforms: {'yes' if self.conforms else 'no'}; "
                + (f"{self.queries_checked} queries ({self.cases_checked} cases)" if self.cases_checked else
                   f"{self.queries_checked} queries run (expected results not compared)")
                + f" and {self.qc_checks} QC checks passed; "
                f"wrote {len(self.files)} files to {self.out_dir} in {self.seconds:.2f} s")


#: Seconds the canned queries, and then the QC checks, may take in all (build --query-timeout): at a
#: million triples they take about 8 s (docs/benchmarks.md); a query that runs away fails the build.
QUERY_TIMEOUT = 300.0


def check_queries(store: ox.Store, queries_dir: Path, expected: bool = True,
                  timeout: float | None = None) -> tuple[int, int, list[str]]:
    """Run every canned query against its expected results; returns (queries, cases, failures).

    With `expected` off (data other than the project's own, for which the expected results were not
    written) each query runs once with its default parameters and only an error fails.
    """
    found = queries.discover(queries_dir)
    if not expected:
        def runs(q) -> None:
            queries.rows(queries.run(store, q.text, q.bindings()))

        queries.parallel_map(runs, found.values(), timeout=timeout, name=lambda q: f"query {q.name}")
        return len(found), 0, []
    failures, cases = [], 0
    for results in queries.parallel_map(lambda q: queries.check(store, q), found.values(), timeout=timeout,
                                        name=lambda q: f"query {q.name}"):
        for r in results:
            cases += 1
            if not r.ok:
                failures.append(f"query {r.query} case {r.case}: {r.detail}")
    return len(found), cases, failures


def run_qc(store: ox.Store, queries_dir: Path, timeout: float | None = None) -> tuple[int, list[str]]:
    """Run the `*-violation.rq` QC queries; any row they return is a failure."""
    paths = queries.violation_checks(queries_dir)

    def rows_of(path: Path) -> list[dict]:
        return queries.rows(queries.run(store, queries.read_query_text(path)))[1]

    failures = []
    for path, got in zip(paths, queries.parallel_map(rows_of, paths, timeout=timeout, name=lambda p: p.name)):
        failures += [f"{path.name}: {row}" for row in got[:10]]
    return len(paths), failures


def build(project, out_dir: Path | None = None, data_dir: Path | None = None, log=print,
          engine: str = "oxigraph", pages: bool = True, previous: Path | None = None,
          query_timeout: float | None = QUERY_TIMEOUT) -> BuildResult:
    from .validate import validate_store  # pyshacl is loaded only by engine="pyshacl" (or a fallback)

    started = time.perf_counter()
    files = source_files(project, data_dir)
    # Refused before anything is loaded: the build replaces its output folder whole (outdir.py).
    sources = [project.ontology_dir, project.data_dir, project.queries_dir]
    out_dir = outdir.check_out_dir(out_dir or project.dist_dir, project.root,
                                   sources + ([Path(data_dir)] if data_dir is not None else []))
    outdir.remove_stale(out_dir, log=log)
    if previous is not None:  # refused before the build's work, like a wrong --out
        from .diff import check_build_dir

        previous = check_build_dir(previous)
    store = load_store(files)
    log(f"loaded {len(files)} files, {len(store)} quads in {time.perf_counter() - started:.2f} s")

    lap = time.perf_counter()
    report = validate_store(store, files, project.shapes_files(), project.ontology_shapes_files(), project.root,
                            engine=engine)
    log(f"validated ({engine}) in {time.perf_counter() - lap:.2f} s")
    problems = []
    if not report.conforms:
        problems.append(report.text())
    # The expected results describe the project's data; another --data folder (a generated world, a
    # user's own) still runs every query, but is not held to them.
    own_data = data_dir is None or Path(data_dir).resolve() == project.data_dir.resolve()
    if not own_data:
        log("expected query results not compared: --data is not the project's data folder")

    tmp = outdir.temp_dir(out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    exporting = None
    lap = time.perf_counter()
    try:
        if report.conforms:
            # The exports are written into the temporary folder while the queries and QC checks run
            # (the store is read by both at once): the checks are mostly Oxigraph work, which releases
            # the GIL, the exports mostly Python and child processes. dist/ is replaced only after
            # every check passed, so a failing check still publishes nothing.
            # The VoID statistics (scans of the store, for void.ttl and the build report) run then too.
            from concurrent.futures import ThreadPoolExecutor

            from .describe import statistics

            tmp.mkdir(parents=True)
            outdir.mark(tmp)
            pool = ThreadPoolExecutor(2)
            exporting = pool.submit(export.write_store, store, tmp)  # streams: no Python object per quad
            counting = pool.submit(statistics, store)
            pool.shutdown(wait=False)
        n_queries, n_cases, query_failures = check_queries(store, project.queries_dir, expected=own_data,
                                                           timeout=query_timeout)
        n_qc, qc_failures = run_qc(store, project.queries_dir, timeout=query_timeout)
        log(f"queries and QC checks in {time.perf_counter() - lap:.2f} s")
        problems += query_failures + qc_failures
        if problems:
            raise ChecksFailed("build failed; dist/ left unchanged:\n" + "\n".join(problems))
        sizes = exporting.result()
        stats = counting.result()
        log(f"exports written and statistics counted {time.perf_counter() - lap:.2f} s after the checks started")
        from .publish import publish

        sizes.update(publish(store, None, tmp, project, log=log, pages=pages, stats=stats))
        counts = dict(stats["graphs"])
        shacl = ox.serialize(export.canonical_quads(_oxquads(report.graph)), format=ox.RdfFormat.N_QUADS)
        (tmp / "shacl-report.ttl").write_bytes(
            ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(shacl, format=ox.RdfFormat.N_QUADS)),
                         format=ox.RdfFormat.TURTLE, prefixes={"sh": "http://www.w3.org/ns/shacl#"}))
        for path in project.shapes_files():
            shutil.copyfile(path, tmp / path.name)
        build_report = {
            "version": VERSION,
            "release_date": RELEASE_DATE,
            "triples": stats["triples"],
            "quads": len(store),
            "graphs": counts,
            "sources": [relpath(f.path, project.root) for f in files],
            "conforms": True,
            "queries_checked": n_queries,
            "query_cases_checked": n_cases,
            "qc_checks": n_qc,
            # Downloads by name; the per-resource pages only as a count (they grow with the data).
            "files": {k: sizes[k] for k in sorted(sizes) if not k.startswith("site/id/")},
            "resource_page_files": sum(1 for k in sizes if k.startswith("site/id/")),
        }
        (tmp / "build-report.json").write_text(json.dumps(build_report, indent=2, sort_keys=True) + "\n",
                                               encoding="utf-8")
        if previous is not None:  # dist/changes.md: the facts changed since the build in DIR (diff.py)
            from .diff import CHANGES_FILE, write_changes

            write_changes(previous, tmp, tmp / CHANGES_FILE)
            sizes[CHANGES_FILE] = (tmp / CHANGES_FILE).stat().st_size
        _swap(tmp, out_dir)
    except BaseException:
        if exporting is not None:
            exporting.exception()  # wait for it, whatever it did, before removing its folder
            counting.exception()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_packaged_release(project, out_dir, own_data, log)
    return BuildResult(build_report["triples"], len(counts), True, n_queries, n_cases, n_qc,
                       time.perf_counter() - started, out_dir, sizes)


def write_packaged_release(project, out_dir: Path, own_data: bool, log=print) -> Path | None:
    """Copy the release just written to dist/ into the package (scripts/pactgraph/release/, package data
    of the wheel, with a manifest of hashes; docs/decisions.md D13). Only a build of the project's own
    data into its own dist/ is a release: a build of other data or into another folder leaves the
    packaged release as it was. None when nothing was written."""
    if not own_data or out_dir.resolve() != project.dist_dir.resolve() or not project.release_dir.parent.is_dir():
        return None
    from .project import write_release

    target = write_release(project, out_dir, VERSION)
    log(f"wrote the packaged release to {relpath(target, project.root)}")
    return target


def _oxquads(graph) -> list[ox.Quad]:
    data = graph.serialize(format="nt", encoding="utf-8")
    return [ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def _swap(new: Path, target: Path) -> None:
    """Replace `target` by `new` with renames only, so readers see the old or the new, never a mix."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
