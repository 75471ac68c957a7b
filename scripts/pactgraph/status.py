"""The one definition of an agreement's status on a day (docs/model.md, "Status").

The status of agreement A for party P on day D is derived from the dated evidence about A: its acts
(pg:AgreementAct) and the sourced observations of its status (pg:StatusObservation). The rule is
written here once, and `derive` writes its answer for every day as status periods
(pg:StatusPeriod: first and last day, status, basis) into the derived named graph `graph/status`.
Every canned query that reports or filters by status reads those periods, so they all agree.

The rule, in short (the long form is in docs/model.md):
* Each piece of evidence belongs to a stage: negotiation (launch, round), agreement in principle,
  signed (signature, ratification, accession, exchange of notes), in force (entry into force), or
  an end (termination, withdrawal of the party, entry into force of an agreement that replaces A).
* On D the stage reached is the highest whose evidence is known to have happened by D (the
  comparison rule of docs/model.md, "Dates": an act dated only to a month counts from the next month).
* In force and the ends are durable: they hold until something later is known to have happened.
  Negotiation, agreement in principle and "signed, not in force" are not: they hold only up to the
  latest evidence of that stage, or up to the start of a later step (a later signature shows that
  the negotiation went on until then). Past that, the status is "entry into force not recorded"
  (signed) or "unknown" (the others): a missing act is unknown, not an act that did not happen.
* While a later step is known only to a month or year that contains D, the status on D is unknown.
* For a multilateral agreement a party's own act (pg:actor) takes the place of the agreement's
  common act of the same kind; where the party has none, the common act counts and the period says
  so (pg:agreementLevelBasis true). A party whose own consent (signature, ratification, accession)
  is dated after the common entry into force is not bound by that entry into force.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import forked
from .namespaces import PG, PGGRAPH, PGID, RDF, RDFS, XSD

#: The named graph the derived periods go into (not a source file: it is rebuilt on every load).
STATUS_GRAPH = PGGRAPH + "status"

NEGOTIATION, IN_PRINCIPLE, SIGNED, IN_FORCE, ENDED = 1, 2, 3, 4, 5

#: Kind of evidence -> (stage, status concept slug once that stage is reached).
ACT_KINDS = {
    "NegotiationLaunch": (NEGOTIATION, "under-negotiation"),
    "NegotiationRound": (NEGOTIATION, "under-negotiation"),
    "AgreementInPrinciple": (IN_PRINCIPLE, "agreed-in-principle"),
    "Signature": (SIGNED, "signed"),
    "Ratification": (SIGNED, "signed"),
    "Accession": (SIGNED, "signed"),
    "ExchangeOfNotes": (SIGNED, "signed"),
    "EntryIntoForce": (IN_FORCE, "in-force"),
    "Termination": (ENDED, "terminated"),
    "Withdrawal": (ENDED, "withdrawn"),
}
#: Status concept a pg:StatusObservation may state -> stage.
OBSERVED = {"under-negotiation": NEGOTIATION, "agreed-in-principle": IN_PRINCIPLE, "signed": SIGNED,
            "in-force": IN_FORCE, "terminated": ENDED}
#: The statuses the rule can give, in the scheme's order (data/concepts.ttl, scheme agreement-status).
STATUSES = ("under-negotiation", "agreed-in-principle", "signed", "in-force", "terminated", "withdrawn",
            "replaced", "entry-into-force-not-recorded", "status-unknown")
#: English labels of the statuses (the concepts' rdfs:label in data/concepts.ttl), for period labels.
LABELS = {"under-negotiation": "under negotiation", "agreed-in-principle": "agreed in principle",
          "signed": "signed, not yet in force", "in-force": "in force", "terminated": "terminated",
          "withdrawn": "withdrawn", "replaced": "replaced",
          "entry-into-force-not-recorded": "entry into force not recorded", "status-unknown": "unknown"}
DURABLE = (IN_FORCE, ENDED)
#: Kinds of act that open a stage after negotiation: each shows the stage before lasted until it.
OPENING = ("AgreementInPrinciple", "Signature", "Accession", "EntryIntoForce")
#: Kinds whose act is one party's consent to be bound (see the multilateral rule above).
CONSENT = ("Signature", "Ratification", "Accession")


@dataclass(frozen=True)
class Day:
    """A pg:DateValue literal (xsd:date, gYearMonth or gYear) as the interval of days it names."""

    text: str
    first: dt.date
    last: dt.date
    exact: bool  # a single day

    @classmethod
    def parse(cls, text: str) -> Day | None:
        try:
            parts = [int(p) for p in text.split("-")]
            if len(parts) == 3:
                day = dt.date(*parts)
                return cls(text, day, day, True)
            if len(parts) == 2:
                first = dt.date(parts[0], parts[1], 1)
                nxt = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
                return cls(text, first, nxt - dt.timedelta(days=1), False)
            if len(parts) == 1:
                return cls(text, dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31), False)
        except (ValueError, OverflowError):
            pass
        return None  # not a date value the shapes accept: the shapes report it, the rule skips it

    def happened_by(self, day: dt.date) -> bool:
        """Known to have happened by `day` (docs/model.md, "Dates"): a day counts on itself, a month
        or year only once it is over."""
        return self.first <= day if self.exact else self.last < day

    def reached(self) -> dt.date:
        return self.first if self.exact else self.last + dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        """`day` lies in the period and the period is not yet known to have happened: unknown."""
        return not self.exact and self.first <= day <= self.last


@dataclass(frozen=True)
class Evidence:
    node: str  # IRI of the act or observation (the basis a period names)
    stage: int
    status: str  # concept slug this evidence stands for once reached
    date: Day
    common: bool  # an act of the whole agreement used for a party of a multilateral agreement
    observation: bool
    opens: bool = False  # an act that opens its stage (see OPENING)


@dataclass(frozen=True)
class Answer:
    status: str
    basis: str
    common: bool


def status_on(evidence: list[Evidence], day: dt.date) -> Answer | None:
    """The rule: the status on `day` given all the evidence for one agreement and party."""
    reached = [e for e in evidence if e.date.happened_by(day)]
    if not reached:
        return None
    stage = max(e.stage for e in reached)
    later = [e for e in evidence if e.stage > stage]
    # A later step known only to a month or year that contains the day: it may or may not have
    # happened yet.
    pending = sorted((e for e in later if e.date.contains(day)), key=lambda e: (e.date.first, e.node))
    if pending:
        return Answer("status-unknown", pending[0].node, pending[0].common)
    if stage in DURABLE:
        # The act that started it; an act before an observation of the same day.
        first = min((e for e in reached if e.stage == stage),
                    key=lambda e: (e.date.reached(), e.observation, e.node))
        return Answer(first.status, first.node, first.common)
    # A stage that does not last by itself: it holds up to its latest evidence, or up to the first
    # day of an act that opens a later stage (agreement in principle, signature or accession, entry
    # into force): that act shows the earlier stage lasted until then. An observation of a later
    # stage does not (it says when the later stage held, not when it began), nor does a ratification
    # (it follows a signature whose date it does not give).
    same = sorted((e for e in evidence if e.stage == stage), key=lambda e: (e.date.last, e.node))
    status = same[-1].status
    if day <= same[-1].date.last:
        return Answer(status, same[-1].node, same[-1].common)
    bounding = sorted((e for e in later if e.opens and day < e.date.first),
                      key=lambda e: (e.date.first, e.node))
    if bounding:
        return Answer(status, bounding[0].node, bounding[0].common)
    past = "entry-into-force-not-recorded" if stage == SIGNED else "status-unknown"
    return Answer(past, same[-1].node, same[-1].common)


def periods(evidence: list[Evidence]) -> list[tuple[dt.date, dt.date | None, Answer]]:
    """The status as maximal runs of days: (first day, last day or None if open, answer).

    The answer can only change on a day where some evidence starts, is reached or ends, so the rule is
    evaluated on those days alone.
    """
    days = sorted({d for e in evidence
                   for d in (e.date.first, e.date.reached(), e.date.last + dt.timedelta(days=1))})
    runs: list[list] = []
    for day in days:
        answer = status_on(evidence, day)
        if runs and runs[-1][2] == answer:
            continue
        if runs:
            runs[-1][1] = day - dt.timedelta(days=1)
        runs.append([day, None, answer])
    return [(first, last, answer) for first, last, answer in runs if answer is not None]


# ------------------------------------------------------------------------------------------------
# Reading the evidence from the store and writing the periods back
# ------------------------------------------------------------------------------------------------

_EVIDENCE_QUERY = """
PREFIX pg: <https://w3id.org/pactgraph/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?node ?kind ?agreement ?date ?actor WHERE {
  { VALUES ?kind { %s }
    ?node (a|a/rdfs:subClassOf+) ?kind ; pg:actOn ?agreement ; pg:date ?date .
    OPTIONAL { ?node pg:actor ?actor } }
  UNION
  { ?node a pg:StatusObservation ; pg:agreement ?agreement ; pg:status ?kind ; pg:date ?date .
    OPTIONAL { ?node pg:party ?actor } }
}
""" % " ".join(f"pg:{k}" for k in ACT_KINDS)

_AGREEMENTS_QUERY = """
PREFIX pg: <https://w3id.org/pactgraph/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?agreement ?party ?multilateral ?successor WHERE {
  ?agreement pg:hasParty ?party .
  BIND (EXISTS { ?agreement (a|a/rdfs:subClassOf+) pg:MultilateralAgreement } AS ?multilateral)
  OPTIONAL { ?successor pg:replaces ?agreement }
}
"""


@dataclass
class _Act:
    node: str
    kind: str
    date: Day
    actor: str | None
    observation: bool


def _evidence_for(agreement: str, party: str, multilateral: bool, acts: dict[str, list[_Act]],
                  successors: list[str], parties: dict[str, set[str]]) -> list[Evidence]:
    own_kinds = set()
    mine, common = [], []
    for act in acts.get(agreement, ()):
        if act.actor is None:
            common.append(act)
        elif act.actor == party:
            mine.append(act)
            own_kinds.add(_family(act.kind))
        elif not multilateral and not act.observation:
            mine.append(act)  # the other party's ratification also shows a signed bilateral agreement
    out = [_make(a, False) for a in mine]
    latest_consent = max((a.date.first for a in mine if a.kind in CONSENT), default=None)
    for act in common:
        family = _family(act.kind)
        if multilateral and family in own_kinds:
            continue  # the party's own act of this kind replaces the common one
        if (multilateral and act.kind == "EntryIntoForce" and latest_consent is not None
                and latest_consent > act.date.last):
            continue  # the party consented after the common entry into force: not bound by it
        out.append(_make(act, multilateral))
    # Replacement: the successor's entry into force (the party's own, else the common one) ends A.
    for successor in successors:
        for act in _evidence_for(successor, party, len(parties.get(successor, ())) > 2, acts, [], parties):
            if act.stage == IN_FORCE and not act.observation:
                out.append(Evidence(act.node, ENDED, "replaced", act.date, act.common, False))
    return out


def _family(kind: str) -> str:
    return "consent" if kind in ("Signature", "Accession") else kind


def _make(act: _Act, common: bool) -> Evidence:
    if act.observation:
        return Evidence(act.node, OBSERVED[act.kind], act.kind, act.date, common, True)
    stage, status = ACT_KINDS[act.kind]
    return Evidence(act.node, stage, status, act.date, common, False, act.kind in OPENING)


def derive(store: ox.Store, spill: Path | None = None, copy: Path | None = None) -> int:
    """Replace the periods in `graph/status` by those the rule gives for the store's evidence;
    returns the number of periods written. With `spill` (a store on disk being built) the periods are
    written to that N-Quads file and bulk-loaded from it in one go: a transaction would hold them in
    memory, and each bulk load leaves its own files that every later read must merge. With `copy` (a
    store in memory) they are loaded as usual and also written to that file. Either file is what the
    build's exports are made from (export.write_sources)."""
    graph = ox.NamedNode(STATUS_GRAPH)
    if graph in set(store.named_graphs()):
        store.remove_graph(graph)
    acts: dict[str, list[_Act]] = defaultdict(list)
    seen = set()
    concept = PGID + "concept/"
    for row in store.query(_EVIDENCE_QUERY, use_default_graph_as_union=True):
        node, kind, agreement, date = (row["node"].value, row["kind"].value, row["agreement"].value,
                                       row["date"].value)
        actor = row["actor"].value if row["actor"] is not None else None
        observation = kind.startswith(concept)
        kind = kind[len(concept):] if observation else kind[len(PG):]
        if observation and kind not in OBSERVED:
            continue
        day = Day.parse(date)
        if day is None or (node, kind, agreement, date, actor) in seen:
            continue
        seen.add((node, kind, agreement, date, actor))
        acts[agreement].append(_Act(node, kind, day, actor, observation))
    parties: dict[str, set[str]] = defaultdict(set)
    multilateral: dict[str, bool] = {}
    successors: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_AGREEMENTS_QUERY, use_default_graph_as_union=True):
        agreement = row["agreement"].value
        parties[agreement].add(row["party"].value)
        multilateral[agreement] = row["multilateral"].value == "true"
        if row["successor"] is not None:
            successors[agreement].add(row["successor"].value)
    # Written as N-Quads text and loaded by the store (parsed in Rust): a Python term object per quad
    # cost 3 s and 0.7 GB at a million source triples (docs/benchmarks.md). The store parses a batch
    # on another thread (Store.load releases the GIL) while this one works out the next.
    from concurrent.futures import ThreadPoolExecutor

    agreements = sorted(parties)
    evidence = (acts, parties, multilateral, successors)
    if spill is not None:
        with open(spill, "wb") as out:
            written = _write_periods(agreements, evidence, lambda text: out.write(text.encode("utf-8")))
        store.bulk_load(path=str(spill), format=ox.RdfFormat.N_QUADS)
        return written
    loader = ThreadPoolExecutor(1)
    loading: list = []
    copied = open(copy, "wb") if copy is not None else None

    def load(text: str) -> None:
        data = text.encode("utf-8")
        loading.append(loader.submit(store.load, data, format=ox.RdfFormat.N_QUADS))
        if copied is not None:
            copied.write(data)

    try:
        # Half of the agreements (by name, so that equal names, which share a counter in the period
        # IRIs, stay together) go to a forked process on the other core: the rule is Python.
        other = _Forked(agreements, evidence) if len(agreements) >= PARALLEL_ABOVE and forked.available() \
            else None
        mine = [a for a in agreements if other is None or not _second_half(a)]
        written = _write_periods(mine, evidence, load)
        if other is not None:
            written += other.load_into(store, copied)
        for done in loading:
            done.result()
    finally:
        loader.shutdown(wait=True, cancel_futures=True)
        if copied is not None:
            copied.close()
    return written


#: Agreements from which the rule is shared with a forked process (below it the fork costs more).
PARALLEL_ABOVE = 2000


def _second_half(agreement: str) -> bool:
    return zlib.crc32(agreement.rsplit("/", 1)[-1].encode("utf-8")) % 2 == 1


class _Forked:
    """The periods of the second half of the agreements, written by a forked process (forked.py)."""

    def __init__(self, agreements: list[str], evidence: tuple):
        self.agreements = [a for a in agreements if _second_half(a)]
        self.evidence = evidence

        def work(out) -> None:
            n = _write_periods(self.agreements, evidence, lambda text: out.write(text.encode("utf-8")))
            out.write(f"# {n}\n".encode("ascii"))  # how many periods: the last line

        self.fork = forked.Forked(work)

    def load_into(self, store: ox.Store, copied=None) -> int:
        """Load the child's periods (or work them out here if it failed), and write them to the open
        file `copied` if given; the number of periods."""
        try:
            data = self.fork.result()
            cut = data.rfind(b"\n", 0, len(data) - 1) + 1
            data, n = data[:cut], int(data[cut:][2:])  # the periods, and the count line after them
        except forked.ForkFailed:
            texts: list[str] = []
            n = _write_periods(self.agreements, self.evidence, texts.append)
            data = "".join(texts).encode("utf-8")
        store.load(data, format=ox.RdfFormat.N_QUADS)
        if copied is not None:
            copied.write(data)
        return n


def _write_periods(agreements: list[str], evidence: tuple, emit) -> int:
    """The periods of `agreements` (in order), passed to `emit` as N-Quads text in batches; returns
    how many periods."""
    acts, parties, multilateral, successors = evidence
    concept = PGID + "concept/"
    lines: list[str] = []
    written = 0
    counters: dict[tuple, int] = defaultdict(int)
    ruled: dict[frozenset, list] = {}
    g = f"<{STATUS_GRAPH}> .\n"
    a_type, p_agreement, p_status, p_basis, p_first, p_last, p_common, p_party, p_label = (
        f"<{RDF}type>", f"<{PG}agreement>", f"<{PG}status>", f"<{PG}basis>", f"<{PG}firstDay>", f"<{PG}lastDay>",
        f"<{PG}agreementLevelBasis>", f"<{PG}party>", f"<{RDFS}label>")
    period_class, date_type = f"<{PG}StatusPeriod>", f"^^<{XSD}date>"
    true = f'"true"^^<{XSD}boolean>'
    for agreement in agreements:
        # One node per run of days with the same answer, shared by the parties that have it. The
        # parties of a bilateral agreement mostly have the same evidence: the rule runs once per set.
        grouped: dict[tuple, list[str]] = defaultdict(list)
        for party in sorted(parties[agreement]):
            found = _evidence_for(agreement, party, multilateral[agreement], acts, sorted(successors[agreement]),
                                  parties)
            key = frozenset(found)
            if key not in ruled:
                ruled[key] = periods(found)
            for first, last, answer in ruled[key]:
                grouped[(first, last, answer)].append(party)
        slug = agreement.rsplit("/", 1)[-1]
        for (first, last, answer), members in sorted(grouped.items(), key=_order):
            key = (slug, first)
            counters[key] += 1
            n = counters[key]
            node = f"<{PGID}status/{slug}-{first.isoformat()}" + (f"-{n}>" if n > 1 else ">")
            span = f"from {first.isoformat()}" + (f" to {last.isoformat()}" if last is not None else "")
            lines += [
                f"{node} {a_type} {period_class} {g}",
                f"{node} {p_agreement} <{agreement}> {g}",
                f"{node} {p_status} <{concept}{answer.status}> {g}",
                f"{node} {p_basis} <{answer.basis}> {g}",
                f'{node} {p_first} "{first.isoformat()}"{date_type} {g}',
                f"{node} {p_label} {ox.Literal(f'{slug}: {LABELS[answer.status]}, {span}', language='en')} {g}",
            ]
            if last is not None:
                lines.append(f'{node} {p_last} "{last.isoformat()}"{date_type} {g}')
            if answer.common:
                lines.append(f"{node} {p_common} {true} {g}")
            lines += [f"{node} {p_party} <{p}> {g}" for p in members]
        written += len(grouped)
        if len(lines) >= _BATCH:
            emit("".join(lines))
            lines = []
    if lines:
        emit("".join(lines))
    return written


#: Lines of N-Quads loaded at a time: the text of 6M period quads (10M source triples) is 1.2 GB.
_BATCH = 200_000


def _order(item):
    (first, last, answer), members = item  # of one agreement
    return (first, sorted(members), answer.status)
