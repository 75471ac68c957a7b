"""The status rule (scripts/pactgraph/status.py) and its one answer across every canned query.

Part 1 checks the rule on small hand-made evidence. Part 2 checks, over every agreement × party × a grid
of days, that each status-bearing query gives the status the rule gives.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pactgraph import queries
from pactgraph.status import Day, Evidence, periods, status_on

D = dt.date


def ev(node, stage, status, date, observation=False, opens=None):
    from pactgraph.status import OPENING  # noqa: F401 (documents which kinds open a stage)

    return Evidence(node, stage, status, Day.parse(date), False, observation,
                    opens if opens is not None else not observation and status != "under-negotiation")


LAUNCH = ev("launch", 1, "under-negotiation", "2024-05-02", opens=False)
OBSERVED = ev("obs", 1, "under-negotiation", "2024-09-18", observation=True)
SIGNED = ev("sig", 3, "signed", "2016-09-26")
EIF_MONTH = ev("eif", 4, "in-force", "2017-04")


def test_dates_keep_their_precision_as_intervals():
    assert Day.parse("2017-04") == Day("2017-04", D(2017, 4, 1), D(2017, 4, 30), False)
    assert Day.parse("2017").last == D(2017, 12, 31)
    assert Day.parse("2024-02").last == D(2024, 2, 29)
    assert Day.parse("2017-04").happened_by(D(2017, 5, 1)) and not Day.parse("2017-04").happened_by(D(2017, 4, 30))
    assert Day.parse("2024-05-02").happened_by(D(2024, 5, 2))
    assert Day.parse("2024-13-45") is None


def test_negotiation_holds_up_to_its_latest_evidence_then_is_unknown():
    evidence = [LAUNCH, OBSERVED]
    assert status_on(evidence, D(2024, 5, 1)) is None
    assert status_on(evidence, D(2024, 6, 1)).status == "under-negotiation"
    assert status_on(evidence, D(2024, 9, 18)).basis == "obs"
    late = status_on(evidence, D(2026, 11, 29))
    assert (late.status, late.basis) == ("status-unknown", "obs")
    assert status_on([LAUNCH], D(2024, 5, 3)).status == "status-unknown"  # a launch alone is one day's evidence


def test_signed_becomes_entry_into_force_not_recorded_without_later_evidence():
    assert status_on([SIGNED], D(2016, 9, 26)).status == "signed"
    assert status_on([SIGNED], D(2016, 9, 27)).status == "entry-into-force-not-recorded"


def test_a_later_step_shows_the_earlier_stage_lasted_and_its_month_is_unknown():
    evidence = [SIGNED, EIF_MONTH]
    before = status_on(evidence, D(2017, 1, 1))
    assert (before.status, before.basis) == ("signed", "eif")  # the entry into force shows "not yet"
    assert status_on(evidence, D(2017, 4, 15)).status == "status-unknown"
    assert status_on(evidence, D(2017, 5, 1)).status == "in-force"
    assert status_on(evidence, D(2099, 1, 1)).status == "in-force"  # durable


def test_an_observation_of_a_later_stage_does_not_show_that_it_had_not_begun():
    in_force_seen = ev("seen", 4, "in-force", "1998-04-28", observation=True)
    evidence = [ev("sig96", 3, "signed", "1996-04-15"), in_force_seen]
    assert status_on(evidence, D(1997, 1, 1)).status == "entry-into-force-not-recorded"
    assert status_on(evidence, D(2010, 1, 1)).basis == "seen"


def test_replacement_and_termination_end_it():
    replaced = Evidence("succ-eif", 5, "replaced", Day.parse("2017-04"), False, False, True)
    evidence = [SIGNED, ev("eif96", 4, "in-force", "2016-10-01"), replaced]
    assert status_on(evidence, D(2017, 4, 10)).status == "status-unknown"
    assert status_on(evidence, D(2017, 5, 1)).status == "replaced"


def test_periods_cover_the_days_the_rule_answers_and_agree_with_it():
    evidence = [LAUNCH, OBSERVED, SIGNED, EIF_MONTH]
    runs = periods(evidence)
    assert runs and runs[-1][1] is None
    for first, last, answer in runs:
        for day in (first, last or first + dt.timedelta(days=400)):
            assert status_on(evidence, day) == answer
    for (_, last, _), (first, _, _) in zip(runs, runs[1:]):
        assert last < first


# --- Part 2: one answer in every query ---------------------------------------------------------------

GRID = [D(y, 1, 1) for y in range(1952, 2028, 3)] + [
    D(1954, 5, 1), D(1998, 4, 28), D(2010, 1, 1), D(2017, 4, 15), D(2017, 5, 1), D(2023, 8, 12),
    D(2024, 5, 2), D(2024, 9, 18), D(2024, 9, 19), D(2025, 12, 19), D(2025, 12, 20), D(2026, 11, 29)]


@pytest.fixture(scope="module")
def found(project):
    return queries.discover(project.queries_dir)


def run(store, q, **params):
    return queries.rows(queries.run(store, q.text, q.bindings({k: v for k, v in params.items()})))[1]


@pytest.fixture(scope="module")
def truth(store, found):
    """(agreement, party, day) -> status from `agreement-status`, checked against the rule itself."""
    from pactgraph.status import STATUS_GRAPH  # noqa: F401 (the periods the queries read)

    parties = {}
    for row in store.query("PREFIX pg: <https://w3id.org/pactgraph/ontology/> "
                           "SELECT ?a ?p WHERE { ?a pg:hasParty ?p }", use_default_graph_as_union=True):
        parties.setdefault(row["a"].value, set()).add(row["p"].value)
    assert len(parties) >= 20
    answers = {}
    for agreement in sorted(parties):
        for day in GRID:
            for r in run(store, found["agreement-status"], agreement=agreement, date=day.isoformat()):
                answers[(agreement, r["party"].strip("<>"), day)] = r["status"].strip("<>").rsplit("/", 1)[1]
    return parties, answers


def test_agreement_status_answers_for_the_issue_cases(truth):
    _, answers = truth
    jp, us = "https://w3id.org/pactgraph/id/place/jp", "https://w3id.org/pactgraph/id/place/us"
    agreement = "https://w3id.org/pactgraph/id/agreement/"
    assert answers[(agreement + "jp-us-acsa-1996", us, D(2010, 1, 1))] == "in-force"
    assert answers[(agreement + "jp-fr-raa", jp, D(2026, 11, 29))] == "status-unknown"
    assert answers[(agreement + "jp-nz-acsa", jp, D(2026, 11, 29))] == "entry-into-force-not-recorded"
    assert (agreement + "un-forces-sofa-1954", "https://w3id.org/pactgraph/id/place/it", D(1954, 5, 1)) not in answers


def test_agreements_between_gives_the_partners_status(store, found, truth):
    parties, answers = truth
    checked = 0
    for partner in sorted({p for ps in parties.values() for p in ps if "place/jp" not in p})[:12]:
        for day in GRID:
            rows = run(store, found["agreements-between"], partner=partner, date=day.isoformat())
            got = {(r["agreement"].strip("<>"), r["status"].strip("<>").rsplit("/", 1)[1]) for r in rows}
            want = {(a, answers[(a, partner, day)]) for a, ps in parties.items()
                    if partner in ps and "https://w3id.org/pactgraph/id/place/jp" in ps and (a, partner, day) in answers}
            assert got == want, (partner, day)
            checked += len(got)
    assert checked > 100


def test_in_force_partners_lists_exactly_the_pairs_in_force_for_both(store, found, truth):
    parties, answers = truth
    jp = "https://w3id.org/pactgraph/id/place/jp"
    for day in GRID:
        rows = run(store, found["in-force-partners"], type="https://w3id.org/pactgraph/ontology/InternationalAgreement",
                   date=day.isoformat())
        got = {(r["agreement"].strip("<>"), r["partner"].strip("<>")) for r in rows}
        want = {(a, p) for a, ps in parties.items() if jp in ps for p in ps if p != jp
                and answers.get((a, p, day)) == "in-force" and answers.get((a, jp, day)) == "in-force"}
        assert got == want, day


def test_under_negotiation_lists_the_negotiations_and_the_unknowns_after_them(store, found, truth):
    parties, answers = truth
    seen = 0
    for day in GRID:
        rows = run(store, found["under-negotiation"], date=day.isoformat())
        got = {(r["agreement"].strip("<>"), r["party"].strip("<>")): r["status"].rsplit("/", 1)[1].strip(">")
               for r in rows}
        for (agreement, party), status in got.items():
            assert answers[(agreement, party, day)] == status
        want = {(a, p) for (a, p, d), s in answers.items() if d == day and s == "under-negotiation"}
        assert want <= set(got), day
        seen += len(got)
    assert seen > 10


def test_sofa_in_force_agrees_with_the_rule(store, found, truth):
    _, answers = truth
    for day in GRID:
        rows = run(store, found["sofa-entry-into-force"], partner="https://w3id.org/pactgraph/id/place/us",
                   date=day.isoformat())
        for r in rows:
            agreement = r["agreement"].strip("<>")
            assert answers[(agreement, "https://w3id.org/pactgraph/id/place/us", day)] == "in-force"
            assert answers[(agreement, "https://w3id.org/pactgraph/id/place/jp", day)] == "in-force"


def test_every_status_row_says_what_it_rests_on(store, found):
    for name in ("agreements-between", "in-force-partners", "under-negotiation", "sofa-entry-into-force",
                 "agreement-status", "first-agreement-with-partners"):
        columns, rows = queries.rows(queries.run(store, found[name].text, found[name].bindings({})))
        assert {"basis", "evidenceDate"} <= set(columns), name
        assert all("basis" in r for r in rows), name


def test_every_observation_and_act_has_a_source(store):
    rows = list(store.query(
        "PREFIX pg: <https://w3id.org/pactgraph/ontology/> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?n WHERE { { ?n a pg:StatusObservation } UNION { ?n a/rdfs:subClassOf* pg:AgreementAct } "
        "FILTER NOT EXISTS { ?n prov:wasDerivedFrom ?s } }", use_default_graph_as_union=True))
    assert rows == []


def test_status_command_answers_with_its_basis_and_refuses_an_unknown_agreement(built):
    from conftest import run_cli

    result = run_cli("status", "jp-fr-raa", "--date", "2026-11-29", root=built)
    assert result.code == 0, result.err
    assert "status-unknown" in result.out and "2024-09-18" in result.out and "NegotiationLaunch" in result.out
    result = run_cli("status", "pgid:agreement/jp-us-acsa-1996", "--date", "2010-01-01", "--format", "csv", root=built)
    assert result.code == 0 and "concept/in-force" in result.out
    bad = run_cli("status", "no-such-agreement", "--date", "2020-01-01", root=built)
    assert bad.code == 2 and "unknown agreement" in bad.err and "Traceback" not in bad.err


def test_periods_worked_out_in_two_processes_are_the_same(project, monkeypatch, tmp_path):
    """derive shares the rule with a forked process above status.PARALLEL_ABOVE agreements: forced on
    the real data, the periods are the same quads as worked out in one process. Either way the file
    it copies them to, for the exports (load_store(periods=...)), holds exactly the quads it loaded."""
    import pyoxigraph as ox

    from pactgraph import status
    from pactgraph.sources import load_store, source_files

    forked = []
    real = status._Forked
    monkeypatch.setattr(status, "_Forked", lambda *a: forked.append(1) or real(*a))

    def periods_with(threshold):
        monkeypatch.setattr(status, "PARALLEL_ABOVE", threshold)
        copy = tmp_path / f"periods-{threshold}.nq"
        store = load_store(source_files(project), periods=copy)
        quads = set(store.quads_for_pattern(None, None, None, ox.NamedNode(status.STATUS_GRAPH)))
        assert len(quads) > 1000
        written = list(ox.parse(path=str(copy), format=ox.RdfFormat.N_QUADS))
        assert len(written) == len(quads) and set(written) == quads
        return quads

    assert periods_with(1) == periods_with(10**9)
    assert forked == [1]  # the first went through a forked process, the second did not
