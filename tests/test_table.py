"""`pactgraph table`: the analysts' tables (docs/tables.md) and the in-force-per-year picture."""

from __future__ import annotations

import csv
import io
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, run_cli
from pactgraph import queries, table
from pactgraph.project import Project
from pactgraph.sources import load_store, source_files
from pactgraph.version import RELEASE_DATE

DATA = str(ROOT / "data")
AGREEMENT = "https://w3id.org/pactgraph/id/agreement/"


@pytest.fixture(scope="module")
def store():
    return load_store(source_files(Project(ROOT)))


def cli(*args):
    """The table command on the real data (the sources, so that no stale dist/ is read)."""
    return run_cli("table", *args, "--data", DATA, root=ROOT)


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def dyads():
    run = cli("dyad-years")
    assert run.code == 0, run.err
    return run.out


def dyad(rows, a, b, year):
    (row,) = [r for r in rows if (r["state_a"], r["state_b"], r["year"]) == (a, b, str(year))]
    return row


# --- dyad-years ---------------------------------------------------------------------------------

def test_japan_australia_raa_in_force_from_2023(dyads):
    rows = parse(dyads)
    for year in range(1945, int(RELEASE_DATE[:4]) + 1):
        row = dyad(rows, "AU", "JP", year)
        # entry into force 2023-08-13 (data/agreements.ttl): in force on 31 December from 2023 on
        assert row["reciprocal_access_agreement_dec31"] == str(int(year >= 2023)), year
        assert row["reciprocal_access_agreement_any_day"] == str(int(year >= 2023)), year


def test_japan_us_facts(dyads):
    rows = parse(dyads)
    # the 1960 Treaty of Mutual Cooperation and Security entered into force on 1960-06-23
    assert dyad(rows, "JP", "US", 1959)["mutual_security_treaty_dec31"] == "0"
    assert dyad(rows, "JP", "US", 1961)["mutual_security_treaty_dec31"] == "1"
    assert dyad(rows, "JP", "US", 1961)["status_of_forces_agreement_dec31"] == "1"
    # the 1951 treaty (typed only pg:SecurityAgreement) was in force in 1960 until replaced, not on 31 December
    row = dyad(rows, "JP", "US", 1960)
    assert (row["security_agreement_any_day"], row["security_agreement_dec31"]) == ("1", "0")
    # no RAA between Japan and the United States
    assert {r["reciprocal_access_agreement_any_day"] for r in rows if (r["state_a"], r["state_b"]) == ("JP", "US")} == {"0"}


def test_dyad_years_shape(dyads):
    rows = parse(dyads)
    header = dyads.splitlines()[0].split(",")
    assert header[:5] == ["state_a", "state_b", "year", "any_agreement_dec31", "any_agreement_any_day"]
    types = ["access_agreement", "acquisition_cross_servicing_agreement", "defence_cooperation_agreement",
             "defence_equipment_transfer_agreement", "information_security_agreement", "international_agreement",
             "mutual_security_treaty", "reciprocal_access_agreement", "security_agreement",
             "status_of_forces_agreement", "visiting_forces_agreement"]
    assert header[5:] == [f"{t}_{w}" for t in types for w in ("dec31", "any_day")]
    years = range(1945, int(RELEASE_DATE[:4]) + 1)
    pairs = sorted({(r["state_a"], r["state_b"]) for r in rows})
    assert all(a < b for a, b in pairs)
    assert len(rows) == len(pairs) * len(years)
    assert [(r["state_a"], r["state_b"], int(r["year"])) for r in rows] == [(a, b, y) for a, b in pairs for y in years]
    for r in rows:
        for t in types + ["any_agreement"]:
            assert r[f"{t}_dec31"] in "01" and r[f"{t}_any_day"] in "01"
            assert r[f"{t}_dec31"] <= r[f"{t}_any_day"]  # in force on 31 December implies some day
            if r[f"{t}_any_day"] == "1":
                assert r["any_agreement_any_day"] == "1"


def test_dyad_years_bounds_and_state():
    run = cli("dyad-years", "--from", "2022", "--to", "2024", "--state", "jp")
    assert run.code == 0, run.err
    rows = parse(run.out)
    assert {r["year"] for r in rows} == {"2022", "2023", "2024"}
    assert all("JP" in (r["state_a"], r["state_b"]) for r in rows)
    assert [r["reciprocal_access_agreement_dec31"] for r in rows if (r["state_a"], r["state_b"]) == ("AU", "JP")] \
        == ["0", "1", "1"]


# --- agreements ----------------------------------------------------------------------------------

def test_agreements_columns_and_default_date():
    run = cli("agreements")
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].split(",") == table.AGREEMENT_COLUMNS
    rows = parse(run.out)
    assert {r["status_date"] for r in rows} == {RELEASE_DATE}
    assert [r["agreement"] for r in rows] == sorted(r["agreement"] for r in rows)
    raa = next(r for r in rows if r["agreement"] == AGREEMENT + "jp-au-raa")
    assert {k: raa[k] for k in ("type", "arity", "parties", "launch_date", "launch_precision",
                                "agreement_in_principle_date", "signature_date", "signature_precision",
                                "entry_into_force_date", "entry_into_force_precision", "end_date", "status",
                                "status_basis", "status_evidence_date")} == {
        "type": "ReciprocalAccessAgreement", "arity": "bilateral", "parties": "AU;JP", "launch_date": "2014",
        "launch_precision": "year", "agreement_in_principle_date": "2020-11-17", "signature_date": "2022-01-06",
        "signature_precision": "day", "entry_into_force_date": "2023-08-13", "entry_into_force_precision": "day",
        "end_date": "", "status": "in-force", "status_basis": "https://w3id.org/pactgraph/id/act/jp-au-raa-entry-into-force",
        "status_evidence_date": "2023-08-13"}


def test_acsa_1996_replaced_on_31_december_2017():
    rows = {r["agreement"]: r for r in parse(cli("agreements", "--date", "2017-12-31").out)}
    old, new = rows[AGREEMENT + "jp-us-acsa-1996"], rows[AGREEMENT + "jp-us-acsa-2016"]
    assert (old["status"], old["status_evidence_date"], old["status_evidence_precision"]) == ("replaced", "2017-04", "month")
    assert old["status_basis"].endswith("/act/jp-us-acsa-2016-entry-into-force")
    assert (old["end_date"], old["end_precision"], old["end_status"]) == ("2017-04", "month", "replaced")
    assert new["status"] == "in-force"
    earlier = {r["agreement"]: r for r in parse(cli("agreements", "--date", "2016-12-31").out)}
    assert earlier[AGREEMENT + "jp-us-acsa-1996"]["status"] == "in-force"
    sofa = {r["agreement"]: r for r in parse(cli("agreements", "--date", "1961-12-31").out)}[AGREEMENT + "jp-us-sofa"]
    assert sofa["status"] == "in-force"


def test_status_is_the_one_the_queries_give(store):
    """The agreements table reads the same periods as the canned query agreement-status."""
    q = queries.discover(ROOT / "queries")["agreement-status"]
    for day in ("1961-12-31", "2017-12-31", RELEASE_DATE):
        _, rows = table.agreements_table(store, day)
        for row in rows:
            result = queries.run(store, q.text, q.bindings({"agreement": row["agreement"], "date": day}))
            statuses = {s["status"].value.rsplit("/", 1)[-1] for s in result}
            if row["status"] in ("", "varies-by-party"):
                by_party = dict(p.split("=") for p in row["status_by_party"].split(";")) if row["status_by_party"] else {}
                assert statuses == {s for s in by_party.values() if s != "none"}, row["agreement"]
            else:
                assert statuses == {row["status"]}, (row["agreement"], day)


# --- acts and territories ------------------------------------------------------------------------

def test_acts():
    run = cli("acts")
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].split(",") == table.ACT_COLUMNS
    rows = parse(run.out)
    sig = next(r for r in rows if r["act"].endswith("/act/jp-au-raa-signature"))
    assert (sig["kind"], sig["date"], sig["precision"], sig["party"], sig["confidence"]) == \
        ("Signature", "2022-01-06", "day", "", "high")
    assert "https://www.mofa.go.jp/a_o/ocn/au/page4e_001195.html" in sig["sources"].split(";")
    nz = next(r for r in rows if r["act"].endswith("/act/au-fj-nz-pg-sb-to-ws-sofa-2003-signature-nz"))
    assert (nz["party"], nz["confidence"]) == ("NZ", "medium")
    obs = next(r for r in rows if r["act"].endswith("/observation/jp-ph-raa-2024-05"))
    assert (obs["record"], obs["kind"], obs["observed_status"], obs["precision"]) == \
        ("observation", "StatusObservation", "under-negotiation", "month")
    assert all(r["sources"] for r in rows)
    keys = [(r["agreement"], table._first_day(r["date"])) for r in rows]
    assert keys == sorted(keys)


def test_territories():
    run = cli("territories")
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].split(",") == table.TERRITORY_COLUMNS
    rows = {r["entry"].rsplit("/", 1)[-1]: r for r in parse(run.out)}
    nc = rows["nc"]
    assert (nc["iso_alpha2"], nc["classification"], nc["sovereign"], nc["m49_region"], nc["m49_sub_region_label"]) == \
        ("NC", "dependent-territory", "FR", "009", "Melanesia")
    senkaku = rows["senkaku-islands"]
    assert (senkaku["iso_alpha2"], senkaku["administrator"], senkaku["claimants"]) == ("", "JP", "CN;TW")
    gg = rows["gg"]
    assert (gg["m49_region_label"], gg["m49_sub_region"], gg["m49_intermediate_region_label"]) == \
        ("Europe", "154", "Channel Islands")
    assert (rows["jp"]["m49_sub_region"], rows["jp"]["m49_sub_region_label"]) == ("030", "Eastern Asia")


# --- output, determinism, errors ----------------------------------------------------------------

def test_deterministic_and_out_dir(tmp_path):
    for name in table.TABLES:
        first = cli(name, "--out", str(tmp_path))
        assert first.code == 0, first.err
        written = (tmp_path / f"{name}.csv").read_bytes()
        again = cli(name)
        assert again.out.encode() == written, name
        assert written.count(b"\n") > 10


def test_svg(tmp_path, store):
    path = tmp_path / "jp.svg"
    run = cli("dyad-years", "--state", "jp", "--svg", str(path), "--out", str(tmp_path / "jp.csv"))
    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    assert text == table.in_force_per_year_svg(store, "jp")
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in root.iter(ns + "text")]
    assert "Japan: agreements in force on 31 December, by type" in labels
    assert "Reciprocal access agreement" in labels and "2025" in labels
    # one bar segment per (year, type) with a count; 2025's segments add up to the dyad-year table
    segments = [r.find(ns + "title").text for r in root.iter(ns + "rect") if r.find(ns + "title") is not None]
    rows = [r for r in parse((tmp_path / "jp.csv").read_text()) if r["year"] == "2025"]
    total = sum(int(r[c]) for r in rows for c in r if c.endswith("_dec31") and c != "any_agreement_dec31")
    assert sum(int(s.split(":")[1].split("×")[0]) for s in segments if s.startswith("2025:")) == total > 0


@pytest.mark.parametrize("args, message", [
    (("nations",), "unknown table 'nations'"),
    (("acts", "--format", "xlsx"), "unknown format 'xlsx'"),
    (("dyad-years", "--from", "19x5"), "--from expects a year YYYY"),
    (("dyad-years", "--from", "2000", "--to", "1990"), "--from 2000 is after --to 1990"),
    (("agreements", "--date", "2017-13-01"), "--date expects a day YYYY-MM-DD"),
    (("agreements", "--date", "2017"), "--date expects a day YYYY-MM-DD"),
    (("dyad-years", "--svg", "/tmp/x.svg"), "--svg needs --state"),
    (("dyad-years", "--state", "zz"), "--state 'zz': no agreement has this state as a party"),
    (("acts", "--state", "jp"), "apply to the dyad-years table only"),
    (("acts", "--out", "/nonexistent-folder/x.csv"), "output folder not found"),
])
def test_bad_arguments_exit_2_in_one_line(args, message):
    run = cli(*args)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err.strip().splitlines()) == 1 and message in run.err and run.err.startswith("pactgraph: error: ")


def test_parquet_without_pyarrow(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails as if not installed
    run = cli("acts", "--format", "parquet", "--out", "/tmp")
    assert (run.code, run.err) == (2, "pactgraph: error: pyarrow is not installed\n")


def test_module_imports_only_the_standard_library_at_module_level():
    import ast

    tree = ast.parse((ROOT / "scripts" / "pactgraph" / "table.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, "relative import at module level"
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in sys.stdlib_module_names | {"__future__"}, name


def test_svg_of_a_state_without_agreements(store):
    text = table.in_force_per_year_svg(store, "aq")  # Antarctica: party to no agreement
    labels = [t.text for t in ET.fromstring(text).iter("{http://www.w3.org/2000/svg}text")]
    assert "no agreement in force recorded" in labels
