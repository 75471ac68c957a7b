"""`pactgraph bench`: time and measure each stage of the build on generated data, against a reference.

For each scale (default 10k, 100k and 1M triples) a world is generated (`pactgraph generate`, optionally
with `--faults K`, in a child process of its own so that this one stays small) and two pipelines run on
it, each stage timed:

* **pactgraph**: the project's own functions, as `pactgraph build` calls them: `sources.load_store`
  (load; it includes the derivation of the status periods, `status.derive`, whose own seconds are
  reported beside the load as "derive"), `validate.validate_store` with the Oxigraph engine
  (validate), `queries.run` on every canned query with its default parameters (queries) and on every
  `checks/*-violation.rq` (checks), each set on a thread per core (`queries.parallel_map`), and
  `export.write_sources` from the source files and the periods the loader wrote, as the build does (export:
  N-Quads, TriG, Turtle, N-Triples, RDF/XML, JSON-LD). The stages run
  one after the other here, so each is timed alone; `pactgraph build` overlaps the export with the
  queries and checks.
  The store is in memory, or on disk (Oxigraph's RocksDB store, filled by its bulk loader) exactly
  when `pactgraph build` would put it there: when the source files (ontology and data) total more
  than `build.DISK_STORE_ABOVE` bytes. The on-disk store is made in a fresh folder under the bench's
  work folder and removed after each run; the JSON says which store was used (`"store"`).
* **reference**: the same work with the plain libraries: rdflib parses each file into a named graph of
  an `rdflib.Dataset`, pyshacl validates the merged rdflib graph (and the ontology against the ontology
  shapes, as validate.py does), rdflib's SPARQL engine runs the same queries with the same parameters,
  rdflib's serialisers write the same six formats.

The ratio reference/pactgraph is printed per stage. The queries' expected results are for the real
data, so on generated data they are only timed (row counts of the two engines are compared and
reported). The two validators must reach the same verdict with the same violations (focus node +
shape), and both must equal the manifest of injected faults (`faults.json`); a mismatch exits 1.

Memory: every run of a pipeline is a fresh Python process. Before each stage the process's peak RSS
(VmHWM) is reset to its current RSS (Linux `/proc/self/clear_refs`, value 5) and read after the stage,
so "peak MiB" is the largest resident set of the whole process during that stage: it includes the
interpreter, the libraries and what earlier stages left in memory (the store), not only what the
stage allocated. Without clear_refs the figure is the process's peak so far (said in the output).
The export stage starts child processes (Oxigraph's TriG, Turtle and RDF/XML writers, and above
`export.COMPACT_JSONLD_MAX` triples its JSON-LD writer), which run beside the pipeline's process; their
memory is not in "peak MiB" (one process) but is reported beside it: `children_max_rss_mib`, the
largest peak of one child (getrusage RUSAGE_CHILDREN, exact), and `tree_peak_rss_mib`, the largest sum
of the resident sets of the pipeline process and all its descendants, sampled every 0.1 s during the
export (a sample can miss a short peak; it is never below the process's own peak, which is folded in).
The total's `tree_peak_rss_mib` is the largest of those over the stages: the figure to hold against
a memory bound.

`python -m pactgraph.growth BENCH.json` turns the JSON into the growth table (each stage at each scale,
with the ratio per step) and its log-log picture (growth.py).

Only standard-library imports at module level (the CLI loads this module to list its arguments).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

# platform, shutil, signal, statistics, subprocess and tempfile are imported where they are used: the CLI
# imports this module for every command (to list its arguments), so module-level imports cost every
# `pactgraph query`.

HELP = "time and measure every build stage on generated data (10k/100k/1M triples) against an rdflib/pyshacl reference"

DEFAULT_SCALES = ("10k", "100k", "1M")
STAGES = ("load", "validate", "queries", "checks", "export")
STAGE_LABELS = {"load": "load", "validate": "validate", "queries": "queries", "checks": "QC checks",
                "export": "export", "total": "total"}
EXPORT_FORMATS = ("N-Quads", "TriG", "Turtle", "N-Triples", "RDF/XML", "JSON-LD")


def add_arguments(parser) -> None:
    parser.add_argument("--triples", "-n", nargs="+", metavar="N",
                        help="scales to run, e.g. 10k 100k 1M (default: %(default)s)".replace(
                            "%(default)s", " ".join(DEFAULT_SCALES)))
    parser.add_argument("--seed", "-s", type=int, default=1, help="seed of the generated worlds (default 1)")
    parser.add_argument("--faults", "-k", type=int, default=0, metavar="K",
                        help="inject K faults of each kind; the verdicts must then list exactly those (default 0)")
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="benchmark this data folder instead of generating (one scale; faults.json is used if present)")
    parser.add_argument("--repeat", "-r", type=int, default=3, metavar="R",
                        help="runs of the pactgraph pipeline per scale below 1M triples; the median is reported (default 3)")
    parser.add_argument("--repeat-large", type=int, default=1, metavar="R",
                        help="runs of the pactgraph pipeline at 1M triples and more (default 1)")
    parser.add_argument("--reference-repeat", type=int, default=1, metavar="R",
                        help="runs of the reference pipeline per scale (default 1)")
    parser.add_argument("--reference-max", metavar="N", default="100k",
                        help="skip the reference pipeline above N triples (default 100k; 'none' runs it at every scale)")
    parser.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                        help="stop a query (either pipeline) after this long and report the time as a lower bound (default 600)")
    parser.add_argument("--validate-timeout", type=float, default=3600, metavar="SECONDS",
                        help="stop the reference (pyshacl) validation after this long (default 3600)")
    parser.add_argument("--reference-memory", type=float, default=8, metavar="GIB",
                        help="address-space limit of the reference process; a stage or query that needs more "
                             "fails with MemoryError and is reported as such (default 8 GiB)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--after", type=Path, metavar="FILE",
                        help="the JSON of an earlier, smaller bench: what timed out there is not rerun (reported as a timeout)")
    parser.add_argument("--work", type=Path, metavar="DIR", help="generate into DIR and keep it (default: a temporary folder)")
    parser.add_argument("--detail", action="store_true", help="print every query and export format, not only the stages")


# ---------------------------------------------------------------------------------------------------
# The parent: generate, run the pipelines in child processes, compare, report
# ---------------------------------------------------------------------------------------------------


def run(project, args) -> int:
    import shutil
    import tempfile

    from .errors import EXIT_CHECKS_FAILED, InputError, PactgraphError
    from .generate import parse_count

    try:
        scales = [parse_count(t) for t in (args.triples or DEFAULT_SCALES)]
        ref_max = None if str(args.reference_max).lower() in ("none", "all", "0") else parse_count(args.reference_max)
    except ValueError as err:
        raise InputError(str(err)) from None
    if args.data and args.triples:
        raise InputError("give either --data DIR or --triples, not both")
    if min(args.repeat, args.repeat_large, args.reference_repeat) < 1:
        raise InputError("--repeat, --repeat-large and --reference-repeat must be at least 1")
    if args.data and not args.data.is_dir():
        raise InputError(f"data folder not found: {args.data}")

    work = args.work or Path(tempfile.mkdtemp(prefix="pactgraph-bench-"))
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results = {
        "pactgraph_version": _version(),
        "machine": machine(),
        "command": "pactgraph bench " + " ".join(_argv_tail()),
        "settings": {"seed": args.seed, "faults_per_kind": args.faults, "repeat": args.repeat,
                     "repeat_large": args.repeat_large, "reference_repeat": args.reference_repeat,
                     "reference_max": ref_max, "timeout_seconds": args.timeout,
                     "validate_timeout_seconds": args.validate_timeout,
                     "reference_memory_limit_gib": args.reference_memory},
        "memory_note": "peak_rss_mib: largest resident set of the (fresh) process during the stage, "
                       "including the interpreter, libraries and data kept from earlier stages; it does "
                       "not include the export's child processes (TriG, Turtle, RDF/XML and, for large "
                       "worlds, JSON-LD writers): children_max_rss_mib is the largest of those, and "
                       "tree_peak_rss_mib the process and its children together (sampled every 0.1 s)",
        "scales": [],
    }
    ok = True
    # what timed out or ran out of memory at a smaller scale is not rerun: key -> "timeout" or the error
    late: dict[str, dict] = {"pactgraph": {}, "reference": {}}
    if args.after:
        try:
            earlier = json.loads(args.after.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(f"cannot read --after {args.after}: {err}") from None
        for side in late:  # what that bench itself carried over, then what failed in it
            late[side].update(earlier.get("settings", {}).get("after", {}).get("not_rerun", {}).get(side, {}))
            for scale in earlier.get("scales", []):
                late[side].update(_failed(scale, side))
        # a copy: `late` keeps growing with what fails in this run
        results["settings"]["after"] = {"file": str(args.after), "not_rerun": {k: dict(v) for k, v in late.items()}}
    try:
        work.mkdir(parents=True, exist_ok=True)
        jobs = [(None, args.data)] if args.data else [(n, work / f"world-{n}") for n in scales]
        for n, data in jobs:
            entry = {"triples_requested": n, "data": str(data)}
            if n is not None:
                log(f"bench: generating {n} triples (seed {args.seed}, {args.faults} fault(s) of each kind) in {data}")
                shutil.rmtree(data, ignore_errors=True)
                manifest, seconds = _generate(data, n, args.seed, args.faults)
                entry["generate_seconds"] = round(seconds, 3)
            else:
                manifest = _read_manifest(data)
            entry["triples_generated"] = manifest["triples"] if manifest else None
            entry["faults_injected"] = len(manifest["faults"]) if manifest else None
            size = n or _count_lines(data)
            big = size >= 1_000_000
            runs = args.repeat_large if big else args.repeat
            entry["store"], entry["store_rule"] = store_choice(project, data)
            pg_runs = []
            for i in range(runs):
                log(f"bench: {_size(size)}: pactgraph pipeline ({entry['store']} store), run {i + 1}/{runs}")
                pg_runs.append(_child(project, "pactgraph", data, args, late["pactgraph"],
                                      store_in=work if entry["store"] == "disk" else None))
            ref_runs, skipped = [], None
            if ref_max is not None and size > ref_max:
                skipped = f"skipped: {_size(size)} is above --reference-max {_size(ref_max)}"
            else:
                for i in range(args.reference_repeat):
                    log(f"bench: {_size(size)}: reference pipeline (rdflib + pyshacl), run {i + 1}/{args.reference_repeat}")
                    try:
                        ref_runs.append(_child(project, "reference", data, args, late["reference"]))
                    except PactgraphError as err:  # e.g. killed, or out of memory while parsing
                        skipped = f"failed: {str(err)[-300:]}"
                        log(f"bench: {skipped}")
                        break
            entry.update(_summarise(pg_runs, ref_runs, skipped, manifest))
            for side, runs_ in (("pactgraph", pg_runs), ("reference", ref_runs)):
                for r in runs_:
                    late[side].update(_failed(r))
            results["scales"].append(entry)
            print(_table(entry, args.detail), flush=True)
            ok = ok and entry["verdict"]["ok"]
            if args.json:
                _write_json(args.json, results)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        _write_json(args.json, results)
        print(f"wrote {args.json}")
    return 0 if ok else EXIT_CHECKS_FAILED


def store_choice(project, data: Path) -> tuple[str, dict]:
    """("memory" or "disk", the figures of the rule): the store `pactgraph build` would use for these
    sources when not told (`build.DISK_STORE_ABOVE`, read when called, so a test can lower it)."""
    from . import build
    from .sources import source_files

    total = sum(f.path.stat().st_size for f in source_files(project, Path(data)))
    return ("disk" if total > build.DISK_STORE_ABOVE else "memory",
            {"source_bytes": total, "disk_store_above_bytes": build.DISK_STORE_ABOVE})


def _write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _why(item: dict | None):
    if not item:
        return None
    return "timeout" if item.get("timed_out") else item.get("error")


def _failed(record: dict, side: str | None = None) -> dict[str, str]:
    """What timed out or failed: key ("queries/name", "checks/name", "validate") -> reason. `record` is
    one run of a pipeline, or with `side` a scale of a bench JSON (each item holding both pipelines)."""
    pick = (lambda item: (item or {}).get(side)) if side else (lambda item: item)
    out = {f"{stage}/{name}": _why(pick(item)) for stage in ("queries", "checks")
           for name, item in record.get(stage, {}).items() if _why(pick(item))}
    why = _why(pick(record.get("stages", {}).get("validate")))
    if why:
        out["validate"] = why
    return out


def _child(project, pipeline: str, data: Path, args, skip=(), store_in: Path | None = None) -> dict:
    """Run one pipeline in a fresh interpreter; returns its record (raises on a crash). With `store_in`,
    the store is on disk in a new folder there, removed when the run ends."""
    import shutil
    import tempfile

    store_dir = Path(tempfile.mkdtemp(prefix="store-", dir=store_in)) if store_in is not None else None
    try:
        return _run_child(project, pipeline, data, args, skip, store_dir)
    finally:
        if store_dir is not None:
            shutil.rmtree(store_dir, ignore_errors=True)


def _generate(data: Path, n: int, seed: int, faults: int) -> tuple[dict, float]:
    """(manifest, seconds of generate()): the world is generated in a child process, so that the
    memory it takes (some GB at 10M triples) is not held by this one while the pipelines run."""
    import tempfile

    from .errors import InputError, PactgraphError

    with tempfile.TemporaryDirectory(prefix="pactgraph-bench-generate-") as tmp:
        result = Path(tmp) / "result.json"
        proc = _python_child({"pipeline": "generate", "out": str(data), "triples": n, "seed": seed,
                              "faults": faults, "result": str(result)})
        if proc.returncode != 0 or not result.is_file():
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise PactgraphError(f"generating the world failed (exit {proc.returncode}):\n{tail}")
        out = json.loads(result.read_text(encoding="utf-8"))
    if "input_error" in out:
        raise InputError(out["input_error"])
    return out["manifest"], out["seconds"]


def _python_child(config: dict):
    """`python -m pactgraph.bench CONFIG` in a fresh interpreter that imports this package."""
    import subprocess

    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = package_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-m", "pactgraph.bench", json.dumps(config)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run_child(project, pipeline: str, data: Path, args, skip, store_dir: Path | None) -> dict:
    import tempfile

    from .errors import PactgraphError

    with tempfile.TemporaryDirectory(prefix="pactgraph-bench-run-") as tmp:
        result = Path(tmp) / "result.json"
        config = {"pipeline": pipeline, "root": str(project.root), "data": str(Path(data).resolve()),
                  "timeout": args.timeout, "validate_timeout": args.validate_timeout,
                  "memory_limit_gib": args.reference_memory if pipeline == "reference" else None,
                  "out": str(Path(tmp) / "export"), "result": str(result),
                  "skip": dict(skip), "store_path": str(store_dir) if store_dir is not None else None}
        proc = _python_child(config)
        if proc.returncode != 0 or not result.is_file():
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise PactgraphError(f"the {pipeline} pipeline failed (exit {proc.returncode}):\n{tail}")
        record = json.loads(result.read_text(encoding="utf-8"))
    if args.json:  # every run is kept as soon as it ends, so an interrupted bench loses little
        with open(f"{args.json}.runs.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps({"data": str(data), "pipeline": pipeline, "record": record}) + "\n")
    return record


def _median_stage(runs: list[dict], name: str) -> dict | None:
    import statistics

    values = [r["stages"][name] for r in runs if name in r["stages"]]
    if not values:
        return None
    out = {
        "seconds": round(statistics.median(v["seconds"] for v in values), 4),
        "peak_rss_mib": round(statistics.median(v["peak_rss_mib"] for v in values), 1),
        "start_rss_mib": round(statistics.median(v["start_rss_mib"] for v in values), 1),
        "runs": [round(v["seconds"], 4) for v in values],
    }
    for key, digits in (("derive_seconds", 4), ("children_max_rss_mib", 1), ("tree_peak_rss_mib", 1)):
        if all(key in v for v in values):
            out[key] = round(statistics.median(v[key] for v in values), digits)
    if any(v.get("timed_out") for v in values):
        out["timed_out"] = True
    if any(v.get("error") for v in values):
        out["error"] = next(v["error"] for v in values if v.get("error"))
    return out


def _ratio(ref: dict | None, pg: dict | None):
    if not ref or not pg or not pg["seconds"] or ref.get("error") or pg.get("error"):
        return None
    return round(ref["seconds"] / pg["seconds"], 2)


def _bound(ref: dict | None, pg: dict | None):
    """How to read a ratio when a side hit the timeout: the time is then a lower bound of the real one."""
    r, p = bool(ref and ref.get("timed_out")), bool(pg and pg.get("timed_out"))
    return "unknown" if r and p else "lower" if r else "upper" if p else None


def _median_item(values: list[dict]) -> dict:
    import statistics

    out = {"seconds": round(statistics.median(v["seconds"] for v in values), 4)}
    if "rows" in values[0]:
        out["rows"] = values[0]["rows"]
    if all("peak_rss_mib" in v for v in values):
        out["peak_rss_mib"] = round(statistics.median(v["peak_rss_mib"] for v in values), 1)
    if any(v.get("timed_out") for v in values):
        out["timed_out"] = True
    if any(v.get("error") for v in values):
        out["error"] = next(v["error"] for v in values if v.get("error"))
    return out


def _summarise(pg_runs, ref_runs, skipped, manifest) -> dict:
    import statistics

    first = pg_runs[0]
    out = {"quads_loaded": first["info"]["quads"], "graphs": first["info"]["graphs"],
           "pactgraph": {"runs": len(pg_runs), "validate_engine": first["info"]["engine"],
                         "peak_rss_reset": first["info"]["peak_reset"]},
           "reference": {"runs": len(ref_runs), "skipped": skipped}}
    out["store"] = first["info"]["store"]  # what the runs used (the rule's choice: run())
    if "store_bytes" in first["info"]:
        out["pactgraph"]["store_bytes_on_disk"] = first["info"]["store_bytes"]
    stages = {}
    for name in STAGES:
        pg, ref = _median_stage(pg_runs, name), _median_stage(ref_runs, name)
        stages[name] = {"pactgraph": pg, "reference": ref, "ratio": _ratio(ref, pg), "ratio_bound": _bound(ref, pg)}
    for pipeline, runs in (("pactgraph", pg_runs), ("reference", ref_runs)):
        if runs:
            parts = [stages[s][pipeline] for s in STAGES if stages[s][pipeline]]
            total = {"seconds": round(sum(p["seconds"] for p in parts), 4),
                     "peak_rss_mib": max(p["peak_rss_mib"] for p in parts)}
            if any("tree_peak_rss_mib" in p for p in parts):  # the processes of the export included
                total["tree_peak_rss_mib"] = max(p.get("tree_peak_rss_mib", p["peak_rss_mib"]) for p in parts)
            if any(p.get("timed_out") for p in parts):
                total["timed_out"] = True
            stages.setdefault("total", {"pactgraph": None, "reference": None})[pipeline] = total
    stages["total"]["ratio"] = _ratio(stages["total"].get("reference"), stages["total"]["pactgraph"])
    stages["total"]["ratio_bound"] = _bound(stages["total"].get("reference"), stages["total"]["pactgraph"])
    out["stages"] = stages

    # per query and per export format: medians
    for key, field in (("queries", "queries"), ("checks", "checks"), ("export_formats", "export_formats")):
        # the export's steps are not the reference's (no N-Quads step: the sort writes them): both kept
        names = list(first[field]) + [q for q in (ref_runs[0][field] if ref_runs else ()) if q not in first[field]]
        table = {}
        for q in names:
            pg = _median_item([r[field][q] for r in pg_runs]) if q in first[field] else None
            row = {"pactgraph": pg} if pg is not None else {}
            if ref_runs and q in ref_runs[0][field]:
                ref = _median_item([r[field][q] for r in ref_runs])
                row["reference"] = ref
                if pg is not None:
                    row.update(ratio=_ratio(ref, pg), ratio_bound=_bound(ref, pg))
                finished = pg is not None and not (ref.get("timed_out") or pg.get("timed_out"))
                if finished and "rows" in ref and "rows" in pg:
                    row["rows_agree"] = ref["rows"] == pg["rows"]
            table[q] = row
        out[key] = table

    # verdicts
    pg_v = _violations(first)
    consistent = all(_violations(r) == pg_v for r in pg_runs)
    want = ({(f["focus"], shape) for f in manifest["faults"] for shape in f.get("shapes", [f["shape"]])}
            if manifest else None)
    verdict = {"pactgraph": {"conforms": first["verdict"]["conforms"], "violations": len(pg_v)},
               "manifest": len(want) if want is not None else None,
               "pactgraph_runs_consistent": consistent}
    ok = consistent
    if want is not None:
        verdict["pactgraph_matches_manifest"] = pg_v == want
        verdict["missing"] = [list(x) for x in sorted(want - pg_v)]
        verdict["unexpected"] = [list(x) for x in sorted(pg_v - want)]
        ok = ok and pg_v == want and first["verdict"]["conforms"] == (not want)
    ref_done = [r for r in ref_runs if r["verdict"] is not None]
    if ref_done:
        ref_v = _violations(ref_done[0])
        verdict["reference"] = {"conforms": ref_done[0]["verdict"]["conforms"], "violations": len(ref_v)}
        verdict["agree"] = ref_v == pg_v and ref_done[0]["verdict"]["conforms"] == first["verdict"]["conforms"]
        verdict["only_pactgraph"] = [list(x) for x in sorted(pg_v - ref_v)]
        verdict["only_reference"] = [list(x) for x in sorted(ref_v - pg_v)]
        if want is not None:
            verdict["reference_matches_manifest"] = ref_v == want
        ok = ok and verdict["agree"]
    else:
        verdict["reference"] = None
        verdict["agree"] = None
        if ref_runs:
            stage = ref_runs[0]["stages"].get("validate", {})
            verdict["reference_missing_because"] = ("timed out" if stage.get("timed_out") else
                                                    stage.get("error") or "no result")
    verdict["ok"] = ok
    out["verdict"] = verdict
    stages["validate"]["verdicts_agree"] = verdict["agree"]
    return out


def _violations(record) -> set[tuple[str, str]]:
    return {tuple(v) for v in record["verdict"]["violations"]}


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------


def _table(entry: dict, detail: bool = False) -> str:
    import statistics

    n = entry["triples_requested"]
    head = f"== {_size(n) if n else entry['data']}: " if n else f"== {entry['data']}: "
    gen = entry.get("triples_generated")
    lines = [head + (f"{gen:,} triples generated" + (f" in {entry['generate_seconds']:.2f} s" if "generate_seconds" in entry else "")
                     + "; " if gen else "")
             + f"{entry['quads_loaded']:,} quads loaded with the ontology, {entry['graphs']} named graphs; "
             f"pactgraph validate engine: {entry['pactgraph']['validate_engine']}; store: {_store(entry)}; "
             f"runs: pactgraph {entry['pactgraph']['runs']}, reference {entry['reference']['runs']} (medians)"]
    if entry["reference"]["skipped"]:
        lines.append(f"   reference pipeline {entry['reference']['skipped']} (not run)")
    lines.append(f"   {'stage':<12} {'pactgraph s':>12} {'peak MiB':>9} {'reference s':>12} {'peak MiB':>9} {'ref/pg':>8}")
    for name in (*STAGES, "total"):
        row = entry["stages"].get(name)
        if not row:
            continue
        pg, ref = row.get("pactgraph"), row.get("reference")
        label = STAGE_LABELS[name]
        if name == "queries":
            label += f" ({len(entry['queries'])})"
        if name == "checks":
            label = f"checks ({len(entry['checks'])})"
        lines.append(f"   {label:<12} {_sec(pg):>12} {_mib(pg):>9} {_sec(ref):>12} {_mib(ref):>9} "
                     f"{_x(row.get('ratio'), row.get('ratio_bound')):>8}")
        if name == "load" and pg and "derive_seconds" in pg:
            lines.append(f"   {'  (derive)':<12} {pg['derive_seconds']:>12.3f}")
    pg_export, pg_total = entry["stages"]["export"]["pactgraph"], entry["stages"]["total"]["pactgraph"]
    if pg_export and "children_max_rss_mib" in pg_export:
        lines.append(f"   peak MiB is one process; the export's child processes (Oxigraph writers) peaked at "
                     f"{pg_export['children_max_rss_mib']:.0f} MiB (largest one); pactgraph process with "
                     f"its children: {pg_total.get('tree_peak_rss_mib', pg_total['peak_rss_mib']):.0f} MiB "
                     f"(sampled every 0.1 s)")
    q = {**entry["queries"], **{f"checks/{k}": v for k, v in entry["checks"].items()}}
    slow = sorted(q, key=lambda k: -q[k]["pactgraph"]["seconds"])[:3]
    lines.append("   slowest pactgraph queries: " + ", ".join(f"{k} {_sec(q[k]['pactgraph'])} s" for k in slow))
    ratios = [r["ratio"] for r in q.values() if r.get("ratio") and not r.get("ratio_bound")]
    if ratios:
        lines.append(f"   per query ref/pg (both finished): min {_x(min(ratios))}, median "
                     f"{_x(statistics.median(ratios))}, max {_x(max(ratios))}")
    for side in ("pactgraph", "reference"):
        late = [k for k, r in q.items() if (r.get(side) or {}).get("timed_out")]
        if late:
            lines.append(f"   {side} queries stopped at the --timeout: {', '.join(late)}")
    differ = [k for k, r in q.items() if r.get("rows_agree") is False]
    if differ:
        lines.append("   row counts differ between Oxigraph and rdflib for: " + ", ".join(differ))
    if detail:
        for key in ("queries", "checks", "export_formats"):
            for name, row in entry[key].items():
                pg, ref = row.get("pactgraph"), row.get("reference")
                rows = f" rows {pg['rows']}" + (f"/{ref['rows']}" if ref and "rows" in ref else "") \
                    if pg and "rows" in pg else ""
                kind = {"queries": "query", "checks": "check", "export_formats": "export"}[key]
                lines.append(f"     {kind:<6} {name:<48} {_sec(pg):>9} {_sec(ref):>12} "
                             f"{_x(row.get('ratio'), row.get('ratio_bound')):>8}{rows}")
    v = entry["verdict"]
    text = f"   verdict: pactgraph {'conforms' if v['pactgraph']['conforms'] else 'does not conform'} ({v['pactgraph']['violations']} violation(s))"
    if v["reference"]:
        text += f"; reference {'conforms' if v['reference']['conforms'] else 'does not conform'} ({v['reference']['violations']})"
        text += "; same verdict and violations" if v["agree"] else (
            f"; DISAGREE: only pactgraph {v['only_pactgraph'][:3]}, only reference {v['only_reference'][:3]}")
    elif v.get("reference_missing_because"):
        text += f"; reference validation gave no verdict ({v['reference_missing_because']})"
    else:
        text += "; reference not run"
    if v["manifest"] is not None:
        text += (f"; injected faults expect {v['manifest']} result(s): " + ("all found, none unexpected" if v["pactgraph_matches_manifest"] else
                 f"MISSING {v['missing'][:3]} UNEXPECTED {v['unexpected'][:3]}"))
    lines.append(text)
    return "\n".join(lines)


def _store(entry: dict) -> str:
    rule = entry.get("store_rule")
    if not rule:
        return entry.get("store", "memory")
    mib = lambda b: f"{b / 2**20:,.1f} MiB"  # noqa: E731
    what = "over" if entry["store"] == "disk" else "within"
    text = f"{entry['store']} ({mib(rule['source_bytes'])} of sources, {what} {mib(rule['disk_store_above_bytes'])}"
    on_disk = entry["pactgraph"].get("store_bytes_on_disk")
    return text + (f"; {mib(on_disk)} on disk after loading)" if on_disk is not None else ")")


def _sec(d):
    if not d:
        return "-"
    if d.get("error"):
        return "error"
    return (">" if d.get("timed_out") else "") + f"{d['seconds']:.3f}"


def _mib(d):
    return f"{d['peak_rss_mib']:.0f}" if d and "peak_rss_mib" in d else "-"


def _x(r, bound=None):
    if bound == "unknown":
        return "?"
    return ({"lower": ">", "upper": "<"}.get(bound, "") + f"{r:.1f}x") if r else "-"


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def _argv_tail() -> list[str]:
    argv = sys.argv[1:]
    return argv[argv.index("bench") + 1:] if "bench" in argv else argv


def _version() -> str:
    from .version import VERSION

    return VERSION


def _read_manifest(data: Path):
    path = Path(data) / "faults.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _count_lines(data: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in Path(data).glob("*.ttl"))


def machine() -> dict:
    """What the numbers were measured on."""
    import platform

    from importlib import metadata

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions = {}
    for dist in ("pyoxigraph", "rdflib", "pyshacl"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": mem, "python": platform.python_version(),
            "platform": platform.platform(), "libraries": versions,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


# ---------------------------------------------------------------------------------------------------
# The child: one pipeline in a fresh process
# ---------------------------------------------------------------------------------------------------


class _Timeout(Exception):
    pass


class _Recorder:
    def __init__(self):
        self.stages: dict[str, dict] = {}
        self.peak_reset = _reset_peak()

    @contextlib.contextmanager
    def stage(self, name: str):
        _reset_peak()
        start = _status()
        t0 = time.perf_counter()
        record = {"seconds": None}
        self.stages[name] = record
        try:
            yield record
        finally:
            record["seconds"] = time.perf_counter() - t0
            end = _status()
            record["start_rss_mib"] = start["VmRSS"] / 1024
            record["peak_rss_mib"] = (end["VmHWM"] if self.peak_reset else _maxrss()) / 1024


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status() -> dict[str, int]:
    out = {"VmRSS": 0, "VmHWM": 0}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in out:
                out[key] = int(line.split()[1])
    return out


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _children_maxrss() -> int:
    """KiB: the largest peak resident set of one ended (waited-for) child process, or of its own
    descendants (Linux getrusage RUSAGE_CHILDREN)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise _Timeout in the main thread after `seconds` (the reference is pure Python, so it stops)."""
    import signal

    def alarm(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _timed(seconds: float, fn):
    """(result, elapsed, timed_out, error)"""
    t0 = time.perf_counter()
    try:
        with _deadline(seconds):
            return fn(), time.perf_counter() - t0, False, None
    except _Timeout:
        return None, time.perf_counter() - t0, True, None
    except Exception as err:  # noqa: BLE001 - a reference failure is reported, not fatal
        return None, time.perf_counter() - t0, False, f"{type(err).__name__}: {err}"[:300]


def _norm(term: str | None) -> str:
    from .namespaces import expand

    if term is None:
        return "(none)"
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    return expand(term)


def _pactgraph_pipeline(cfg: dict, rec: _Recorder) -> dict:
    from . import export, queries, sources, status, validate
    from .project import Project

    project = Project(Path(cfg["root"]))
    data = Path(cfg["data"])
    out = {"info": {}, "queries": {}, "checks": {}, "export_formats": {}}
    store_path = Path(cfg["store_path"]) if cfg.get("store_path") else None

    # load_store derives the status periods (status.derive) after loading the files; a wrapper times
    # that call, which stays inside the load stage (the load means what it meant before).
    derive, spent = status.derive, []

    def timed_derive(*a, **k):
        t0 = time.perf_counter()
        try:
            return derive(*a, **k)
        finally:
            spent.append(time.perf_counter() - t0)

    status.derive = timed_derive
    target = Path(cfg["out"])
    target.mkdir(parents=True, exist_ok=True)
    # the periods as N-Quads, for the export: spilled beside an on-disk store, copied for one in memory
    periods = store_path / sources.PERIODS_FILE if store_path else target / ".status-periods.nq"
    try:
        with rec.stage("load") as record:
            files = sources.source_files(project, data)
            store = sources.load_store(files, path=store_path, periods=periods)
    finally:
        status.derive = derive
    if spent:
        record["derive_seconds"] = sum(spent)
    out["info"]["store"] = "disk" if store_path else "memory"
    if store_path:
        out["info"]["store_bytes"] = sum(p.stat().st_size for p in store_path.rglob("*") if p.is_file())
    out["info"]["quads"] = len(store)
    out["info"]["graphs"] = len(files)

    out["info"]["engine"] = "oxigraph"
    with rec.stage("validate"):
        report = validate.validate_store(store, files, project.shapes_files(), project.ontology_shapes_files(),
                                         project.root, engine="oxigraph")
    out["verdict"] = {"conforms": bool(report.conforms),
                      "violations": sorted({(_norm(v.focus), _norm(v.shape)) for v in report.violations})}
    del report

    # Every canned query with its default parameters, then every QC check, in this process on the loaded
    # store, on a thread per core as `pactgraph build` runs them (queries.parallel_map).
    found = queries.discover(project.queries_dir)
    jobs = {"queries": [(q.name, q.text, q.bindings()) for q in found.values()],
            "checks": [(path.stem, path.read_text(encoding="utf-8"), None)
                       for path in queries.violation_checks(project.queries_dir)]}
    def timed(job) -> dict:
        _, text, subs = job
        t0 = time.perf_counter()
        _, rows = queries.rows(queries.run(store, text, subs))
        return {"seconds": time.perf_counter() - t0, "rows": len(rows)}

    for stage, items in jobs.items():
        with rec.stage(stage):  # on every core, as build.py runs them; per-query seconds then overlap
            for (name, _, _), result in zip(items, queries.parallel_map(timed, items)):
                out[stage][name] = result

    # The export reports the seconds of each step and format itself. As `pactgraph build` writes it
    # (export.ExportJob): from the source files and the periods the loader wrote, not from the store.
    from .watch import TreeSampler

    with TreeSampler(interval=0.1) as tree, rec.stage("export") as record:
        timings: dict = {}
        export.write_sources([(f.path, f.graph) for f in files], periods, target, timings)
    if not store_path:
        periods.unlink()
    record["children_max_rss_mib"] = _children_maxrss() / 1024
    record["tree_peak_rss_mib"] = max(tree.peak_kib / 1024, record["peak_rss_mib"])
    out["export_formats"] = {k: {"seconds": v} for k, v in timings.items()}
    out["export_bytes"] = {p.name: p.stat().st_size for p in sorted(target.iterdir())}
    return out


def _reference_pipeline(cfg: dict, rec: _Recorder) -> dict:
    import pyshacl
    import rdflib
    from rdflib.namespace import RDF, SH

    from . import queries
    from .project import Project
    from .sources import source_files  # the list of files and their graph names only

    project = Project(Path(cfg["root"]))
    data = Path(cfg["data"])
    timeout = float(cfg["timeout"])
    out = {"info": {"engine": "pyshacl"}, "queries": {}, "checks": {}, "export_formats": {}}
    files = source_files(project, data)

    with rec.stage("load"):
        ds = rdflib.Dataset(default_union=True)
        for f in files:
            ds.graph(rdflib.URIRef(f.graph)).parse(str(f.path), format="turtle")
        # The status periods are derived by the project's one rule (status.py), not by a query engine:
        # both pipelines get the same graph/status, so the queries compare engines on the same data.
        import pyoxigraph as ox

        from .sources import load_store
        from .status import STATUS_GRAPH

        periods = load_store(files).quads_for_pattern(None, None, None, ox.NamedNode(STATUS_GRAPH))
        ds.graph(rdflib.URIRef(STATUS_GRAPH)).parse(
            data=ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in periods),
                              format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    out["info"]["quads"] = len(ds)
    out["info"]["graphs"] = len(files)

    def merged(graphs) -> rdflib.Graph:
        g = rdflib.Graph()
        for name in graphs:
            g += ds.graph(rdflib.URIRef(name))
        return g

    def shapes_graph(paths) -> rdflib.Graph:
        g = rdflib.Graph()
        for p in paths:
            g.parse(str(p), format="turtle")
        return g

    def validate():
        data_graph = merged(f.graph for f in files)
        shapes = shapes_graph(project.shapes_files())
        conforms, results, _ = pyshacl.validate(data_graph, shacl_graph=shapes, inference="none", advanced=False,
                                                allow_warnings=False)
        found = _shacl_results(results, shapes, rdflib, RDF, SH)
        if project.ontology_shapes_files():
            onto = merged(f.graph for f in files if f.kind == "ontology")
            onto_shapes = shapes_graph(project.ontology_shapes_files())
            ok, onto_results, _ = pyshacl.validate(onto, shacl_graph=onto_shapes, inference="none", advanced=False,
                                                   allow_warnings=False)
            conforms = conforms and ok
            found |= _shacl_results(onto_results, onto_shapes, rdflib, RDF, SH)
        return bool(conforms) and not found, found

    with rec.stage("validate") as record:
        if "validate" in cfg.get("skip", ()):
            why = cfg["skip"]["validate"]
            result, timed_out, error = None, why == "timeout", None if why == "timeout" else why
            record["skipped"] = "timed out or failed at a smaller scale"
        else:
            result, _, timed_out, error = _timed(float(cfg["validate_timeout"]), validate)
        record["timed_out"] = timed_out
        if error:
            record["error"] = error
    if record.get("skipped") and timed_out:
        record["seconds"] = float(cfg["validate_timeout"])  # a lower bound, like a timeout
    out["verdict"] = None if result is None else {"conforms": result[0], "violations": sorted(result[1])}

    def run_query(text, bindings=None):
        return len(list(ds.query(text, initBindings=bindings or {})))

    found = queries.discover(project.queries_dir)
    with rec.stage("queries"):
        for q in found.values():
            if f"queries/{q.name}" in cfg.get("skip", ()):
                out["queries"][q.name] = _skipped(cfg, f"queries/{q.name}")
                continue
            bindings = {rdflib.Variable(v.value): _to_rdflib(t, rdflib) for v, t in q.bindings().items()}
            rows, seconds, timed_out, error = _timed(timeout, lambda: run_query(q.text, bindings))
            out["queries"][q.name] = _outcome(seconds, rows, timed_out, error)
        rec.stages["queries"]["timed_out"] = any(v.get("timed_out") for v in out["queries"].values())
    rec.stages["queries"]["wall_seconds"] = rec.stages["queries"]["seconds"]
    rec.stages["queries"]["seconds"] = sum(v["seconds"] for v in out["queries"].values())
    with rec.stage("checks"):
        for path in queries.violation_checks(project.queries_dir):
            if f"checks/{path.stem}" in cfg.get("skip", ()):
                out["checks"][path.stem] = _skipped(cfg, f"checks/{path.stem}")
                continue
            text = path.read_text(encoding="utf-8")
            rows, seconds, timed_out, error = _timed(timeout, lambda: run_query(text))
            out["checks"][path.stem] = _outcome(seconds, rows, timed_out, error)
        rec.stages["checks"]["timed_out"] = any(v.get("timed_out") for v in out["checks"].values())
    rec.stages["checks"]["wall_seconds"] = rec.stages["checks"]["seconds"]
    rec.stages["checks"]["seconds"] = sum(v["seconds"] for v in out["checks"].values())

    target = Path(cfg["out"])
    target.mkdir(parents=True, exist_ok=True)
    spent = out["export_formats"]

    def write(name, key, fn):
        """Serialise one format (stopped at --timeout, or by the memory limit, and said so)."""
        _, seconds, timed_out, error = _timed(timeout, lambda: (target / name).write_bytes(fn()))
        spent[key] = _outcome(seconds, None, timed_out, error)

    with rec.stage("export") as record:
        write("pactgraph.nq", "N-Quads", lambda: ds.serialize(format="nquads", encoding="utf-8"))
        write("pactgraph.trig", "TriG", lambda: ds.serialize(format="trig", encoding="utf-8"))
        union, seconds, timed_out, error = _timed(timeout, lambda: merged(f.graph for f in files))
        spent["merge graphs (union)"] = _outcome(seconds, None, timed_out, error)
        if union is not None:
            write("pactgraph.ttl", "Turtle", lambda: union.serialize(format="turtle", encoding="utf-8"))
            write("pactgraph.nt", "N-Triples", lambda: union.serialize(format="nt", encoding="utf-8"))
            write("pactgraph.rdf", "RDF/XML", lambda: union.serialize(format="xml", encoding="utf-8"))
            write("pactgraph.jsonld", "JSON-LD", lambda: union.serialize(format="json-ld", encoding="utf-8"))
        record["timed_out"] = any(v.get("timed_out") for v in spent.values())
        errors = [f"{k}: {v['error']}" for k, v in spent.items() if v.get("error")]
        if errors:
            record["error"] = "; ".join(errors)[:300]
    out["export_bytes"] = {p.name: p.stat().st_size for p in sorted(target.iterdir())}
    return out


def _outcome(seconds, rows, timed_out, error) -> dict:
    out = {"seconds": seconds}
    if rows is not None:
        out["rows"] = rows
    if timed_out:
        out["timed_out"] = True
    if error:
        out["error"] = error
    return out


def _to_rdflib(term, rdflib):
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _shacl_results(results, shapes, rdflib, RDF, SH) -> set[tuple[str, str]]:
    """(focus, named shape) of every top-level result of a pyshacl report (an anonymous property
    shape is named by the node shape that holds it)."""
    from .validate import named_shape

    found = set()
    for report in results.subjects(RDF.type, SH.ValidationReport):
        for r in results.objects(report, SH.result):
            focus = results.value(r, SH.focusNode)
            shape = named_shape(shapes, results.value(r, SH.sourceShape))
            focus_s = str(focus) if isinstance(focus, rdflib.URIRef) else "[blank node]"
            found.add((focus_s, str(shape) if isinstance(shape, rdflib.URIRef) else "(none)"))
    return found


def _skipped(cfg: dict, key: str) -> dict:
    why = cfg["skip"][key]
    if why == "timeout":
        return {"seconds": float(cfg["timeout"]), "timed_out": True, "skipped": "timed out at a smaller scale"}
    # the reason as it was, so that carrying it on to the next scale does not grow it
    return {"seconds": 0.0, "error": why, "skipped": "failed at a smaller scale; not rerun"}


def _generate_main(cfg: dict) -> int:
    from .generate import generate

    t0 = time.perf_counter()
    try:
        out = {"manifest": generate(Path(cfg["out"]), cfg["triples"], cfg["seed"], cfg["faults"])}
    except (ValueError, FileExistsError) as err:  # the user's arguments: said in one line by the parent
        out = {"input_error": str(err)}
    out["seconds"] = time.perf_counter() - t0
    Path(cfg["result"]).write_text(json.dumps(out), encoding="utf-8")
    return 0


def _child_main(argv: list[str]) -> int:
    cfg = json.loads(argv[0])
    if cfg["pipeline"] == "generate":
        return _generate_main(cfg)
    if cfg.get("memory_limit_gib"):
        import resource

        limit = int(cfg["memory_limit_gib"] * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    rec = _Recorder()
    pipeline = _pactgraph_pipeline if cfg["pipeline"] == "pactgraph" else _reference_pipeline
    out = pipeline(cfg, rec)
    out["stages"] = rec.stages
    out["info"]["peak_reset"] = rec.peak_reset
    out["info"]["process_peak_rss_mib"] = _maxrss() / 1024
    Path(cfg["result"]).write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
