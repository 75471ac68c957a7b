"""The store the query commands and the Python API read: the built dataset if there is one, else the
sources. In a checkout the built dataset is `dist/pactgraph.nq`; outside one it is the packaged release
(project.py), whose files were checked against their manifest when it was found."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox

BUILT_DATASET = "pactgraph.nq"


def built_dataset(project, warn=lambda msg: print(msg, file=sys.stderr)) -> Path | None:
    """The N-Quads file of the build the queries read, or None (a checkout without a build: the caller
    reads the sources). Warns when a checkout's sources are newer than its build."""
    built = project.dist_dir / BUILT_DATASET
    if getattr(project, "packaged", False):
        if not built.is_file():  # the manifest lists it: only a release folder made by hand lacks it
            from .errors import InputError

            raise InputError(f"{project.root}: the release holds no {BUILT_DATASET}")
        return built
    from .sources import source_files

    files = source_files(project)
    if built.is_file():
        newest = max(f.path.stat().st_mtime for f in files)
        if newest > built.stat().st_mtime:
            warn("pactgraph: note: sources changed since the last build; run 'pactgraph build' to refresh dist/")
        return built
    warn("pactgraph: note: no build found (dist/); querying the unvalidated sources")
    return None


def _load_built(store: ox.Store, built: Path, bulk: bool = False) -> None:
    try:
        if bulk:
            store.bulk_load(path=str(built), format=ox.RdfFormat.N_QUADS)
        else:
            store.load(path=str(built), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, OSError, MemoryError) as err:
        from .errors import InputError

        raise InputError(f"{built}: the built dataset cannot be read ({' '.join(str(err).split())}); "
                         "run 'pactgraph build' again") from None


def open_store(project, warn=lambda msg: print(msg, file=sys.stderr)) -> ox.Store:
    """An in-memory store of the built dataset (already validated); without a build, of the sources,
    unvalidated."""
    built = built_dataset(project, warn)
    if built is None:
        from .sources import load_store, source_files

        return load_store(source_files(project))
    store = ox.Store()
    _load_built(store, built)
    return store


def open_read_only(project, folder: Path, warn=lambda msg: print(msg, file=sys.stderr)) -> ox.Store:
    """The same dataset as `open_store`, written to an on-disk store in `folder` (an empty folder the
    caller owns and removes) and opened read-only: updates fail in the engine itself."""
    built = built_dataset(project, warn)
    writer = ox.Store(str(folder))
    if built is None:
        from .sources import load_store, source_files

        writer.bulk_extend(load_store(source_files(project)))
    else:
        _load_built(writer, built, bulk=True)
    writer.flush()
    del writer  # closes the read-write instance before the read-only one opens
    return ox.Store.read_only(str(folder))


def available_memory() -> int | None:
    """Bytes of memory available to a new process (Linux: MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
