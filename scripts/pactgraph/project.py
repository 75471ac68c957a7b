"""Where a pactgraph project's parts live on disk.

The CLI works on a checkout: the folder that holds `ontology/` and `data/` (the current folder or one
of its parents, or `--root`). Everything is found by convention, so adding a file needs no registration.

Outside a checkout it works on the *packaged release*: the built graph that `pactgraph build` copies
into the package (`scripts/pactgraph/release/`, shipped in the wheel as package data; docs/decisions.md
D13). That folder has the layout of a project whose `dist/` is the folder itself: `pactgraph.nq`,
`void.ttl`, `ontology/` (ontology and shapes), `queries/` (canned queries, expected results, QC
checks), and `MANIFEST.json`, the SHA-256 hash and size of every other file, checked each time the
release is opened. It holds no source data: commands that need the sources (`build`, `bench`, and
`validate` without `--data`) need a checkout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

#: Ontology files that describe the data (loaded into the dataset) and the files that check it.
ONTOLOGY_FILES = ("pactgraph.ttl", "alignments.ttl")
SHAPES_FILES = ("shapes.ttl",)
ONTOLOGY_SHAPES_FILES = ("ontology-shapes.ttl",)

#: the packaged release: a folder of the package, and the manifest file in it
RELEASE_DIR_NAME = "release"
MANIFEST = "MANIFEST.json"
MANIFEST_FORMAT = 1
#: files of a build's output folder (dist/) that the packaged release carries
RELEASE_DIST_FILES = ("pactgraph.nq", "void.ttl", "service-description.ttl", "build-report.json")


@dataclass(frozen=True)
class Project:
    root: Path
    #: True for the release shipped in the installed package (no sources; dist/ is the folder itself)
    packaged: bool = False

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
        return self.root if self.packaged else self.root / "dist"

    @property
    def release_dir(self) -> Path:
        """Where a build of a checkout writes the packaged release (inside the package's sources)."""
        return self.root / "scripts" / "pactgraph" / RELEASE_DIR_NAME

    def ontology_files(self) -> list[Path]:
        return self._existing(self.ontology_dir, ONTOLOGY_FILES)

    def shapes_files(self) -> list[Path]:
        return self._existing(self.ontology_dir, SHAPES_FILES)

    def ontology_shapes_files(self) -> list[Path]:
        return self._existing(self.ontology_dir, ONTOLOGY_SHAPES_FILES)

    def data_files(self, data_dir: Path | None = None) -> list[Path]:
        if self.packaged and data_dir is None:
            raise InputError("the installed release carries the built graph, not its source data: give --data DIR, "
                             "or work in a checkout (a folder with ontology/ and data/)")
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


def is_checkout(folder: Path) -> bool:
    return (folder / "ontology").is_dir() and (folder / "data").is_dir()


def find_project(start: Path | None = None, packaged: bool = False) -> Project:
    """The project whose root is `start` or its nearest parent holding both `ontology/` and `data/`.

    Without `start`, and outside any checkout, the release packaged with pactgraph (checked against
    its manifest) if there is one and `packaged` is set (the CLI and the API set it; the maintenance
    scripts that write into a checkout do not).
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_checkout(folder):
            return Project(folder)
    if start is None and packaged:
        release = packaged_release()
        if release is not None:
            return release
    raise InputError(
        f"not inside a pactgraph project: no folder with ontology/ and data/ at or above {here} "
        "(use --root DIR)" + ("" if start is not None or not packaged else
                              "; and this installation carries no built release (see README, 'Installing')")
    )


def package_release_dir() -> Path:
    """The folder of the release shipped in the package (it may not exist)."""
    return Path(__file__).resolve().parent / RELEASE_DIR_NAME


def packaged_release() -> Project | None:
    """The release shipped in the package, verified; None if the package carries none."""
    folder = package_release_dir()
    if not (folder / MANIFEST).is_file():
        return None
    verify_release(folder)
    return Project(folder, packaged=True)


def release_project(folder: Path) -> Project:
    """A release folder given by path (one with a MANIFEST.json), verified."""
    verify_release(folder)
    return Project(folder.resolve(), packaged=True)


# -- the manifest --------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files_in(folder: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            out.append(Path(dirpath, name).relative_to(folder).as_posix())
    return sorted(out)


def verify_release(folder: Path) -> dict:
    """The manifest of the release in `folder`, once every file it lists has its size and SHA-256 hash,
    and no other file is there; InputError (exit 2) naming the first file that differs otherwise."""
    where = f"the pactgraph release at {folder}"
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("format") != MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError
    except OSError as err:
        raise InputError(f"{where} cannot be read: {MANIFEST}: {err.strerror or err}") from None
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{where} is damaged: {MANIFEST} is not a release manifest; reinstall pactgraph") from None
    for name, entry in sorted(files.items()):
        path = folder / name
        try:
            size = path.stat().st_size
            if size != entry["bytes"]:
                why = f"{size} bytes, the manifest says {entry['bytes']} (truncated or changed)"
            elif _sha256(path) != entry["sha256"]:
                why = "its SHA-256 hash is not the one in the manifest (the file was changed)"
            else:
                continue
        except FileNotFoundError:
            why = "missing"
        except OSError as err:
            why = f"cannot be read ({err.strerror or err})"
        except (KeyError, TypeError):
            why = "its manifest entry has no size or hash"
        raise InputError(f"{where} is damaged: {name}: {why}; reinstall pactgraph (or rebuild it)")
    extra = [n for n in _files_in(folder) if n != MANIFEST and n not in files]
    if extra:
        raise InputError(f"{where} is damaged: {extra[0]}: a file the manifest does not list; "
                         "reinstall pactgraph (or rebuild it)")
    return manifest


def release_files(project: Project, dist: Path) -> dict[str, Path]:
    """What the packaged release of a checkout's build holds: release path -> file it is copied from."""
    files = {name: dist / name for name in RELEASE_DIST_FILES if (dist / name).is_file()}
    for path in project.ontology_files() + project.shapes_files() + project.ontology_shapes_files():
        files[f"ontology/{path.name}"] = path
    for pattern in ("*.rq", "*.expected.json", "checks/*.rq"):
        for path in sorted(project.queries_dir.glob(pattern)):
            files[f"queries/{path.relative_to(project.queries_dir).as_posix()}"] = path
    return files


def write_release(project: Project, dist: Path, version: str) -> Path:
    """Copy the build in `dist` (with the ontology, shapes and queries it was checked with) into the
    package's release folder, with its manifest; replaced in one rename, like dist/."""
    target = project.release_dir
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    entries = {}
    try:
        for name, source in sorted(release_files(project, dist).items()):
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            entries[name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        manifest = {"format": MANIFEST_FORMAT, "version": version, "files": entries}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
