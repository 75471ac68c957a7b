"""Each canned query returns exactly its expected rows (in order when it has ORDER BY)."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from pactgraph import queries

QUERIES = sorted((ROOT / "queries").glob("*.rq"))
CHECKS = sorted((ROOT / "queries" / "checks").glob("*-violation.rq"))


def test_queries_are_found():
    assert len(QUERIES) >= 14
    assert len(CHECKS) >= 4


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_matches_expected(store, path):
    q = queries.parse_query_file(path)
    assert q.question and q.returns, "header needs Question and Returns"
    cases = json.loads(q.expected_path.read_text())
    assert cases, "at least one expected case"
    results = queries.check(store, q)
    assert len(results) == len(cases)
    assert all(r.ok for r in results), [r.detail for r in results if not r.ok]


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_parameters_are_prebound_not_pasted(path):
    q = queries.parse_query_file(path)
    body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#"))
    for p in q.params.values():
        assert f"?{p.name}" in body, f"parameter {p.name} is declared but not used as ?{p.name}"
        if p.default and p.type == "iri":
            assert p.default not in body, f"default of {p.name} pasted into the query text"


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.stem)
def test_qc_check_returns_no_rows(store, path):
    _, got = queries.rows(queries.run(store, path.read_text()))
    assert got == []


def test_expected_results_really_constrain_the_query(store):
    """A changed parameter changes the answer, so the comparison is not vacuous."""
    q = queries.parse_query_file(ROOT / "queries" / "in-force-partners.rq")
    _, before = queries.rows(queries.run(store, q.text, q.bindings({"date": "2024-05-02"})))
    _, after = queries.rows(queries.run(store, q.text, q.bindings({"date": "2026-01-01"})))
    _, none = queries.rows(queries.run(store, q.text, q.bindings({"date": "2000-01-01"})))
    assert before and len(after) > len(before) and none == []
