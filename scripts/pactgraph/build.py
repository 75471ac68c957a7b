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
from .sources import PERIODS_FILE, load_store, relpath, source_files
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
    own_data: bool = True  # the project's own data (held to the expected results; a release)

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


#: Sources larger than this (bytes of Turtle) are loaded into a store on disk, not in memory, unless
#: `build --store` says which: in memory a source byte costs about 25 bytes of RAM with the derived
#: status periods (1M triples: 56 MB of Turtle, 1.4 GB), so 256 MiB (some 4.5M triples) would take
#: 6 GB; on disk the build stays within a few GB at 10M triples (docs/benchmarks.md, D15).
DISK_STORE_ABOVE = 256 * 1024 * 1024


#: The status periods of an in-memory build, for its exports, in the temporary output folder.
PERIODS_SCRATCH = ".status-periods.nq"


def build(project, out_dir: Path | None = None, data_dir: Path | None = None, log=print,
          engine: str = "oxigraph", pages: bool = True, previous: Path | None = None,
          query_timeout: float | None = QUERY_TIMEOUT, store: str | Path | None = None) -> BuildResult:
    """Build into `out_dir`. `store`: None (in memory, or on disk in a temporary folder above
    DISK_STORE_ABOVE), "memory", or a folder for an on-disk store that is kept after the build."""

    started = time.perf_counter()
    files = source_files(project, data_dir)
    # Refused before anything is loaded: the build replaces its output folder whole (outdir.py).
    sources = [project.ontology_dir, project.data_dir, project.queries_dir]
    sources += [Path(data_dir)] if data_dir is not None else []
    out_dir = outdir.check_out_dir(out_dir or project.dist_dir, project.root, sources)
    keep_store = store not in (None, "memory")
    store_dir = outdir.check_store_dir(Path(store), out_dir, project.root, sources) if keep_store else None
    outdir.remove_stale(out_dir, log=log)
    if previous is not None:  # refused before the build's work, like a wrong --out
        from .diff import check_build_dir

        previous = check_build_dir(previous)
    if store is None and sum(f.path.stat().st_size for f in files) > DISK_STORE_ABOVE:
        store_dir = outdir.temp_store_dir(out_dir)
        log(f"the sources are over {DISK_STORE_ABOVE // 2**20} MiB: the store goes on disk ({store_dir}, "
            "removed at the end; 'build --store DIR' keeps it)")
    tmp = outdir.temp_dir(out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    outdir.mark(tmp)
    # The status periods as N-Quads, for the exports: beside an on-disk store, in the temporary
    # output folder (removed before it is published) for one in memory.
    periods = store_dir / PERIODS_FILE if store_dir else tmp / PERIODS_SCRATCH
    exporting = None
    try:
        # The exports are written into the temporary folder by another process (export.ExportJob), from
        # the source files while this one loads them, then from the periods the load derived while this
        # one validates the store and runs the queries and QC checks on it: the exports are Python work
        # over every statement, the checks Oxigraph's. dist/ is replaced only after every check passed,
        # so a failing check still publishes nothing.
        exporting = export.ExportJob(tmp, files, periods)
        graph_store = load_store(files, path=outdir.fresh_store_dir(store_dir) if store_dir else None,
                                 periods=periods)
        exporting.go()
        log(f"loaded {len(files)} files, {len(graph_store)} quads in {time.perf_counter() - started:.2f} s"
            + (f" (on disk: {store_dir})" if store_dir else ""))
        built = _check_and_publish(project, graph_store, files, tmp, out_dir, log, engine, pages, previous,
                                   query_timeout, data_dir, started, exporting, periods)
    except BaseException:
        if exporting is not None:
            exporting.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if store_dir is not None and not keep_store:
            shutil.rmtree(store_dir, ignore_errors=True)
    write_packaged_release(project, built.out_dir, built.own_data, log)
    if keep_store:
        log(f"kept the on-disk store in {store_dir} (serve it: oxigraph serve-read-only --location {store_dir})")
    return built


def _check_and_publish(project, store, files, tmp, out_dir, log, engine, pages, previous, query_timeout,
                       data_dir, started, exporting, periods) -> BuildResult:
    from .validate import validate_store  # pyshacl is loaded only by engine="pyshacl" (or a fallback)

    lap = time.perf_counter()
    report = validate_store(store, files, project.shapes_files(), project.ontology_shapes_files(), project.root,
                            engine=engine)
    log(f"validated ({engine}) in {time.perf_counter() - lap:.2f} s")
    problems = []
    if not report.conforms:
        exporting.kill()  # nothing will be published: stop writing
        problems.append(report.text())
    # The expected results describe the project's data; another --data folder (a generated world, a
    # user's own) still runs every query, but is not held to them.
    own_data = data_dir is None or Path(data_dir).resolve() == project.data_dir.resolve()
    if not own_data:
        log("expected query results not compared: --data is not the project's data folder")

    lap = time.perf_counter()
    counting = None
    if report.conforms:
        # The VoID statistics (scans of the store, for void.ttl and the build report) run beside
        # the queries.
        from concurrent.futures import ThreadPoolExecutor

        from .describe import statistics

        pool = ThreadPoolExecutor(1)
        counting = pool.submit(statistics, store)
        pool.shutdown(wait=False)
    n_queries, n_cases, query_failures = check_queries(store, project.queries_dir, expected=own_data,
                                                       timeout=query_timeout)
    n_qc, qc_failures = run_qc(store, project.queries_dir, timeout=query_timeout)
    log(f"queries and QC checks in {time.perf_counter() - lap:.2f} s")
    problems += query_failures + qc_failures
    if problems:
        if counting is not None:
            counting.exception()
        raise ChecksFailed("build failed; dist/ left unchanged:\n" + "\n".join(problems))
    stats = counting.result()
    sizes, _ = exporting.result()
    if periods.parent == tmp:
        periods.unlink()
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
    return BuildResult(build_report["triples"], len(counts), True, n_queries, n_cases, n_qc,
                       time.perf_counter() - started, out_dir, sizes, own_data)


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
