"""The growth curve of `pactgraph bench`: each stage's seconds by size, with the ratio per step.

    python -m pactgraph.growth BENCH.json [MORE.json ...] [--markdown] [--svg FILE]

Reads the JSON written by `pactgraph bench --json` (one file, or several whose scales are put together,
e.g. a bench of 10k 100k 1M and another of 10M), and gives, for the pactgraph pipeline only:

* `--markdown` (the default when no --svg is given): a Markdown table with a row per stage (load, the
  derivation of status periods inside it when the bench timed it, validate, queries, QC checks,
  export, total) and a column per scale, then the ratio of each step from one scale to the next
  (×9.8 from 100k to 1M: linear growth is the ratio of the triples, given in the first row), then the
  peak memory: of the pipeline's process, and of the process with the export's child processes when
  the bench measured those. A time that hit the bench's --timeout is a lower bound (">"), and so is
  a ratio from it.
* `--svg FILE`: the same seconds as a picture, log–log (triples across, seconds up), one line per
  stage, with a dashed line of linear growth through the total's first point for comparison.

Both are made from the JSON alone (no clock, no machine lookup), with fixed number formats, so the
same input gives the same bytes. A file that cannot be read or is not a bench JSON with at least two
scales gives one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from html import escape
from pathlib import Path

from .errors import EXIT_USAGE, InputError

STAGES = ("load", "validate", "queries", "checks", "export", "total")
LABELS = {"load": "load", "derive": "of which derive", "validate": "validate", "queries": "queries",
          "checks": "QC checks", "export": "export", "total": "total"}


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


def read(paths: list[Path]) -> list[dict]:
    """The scales of the bench JSON files, smallest first: one dict per scale with `label`, `triples`,
    `seconds` (stage -> (seconds, timed out) or None), `peak_mib`, `tree_peak_mib` and `store`."""
    points = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise InputError(f"cannot read {path}: {_one_line(err)}") from None
        scales = data.get("scales") if isinstance(data, dict) else None
        if not isinstance(scales, list):
            raise InputError(f"{path}: not a 'pactgraph bench --json' file (no list of scales)")
        for i, scale in enumerate(scales):
            try:
                points.append(_point(scale))
            except (KeyError, TypeError, ValueError) as err:
                raise InputError(f"{path}: scale {i + 1}: not as 'pactgraph bench' writes it "
                                 f"({type(err).__name__}: {_one_line(err)})") from None
    if len(points) < 2:
        raise InputError(f"a growth curve needs at least two scales; {', '.join(map(str, paths))} "
                         f"hold{'s' if len(paths) == 1 else ''} {len(points)}")
    points.sort(key=lambda p: p["triples"])
    return points


def _point(scale: dict) -> dict:
    triples = scale.get("triples_requested") or scale.get("triples_generated") or scale["quads_loaded"]
    if not isinstance(triples, int) or isinstance(triples, bool) or triples <= 0:
        raise ValueError(f"bad number of triples: {triples!r}")
    seconds = {}
    for stage in STAGES:
        pg = (scale["stages"].get(stage) or {}).get("pactgraph")
        if not pg or pg.get("error"):
            seconds[stage] = None
            continue
        s = float(pg["seconds"])
        if not math.isfinite(s) or s < 0:
            raise ValueError(f"bad seconds for {stage}: {pg['seconds']!r}")
        seconds[stage] = (s, bool(pg.get("timed_out")))
    if seconds["total"] is None:
        raise ValueError("no total for the pactgraph pipeline")
    load = scale["stages"]["load"].get("pactgraph") or {}
    seconds["derive"] = (float(load["derive_seconds"]), False) if "derive_seconds" in load else None
    total = scale["stages"]["total"]["pactgraph"]
    return {"label": _size(triples), "triples": triples, "seconds": seconds,
            "peak_mib": float(total["peak_rss_mib"]),
            "tree_peak_mib": float(total["tree_peak_rss_mib"]) if "tree_peak_rss_mib" in total else None,
            "store": scale.get("store", "memory")}


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())[:200]


# ---------------------------------------------------------------------------------------------------
# Ratios and the table
# ---------------------------------------------------------------------------------------------------


def ratio(before: tuple[float, bool] | None, after: tuple[float, bool] | None) -> tuple[float, str] | None:
    """(after / before, bound) of two (seconds, timed out) values: bound "" when both were measured,
    ">" when only the later one is a lower bound, "?" when the earlier one is (the ratio could be
    either side); None when one is missing or the earlier one is zero."""
    if not before or not after or before[0] <= 0:
        return None
    bound = "?" if before[1] else ">" if after[1] else ""
    return after[0] / before[0], bound


def ratios(points: list[dict], key: str) -> list[tuple[float, str] | None]:
    """The ratio of `key` (a stage, or "triples", "peak_mib", "tree_peak_mib") from each scale to the next."""
    def value(p):
        v = p["seconds"].get(key) if key in p["seconds"] else p.get(key)
        return v if isinstance(v, tuple) or v is None else (float(v), False)

    return [ratio(value(a), value(b)) for a, b in zip(points, points[1:])]


def markdown(points: list[dict]) -> str:
    steps = [f"{a['label']}→{b['label']}" for a, b in zip(points, points[1:])]
    head = ["", *(p["label"] for p in points), *steps]
    rows = [["triples", *(f"{p['triples']:,}" for p in points), *map(_x, ratios(points, "triples"))]]
    rows.append(["store", *(p["store"] for p in points), *([""] * len(steps))])
    for stage in ("load", "derive", "validate", "queries", "checks", "export", "total"):
        values = [p["seconds"].get(stage) for p in points]
        if stage == "derive" and not any(values):
            continue
        name = f"*{LABELS[stage]}*" if stage == "derive" else f"**{LABELS[stage]}**" if stage == "total" else LABELS[stage]
        rows.append([name + " (s)", *(_sec(v) for v in values), *map(_x, ratios(points, stage))])
    rows.append(["peak MiB (pipeline process)", *(f"{p['peak_mib']:,.0f}" for p in points),
                 *map(_x, ratios(points, "peak_mib"))])
    if any(p["tree_peak_mib"] is not None for p in points):
        rows.append(["peak MiB (with the export's child processes)",
                     *(f"{p['tree_peak_mib']:,.0f}" if p["tree_peak_mib"] is not None else "–" for p in points),
                     *map(_x, ratios(points, "tree_peak_mib"))])
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    lines.append("Seconds of the pactgraph pipeline (median of the bench's runs); the columns after the "
                 "scales give the ratio of each step (linear growth: the ratio of the triples). "
                 "\"of which derive\" is part of the load. \">\": the bench's --timeout stopped it (a lower bound).")
    return "\n".join(lines) + "\n"


def _sec(v: tuple[float, bool] | None) -> str:
    if v is None:
        return "–"
    s, late = v
    text = f"{s:.3f}" if s < 1 else f"{s:.2f}" if s < 100 else f"{s:,.1f}"
    return (">" if late else "") + text


def _x(r: tuple[float, str] | None) -> str:
    if r is None:
        return "–"
    value, bound = r
    return f"{bound}×{value:.1f}" if bound != "?" else f"×{value:.1f}?"


def _size(n: int) -> str:
    for unit, name in ((1_000_000_000, "G"), (1_000_000, "M"), (1000, "k")):
        if n >= unit and n % unit == 0:
            return f"{n // unit}{name}"
    return f"{n:,}"


# ---------------------------------------------------------------------------------------------------
# The picture
# ---------------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 760, 460
LEFT, RIGHT, TOP, BOTTOM = 70, 190, 50, 60  # margins around the plot area


def svg(points: list[dict]) -> str:
    """Log–log lines of each stage's seconds by triples (deterministic text)."""
    from .pictures import PALETTE, _f, _svg  # the project's SVG frame and number format

    xs = [p["triples"] for p in points]
    ys = [v[0] for p in points for s in STAGES if (v := p["seconds"][s]) and v[0] > 0]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(n: float) -> float:
        return LEFT + (math.log10(n) - x0) / (x1 - x0) * pw

    def py(s: float) -> float:
        return TOP + ph - (math.log10(s) - y0) / (y1 - y0) * ph

    body = [f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>']
    for e in range(x0, x1 + 1):  # decades of triples
        x = _f(px(10 ** e))
        body.append(f'<line class="grid" x1="{x}" y1="{TOP}" x2="{x}" y2="{TOP + ph}" stroke="#ddd"/>')
        label = _size(10 ** e) if e >= 3 else str(10 ** e)
        body.append(f'<text x="{x}" y="{TOP + ph + 18}" font-size="12" text-anchor="middle">{label}</text>')
    for e in range(y0, y1 + 1):  # decades of seconds
        y = _f(py(10.0 ** e))
        body.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{LEFT + pw}" y2="{y}" stroke="#ddd"/>')
        body.append(f'<text x="{LEFT - 6}" y="{_f(py(10.0 ** e) + 4)}" font-size="12" '
                    f'text-anchor="end">{_decade(e)}</text>')
    body.append(f'<text x="{_f(LEFT + pw / 2)}" y="{HEIGHT - 16}" font-size="13" text-anchor="middle">'
                f'triples (log scale)</text>')
    body.append(f'<text x="18" y="{_f(TOP + ph / 2)}" font-size="13" text-anchor="middle" '
                f'transform="rotate(-90 18 {_f(TOP + ph / 2)})">seconds (log scale)</text>')
    title = "pactgraph bench: seconds per stage by size, " + ", ".join(p["label"] for p in points)
    body.append(f'<text x="{_f(WIDTH / 2)}" y="28" font-size="15" font-weight="700" text-anchor="middle">'
                f'{escape(title)}</text>')

    # linear growth through the total's first point, clipped to the plot
    first = next((p for p in points if p["seconds"]["total"] and p["seconds"]["total"][0] > 0), None)
    if first:
        n0, s0 = first["triples"], first["seconds"]["total"][0]
        n_end = min(10 ** x1, n0 * 10.0 ** y1 / s0)
        body.append(f'<line class="guide" x1="{_f(px(n0))}" y1="{_f(py(s0))}" x2="{_f(px(n_end))}" '
                    f'y2="{_f(py(s0 * n_end / n0))}" stroke="#999" stroke-width="1.5" stroke-dasharray="6 4"/>')

    legend_x, legend_y = LEFT + pw + 16, TOP + 8
    for i, stage in enumerate(STAGES):
        colour = "#111" if stage == "total" else PALETTE[i % len(PALETTE)]
        width = 3 if stage == "total" else 2
        marks = [(p, v) for p in points if (v := p["seconds"][stage]) and v[0] > 0]
        coords = " ".join(f"{_f(px(p['triples']))},{_f(py(v[0]))}" for p, v in marks)
        body.append(f'<polyline class="stage" data-stage="{stage}" points="{coords}" fill="none" '
                    f'stroke="{colour}" stroke-width="{width}"/>')
        for p, (s, late) in marks:
            fill = "#fff" if late else colour
            body.append(f'<circle cx="{_f(px(p["triples"]))}" cy="{_f(py(s))}" r="3.5" fill="{fill}" '
                        f'stroke="{colour}"><title>{escape(LABELS[stage])} at {p["label"]}: '
                        f'{">" if late else ""}{_sec((s, False))} s</title></circle>')
        y = legend_y + 20 * i
        body.append(f'<line x1="{legend_x}" y1="{y}" x2="{legend_x + 24}" y2="{y}" stroke="{colour}" '
                    f'stroke-width="{width}"/>')
        body.append(f'<text x="{legend_x + 30}" y="{y + 4}" font-size="12">{escape(LABELS[stage])}</text>')
    y = legend_y + 20 * len(STAGES)
    body.append(f'<line x1="{legend_x}" y1="{y}" x2="{legend_x + 24}" y2="{y}" stroke="#999" '
                f'stroke-width="1.5" stroke-dasharray="6 4"/>')
    body.append(f'<text x="{legend_x + 30}" y="{y + 4}" font-size="12">linear growth</text>')
    return _svg(WIDTH, HEIGHT, title, body)


def _decade(e: int) -> str:
    return f"{10 ** e} s" if e >= 0 else f"{10.0 ** e:.{-e}f} s"


# ---------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pactgraph.growth", description=__doc__.split("\n\n")[0])
    p.add_argument("bench", nargs="+", type=Path, metavar="BENCH.json",
                   help="the JSON of 'pactgraph bench --json' (several: their scales together)")
    p.add_argument("--svg", type=Path, metavar="FILE", help="write the log–log picture to FILE")
    p.add_argument("--markdown", action="store_true", help="print the Markdown table (the default without --svg)")
    args = p.parse_args(argv)
    try:
        points = read(args.bench)
        if args.svg:
            try:
                args.svg.write_bytes(svg(points).encode("utf-8"))
            except OSError as err:
                raise InputError(f"cannot write {args.svg}: {_one_line(err)}") from None
    except InputError as err:
        print(f"growth: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.markdown or not args.svg:
        sys.stdout.write(markdown(points))
    return 0


if __name__ == "__main__":
    sys.exit(main())
