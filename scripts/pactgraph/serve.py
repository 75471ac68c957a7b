"""`pactgraph serve`: the built graph on loopback, read-only.

Two processes. The Oxigraph server (`oxigraph serve-read-only`, from the PyPI package `oxigraph`)
holds a copy of `dist/pactgraph.nq` and answers SPARQL on an internal loopback port. In front of it a
small standard-library HTTP server on the public port adds only what Oxigraph lacks:

* `/sparql` (GET, POST; `/query` is the same): forwarded to Oxigraph, which does the content
  negotiation (JSON, XML, CSV, TSV results; RDF syntaxes for CONSTRUCT/DESCRIBE). The front refuses
  SPARQL Update (403), enforces the time limit (Oxigraph's `--timeout-s`, and a deadline of its own)
  and the result-size limit (rows are counted as they stream; past the limit the answer is refused);
* `/`: the YASGUI query page (YASGUI's files come from the Oxigraph server, nothing from a CDN);
* `/id/{kind}/{slug}`: the project's IRIs, dereferenced (303 See Other to a document per format,
  see docs/serving.md), and the documents themselves (`.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`);
* `/health`: the engine's state as JSON (200 when it answers, 503 when it does not);
* any other path: a file of `dist/site/` if there is one.

Every query is checked before the engine sees it (size, bracket nesting, number of terms: Oxigraph's
recursive parser overflows its stack on a few kB of `((((`), and `SERVICE` is refused unless the
endpoint is in the allow-list (`--allow-service`). The engine is watched and restarted when it dies.
Every connection has a deadline (reading the request, answering it, writing the answer), the number of
worker threads is bounded (`--workers`), and further connections wait in a large listen backlog.

Ctrl-C or SIGTERM stops the front and the Oxigraph process, and removes the temporary store.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import InputError

HELP = "serve the built graph on loopback: SPARQL endpoint, query UI, dereferenceable IRIs"

BASE_IRI = "https://w3id.org/pactgraph/"
RESOURCE_PATH = re.compile(r"^/id/([a-z]+)/([a-z0-9]+(?:-[a-z0-9]+)*)(?:\.([a-z]+))?$")
MAX_REQUEST_BODY = 1 << 20  # 1 MiB of query text is plenty
MAX_FORM_FIELDS = 64  # fields of a form or of a URL's query string
DRAIN_BYTES, DRAIN_SECONDS = 8 << 20, 2.0  # an unread body is read and dropped (bounded) before closing
WRITE_SECONDS = 30.0  # time to write one answer to the client
MIN_RATE = 64 * 1024  # bytes a second a client must read, on average, of a large download
#: query checks (options of `pactgraph serve`, see docs/serving.md): Oxigraph 0.5's parser and
#: evaluator recurse, and overflow the stack of a server thread (the whole process aborts) at about
#: 900 nested function calls, 2,200 nested groups, 2,500 projected expressions or 6,500 UNION/OPTIONAL
#: or `+` in a chain; these defaults stay far below that
DEFAULT_MAX_QUERY_BYTES = 64 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_TERMS = 5000
MAX_UNCOUNTED_BYTES = 64 << 20  # answers in syntaxes that cannot be counted while streaming
GRACE_SECONDS = 2.0  # the front's own deadline is the time limit plus this
OXIGRAPH_CANCELLED = b"The SPARQL operation has been cancelled"

#: document formats of a resource: extension -> (media type, pyoxigraph format name or None for HTML)
DOCUMENTS = {
    "html": ("text/html", None),
    "ttl": ("text/turtle", "TURTLE"),
    "jsonld": ("application/ld+json", "JSON_LD"),
    "nt": ("application/n-triples", "N_TRIPLES"),
    "rdf": ("application/rdf+xml", "RDF_XML"),
}

#: classes whose nodes are n-ary relations: a resource's page includes those pointing to it
NARY_CLASSES = ("Sovereignty", "Administration", "TerritorialClaim", "OfficeTerm", "Membership",
                "AgreementAct", "Intention", "AttributedClaim")


def add_arguments(p) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback)")
    p.add_argument("--port", type=int, default=7878, help="port to listen on (default 7878)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="time limit of one query in seconds (default 10)")
    p.add_argument("--max-results", type=int, default=10000, metavar="N",
                   help="most rows (or triples) one answer may have (default 10000)")
    p.add_argument("--file", type=Path, help="N-Quads file to serve (default dist/pactgraph.nq)")
    p.add_argument("--site", type=Path, help="folder of static pages (default dist/site)")
    p.add_argument("--oxigraph", metavar="PATH", help="the oxigraph server binary (default: found on PATH "
                   "or beside this Python)")
    p.add_argument("--quiet", "-q", action="store_true", help="no access log")
    p.add_argument("--max-query-bytes", type=int, default=DEFAULT_MAX_QUERY_BYTES, metavar="N",
                   help=f"longest query text accepted, in bytes (default {DEFAULT_MAX_QUERY_BYTES})")
    p.add_argument("--max-depth", type=int, default=DEFAULT_MAX_DEPTH, metavar="N",
                   help=f"deepest nesting of ( [ {{ accepted in a query (default {DEFAULT_MAX_DEPTH})")
    p.add_argument("--max-terms", type=int, default=DEFAULT_MAX_TERMS, metavar="N",
                   help=f"most terms (words, names, literals, operators) in a query (default {DEFAULT_MAX_TERMS})")
    p.add_argument("--allow-service", action="append", default=[], metavar="IRI",
                   help="allow SERVICE (federated query) to this endpoint; repeat for more. Without it, any "
                        "query with SERVICE is refused (403)")
    p.add_argument("--workers", type=int, default=32, metavar="N",
                   help="requests answered at the same time (default 32); more connections wait their turn")
    p.add_argument("--backlog", type=int, default=1024, metavar="N",
                   help="connections that may wait to be accepted (default 1024; the OS may cap it)")
    p.add_argument("--read-timeout", type=float, default=10.0, metavar="S",
                   help="time a client has to send a whole request, and an idle connection is kept (default 10)")


# -- query checks ---------------------------------------------------------------------------------

class Refusal(Exception):
    """A request the front does not pass to the engine: HTTP status and one sentence."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


_TERM = re.compile(r"[?$]?[A-Za-z0-9_\u00c0-\U000effff][\w.:\-\u00c0-\U000effff]*|[^\s]")
#: the keyword SERVICE, on the safe side: the SPARQL lexer splits `1SERVICE`, `.SERVICE`, `1e1SERVICE`
#: into a number or a dot and the keyword, so only a letter, `_`, `?`, `$` or `:` just before it, or a
#: letter, digit, `_` or `:` just after (a longer word, a variable, a prefixed name) makes it something
#: else; a name like `ex:a1SERVICE` is refused too, which costs little
_SERVICE = re.compile(r"(?<![A-Za-z_?$:])SERVICE(?![A-Za-z0-9_:])", re.IGNORECASE)
_SILENT = re.compile(r"\s*SILENT(?![\w:\-])", re.IGNORECASE)
_ESCAPE = re.compile(r"\\[uU]")


def check_query(text: str, *, max_bytes: int = DEFAULT_MAX_QUERY_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
                max_terms: int = DEFAULT_MAX_TERMS, services: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise Refusal unless the query may go to the engine: not too long, not nested too deep, not
    too many terms, and SERVICE only to an allowed endpoint (named by its full IRI).

    Works on the text as the engine's parser sees it: comments, strings and IRIs are not syntax."""
    from .sparql_text import code_mask

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise Refusal(400, f"the query is {size} bytes long, more than the {max_bytes} this server accepts "
                           "(pactgraph serve --max-query-bytes)")
    # a comment ends at CR as well as LF for the engine: make every CR an LF (same offsets) so that
    # `# comment\rSERVICE <…>` is read as the engine reads it
    text = text.replace("\r", "\n")
    mask = code_mask(text)
    code = "".join(c if keep else " " for c, keep in zip(text, mask))
    if m := _ESCAPE.search(code):
        raise Refusal(400, f"an escape sequence (\\u) outside a string or IRI, at character {m.start() + 1}; "
                           "write the character itself")
    depth = 0
    for i, c in enumerate(code):
        if c in "([{":
            depth += 1
            if depth > max_depth:
                raise Refusal(400, f"the query nests brackets ( [ {{ more than {max_depth} deep (at character "
                                   f"{i + 1}), the limit of this server (pactgraph serve --max-depth)")
        elif c in ")]}":
            depth = max(0, depth - 1)
    # terms: every word, name, number, operator character; every string and IRI counts as one
    terms = sum(1 for _ in _TERM.finditer(code))
    terms += sum(1 for i in range(1, len(mask)) if not mask[i] and mask[i - 1]) + (1 if mask and not mask[0] else 0)
    if terms > max_terms:
        raise Refusal(400, f"the query has {terms} terms, more than the {max_terms} this server accepts "
                           "(pactgraph serve --max-terms)")
    for m in _SERVICE.finditer(code):
        if not services:
            raise Refusal(403, "SERVICE (federated query) is off on this server: it would make the server send "
                               "requests to other addresses. Run the query on your own copy of the graph, or "
                               "start the server with --allow-service IRI for the endpoints you trust.")
        at = m.end()
        if s := _SILENT.match(code, at):
            at = s.end()
        while at < len(text) and text[at].isspace():
            at += 1
        end = text.find(">", at)
        iri = text[at + 1:end] if at < len(text) and text[at] == "<" and end > at else None
        if iri is None or mask[at]:
            raise Refusal(403, "SERVICE must name its endpoint by a full IRI (<http://...>) from this server's "
                               "allow-list (--allow-service), not by a variable or a prefixed name")
        if iri not in services:
            raise Refusal(403, f"SERVICE <{iri}> is not allowed on this server; allowed endpoints: "
                               + ", ".join(f"<{e}>" for e in sorted(services)))


# -- the Oxigraph process ------------------------------------------------------------------------

def find_oxigraph(given: str | None = None) -> str:
    if given:
        if shutil.which(given):
            return shutil.which(given)
        raise InputError(f"oxigraph binary not found: {given}")
    for candidate in (Path(sys.executable).parent / "oxigraph", shutil.which("oxigraph")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise InputError("the Oxigraph server is not installed: pip install oxigraph (it provides the "
                     "'oxigraph' command), or give --oxigraph PATH")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child before exec (Linux): SIGTERM it if we die
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


class Backend:
    """`oxigraph serve-read-only` on a free loopback port, over a store loaded from the N-Quads file.

    Oxigraph's own timeout does not stop every query (a COUNT over a large join runs on after it), so
    when the front gives up on a query it *recycles* the engine: a fresh read-only process on the same
    store takes the new requests, and the old one is killed once every query it still runs has had
    its full time limit."""

    def __init__(self, binary: str, dataset: Path, timeout: float, log=lambda msg: None):
        self.binary, self.dataset, self.timeout, self.log = binary, dataset, timeout, log
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.generation = 0
        self._lock = threading.Lock()
        self._retired: list[subprocess.Popen] = []
        self.restarts = 0  # engines started because the previous one died
        self.last_exit: int | None = None  # exit status of the last engine that died (-N: signal N)
        self.state = "starting"  # starting, up, restarting, down, stopped
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        # Engines are started from one long-lived thread: Linux sends the parent-death signal when
        # the *thread* that started a child ends, and request threads end after each request.
        from concurrent.futures import ThreadPoolExecutor

        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")

    def current(self) -> tuple[tuple[str, int], int]:
        """(address, generation) to use for one request."""
        with self._lock:
            return ("127.0.0.1", self.port), self.generation

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pactgraph-serve-"))
        store = self.folder / "store"
        t0 = time.monotonic()
        done = subprocess.run([self.binary, "load", "--location", str(store), "--file", str(self.dataset)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise InputError(f"oxigraph could not load {self.dataset}: {_last_line(done.stderr)}")
        self.log(f"loaded {self.dataset.name} into a temporary store in {time.monotonic() - t0:.2f} s")
        self.process, self.port = self._spawn()
        self.state = "up"
        self._watcher = threading.Thread(target=self._watch, name="engine-watch", daemon=True)
        self._watcher.start()

    # -- watching: an engine that dies (a crash, the OOM killer, a signal) is replaced ------------
    def _watch(self) -> None:
        delay = 0.0
        while not self._stopping.wait(0.25 + delay):
            delay = 0.0 if self.ensure() else min(30.0, max(1.0, 2 * delay))  # back off while it cannot start

    def ensure(self) -> bool:
        """Restart the engine if it has died; False when it is down and could not be restarted."""
        with self._lock:
            if self._stopping.is_set() or self.process is None:
                return False
            code = self.process.poll()
            if code is None:
                return True
            if self.state != "down":  # one line per death, not one per failed attempt
                self.last_exit = code
                self.log(f"the SPARQL engine stopped ({_exit_text(code)}); starting a new one")
            self.state = "restarting"
            try:
                self.process, self.port = self._spawn()
            except (InputError, OSError) as err:
                self.state = "down"
                self.log(f"could not restart the SPARQL engine: {err}")
                return False
            self.restarts += 1
            self.generation += 1
            self.state = "up"
            self.log(f"the SPARQL engine is back (pid {self.process.pid}, restart {self.restarts})")
            return True

    def status(self) -> dict:
        with self._lock:
            process = self.process
            return {"state": self.state if process is None or process.poll() is None or self.state != "up"
                    else "down", "pid": process.pid if process else None, "restarts": self.restarts,
                    "last_exit": _exit_text(self.last_exit) if self.last_exit is not None else None,
                    "generation": self.generation}

    def _spawn(self) -> tuple[subprocess.Popen, int]:
        return self._spawner.submit(self._spawn_here).result()

    def _spawn_here(self) -> tuple[subprocess.Popen, int]:
        port = free_port()
        with open(self.folder / "oxigraph.log", "ab") as logfile:
            process = subprocess.Popen(
                [self.binary, "serve-read-only", "--location", str(self.folder / "store"), "--bind", f"127.0.0.1:{port}",
                 "--union-default-graph", "--timeout-s", str(max(1, round(self.timeout)))],
                stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise InputError(f"the oxigraph server stopped at start: {_last_line(self._log_text())}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return process, port
            except OSError:
                time.sleep(0.05)
        _end(process)
        raise InputError("the oxigraph server did not start within 30 s")

    def recycle(self, generation: int) -> None:
        """Replace the engine that ran an overlong query (once per generation)."""
        with self._lock:
            if generation != self.generation or self.process is None:
                return
            try:
                process, port = self._spawn()
            except InputError as err:
                self.log(f"could not start a fresh engine ({err}); keeping the old one")
                return
            old, self.process, self.port = self.process, process, port
            self.generation += 1
            self._retired.append(old)
        self.log("an overlong query is still running: new queries go to a fresh engine, "
                 f"the old one stops in {self.timeout + GRACE_SECONDS:g} s")
        timer = threading.Timer(self.timeout + GRACE_SECONDS, self._retire, args=(old,))
        timer.daemon = True
        timer.start()

    def _retire(self, process: subprocess.Popen) -> None:
        _end(process)
        with self._lock:
            if process in self._retired:
                self._retired.remove(process)

    def _log_text(self) -> str:
        try:
            return (self.folder / "oxigraph.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self.state = "stopped"
            processes, self._retired = [self.process, *self._retired], []
            self.process = None
        for process in processes:
            if process is not None:
                _end(process)
        self._spawner.shutdown(wait=False)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


# -- content negotiation ---------------------------------------------------------------------------

def parse_accept(header: str | None) -> list[tuple[str, float]]:
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (ties go to the earlier offer); None if it accepts none.
    No Accept header means anything, and so the first offer."""
    if not header or not header.strip():
        return offers[0]
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0] + "/*"
        q, specificity = 0.0, -1
        for media, mq in ranges:
            s = 2 if media == offer else 1 if media == kind else 0 if media == "*/*" else -1
            if s > specificity:
                q, specificity = mq, s
        if q > best_q:
            best, best_q = offer, q
    return best


# -- the front -------------------------------------------------------------------------------------

class Deadlines:
    """One thread that closes the connections whose time is up (a client that sends its request a
    byte at a time, or does not read the answer, cannot hold a worker for longer than its deadline)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._due: dict[int, tuple[float, socket.socket]] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._run, name="deadlines", daemon=True).start()

    def set(self, sock: socket.socket, seconds: float) -> None:
        with self._lock:
            self._due[id(sock)] = (time.monotonic() + seconds, sock)

    def clear(self, sock: socket.socket) -> None:
        with self._lock:
            self._due.pop(id(sock), None)

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            now = time.monotonic()
            with self._lock:
                late = [key for key, (due, _) in self._due.items() if due <= now]
                socks = [self._due.pop(key)[1] for key in late]
            for sock in socks:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # the worker's read or write fails at once
                except OSError:
                    pass


class Front(ThreadingHTTPServer):
    """The standard library's threaded HTTP server with a bounded number of workers: a connection is
    accepted only when a worker is free; the others wait in the listen backlog (`--backlog`), so a
    burst of clients is queued, not refused or reset."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, backend: Backend, *, timeout: float, max_results: int, site: Path | None,
                 downloads: Path | None = None, quiet: bool = False, workers: int = 32, backlog: int = 1024,
                 read_timeout: float = 10.0, max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES,
                 max_depth: int = DEFAULT_MAX_DEPTH, max_terms: int = DEFAULT_MAX_TERMS,
                 services: frozenset[str] = frozenset()):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.request_queue_size = backlog
        self.workers = workers
        self._slots = threading.BoundedSemaphore(workers)
        self._busy_lock = threading.Lock()
        self.busy = 0
        super().__init__(address, Handler)
        self.backend, self.query_timeout, self.max_results = backend, timeout, max_results
        self.read_timeout = read_timeout
        self.limits = {"max_bytes": max_query_bytes, "max_depth": max_depth, "max_terms": max_terms,
                       "services": frozenset(services)}
        self.site = site.resolve() if site and site.is_dir() else None
        # static files: the site's pages, then the rest of dist/ (downloads, ontology docs), which the
        # pages link to relatively (`../pactgraph.ttl`, `../../../ontology/index.html`)
        self.static_roots = [r.resolve() for r in (site, downloads) if r and r.is_dir()]
        self.quiet = quiet
        self.asset_cache: dict[str, tuple[str, bytes]] = {}
        self.deadlines = Deadlines()

    # -- bounded workers -------------------------------------------------------------------------
    def get_request(self):
        if not self._slots.acquire(timeout=0.2):  # all busy: leave the connection in the backlog
            raise OSError("all workers are busy")  # socketserver ignores it and polls again
        try:
            request = super().get_request()
        except BaseException:
            self._slots.release()
            raise
        with self._busy_lock:
            self.busy += 1
        return request

    def shutdown_request(self, request):  # called once for every accepted connection
        try:
            super().shutdown_request(request)
        finally:
            with self._busy_lock:
                self.busy -= 1
            self._slots.release()

    def saturated(self) -> bool:
        return self.busy >= self.workers

    def handle_error(self, request, client_address):  # one line, never a traceback
        err = sys.exc_info()[1]
        if isinstance(err, OSError):
            return  # the client went away or its deadline passed
        sys.stderr.write(f"pactgraph: a request from {client_address[0]} failed: {type(err).__name__}: "
                         f"{str(err)[:200]}\n")

    def server_close(self):
        self.deadlines.stop()
        super().server_close()


class Handler(BaseHTTPRequestHandler):
    server: Front
    protocol_version = "HTTP/1.1"
    server_version = "pactgraph-serve"

    # -- plumbing ------------------------------------------------------------------------------
    _CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # each read and write on the socket
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self._drain = False

    def handle_one_request(self) -> None:
        # the whole request (an idle keep-alive connection included) must arrive within --read-timeout
        self.server.deadlines.set(self.connection, self.server.read_timeout)
        self._drain = False
        super().handle_one_request()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            if self._drain:
                self._drain_input()
            self.server.deadlines.clear(self.connection)

    def _drain_input(self) -> None:
        """A body that was not read (refused, too large, badly framed): say we are done, then read and
        drop what the client still sends (bounded), so that closing does not reset the connection
        before the client has read the answer."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            end, total = time.monotonic() + DRAIN_SECONDS, 0
            while total < DRAIN_BYTES and (left := end - time.monotonic()) > 0:
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                total += len(chunk)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            line = (fmt % args).translate(self._CONTROL)
            if len(line) > 300:
                line = line[:240] + f"... ({len(line)} characters)" + line[-40:]
            sys.stderr.write(f"{self.address_string()} - {line}\n")

    def send_error(self, code, message=None, explain=None):
        """Errors found while reading the request line and headers: plain text, and the connection closes."""
        self.close_connection = True
        self._drain = True
        if self.request_version == "HTTP/0.9":  # not parsed yet (or really 0.9): answer with a status line
            self.request_version = "HTTP/1.0"
        short = self.responses.get(code, ("error",))[0]
        self.log_error("code %d, message %s", code, message or short)
        try:
            self.send(code, (f"{code} {message or short}\n").encode("utf-8", "replace"), "text/plain; charset=utf-8")
        except OSError:
            pass

    def send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self._drain or self.server.saturated():  # let a waiting connection have this worker
            self.send_header("Connection", "close")
        if not hasattr(self, "_headers_buffer"):  # an HTTP/0.9 request line: no status line, no headers
            self._headers_buffer = []
        else:
            self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()  # headers and body in one write

    def text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.send(status, (message.rstrip("\n") + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    def options(self) -> None:  # CORS pre-flight: the endpoint is public and read-only
        self.send(204, b"", "text/plain", {
            "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": self.headers.get("Access-Control-Request-Headers", "*")[:1000]})

    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("HEAD")

    def do_POST(self):
        self.route("POST")

    def do_OPTIONS(self):
        self.route("OPTIONS")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PATCH(self):
        self.route("PATCH")

    def _refuse_method(self):
        self.text(405, f"{self.command} is not allowed: this server is read-only", {"Allow": "GET, POST, HEAD, OPTIONS"})

    def framing(self) -> int:
        """The length of the request's body; Refusal if it is framed in a way this server does not take."""
        self._drain = True  # until the body is known to be well framed
        if self.headers.get("Transfer-Encoding") is not None:
            raise Refusal(400, "Transfer-Encoding is not accepted here: send the body with a Content-Length")
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not values:
            self._drain = False
            return 0
        value = values.pop()
        if values or not re.fullmatch(r"[0-9]{1,18}", value):
            raise Refusal(400, "bad Content-Length: it must be one whole number of bytes")
        length = int(value)
        if length > MAX_REQUEST_BODY:
            raise Refusal(413, f"the request body is too large (more than {MAX_REQUEST_BODY} bytes)")
        self._drain = False
        return length

    def read_body(self, length: int) -> bytes:
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionResetError("the client sent less than its Content-Length")
        return body

    def route(self, method: str) -> None:
        path = "?"
        try:
            path = urllib.parse.urlsplit(self.path).path
            try:
                decoded = urllib.parse.unquote(path, errors="strict")
            except UnicodeDecodeError:
                raise Refusal(400, "bad path: not UTF-8 after %-decoding") from None
            if any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded) or not path.startswith("/"):
                raise Refusal(400, "bad path: it holds control characters or does not start with /")
            length = self.framing()
            body = None
            if path in ("/sparql", "/query") and method == "POST":
                body = self.read_body(length)
            elif length:
                self._drain = True  # not read: the connection cannot carry another request
            # from here on: the query's time, and time to write the answer
            self.server.deadlines.set(self.connection, self.server.query_timeout + GRACE_SECONDS + WRITE_SECONDS)
            if method == "OPTIONS":
                return self.options()
            if path in ("/sparql", "/query"):
                return self.sparql(method, body)
            if path == "/update":
                return self.refuse_update()
            if method != "GET" and method != "HEAD":
                return self._refuse_method()
            if path == "/health":
                return self.health()
            if path == "/" or (path == "/index.html" and not self.static(path, dry=True)):
                browse = bool(self.server.site and (self.server.site / "index.html").is_file())
                return self.send(200, ui_page(browse).encode("utf-8"), "text/html; charset=utf-8")
            if path in ("/yasgui.min.js", "/yasgui.min.css", "/logo.svg"):
                return self.asset(path)
            if m := RESOURCE_PATH.match(path):
                return self.resource(*m.groups())
            if self.static(path):
                return None
            return self.text(404, f"not found: {path}")
        except Refusal as refusal:
            try:
                return self.text(refusal.status, refusal.message, {"Access-Control-Allow-Origin": "*"})
            except OSError:
                return None
        except OSError as err:
            if self._client_gone(err):
                self.close_connection = True
                return None
            return self._fail(502, path, err, f"the SPARQL engine failed: {err or type(err).__name__}")
        except Exception as err:  # noqa: BLE001 - one line in the log and a 500, never a dropped connection
            return self._fail(500, path, err, "the server could not answer this request (an internal error; "
                                              "it is logged)")

    def _client_gone(self, err: OSError) -> bool:
        return isinstance(err, (BrokenPipeError, ConnectionResetError))

    def _fail(self, status: int, path: str, err: Exception, message: str) -> None:
        sys.stderr.write(f"pactgraph: {self.command} {path[:200]!r} failed: {type(err).__name__}: "
                         f"{str(err)[:200]}\n".translate(self._CONTROL).replace("\\x0a", "\n"))
        self.close_connection = True
        try:
            self.text(status, message)
        except OSError:
            pass

    # -- health ----------------------------------------------------------------------------------
    def health(self) -> None:
        import http.client
        import json

        backend = self.server.backend
        backend.ensure()
        started = time.monotonic()
        answers, detail = False, None
        try:
            conn = http.client.HTTPConnection(*backend.current()[0], timeout=2)
            try:
                conn.request("GET", "/query?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
                resp = conn.getresponse()
                answers = resp.status == 200 and b"true" in resp.read()
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as err:
            detail = f"{type(err).__name__}: {err}"[:200]
        engine = backend.status()
        engine.update({"answers": answers, "answer_ms": round((time.monotonic() - started) * 1000, 1)})
        if detail:
            engine["error"] = detail
        body = {"status": "ok" if answers else "unavailable", "engine": engine,
                "workers": {"max": self.server.workers, "busy": self.server.busy}}
        self.send(200 if answers else 503, (json.dumps(body, indent=1) + "\n").encode("utf-8"), "application/json",
                  {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"})

    # -- SPARQL ----------------------------------------------------------------------------------
    def refuse_update(self) -> None:
        self.text(403, "SPARQL Update is not allowed: this endpoint is read-only (pactgraph serve). "
                       "To change the data, edit the sources and rebuild, or load the graph into a store "
                       "of your own with 'pactgraph load'.", {"Access-Control-Allow-Origin": "*"})

    def sparql(self, method: str, body: bytes | None) -> None:
        """Check the request and the query, then send the engine a request built here (one query, the
        dataset parameters), never the client's own bytes."""
        url = urllib.parse.urlsplit(self.path)
        try:
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except ValueError:
            raise Refusal(400, f"too many parameters (more than {MAX_FORM_FIELDS})") from None
        if "update" in params:
            return self.refuse_update()
        queries = params.get("query", [])
        dataset = [(k, v) for k in ("default-graph-uri", "named-graph-uri") for v in params.get(k, [])]
        if method == "POST":
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type == "application/sparql-update":
                return self.refuse_update()
            if content_type == "application/x-www-form-urlencoded":
                try:
                    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                                                 max_num_fields=MAX_FORM_FIELDS)
                except ValueError:
                    raise Refusal(400, f"too many form fields (more than {MAX_FORM_FIELDS})") from None
                if "update" in form:
                    return self.refuse_update()
                queries = queries + form.get("query", [])
                dataset += [(k, v) for k in ("default-graph-uri", "named-graph-uri") for v in form.get(k, [])]
            elif content_type == "application/sparql-query":
                queries = queries + [body.decode("utf-8", "replace")]
            else:
                return self.text(415, "POST a query as application/sparql-query or as the 'query' field of "
                                      "application/x-www-form-urlencoded")
        elif method not in ("GET", "HEAD"):
            return self._refuse_method()
        if len(queries) > 1:
            raise Refusal(400, "give one query per request (the 'query' parameter came more than once)")
        query = queries[0] if queries else None
        from .sparql_text import is_update

        headers = {"Accept": (self.headers.get("Accept") or "application/sparql-results+json, text/turtle;q=0.9")[:1000]}
        if query is None:  # no query: the engine's service description
            if dataset:
                raise Refusal(400, "no query given")
            return self.forward("GET", "/query", None, headers, counted=False)
        if "\x00" in query:
            raise Refusal(400, "the query holds a NUL character (U+0000)")
        check_query(query, **self.server.limits)
        if is_update(query):
            return self.refuse_update()
        form_body = urllib.parse.urlencode([("query", query), *dataset]).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.forward("POST", "/query", form_body, headers, counted=True)

    def engine_connection(self, timeout: float):
        """A connection to the engine, (connection, generation); if the engine is not there (it died
        and the watcher has not noticed yet), it is restarted first."""
        import http.client

        backend = self.server.backend
        for attempt in (1, 2):
            address, generation = backend.current()
            conn = http.client.HTTPConnection(*address, timeout=timeout)
            try:
                conn.connect()
                return conn, generation
            except ConnectionRefusedError:
                conn.close()
                if attempt == 2 or not backend.ensure():
                    raise
        raise AssertionError("unreachable")

    def forward(self, method: str, target: str, body: bytes | None, headers: dict, counted: bool) -> None:
        """Send the request to Oxigraph and relay the answer, within the time and size limits."""
        import http.client

        from .result_limits import count_rdf, counter_for

        limit, max_rows = self.server.query_timeout, self.server.max_results
        deadline = time.monotonic() + limit + GRACE_SECONDS
        cors = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}
        try:
            conn, generation = self.engine_connection(limit + GRACE_SECONDS)
        except OSError as err:
            return self.text(502, f"the SPARQL engine is not available ({type(err).__name__}); see /health", cors)
        try:
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
            ctype = resp.getheader("Content-Type", "application/octet-stream")
            counter = counter_for(ctype) if counted and resp.status == 200 else None
            chunks, size = [], 0
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if conn.sock is not None:
                    conn.sock.settimeout(remaining)
                chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if counter is not None and counter.feed(chunk) > max_rows:
                    return self.too_large(cors)
                if counter is None and size > MAX_UNCOUNTED_BYTES:
                    return self.too_large(cors, bytes_=True)
        except (TimeoutError, socket.timeout):
            self.server.backend.recycle(generation)  # the engine may still be running it
            return self.timed_out(cors)
        except (http.client.HTTPException, ConnectionError, OSError) as err:
            if time.monotonic() >= deadline - GRACE_SECONDS:
                self.server.backend.recycle(generation)
                return self.timed_out(cors)
            self.server.backend.ensure()  # if the query killed it, the next one finds a new engine
            return self.text(502, f"the SPARQL engine failed on this request ({type(err).__name__}); "
                                  "see /health", cors)
        finally:
            conn.close()
        data = b"".join(chunks)
        if resp.status == 200 and data.rstrip().endswith(OXIGRAPH_CANCELLED):
            return self.timed_out(cors)
        if resp.status == 200 and counted and counter is None and ctype.startswith(("text/turtle", "application/")):
            n = count_rdf(data, ctype)
            if n is not None and n > max_rows:
                return self.too_large(cors)
        extra = dict(cors)
        if counter is not None:
            extra["X-Result-Count"] = str(counter.count)
        self.send(resp.status, data, ctype, extra)

    def timed_out(self, headers) -> None:
        self.text(503, f"the query exceeded the time limit of {self.server.query_timeout:g} s of this server "
                       "(pactgraph serve --timeout); narrow it, or run it on your own copy of the graph", headers)

    def too_large(self, headers, bytes_: bool = False) -> None:
        what = (f"more than {MAX_UNCOUNTED_BYTES >> 20} MiB" if bytes_ else
                f"more than {self.server.max_results} results")
        self.text(400, f"the answer has {what}, the limit of this server (pactgraph serve --max-results); "
                       f"add LIMIT {self.server.max_results} (and OFFSET to page) or narrow the query", headers)

    # -- UI assets ---------------------------------------------------------------------------------
    def asset(self, path: str) -> None:
        import http.client

        cache = self.server.asset_cache
        if path not in cache:
            conn = http.client.HTTPConnection(*self.server.backend.current()[0], timeout=10)
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                if resp.status != 200:
                    return self.text(502, f"the SPARQL engine did not serve {path}")
                cache[path] = (resp.getheader("Content-Type", "application/octet-stream"), resp.read())
            except (http.client.HTTPException, OSError) as err:
                return self.text(502, f"the SPARQL engine did not serve {path}: {err}")
            finally:
                conn.close()
        ctype, data = cache[path]
        self.send(200, data, ctype, {"Cache-Control": "max-age=3600"})

    # -- dereferenceable IRIs ----------------------------------------------------------------------
    def resource(self, kind: str, slug: str, ext: str | None) -> None:
        iri = f"{BASE_IRI}id/{kind}/{slug}"
        local = f"/id/{kind}/{slug}"
        if ext is not None and ext not in DOCUMENTS:
            return self.text(404, f"unknown document type .{ext}; try one of: "
                                  + ", ".join("." + e for e in DOCUMENTS))
        if not self.describes(iri):
            return self.text(404, f"{iri} is not in this graph", {"Vary": "Accept"} if ext is None else None)
        if ext is None:  # the IRI names a thing, not a document: 303 to the document in the chosen format
            offers = [media for media, _ in DOCUMENTS.values()]
            chosen = negotiate(self.headers.get("Accept"), offers)
            if chosen is None:
                return self.text(406, "no acceptable format; this resource is available as "
                                      + ", ".join(offers), {"Vary": "Accept"})
            ext = next(e for e, (media, _) in DOCUMENTS.items() if media == chosen)
            location = self.absolute(f"{local}.{ext}")
            body = f"See {location}\n".encode("utf-8")
            return self.send(303, body, "text/plain; charset=utf-8", {"Location": location, "Vary": "Accept"})
        media, fmt = DOCUMENTS[ext]
        alternates = ", ".join(f'<{local}.{e}>; rel="alternate"; type="{m}"'
                               for e, (m, _) in DOCUMENTS.items() if e != ext)
        headers = {"Link": alternates, "Access-Control-Allow-Origin": "*"}
        if fmt is None:
            static = self.server.site and self.server.site / "id" / kind / f"{slug}.html"
            if static and static.is_file():
                return self.send(200, static.read_bytes(), "text/html; charset=utf-8", headers)
            return self.send(200, self.render_html(iri, local).encode("utf-8"), "text/html; charset=utf-8", headers)
        import pyoxigraph as ox

        from .namespaces import PREFIXES

        triples = self.describe(iri)
        fmt = getattr(ox.RdfFormat, fmt)
        data = ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt in (ox.RdfFormat.TURTLE,) else None)
        charset = "; charset=utf-8" if ext in ("ttl", "nt", "jsonld") else ""
        self.send(200, data, media + charset, headers)

    def absolute(self, path: str) -> str:
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", host):
            host = "%s:%d" % self.server.server_address[:2]
        return f"http://{host}{path}"

    def backend_query(self, query: str, accept: str) -> bytes:
        conn, _ = self.engine_connection(self.server.query_timeout + GRACE_SECONDS)
        try:
            conn.request("POST", "/query", body=urllib.parse.urlencode({"query": query}).encode("utf-8"),
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise OSError(f"HTTP {resp.status}: {data[:200].decode('utf-8', 'replace')}")
            return data
        finally:
            conn.close()

    def describes(self, iri: str) -> bool:
        data = self.backend_query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}",
                                  "application/sparql-results+json")
        return b"true" in data

    def describe(self, iri: str) -> list:
        """The resource's description: its own triples, its blank nodes' triples, the reified
        statements about it, and the n-ary relation nodes that point to it (with their triples)."""
        import pyoxigraph as ox

        from .namespaces import PG, RDF, RDFS

        nary = " ".join(f"<{PG}{c}>" for c in NARY_CLASSES)
        query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ BIND (<{iri}> AS ?s) <{iri}> ?p ?o }}
  UNION {{ <{iri}> ?p0 ?s . FILTER (isBLANK(?s)) ?s ?p ?o }}
  UNION {{ ?s <{RDF}subject> <{iri}> ; ?p ?o }}
  UNION {{ ?s ?q <{iri}> ; a ?c . ?c <{RDFS}subClassOf>* ?nary . VALUES ?nary {{ {nary} }} ?s ?p ?o }}
}}"""
        data = self.backend_query(query, "application/n-triples")
        return sorted(ox.parse(data, format=ox.RdfFormat.N_TRIPLES), key=_triple_order(iri))

    def labels(self, iris: set[str]) -> dict[str, str]:
        if not iris:
            return {}
        import json

        from .namespaces import RDFS, SKOS

        values = " ".join(f"<{i}>" for i in sorted(iris))
        data = self.backend_query(
            f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x <{RDFS}label>|<{SKOS}prefLabel> ?l "
            f'FILTER (LANGMATCHES(LANG(?l), "en") || LANG(?l) = "") }}', "application/sparql-results+json")
        out = {}
        for b in json.loads(data)["results"]["bindings"]:
            out.setdefault(b["x"]["value"], b["l"]["value"])
        return out

    def render_html(self, iri: str, local: str) -> str:
        import pyoxigraph as ox

        triples = self.describe(iri)
        iris = {t.predicate.value for t in triples} | {n.value for t in triples for n in (t.subject, t.object)
                                                        if isinstance(n, ox.NamedNode)}
        labels = self.labels(iris)
        title = labels.get(iri, iri)
        groups: dict[str, list] = {}
        for t in triples:
            groups.setdefault(_term_key(t.subject), []).append(t)

        def term(node) -> str:
            if isinstance(node, ox.NamedNode):
                href = "/" + node.value[len(BASE_IRI):] if node.value.startswith(BASE_IRI + "id/") else node.value
                label = labels.get(node.value)
                text = html.escape(label) if label else html.escape(_compact(node.value))
                return f'<a href="{html.escape(href)}" title="{html.escape(node.value)}">{text}</a>'
            if isinstance(node, ox.Literal):
                extra = f' <small>@{html.escape(node.language)}</small>' if node.language else (
                    f' <small>{html.escape(_compact(node.datatype.value))}</small>'
                    if node.datatype.value != "http://www.w3.org/2001/XMLSchema#string" else "")
                return html.escape(node.value) + extra
            return f"<code>{html.escape(str(node))}</code>"

        sections = []
        for key, ts in groups.items():
            heading = "" if key == f"<{iri}>" else f"<h2>{term(ts[0].subject)}</h2>"
            rows = "".join(f"<tr><th>{term(t.predicate)}</th><td>{term(t.object)}</td></tr>" for t in ts)
            sections.append(f"{heading}<table>{rows}</table>")
        alts = " · ".join(f'<a href="{local}.{e}">{e}</a>' for e in DOCUMENTS if e != "html")
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} — pactgraph</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;width:100%;margin-bottom:1.5em}}th,td{{text-align:left;vertical-align:top;
padding:.2em .5em;border-bottom:1px solid #ddd}}th{{width:14em;font-weight:normal;color:#555}}</style></head>
<body><h1>{html.escape(title)}</h1><p><code>{html.escape(iri)}</code></p>
{"".join(sections)}<p>Also as {alts} · <a href="/">query the graph</a></p></body></html>
"""

    # -- static files ----------------------------------------------------------------------------
    def send_file(self, target: Path) -> None:
        """Stream a file (the downloads can be large): the client must read at least MIN_RATE bytes a
        second on average, or the connection is closed."""
        with open(target, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size <= 1 << 20:
                return self.send(200, f.read(), _media_type(target))
            self.server.deadlines.set(self.connection, WRITE_SECONDS + size / MIN_RATE)
            self.send_response(200)
            self.send_header("Content-Type", _media_type(target))
            self.send_header("Content-Length", str(size))
            if self.server.saturated():
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                shutil.copyfileobj(f, self.wfile, 1 << 16)

    def static(self, path: str, dry: bool = False) -> bool:
        """Serve the file under a static root that `path` names (never outside the roots)."""
        rel = urllib.parse.unquote(path).lstrip("/")
        for root in self.server.static_roots:
            target = (root / rel).resolve()
            if target.is_dir():
                target = target / "index.html"
            try:
                target.relative_to(root)
            except ValueError:
                continue
            if self.server.site and root != self.server.site and _inside(target, self.server.site):
                continue  # the site is served from the top, not again under /site/
            if target.is_file():
                if not dry:
                    self.send_file(target)
                return True
        return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _media_type(path: Path) -> str:
    import mimetypes

    special = {".ttl": "text/turtle; charset=utf-8", ".jsonld": "application/ld+json", ".nt": "application/n-triples",
               ".nq": "application/n-quads", ".trig": "application/trig", ".rdf": "application/rdf+xml",
               ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "application/javascript",
               ".svg": "image/svg+xml", ".json": "application/json"}
    return special.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _term_key(node) -> str:
    return str(node)


def _triple_order(iri: str):
    own = f"<{iri}>"

    def key(t):
        return (str(t.subject) != own, str(t.subject), str(t.predicate), str(t.object))

    return key


def _compact(iri: str) -> str:
    from .namespaces import PREFIXES

    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def ui_page(browse: bool = False) -> str:
    import json

    from .namespaces import PREFIXES

    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p in
                       ("pg", "pgid", "rdf", "rdfs", "xsd", "skos", "prov"))
    query = (prologue + "\n# Sovereign states and their English names\n"
             "SELECT ?state ?name WHERE {\n  ?state a/rdfs:subClassOf* pg:SovereignState ;\n"
             "         rdfs:label ?name .\n  FILTER (LANG(?name) = \"en\")\n}\nORDER BY ?name\nLIMIT 100\n")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pactgraph — SPARQL</title>
<link href="/yasgui.min.css" rel="stylesheet" type="text/css">
<script src="/yasgui.min.js"></script>
<style>body{{margin:0;font-family:sans-serif}} header{{padding:.5em 1em;background:#223;color:#fff}}
header a{{color:#cdf}}</style>
</head>
<body>
<header><strong>pactgraph</strong> — SPARQL endpoint at <code id="endpoint"></code> (read-only) ·
<a href="/id/place/jp">an example resource</a>{' · <a href="/index.html">browse the graph</a>' if browse else ''}</header>
<div id="yasgui"></div>
<script>
  // Everything comes from this server: switch off YASQE's autocompleters that fetch from
  // prefix.cc and LOV (the prefixes used here are in the query below).
  Yasgui.Yasqe.defaults.autocompleters.splice(0, Yasgui.Yasqe.defaults.autocompleters.length, "variables");
  const endpoint = window.location.origin + "/sparql";
  document.getElementById("endpoint").textContent = endpoint;
  window.yasgui = new Yasgui(document.getElementById("yasgui"), {{
    requestConfig: {{ endpoint: endpoint, method: "POST" }},
    copyEndpointOnNewTab: true,
    persistenceId: "pactgraph",
    endpointCatalogueOptions: {{ getData: () => [{{ endpoint: endpoint }}], keys: [] }},
    yasqe: {{ value: {json.dumps(query)} }},
  }});
</script>
</body>
</html>
"""


# -- the command -------------------------------------------------------------------------------

def run(project, args) -> int:
    dataset = args.file or project.dist_dir / "pactgraph.nq"
    if not dataset.is_file():
        raise InputError(f"no built graph at {dataset}: run 'pactgraph build' first (or give --file)")
    if args.timeout <= 0 or args.max_results <= 0:
        raise InputError("--timeout and --max-results must be positive")
    for name in ("max_query_bytes", "max_depth", "max_terms", "workers", "backlog"):
        if getattr(args, name) <= 0:
            raise InputError(f"--{name.replace('_', '-')} must be positive")
    if not 0 < args.read_timeout <= 3600:
        raise InputError("--read-timeout must be between 0 and 3600 seconds")
    if args.workers > 1000:
        raise InputError("--workers must be at most 1000")
    services = set()
    for iri in args.allow_service:
        parts = urllib.parse.urlsplit(iri)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"[\s<>\"{}|\\^`]", iri):
            raise InputError(f"--allow-service {iri!r} is not an http(s) IRI")
        services.add(iri)
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is not a port number")
    site = args.site or project.dist_dir / "site"
    say = lambda msg: print(f"pactgraph: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    backend = Backend(find_oxigraph(args.oxigraph), dataset, args.timeout, log=say)
    try:
        front = Front((args.host, args.port), backend, timeout=args.timeout, max_results=args.max_results,
                      site=site, downloads=project.dist_dir if args.site is None else None, quiet=args.quiet,
                      workers=args.workers, backlog=args.backlog, read_timeout=args.read_timeout,
                      max_query_bytes=args.max_query_bytes, max_depth=args.max_depth, max_terms=args.max_terms,
                      services=frozenset(services))
    except OSError as err:
        raise InputError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err} (try --port)") from None
    stop = threading.Event()

    def on_signal(signum, frame):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=front.shutdown, daemon=True).start()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        backend.start()
        host, port = front.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"pactgraph: serving {dataset} at http://{shown}:{port}/ — SPARQL endpoint "
              f"http://{shown}:{port}/sparql, resources under http://{shown}:{port}/id/ "
              f"(time limit {args.timeout:g} s, at most {args.max_results} results, "
              f"SERVICE {'to ' + str(len(services)) + ' allowed endpoint(s)' if services else 'off'}, "
              f"health at /health); Ctrl-C stops",
              file=sys.stderr, flush=True)
        if not stop.is_set():
            front.serve_forever(poll_interval=0.2)
    finally:
        front.server_close()
        backend.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    say("stopped")
    return 0
