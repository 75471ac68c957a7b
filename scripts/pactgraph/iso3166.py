"""Generate data/iso3166.ttl: every ISO 3166-1 entry as a place, classified and sourced.

    python -m pactgraph.iso3166 --out data/iso3166.ttl

Inputs (see docs/iso3166.md):

* the installed ``pycountry`` package, pinned to PYCOUNTRY_VERSION: codes, English names and the
  gettext translations of the names (the package is itself the source of these, modelled as
  ``pgid:source/pycountry-26-2-16``);
* ``data/territories.csv``: one curated row per ISO entry with its political classification, the
  sovereign of a dependent territory, a status note, its sources and their confidence, and an
  English label where the project's label differs from pycountry's;
* ``data/wikidata-ids.csv``: Wikidata items confirmed by public sources;
* ``data/places.ttl`` (a colleague's curated file), read only to check that the two files agree
  (English labels, curated pg:Sovereignty nodes, Wikidata items, ISO codes). It never changes the
  output, so the output depends on the three inputs above only.

The output is deterministic: a fixed layout, nodes sorted by IRI, objects sorted, no clock time.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .errors import InputError
from .namespaces import PG, PGID, WD

#: The generator's behaviour (names, translations, code list) is pinned to this pycountry release.
PYCOUNTRY_VERSION = "26.2.16"

PLACE = PGID + "place/"

PYCOUNTRY_SOURCE = "source:pycountry-26-2-16"
PYCOUNTRY_URL = f"https://pypi.org/project/pycountry/{PYCOUNTRY_VERSION}/"

#: pycountry locale -> BCP 47 language tag of the label.
LANGUAGES = (
    ("ja", "ja"),
    ("fr", "fr"),
    ("zh_CN", "zh-Hans"),
    ("zh_TW", "zh-Hant"),
    ("ko", "ko"),
    ("de", "de"),
    ("es", "es"),
)

CURATED_NOTE = "curated in places.ttl"

#: classification -> (political-status concept, allowed node classes)
CLASSIFICATIONS = {
    "sovereign-state": ("sovereign-state", {"SovereignState"}),
    "territory": ("dependent-territory", {"Territory"}),
    "special": ("special-status", {"Polity", "Territory"}),
    "disputed": ("disputed-status", {"Polity", "Territory"}),
}

#: node class -> the rdf:types written (most specific first), as in data/places.ttl.
NODE_TYPES = {
    "SovereignState": ("SovereignState", "Polity", "Place"),
    "Territory": ("Territory", "Place"),
    "Polity": ("Polity", "Place"),
}

CLASS_LABELS = {"SovereignState": "sovereign state", "Territory": "territory", "Polity": "polity"}

#: The political-status scheme: slug -> (label, definition).
STATUS_CONCEPTS = {
    "sovereign-state": (
        "sovereign state",
        "An entry whose sources list it as an independent state; all but one of these are members of the United Nations.",
    ),
    "dependent-territory": (
        "dependent territory",
        "An entry whose sources list it as a territory, part or dependency of a sovereign state, recorded with a sovereignty node.",
    ),
    "special-status": (
        "special status",
        "An entry whose sources give it neither independence nor a single sovereign state, such as an area held under an international arrangement, a state in free association with another, or a Crown Dependency (a dependency of the British Crown that is not part of the United Kingdom); no sovereign is recorded.",
    ),
    "disputed-status": (
        "disputed status",
        "An entry whose statehood or sovereignty is contested; the graph records what its sources say about the dispute and takes no side.",
    ),
}

#: Public GitHub files seen through the project's search index, whose repository address the index
#: did not show: they are cited as ``github-index:<file id>`` in the CSV files.
INDEX_FILES = {
    "36504206233": "A public GitHub Python module that lists the 193 member states of the United Nations by English name (file id 36504206233 in the search index; repository address not shown).",
    "4573066330": "A public GitHub JavaScript bundle mapping Wikidata items to ISO 3166-1 alpha-2 codes for countries and territories (file id 4573066330 in the search index; repository address not shown).",
    "65829310204": "A public GitHub Markdown progress table listing countries and territories with their Wikidata item and ISO 3166-1 alpha-2 code (file id 65829310204 in the search index; repository address not shown).",
    "54075088802": "A public GitHub Python file mapping Chinese place names to Wikidata items, including Hong Kong (Q8646) and Macau (Q14773) (file id 54075088802 in the search index; repository address not shown).",
    "6521218648": "A public GitHub XSLT stylesheet that maps Wikidata entity IRIs to ISO 3166-1 alpha-2 codes (file id 6521218648 in the search index; repository address not shown).",
    "9611691661": "A public GitHub data table listing countries and territories with their ISO 3166-1 alpha-2 code and Wikidata item (file id 9611691661 in the search index; repository address not shown).",
    "19734770620": "A public GitHub file mapping ISO 3166-1 alpha-2 codes to Wikidata items (file id 19734770620 in the search index; repository address not shown).",
    "68451875780": "A public GitHub source file listing Caribbean countries and territories with their name, Wikidata item and ISO 3166-1 alpha-2 code (file id 68451875780 in the search index; repository address not shown).",
    "54501531758": "A public GitHub Python mapping of country names to Wikidata items that keeps the Netherlands (Q55) apart from the Kingdom of the Netherlands (Q29999) (file id 54501531758 in the search index; repository address not shown).",
    "57484319454": "A public GitHub TypeScript mapping of ISO 3166-1 alpha-2 codes to Wikidata items that gives, for NL, the Netherlands (Q55) and the Kingdom of the Netherlands (Q29999) as two items (file id 57484319454 in the search index; repository address not shown).",
}

#: Sovereign states without an ISO 3166-1 code that data/territories.csv may name as a sovereign
#: (column sovereign_alpha2): slug under id/place/ -> English label. Each is declared, with that
#: label and its sources, in data/sovereignty.ttl (the generator checks it there).
NON_ISO_SOVEREIGNS = {
    "kingdom-of-the-netherlands": "Kingdom of the Netherlands",
}

#: English labels of the external sources this file declares (by their address, docs/model.md). A
#: source address used in the CSV files but not listed here must be declared in data/sources.ttl
#: (the generator checks it there and does not declare it again).
SOURCE_LABELS = {
    "https://github.com/datasets/country-codes/blob/060e8c02fc8d9281a294669b89a0e50b5164abd4/data/country-codes.csv":
        "datasets/country-codes on GitHub: data/country-codes.csv (commit 060e8c0)",
    "https://github.com/rapideditor/country-coder/blob/0143decc15b3581fa95b8330cb6d7673f23dff3b/src/data/borders.json":
        "rapideditor/country-coder on GitHub: src/data/borders.json (commit 0143dec)",
    "https://www.iplocate.com/en/resources/countries/dependent-territories":
        "IPLocate: list of dependent territories",
    "https://simple.m.wikipedia.org/wiki/U.S._territory": "Simple English Wikipedia: U.S. territory",
    "https://factsabouttheunitedstates.com/wiki/U.S._Territories": "Facts about the United States: U.S. Territories",
    "https://www.bbc.co.uk/news/world-africa-14115273": "BBC News: Western Sahara profile",
    "https://www.liquisearch.com/political_status_of_taiwan":
        "LiquiSearch mirror of the encyclopaedia article on the political status of Taiwan",
    "http://wiki.richxsearch.com/view_html.php?lang=en&q=Political_status_of_Taiwan&sq=John+McAfee":
        "richxsearch mirror of the encyclopaedia article on the political status of Taiwan",
    "https://www.opened-source.com/united-nations/blog-post-title-three-y3peb-4lwnz-5pkhf-e4byr":
        "Opened Source: the status of Palestine in the United Nations system (December 2025)",
    "https://en.wikipedia.org/wiki/Falkland_Islands_sovereignty_dispute":
        "Wikipedia: Falkland Islands sovereignty dispute",
    "https://experts123.com/q/what-are-the-falkland-islands.html": "experts123: What are the Falkland Islands?",
    "https://en.wikipedia.org/wiki/Chagos_Archipelago_sovereignty_dispute":
        "Wikipedia: Chagos Archipelago sovereignty dispute",
    "https://londondaily.com/key-facts-of-the-uk-mauritius-chagos-islands-sovereignty-agreement":
        "London Daily: key facts of the UK-Mauritius Chagos Islands sovereignty agreement",
    "https://www.netherlandsandyou.nl/about-the-kingdom/one-kingdom---four-countries":
        "Government of the Netherlands (netherlandsandyou.nl): One Kingdom – Four Countries",
    "https://www.cbs.nl/en-gb/news/2012/01/dutch-caribbean-population-exceeds-21-thousand/dutch-caribbean":
        "Statistics Netherlands (CBS): Dutch Caribbean",
    "https://liquisearch.com/kingdom_of_the_netherlands/countries":
        "LiquiSearch mirror of the encyclopaedia article on the Kingdom of the Netherlands: Countries",
    "https://commonslibrary.parliament.uk/research-briefings/cbp-8611/":
        "House of Commons Library briefing CBP-8611: the Crown Dependencies",
    "https://simple.m.wikipedia.org/wiki/Crown_dependencies": "Simple English Wikipedia: Crown dependencies",
}

PREFIXES = (
    ("claim", PGID + "claim/"),
    ("concept", PGID + "concept/"),
    ("pg", PG),
    ("pgid", PGID),
    ("place", PLACE),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("schema", "https://schema.org/"),
    ("scheme", PGID + "scheme/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("source", PGID + "source/"),
    ("stmt", PGID + "stmt/"),
    ("wd", WD),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)

TERRITORIES_COLUMNS = ["alpha2", "classification", "sovereign_alpha2", "status_note", "source_url",
                       "confidence", "label_en", "node_class"]
WIKIDATA_COLUMNS = ["alpha2", "qid", "source_url_1", "source_url_2", "confidence"]


class VersionMismatch(InputError):
    """The installed pycountry is not the release this generator is pinned to."""


# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    alpha2: str
    alpha3: str
    numeric: str
    name: str  # pycountry's common_name when present, else name: the msgid translated
    label_en: str  # the label written (label_en of the CSV when given, else `name`)
    labels: tuple[tuple[str, str], ...]  # (language tag, label), sorted by tag


@dataclass(frozen=True)
class Row:
    alpha2: str
    classification: str
    sovereign: str
    note: str
    sources: tuple[str, ...]
    confidence: str
    label_en: str
    node_class: str

    @property
    def curated(self) -> bool:
        return self.note == CURATED_NOTE


@dataclass(frozen=True)
class WikidataRow:
    alpha2: str
    qid: str
    sources: tuple[str, ...]
    confidence: str


def installed_pycountry_version() -> str | None:
    try:
        return metadata.version("pycountry")
    except metadata.PackageNotFoundError:
        return None


def check_pycountry_version(found: str | None = None) -> None:
    found = installed_pycountry_version() if found is None else found
    if found != PYCOUNTRY_VERSION:
        raise VersionMismatch(
            f"pycountry {found or '(not installed)'} is installed, but data/iso3166.ttl is generated from "
            f"pycountry {PYCOUNTRY_VERSION}: install that release (pip install pycountry=={PYCOUNTRY_VERSION}), "
            "or move the pin in scripts/pactgraph/iso3166.py and regenerate deliberately")


def read_csv(path: Path, columns: list[str]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames != columns:
                raise InputError(f"{path}: columns must be {', '.join(columns)} (found {reader.fieldnames})")
            return [{k: (v or "").strip() for k, v in r.items()} for r in reader]
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None


def check_source(token: str, where: str) -> str:
    if token.startswith("github-index:"):
        if token.split(":", 1)[1] not in INDEX_FILES:
            raise InputError(f"{where}: unknown search-index file {token}: describe it in INDEX_FILES first")
    elif not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", token):
        raise InputError(f"{where}: source {token!r} is neither an http(s) address nor github-index:<id>")
    return token


def load_rows(path: Path, codes: set[str]) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for n, r in enumerate(read_csv(path, TERRITORIES_COLUMNS), start=2):
        where = f"{path}:{n}"
        a2 = r["alpha2"]
        if a2 in rows:
            raise InputError(f"{where}: {a2} appears twice")
        if r["classification"] not in CLASSIFICATIONS:
            raise InputError(f"{where}: classification must be one of {', '.join(CLASSIFICATIONS)}")
        if r["node_class"] not in CLASSIFICATIONS[r["classification"]][1]:
            raise InputError(f"{where}: node_class {r['node_class']!r} does not fit classification {r['classification']}")
        if (r["classification"] == "territory") != bool(r["sovereign_alpha2"]):
            raise InputError(f"{where}: sovereign_alpha2 is given for territories and only for them")
        if r["confidence"] not in ("high", "medium"):
            raise InputError(f"{where}: confidence must be high or medium (low rows are not facts)")
        sources = tuple(check_source(t, where) for t in r["source_url"].split())
        if not sources:
            raise InputError(f"{where}: every row needs a source")
        if r["confidence"] == "high" and len(sources) < 2:
            raise InputError(f"{where}: a high row needs two independent sources")
        rows[a2] = Row(a2, r["classification"], r["sovereign_alpha2"], r["status_note"], sources,
                       r["confidence"], r["label_en"], r["node_class"])
    if set(rows) != codes:
        raise InputError(f"{path}: rows must cover exactly the {len(codes)} ISO 3166-1 entries "
                         f"(missing: {sorted(codes - set(rows))}, unknown: {sorted(set(rows) - codes)})")
    for row in rows.values():
        if row.sovereign in NON_ISO_SOVEREIGNS:
            continue
        if row.sovereign and (row.sovereign not in rows or rows[row.sovereign].classification != "sovereign-state"):
            raise InputError(f"{path}: {row.alpha2}: sovereign {row.sovereign} is not classified sovereign-state")
    return rows


def load_wikidata(path: Path, codes: set[str]) -> dict[str, WikidataRow]:
    out: dict[str, WikidataRow] = {}
    for n, r in enumerate(read_csv(path, WIKIDATA_COLUMNS), start=2):
        where = f"{path}:{n}"
        a2 = r["alpha2"]
        if a2 not in codes or a2 in out:
            raise InputError(f"{where}: {a2!r} is not an ISO 3166-1 entry or appears twice")
        if not re.fullmatch(r"Q[1-9][0-9]*", r["qid"]):
            raise InputError(f"{where}: qid must look like Q123")
        sources = tuple(check_source(t, where) for t in (r["source_url_1"], r["source_url_2"]) if t)
        need = {"high": 2, "medium": 1}.get(r["confidence"])
        if need is None:
            raise InputError(f"{where}: confidence must be high or medium (unconfirmed items stay out)")
        if len(sources) != need or len(set(sources)) != len(sources):
            raise InputError(f"{where}: a {r['confidence']} row has {need} distinct source(s)")
        out[a2] = WikidataRow(a2, r["qid"], sources, r["confidence"])
    return out


def load_entries(rows: dict[str, Row] | None = None) -> dict[str, Entry]:
    import pycountry

    translators = {}
    for locale, tag in LANGUAGES:
        translators[tag] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
    entries = {}
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        label_en = (rows[c.alpha_2].label_en if rows and rows[c.alpha_2].label_en else name)
        labels = [("en", label_en)]
        for tag, t in sorted(translators.items()):
            text = t.gettext(name)
            if text and text != name:
                labels.append((tag, text))
        entries[c.alpha_2] = Entry(c.alpha_2, c.alpha_3, c.numeric, name, label_en, tuple(sorted(labels)))
    return entries


# ---------------------------------------------------------------------------------------------------
# Consistency with data/places.ttl
# ---------------------------------------------------------------------------------------------------

def check_places(places: Path, entries: dict[str, Entry], rows: dict[str, Row],
                 wikidata: dict[str, WikidataRow]) -> list[str]:
    """Where data/places.ttl and the generated file describe the same node, they must agree.

    Returns the list of disagreements (empty when consistent, or when places.ttl does not exist).
    """
    if not places.is_file():
        return []
    import rdflib
    from rdflib import RDF, RDFS, URIRef

    g = rdflib.Graph()
    g.parse(places, format="turtle")
    problems = []
    for a2, e in sorted(entries.items()):
        node = URIRef(PLACE + a2.lower())
        for lit in g.objects(node, RDFS.label):
            lang = (lit.language or "").lower()
            mine = dict((t.lower(), v) for t, v in e.labels).get(lang)
            if mine is not None and str(lit) != mine:
                fix = "set label_en in data/territories.csv" if lang == "en" else "agree on one label"
                problems.append(f"{a2}: places.ttl labels it {str(lit)!r}@{lang}, iso3166 {mine!r}@{lang} ({fix})")
        for prop, mine in (("isoAlpha2", e.alpha2), ("isoAlpha3", e.alpha3), ("isoNumeric", e.numeric)):
            for lit in g.objects(node, URIRef(PG + prop)):
                if str(lit) != mine:
                    problems.append(f"{a2}: places.ttl gives pg:{prop} {str(lit)!r}, pycountry {mine!r}")
        theirs = {str(o) for o in g.objects(node, URIRef(PG + "wikidataEntity"))}
        if a2 in wikidata and theirs and theirs != {WD + wikidata[a2].qid}:
            problems.append(f"{a2}: places.ttl links {sorted(theirs)}, data/wikidata-ids.csv {wikidata[a2].qid}")
    curated = set()
    for s in g.subjects(RDF.type, URIRef(PG + "Sovereignty")):
        for t in g.objects(s, URIRef(PG + "territory")):
            if str(t).startswith(PLACE) and str(t)[len(PLACE):].upper() in rows:
                curated.add(str(t)[len(PLACE):].upper())
    marked = {a2 for a2, r in rows.items() if r.curated}
    for a2 in sorted(curated - marked):
        problems.append(f"{a2}: places.ttl has a pg:Sovereignty node for it: mark its row "
                        f"'{CURATED_NOTE}' in data/territories.csv so that none is generated")
    for a2 in sorted(marked - curated):
        problems.append(f"{a2}: its row says '{CURATED_NOTE}' but places.ttl has no pg:Sovereignty node for it")
    return problems


def check_sources(sources_ttl: Path, tokens: set[str]) -> list[str]:
    """Addresses not in SOURCE_LABELS must be declared in data/sources.ttl; those declared here must not
    carry a different English label there."""
    import rdflib
    from rdflib import RDF, RDFS, URIRef

    g = rdflib.Graph()
    if sources_ttl.is_file():
        g.parse(sources_ttl, format="turtle")
    problems = []
    for token in sorted(t for t in tokens if not t.startswith("github-index:")):
        node = URIRef(token)
        if token not in SOURCE_LABELS:
            if (node, RDF.type, URIRef(PG + "Source")) not in g:
                problems.append(f"source {token} is neither in SOURCE_LABELS nor declared in data/sources.ttl")
            continue
        for label in g.objects(node, RDFS.label):
            if label.language == "en" and str(label) != SOURCE_LABELS[token]:
                problems.append(f"source {token}: data/sources.ttl labels it {str(label)!r}, "
                                f"SOURCE_LABELS {SOURCE_LABELS[token]!r}")
    return problems


def check_non_iso_sovereigns(sovereignty_ttl: Path, rows: dict[str, Row]) -> list[str]:
    """A sovereign without an ISO code that a row names is declared in data/sovereignty.ttl as a
    pg:SovereignState with the English label of NON_ISO_SOVEREIGNS."""
    used = sorted({r.sovereign for r in rows.values() if r.sovereign in NON_ISO_SOVEREIGNS})
    if not used:
        return []
    import rdflib
    from rdflib import RDF, RDFS, URIRef

    g = rdflib.Graph()
    if sovereignty_ttl.is_file():
        g.parse(sovereignty_ttl, format="turtle")
    problems = []
    for slug in used:
        node = URIRef(PLACE + slug)
        if (node, RDF.type, URIRef(PG + "SovereignState")) not in g:
            problems.append(f"{slug}: named as a sovereign in data/territories.csv but not declared as a "
                            f"pg:SovereignState in {sovereignty_ttl.name}")
        english = {str(l) for l in g.objects(node, RDFS.label) if l.language == "en"}
        if english and english != {NON_ISO_SOVEREIGNS[slug]}:
            problems.append(f"{slug}: {sovereignty_ttl.name} labels it {sorted(english)}, "
                            f"NON_ISO_SOVEREIGNS {NON_ISO_SOVEREIGNS[slug]!r}")
    return problems


# ---------------------------------------------------------------------------------------------------
# Turtle
# ---------------------------------------------------------------------------------------------------

def lit(text: str, lang: str | None = None) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def url_lit(url: str) -> str:
    return lit(url) + "^^xsd:anyURI"  # as in data/sources.ttl


def source_ref(token: str) -> str:
    if token.startswith("github-index:"):
        return "source:github-index-file-" + token.split(":", 1)[1]
    return f"<{token}>"


@dataclass
class Node:
    subject: str
    types: list[str]
    props: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, prop: str, *objects: str, sort: bool = True) -> "Node":
        objs = sorted(set(objects)) if sort else list(objects)
        if objs:
            self.props.append((prop, objs))
        return self

    def render(self) -> str:
        lines = [f"{self.subject} a {' , '.join(self.types)}"]
        for prop, objs in self.props:
            if len(objs) == 1:
                lines.append(f"    {prop} {objs[0]}")
            else:
                lines.append(f"    {prop} " + " ,\n        ".join(objs))
        return " ;\n".join(lines) + " .\n"


def place_ref(a2: str) -> str:
    """The place of an ISO entry (by alpha-2 code) or of a sovereign state without one (by slug)."""
    return "place:" + a2.lower()


def sovereign_label(sovereign: str, entries: dict[str, Entry]) -> str:
    return NON_ISO_SOVEREIGNS[sovereign] if sovereign in NON_ISO_SOVEREIGNS else entries[sovereign].label_en


def build(entries: dict[str, Entry], rows: dict[str, Row], wikidata: dict[str, WikidataRow]) -> str:
    out = [
        "# pactgraph — every ISO 3166-1 entry (states, territories and other areas) as a place.",
        "# GENERATED FILE, do not edit: regenerate with",
        "#     python -m pactgraph.iso3166 --out data/iso3166.ttl",
        f"# from pycountry {PYCOUNTRY_VERSION}, data/territories.csv and data/wikidata-ids.csv (see docs/iso3166.md).",
        "",
    ]
    width = max(len(p) for p, _ in PREFIXES) + 1
    out += [f"@prefix {(p + ':').ljust(width)} <{iri}> ." for p, iri in PREFIXES]
    out.append("")

    # --- the political-status scheme -------------------------------------------------------------
    out.append("# ---- Political status (one per ISO entry) " + "-" * 56 + "\n")
    scheme = Node("scheme:political-status", ["skos:ConceptScheme"])
    scheme.add("rdfs:label", lit("political status", "en"))
    scheme.add("skos:prefLabel", lit("political status", "en"))
    scheme.add("skos:definition", lit("The political standing that the sources of an ISO 3166-1 entry give it: "
                                      "a sovereign state, a dependent territory, an area of special status, or "
                                      "an entity whose status is disputed.", "en"))
    scheme.add("skos:hasTopConcept", *(f"concept:{s}" for s in STATUS_CONCEPTS))
    out.append(scheme.render())
    for slug, (label, definition) in STATUS_CONCEPTS.items():
        c = Node(f"concept:{slug}", ["skos:Concept"])
        c.add("rdfs:label", lit(label, "en"))
        c.add("skos:prefLabel", lit(label, "en"))
        c.add("skos:definition", lit(definition, "en"))
        c.add("skos:inScheme", "scheme:political-status")
        c.add("skos:topConceptOf", "scheme:political-status")
        out.append(c.render())

    # --- sources ---------------------------------------------------------------------------------
    out.append("# ---- Sources " + "-" * 85 + "\n")
    tokens = {t for r in rows.values() for t in r.sources} | {t for w in wikidata.values() for t in w.sources}
    src_nodes = []
    py = Node(PYCOUNTRY_SOURCE, ["pg:Source"])
    py.add("rdfs:label", lit(f"pycountry {PYCOUNTRY_VERSION} (ISO 3166-1 data from Debian iso-codes)", "en"))
    py.add("rdfs:comment", lit("The Python package pycountry, which ships the ISO 3166-1 codes and names of "
                               "Debian's iso-codes and their gettext translations; the source of every code "
                               "and name in this file.", "en"))
    py.add("schema:url", url_lit(PYCOUNTRY_URL))
    src_nodes.append(py)
    for token in tokens:
        if token.startswith("github-index:"):
            file_id = token.split(":", 1)[1]
            n = Node(source_ref(token), ["pg:Source"])
            n.add("rdfs:label", lit(f"GitHub file {file_id} (seen through the search index)", "en"))
            n.add("rdfs:comment", lit(INDEX_FILES[file_id], "en"))
        elif token in SOURCE_LABELS:
            n = Node(source_ref(token), ["pg:Source"])
            n.add("rdfs:label", lit(SOURCE_LABELS[token], "en"))
            n.add("schema:url", url_lit(token))
        else:
            continue  # declared in data/sources.ttl (checked by check_sources)
        src_nodes.append(n)
    out += [n.render() for n in sorted(src_nodes, key=lambda n: n.subject)]

    # --- places ----------------------------------------------------------------------------------
    out.append("# ---- Places " + "-" * 86 + "\n")
    stmts: list[Node] = []
    claims: list[Node] = []
    for a2 in sorted(entries):
        e, r = entries[a2], rows[a2]
        status = CLASSIFICATIONS[r.classification][0]
        types = NODE_TYPES[r.node_class]
        n = Node(place_ref(a2), [f"pg:{t}" for t in types])
        n.add("rdfs:label", *(lit(v, t) for t, v in sorted(e.labels, key=lambda tv: (tv[0] != "en", tv[0]))),
              sort=False)  # English first, then by language tag
        if e.label_en != e.name:
            n.add("skos:altLabel", lit(e.name, "en"))
        n.add("pg:isoAlpha2", lit(e.alpha2))
        n.add("pg:isoAlpha3", lit(e.alpha3))
        n.add("pg:isoNumeric", lit(e.numeric))
        n.add("pg:politicalStatus", f"concept:{status}")
        if r.note and not r.curated:
            n.add("pg:statusNote", lit(r.note, "en"))
        if a2 in wikidata:
            n.add("pg:wikidataEntity", "wd:" + wikidata[a2].qid)
        # A high-confidence Wikidata link rests on its two sources, listed with the node's sources; a
        # medium one is reified below with its own source and the confidence marker (docs/model.md).
        wd_sources = wikidata[a2].sources if a2 in wikidata and wikidata[a2].confidence == "high" else ()
        n.add("prov:wasDerivedFrom", PYCOUNTRY_SOURCE, *(source_ref(t) for t in r.sources + wd_sources))
        out.append(n.render())

        row_sources = [source_ref(t) for t in r.sources]
        if r.confidence == "medium":  # the classification rests on one source: mark it
            stmts.append(statement(f"iso3166-{a2.lower()}-type", f"{e.label_en}: {CLASS_LABELS[types[0]]}",
                                   place_ref(a2), "rdf:type", f"pg:{types[0]}", row_sources, medium=True))
            stmts.append(statement(f"iso3166-{a2.lower()}-political-status",
                                   f"{e.label_en}: political status {STATUS_CONCEPTS[status][0]}",
                                   place_ref(a2), "pg:politicalStatus", f"concept:{status}", row_sources,
                                   medium=True))
        if a2 in wikidata and wikidata[a2].confidence == "medium":
            w = wikidata[a2]
            stmts.append(statement(f"iso3166-{a2.lower()}-wikidata", f"{e.label_en}: Wikidata item {w.qid}",
                                   place_ref(a2), "pg:wikidataEntity", "wd:" + w.qid,
                                   [source_ref(t) for t in w.sources], medium=True))
        if r.classification == "territory" and not r.curated:
            c = Node(f"claim:{a2.lower()}-sovereignty", ["pg:Sovereignty"])
            c.add("rdfs:label", lit(f"{sovereign_label(r.sovereign, entries)} sovereignty over {e.label_en}", "en"))
            c.add("pg:territory", place_ref(a2))
            c.add("pg:sovereign", place_ref(r.sovereign))
            if r.confidence == "medium":
                c.add("pg:confidence", "concept:medium-confidence")
            c.add("prov:wasDerivedFrom", *row_sources)
            claims.append(c)

    out.append("# ---- Sovereignty of dependent territories (those not curated in places.ttl) " + "-" * 23 + "\n")
    out += [c.render() for c in sorted(claims, key=lambda n: n.subject)]
    out.append("# ---- Statements with their own sources " + "-" * 59 + "\n")
    out += [s.render() for s in sorted(stmts, key=lambda n: n.subject)]
    return "\n".join(out)


def statement(slug: str, label: str, subject: str, predicate: str, obj: str, sources: list[str],
              medium: bool) -> Node:
    n = Node(f"stmt:{slug}", ["rdf:Statement"])
    n.add("rdfs:label", lit(label, "en"))
    n.add("rdf:subject", subject)
    n.add("rdf:predicate", predicate)
    n.add("rdf:object", obj)
    if medium:
        n.add("pg:confidence", "concept:medium-confidence")
    n.add("prov:wasDerivedFrom", *sources)
    return n


# ---------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------

def generate(root: Path, check_places_file: bool = True) -> str:
    """The Turtle text for data/iso3166.ttl, from the inputs under `root`."""
    check_pycountry_version()
    import pycountry

    codes = {c.alpha_2 for c in pycountry.countries}
    rows = load_rows(root / "data" / "territories.csv", codes)
    wikidata = load_wikidata(root / "data" / "wikidata-ids.csv", codes)
    entries = load_entries(rows)
    if check_places_file:
        problems = check_places(root / "data" / "places.ttl", entries, rows, wikidata)
        tokens = {t for r in rows.values() for t in r.sources} | {t for w in wikidata.values() for t in w.sources}
        problems += check_sources(root / "data" / "sources.ttl", tokens)
        problems += check_non_iso_sovereigns(root / "data" / "sovereignty.ttl", rows)
        if problems:
            raise InputError("data/places.ttl or data/sources.ttl and the ISO 3166-1 inputs disagree:\n  " + "\n  ".join(problems))
    return build(entries, rows, wikidata)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pactgraph.iso3166", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the Turtle file to write (data/iso3166.ttl)")
    parser.add_argument("--root", type=Path, default=None,
                        help="the project folder holding data/ (default: the checkout around the current folder)")
    parser.add_argument("--skip-places-check", action="store_true",
                        help="do not compare with data/places.ttl and data/sources.ttl (the output is the same either way)")
    args = parser.parse_args(argv)
    return write_generated(args, lambda root: generate(root, check_places_file=not args.skip_places_check),
                           lambda text: f"{len(entries_count(text))} ISO 3166-1 entries")


def write_generated(args, produce, describe) -> int:
    """The end of a generator's command line (this module, regions.py): find the project (`--root`),
    produce the text, and replace `--out` with it in one rename; an InputError is one line, exit 2."""
    try:
        if args.root is None:
            from .project import find_project
            args.root = find_project().root
        text = produce(args.root)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))
    tmp.replace(args.out)
    print(f"wrote {args.out} ({describe(text)})")
    return 0


def entries_count(text: str) -> list[str]:
    return re.findall(r'^    pg:isoAlpha2 "', text, flags=re.M)


if __name__ == "__main__":
    sys.exit(main())
