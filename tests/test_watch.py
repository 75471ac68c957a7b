"""python -m pactgraph.watch: the peak memory of a process tree, counted once per page."""

from __future__ import annotations

import sys

from conftest import ROOT  # noqa: F401 (puts scripts/ on the path)
from pactgraph.watch import watch

HOLD = "import time; x = bytearray(80 * 2**20); x[::4096] = b'1' * len(x[::4096]); time.sleep(1)"


def test_peak_counts_a_child_and_its_memory():
    # a parent that holds 80 MiB and starts a child that holds 80 MiB more at the same time
    code = (f"import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', {HOLD!r}]); {HOLD}; p.wait()")
    r = watch([sys.executable, "-c", code], every=0.05)
    assert r["exit"] == 0
    assert 150 <= r["peak_tree_pss_mib"] < 400, r  # both, counted once each
    assert 80 <= r["peak_process_rss_mib"] < 200, r  # the largest one alone
    assert r["cpu_seconds"] > 0 and r["wall_seconds"] >= 1


def test_exit_code_is_passed_on():
    assert watch([sys.executable, "-c", "raise SystemExit(3)"])["exit"] == 3


def test_an_earlier_child_of_the_caller_does_not_count():
    """getrusage(RUSAGE_CHILDREN) remembers the largest child the caller ever had (a test session's
    earlier builds): the peaks must be the watched command's own."""
    import subprocess

    subprocess.run([sys.executable, "-c", "x = bytearray(300 * 2**20); x[::4096] = b'1' * len(x[::4096])"],
                   check=True)
    r = watch([sys.executable, "-c", "import time; time.sleep(0.3)"], every=0.05)
    assert r["peak_process_rss_mib"] < 100 and r["peak_tree_pss_mib"] < 100, r
