"""A small client for remote SPARQL 1.1 stores: Protocol (query, update) and Graph Store HTTP Protocol.

Standard library only (urllib). It retries connection errors and 5xx answers with exponential
backoff, bounded both in count and in time; it turns a 4xx or a failed authentication into a
one-line error; and it never shows credentials: they live only in the urllib password manager,
URLs are shown without user info, and every message is scrubbed of the password before it leaves.
Proxies from the environment are not used (the stores we talk to are addressed directly).
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .errors import InputError

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


class StoreError(InputError):
    """The store could not be used (exit 2): unreachable after the retries, refused, or auth failed."""

    def __init__(self, message: str, *, status: int | None = None, maybe_applied: bool = False):
        super().__init__(message)
        self.status = status
        #: True when a request that changes data may have reached the store before the error.
        self.maybe_applied = maybe_applied


class StoreUnavailable(StoreError):
    """Connection errors or 5xx answers outlasted the retries."""


class StoreRefused(StoreError):
    """A 4xx answer (or a 5xx that says 'no permission'): retrying would not help."""


class AuthFailed(StoreRefused):
    """The store rejected the credentials, or asked for some and none were given."""


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    server: str = ""


def redact(url: str) -> str:
    """The URL without any user:password@ part."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def shown(url: str) -> str:
    """The URL as messages show it: no user info, no query string."""
    return redact(url).split("?", 1)[0]


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(url without user info, user, password) for a URL that may carry `user:password@`."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None, None
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return redact(url), user, password


def with_param(url: str, name: str, value: str) -> str:
    sep = "&" if urllib.parse.urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{sep}{urllib.parse.urlencode({name: value})}"


class SparqlClient:
    """Talks to one store. `query_url` answers queries; `update_url` (default: the same) takes
    SPARQL Update; `graph_store_url` (optional) is a Graph Store HTTP Protocol endpoint."""

    def __init__(self, query_url: str, update_url: str | None = None, graph_store_url: str | None = None, *,
                 user: str | None = None, password: str | None = None, timeout: float = 120.0,
                 retries: int = 5, retry_max_time: float = 60.0, backoff: float = 0.5,
                 log=None, on_retry=None, sleep=time.sleep):
        urls = []
        for url in (query_url, update_url, graph_store_url):
            if url is None:
                urls.append(None)
                continue
            clean, u, p = split_credentials(url)
            if urllib.parse.urlsplit(clean).scheme not in ("http", "https"):
                raise InputError(f"not an http(s) URL: {redact(url)}")
            user, password = user or u, password or p
            urls.append(clean)
        self.query_url, self.update_url, self.graph_store_url = urls
        self.update_url = self.update_url or self.query_url
        self.user, self._password = user, password
        self.timeout, self.retries, self.retry_max_time, self.backoff = timeout, retries, retry_max_time, backoff
        self.log = log or (lambda msg: None)  # one line per HTTP request (--verbose)
        self.on_retry = on_retry or self.log  # one line per retry
        self.sleep = sleep
        # No proxies from the environment; authentication is done here (see _Auth), not by urllib.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._auth = _Auth(user, password) if user is not None else None
        self.server_software = ""  # the Server header of the last answer, e.g. "Virtuoso/07.20.3229 (Linux) ..."

    # -- the operations ------------------------------------------------------------------------

    def select(self, query: str) -> tuple[list[str], list[dict[str, str]]]:
        """Variables and rows of a SELECT; each value is the N-Triples form of its term."""
        import pyoxigraph as ox

        resp = self.query(query, accept=SPARQL_JSON)
        try:
            solutions = ox.parse_query_results(resp.body, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as err:
            raise StoreRefused(f"{shown(self.query_url)} did not answer with SPARQL JSON results: "
                               f"{_one_line(str(err))}") from None
        names = [v.value for v in solutions.variables]
        rows = [{n: str(s[n]) for n in names if s[n] is not None} for s in solutions]
        return names, rows

    def query(self, query: str, accept: str = SPARQL_JSON) -> Response:
        body = urllib.parse.urlencode({"query": query}).encode("utf-8")
        return self.request("POST", self.query_url, body,
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                            what="query")

    def update(self, update: str, *, retry: bool = True) -> Response:
        """Run a SPARQL Update. With retry=False a connection error is not retried (the update may
        have been applied); the error then has maybe_applied=True."""
        return self.request("POST", self.update_url, update.encode("utf-8"),
                            {"Content-Type": "application/sparql-update"}, what="update", retry=retry)

    def put_graph(self, graph: str, data: bytes, content_type: str = N_TRIPLES) -> Response:
        """Graph Store Protocol PUT: replace the named graph `graph` by `data`."""
        if not self.graph_store_url:
            raise InputError("no Graph Store endpoint given (--graph-store)")
        url = with_param(self.graph_store_url, "graph", graph)
        return self.request("PUT", url, data, {"Content-Type": content_type}, what=f"PUT of graph <{graph}>")

    # -- the transport -------------------------------------------------------------------------

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str], *,
                what: str = "request", retry: bool = True) -> Response:
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return self._once(method, url, body, headers)
            except _Transient as err:
                attempt += 1
                delay = self.backoff * (2 ** (attempt - 1))
                out_of_time = time.monotonic() - started + delay > self.retry_max_time
                if not retry or attempt > self.retries or out_of_time:
                    tried = f"after {attempt} attempt{'s' if attempt != 1 else ''}" if retry else "(not retried: it changes data)"
                    raise StoreUnavailable(self._scrub(f"{what} to {shown(url)} failed {tried}: {err.reason}"),
                                           status=err.status, maybe_applied=method != "GET" and body is not None) from None
                self.on_retry(self._scrub(f"{what} to {shown(url)}: {err.reason}; retrying in {delay:.1f} s"))
                self.sleep(delay)

    def _once(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Response:
        auth = self._auth
        if auth is not None and auth.challenge is None and body:
            # Learn the challenge with a request that has no body first: a store that answers 401
            # while a large body is still being sent closes the connection ("broken pipe").
            try:
                self._send("GET", url, None, {}, None)
            except urllib.error.HTTPError as err:
                if err.code == 401:
                    auth.learn(err.headers.get_all("WWW-Authenticate") or [])
                err.close()
            except _Transient:
                pass
        last = None
        for _ in range(3):  # at most: no credentials sent, then a challenge answered, then a stale nonce
            try:
                return self._send(method, url, body, headers, auth)
            except urllib.error.HTTPError as err:
                last = err
                if err.code != 401 or auth is None or not auth.learn(err.headers.get_all("WWW-Authenticate") or []):
                    break
        raise self._error(method, url, last) from None

    def _send(self, method, url, body, headers, auth) -> Response:
        headers = dict(headers)
        if auth is not None and auth.challenge is not None:
            headers["Authorization"] = auth.header(method, url)
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        t0 = time.monotonic()
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                data = resp.read()
                self.log(f"{method} {redact(url)} -> {resp.status} ({len(data)} bytes, {time.monotonic() - t0:.2f} s)")
                self.server_software = resp.headers.get("Server", "") or self.server_software
                return Response(resp.status, resp.headers.get("Content-Type", ""), data, self.server_software)
        except urllib.error.HTTPError as err:
            self.log(f"{method} {redact(url)} -> {err.code} ({time.monotonic() - t0:.2f} s)")
            if auth is not None and err.code == 401 and "Authorization" in headers:
                auth.rejected = True
            raise
        except urllib.error.URLError as err:
            raise _Transient(_reason(err.reason)) from None
        except (http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError) as err:
            raise _Transient(_reason(err)) from None
        except OSError as err:
            raise _Transient(_reason(err)) from None

    def _error(self, method: str, url: str, err: urllib.error.HTTPError) -> Exception:
        """The exception for an HTTP error answer: transient (retried) or final."""
        text = _body_text(err)
        detail = self._scrub(_one_line(text) or err.reason or "")
        where = f"{method} {shown(url)}"
        if err.code in (401, 403, 407) or (err.code >= 500 and _says_no_permission(text)):
            hint = ("check --user and --password-file (or PACTGRAPH_USER / PACTGRAPH_PASSWORD)"
                    if self.user is not None else "the store needs credentials: --user and --password-file "
                    "(or PACTGRAPH_USER / PACTGRAPH_PASSWORD)")
            return AuthFailed(f"the store refused {where}: HTTP {err.code} "
                              f"({'authentication failed' if err.code == 401 else 'not allowed'}); {hint}"
                              + (f": {detail}" if detail and err.code != 401 else ""), status=err.code)
        if (err.code >= 500 and not _permanent(text)) or err.code in (408, 429):
            return _Transient(f"HTTP {err.code}: {detail}", err.code)
        return StoreRefused(f"the store refused {where}: HTTP {err.code}: {detail}", status=err.code)

    def _scrub(self, text: str) -> str:
        if self._password:
            text = text.replace(self._password, "***")
        return text


class _Auth:
    """HTTP Basic or Digest (RFC 7616: MD5, SHA-256, qop=auth) credentials, sent with every request
    once the store's challenge is known, so that no large body is sent only to be refused."""

    def __init__(self, user: str, password: str | None):
        self.user, self._password = user, password or ""
        self.challenge: dict[str, str] | None = None
        self.rejected = False
        self._nc = 0

    def learn(self, headers: list[str]) -> bool:
        """Take the challenge of a 401; False if retrying cannot help (credentials already refused)."""
        parsed = [c for c in (_parse_challenge(h) for h in headers) if c]
        if not parsed:
            return False
        digest = next((c for c in parsed if c["scheme"] == "digest"), None)
        basic = next((c for c in parsed if c["scheme"] == "basic"), None)
        new = digest or basic
        if new is None:
            return False
        stale = new.get("stale", "").lower() == "true"
        if self.rejected and not stale:
            return False
        self.rejected = False
        self.challenge, self._nc = new, 0
        return True

    def header(self, method: str, url: str) -> str:
        import base64
        import hashlib
        import secrets

        ch = self.challenge or {}
        if ch.get("scheme") == "basic":
            return "Basic " + base64.b64encode(f"{self.user}:{self._password}".encode("utf-8")).decode("ascii")
        algorithm = ch.get("algorithm", "MD5")
        h = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
             "SHA-256-SESS": hashlib.sha256}.get(algorithm.upper(), hashlib.md5)
        digest = lambda text: h(text.encode("utf-8")).hexdigest()  # noqa: E731
        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        realm, nonce = ch.get("realm", ""), ch.get("nonce", "")
        cnonce = secrets.token_hex(8)
        self._nc += 1
        nc = f"{self._nc:08x}"
        ha1 = digest(f"{self.user}:{realm}:{self._password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = digest(f"{ha1}:{nonce}:{cnonce}")
        ha2 = digest(f"{method}:{uri}")
        qops = [q.strip() for q in ch.get("qop", "").split(",") if q.strip()]
        fields = {"username": self.user, "realm": realm, "nonce": nonce, "uri": uri}
        if "auth" in qops:
            fields["response"] = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            fields["response"] = digest(f"{ha1}:{nonce}:{ha2}")
        quoted = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        extra = f", algorithm={algorithm}"
        if "auth" in qops:
            extra += f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        if "opaque" in ch:
            extra += f', opaque="{ch["opaque"]}"'
        return f"Digest {quoted}{extra}"


def _parse_challenge(header: str) -> dict[str, str] | None:
    import re

    m = re.match(r"\s*([A-Za-z]+)\s*(.*)$", header or "", re.DOTALL)
    if not m:
        return None
    out = {"scheme": m.group(1).lower()}
    for k, v in re.findall(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)', m.group(2)):
        out[k.lower()] = v[1:-1].replace('\\"', '"') if v.startswith('"') else v
    return out


class _Transient(Exception):
    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason, self.status = reason, status


def _reason(err) -> str:
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, (ConnectionResetError, http.client.RemoteDisconnected)):
        return "connection closed by the store"
    if isinstance(err, http.client.IncompleteRead):
        return "answer cut short"
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return _one_line(text)


def _body_text(err: urllib.error.HTTPError) -> str:
    try:
        data = err.read()
    except Exception:  # noqa: BLE001 - the body is only for the message
        return ""
    text = data.decode("utf-8", "replace")
    if "<html" in text[:500].lower():  # an error page: keep its title or first heading
        import re

        m = re.search(r"<(?:h1|title)>(.*?)</", text, re.IGNORECASE | re.DOTALL)
        text = m.group(1) if m else ""
    return text


def _says_no_permission(text: str) -> bool:
    low = text.lower()
    return "no permission" in low or "security" in low and "permission" in low or "access denied" in low


def _permanent(text: str) -> bool:
    """A 5xx answer that retrying cannot fix: Virtuoso reports errors in the query (SQLSTATE 37000,
    42000, 22xxx...) as HTTP 500; only its connection (08xxx), deadlock (40001) and timeout (S1T00)
    errors are worth a retry."""
    import re

    m = re.match(r"\s*Virtuoso\s+(\w{5})\s+Error", text)
    return bool(m) and not (m.group(1).startswith("08") or m.group(1) in ("40001", "S1T00"))


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
