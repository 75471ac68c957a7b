"""`pactgraph generate`: a synthetic world of about N triples that follows the ontology and the shapes.

The output folder is a data folder like `data/` (one Turtle file per kind of node, each loaded into
its own named graph), so `pactgraph build --data DIR` and `pactgraph bench` can run on it; the
ontology, shapes and queries come from the project. Nothing in it is a real fact: states, people and
agreements are invented (a few hub nodes reuse the IRIs of the canned queries' default parameters,
such as `id/place/jp`, so that every query has something to find).

What it holds: sovereign states (a quarter with ISO-like codes whose alpha-2 is the IRI slug, the rest
without codes), territories with sovereignty, administration and claim nodes, regions, cities,
international organisations and memberships, offices, people and terms of office, agreements of every
type in the ontology (bilateral and multilateral) with their dated acts (negotiation launch and
rounds, agreement in principle, signatures, ratifications, exchanges of notes, entry into force,
termination, replacement), intentions, attributed claims, trips, visits, travel, meetings,
conferences and speeches, sources, and `rdf:Statement` nodes that give single triples their own
source. Dates have mixed precision (xsd:date, xsd:gYearMonth, xsd:gYear) and respect the order the
cross-node shapes check: every date is drawn as a day in a consistent order and then cut to its
precision, which can never make an earlier act certainly later.

Faults (`--faults K`): K faults of each kind in FAULT_KINDS are injected into otherwise clean nodes
(the clean world is the same with or without faults: faults are chosen with a separate random
stream), each one breaking exactly one shape on one focus node. `faults.json` lists them (kind, focus
IRI, expected shape, file, line), so a validator run at scale can be checked for finding exactly
those.

Speed: the Turtle is written with string formatting, one triple per line, no RDF library.
Deterministic: the same (triples, seed, faults) give the same bytes.

Only standard-library imports at module level (the CLI loads this module to list its arguments).
"""

from __future__ import annotations

import re
from pathlib import Path

# datetime, json, random and time are imported where they are used: the CLI imports this module for
# every command (to list its arguments), so its module-level imports cost every `pactgraph query`.

HELP = "write a synthetic, shape-conforming world of about N triples (for benchmarks); --faults injects known violations"

PG = "https://w3id.org/pactgraph/ontology/"
PGSH = "https://w3id.org/pactgraph/shapes/"
PGID = "https://w3id.org/pactgraph/id/"

#: Turtle prefixes of every generated file (the real data files declare the same ones).
PREFIXES = [
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("schema", "https://schema.org/"),
    ("pg", PG),
    ("wd", "http://www.wikidata.org/entity/"),
] + [(k, f"{PGID}{k}/") for k in ("place", "region", "city", "agreement", "act", "intention", "person",
                                    "office", "term", "org", "membership", "event", "claim", "source",
                                    "concept", "scheme", "stmt")]

#: The files written, in order: name (stem) -> what it holds.
FILES = {
    "concepts": "SKOS concept schemes (the same concept IRIs as data/concepts.ttl)",
    "sources": "sources: the seed article, id/source/ nodes and sources identified by their address",
    "places": "states, territories, regions and cities; sovereignty, administration and territorial claims",
    "organisations": "international organisations and memberships",
    "people": "people, offices and terms of office",
    "agreements": "international agreements, intentions and attributed claims about them",
    "acts": "agreement acts (launches, rounds, signatures, ratifications, entries into force, ...)",
    "events": "trips, visits, travel, meetings, conferences and speeches",
    "statements": "rdf:Statement nodes giving single triples their own source",
}
MARKER = "# pactgraph synthetic world"

#: kind -> (the shapes that must report the focus node, the first being the one the fault is about; what
#: is wrong). A list, because a fault may break more than one shape (none does with the current shapes;
#: tests/test_generate.py fails when a change to the shapes makes the list wrong).
FAULT_KINDS = {
    "ill-formed-date": (("DateValue-date",), "an act's pg:date is an ill-typed xsd:date (month 13, day 45)"),
    "eif-before-signature": (("EntryIntoForceAfterSignatureShape",), "entry into force dated two years before the signature"),
    "bilateral-three-parties": (("BilateralAgreement-hasParty",), "a bilateral agreement with a third pg:hasParty"),
    "multilateral-two-parties": (("MultilateralAgreement-hasParty",), "a multilateral agreement left with two parties"),
    "missing-source": (("DerivedFromRequiredShape",), "a person without prov:wasDerivedFrom"),
    "source-not-typed": (("DerivedFromSourceShape",), "prov:wasDerivedFrom points to a node that is not a pg:Source"),
    "missing-english-label": (("EnglishLabelShape",), "an office whose only label is in German"),
    "bad-iso-code": (("IsoCode-alpha3",), "pg:isoAlpha3 in lower case"),
    "iso-slug-mismatch": (("IsoSlugShape",), "a state given a complete ISO entry whose alpha-2 code is not its IRI slug"),
    "actor-not-party": (("ActorIsPartyShape",), "a ratification whose pg:actor is not a party"),
    "end-before-start": (("EndNotBeforeStartShape",), "an office term that ends years before it starts"),
    "excerpt-not-from-seed": (("ExcerptFromSeedShape",), "pg:excerpt on a node not derived from the seed article"),
}

CONCEPTS = """\
scheme:facilitation a skos:ConceptScheme ;
    rdfs:label "Facilitation"@en ;
    skos:prefLabel "Facilitation"@en ;
    skos:hasTopConcept concept:joint-exercises ;
    skos:hasTopConcept concept:disaster-relief ;
    skos:hasTopConcept concept:troop-deployments ;
    skos:hasTopConcept concept:sharing-of-supplies .

scheme:topic a skos:ConceptScheme ;
    rdfs:label "Topic"@en ;
    skos:prefLabel "Topic"@en ;
    skos:hasTopConcept concept:climate-change ;
    skos:hasTopConcept concept:generative-ai-rules .

scheme:confidence a skos:ConceptScheme ;
    rdfs:label "Confidence"@en ;
    skos:prefLabel "Confidence"@en ;
    skos:hasTopConcept concept:high-confidence ;
    skos:hasTopConcept concept:medium-confidence .

scheme:territorial-status a skos:ConceptScheme ;
    rdfs:label "Territorial status"@en ;
    skos:prefLabel "Territorial status"@en ;
    skos:hasTopConcept concept:sui-generis-territory ;
    skos:hasTopConcept concept:overseas-collectivity ;
    skos:hasTopConcept concept:overseas-department ;
    skos:hasTopConcept concept:uninhabited-territory .

scheme:period a skos:ConceptScheme ;
    rdfs:label "Period"@en ;
    skos:prefLabel "Period"@en ;
    skos:hasTopConcept concept:golden-week .

scheme:political-status a skos:ConceptScheme ;
    rdfs:label "political status"@en ;
    skos:prefLabel "political status"@en ;
    skos:hasTopConcept concept:sovereign-state ;
    skos:hasTopConcept concept:dependent-territory ;
    skos:hasTopConcept concept:special-status ;
    skos:hasTopConcept concept:disputed-status .

"""

#: concept slug -> (label, scheme, broader)
CONCEPT_TABLE = [
    ("joint-exercises", "joint exercises", "facilitation", None),
    ("disaster-relief", "disaster relief", "facilitation", None),
    ("troop-deployments", "troop deployments", "facilitation", None),
    ("sharing-of-supplies", "sharing of supplies", "facilitation", None),
    ("food", "food", "facilitation", "sharing-of-supplies"),
    ("fuel", "fuel", "facilitation", "sharing-of-supplies"),
    ("ammunition", "ammunition", "facilitation", "sharing-of-supplies"),
    ("climate-change", "climate change", "topic", None),
    ("generative-ai-rules", "international rules on generative AI", "topic", None),
    ("high-confidence", "high confidence", "confidence", None),
    ("medium-confidence", "medium confidence", "confidence", None),
    ("sui-generis-territory", "sui generis territory", "territorial-status", None),
    ("overseas-collectivity", "overseas collectivity", "territorial-status", None),
    ("overseas-department", "overseas department", "territorial-status", None),
    ("uninhabited-territory", "uninhabited territory", "territorial-status", None),
    ("golden-week", "Golden Week", "period", None),
    ("sovereign-state", "sovereign state", "political-status", None),
    ("dependent-territory", "dependent territory", "political-status", None),
    ("special-status", "special status", "political-status", None),
    ("disputed-status", "disputed status", "political-status", None),
]
FACILITIES = [c[0] for c in CONCEPT_TABLE if c[2] == "facilitation"]
TOPICS = ["climate-change", "generative-ai-rules"]
STATUSES = [c[0] for c in CONCEPT_TABLE if c[2] == "territorial-status"]

#: agreement type abbreviation -> (English name, classes from the most specific up)
AGREEMENT_TYPES = [
    ("raa", "Reciprocal Access Agreement", ["ReciprocalAccessAgreement", "SecurityAgreement", "InternationalAgreement"]),
    ("sofa", "Status of Forces Agreement", ["StatusOfForcesAgreement", "SecurityAgreement", "InternationalAgreement"]),
    ("vfa", "Visiting Forces Agreement", ["VisitingForcesAgreement", "StatusOfForcesAgreement", "SecurityAgreement", "InternationalAgreement"]),
    ("acsa", "Acquisition and Cross-Servicing Agreement", ["AcquisitionCrossServicingAgreement", "SecurityAgreement", "InternationalAgreement"]),
    ("mst", "Treaty of Mutual Cooperation and Security", ["MutualSecurityTreaty", "SecurityAgreement", "InternationalAgreement"]),
    ("isa", "Agreement on the Protection of Classified Information", ["InformationSecurityAgreement", "SecurityAgreement", "InternationalAgreement"]),
    ("det", "Agreement on the Transfer of Defence Equipment and Technology", ["DefenceEquipmentTransferAgreement", "SecurityAgreement", "InternationalAgreement"]),
    ("dca", "Defence Cooperation Agreement", ["SecurityAgreement", "InternationalAgreement"]),
    ("agreement", "Agreement on Cultural Cooperation", ["InternationalAgreement"]),
]

HUBS = [  # the canned queries' default parameters name these
    ("jp", "Japan", "japan", "JP", "JPN", "392", "Tokyo", "tokyo"),
    ("fr", "France", "france", "FR", "FRA", "250", "Paris", "paris"),
    ("us", "United States", "united-states", "US", "USA", "840", "Washington", "washington"),
]

_SYL = ["ar", "bel", "cor", "dan", "el", "fal", "gor", "hal", "is", "jor", "kel", "lun", "mar", "nor",
        "os", "pel", "quin", "ros", "sal", "tor", "ul", "ven", "wer", "xan", "yor", "zel", "bra", "dri",
        "esk", "fen", "gal", "hom", "iv", "kar", "lom", "mir", "nav", "ort", "pra", "rin", "sev", "tam"]
_STATE_END = ["ia", "land", "stan", "ora", "ica", "onia", "ar", "enia", "istan", "mark"]
_GIVEN = ["Ada", "Bela", "Cato", "Dara", "Emil", "Fenna", "Goran", "Hana", "Ivo", "Jana", "Kai", "Lena",
          "Milo", "Nora", "Oren", "Pia", "Rafe", "Sana", "Teo", "Una", "Vera", "Wim", "Yara", "Zeno",
          "Anouk", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas"]

DAY0 = 711858  # datetime.date(1950, 1, 1).toordinal()
DAY_END = 739616  # datetime.date(2025, 12, 31).toordinal()
YEAR = 365
_DATE_TYPES = ("xsd:date", "xsd:gYearMonth", "xsd:gYear")


def _offset(hours: int) -> str:
    """A time zone offset as the store keeps it: UTC is written Z (the store rewrites +00:00 to Z)."""
    return "Z" if hours == 0 else f"+{hours:02d}:00"


#: peak memory of `generate` per triple requested (measured: 1M triples, 246 MB peak RSS; with margin),
#: and disk bytes per triple written (1M triples, 56 MB)
MEMORY_PER_TRIPLE = 300
DISK_PER_TRIPLE = 64


def check_size(triples: int, out_dir: Path, memory: int | None = None) -> None:
    """ValueError, before anything is generated, if the machine cannot hold a world of `triples`:
    the memory the generator needs (estimated from MEMORY_PER_TRIPLE) or the disk the files take."""
    import shutil

    from .store import available_memory

    memory = available_memory() if memory is None else memory
    need = triples * MEMORY_PER_TRIPLE
    if memory is not None and need > memory:
        most = memory // MEMORY_PER_TRIPLE
        raise ValueError(f"--triples {triples:,} needs about {need / 2**30:,.1f} GiB of memory and this machine has "
                         f"{memory / 2**30:,.1f} GiB available: at most about {most:,} triples")
    folder = Path(out_dir).resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if triples * DISK_PER_TRIPLE > free:
        raise ValueError(f"--triples {triples:,} needs about {triples * DISK_PER_TRIPLE / 2**30:,.1f} GiB of disk and "
                         f"{folder} has {free / 2**30:,.1f} GiB free")


def parse_count(text: str) -> int:
    """`3000`, `10k`, `1.5M` -> an int (for --triples)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", str(text))
    if not m:
        raise ValueError(f"not a count: {text!r} (examples: 3000, 10k, 1M)")
    value = float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(round(value))


# ---------------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------------


class _World:
    """Builds the world as blocks of Turtle (one node each, one triple a line) per file."""

    def __init__(self, triples: int, seed: int, faults: int):
        import datetime
        import random

        self._d = datetime.date
        self.target = triples
        self.seed = seed
        self.k = faults
        self.rng = random.Random(seed)
        self.frng = random.Random(f"pactgraph-faults-{seed}")  # faults never change the clean world
        self.count = 0
        self.blocks: dict[str, list[str]] = {name: [] for name in FILES}
        self.counts: dict[str, int] = {name: 0 for name in FILES}
        self.offered = {kind: 0 for kind in FAULT_KINDS}
        self.reservoir: dict[str, list] = {kind: [] for kind in FAULT_KINDS}
        self.slugs: set[str] = set()
        self.wikidata = 100_000_000 + (seed % 1000) * 100_000

    # --- output ------------------------------------------------------------------------------------

    def node(self, doc: str, subject: str, pairs: list, offers=()) -> None:
        blocks = self.blocks[doc]
        blocks.append(_block(subject, pairs))
        self.count += len(pairs)
        self.counts[doc] += len(pairs)
        for kind, key, extra in offers:  # key: what one fault may touch (an agreement, else the node)
            self._offer(kind, (doc, len(blocks) - 1, subject, pairs, key, extra))

    def _offer(self, kind: str, candidate) -> None:
        if not self.k:
            return
        cap = 4 * self.k + 4
        self.offered[kind] += 1
        res = self.reservoir[kind]
        if len(res) < cap:
            res.append(candidate)
        else:
            j = self.frng.randrange(self.offered[kind])
            if j < cap:
                res[j] = candidate

    def unique(self, kind: str, slug: str) -> str:
        base, n = slug, 1
        while f"{kind}:{slug}" in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(f"{kind}:{slug}")
        return slug

    # --- values ------------------------------------------------------------------------------------

    def date(self, day: int, precision: int | None = None) -> str:
        """The literal for a day, cut to a random precision (day 70 %, month 20 %, year 10 %)."""
        if precision is None:
            r = self.rng.random()
            precision = 0 if r < 0.7 else (1 if r < 0.9 else 2)
        iso = self._d.fromordinal(day).isoformat()
        return f'"{iso[:(10, 7, 4)[precision]]}"^^{_DATE_TYPES[precision]}'

    def sources(self, seed_share: float = 0.1, most: int = 2) -> list:
        n = 1 if self.rng.random() < 0.6 else self.rng.randint(1, most)
        picked = self.rng.sample(self.source_pool, n)
        if self.rng.random() < seed_share:
            picked = ["source:seed-article"] + picked[1:]
        return [("prov:wasDerivedFrom", s) for s in picked]

    def qid(self) -> str:
        self.wikidata += self.rng.randint(1, 97)
        return f"wd:Q{self.wikidata}"

    def name(self, parts: int, ending: list | None = None) -> str:
        text = "".join(self.rng.choice(_SYL) for _ in range(parts))
        if ending:
            text += self.rng.choice(ending)
        return text.capitalize()

    # --- the parts of the world -------------------------------------------------------------------

    def build(self) -> None:
        n = self.target
        self.n_polities = max(6, n // 1000)
        self.n_sources = max(20, n // 150)
        self.n_agreements = 0
        self.term_years = max(10, min(50, n // self.n_polities // 30))  # people: about a fifth of the world
        self.rich = 24  # the first agreements cover every type, arity and act (and so give fault candidates)
        self.replaceable = []  # agreements in force that a later one may replace
        self.concepts()
        self.make_sources()
        self.regions()
        self.polities()
        self.territories()
        self.organisations()
        self.people()
        self.conferences()
        self.trips()
        while self.count < n or self.n_agreements < self.rich:
            self.agreement()

    def concepts(self) -> None:
        self.blocks["concepts"].append(CONCEPTS)
        added = CONCEPTS.count("\n") - CONCEPTS.count("\n\n")
        self.count += added
        self.counts["concepts"] += added
        for slug, label, scheme, broader in CONCEPT_TABLE:
            pairs = [("a", "skos:Concept"), ("rdfs:label", f'"{label}"@en'), ("skos:prefLabel", f'"{label}"@en'),
                     ("skos:inScheme", f"scheme:{scheme}")]
            pairs.append(("skos:broader", f"concept:{broader}") if broader else ("skos:topConceptOf", f"scheme:{scheme}"))
            self.node("concepts", f"concept:{slug}", pairs)

    def make_sources(self) -> None:
        self.node("sources", "source:seed-article", [
            ("a", "pg:Source"), ("a", "schema:NewsArticle"),
            ("rdfs:label", '"Seed article: Japan and France set to commence negotiations on new security pact"@en'),
            ("dcterms:issued", '"2024-05"^^xsd:gYearMonth'),
            ("rdfs:comment", '"The founding source of the real dataset; in this synthetic world it stands for any news article."@en'),
        ])
        pool = []
        for i in range(self.n_sources):
            if i % 2:
                iri = f"source:synthetic-record-{i:06d}"
                self.node("sources", iri, [
                    ("a", "pg:Source"), ("rdfs:label", f'"Synthetic record {i}"@en'),
                    ("rdfs:comment", f'"An invented source without an address (record {i} of the generator)."@en'),
                ])
            else:
                url = f"https://example.org/pactgraph-synthetic/documents/{i:06d}.html"
                iri = f"<{url}>"
                pairs = [("a", "pg:Source"), ("rdfs:label", f'"Synthetic document {i}"@en')]
                pairs.append(("schema:url", iri) if i % 4 else ("schema:url", f'"{url}"^^xsd:anyURI'))
                self.node("sources", iri, pairs)
            pool.append(iri)
        self.source_pool = pool

    def regions(self) -> None:
        names = ["World Ocean", "Northern Hemisphere", "Southern Hemisphere", "Varen Sea", "Korbel Ocean",
                 "Ostral Basin", "Great Lun Archipelago", "Mirnav Strait", "Pelagic Rim", "Sal Plateau"]
        names += [f"{self.name(2)} Gulf" for _ in range(self.n_polities // 60)]
        self.region_slugs = []
        for i, name in enumerate(names):
            slug = self.unique("region", _slug(name))
            pairs = [("a", "pg:Region"), ("a", "pg:Place"), ("rdfs:label", f'"{name}"@en')]
            if i:
                pairs.append(("pg:liesIn", f"region:{self.region_slugs[self.rng.randrange(min(i, 3))]}"))
            pairs += self.sources()
            self.node("places", f"region:{slug}", pairs)
            self.region_slugs.append(slug)

    def polities(self) -> None:
        rng = self.rng
        n = self.n_polities
        n_coded = max(len(HUBS), min(676, n // 4))
        hub_codes = {h[3] for h in HUBS}
        codes = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 if a + b not in hub_codes]
        rng.shuffle(codes)
        numerics = [f"{i:03d}" for i in range(1000) if f"{i:03d}" not in {h[5] for h in HUBS}]
        rng.shuffle(numerics)
        self.polity = []  # (slug, name, name slug, capital city slug)
        for i in range(n):
            if i < len(HUBS):
                slug, name, nslug, a2, a3, num, city, cslug = HUBS[i]
            else:
                name = self.name(rng.randint(2, 3), _STATE_END)
                while _slug(name) in self.slugs or len(name) < 5:
                    name = self.name(rng.randint(2, 3), _STATE_END)
                self.slugs.add(_slug(name))
                a2 = codes[i - len(HUBS)] if i < n_coded else None
                slug = a2.lower() if a2 else _slug(name)
                nslug = _slug(name)
                a3 = (a2 + rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) if a2 else None
                num = numerics[i] if a2 else None
                city = self.name(2, ["ville", "grad", "polis", "burg", "haven", " City"])
                cslug = _slug(city)
            self.slugs.add(f"place:{slug}")
            cslug = self.unique("city", cslug)
            iri = f"place:{slug}"
            pairs = [("a", "pg:SovereignState"), ("a", "pg:Polity"), ("a", "pg:Place"),
                     ("rdfs:label", f'"{name}"@en')]
            if rng.random() < 0.3:
                pairs.append(("rdfs:label", f'"{name}"@fr'))
            if rng.random() < 0.1:
                pairs.append(("skos:altLabel", f'"Republic of {name}"@en'))
            if a2:
                pairs += [("pg:isoAlpha2", f'"{a2}"'), ("pg:isoAlpha3", f'"{a3}"'), ("pg:isoNumeric", f'"{num}"'),
                          ("pg:politicalStatus", "concept:sovereign-state")]
                if rng.random() < 0.5:
                    pairs.append(("pg:statusNote", '"Member of the United Nations (synthetic)"@en'))
            pairs.append(("pg:liesIn", f"region:{rng.choice(self.region_slugs)}"))
            if 0 < i < 40:
                pairs.append(("pg:hasDiplomaticRelationsWith", "place:jp"))
            qid = None
            if rng.random() < 0.6:
                qid = self.qid()
                pairs.append(("pg:wikidataEntity", qid))
            pairs += self.sources()
            offers = []
            if a2:
                offers.append(("bad-iso-code", iri, None))
            else:
                offers.append(("iso-slug-mismatch", iri, None))
            self.node("places", iri, pairs, offers)
            if qid:
                self.statement(f"{slug}-wikidata", f"Wikidata link of {name}", iri, "pg:wikidataEntity", qid,
                               medium=True)
            self.node("places", f"city:{cslug}", [
                ("a", "pg:City"), ("a", "pg:Place"), ("rdfs:label", f'"{city}"@en'), ("pg:liesIn", iri),
            ] + self.sources())
            self.polity.append((slug, name, nslug, cslug))
        self.n_coded = n_coded
        self.spare_codes = codes[n_coded - len(HUBS):]
        self.spare_numerics = numerics[n_coded:]

    def territories(self) -> None:
        """Territories: a third with ISO-like codes (dependent, special or disputed status), the rest without."""
        rng = self.rng
        count = max(4, self.n_polities // 4)
        ends = [" Islands", " Atoll", " Reef", " Island", " Bank", " Cays"]
        for i in range(count):
            name = self.name(2, ends)
            coded = i % 3 == 1 and self.spare_codes
            a2 = self.spare_codes.pop() if coded else None
            slug = a2.lower() if a2 else self.unique("place", _slug(name))
            if a2:
                self.slugs.add(f"place:{slug}")
            status = (rng.choice(("dependent-territory",) * 4 + ("special-status", "disputed-status"))
                      if a2 else None)
            sovereign = 1 if i < 3 else rng.randrange(self.n_polities)  # France holds a few
            s_slug, s_name = self.polity[sovereign][0], self.polity[sovereign][1]
            iri = f"place:{slug}"
            pairs = [("a", "pg:Territory"), ("a", "pg:Place"), ("rdfs:label", f'"{name}"@en')]
            if a2:
                pairs += [("pg:isoAlpha2", f'"{a2}"'), ("pg:isoAlpha3", f'"{a2}{rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"'),
                          ("pg:isoNumeric", f'"{self.spare_numerics.pop()}"'), ("pg:politicalStatus", f"concept:{status}")]
                if status != "dependent-territory":
                    pairs.append(("pg:statusNote", f'"Its status is {status.replace("-", " ")} (synthetic)."@en'))
            pairs.append(("pg:liesIn", f"region:{rng.choice(self.region_slugs)}"))
            self.node("places", iri, pairs + self.sources())
            start = rng.randint(DAY0 - 60 * YEAR, DAY_END - YEAR)
            if status in (None, "dependent-territory"):  # special and disputed entries: no sovereign recorded
                self.node("places", f"claim:{slug}-sovereignty", [
                    ("a", "pg:Sovereignty"), ("rdfs:label", f'"{s_name} sovereignty over {name}"@en'),
                    ("pg:territory", iri), ("pg:sovereign", f"place:{s_slug}"),
                    ("pg:territorialStatus", f"concept:{rng.choice(STATUSES)}"), ("pg:startDate", self.date(start)),
                ] + self.sources())
            if rng.random() < 0.4 or status in ("special-status", "disputed-status"):
                admin = self.polity[sovereign if rng.random() < 0.7 else rng.randrange(self.n_polities)]
                self.node("places", f"claim:{slug}-administration", [
                    ("a", "pg:Administration"), ("rdfs:label", f'"{admin[1]} administration of {name}"@en'),
                    ("pg:territory", iri), ("pg:administrator", f"place:{admin[0]}"),
                    ("pg:administrativeUnit", f'"{name} District"'),
                ] + self.sources())
            if rng.random() < 0.3 or status == "disputed-status":
                claimant = self.polity[rng.randrange(self.n_polities)]
                self.node("places", self.unique_iri("claim", f"{slug}-claim-{claimant[0]}"), [
                    ("a", "pg:TerritorialClaim"), ("rdfs:label", f'"{claimant[1]} claim to {name}"@en'),
                    ("pg:territory", iri), ("pg:claimant", f"place:{claimant[0]}"),
                    ("pg:nameUsed", f'"{name[:-1] if len(name) > 6 else name}a"@en'),
                ] + self.sources())

    def unique_iri(self, kind: str, slug: str) -> str:
        return f"{kind}:{self.unique(kind, slug)}"

    def organisations(self) -> None:
        rng = self.rng
        self.orgs = []
        for i in range(max(3, self.n_polities // 40)):
            name = f"Organisation for {self.name(2)} Cooperation"
            slug = self.unique("org", _slug(name))
            pairs = [("a", "pg:InternationalOrganisation"), ("rdfs:label", f'"{name}"@en')]
            if rng.random() < 0.5:
                pairs.append(("pg:wikidataEntity", self.qid()))
            self.node("organisations", f"org:{slug}", pairs + self.sources())
            self.orgs.append((slug, name))
        for p_slug, p_name, _, _ in self.polity:
            for org_slug, org_name in rng.sample(self.orgs, rng.randint(1, min(2, len(self.orgs)))):
                self.node("organisations", f"membership:{p_slug}-{org_slug}", [
                    ("a", "pg:Membership"), ("rdfs:label", f'"{p_name} in the {org_name}"@en'),
                    ("pg:member", f"place:{p_slug}"), ("pg:organisation", f"org:{org_slug}"),
                    ("pg:startDate", self.date(rng.randint(DAY0, DAY_END))),
                ] + self.sources())

    def people(self) -> None:
        """Three offices per state, each a chain of terms from 1950 to now."""
        rng = self.rng
        self.heads = []  # per polity: list of (start day, end day, person IRI, person name)
        offices = [("prime-minister", "Prime Minister"), ("foreign-minister", "Minister for Foreign Affairs"),
                   ("head-of-state", "Head of State")]
        for i, (p_slug, p_name, nslug, _) in enumerate(self.polity):
            heads = []
            for o_slug, o_label in offices[:3 if i < len(HUBS) else 2]:
                office_slug = self.unique("office", f"{o_slug}-of-{nslug}")
                office = f"office:{office_slug}"
                self.node("people", office, [
                    ("a", "pg:Office"), ("rdfs:label", f'"{o_label} of {p_name}"@en'), ("pg:officeOf", f"place:{p_slug}"),
                ] + self.sources(), [("missing-english-label", office, None)])
                day = DAY_END - self.term_years * YEAR - rng.randint(0, 3 * YEAR)
                holders = []
                while day < DAY_END:
                    length = rng.randint(2 * YEAR, 8 * YEAR)
                    end = day + length
                    if holders and rng.random() < 0.12 and len(holders) > 1:
                        person, person_name = holders[rng.randrange(len(holders) - 1)]
                    else:
                        person_name = f"{rng.choice(_GIVEN)} {self.name(rng.randint(2, 3))}"
                        person = f"person:{self.unique('person', _slug(person_name))}"
                        pairs = [("a", "pg:Person"), ("rdfs:label", f'"{person_name}"@en')]
                        qid = self.qid() if rng.random() < 0.3 else None
                        if qid:
                            pairs.append(("pg:wikidataEntity", qid))
                        src = self.sources()
                        offers = [("missing-source", person, None)] if len(src) == 1 else []
                        self.node("people", person, pairs + src, offers)
                        if qid:
                            self.statement(f"{person[7:]}-wikidata", f"Wikidata link of {person_name}", person,
                                           "pg:wikidataEntity", qid, medium=True)
                    holders.append((person, person_name))
                    start_lit = self.date(day)
                    term = self.unique_iri("term", f"{person[7:]}-{office_slug}-{start_lit[1:5]}")
                    pairs = [("a", "pg:OfficeTerm"),
                             ("rdfs:label", f'"{person_name} as {o_label} of {p_name}, from {start_lit[1:5]}"@en'),
                             ("pg:holder", person), ("pg:office", office), ("pg:startDate", start_lit)]
                    ongoing = end >= DAY_END
                    if not ongoing:
                        pairs.append(("pg:endDate", self.date(end - 1)))
                    self.node("people", term, pairs + self.sources(),
                              [] if ongoing else [("end-before-start", term, int(start_lit[1:5]))])
                    if o_slug == "prime-minister":
                        heads.append((day, end - 1, person, person_name))
                    day = end
            self.heads.append(heads)

    def head_on(self, polity: int, day: int):
        for start, end, person, name in self.heads[polity]:
            if start <= day <= end:
                return person, name
        return self.heads[polity][-1][2:]

    def conferences(self) -> None:
        rng = self.rng
        self.conference_events = []
        for org_slug, org_name in self.orgs:
            for year in sorted(rng.sample(range(1990, 2026), 6 if self.n_polities >= 20 else 2)):
                day = self._d(year, rng.randint(1, 12), rng.randint(1, 28)).toordinal()
                host = rng.randrange(self.n_polities)
                iri = f"event:{org_slug}-conference-{year}"
                self.node("events", iri, [
                    ("a", "pg:Conference"), ("a", "pg:DiplomaticEvent"),
                    ("rdfs:label", f'"{org_name} ministerial conference {year}"@en'),
                    ("pg:startDate", self.date(day, 0)), ("pg:endDate", self.date(day + rng.randint(1, 3), 0)),
                    ("pg:hostedBy", f"org:{org_slug}"), ("pg:chair", f"place:{self.polity[host][0]}"),
                    ("pg:viceChair", f"place:{self.polity[rng.randrange(self.n_polities)][0]}"),
                    ("pg:theme", f'"Shared prosperity in {year}"@en'),
                    ("pg:location", f"city:{self.polity[host][3]}"),
                ] + self.sources())
                self.conference_events.append((iri, day, org_slug))

    def trips(self) -> None:
        """One trip per state's head of government: departure, visits (each with a meeting), return."""
        rng = self.rng
        for i, (p_slug, p_name, _, cslug) in enumerate(self.polity):
            if i == 0:
                start, slug = self._d(2024, 5, 1).toordinal(), "kishida-trip-2024"
            else:
                start = rng.randint(DAY0 + 40 * YEAR, DAY_END - 20)
                slug = f"{p_slug}-trip-{self._d.fromordinal(start).year}"
            slug = self.unique("event", slug)
            trip = f"event:{slug}"
            days = rng.randint(3, 10)
            person, person_name = self.head_on(i, start)
            pairs = [("a", "pg:Trip"), ("a", "pg:DiplomaticEvent"),
                     ("rdfs:label", f'"{person_name}\'s trip abroad, {self._d.fromordinal(start).isoformat()[:7]}"@en'),
                     ("pg:startDate", self.date(start, 0)), ("pg:endDate", self.date(start + days - 1, 0)),
                     ("pg:durationDays", f'"{days}"^^xsd:integer'), ("pg:hasParticipant", person)]
            golden = i == 0 or rng.random() < 0.1
            if golden:
                pairs.append(("pg:coincidesWith", "concept:golden-week"))
            self.node("events", trip, pairs + self.sources(0.3))
            if golden:
                self.statement(f"{slug}-coincides-with-golden-week", "The trip coincided with Golden Week",
                               trip, "pg:coincidesWith", "concept:golden-week", seed=True,
                               excerpt="coinciding with the Golden Week holiday period")
            self.travel(f"{slug}-departure", f"{person_name} departs {p_name}", start, trip, cslug, person)
            day = start
            for leg in range(rng.randint(1, 3)):
                other = rng.randrange(self.n_polities)
                if other == i:
                    continue
                o_slug, o_name, _, o_city = self.polity[other]
                visit = self.unique_iri("event", f"{slug}-visit-{o_slug}")
                self.node("events", visit, [
                    ("a", "pg:Visit"), ("a", "pg:DiplomaticEvent"),
                    ("rdfs:label", f'"{person_name}\'s visit to {o_name}"@en'),
                    ("pg:startDate", self.date(day, 0 if rng.random() < 0.8 else 1)), ("pg:isPartOf", trip),
                    ("pg:visitedPlace", f"place:{o_slug}"), ("pg:location", f"city:{o_city}"),
                    ("pg:hasParticipant", person),
                ] + self.sources(0.3))
                host, host_name = self.head_on(other, day)
                hour = rng.randint(8, 19)
                meeting = self.unique_iri("event", f"{slug}-meeting-{o_slug}")
                self.node("events", meeting, [
                    ("a", "pg:Meeting"), ("a", "pg:DiplomaticEvent"),
                    ("rdfs:label", f'"Meeting of {person_name} and {host_name}"@en'),
                    ("pg:startDate", self.date(day, 0)),
                    ("pg:startTime", f'"{self._d.fromordinal(day).isoformat()}T{hour:02d}:00:00{_offset(rng.randint(0, 9))}"^^xsd:dateTime'),
                    ("pg:isPartOf", visit), ("pg:location", f"city:{o_city}"),
                    ("pg:hasParticipant", person), ("pg:hasParticipant", host),
                    ("pg:hasParticipant", f"place:{p_slug}"), ("pg:hasParticipant", f"place:{o_slug}"),
                ] + self.sources(0.3))
                if rng.random() < 0.3 and self.conference_events:
                    conf, _, org = rng.choice(self.conference_events)
                    topic = rng.choice(TOPICS)
                    speech = self.unique_iri("event", f"{slug}-speech-{leg + 1}")
                    self.node("events", speech, [
                        ("a", "pg:Speech"), ("a", "pg:DiplomaticEvent"),
                        ("rdfs:label", f'"Speech by {person_name} in {o_name}"@en'),
                        ("pg:startDate", self.date(day, 0)), ("pg:isPartOf", visit), ("pg:speaker", person),
                        ("pg:atEvent", conf), ("pg:hostedBy", f"org:{org}"), ("pg:hasTopic", f"concept:{topic}"),
                    ] + self.sources(0.3))
                    self.statement(f"{speech[6:]}-topic-{topic}", f"Topic of the speech by {person_name}",
                                   speech, "pg:hasTopic", f"concept:{topic}")
                day += rng.randint(1, 2)
            self.travel(f"{slug}-return", f"{person_name} returns to {p_name}", max(day, start + days - 1), trip,
                        cslug, person)

    def travel(self, slug, label, day, trip, city, person) -> None:
        iri = self.unique_iri("event", slug)
        src = self.sources(0.0)
        self.node("events", iri, [
            ("a", "pg:Travel"), ("a", "pg:DiplomaticEvent"), ("rdfs:label", f'"{label}"@en'),
            ("pg:startDate", self.date(day, 0)), ("pg:isPartOf", trip), ("pg:location", f"city:{city}"),
            ("pg:hasParticipant", person),
        ] + src, [("source-not-typed", iri, None)])

    def statement(self, slug, label, s, p, o, medium=False, seed=False, excerpt=None) -> None:
        iri = self.unique_iri("stmt", slug)
        pairs = [("a", "rdf:Statement"), ("rdfs:label", f'"{label}"@en'),
                 ("rdf:subject", s), ("rdf:predicate", p), ("rdf:object", o)]
        if medium:
            pairs.append(("pg:confidence", "concept:medium-confidence"))
        if excerpt:
            pairs.append(("pg:excerpt", f'"{excerpt}"'))
        pairs += [("prov:wasDerivedFrom", "source:seed-article")] if seed else self.sources(0.0)
        self.node("statements", iri, pairs)

    # --- agreements and their acts ----------------------------------------------------------------

    def agreement(self) -> None:
        rng = self.rng
        n = self.n_polities
        i = self.n_agreements
        self.n_agreements += 1
        rich = i < self.rich
        abbr, type_name, classes = AGREEMENT_TYPES[i % len(AGREEMENT_TYPES) if rich else rng.randrange(len(AGREEMENT_TYPES))]
        multilateral = (i % 4 == 3) if rich else rng.random() < 0.12
        size = rng.randint(3, min(8, n)) if multilateral else 2
        parties = []
        if rng.random() < 0.2:
            parties.append(0)  # Japan, the dataset's hub
        elif rng.random() < 0.1:
            parties.append(rng.randrange(1, 3))
        while len(parties) < size:
            p = rng.randrange(n)
            if p not in parties:
                parties.append(p)
        names = [self.polity[p][1] for p in parties]
        slugs = [self.polity[p][0] for p in parties]

        # The lifecycle, as days in order; stop where the next step would be after the end of 2025.
        day = rng.randint(DAY0 + 5 * YEAR, DAY_END - (12 * YEAR if rich else 30))
        plan = [("negotiation-launch", "NegotiationLaunch", day, None)]
        for r in range(rng.choice((1, 2)) if rich else rng.choice((0, 0, 1, 2, 3))):
            day += rng.randint(20, 200)
            plan.append((f"negotiation-round-{r + 1}", "NegotiationRound", day, None))
        if rng.random() < 0.4 or rich:
            day += rng.randint(20, 300)
            plan.append(("agreement-in-principle", "AgreementInPrinciple", day, None))
        full = multilateral and (i % 8 == 7 if rich else rng.random() < 0.5)  # each party signs on its own day
        stage = 0.3 + 0.45 * rng.random() if rich else rng.random()
        if stage > 0.12:  # signed
            day += rng.randint(10, 400)
            if full:
                for p in parties:
                    plan.append((f"signature-{self.polity[p][0]}", "Signature", day + rng.randint(0, 60), p))
                day += 60
            else:
                plan.append(("signature", "Signature", day, None))
            sign_day = day
            if stage > 0.22:  # ratified and in force
                last = day
                for p in parties if (full or not multilateral) else []:
                    r_day = max(sign_day, next((d for _, t, d, a in plan if t == "Signature" and a == p), sign_day))
                    r_day += rng.randint(20, 500)
                    plan.append((f"ratification-{self.polity[p][0]}", "Ratification", r_day, p))
                    last = max(last, r_day)
                day = last
                if not multilateral and rng.random() < 0.5:
                    day += rng.randint(1, 60)
                    plan.append(("exchange-of-notes", "ExchangeOfNotes", day, None))
                day += rng.randint(1, 120)
                plan.append(("entry-into-force", "EntryIntoForce", day, None))
                if stage > 0.8:
                    day += rng.randint(2 * YEAR, 25 * YEAR)
                    plan.append(("termination", "Termination", day, None))
        while plan and plan[-1][2] > DAY_END:
            plan.pop()
        if not plan:
            return
        plan.sort(key=lambda step: step[2])
        year = self._d.fromordinal(plan[0][2]).year
        label_year = year

        head = "-".join(slugs[:3]) + ("-and-others" if len(slugs) > 3 else "")
        slug = self.unique("agreement", f"{head}-{abbr}-{year}")
        iri = f"agreement:{slug}"
        label = (f"{'–'.join(names)} {type_name} ({label_year})" if not multilateral else
                 f"{type_name} of {names[0]}, {names[1]} and {len(names) - 2} other states ({label_year})")
        pairs = [("a", f"pg:{c}") for c in classes]
        pairs.append(("a", "pg:MultilateralAgreement" if multilateral else "pg:BilateralAgreement"))
        pairs.append(("rdfs:label", f'"{label}"@en'))
        if rng.random() < 0.5:
            pairs.append(("pg:officialName", f'"{type_name} between {" and ".join(names[:3])}"@en'))
            if rng.random() < 0.2:
                pairs.append(("pg:officialName", f'"Accord entre {" et ".join(names[:3])}"@fr'))
        pairs += [("pg:hasParty", f"place:{s}") for s in slugs]
        facilities = rng.sample(FACILITIES, rng.choice((0, 1, 1, 2))) if "SecurityAgreement" in classes else []
        pairs += [("pg:facilitates", f"concept:{f}") for f in facilities]
        citation = rng.random() < 0.15 and any(t == "EntryIntoForce" for _, t, _, _ in plan)
        if citation:
            pairs.append(("pg:treatySeriesCitation", f'"{rng.randint(100, 3000)} U.N.T.S. {rng.randint(1, 900)}"'))
        replaced = None
        if rng.random() < 0.06 and self.replaceable:
            replaced = self.replaceable.pop()
            pairs.append(("pg:replaces", replaced))
        src = self.sources(0.15, 3)
        pairs += src
        offers = []
        if not multilateral:
            offers.append(("bilateral-three-parties", slug, None))
        elif not full:
            offers.append(("multilateral-two-parties", slug, None))
        self.node("agreements", iri, pairs, offers)
        for f in facilities:
            if rng.random() < 0.4:
                self.statement(f"{slug}-facilitates-{f}", f"The {label} facilitates {f.replace('-', ' ')}",
                               iri, "pg:facilitates", f"concept:{f}", seed=True,
                               excerpt=f"an agreement aimed at facilitating {f.replace('-', ' ')}")
        if replaced:
            self.statement(f"{slug}-replaces", f"The {label} replaced an earlier agreement", iri, "pg:replaces",
                           replaced, medium=True)

        # acts
        by_type = {}
        sign_plain = any(t == "Signature" and a is None for _, t, _, a in plan)
        for act_slug, act_type, d, actor in plan:
            a_iri = f"act:{slug}-{act_slug}"
            precision = None
            occasion = None
            if act_type == "Signature" and not multilateral and rng.random() < 0.3:
                occasion = self.signing_meeting(slug, label, parties, d, a_iri)
                precision = 0
            lit = self.date(d, precision)
            words = act_slug.replace("-", " ")
            act_pairs = [("a", f"pg:{act_type}"), ("a", "pg:AgreementAct"),
                         ("rdfs:label", f'"{words[0].upper()}{words[1:]} of the {label}"@en'),
                         ("pg:actOn", iri), ("pg:date", lit)]
            if act_type == "NegotiationRound" and lit.endswith("xsd:date") and rng.random() < 0.5:
                act_pairs.append(("pg:endDate", self.date(d + rng.randint(1, 4), 0)))
            if actor is not None:
                act_pairs.append(("pg:actor", f"place:{self.polity[actor][0]}"))
            if occasion:
                act_pairs += [("pg:place", f"city:{self.polity[parties[1]][3]}"), ("pg:occasion", occasion)]
            if rng.random() < 0.08:
                act_pairs.append(("pg:confidence", "concept:medium-confidence"))
            act_src = self.sources(0.05)
            act_pairs += act_src
            offers = []
            if act_type in ("AgreementInPrinciple", "ExchangeOfNotes"):
                offers.append(("ill-formed-date", slug, None))
            elif act_type == "EntryIntoForce" and not multilateral and sign_plain:
                sign_day = next(dd for _, t, dd, _ in plan if t == "Signature")
                offers.append(("eif-before-signature", slug, self._d.fromordinal(sign_day).year))
            elif act_type == "Ratification" and not multilateral:
                offers.append(("actor-not-party", slug, parties))
            elif act_type == "NegotiationRound" and all(p[1] != "source:seed-article" for p in act_src):
                offers.append(("excerpt-not-from-seed", slug, None))
            self.node("acts", a_iri, act_pairs, offers)
            by_type[act_type] = (a_iri, d)

        if "EntryIntoForce" in by_type and rng.random() < 0.3:
            self.replaceable.append(iri)
        if plan[-1][1] in ("NegotiationLaunch", "NegotiationRound", "AgreementInPrinciple") and rng.random() < 0.3:
            intended = min(DAY_END, plan[-1][2] + rng.randint(30, 400))
            announcer = parties[0]
            self.node("agreements", f"intention:{slug}-signature", [
                ("a", "pg:Intention"), ("rdfs:label", f'"Announced intention to sign the {label}"@en'),
                ("pg:intendedActType", "pg:Signature"), ("pg:actOn", iri), ("pg:intendedDate", self.date(intended)),
                ("pg:announcedBy", f"place:{self.polity[announcer][0]}"),
            ] + self.sources(0.3))
        if rng.random() < 0.05:
            claimant = parties[rng.randrange(len(parties))]
            self.node("agreements", f"claim:{slug}-status", [
                ("a", "pg:AttributedClaim"), ("rdfs:label", f'"Status of the {label}, as reported"@en'),
                ("pg:claimText", f'"An official of {self.polity[claimant][1]} said the agreement was progressing."@en'),
                ("pg:about", iri), ("pg:claimant", f"place:{self.polity[claimant][0]}"),
            ] + self.sources())

    def signing_meeting(self, slug, label, parties, day, act) -> str:
        rng = self.rng
        iri = f"event:{slug}-signing-meeting"
        a, b = parties[0], parties[1]
        pa, pa_name = self.head_on(a, day)
        pb, pb_name = self.head_on(b, day)
        self.node("events", iri, [
            ("a", "pg:Meeting"), ("a", "pg:DiplomaticEvent"),
            ("rdfs:label", f'"Summit of {pa_name} and {pb_name} at which the {label} was signed"@en'),
            ("pg:startDate", self.date(day, 0)), ("pg:location", f"city:{self.polity[b][3]}"),
            ("pg:hasParticipant", pa), ("pg:hasParticipant", pb),
            ("pg:hasParticipant", f"place:{self.polity[a][0]}"), ("pg:hasParticipant", f"place:{self.polity[b][0]}"),
            ("pg:resultedIn", act),
        ] + self.sources(0.2))
        return iri

    # --- faults ------------------------------------------------------------------------------------

    def inject_faults(self) -> list[dict]:
        """Pick K candidates of each kind (no agreement touched twice) and break each one."""
        if not self.k:
            return []
        used: set = set()
        injected = []
        for kind, (shapes, why) in FAULT_KINDS.items():
            picked = 0
            for doc, idx, subject, pairs, key, extra in self.reservoir[kind]:
                if picked == self.k:
                    break
                if subject in used or key in used:
                    continue
                new_pairs = _BREAK[kind](self, list(pairs), extra)
                self.blocks[doc][idx] = _block(subject, new_pairs)
                delta = len(new_pairs) - len(pairs)
                self.count += delta
                self.counts[doc] += delta
                used.update((subject, key))
                picked += 1
                injected.append({"kind": kind, "focus": _expand(subject), "shape": PGSH + shapes[0],
                                 "shapes": [PGSH + x for x in shapes], "file": f"{doc}.ttl", "why": why,
                                 "_block": (doc, idx)})
            if picked < self.k:
                raise ValueError(f"only {picked} candidate(s) for fault kind {kind!r}; "
                                 f"use fewer --faults or more --triples")
        return injected

    def write(self, out: Path, injected: list[dict]) -> dict[str, int]:
        lines_at = {}
        for fault in injected:
            lines_at.setdefault(fault["_block"], []).append(fault)
        sizes = {}
        for name, about in FILES.items():
            header = (f"{MARKER} — {about}.\n"
                      f"# GENERATED by `pactgraph generate --triples {self.target} --seed {self.seed}"
                      f"{f' --faults {self.k}' if self.k else ''}`: invented, not real facts.\n\n"
                      + "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES) + "\n")
            parts = [header]
            line = header.count("\n") + 1
            for idx, block in enumerate(self.blocks[name]):
                for fault in lines_at.get((name, idx), ()):
                    fault["line"] = line
                parts.append(block)
                line += block.count("\n")
            data = "".join(parts).encode("utf-8")
            (out / f"{name}.ttl").write_bytes(data)
            sizes[f"{name}.ttl"] = len(data)
        for fault in injected:
            del fault["_block"]
        return sizes


def _block(subject: str, pairs: list) -> str:
    return subject + " " + " ;\n    ".join(f"{p} {o}" for p, o in pairs) + " .\n\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _expand(curie: str) -> str:
    if curie.startswith("<"):
        return curie[1:-1]
    prefix, _, local = curie.partition(":")
    return dict(PREFIXES)[prefix] + local


# --- how each fault kind breaks a node --------------------------------------------------------------


def _break_date(world, pairs, extra):
    return [(p, f'"{o[1:5]}-13-45"^^xsd:date' if p == "pg:date" else o) for p, o in pairs]


def _break_eif(world, pairs, sig_year):
    return [(p, f'"{sig_year - 2}-01-15"^^xsd:date' if p == "pg:date" else o) for p, o in pairs]


def _third_party(world, pairs, extra):
    have = {o for p, o in pairs if p == "pg:hasParty"}
    other = next(f"place:{s}" for s, *_ in world.polity if f"place:{s}" not in have)
    i = max(i for i, (p, _) in enumerate(pairs) if p == "pg:hasParty")
    return pairs[:i + 1] + [("pg:hasParty", other)] + pairs[i + 1:]


def _two_parties(world, pairs, extra):
    seen = 0
    out = []
    for p, o in pairs:
        if p == "pg:hasParty":
            seen += 1
            if seen > 2:
                continue
        out.append((p, o))
    return out


def _no_source(world, pairs, extra):
    return [(p, o) for p, o in pairs if p != "prov:wasDerivedFrom"]


def _untyped_source(world, pairs, extra):
    kept = [(p, o) for p, o in pairs if p != "prov:wasDerivedFrom"]
    return kept + [("prov:wasDerivedFrom", "region:world-ocean")]


def _german_label(world, pairs, extra):
    return [(p, o.replace('"@en', '"@de') if p == "rdfs:label" else o) for p, o in pairs]


def _lower_alpha3(world, pairs, extra):
    return [(p, o.lower() if p == "pg:isoAlpha3" else o) for p, o in pairs]


def _slug_mismatch(world, pairs, extra):
    i = next(i for i, (p, _) in enumerate(pairs) if p == "rdfs:label")
    entry = [("pg:isoAlpha2", '"QZ"'), ("pg:isoAlpha3", '"QZX"'), ("pg:isoNumeric", '"999"'),
             ("pg:politicalStatus", "concept:sovereign-state")]
    return pairs[:i + 1] + entry + pairs[i + 1:]


def _foreign_actor(world, pairs, parties):
    outsider = next(f"place:{world.polity[i][0]}" for i in range(world.n_polities) if i not in parties)
    return [(p, outsider if p == "pg:actor" else o) for p, o in pairs]


def _end_before_start(world, pairs, extra):
    return [(p, f'"{extra - 3}"^^xsd:gYear' if p == "pg:endDate" else o) for p, o in pairs]


def _excerpt(world, pairs, extra):
    i = next(i for i, (p, _) in enumerate(pairs) if p == "pg:date")
    return pairs[:i + 1] + [("pg:excerpt", '"talks went on late into the night"')] + pairs[i + 1:]


_BREAK = {
    "ill-formed-date": _break_date,
    "eif-before-signature": _break_eif,
    "bilateral-three-parties": _third_party,
    "multilateral-two-parties": _two_parties,
    "missing-source": _no_source,
    "source-not-typed": _untyped_source,
    "missing-english-label": _german_label,
    "bad-iso-code": _lower_alpha3,
    "iso-slug-mismatch": _slug_mismatch,
    "actor-not-party": _foreign_actor,
    "end-before-start": _end_before_start,
    "excerpt-not-from-seed": _excerpt,
}


# ---------------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------------

#: Below about 4,000 the world comes out larger than asked: every agreement type, arity and act appears
#: at least once (24 agreements), with six states and their people and events.
MIN_TRIPLES = 3000


def generate(out_dir: Path, triples: int, seed: int = 1, faults: int = 0) -> dict:
    """Write the world into `out_dir` (created if needed) and return the manifest written to faults.json.

    Raises ValueError for arguments that cannot be met (too few triples, too many faults) and
    FileExistsError if `out_dir` holds Turtle files that this generator did not write.
    """
    if triples < MIN_TRIPLES:
        raise ValueError(f"--triples must be at least {MIN_TRIPLES} (got {triples})")
    if faults < 0:
        raise ValueError("--faults must be 0 or more")
    check_size(triples, out_dir)
    import json

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder")
    foreign = [p.name for p in sorted(out_dir.glob("*.ttl"))
               if not p.read_bytes()[:len(MARKER.encode())] == MARKER.encode()] if out_dir.is_dir() else []
    if foreign:
        raise FileExistsError(f"{out_dir} holds Turtle files that 'pactgraph generate' did not write "
                              f"({', '.join(foreign[:3])}); choose an empty or generated folder")
    world = _World(triples, seed, faults)
    world.build()
    injected = world.inject_faults()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.ttl"):  # earlier output with other file names
        if stale.stem not in FILES:
            stale.unlink()
    sizes = world.write(out_dir, injected)
    manifest = {
        "generator": "pactgraph generate",
        "seed": seed,
        "triples_requested": triples,
        "triples": world.count,
        "files": {f"{name}.ttl": {"triples": world.counts[name], "bytes": sizes[f"{name}.ttl"]} for name in FILES},
        "faults_per_kind": faults,
        "fault_kinds": {kind: [PGSH + x for x in shapes] for kind, (shapes, _) in FAULT_KINDS.items()},
        "faults": sorted(injected, key=lambda f: (f["kind"], f["focus"])),
    }
    (out_dir / "faults.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def add_arguments(parser) -> None:
    parser.add_argument("--triples", "-n", required=True, metavar="N",
                        help="about how many triples to write (e.g. 10k, 1M; at least 3000, and small worlds come out near 3,500)")
    parser.add_argument("--seed", "-s", type=int, default=1, help="random seed (same seed, same bytes; default 1)")
    parser.add_argument("--out", "-o", type=Path, required=True, metavar="DIR",
                        help="output data folder (usable as `pactgraph build --data DIR`)")
    parser.add_argument("--faults", "-k", type=int, default=0, metavar="K",
                        help=f"inject K faults of each of {len(FAULT_KINDS)} kinds, listed in DIR/faults.json")


def run(project, args) -> int:
    import time

    from .errors import InputError

    try:
        triples = parse_count(args.triples)
        started = time.perf_counter()
        manifest = generate(args.out, triples, args.seed, args.faults)
    except (ValueError, FileExistsError) as err:
        raise InputError(str(err)) from None
    seconds = time.perf_counter() - started
    faults = (f"; {len(manifest['faults'])} faults ({args.faults} of each of {len(FAULT_KINDS)} kinds)"
              if args.faults else "")
    print(f"wrote {manifest['triples']} triples in {len(manifest['files'])} files to {args.out}{faults} "
          f"in {seconds:.2f} s; manifest: {Path(args.out) / 'faults.json'}")
    return 0
