"""`python -m pactgraph.watch COMMAND...`: wall time, CPU time and peak memory of a command and every
process it starts (Linux).

`/usr/bin/time` reports the largest resident set of any one process. A build is several processes at
once (the build, its export process, the serialisers it starts), and the export process shares most of
its pages with the build (it is a fork), so neither the largest one nor the sum of their resident sets
is the memory the machine gives them. This samples the process tree every `--every` seconds and keeps
the peak of the summed PSS (proportional set size: a page shared by n processes counts 1/n in each, so
the sum counts it once) and the largest single RSS. Samples can miss a peak shorter than the interval.

Standard library only. Prints one line on stderr after the command ends; exits with its exit code.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time


class TreeSampler:
    """While the block runs, a thread reads /proc every `interval` seconds for process `root` (default:
    this one) and all its descendants (the children of each of their threads), and keeps the peaks of
    the summed RSS (`peak_kib`), of the summed PSS (`peak_pss_kib`) and of the largest single RSS
    (`peak_single_kib`). 0 where /proc cannot be read. Used by `watch` and by `pactgraph bench`."""

    def __init__(self, root: int | None = None, interval: float = 0.2):
        import threading

        self.root, self.interval = root or os.getpid(), interval
        self.peak_kib = self.peak_pss_kib = self.peak_single_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> bool:
        self._stop.set()
        self._thread.join()
        self._sample()
        return False

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        rss = pss = single = 0
        todo = [self.root]
        while todo:
            pid = todo.pop()
            one = _field(f"/proc/{pid}/status", "VmRSS:")
            rss, single = rss + one, max(single, one)
            pss += _field(f"/proc/{pid}/smaps_rollup", "Pss:")
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:  # ended meanwhile, or no /proc
                continue
            for task in tasks:  # each thread's children; a thread that ended meanwhile is skipped alone
                try:
                    with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                        todo += [int(c) for c in f.read().split()]
                except (OSError, ValueError):
                    continue
        self.peak_kib = max(self.peak_kib, rss)
        self.peak_pss_kib = max(self.peak_pss_kib, pss)
        self.peak_single_kib = max(self.peak_single_kib, single)


def _field(path: str, name: str) -> int:
    """A "Name: N kB" field of a /proc file, in KiB (0 if the process is gone)."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def watch(command: list[str], every: float = 0.2) -> dict:
    """Run `command`; return its exit code, wall and CPU seconds, and peaks in MiB."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(command)
    with TreeSampler(proc.pid, every) as tree:
        proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "exit": proc.returncode,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "user_seconds": after.ru_utime - before.ru_utime,
        "sys_seconds": after.ru_stime - before.ru_stime,
        "peak_tree_pss_mib": tree.peak_pss_kib / 1024,
        # (sampled: getrusage's ru_maxrss of children covers every child this process ever waited for)
        "peak_process_rss_mib": tree.peak_single_kib / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pactgraph.watch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=0.2, metavar="SECONDS", help="sampling interval (0.2)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command and its arguments")
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("give a command to run")
    try:
        r = watch(args.command, args.every)
    except OSError as err:
        print(f"pactgraph.watch: cannot run {args.command[0]}: {err.strerror or err}", file=sys.stderr)
        return 2
    print(f"wall {r['wall_seconds']:.1f} s; cpu {r['cpu_seconds']:.1f} s (user {r['user_seconds']:.1f}, "
          f"sys {r['sys_seconds']:.1f}); peak of the process tree (PSS) {r['peak_tree_pss_mib']:.0f} MiB; "
          f"largest process (RSS) {r['peak_process_rss_mib']:.0f} MiB; exit {r['exit']}", file=sys.stderr)
    return r["exit"]


if __name__ == "__main__":
    sys.exit(main())
