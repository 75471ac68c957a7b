"""Which folder a build may replace, and how it marks the folders it wrote.

`build` publishes by renaming a finished temporary folder over its output folder, which deletes what
was there. So it only ever replaces a folder it wrote itself: one holding the marker file below (or
nothing at all), never a file, never a folder of someone else's files, and never a folder that holds,
or lies inside, the sources it reads (docs/decisions.md, D10).

A build that was killed leaves `.NAME.tmp-PID` (or `.NAME.old-PID`) beside the output; the next build
removes those whose process is gone and that carry the marker.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from .errors import InputError

#: The file every build output (and every temporary folder of a build) holds. Its text names the tool
#: only: no clock time, so two builds of the same sources stay byte-identical.
MARKER = ".pactgraph-output"
MARKER_TEXT = "This folder was written by 'pactgraph build'; the next build may replace it whole.\n"


def mark(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def is_marked(folder: Path) -> bool:
    """Written by a build: the marker, or (before the marker existed) a build report of pactgraph's."""
    if (folder / MARKER).is_file():
        return True
    try:
        import json

        report = json.loads((folder / "build-report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and {"version", "release_date", "conforms", "graphs"} <= report.keys()


def check_out_dir(out_dir: Path, root: Path, sources: list[Path]) -> Path:
    """`out_dir`, resolved, if a build may replace it; InputError (exit 2) saying why not otherwise.

    `sources` are the folders the build reads (ontology/, data/, queries/, --data): the output may be
    none of them, lie inside none of them, and hold none of them. Inside the project `root` is where
    the output belongs (dist/), but it may not be the root or hold it.
    """
    given = out_dir
    if out_dir.is_symlink():
        raise InputError(f"--out {given}: is a symbolic link; name the folder itself")
    out = out_dir.resolve()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {given}: is a file, not a folder; a build replaces its output folder whole")
    checks = [(src.resolve(), True) for src in sources] + [(root.resolve(), False)]
    for src, inside_too in checks:
        if out == src or out in src.parents or (inside_too and src in out.parents):
            how = ("is" if out == src else "lies inside" if src in out.parents else "holds")
            raise InputError(f"--out {given}: {how} {src}, which the build reads; choose a folder outside "
                             "the sources (the default is dist/)")
    if out.is_dir() and not is_marked(out) and any(out.iterdir()):
        raise InputError(f"--out {given}: is a folder of other files (no {MARKER} marker from an earlier "
                         "build); a build replaces its output folder whole, so give an empty or new folder")
    return out


def temp_dir(out: Path) -> Path:
    """The temporary folder this process builds into, beside `out` (a rename apart), marked as ours."""
    return out.with_name(f".{out.name}.tmp-{os.getpid()}")


def remove_stale(out: Path, log=print) -> list[Path]:
    """Remove the marked temporary and superseded folders of builds whose process is gone."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old)-(\d+)$")
    removed = []
    if not out.parent.is_dir():
        return removed
    for entry in sorted(out.parent.iterdir()):
        found = pattern.match(entry.name)
        if not found or entry.is_symlink() or not entry.is_dir() or not is_marked(entry):
            continue
        if _alive(int(found.group(2))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
        log(f"removed {entry}, left by a build that did not finish")
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or not a pid we can ask about: leave its folder alone
    return True
