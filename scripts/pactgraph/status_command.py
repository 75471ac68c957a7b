"""`pactgraph status AGREEMENT [--date D]`: an agreement's status on a day, what it rests on, and its
whole lifecycle. A shortcut for the canned queries `agreement-status` and `agreement-lifecycle`, so the
answer is the one every query gives (status.py). Module-level imports: standard library only."""

from __future__ import annotations

import datetime as dt
import sys

HELP = "an agreement's status on a day (with its basis) and its lifecycle"


def add_arguments(parser) -> None:
    parser.add_argument("agreement", help="the agreement: its IRI, pgid:agreement/SLUG or SLUG (e.g. jp-fr-raa)")
    parser.add_argument("--date", "-d", help="the day D, YYYY-MM-DD (default: today)")
    parser.add_argument("--format", "-f", choices=("table", "csv", "tsv", "json"), default="table")


def run(project, args) -> int:
    from . import queries
    from .errors import InputError
    from .namespaces import PGID, expand
    from .results import write
    from .store import open_store

    agreement = args.agreement
    if "://" not in agreement and ":" not in agreement:
        agreement = f"{PGID}agreement/{agreement}"
    agreement = expand(agreement)
    day = args.date or dt.date.today().isoformat()
    found = queries.discover(project.queries_dir)
    store = open_store(project)
    status_q, lifecycle_q = queries.get(found, "agreement-status"), queries.get(found, "agreement-lifecycle")
    if not any(True for _ in store.quads_for_pattern(_iri(agreement), None, None)):
        raise InputError(f"unknown agreement: {args.agreement} (no statement about <{agreement}>)")
    print(f"status of <{agreement}> on {day}:")
    write(queries.run(store, status_q.text, status_q.bindings({"agreement": agreement, "date": day})),
          args.format, sys.stdout, hide=frozenset(status_q.params))
    print("\nlifecycle:")
    write(queries.run(store, lifecycle_q.text, lifecycle_q.bindings({"agreement": agreement})),
          args.format, sys.stdout, hide=frozenset(lifecycle_q.params))
    return 0


def _iri(text: str):
    import pyoxigraph as ox

    from .errors import InputError

    try:
        return ox.NamedNode(text)
    except ValueError:
        raise InputError(f"not an IRI: {text!r}") from None
