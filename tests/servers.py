"""Real servers on loopback for the tests: the Oxigraph server, OpenLink Virtuoso and `pactgraph serve`.

Each server is started by the test session on free loopback ports, in a temporary folder, and killed
at the end. No mocks. A missing binary makes the test FAIL (not skip) with the command that installs
it: CI runs `.ci/install-deps` (as root) before the tests.

Import the fixtures into a test module (`from servers import oxigraph_server  # noqa: F401`), or
register this module in tests/conftest.py with `pytest_plugins = ["servers"]`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def require(binary: str, install: str, candidates: tuple[str, ...] = ()) -> str:
    """The path of `binary`, or a test failure saying how to install it."""
    for path in (*candidates, shutil.which(binary)):
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return str(path)
    pytest.fail(f"{binary} is not installed; install it with: {install}", pytrace=False)


def _die_with_us() -> None:
    """In the child, before exec (Linux): SIGKILL it when the test process dies, so that an
    interrupted test session leaves no server behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort, Linux only
        pass


def wait_for_http(url: str, process: subprocess.Popen | None, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}:\n{tail}")
        try:
            opener.open(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {timeout} s")


class Server:
    """A server process in its own session (so a kill reaches it and nothing else)."""

    name = "server"
    process: subprocess.Popen | None = None

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "server.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def ready_url(self) -> str:
        raise NotImplementedError

    def before_start(self) -> None:
        pass

    def start(self, timeout: float = 90) -> None:
        self.before_start()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command(), cwd=self.folder, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            env=self.environment(), preexec_fn=_die_with_us)
        try:
            wait_for_http(self.ready_url, self.process, timeout, self.log)
        except RuntimeError:
            self.stop()
            raise

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def settle(self) -> None:
        """Whatever the store needs between a first load and correct answers (nothing, mostly)."""


class OxigraphServer(Server):
    """`oxigraph serve` (read-write, persistent store, union default graph like the embedded store)."""

    name = "oxigraph"

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.binary = require("oxigraph", "pip install oxigraph (it is in the 'test' extra: pip install '.[test]')",
                              (str(Path(sys.executable).parent / "oxigraph"),))
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        return [self.binary, "serve", "--location", str(self.folder / "store"), "--bind", f"{LOOPBACK}:{self.port}",
                "--union-default-graph"]

    @property
    def ready_url(self) -> str:
        return self.base + "/"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    def load_args(self, graph_store: bool = True) -> list[str]:
        args = ["--endpoint", self.base + "/query", "--update-endpoint", self.base + "/update"]
        return args + (["--graph-store", self.base + "/store"] if graph_store else [])


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {host}:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {dir}
CaseMode = 2

[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {dir}/www
MaxClientConnections = 10
ServerThreads = 10
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


class VirtuosoServer(Server):
    """OpenLink Virtuoso 7 (`virtuoso-t +foreground`) with a fresh database in a temporary folder.

    Loads go through the authenticated endpoints with the dba account (HTTP digest):
    `/sparql-auth` for SPARQL (queries and updates) and `/sparql-graph-crud-auth` for the Graph
    Store Protocol. The public `/sparql` stays read-only (its SPARQL user has no update rights)."""

    name = "virtuoso"
    user, password = "dba", "dba"  # a fresh database's administrator

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.binary = require("virtuoso-t", "apt-get install -y virtuoso-opensource (or run .ci/install-deps as root)")
        self.http_port, self.sql_port = free_port(), free_port()
        self.base = f"http://{LOOPBACK}:{self.http_port}"
        (folder / "www").mkdir(exist_ok=True)
        (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(dir=folder, host=LOOPBACK, http_port=self.http_port,
                                                                sql_port=self.sql_port))
        self.password_file = folder / "password"
        self.password_file.write_text(self.password + "\n")

    def command(self) -> list[str]:
        return [self.binary, "+foreground", "+configfile", str(self.folder / "virtuoso.ini")]

    def before_start(self) -> None:
        # A SIGKILLed Virtuoso leaves its lock file; the process it names is gone.
        (self.folder / "virtuoso.lck").unlink(missing_ok=True)

    @property
    def ready_url(self) -> str:
        return self.base + "/sparql?query=ASK%7B%7D"

    @property
    def query_url(self) -> str:
        return self.base + "/sparql"

    def settle(self) -> None:
        """Virtuoso 7.2.5 (Debian 12) answers many queries wrongly over the first data loaded into a
        fresh database until the server restarts after a checkpoint (the loader checkpoints);
        later loads are answered right. See docs/loading.md."""
        self.restart()

    def load_args(self, graph_store: bool = True) -> list[str]:
        args = ["--endpoint", self.base + "/sparql-auth", "--user", self.user, "--password-file", str(self.password_file)]
        return args + (["--graph-store", self.base + "/sparql-graph-crud-auth"] if graph_store else [])


class PactgraphServe(Server):
    """`pactgraph serve` from this checkout."""

    name = "pactgraph-serve"

    def __init__(self, folder: Path, root: Path, *extra: str):
        super().__init__(folder)
        require("oxigraph", "pip install oxigraph (it is in the 'test' extra: pip install '.[test]')",
                (str(Path(sys.executable).parent / "oxigraph"),))
        self.root, self.extra = root, list(extra)
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "pactgraph.cli", "--root", str(self.root), "serve", "--port", str(self.port),
                *self.extra]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "scripts"), env.get("PYTHONPATH", "")])
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        return env

    @property
    def ready_url(self) -> str:
        return self.base + "/sparql?query=ASK%7B%7D"

    def terminate_and_wait(self, sig=signal.SIGTERM, timeout: float = 20) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout)


def _server(kind: str, folder: Path) -> Server:
    return {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}[kind](folder)


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def sparql_server(request, tmp_path_factory):
    """Each SPARQL store the loader is tested against, running for the whole test module."""
    server = _server(request.param, tmp_path_factory.mktemp(request.param))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def built_dataset(request) -> tuple[Path, Path]:
    """(root of a built copy of the project, its dist/pactgraph.nq).

    PACTGRAPH_TEST_DATASET=FILE.nq uses that file with this checkout's queries instead of building:
    for working on serving and loading while the data does not build yet."""
    override = os.environ.get("PACTGRAPH_TEST_DATASET")
    if override:
        return ROOT, Path(override).resolve()
    root = request.getfixturevalue("built")
    return root, root / "dist" / "pactgraph.nq"
