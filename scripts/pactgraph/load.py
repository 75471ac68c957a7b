"""`pactgraph load`: put the built graph into any SPARQL 1.1 store, one named graph per source graph.

How a graph is replaced (docs/loading.md has the reasons and what each store guarantees):

1. Each graph of `dist/pactgraph.nq` is uploaded whole into a *staging* graph
   `urn:pactgraph:staging:<graph IRI>`: one Graph Store Protocol PUT when a graph store is given,
   else SPARQL `INSERT DATA` requests (blank nodes that share triples stay in one request).
2. The staging graphs are counted; a count that differs from the build stops the load before
   anything published has changed.
3. The staging graphs are swapped in, by one of two methods (`--swap`):
   * `move`: ONE SPARQL Update request, `MOVE <staging> TO <graph>` for every graph. A store that
     runs an update request as one isolated transaction (Oxigraph) makes the swap atomic: a reader
     sees the old dataset or the new one, never a graph half loaded or empty.
   * `merge`, for stores whose updates are not isolated (Virtuoso applies a MOVE row by row, so
     readers see the graph shrink and grow): first `ADD` every staging graph to its graph, then
     delete what the new graph does not have. A reader always sees every triple of the old graph or
     every triple of the new one (for a moment both), never a graph half loaded or empty.
   `auto` (the default) picks `merge` for Virtuoso and `move` for every other store.
4. The published graphs are counted (`COUNT(*)` per graph) against the build; a mismatch exits 1.

Loading twice leaves the same triples: the staging PUT and both swaps replace, never add, and
staging graphs left by an interrupted load are dropped first.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ChecksFailed, InputError

HELP = "load the built graph into a SPARQL 1.1 store (Graph Store Protocol or SPARQL Update)"

STAGING = "urn:pactgraph:staging:"
#: triples per INSERT DATA request when the store has no Graph Store endpoint (halved while the store
#: refuses a request as too large: Virtuoso compiles INSERT DATA to SQL and caps its length)
INSERT_CHUNK = 1000


def add_arguments(p) -> None:
    p.add_argument("--endpoint", required=True, metavar="URL",
                   help="SPARQL endpoint for queries (and updates, unless --update-endpoint)")
    p.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint (default: --endpoint)")
    p.add_argument("--graph-store", metavar="URL",
                   help="Graph Store HTTP Protocol endpoint (default: none; upload with SPARQL INSERT DATA)")
    p.add_argument("--user", help="user name (default: $PACTGRAPH_USER)")
    p.add_argument("--password-file", type=Path, metavar="FILE",
                   help="file whose first line is the password (default: $PACTGRAPH_PASSWORD)")
    p.add_argument("--file", type=Path, help="N-Quads file to load (default: dist/pactgraph.nq)")
    p.add_argument("--prune", action="store_true",
                   help="also drop graphs under https://w3id.org/pactgraph/graph/ that the build no longer has")
    p.add_argument("--swap", choices=("auto", "move", "merge"), default="auto",
                   help="how staged graphs replace the published ones: move (one atomic update), merge "
                        "(add, then prune: for stores without isolated updates) or auto (merge for Virtuoso)")
    p.add_argument("--checkpoint", choices=("auto", "yes", "no"), default="auto",
                   help="end with a Virtuoso checkpoint (SPARQL bif:exec, needs dba rights) so the load survives "
                        "a crash; auto: when the store is Virtuoso, and only a note if it is not allowed (auto)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S", help="per-request timeout in seconds (300)")
    p.add_argument("--retries", type=int, default=5, metavar="N",
                   help="retries of a request after a connection error or 5xx (5)")
    p.add_argument("--retry-max-time", type=float, default=60.0, metavar="S",
                   help="give up retrying a request after this many seconds (60)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    p.add_argument("--verbose", "-v", action="store_true", help="print every HTTP request (never credentials)")


# -- the dataset ---------------------------------------------------------------------------------

@dataclass
class Dataset:
    graphs: dict[str, list] = field(default_factory=dict)  # graph IRI -> sorted list of pyoxigraph Triples

    @property
    def counts(self) -> dict[str, int]:
        return {g: len(t) for g, t in self.graphs.items()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def read_dataset(path: Path) -> Dataset:
    import pyoxigraph as ox

    if not path.is_file():
        raise InputError(f"no built graph at {path}: run 'pactgraph build' first (or give --file)")
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    except SyntaxError as err:
        raise InputError(f"{path}: not valid N-Quads: {' '.join(str(err).split())}") from None
    graphs: dict[str, set] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            raise InputError(f"{path}: has triples in the default graph; every triple must be in a named graph")
        graphs.setdefault(q.graph_name.value, set()).add(ox.Triple(q.subject, q.predicate, q.object))
    if not graphs:
        raise InputError(f"{path}: no triples to load")
    return Dataset({g: sorted(graphs[g], key=str) for g in sorted(graphs)})


def ntriples(triples) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def insert_chunks(triples, size: int = INSERT_CHUNK) -> list[list]:
    """Triples in chunks of about `size`, never splitting triples that share a blank node (a blank
    node label only means the same node within one request)."""
    import pyoxigraph as ox

    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups: dict = {}
    for i, t in enumerate(triples):
        blanks = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        if len(blanks) == 2:
            parent[find(blanks[0])] = find(blanks[1])
    for i, t in enumerate(triples):
        blank = next((n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)), None)
        key = find(blank) if blank is not None else ("t", i)
        groups.setdefault(key, []).append(t)
    chunks, current = [], []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            chunks.append(current)
            current = []
        current.extend(group)
    if current:
        chunks.append(current)
    return chunks


# -- loading ---------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    graphs: dict[str, int]
    seconds: float
    pruned: list[str] = field(default_factory=list)

    def summary(self, endpoint: str) -> str:
        return (f"loaded {len(self.graphs)} graphs ({sum(self.graphs.values())} quads) into {endpoint} "
                f"in {self.seconds:.2f} s; counts verified")


def _insert(client, graph: str, triples, size: int = INSERT_CHUNK) -> None:
    import pyoxigraph as ox

    from .sparql_client import StoreRefused

    pending = insert_chunks(triples, size)
    while pending:
        chunk = pending.pop(0)
        # INSERT DATA where it can: a template with blank nodes (INSERT ... WHERE {}) where it has to,
        # as Virtuoso refuses blank nodes in INSERT DATA; both mean the same, one node per label
        body = ntriples(chunk).decode("utf-8")
        blank = any(isinstance(n, ox.BlankNode) for t in chunk for n in (t.subject, t.object))
        try:
            client.update(f"INSERT {{ GRAPH <{graph}> {{\n{body}}} }} WHERE {{ }}" if blank else
                          f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}")
        except StoreRefused as err:
            too_big = err.status == 413 or any(w in str(err).lower() for w in ("exceed", "too large", "too long"))
            smaller = insert_chunks(chunk, len(chunk) // 2) if too_big and len(chunk) > 1 else [chunk]
            if len(smaller) < 2:
                raise
            pending[:0] = smaller


def staging_iri(graph: str) -> str:
    return STAGING + graph


def load_dataset(client, data: Dataset, *, progress=lambda msg: None, prune: bool = False,
                 swap: str = "auto", checkpoint: str = "auto", warn=lambda msg: None) -> LoadResult:
    """Stage, verify, swap, verify again (see the module docstring). Raises ChecksFailed on a count
    mismatch and StoreError (exit 2) when the store cannot be used."""
    from .sparql_client import StoreError

    started = time.monotonic()
    try:
        _drop_stale_staging(client, set(data.graphs))
        for graph, triples in data.graphs.items():
            t0 = time.monotonic()
            stage = staging_iri(graph)
            if client.graph_store_url:
                client.put_graph(stage, ntriples(triples))
            else:
                client.update(f"DROP SILENT GRAPH <{stage}>")
                _insert(client, stage, triples)
            progress(f"staged {_short(graph)}: {len(triples)} triples ({time.monotonic() - t0:.2f} s)")
    except StoreError as err:
        raise type(err)(f"{err}; the published graphs were not changed", status=err.status) from None

    staged = count_graphs(client, [staging_iri(g) for g in data.graphs])
    wrong = [(g, staged.get(staging_iri(g), 0), n) for g, n in data.counts.items() if staged.get(staging_iri(g), 0) != n]
    if wrong:
        raise ChecksFailed("staging failed, published graphs left unchanged: " + "; ".join(
            f"{g} staged {got} triples, the build has {want}" for g, got, want in wrong))

    virtuoso = "virtuoso" in client.server_software.lower()
    if swap == "merge" or (swap == "auto" and virtuoso):
        _merge(client, data)
        progress(f"merged {len(data.graphs)} graphs (added, then pruned)")
    else:
        _move(client, data, progress)
        progress(f"swapped {len(data.graphs)} graphs in one update")

    pruned = _prune(client, set(data.graphs)) if prune else []
    got = count_graphs(client, list(data.graphs))
    mismatches = [(g, got.get(g, 0), n) for g, n in data.counts.items() if got.get(g, 0) != n]
    if mismatches:
        raise ChecksFailed("triple counts differ from the build after loading: " + "; ".join(
            f"{g} has {have}, the build has {want}" for g, have, want in mismatches))
    for g, n in data.counts.items():
        progress(f"verified {_short(g)}: {n} triples")
    if checkpoint == "yes" or (checkpoint == "auto" and "virtuoso" in client.server_software.lower()):
        _checkpoint(client, required=checkpoint == "yes", progress=progress, warn=warn)
    return LoadResult(data.counts, time.monotonic() - started, pruned)


def _checkpoint(client, *, required: bool, progress, warn) -> None:
    """Virtuoso: write everything to the database file now. Virtuoso 7.2 replays graph replacements
    from its transaction log wrongly after a crash (graphs come back partly loaded); after a
    checkpoint there is nothing to replay. Needs the dba account (bif:exec)."""
    from .sparql_client import StoreError

    try:
        client.select('SELECT (bif:exec("checkpoint") AS ?done) WHERE { }')
        progress("checkpoint done")
    except StoreError as err:
        if required:
            raise
        warn(f"note: could not run a Virtuoso checkpoint ({err}); run 'checkpoint;' in isql so that "
             "the load survives a crash")


def _move(client, data: Dataset, progress) -> None:
    """All graphs in one update request: atomic where the store runs a request as one transaction."""
    from .sparql_client import StoreUnavailable

    swap = " ;\n".join(f"MOVE <{staging_iri(g)}> TO <{g}>" for g in data.graphs)
    try:
        client.update(swap, retry=False)
    except StoreUnavailable as err:
        if not err.maybe_applied:
            raise
        progress(f"swap interrupted ({err}); checking whether it was applied")
        _settle_swap(client, data, err)


def _merge(client, data: Dataset) -> None:
    """Add every staging graph to its graph, then remove what the staging graph lacks, then drop the
    staging graphs. Each step is idempotent (safe to retry) and no step ever leaves a graph without
    all the triples of either its old or its new version."""
    client.update(" ;\n".join(f"ADD <{staging_iri(g)}> TO <{g}>" for g in data.graphs))
    client.update(" ;\n".join(
        f"DELETE {{ GRAPH <{g}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH <{staging_iri(g)}> {{ ?s ?p ?o }} }} }}" for g in data.graphs))
    client.update(" ;\n".join(f"DROP SILENT GRAPH <{staging_iri(g)}>" for g in data.graphs))


def _settle_swap(client, data: Dataset, err) -> None:
    """After a connection error during the swap: if the staging graphs are still there, the swap did
    not happen (an update request is all or nothing) and is run again; if they are gone and the
    published counts match, it did."""
    staged = count_graphs(client, [staging_iri(g) for g in data.graphs])
    if all(staged.get(staging_iri(g), 0) == n for g, n in data.counts.items()):
        client.update(" ;\n".join(f"MOVE <{staging_iri(g)}> TO <{g}>" for g in data.graphs), retry=False)
        return
    if not any(staged.values()):
        return  # applied; the final count check confirms it
    raise ChecksFailed(f"the swap was interrupted and the store shows a partial state ({err}); run the load again")


def count_graphs(client, graphs: list[str]) -> dict[str, int]:
    """COUNT(*) per named graph, for the given graphs (absent graphs are left out)."""
    if not graphs:
        return {}
    values = " ".join(f"<{g}>" for g in graphs)
    _, rows = client.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    out = {}
    for row in rows:
        if "g" in row and "n" in row:
            out[row["g"][1:-1]] = int(_literal_value(row["n"]))
    return out


def _drop_stale_staging(client, keep: set[str]) -> None:
    """Drop staging graphs that an interrupted load left behind (ours are replaced anyway)."""
    _, rows = client.select(
        f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{STAGING}")) }}')
    stale = [r["g"][1:-1] for r in rows if "g" in r and r["g"][1:-1] not in {staging_iri(g) for g in keep}]
    if stale:
        client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale))


def _prune(client, keep: set[str]) -> list[str]:
    from .namespaces import PGGRAPH

    _, rows = client.select(
        f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{PGGRAPH}")) }}')
    gone = sorted(r["g"][1:-1] for r in rows if "g" in r and r["g"][1:-1] not in keep)
    if gone:
        client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in gone))
    return gone


def _literal_value(nt: str) -> str:
    # '"42"^^<http://www.w3.org/2001/XMLSchema#integer>' -> '42'
    return nt[1:nt.index('"', 1)] if nt.startswith('"') else nt


def _short(graph: str) -> str:
    from .namespaces import PGGRAPH

    return "graph/" + graph[len(PGGRAPH):] if graph.startswith(PGGRAPH) else graph


# -- canned queries on a remote store ----------------------------------------------------------

def portable_query(query, params: dict[str, str] | None = None) -> str:
    """The text of a canned query for any SPARQL 1.1 store: its parameters pre-bound by a VALUES block
    (as the embedded store gets them; values are type-checked as by `pactgraph query`),
    and reshaped by equivalent rewritings that weaker engines answer right (see sparql_text)."""
    from .sparql_text import bind_values, expand_type_paths, split_conjunctions

    terms = {var.value: str(term) for var, term in query.bindings(params or {}).items()}
    return bind_values(split_conjunctions(expand_type_paths(query.text)), terms)


def check_remote_queries(client, queries_dir: Path, names: list[str] | None = None, *,
                         default_only: bool = False) -> list[tuple[str, bool, str]]:
    """Run canned queries (each expected case, or only the one with the default parameters) on the
    store; compare with the expected rows as sets. Returns (query#case, ok, detail) per case."""
    import json

    from . import queries

    found = queries.discover(queries_dir)
    out = []
    for name in names or list(found):
        q = queries.get(found, name)
        cases = json.loads(q.expected_path.read_text(encoding="utf-8"))
        for i, case in enumerate(cases):
            params = case.get("params", {})
            if default_only and params:
                continue
            _, rows = client.select(portable_query(q, params))
            key = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)  # noqa: E731
            want, got = {key(r) for r in case["rows"]}, {key(r) for r in rows}
            detail = "" if want == got else "; ".join(
                [f"missing {r}" for r in sorted(want - got)[:3]] + [f"unexpected {r}" for r in sorted(got - want)[:3]])
            out.append((f"{name}#{i}", want == got, detail))
    return out


# -- the command -------------------------------------------------------------------------------

def credentials(args, environ=os.environ) -> tuple[str | None, str | None]:
    """User and password from the options, else the environment; never from the command line."""
    user = args.user or environ.get("PACTGRAPH_USER") or None
    password = None
    if args.password_file:
        try:
            text = args.password_file.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(f"cannot read the password file {args.password_file}: {err.strerror or 'error'}") from None
        password = text.splitlines()[0] if text else ""
    elif environ.get("PACTGRAPH_PASSWORD") is not None:
        password = environ["PACTGRAPH_PASSWORD"]
    if password is not None and user is None:
        raise InputError("a password was given but no user: use --user or PACTGRAPH_USER")
    return user, password


def interactive(args, stream=sys.stderr, environ=os.environ) -> bool:
    """Progress lines only on a terminal, and never in CI or with --quiet."""
    if args.quiet or environ.get("CI", "").lower() in ("true", "1", "yes"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run(project, args) -> int:
    from .sparql_client import SparqlClient, redact

    say = lambda msg: print(f"pactgraph: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    progress = say if interactive(args) else (lambda msg: None)
    verbose = say if args.verbose and not args.quiet else None
    if args.retries < 0 or args.retry_max_time < 0 or args.timeout <= 0:
        raise InputError("--retries and --retry-max-time must be >= 0, --timeout > 0")
    user, password = credentials(args)
    client = SparqlClient(args.endpoint, args.update_endpoint, args.graph_store, user=user, password=password,
                          timeout=args.timeout, retries=args.retries, retry_max_time=args.retry_max_time,
                          log=verbose, on_retry=say if not args.quiet else None)
    data = read_dataset(args.file or project.dist_dir / "pactgraph.nq")
    progress(f"loading {len(data.graphs)} graphs ({data.total} quads) into {redact(args.endpoint)}")
    result = load_dataset(client, data, progress=progress, prune=args.prune, swap=args.swap, checkpoint=args.checkpoint,
                          warn=say if not args.quiet else (lambda msg: None))
    for g in result.pruned:
        progress(f"dropped {g} (not in the build)")
    if not args.quiet:
        print(result.summary(redact(args.endpoint)))
    return 0
