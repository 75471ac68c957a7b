"""Install pactgraph as a user would, into fresh virtual environments, and use it.

1. The README's own install command (`python3 -m venv .venv && .venv/bin/pip install -q . &&
   .venv/bin/pactgraph build`) on a copy of the checkout gives every documented command, `serve`
   included (the Oxigraph server is a main dependency).
2. That build writes the packaged release (scripts/pactgraph/release/); the wheel built from the copy
   carries it, and installed into another fresh environment it answers `query`, `sparql`, `status`,
   `serve`, `load`, `validate --data DIR` and the Python API from a folder outside any checkout, while
   `build` says it needs a checkout, and a damaged release is refused in one line.

Dependencies come from the package index pip is configured with (no --no-index), as for a user.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

PLACE = "https://w3id.org/pactgraph/id/place/"
LOOPBACK = "127.0.0.1"


def _env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, no active virtual environment, and a PATH
    without this checkout's .venv (so each command is the one of the environment under test)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env.update(extra)
    return env


def _run(args, cwd: Path, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=_env(), **kw)


def _python3() -> str:
    found = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if not found:
        pytest.fail("python3 is not on PATH", pytrace=False)
    return found


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            opener.open(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {timeout} s")


def _get(url: str, accept: str = "application/sparql-results+json") -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as response:
        return response.read()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the checkout's sources (no build, no packaged release), installed and built with
    the README's command."""
    root = tmp_path_factory.mktemp("wheel") / "checkout"
    root.mkdir()
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, root / part)
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, root / name)
    shutil.copytree(ROOT / "scripts", root / "scripts",
                    ignore=shutil.ignore_patterns("release", ".release*", "__pycache__", "*.egg-info"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/pactgraph build"
    assert command in readme, "the README's install command changed: update this test"
    proc = subprocess.run(["bash", "-c", command], cwd=root, capture_output=True, text=True, timeout=900, env=_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "conforms: yes" in proc.stdout
    return root


@pytest.fixture(scope="module")
def wheel(checkout) -> Path:
    out = checkout.parent / "wheels"
    shutil.rmtree(checkout / "build", ignore_errors=True)
    proc = _run([checkout / ".venv" / "bin" / "pip", "wheel", "--no-deps", "-q", "-w", out, checkout],
                cwd=checkout.parent, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (found,) = out.glob("pactgraph-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel) -> Path:
    """A fresh virtual environment with the wheel installed (its dependencies resolved by pip)."""
    venv = wheel.parent.parent / "venv"
    proc = _run([_python3(), "-m", "venv", venv], cwd=wheel.parent)
    assert proc.returncode == 0, proc.stderr
    proc = _run([venv / "bin" / "pip", "install", "-q", wheel], cwd=wheel.parent, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return venv


@pytest.fixture(scope="module")
def elsewhere(installed) -> Path:
    """A folder outside any checkout."""
    folder = installed.parent / "elsewhere"
    folder.mkdir(exist_ok=True)
    for parent in (folder, *folder.parents):
        assert not ((parent / "ontology").is_dir() and (parent / "data").is_dir()), parent
    return folder


def test_readme_install_gives_serve(checkout):
    """After the README's install command, `pactgraph serve` (documented below it) starts and answers."""
    assert (checkout / ".venv" / "bin" / "oxigraph").is_file()
    port = _free_port()
    server = subprocess.Popen([str(checkout / ".venv" / "bin" / "pactgraph"), "serve", "--port", str(port), "--quiet"],
                              cwd=checkout, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        _wait(f"http://{LOOPBACK}:{port}/health", server)
        query = urllib.parse.quote("ASK { <https://w3id.org/pactgraph/id/place/jp> a <https://w3id.org/pactgraph/ontology/SovereignState> }")
        assert json.loads(_get(f"http://{LOOPBACK}:{port}/sparql?query={query}"))["boolean"] is True
    finally:
        _stop(server)
    # the build wrote the packaged release into the package's sources, with its manifest
    manifest = json.loads((checkout / "scripts" / "pactgraph" / "release" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert "pactgraph.nq" in manifest["files"] and "queries/in-force-partners.rq" in manifest["files"]


def test_wheel_carries_the_release_and_the_typing_marker(wheel, checkout):
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = json.loads((checkout / "scripts" / "pactgraph" / "release" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert {"pactgraph/py.typed", "pactgraph/api.py", "pactgraph/release/MANIFEST.json"} <= names
    assert {f"pactgraph/release/{name}" for name in manifest["files"]} <= names
    size = wheel.stat().st_size
    print(f"\nwheel {wheel.name}: {size:,} bytes")
    assert size < 20_000_000


def test_commands_outside_a_checkout(installed, elsewhere, checkout):
    bin_ = installed / "bin"
    listed = _run([bin_ / "pactgraph", "query", "--list"], elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(list((checkout / "queries").glob("*.rq")))
    rows = _run([bin_ / "pactgraph", "query", "in-force-partners", "-p", "date=2024-05-02", "-f", "json"], elsewhere)
    assert rows.returncode == 0, rows.stderr
    assert {b["partner"]["value"] for b in json.loads(rows.stdout)["results"]["bindings"]} == {PLACE + "au", PLACE + "gb"}
    ask = _run([bin_ / "pactgraph", "sparql", "ASK { <https://w3id.org/pactgraph/id/place/jp> a pg:SovereignState }",
                "-f", "json"], elsewhere)
    assert ask.returncode == 0 and json.loads(ask.stdout) is True, ask.stderr
    status = _run([bin_ / "pactgraph", "status", "jp-au-raa", "--date", "2024-01-01", "-f", "csv"], elsewhere)
    assert status.returncode == 0 and "in-force" in status.stdout, status.stderr
    table = _run([bin_ / "pactgraph", "table", "dyad-years", "--state", "jp"], elsewhere)
    assert table.returncode == 0 and table.stdout.startswith("state_a,state_b,year,"), table.stderr
    assert any(line.startswith("AU,JP,2024,") for line in table.stdout.splitlines())
    same = _run([bin_ / "pactgraph", "diff", checkout / "dist", checkout / "dist"], elsewhere)
    assert same.returncode == 0 and "No differences" in same.stdout, same.stdout + same.stderr
    validate = _run([bin_ / "pactgraph", "validate", "--data", checkout / "data"], elsewhere)
    assert validate.returncode == 0 and "conforms: yes" in validate.stdout, validate.stdout + validate.stderr
    for args, says in ((["build"], "works in a checkout only"), (["validate"], "give --data DIR")):
        refused = _run([bin_ / "pactgraph", *args], elsewhere)
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and says in refused.stderr, refused.stderr
    assert not (elsewhere / "dist").exists()


def test_query_outside_a_checkout_loads_neither_rdflib_nor_the_validator(installed, elsewhere):
    code = ("import sys; from pactgraph.cli import main\n"
            "rc = main(['query', 'in-force-partners', '-f', 'csv'])\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyshacl', 'pyshacl_turbo') "
            "or m in ('pactgraph.validate', 'pactgraph.shacl_oxigraph'))\n"
            "assert rc == 0 and not heavy, (rc, heavy)\n"
            "import pactgraph; assert 'site-packages' in pactgraph.__file__, pactgraph.__file__\n")
    proc = _run([installed / "bin" / "python", "-c", code], elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert PLACE + "au" in proc.stdout


def test_api_examples_outside_a_checkout(installed, elsewhere):
    """docs/api.md, run by the installed package from a folder outside any checkout."""
    code = ("import doctest, sys\n"
            f"r = doctest.testfile({str(ROOT / 'docs' / 'api.md')!r}, module_relative=False, "
            "optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)\n"
            "from pactgraph.api import open_release\n"
            "with open_release() as rel: assert rel.packaged, rel\n"
            "sys.exit(1 if r.failed or r.attempted < 20 else 0)\n")
    proc = _run([installed / "bin" / "python", "-c", code], elsewhere)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_serve_outside_a_checkout(installed, elsewhere):
    port = _free_port()
    server = subprocess.Popen([str(installed / "bin" / "pactgraph"), "serve", "--port", str(port), "--quiet"],
                              cwd=elsewhere, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        _wait(f"http://{LOOPBACK}:{port}/health", server)
        query = urllib.parse.quote("SELECT ?label WHERE { <https://w3id.org/pactgraph/id/place/jp> "
                                   "<http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = 'en') }")
        result = json.loads(_get(f"http://{LOOPBACK}:{port}/sparql?query={query}"))
        assert {b["label"]["value"] for b in result["results"]["bindings"]} == {"Japan"}
        void = _get(f"http://{LOOPBACK}:{port}/void.ttl", accept="text/turtle")
        assert b"void:" in void or b"http://rdfs.org/ns/void#" in void
    finally:
        _stop(server)


def test_load_outside_a_checkout(installed, elsewhere):
    port = _free_port()
    store = elsewhere / "oxigraph-store"
    server = subprocess.Popen([str(installed / "bin" / "oxigraph"), "serve", "--location", str(store), "--bind",
                               f"{LOOPBACK}:{port}", "--union-default-graph"], cwd=elsewhere, env=_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://{LOOPBACK}:{port}"
    try:
        _wait(base + "/", server)
        proc = _run([installed / "bin" / "pactgraph", "load", "--endpoint", base + "/query", "--update-endpoint",
                     base + "/update", "--graph-store", base + "/store", "--quiet"], elsewhere, timeout=300)
        assert proc.returncode == 0, proc.stderr
        query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        result = json.loads(_get(f"{base}/query?query={query}"))
        nq = installed / "lib"
        (nquads,) = nq.glob("python3*/site-packages/pactgraph/release/pactgraph.nq")
        lines = sum(1 for line in nquads.read_text(encoding="utf-8").splitlines() if line.strip())
        assert int(result["results"]["bindings"][0]["n"]["value"]) == lines
    finally:
        _stop(server)


def test_damaged_installed_release_is_refused_in_one_line(installed, elsewhere):
    (release,) = (installed / "lib").glob("python3*/site-packages/pactgraph/release")
    nquads = release / "pactgraph.nq"
    original = nquads.read_bytes()
    try:
        nquads.write_bytes(original[: len(original) // 2])
        for args in (["query", "--list"], ["sparql", "ASK {}"], ["serve", "--port", "0"]):
            proc = _run([installed / "bin" / "pactgraph", *args], elsewhere)
            assert proc.returncode == 2, (args, proc.stderr)
            assert proc.stderr.count("\n") == 1 and "is damaged: pactgraph.nq" in proc.stderr, proc.stderr
        nquads.write_bytes(original.replace(b"Japan", b"Jap4n", 1))  # same size, other content
        proc = _run([installed / "bin" / "pactgraph", "query", "--list"], elsewhere)
        assert proc.returncode == 2 and "SHA-256" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    finally:
        nquads.write_bytes(original)
    assert _run([installed / "bin" / "pactgraph", "query", "--list"], elsewhere).returncode == 0
