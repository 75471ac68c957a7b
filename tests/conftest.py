"""Shared test fixtures: the repository, a built copy of it, and an in-process CLI runner."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # the tests run against the checkout, installed or not

from pactgraph.cli import main  # noqa: E402
from pactgraph.project import Project  # noqa: E402


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, root: Path | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    argv = (["--root", str(root)] if root else []) + list(args)
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse usage errors
            code = exit_.code
    return Run(code, out.getvalue(), err.getvalue())


def copy_project(dest: Path) -> Path:
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, dest / part)
    return dest


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of the project, built once for the whole session (read-only for tests)."""
    root = copy_project(tmp_path_factory.mktemp("built"))
    # In a fresh process, as a user runs it: nothing imported by earlier tests can leak into dist/.
    proc = subprocess.run([sys.executable, "-m", "pactgraph.cli", "--root", str(root), "build"],
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")})
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A fresh copy of the project that a test may modify."""
    return copy_project(tmp_path / "proj")


@pytest.fixture(scope="session")
def store(project):
    from pactgraph.sources import load_store, source_files

    return load_store(source_files(project))
