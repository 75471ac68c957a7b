"""Which folder a build may replace, and how it marks the folders it wrote.

`build` publishes by renaming a finished temporary folder over its output folder, which deletes what
was there. So it only ever replaces a folder it wrote itself: one holding the marker file below (or
nothing at all), never a file, never a folder of someone else's files, and never a folder that holds,
or lies inside, the sources it reads (docs/decisions.md, D10).

A build that was killed leaves `.NAME.tmp-PID` (or `.NAME.old-PID`, or the on-disk store of a large
build, `.NAME.store-PID`) beside the output; the next build removes those whose process is gone and
that carry the marker.

The on-disk store a build is told to keep (`build --store DIR`) is held to the same rule: DIR must be
new, empty, or a store an earlier build wrote there (it holds STORE_MARKER); never the sources, the
output, or a folder of other files.
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


#: The file in every on-disk store folder a build made (RocksDB ignores files it does not know).
STORE_MARKER = ".pactgraph-store"
STORE_MARKER_TEXT = ("This folder is an Oxigraph store written by 'pactgraph build --store'; the next such build "
                     "may replace it whole.\n")


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


def check_store_dir(store_dir: Path, out: Path, root: Path, sources: list[Path]) -> Path:
    """`store_dir`, resolved, if a build may (re)create its on-disk store there; InputError otherwise."""
    given = store_dir
    if store_dir.is_symlink():
        raise InputError(f"--store {given}: is a symbolic link; name the folder itself")
    path = store_dir.resolve()
    if path.exists() and not path.is_dir():
        raise InputError(f"--store {given}: is a file, not a folder")
    for other, what in [(src.resolve(), "which the build reads") for src in sources] + [(out, "the build's output")] \
            + [(root.resolve(), "the project")]:
        if path == other or path in other.parents or (what != "the project" and other in path.parents):
            how = "is" if path == other else "lies inside" if other in path.parents else "holds"
            raise InputError(f"--store {given}: {how} {other}, {what}; give a new or empty folder elsewhere")
    if path.is_dir() and any(path.iterdir()) and not (path / STORE_MARKER).is_file():
        raise InputError(f"--store {given}: is a folder of other files (no {STORE_MARKER} marker from an earlier "
                         "build); give an empty or new folder")
    return path


def fresh_store_dir(path: Path) -> Path:
    """Empty `path` (checked by check_store_dir, or a temporary folder of this build) and mark it."""
    if path.is_dir() and (path / STORE_MARKER).is_file():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / STORE_MARKER).write_text(STORE_MARKER_TEXT, encoding="utf-8")
    return path


def temp_store_dir(out: Path) -> Path:
    """Where a large build keeps its on-disk store when not told (removed when it ends)."""
    return out.with_name(f".{out.name}.store-{os.getpid()}")


def temp_dir(out: Path) -> Path:
    """The temporary folder this process builds into, beside `out` (a rename apart), marked as ours."""
    return out.with_name(f".{out.name}.tmp-{os.getpid()}")


def remove_stale(out: Path, log=print) -> list[Path]:
    """Remove the marked temporary and superseded folders of builds whose process is gone."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old|store)-(\d+)$")
    removed = []
    if not out.parent.is_dir():
        return removed
    for entry in sorted(out.parent.iterdir()):
        found = pattern.match(entry.name)
        if not found or entry.is_symlink() or not entry.is_dir():
            continue
        if not (is_marked(entry) or (found.group(1) == "store" and (entry / STORE_MARKER).is_file())):
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
