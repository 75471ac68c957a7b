"""`python -m pactgraph.growth`: the growth table and picture made from a bench JSON.

The bench JSON here is made by hand (three scales, round figures), so every ratio is known.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT
from pactgraph import growth

SVG = "{http://www.w3.org/2000/svg}"

#: stage -> seconds at 10k, 100k, 1M (the total is their sum)
SECONDS = {"load": (0.1, 1.0, 12.0), "validate": (0.2, 1.5, 15.0), "queries": (0.25, 2.0, 19.6),
           "checks": (0.05, 0.5, 4.9), "export": (0.4, 4.0, 30.0)}


def _scale(i: int, n: int, timed_out_queries: bool = False) -> dict:
    stages = {s: {"pactgraph": {"seconds": v[i], "peak_rss_mib": 100.0 * (i + 1)}, "reference": None}
              for s, v in SECONDS.items()}
    stages["load"]["pactgraph"]["derive_seconds"] = SECONDS["load"][i] / 4
    if timed_out_queries:
        stages["queries"]["pactgraph"]["timed_out"] = True
    total = sum(v[i] for v in SECONDS.values())
    stages["total"] = {"pactgraph": {"seconds": total, "peak_rss_mib": 100.0 * (i + 1),
                                     "tree_peak_rss_mib": 150.0 * (i + 1)}, "reference": None}
    return {"triples_requested": n, "triples_generated": n + 7, "quads_loaded": 2 * n, "store": "memory",
            "stages": stages}


def bench_json(path, timed_out_at=None):
    scales = [_scale(i, n, i == timed_out_at) for i, n in enumerate((10_000, 100_000, 1_000_000))]
    path.write_text(json.dumps({"machine": {"nproc": 2}, "scales": scales[::-1]}), encoding="utf-8")  # any order
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    return subprocess.run([sys.executable, "-m", "pactgraph.growth", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def _row(table: str, name: str) -> list[str]:
    (line,) = [line for line in table.splitlines() if line.startswith(f"| {name} ")]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_ratios_per_step(tmp_path):
    points = growth.read([bench_json(tmp_path / "b.json")])
    assert [p["label"] for p in points] == ["10k", "100k", "1M"]  # sorted by size
    assert [round(r[0], 6) for r in growth.ratios(points, "load")] == [10.0, 12.0]
    assert [round(r[0], 6) for r in growth.ratios(points, "queries")] == [8.0, 9.8]
    assert [round(r[0], 6) for r in growth.ratios(points, "triples")] == [10.0, 10.0]
    assert [round(r[0], 6) for r in growth.ratios(points, "tree_peak_mib")] == [2.0, 1.5]
    totals = [sum(v[i] for v in SECONDS.values()) for i in range(3)]
    assert [r[0] for r in growth.ratios(points, "total")] == pytest.approx([totals[1] / totals[0], totals[2] / totals[1]])

    table = growth.markdown(points)
    assert _row(table, "")[:6] == ["", "10k", "100k", "1M", "10k→100k", "100k→1M"]
    assert _row(table, "load (s)") == ["load (s)", "0.100", "1.00", "12.00", "×10.0", "×12.0"]
    assert _row(table, "queries (s)") == ["queries (s)", "0.250", "2.00", "19.60", "×8.0", "×9.8"]
    assert _row(table, "*of which derive* (s)")[4:] == ["×10.0", "×12.0"]
    assert _row(table, "triples")[1:] == ["10,000", "100,000", "1,000,000", "×10.0", "×10.0"]
    assert _row(table, "peak MiB (pipeline process)")[1:] == ["100", "200", "300", "×2.0", "×1.5"]
    assert _row(table, "peak MiB (with the export's child processes)")[1:] == ["150", "300", "450", "×2.0", "×1.5"]
    assert _row(table, "**total** (s)")[4] == f"×{totals[1] / totals[0]:.1f}"


def test_a_timed_out_stage_gives_bounds(tmp_path):
    points = growth.read([bench_json(tmp_path / "b.json", timed_out_at=1)])
    row = _row(growth.markdown(points), "queries (s)")
    # 100k stopped at the timeout: its time is a lower bound, the ratio to it too, the next one unknown
    assert row[2] == ">2.00" and row[4] == ">×8.0" and row[5] == "×9.8?"


def test_svg_parses_with_one_line_per_stage_and_same_bytes(tmp_path):
    data = bench_json(tmp_path / "b.json")
    r1 = run(str(data), "--svg", str(tmp_path / "a.svg"))
    r2 = run(str(data), "--svg", str(tmp_path / "b.svg"), "--markdown")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    assert r1.stdout == "" and "| load (s) |" in r2.stdout  # --svg alone prints no table
    svg = (tmp_path / "a.svg").read_bytes()
    assert svg == (tmp_path / "b.svg").read_bytes() == growth.svg(growth.read([data])).encode("utf-8")
    root = ET.fromstring(svg)
    lines = root.findall(f".//{SVG}polyline")
    assert [e.get("data-stage") for e in lines] == list(growth.STAGES)
    for e in lines:  # three points each, x growing with the triples (log scale: equal steps)
        xs = [float(pt.split(",")[0]) for pt in e.get("points").split()]
        assert len(xs) == 3 and xs[0] < xs[1] < xs[2] and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.2)
    total = next(e for e in lines if e.get("data-stage") == "total")
    ys = [float(pt.split(",")[1]) for pt in total.get("points").split()]
    assert ys[0] > ys[1] > ys[2]  # more seconds higher up
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for words in ("triples", "seconds", "load", "validate", "QC checks", "export", "total", "10k", "1M"):
        assert words in texts
    assert root.find(f"{SVG}title").text.startswith("pactgraph bench")


@pytest.mark.parametrize("content, says", [
    ("{not json", "cannot read"),
    ('{"scales": 3}', "no list of scales"),
    ('{"scales": [{"triples_requested": 10000}]}', "scale 1"),
    ('{"scales": [{"triples_requested": 10000, "stages": {"total": {"pactgraph": {"seconds": "x", '
     '"peak_rss_mib": 1}}}}]}', "scale 1"),
])
def test_bad_json_gives_one_line_and_exit_2(tmp_path, content, says):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    r = run(str(path), "--svg", str(tmp_path / "out.svg"))
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and says in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "out.svg").exists()


def test_one_scale_or_a_missing_file_is_refused(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"scales": [_scale(0, 10_000)]}), encoding="utf-8")
    for args, says in (([str(one)], "at least two scales"), ([str(tmp_path / "nope.json")], "cannot read")):
        r = run(*args)
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and says in r.stderr, r.stderr


def test_several_bench_files_together(tmp_path):
    """A bench of the small scales and another of a large one make one curve."""
    small = bench_json(tmp_path / "small.json")
    big = tmp_path / "big.json"
    ten_m = _scale(2, 10_000_000)
    ten_m["store"] = "disk"
    for stage in ten_m["stages"].values():
        stage["pactgraph"]["seconds"] *= 10
    big.write_text(json.dumps({"scales": [ten_m]}), encoding="utf-8")
    points = growth.read([big, small])
    assert [p["label"] for p in points] == ["10k", "100k", "1M", "10M"]
    assert [p["store"] for p in points] == ["memory", "memory", "memory", "disk"]
    assert round(growth.ratios(points, "export")[-1][0], 6) == 10.0
