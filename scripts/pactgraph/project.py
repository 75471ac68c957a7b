"""Where a pactgraph project's parts live on disk.

The CLI works on a checkout: the folder that holds `ontology/` and `data/` (the current folder or one
of its parents, or `--root`). Everything is found by convention, so adding a file needs no registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

#: Ontology files that describe the data (loaded into the dataset) and the files that check it.
ONTOLOGY_FILES = ("pactgraph.ttl", "alignments.ttl")
SHAPES_FILES = ("shapes.ttl",)
ONTOLOGY_SHAPES_FILES = ("ontology-shapes.ttl",)


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def ontology_files(self) -> list[Path]:
        return self._existing(self.ontology_dir, ONTOLOGY_FILES)

    def shapes_files(self) -> list[Path]:
        return self._existing(self.ontology_dir, SHAPES_FILES)

    def ontology_shapes_files(self) -> list[Path]:
        return self._existing(self.ontology_dir, ONTOLOGY_SHAPES_FILES)

    def data_files(self, data_dir: Path | None = None) -> list[Path]:
        folder = data_dir or self.data_dir
        if not folder.is_dir():
            raise InputError(f"data folder not found: {folder}")
        files = sorted(folder.glob("*.ttl"))
        if not files:
            raise InputError(f"no Turtle files (*.ttl) in data folder: {folder}")
        return files

    def _existing(self, folder: Path, names: tuple[str, ...]) -> list[Path]:
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise InputError(f"missing ontology file(s) in {folder}: {', '.join(missing)}")
        return [folder / n for n in names]


def find_project(start: Path | None = None) -> Project:
    """The project whose root is `start` or its nearest parent holding both `ontology/` and `data/`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ontology").is_dir() and (folder / "data").is_dir():
            return Project(folder)
    raise InputError(
        f"not inside a pactgraph project: no folder with ontology/ and data/ at or above {here} "
        "(use --root DIR)"
    )
