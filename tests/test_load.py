"""`pactgraph load` against real SPARQL stores on loopback: the Oxigraph server and OpenLink Virtuoso.

Each store is started by the test (tests/servers.py) and is loaded, queried, reloaded, crashed in
the middle of a load and loaded again. Tests marked `server` fail (they are not skipped) when a
server binary is missing; `.ci/install-deps` installs them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from servers import LOOPBACK, built_dataset, free_port, sparql_server, virtuoso_server  # noqa: F401 - fixtures

from pactgraph import queries
from pactgraph.load import (STAGING, check_remote_queries, count_graphs, insert_chunks, interactive,
                            portable_query, read_dataset)
from pactgraph.sparql_client import SparqlClient, redact, split_credentials
from pactgraph.sparql_text import bind_values, expand_type_paths, is_update, split_conjunctions

#: canned queries run on each store after loading (their default parameters, compared as sets)
REMOTE_QUERIES = ("in-force-partners", "territories", "under-negotiation")
PADDING = "https://w3id.org/pactgraph/graph/zz-test-padding"


def padded(source: Path, dest: Path, n: int, tag: str = "") -> Path:
    """The dataset plus a graph of `n` extra values `"<tag><i>"` (some on blank nodes), sorted last."""
    lines = [source.read_text(encoding="utf-8")]
    for i in range(n):
        s = f"<https://w3id.org/pactgraph/id/test/s{i // 10}>"
        if i % 50 == 0:
            lines.append(f"{s} <https://w3id.org/pactgraph/ontology/testNode> _:b{i} <{PADDING}> .\n"
                         f"_:b{i} <https://w3id.org/pactgraph/ontology/testValue> \"{tag}{i}\" <{PADDING}> .\n")
        else:
            lines.append(f"{s} <https://w3id.org/pactgraph/ontology/testValue> \"{tag}{i}\" <{PADDING}> .\n")
    dest.write_text("".join(lines), encoding="utf-8")
    return dest


def client_for(server) -> SparqlClient:
    user = getattr(server, "user", None)
    return SparqlClient(server.query_url, user=user, password=getattr(server, "password", None), retries=2,
                        retry_max_time=10)


def load(server, root: Path, nq: Path, *extra: str):
    return run_cli("load", *server.load_args(), "--file", str(nq), *extra, root=root)


def staging_graphs(client) -> list[str]:
    _, rows = client.select(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{STAGING}")) }}')
    return [r["g"] for r in rows]


# -- against the real stores ---------------------------------------------------------------------

@pytest.mark.server
def test_load_query_and_reload(sparql_server, built_dataset):
    root, nq = built_dataset
    want = read_dataset(nq).counts
    result = load(sparql_server, root, nq)
    assert result.code == 0, result.err
    assert "counts verified" in result.out and result.err == ""  # no progress off a terminal

    client = client_for(sparql_server)
    assert count_graphs(client, list(want)) == want
    sparql_server.settle()
    for name, ok, detail in check_remote_queries(client, root / "queries", list(REMOTE_QUERIES), default_only=True):
        assert ok, f"{sparql_server.name}: {name}: {detail}"

    again = load(sparql_server, root, nq, "--quiet")
    assert again.code == 0 and again.out == "" and again.err == ""
    assert count_graphs(client, list(want)) == want  # nothing doubled
    assert staging_graphs(client) == []
    for name, ok, detail in check_remote_queries(client, root / "queries", list(REMOTE_QUERIES), default_only=True):
        assert ok, f"{sparql_server.name} after a reload: {name}: {detail}"


@pytest.mark.server
def test_load_with_sparql_update_only(sparql_server, built_dataset, tmp_path):
    """Without a Graph Store endpoint the graph goes up in INSERT DATA requests; blank nodes that
    share triples stay in one request, so the counts still match."""
    root, nq = built_dataset
    big = padded(nq, tmp_path / "padded.nq", 5000)
    args = sparql_server.load_args(graph_store=False)
    result = run_cli("load", *args, "--file", str(big), root=root)
    assert result.code == 0, result.err
    client = client_for(sparql_server)
    assert count_graphs(client, [PADDING]) == {PADDING: read_dataset(big).counts[PADDING]}
    _, rows = client.select(f"SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ GRAPH <{PADDING}> "
                            "{ ?s <https://w3id.org/pactgraph/ontology/testNode> ?b . "
                            "?b <https://w3id.org/pactgraph/ontology/testValue> ?v } }")
    assert rows[0]["n"].startswith('"100"')  # every blank node kept its value
    # back to the plain build for the other tests
    assert run_cli("load", *sparql_server.load_args(), "--file", str(nq), "--prune", "--quiet", root=root).code == 0
    assert count_graphs(client, [PADDING]) == {}


@pytest.mark.server
def test_replacing_graphs_is_atomic_for_readers(sparql_server, built_dataset, tmp_path):
    """While version B replaces version A, a reader polls the graph: every time it sees all of A or
    all of B. Where updates are isolated transactions (Oxigraph: `--swap move`) it sees exactly one
    of them; Virtuoso is loaded by `--swap merge`, where for a moment both may show (docs/loading.md)."""
    root, nq = built_dataset
    n_a, n_b = 30000, 12000
    a = padded(nq, tmp_path / "a.nq", n_a, tag="a")
    b = padded(nq, tmp_path / "b.nq", n_b, tag="b")
    assert load(sparql_server, root, a, "--quiet").code == 0

    client = client_for(sparql_server)
    query = (f"SELECT ?tag (COUNT(*) AS ?n) WHERE {{ GRAPH <{PADDING}> {{ ?s <https://w3id.org/pactgraph/ontology/testValue> ?v }} "
             "BIND (SUBSTR(STR(?v), 1, 1) AS ?tag) } GROUP BY ?tag")
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            _, rows = client.select(query)
            seen.append({r["tag"].strip('"'): int(r["n"].split('"')[1]) for r in rows})

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.3)
        result = load(sparql_server, root, b, "--quiet")
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(60)
    assert result.code == 0, result.err
    assert len(seen) >= 3 and seen[0] == {"a": n_a} and seen[-1] == {"b": n_b}
    partial = [s for s in seen if s.get("a") != n_a and s.get("b") != n_b]
    assert not partial, f"{sparql_server.name}: a reader saw a graph half loaded: {partial[:3]}"
    if sparql_server.name != "virtuoso":
        assert all(s in ({"a": n_a}, {"b": n_b}) for s in seen), f"not atomic: {[s for s in seen if len(s) > 1][:3]}"
    assert run_cli("load", *sparql_server.load_args(), "--file", str(nq), "--prune", "--quiet", root=root).code == 0


@pytest.mark.server
def test_server_killed_mid_load_then_reload(sparql_server, built_dataset, tmp_path):
    root, nq = built_dataset
    assert load(sparql_server, root, nq, "--prune", "--quiet").code == 0
    before = read_dataset(nq).counts
    big = padded(nq, tmp_path / "big.nq", 60000)
    want = read_dataset(big).counts
    client = client_for(sparql_server)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "pactgraph.cli", "--root", str(root), "load", *sparql_server.load_args(),
               "--file", str(big), "--retries", "1", "--retry-max-time", "2"]
    loader = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not staging_graphs(client):  # the load is under way: some graph is staged
            assert loader.poll() is None, "the load ended before the server could be killed"
            assert time.monotonic() < deadline, "the load never started staging"
            time.sleep(0.02)
        sparql_server.kill()
        out, err = loader.communicate(timeout=60)
    finally:
        if loader.poll() is None:
            loader.kill()
    assert loader.returncode == 2, (out, err)
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]  # before it, one line per retry
    assert last.startswith("pactgraph: error:"), err

    sparql_server.start()
    # the crash hit the staging graphs only: what readers see is the previous load, whole
    assert count_graphs(client, list(want)) == before
    result = load(sparql_server, root, big)
    assert result.code == 0, result.err
    assert count_graphs(client, list(want)) == want
    assert staging_graphs(client) == []
    assert run_cli("load", *sparql_server.load_args(), "--file", str(nq), "--prune", "--quiet", root=root).code == 0
    assert count_graphs(client, [PADDING]) == {}


@pytest.mark.server
def test_bad_credentials_exit_2_without_showing_them(built_dataset, tmp_path, virtuoso_server):
    server = virtuoso_server
    root, nq = built_dataset
    secret = "not-the-password-4711"
    (tmp_path / "pw").write_text(secret + "\n")
    for extra in ([], ["--verbose"]):
        result = run_cli("load", "--endpoint", server.base + "/sparql-auth", "--graph-store",
                         server.base + "/sparql-graph-crud-auth", "--user", "dba", "--password-file",
                         str(tmp_path / "pw"), "--file", str(nq), *extra, root=root)
        assert result.code == 2
        assert "authentication failed" in result.err and secret not in result.err + result.out
        assert len([line for line in result.err.splitlines() if "error" in line]) == 1
    # the public endpoint lets nobody update: a clear refusal, not retried
    started = time.monotonic()
    result = run_cli("load", "--endpoint", server.base + "/sparql", "--file", str(nq), root=root)
    assert result.code == 2 and "not allowed" in result.err and time.monotonic() - started < 10


@pytest.mark.server
def test_credentials_from_the_environment(built_dataset, monkeypatch, virtuoso_server):
    server = virtuoso_server
    root, nq = built_dataset
    monkeypatch.setenv("PACTGRAPH_USER", server.user)
    monkeypatch.setenv("PACTGRAPH_PASSWORD", server.password)
    result = run_cli("load", "--endpoint", server.base + "/sparql-auth", "--graph-store",
                     server.base + "/sparql-graph-crud-auth", "--file", str(nq), "--verbose", root=root)
    assert result.code == 0, result.err
    assert f"{server.user}:{server.password}" not in result.err and "Authorization" not in result.err


# -- without a server ----------------------------------------------------------------------------

def test_unreachable_store_gives_up_quickly(built_dataset):
    root, nq = built_dataset
    port = free_port()
    started = time.monotonic()
    result = run_cli("load", "--endpoint", f"http://{LOOPBACK}:{port}/sparql", "--file", str(nq),
                     "--retries", "3", "--retry-max-time", "2", root=root)
    assert result.code == 2
    assert "connection refused" in result.err and time.monotonic() - started < 10
    assert result.err.strip().splitlines()[-1].startswith("pactgraph: error:")


def test_missing_build_and_bad_options(tmp_path):
    root = tmp_path / "p"
    (root / "ontology").mkdir(parents=True)
    (root / "data").mkdir()
    result = run_cli("load", "--endpoint", "http://127.0.0.1:9/sparql", root=root)
    assert result.code == 2 and "pactgraph build" in result.err
    (tmp_path / "pw").write_text("x\n")
    result = run_cli("load", "--endpoint", "http://127.0.0.1:9/sparql", "--password-file", str(tmp_path / "pw"), root=root)
    assert result.code == 2 and "no user" in result.err
    result = run_cli("load", "--endpoint", "ftp://example/sparql", root=root)
    assert result.code == 2


def test_urls_never_show_credentials():
    assert redact("http://bob:s3cret@127.0.0.1:8890/sparql") == "http://127.0.0.1:8890/sparql"
    assert split_credentials("http://bob:s%40cret@h/x") == ("http://h/x", "bob", "s@cret")


def test_progress_only_on_a_terminal(monkeypatch):
    class Args:
        quiet = False

    class Tty:
        def isatty(self):
            return True

    assert interactive(Args(), Tty(), environ={})
    assert not interactive(Args(), Tty(), environ={"CI": "true"})
    Args.quiet = True
    assert not interactive(Args(), Tty(), environ={})


def test_blank_nodes_stay_in_one_insert_request():
    import pyoxigraph as ox

    p = ox.NamedNode("http://example.org/p")
    b1, b2 = ox.BlankNode(), ox.BlankNode()
    triples = [ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), p, ox.Literal(str(i))) for i in range(10)]
    triples += [ox.Triple(ox.NamedNode("http://example.org/x"), p, b1), ox.Triple(b1, p, b2), ox.Triple(b2, p, ox.Literal("z"))]
    chunks = insert_chunks(triples, size=3)
    holding = [i for i, c in enumerate(chunks) if any(isinstance(n, ox.BlankNode) for t in c for n in (t.subject, t.object))]
    assert len(holding) == 1 and sum(map(len, chunks)) == len(triples)


def test_portable_query_prebinds_every_parameter(project):
    found = queries.discover(project.queries_dir)
    for q in (q for q in found.values() if q.params):
        values = portable_query(q).split("VALUES (", 1)[1].split(")", 1)[0].split()
        assert sorted(values) == sorted(f"?{name}" for name in q.params), q.name
    q = found["in-force-partners"]
    text = portable_query(q, {"date": "2026-01-01"})
    assert '"2026-01-01"^^<http://www.w3.org/2001/XMLSchema#date>' in text
    assert re.search(r"\bWHERE\s*\{\s*VALUES \(", text)  # first in the WHERE group


def test_portable_queries_answer_as_the_canned_ones(project, store):
    """The reshaped text (VALUES, expanded paths, split filters) answers exactly as the canned query
    on the embedded store does, for every expected case's parameters."""
    found = queries.discover(project.queries_dir)
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    for q in found.values():
        for case in json.loads(q.expected_path.read_text(encoding="utf-8")):
            params = case.get("params", {})
            _, want = queries.rows(queries.run(store, q.text, q.bindings(params)))
            _, got = queries.rows(queries.run(store, portable_query(q, params)))
            assert sorted(map(key, got)) == sorted(map(key, want)), f"{q.name} {params}"


def test_sparql_text_helpers():
    assert is_update("PREFIX a: <http://x/#> # SELECT\n INSERT DATA { <a:a> <a:b> 'SELECT' }")
    assert not is_update("# INSERT\nSELECT * { ?s ?p \"DELETE\" }")
    assert is_update("BASE <http://a/> WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert bind_values("SELECT ?x WHERE { ?x ?p ?o }", {"o": "<http://o>"}) == \
        "SELECT ?x WHERE {\n  VALUES (?o) { (<http://o>) }\n ?x ?p ?o }"
    assert "FILTER (?a) FILTER ((?b || ?c))" in split_conjunctions("SELECT * { FILTER (?a && (?b || ?c)) }")
    text = expand_type_paths("SELECT ?x { ?x a/rdfs:subClassOf* pg:C ; pg:p ?y . }")
    assert "?x a ?_pgt1 ;" in text and "?_pgt1 rdfs:subClassOf* pg:C ." in text
