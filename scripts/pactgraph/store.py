"""The store the query commands read: the built dataset if there is one, else the sources."""

from __future__ import annotations

import sys

import pyoxigraph as ox

from .sources import load_store, source_files

BUILT_DATASET = "pactgraph.nq"


def open_store(project, warn=lambda msg: print(msg, file=sys.stderr)) -> ox.Store:
    """Load `dist/pactgraph.nq` (already validated); without a build, parse the sources unvalidated."""
    built = project.dist_dir / BUILT_DATASET
    files = source_files(project)
    if built.is_file():
        newest = max(f.path.stat().st_mtime for f in files)
        if newest > built.stat().st_mtime:
            warn("pactgraph: note: sources changed since the last build; run 'pactgraph build' to refresh dist/")
        store = ox.Store()
        try:
            store.load(path=str(built), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError, MemoryError) as err:
            from .errors import InputError

            raise InputError(f"{built}: the built dataset cannot be read ({' '.join(str(err).split())}); "
                             "run 'pactgraph build' again") from None
        return store
    warn("pactgraph: note: no build found (dist/); querying the unvalidated sources")
    return load_store(files)


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
