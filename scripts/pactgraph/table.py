"""`pactgraph table NAME`: flat tables for analysts (CSV, or Parquet where pyarrow is importable).

Tables (every column is documented in docs/tables.md):
* `agreements`  one row per agreement: type, parties, the date of each stage with its precision, and
                the status on a day (`--date`, default the release date) with its basis;
* `acts`        one row per act and per status observation;
* `dyad-years`  one row per unordered pair of states sharing an agreement and per year, with, for each
                agreement type, "in force on 31 December" and "in force on some day of the year" (0/1);
* `territories` one row per ISO 3166-1 entry or territory: classification, sovereign, administrator,
                claimants, UN M49 region.

The status is never worked out here: it is read from the derived pg:StatusPeriod nodes (status.py,
docs/model.md "Status"), the same periods every canned query reads. The SPARQL text is kept in this
module (not under queries/: these are not canned queries with expected results).

`in_force_per_year_svg(store, state)` draws the dyad-year table of one state as stacked bars.
Module-level imports: standard library only (the CLI's rule for plugin commands).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections import defaultdict
from pathlib import Path

HELP = "write a table for analysts (agreements, acts, dyad-years, territories) as CSV or Parquet"

TABLES = ("agreements", "acts", "dyad-years", "territories")
FORMATS = ("csv", "parquet")
FIRST_YEAR = 1945

PG = "https://w3id.org/pactgraph/ontology/"
PGID = "https://w3id.org/pactgraph/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
MEDIUM = PGID + "concept/medium-confidence"

_PREFIXES = """PREFIX pg: <https://w3id.org/pactgraph/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# ------------------------------------------------------------------------------------------------
# SPARQL (run over the union of the named graphs; DISTINCT because a triple may be in two graphs)
# ------------------------------------------------------------------------------------------------

#: The agreement classes and their superclasses up to pg:InternationalAgreement.
Q_CLASSES = _PREFIXES + """
SELECT DISTINCT ?class ?super WHERE {
  ?class rdfs:subClassOf+ pg:InternationalAgreement .
  FILTER (isIRI(?class))
  ?class rdfs:subClassOf* ?super .
  FILTER (isIRI(?super))
  ?super rdfs:subClassOf* pg:InternationalAgreement .
}"""

#: Every agreement (a node with parties) with its English label and its asserted types.
Q_AGREEMENTS = _PREFIXES + """
SELECT DISTINCT ?agreement ?label ?type WHERE {
  ?agreement pg:hasParty ?party .
  OPTIONAL { ?agreement rdfs:label ?label . FILTER (LANG(?label) = "en") }
  OPTIONAL { ?agreement a ?type . FILTER (isIRI(?type)) }
}"""

#: The parties of each agreement, with their ISO 3166-1 alpha-2 code where they have one.
Q_PARTIES = _PREFIXES + """
SELECT DISTINCT ?agreement ?party ?code ?label WHERE {
  ?agreement pg:hasParty ?party .
  OPTIONAL { ?party pg:isoAlpha2 ?code }
  OPTIONAL { ?party rdfs:label ?label . FILTER (LANG(?label) = "en") }
}"""

#: Acts on agreements: asserted types, date, actor, sources, confidence (the act's own, or that of a
#: reified statement of its date).
Q_ACTS = _PREFIXES + """
SELECT DISTINCT ?act ?type ?agreement ?date ?actor ?source ?confidence WHERE {
  ?act pg:actOn ?agreement ; pg:date ?date ; a ?type .
  ?type rdfs:subClassOf+ pg:AgreementAct .
  OPTIONAL { ?act pg:actor ?actor }
  OPTIONAL { ?act prov:wasDerivedFrom ?source }
  OPTIONAL { { ?act pg:confidence ?confidence }
             UNION { ?stmt rdf:subject ?act ; rdf:predicate pg:date ; pg:confidence ?confidence } }
}"""

#: Sourced observations of an agreement's status.
Q_OBSERVATIONS = _PREFIXES + """
SELECT DISTINCT ?obs ?agreement ?status ?date ?party ?source ?confidence WHERE {
  ?obs a pg:StatusObservation ; pg:agreement ?agreement ; pg:status ?status ; pg:date ?date .
  OPTIONAL { ?obs pg:party ?party }
  OPTIONAL { ?obs prov:wasDerivedFrom ?source }
  OPTIONAL { ?obs pg:confidence ?confidence }
}"""

#: The derived status periods (status.py), with the date of the evidence each rests on.
Q_PERIODS = _PREFIXES + """
SELECT DISTINCT ?period ?agreement ?party ?status ?basis ?first ?last ?evidence WHERE {
  ?period a pg:StatusPeriod ; pg:agreement ?agreement ; pg:party ?party ; pg:status ?status ;
          pg:basis ?basis ; pg:firstDay ?first .
  OPTIONAL { ?period pg:lastDay ?last }
  OPTIONAL { ?basis pg:date ?evidence }
}"""

#: The in-force periods only (the dyad-year table).
Q_IN_FORCE = _PREFIXES + """
SELECT DISTINCT ?agreement ?party ?first ?last WHERE {
  ?period a pg:StatusPeriod ; pg:status <https://w3id.org/pactgraph/id/concept/in-force> ;
          pg:agreement ?agreement ; pg:party ?party ; pg:firstDay ?first .
  OPTIONAL { ?period pg:lastDay ?last }
}"""

#: Entries of the territories table: every place with an ISO 3166-1 code or a political status, and
#: every pg:Territory.
Q_ENTRIES = _PREFIXES + """
SELECT DISTINCT ?place ?label ?code ?classification WHERE {
  { ?place pg:isoAlpha2 ?c } UNION { ?place pg:politicalStatus ?s } UNION { ?place (a|a/rdfs:subClassOf+) pg:Territory }
  OPTIONAL { ?place rdfs:label ?label . FILTER (LANG(?label) = "en") }
  OPTIONAL { ?place pg:isoAlpha2 ?code }
  OPTIONAL { ?place pg:politicalStatus ?classification }
}"""

Q_ROLES = _PREFIXES + """
SELECT DISTINCT ?place ?role ?polity WHERE {
  { ?n (a|a/rdfs:subClassOf+) pg:Sovereignty ; pg:territory ?place ; pg:sovereign ?polity . BIND ("sovereign" AS ?role) }
  UNION
  { ?n (a|a/rdfs:subClassOf+) pg:Administration ; pg:territory ?place ; pg:administrator ?polity . BIND ("administrator" AS ?role) }
  UNION
  { ?n (a|a/rdfs:subClassOf+) pg:TerritorialClaim ; pg:territory ?place ; pg:claimant ?polity . BIND ("claimant" AS ?role) }
}"""

#: Codes of every place (to name sovereigns, administrators and claimants).
Q_CODES = _PREFIXES + """
SELECT DISTINCT ?place ?code WHERE { ?place pg:isoAlpha2 ?code }"""

#: The UN M49 regions and the region each lies in.
Q_REGIONS = _PREFIXES + """
SELECT DISTINCT ?region ?code ?label ?up WHERE {
  ?region pg:m49Code ?code .
  OPTIONAL { ?region rdfs:label ?label . FILTER (LANG(?label) = "en") }
  OPTIONAL { ?region pg:liesIn ?up . ?up pg:m49Code ?upCode }
}"""

Q_PLACED = _PREFIXES + """
SELECT DISTINCT ?place ?region WHERE { ?place pg:liesIn ?region . ?region pg:m49Code ?code }"""

# ------------------------------------------------------------------------------------------------
# Column orders (docs/tables.md documents each)
# ------------------------------------------------------------------------------------------------

STAGES = (("launch", ("NegotiationLaunch",)), ("agreement_in_principle", ("AgreementInPrinciple",)),
          ("signature", ("Signature",)), ("entry_into_force", ("EntryIntoForce",)))

AGREEMENT_COLUMNS = (
    ["agreement", "label", "type", "arity", "parties"]
    + [c for stage, _ in STAGES for c in (f"{stage}_date", f"{stage}_precision")]
    + ["end_date", "end_precision", "end_status", "end_basis",
       "status_date", "status", "status_by_party", "status_basis", "status_evidence_date",
       "status_evidence_precision"])
ACT_COLUMNS = ["agreement", "act", "record", "kind", "observed_status", "party", "date", "precision", "sources",
               "confidence"]
TERRITORY_COLUMNS = ["entry", "label", "iso_alpha2", "classification", "sovereign", "administrator", "claimants",
                     "m49_region", "m49_region_label", "m49_sub_region", "m49_sub_region_label",
                     "m49_intermediate_region", "m49_intermediate_region_label"]
DYAD_KEY_COLUMNS = ["state_a", "state_b", "year"]


# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------

def _rows(store, query):
    return store.query(query, use_default_graph_as_union=True)


def _v(term):
    return None if term is None else term.value


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def precision(term) -> str:
    """day, month or year, from the datatype of a pg:DateValue literal."""
    if term is None:
        return ""
    datatype = term.datatype.value
    return {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}.get(datatype, "")


def _first_day(text: str) -> str:
    """The first day a date value names, as YYYY-MM-DD (for ordering)."""
    parts = text.split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))


def snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _code_of(iri: str, codes: dict[str, str]) -> str:
    return codes.get(iri) or _local(iri)


class _Model:
    """What several tables share: the agreement classes, the agreements' types, the parties' codes."""

    def __init__(self, store):
        self.supers: dict[str, set[str]] = defaultdict(set)
        for row in _rows(store, Q_CLASSES):
            self.supers[row["class"].value].add(row["super"].value)
        self.supers[PG + "InternationalAgreement"].add(PG + "InternationalAgreement")
        self.labels: dict[str, str] = {}
        asserted: dict[str, set[str]] = defaultdict(set)
        for row in _rows(store, Q_AGREEMENTS):
            a = row["agreement"].value
            asserted.setdefault(a, set())
            if row["label"] is not None:
                self.labels.setdefault(a, row["label"].value)
                self.labels[a] = min(self.labels[a], row["label"].value)
            if row["type"] is not None and row["type"].value in self.supers:
                asserted[a].add(row["type"].value)
        arity = {PG + "BilateralAgreement", PG + "MultilateralAgreement"}
        self.types: dict[str, list[str]] = {}
        self.arity: dict[str, str] = {}
        for a, types in asserted.items():
            kinds = types - arity
            specific = sorted(t for t in kinds
                              if not any(o != t and t in self.supers.get(o, ()) for o in kinds))
            self.types[a] = specific or [PG + "InternationalAgreement"]
            self.arity[a] = ("bilateral" if PG + "BilateralAgreement" in types
                             else "multilateral" if PG + "MultilateralAgreement" in types else "")
        self.parties: dict[str, set[str]] = defaultdict(set)
        self.codes: dict[str, str] = {}
        self.party_labels: dict[str, str] = {}
        for row in _rows(store, Q_PARTIES):
            party = row["party"].value
            self.parties[row["agreement"].value].add(party)
            if row["code"] is not None:
                self.codes[party] = min(row["code"].value, self.codes.get(party, row["code"].value))
            if row["label"] is not None:
                self.party_labels[party] = min(row["label"].value, self.party_labels.get(party, row["label"].value))

    def code(self, iri: str) -> str:
        return _code_of(iri, self.codes)

    def type_columns(self) -> list[str]:
        """Every agreement class that can be a most specific type, in a fixed order."""
        arity = {PG + "BilateralAgreement", PG + "MultilateralAgreement"}
        return sorted((c for c in self.supers if c not in arity), key=_local)


# ------------------------------------------------------------------------------------------------
# The tables: each returns (columns, rows), rows sorted
# ------------------------------------------------------------------------------------------------

def agreements_table(store, day: str):
    model = _Model(store)
    stage_dates: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in _rows(store, Q_ACTS):
        kind = _local(row["type"].value)
        for stage, kinds in STAGES:
            if kind in kinds:
                date = row["date"]
                common = row["actor"] is None
                stage_dates[(row["agreement"].value, stage)].append(
                    (not common, _first_day(date.value), date.value, precision(date)))
    ends: dict[str, tuple] = {}
    covering: dict[str, dict[str, tuple]] = defaultdict(dict)
    for row in _rows(store, Q_PERIODS):
        a, status, first = row["agreement"].value, _local(row["status"].value), row["first"].value
        last = _v(row["last"])
        evidence = row["evidence"]
        if status in ("terminated", "replaced"):
            candidate = (first, status, row["basis"].value, _v(evidence) or "", precision(evidence))
            if a not in ends or candidate < ends[a]:
                ends[a] = candidate
        if first <= day and (last is None or day <= last):
            covering[a][row["party"].value] = (status, row["basis"].value, _v(evidence) or "", precision(evidence))
    rows = []
    for a in sorted(model.types):
        parties = sorted(model.code(p) for p in model.parties[a])
        row = {"agreement": a, "label": model.labels.get(a, ""),
               "type": ";".join(_local(t) for t in model.types[a]), "arity": model.arity[a],
               "parties": ";".join(parties)}
        for stage, _ in STAGES:
            found = sorted(stage_dates.get((a, stage), ()))
            row[f"{stage}_date"] = found[0][2] if found else ""
            row[f"{stage}_precision"] = found[0][3] if found else ""
        end = ends.get(a)
        row.update(end_date=end[3] if end else "", end_precision=end[4] if end else "",
                   end_status=end[1] if end else "", end_basis=end[2] if end else "")
        answers = covering.get(a, {})
        distinct = set(answers.values())
        row["status_date"] = day
        row["status_by_party"] = ""
        if len(distinct) == 1 and set(answers) == model.parties[a]:
            status, basis, evidence, prec = distinct.pop()
            row.update(status=status, status_basis=basis, status_evidence_date=evidence,
                       status_evidence_precision=prec)
        else:
            statuses = {s for s, *_ in answers.values()}
            row.update(status=("" if not answers else statuses.pop() if len(statuses) == 1
                               and set(answers) == model.parties[a] else "varies-by-party"),
                       status_basis="", status_evidence_date="", status_evidence_precision="")
            if answers:
                row["status_by_party"] = ";".join(sorted(
                    f"{model.code(p)}={answers[p][0] if p in answers else 'none'}" for p in model.parties[a]))
        rows.append(row)
    return AGREEMENT_COLUMNS, rows


def acts_table(store):
    model = _Model(store)
    acts: dict[str, dict] = {}
    for row in _rows(store, Q_ACTS):
        act = row["act"].value
        entry = acts.setdefault(act, {"agreement": row["agreement"].value, "types": set(), "date": row["date"],
                                      "actor": _v(row["actor"]), "sources": set(), "medium": False})
        entry["types"].add(row["type"].value)
        if row["source"] is not None:
            entry["sources"].add(row["source"].value)
        if _v(row["confidence"]) == MEDIUM:
            entry["medium"] = True
    rows = []
    for act, e in acts.items():
        rows.append({"agreement": e["agreement"], "act": act, "record": "act",
                     "kind": ";".join(sorted(_local(t) for t in e["types"])), "observed_status": "",
                     "party": model.code(e["actor"]) if e["actor"] else "", "date": e["date"].value,
                     "precision": precision(e["date"]), "sources": ";".join(sorted(e["sources"])),
                     "confidence": "medium" if e["medium"] else "high"})
    observations: dict[str, dict] = {}
    for row in _rows(store, Q_OBSERVATIONS):
        obs = row["obs"].value
        entry = observations.setdefault(obs, {"agreement": row["agreement"].value, "status": row["status"].value,
                                              "date": row["date"], "party": _v(row["party"]), "sources": set(),
                                              "medium": False})
        if row["source"] is not None:
            entry["sources"].add(row["source"].value)
        if _v(row["confidence"]) == MEDIUM:
            entry["medium"] = True
    for obs, e in observations.items():
        rows.append({"agreement": e["agreement"], "act": obs, "record": "observation", "kind": "StatusObservation",
                     "observed_status": _local(e["status"]),
                     "party": model.code(e["party"]) if e["party"] else "", "date": e["date"].value,
                     "precision": precision(e["date"]), "sources": ";".join(sorted(e["sources"])),
                     "confidence": "medium" if e["medium"] else "high"})
    rows.sort(key=lambda r: (r["agreement"], _first_day(r["date"]), r["date"], r["record"], r["act"]))
    return ACT_COLUMNS, rows


def _intersect(a: list[tuple], b: list[tuple]) -> list[tuple]:
    """Intersection of two lists of day intervals (first, last or None = open), as (first, last)."""
    out = []
    for f1, l1 in a:
        for f2, l2 in b:
            first = max(f1, f2)
            lasts = [x for x in (l1, l2) if x is not None]
            last = min(lasts) if lasts else None
            if last is None or first <= last:
                out.append((first, last))
    return out


def dyad_years_table(store, first_year: int, last_year: int, state: str | None = None):
    """(columns, rows, type columns): one row per dyad and year; per type `<type>_dec31`, `<type>_any_day`."""
    model = _Model(store)
    periods: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in _rows(store, Q_IN_FORCE):
        periods[(row["agreement"].value, row["party"].value)].append((row["first"].value, _v(row["last"])))
    types = model.type_columns()
    flags: dict[tuple[str, str], dict[int, set[str]]] = {}
    for a in sorted(model.parties):
        members = sorted(model.parties[a], key=model.code)
        type_names = [snake(_local(t)) for t in model.types.get(a, [PG + "InternationalAgreement"])]
        for i, p in enumerate(members):
            for q in members[i + 1:]:
                dyad = tuple(sorted((model.code(p), model.code(q))))
                if state is not None and state not in dyad:
                    continue
                years = flags.setdefault(dyad, defaultdict(set))
                for first, last in _intersect(periods.get((a, p), []), periods.get((a, q), [])):
                    y0 = max(int(first[:4]), first_year)
                    y1 = min(int(last[:4]) if last else last_year, last_year)
                    for year in range(y0, y1 + 1):
                        dec31 = f"{year}-12-31"
                        in_dec = first <= dec31 and (last is None or dec31 <= last)
                        for name in type_names:
                            years[year].add(f"{name}_any_day")
                            if in_dec:
                                years[year].add(f"{name}_dec31")
                        years[year].add("any_agreement_any_day")
                        if in_dec:
                            years[year].add("any_agreement_dec31")
    type_names = [snake(_local(t)) for t in types]
    flag_columns = ["any_agreement_dec31", "any_agreement_any_day"] + [
        f"{n}_{w}" for n in type_names for w in ("dec31", "any_day")]
    columns = DYAD_KEY_COLUMNS + flag_columns
    rows = []
    for dyad in sorted(flags):
        for year in range(first_year, last_year + 1):
            on = flags[dyad].get(year, ())
            row = {"state_a": dyad[0], "state_b": dyad[1], "year": year}
            row.update({c: int(c in on) for c in flag_columns})
            rows.append(row)
    return columns, rows, type_names


def territories_table(store):
    entries: dict[str, dict] = {}
    for row in _rows(store, Q_ENTRIES):
        place = row["place"].value
        e = entries.setdefault(place, {"label": set(), "code": set(), "classification": set()})
        for key, var in (("label", "label"), ("code", "code"), ("classification", "classification")):
            if row[var] is not None:
                e[key].add(row[var].value)
    codes = {}
    for row in _rows(store, Q_CODES):
        codes[row["place"].value] = min(row["code"].value, codes.get(row["place"].value, row["code"].value))
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _rows(store, Q_ROLES):
        roles[(row["place"].value, row["role"].value)].add(_code_of(row["polity"].value, codes))
    regions: dict[str, tuple[str, str, str | None]] = {}
    for row in _rows(store, Q_REGIONS):
        r = row["region"].value
        old = regions.get(r)
        label = _v(row["label"]) or (old[1] if old else "")
        regions[r] = (row["code"].value, label, _v(row["up"]) or (old[2] if old else None))
    placed: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, Q_PLACED):
        placed[row["place"].value].add(row["region"].value)

    def chain(region: str) -> list[str]:
        out, seen = [], set()
        while region is not None and region not in seen and region in regions:
            seen.add(region)
            out.append(region)
            region = regions[region][2]
        return out

    rows = []
    for place in sorted(entries):
        e = entries[place]
        row = {"entry": place, "label": min(e["label"]) if e["label"] else "",
               "iso_alpha2": ";".join(sorted(e["code"])),
               "classification": ";".join(sorted(_local(c) for c in e["classification"])),
               "sovereign": ";".join(sorted(roles.get((place, "sovereign"), ()))),
               "administrator": ";".join(sorted(roles.get((place, "administrator"), ()))),
               "claimants": ";".join(sorted(roles.get((place, "claimant"), ())))}
        # The most specific M49 region: the longest chain up to World (001).
        chains = sorted((chain(r) for r in placed.get(place, ())), key=lambda c: (-len(c), c))
        levels = [r for r in reversed(chains[0]) if regions[r][0] != "001"] if chains else []
        for i, name in enumerate(("m49_region", "m49_sub_region", "m49_intermediate_region")):
            r = levels[i] if i < len(levels) else None
            row[name] = regions[r][0] if r else ""
            row[f"{name}_label"] = regions[r][1] if r else ""
        rows.append(row)
    return TERRITORY_COLUMNS, rows


# ------------------------------------------------------------------------------------------------
# The picture
# ------------------------------------------------------------------------------------------------

#: Colour-blind-safe palette (Okabe-Ito first, then Paul Tol's), given to the types a picture shows
#: in their column order, so neighbouring types get distinct hues.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442",
           "#332288", "#882255", "#44AA99", "#000000", "#117733", "#AA4499", "#DDCC77", "#88CCEE")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _humanise(name: str) -> str:
    # the two general classes hold the agreements that have no more specific type
    general = {"security_agreement": "other security agreement", "international_agreement": "other agreement"}
    name = general.get(name, name)
    text = name.replace("_", " ")
    return text[0].upper() + text[1:]


def in_force_per_year_svg(store, state: str, first_year: int = FIRST_YEAR, last_year: int | None = None) -> str:
    """Stacked bars: per year, the number of partner states with which `state` (ISO alpha-2 code or
    slug) had an agreement of each type in force on 31 December, from the dyad-year table. The SVG
    text is the same for the same graph (no clock, no random ids)."""
    from .version import RELEASE_DATE, VERSION

    last_year = last_year or int(RELEASE_DATE[:4])
    # A state that is party to no agreement (e.g. Japan in a generated world) gets an empty picture.
    model_code = _find_state(_Model(store), state) or state
    _, rows, type_names = dyad_years_table(store, first_year, last_year, state=model_code)
    counts: dict[int, dict[str, int]] = {y: defaultdict(int) for y in range(first_year, last_year + 1)}
    for row in rows:
        for name in type_names:
            counts[row["year"]][name] += row[f"{name}_dec31"]
    used = [n for n in type_names if any(counts[y][n] for y in counts)]
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(used)}
    nonzero = [y for y in counts if any(counts[y].values())]
    start = (min(nonzero) // 5 * 5) if nonzero else first_year
    years = list(range(max(start, first_year), last_year + 1))
    peak = max((sum(counts[y].values()) for y in years), default=0)
    label = _state_label(store, model_code)

    width, height = 1200, 660
    left, right, top, bottom = 70, 300, 70, 80
    plot_w, plot_h = width - left - right, height - top - bottom
    step = _nice_step(peak)
    ymax = max(step, -(-peak // step) * step)
    bar = plot_w / max(len(years), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="13">',
           f'<title>{_esc(label)}: agreements in force on 31 December, by type, {years[0]}–{years[-1]}</title>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{left}" y="30" font-size="20" font-weight="bold">{_esc(label)}: agreements '
           f'in force on 31 December, by type</text>',
           f'<text x="{left}" y="52" fill="#444444">Number of partner states with which an agreement of the '
           f'type was in force (each co-party of a multilateral agreement counts)</text>',
           f'<text x="{left}" y="{height - 12}" fill="#666666" font-size="11">Source: pactgraph {VERSION}, '
           f'table dyad-years (column &lt;type&gt;_dec31), status periods of docs/model.md "Status". '
           f'A partner with agreements of two types counts once under each.</text>']
    for k in range(0, ymax + 1, step):
        y = top + plot_h - plot_h * k / ymax
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#dddddd"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{k}</text>')
    out.append(f'<text transform="translate(20,{top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
               f'partner states</text>')
    for i, year in enumerate(years):
        x = left + i * bar
        base = 0
        for name in used:
            n = counts[year][name]
            if not n:
                continue
            y0 = top + plot_h - plot_h * (base + n) / ymax
            h = plot_h * n / ymax
            out.append(f'<rect x="{x + bar * 0.1:.1f}" y="{y0:.1f}" width="{bar * 0.8:.1f}" height="{h:.1f}" '
                       f'fill="{colours[name]}" stroke="#ffffff" stroke-width="0.5">'
                       f'<title>{year}: {n} × {_esc(_humanise(name))}</title></rect>')
            base += n
        if year % 5 == 0:
            out.append(f'<line x1="{x + bar / 2:.1f}" y1="{top + plot_h}" x2="{x + bar / 2:.1f}" '
                       f'y2="{top + plot_h + 5}" stroke="#333333"/>')
            out.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 20}" text-anchor="middle">{year}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333333"/>')
    lx = left + plot_w + 30
    out.append(f'<text x="{lx}" y="{top}" font-weight="bold">Agreement type</text>')
    for i, name in enumerate(reversed(used)):  # top of the stack first, as drawn
        y = top + 20 + i * 24
        out.append(f'<rect x="{lx}" y="{y}" width="16" height="16" fill="{colours[name]}"/>')
        out.append(f'<text x="{lx + 24}" y="{y + 13}">{_esc(_humanise(name))}</text>')
    if not used:
        out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">'
                   f'no agreement in force recorded</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if peak / step <= 8:
            return step
    return 10 ** len(str(peak))


def _find_state(model: _Model, state: str) -> str | None:
    wanted = state.strip()
    for party in sorted({p for ps in model.parties.values() for p in ps}):
        code = model.code(party)
        if wanted in (party, code) or wanted.lower() in (code.lower(), _local(party)):
            return code
    return None


def _state_code(store, state: str) -> str:
    """The table code (ISO alpha-2, else slug) of a state given as code, slug or IRI; InputError if
    no agreement has it as a party."""
    from .errors import InputError

    code = _find_state(_Model(store), state)
    if code is None:
        raise InputError(f"--state {state!r}: no agreement has this state as a party (give an ISO alpha-2 code, "
                         "e.g. jp)")
    return code


def _state_label(store, code: str) -> str:
    model = _Model(store)
    for party in sorted({p for ps in model.parties.values() for p in ps}):
        if model.code(party) == code:
            return model.party_labels.get(party, code)
    return code


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------

def to_csv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return buffer.getvalue()


def _write_parquet(columns, rows, path: Path, integer_columns) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [pa.array([row[c] for row in rows], type=pa.int32() if c in integer_columns else pa.string())
              for c in columns]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), str(path))


def build_table(store, name: str, *, date: str, first_year: int, last_year: int, state: str | None = None):
    """(columns, rows, integer columns) of table `name`."""
    if name == "agreements":
        columns, rows = agreements_table(store, date)
        return columns, rows, set()
    if name == "acts":
        columns, rows = acts_table(store)
        return columns, rows, set()
    if name == "territories":
        columns, rows = territories_table(store)
        return columns, rows, set()
    code = _state_code(store, state) if state else None
    columns, rows, _ = dyad_years_table(store, first_year, last_year, state=code)
    return columns, rows, set(columns) - {"state_a", "state_b"}


# ------------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------------

def add_arguments(parser) -> None:
    add = parser.add_argument
    add("name", metavar="NAME", help=f"the table: {', '.join(TABLES)}")
    add("--out", "-o", metavar="FILE|DIR",
        help="output file, or folder (gets NAME.csv / NAME.parquet); default: standard output (CSV only)")
    add("--format", "-f", default="csv", metavar="csv|parquet", help="csv (default) or parquet (needs pyarrow)")
    add("--date", "-d", metavar="YYYY-MM-DD",
        help="agreements: the day of the status (default: the release date, scripts/pactgraph/version.py)")
    add("--from", dest="first_year", metavar="YYYY", help=f"dyad-years: first year (default {FIRST_YEAR})")
    add("--to", dest="last_year", metavar="YYYY", help="dyad-years: last year (default: the release year)")
    add("--state", metavar="CODE", help="dyad-years: only the dyads of this state (ISO alpha-2 code, e.g. jp)")
    add("--svg", metavar="FILE", help="dyad-years with --state: also write the in-force-per-year picture here")
    add("--data", metavar="DIR", help="read the sources of this data folder (unvalidated) instead of the build")


def _year(text: str | None, default: int, option: str) -> int:
    from .errors import InputError

    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise InputError(f"{option} expects a year YYYY, got {text!r}")
    return int(text)


def run(project, args) -> int:
    import time

    from .errors import InputError
    from .version import RELEASE_DATE

    name = args.name
    if name not in TABLES:
        raise InputError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
    if args.format not in FORMATS:
        raise InputError(f"unknown format {args.format!r}; formats: {', '.join(FORMATS)}")
    day = args.date or RELEASE_DATE
    try:
        if len(day) != 10:
            raise ValueError
        dt.date.fromisoformat(day)
    except ValueError:
        raise InputError(f"--date expects a day YYYY-MM-DD, got {day!r}") from None
    first_year = _year(args.first_year, FIRST_YEAR, "--from")
    last_year = _year(args.last_year, int(RELEASE_DATE[:4]), "--to")
    if first_year > last_year:
        raise InputError(f"--from {first_year} is after --to {last_year}")
    if name != "dyad-years" and (args.state or args.svg or args.first_year or args.last_year):
        raise InputError("--state, --svg, --from and --to apply to the dyad-years table only")
    if name != "agreements" and args.date:
        raise InputError("--date applies to the agreements table only")
    if args.svg and not args.state:
        raise InputError("--svg needs --state (e.g. --state jp)")
    if args.format == "parquet":
        try:
            import pyarrow  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise InputError("pyarrow is not installed") from None
        if not args.out:
            raise InputError("--format parquet needs --out FILE or DIR")
    out = Path(args.out) if args.out else None
    if out is not None and (out.is_dir() or args.out.endswith(("/", "\\"))):
        if not out.is_dir():
            raise InputError(f"output folder not found: {out}")
        out = out / f"{name}.{args.format}"
    elif out is not None and not out.parent.is_dir():
        raise InputError(f"output folder not found: {out.parent}")

    started = time.perf_counter()
    if args.data:
        from .sources import load_store, source_files

        store = load_store(source_files(project, Path(args.data)))
    else:
        from .store import open_store

        store = open_store(project)
    columns, rows, integers = build_table(store, name, date=day, first_year=first_year, last_year=last_year,
                                          state=args.state)
    if args.svg:
        svg = Path(args.svg)
        if not svg.parent.is_dir():
            raise InputError(f"output folder not found: {svg.parent}")
        svg.write_text(in_force_per_year_svg(store, args.state, first_year, last_year), encoding="utf-8")
    if out is None:
        sys.stdout.write(to_csv(columns, rows))
    elif args.format == "parquet":
        _write_parquet(columns, rows, out, integers)
    else:
        out.write_text(to_csv(columns, rows), encoding="utf-8", newline="")
    if out is not None:
        print(f"wrote {len(rows):,} rows of table {name} to {out} in {time.perf_counter() - started:.2f} s",
              file=sys.stderr)
    return 0
