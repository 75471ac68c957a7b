"""A bounded load test of a SPARQL endpoint on this machine: N clients, each sending M queries.

    python -m pactgraph.loadtest http://127.0.0.1:7878/sparql --clients 50 --queries 20

Every client is a thread; they start together (a burst, the hard case for a listen backlog) and each
sends its queries one after the other, on a new connection per query (`--keep-alive` reuses one
connection per client). It prints one line per kind of error and a summary: requests, errors, p50,
p99 and the slowest answer. Exit 0 when every query got a 200, 1 when some did not, 2 on bad usage.

It is a test tool, not a benchmark of someone else's server: it only talks to loopback addresses
(127.0.0.0/8, ::1, localhost), and it is bounded in count (at most 200 clients, 1000 queries each,
20 000 queries in all) and in time (`--max-seconds`, after which no new query is sent; `--timeout` for one answer).
A connection not accepted within `--connect-timeout` (1 s) is an error: on loopback that only
happens when the server's listen backlog overflows and the kernel drops the client's SYN.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

MAX_CLIENTS, MAX_QUERIES, MAX_TOTAL, MAX_SECONDS = 200, 1000, 20000, 600
DEFAULT_QUERY = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
                 "ORDER BY ?s ?label LIMIT 20")


class ConnectTimeout(OSError):
    """The connection was not accepted in time: on loopback the kernel completes the handshake at once
    unless the server's listen backlog is full (then it drops the SYN, and the client retries after 1 s,
    3 s, 7 s...)."""


class UsageError(ValueError):
    """Bad arguments: one line, exit 2."""


@dataclass
class Result:
    sent: int = 0
    ok: int = 0
    not_sent: int = 0
    errors: Counter = field(default_factory=Counter)  # kind -> count
    latencies: list[float] = field(default_factory=list)  # seconds, of every answered or failed query
    elapsed: float = 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds (0 if there are none)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(1, -(-len(ordered) * p // 100))  # ceil
        return ordered[int(rank) - 1] * 1000

    def summary(self) -> dict:
        return {"requests": self.sent, "ok": self.ok, "errors": self.error_count, "not_sent": self.not_sent,
                "error_kinds": dict(self.errors), "p50_ms": round(self.percentile(50), 1),
                "p99_ms": round(self.percentile(99), 1),
                "max_ms": round(max(self.latencies, default=0) * 1000, 1), "elapsed_s": round(self.elapsed, 2)}


def loopback_only(url: str) -> tuple[str, int, str]:
    """(host, port, path) of an http:// URL whose host is a loopback address; UsageError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(f"not an http:// URL: {url!r}")
    try:
        port = parts.port or 80
    except ValueError:
        raise UsageError(f"bad port in {url!r}") from None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except OSError as err:
        raise UsageError(f"cannot resolve {parts.hostname}: {err}") from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_loopback:
            raise UsageError(f"{parts.hostname} is not a loopback address ({address}): this load test only "
                             "runs against a server on this machine")
    return parts.hostname, port, parts.path or "/sparql"


def run(url: str, clients: int = 50, queries: int = 20, query: str = DEFAULT_QUERY, *, keep_alive: bool = False,
        timeout: float = 30.0, connect_timeout: float = 1.0, max_seconds: float = 120.0,
        accept: str = "application/sparql-results+json") -> Result:
    if not 1 <= clients <= MAX_CLIENTS:
        raise UsageError(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 1 <= queries <= MAX_QUERIES:
        raise UsageError(f"--queries must be between 1 and {MAX_QUERIES}")
    if clients * queries > MAX_TOTAL:
        raise UsageError(f"at most {MAX_TOTAL} queries in all (clients x queries)")
    if not all(0 < t <= MAX_SECONDS for t in (max_seconds, timeout, connect_timeout)):
        raise UsageError(f"--max-seconds, --timeout and --connect-timeout must be between 0 and {MAX_SECONDS}")
    host, port, path = loopback_only(url)
    target = f"{path}?{urllib.parse.urlencode({'query': query})}"
    result, lock = Result(), threading.Lock()
    start = threading.Barrier(clients)
    stop_at = [0.0]

    def client() -> None:
        start.wait()
        conn = None
        for i in range(queries):
            if time.monotonic() > stop_at[0]:
                with lock:
                    result.not_sent += queries - i
                break
            t0 = time.monotonic()
            kind = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
                    try:
                        conn.connect()
                    except TimeoutError:
                        raise ConnectTimeout() from None
                    conn.sock.settimeout(timeout)
                conn.request("GET", target, headers={"Accept": accept})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    kind = f"HTTP {resp.status}"
                if not keep_alive or resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as err:
                kind = type(err).__name__
                if conn is not None:
                    conn.close()
                    conn = None
            elapsed = time.monotonic() - t0
            with lock:
                result.sent += 1
                result.latencies.append(elapsed)
                if kind is None:
                    result.ok += 1
                else:
                    result.errors[kind] += 1
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    t0 = time.monotonic()
    stop_at[0] = t0 + max_seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, stop_at[0] + timeout + 5 - time.monotonic()))
    result.elapsed = time.monotonic() - t0
    with lock:
        unfinished = clients * queries - result.sent - result.not_sent
        if unfinished > 0:
            result.not_sent += unfinished
    return result


def report(result: Result, out=sys.stdout) -> None:
    s = result.summary()
    for kind, n in sorted(result.errors.items()):
        print(f"error: {n} x {kind}", file=out)
    if result.not_sent:
        print(f"not sent: {result.not_sent} (the time bound was reached)", file=out)
    print(f"requests {s['requests']}, ok {s['ok']}, errors {s['errors']}, p50 {s['p50_ms']} ms, "
          f"p99 {s['p99_ms']} ms, max {s['max_ms']} ms, {s['elapsed_s']} s", file=out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pactgraph.loadtest", description=__doc__.split("\n\n")[0])
    p.add_argument("url", help="the endpoint, e.g. http://127.0.0.1:7878/sparql (loopback only)")
    p.add_argument("--clients", type=int, default=50, help=f"concurrent clients (default 50, at most {MAX_CLIENTS})")
    p.add_argument("--queries", type=int, default=20, help=f"queries per client (default 20, at most {MAX_QUERIES})")
    p.add_argument("--query", default=DEFAULT_QUERY, help="the SPARQL query to send (default: 20 labels)")
    p.add_argument("--keep-alive", action="store_true", help="one connection per client instead of one per query")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one answer (default 30)")
    p.add_argument("--connect-timeout", type=float, default=1.0,
                   help="seconds to wait for a connection to be accepted (default 1; loopback takes microseconds "
                        "unless the server's backlog is full)")
    p.add_argument("--max-seconds", type=float, default=120.0, help="no new query after this (default 120)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = p.parse_args(argv)
    try:
        result = run(args.url, args.clients, args.queries, args.query, keep_alive=args.keep_alive,
                     timeout=args.timeout, connect_timeout=args.connect_timeout, max_seconds=args.max_seconds)
    except UsageError as err:
        print(f"loadtest: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loadtest: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(result.summary()))
    else:
        report(result)
    return 0 if result.error_count == 0 and result.not_sent == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
