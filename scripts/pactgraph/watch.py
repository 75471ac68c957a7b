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
import resource
import subprocess
import sys
import time


def _tree(pid: int) -> list[int]:
    out = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            children = f.read().split()
    except OSError:
        return out
    for child in children:
        out += _tree(int(child))
    return out


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
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        peak_pss = max(peak_pss, sum(_field(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
        peak_rss = max(peak_rss, max(_field(f"/proc/{p}/status", "VmRSS:") for p in pids))
        time.sleep(every)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "exit": proc.returncode,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "user_seconds": after.ru_utime - before.ru_utime,
        "sys_seconds": after.ru_stime - before.ru_stime,
        "peak_tree_pss_mib": peak_pss / 1024,
        # (sampled: getrusage's ru_maxrss of children covers every child this process ever waited for)
        "peak_process_rss_mib": peak_rss / 1024,
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
