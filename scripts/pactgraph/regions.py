"""Generate data/regions.ttl: the UN M49 regions, and every ISO 3166-1 entry placed in one.

    python -m pactgraph.regions --out data/regions.ttl

Inputs (see docs/iso3166.md, "UN M49 regions"):

* the installed ``hdx-python-country`` package, pinned to HDX_VERSION: its "Countries & Territories
  Taxonomy" table gives, for every ISO 3166-1 entry, the M49 region, sub-region and intermediate
  region (codes and English names). This is the primary source of the regions and of their
  hierarchy;
* the installed ``country_converter`` package, pinned to COCO_VERSION: its ``UNregion`` column (the
  M49 sub-region or intermediate region by name, per ISO alpha-3 code) is the second source that
  every placement is checked against;
* the installed ``babel`` package, pinned to BABEL_VERSION: the Unicode CLDR names of the M49 region
  codes in Japanese, French and Chinese (simplified and traditional);
* ``data/m49-wikidata.csv``: Wikidata items of the regions, only where two sources agree;
* ``data/m49-placements.csv``: the few placements that the two packages do not both support, each
  with the sources that settle it.

The output is deterministic: a fixed layout, nodes sorted by IRI, objects sorted, no clock time.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import InputError
from .namespaces import PG, PGID, WD
from . import iso3166
from .iso3166 import PREFIXES as ISO_PREFIXES, Node, lit, read_csv, url_lit

#: The packages this generator is pinned to (names, codes and translations change between releases).
HDX_VERSION = "4.2.5"
COCO_VERSION = "1.3.2"
BABEL_VERSION = "2.18.0"

HDX_TABLE = "hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
COCO_TABLE = "country_converter/country_data.tsv"

HDX_SOURCE = "source:hdx-python-country-4-2-5"
COCO_SOURCE = "source:country-converter-1-3-2"
CLDR_SOURCE = "source:babel-2-18-0"
PACKAGE_SOURCES = {
    HDX_SOURCE: (
        f"https://pypi.org/project/hdx-python-country/{HDX_VERSION}/",
        f"hdx-python-country {HDX_VERSION} (HDX Countries & Territories Taxonomy)",
        "The Python package hdx-python-country of the Humanitarian Data Exchange, which ships a table "
        "of countries and territories with their UN M49 region, sub-region and intermediate region "
        "(codes and English names); the source of the M49 regions and of the placement of every "
        "ISO 3166-1 entry in this file.",
    ),
    COCO_SOURCE: (
        f"https://pypi.org/project/country-converter/{COCO_VERSION}/",
        f"country_converter {COCO_VERSION} (country_data.tsv)",
        "The Python package country_converter (coco), whose country table gives each country's UN "
        "region (the M49 sub-region, or the intermediate region where M49 has one) by name; the second "
        "source that every placement in this file is checked against.",
    ),
    CLDR_SOURCE: (
        f"https://pypi.org/project/babel/{BABEL_VERSION}/",
        f"Babel {BABEL_VERSION} (Unicode CLDR locale data)",
        "The Python package Babel, which ships the Unicode CLDR locale data, including the names of the "
        "UN M49 region codes in each language; the source of the Japanese, French and Chinese labels "
        "of the regions in this file.",
    ),
}


WORLD = "001"

#: CLDR locale -> BCP 47 language tag of the label (as data/iso3166.ttl tags Chinese).
CLDR_LANGUAGES = (("ja", "ja"), ("fr", "fr"), ("zh", "zh-Hans"), ("zh_Hant", "zh-Hant"))

#: Public GitHub files seen through the project's search index whose repository address the index did
#: not show; cited as ``github-index:<file id>`` in data/m49-wikidata.csv.
INDEX_FILES = {
    "26438390507": "A public GitHub SQL seed file of a country database listing continents, regions and UN-style sub-regions with their Wikidata items (file id 26438390507 in the search index; repository address not shown).",
    "18385224396": "A public GitHub Python script of a Wikipedia diversity project mapping Wikidata items to UN sub-region and region names (file id 18385224396 in the search index; repository address not shown).",
    "29157996103": "A public GitHub Grammatical Framework template for country pages listing world regions with their Wikidata items (file id 29157996103 in the search index; repository address not shown).",
}

#: English labels of the external sources cited by address in the CSV files of this generator.
SOURCE_LABELS = {
    "https://github.com/WorldHistoricalGazetteer/indexing/blob/315901667e9c38f39a4ea9dc2a19f7babb30089e/authorities/un-geoscheme-boundaries.py":
        "WorldHistoricalGazetteer/indexing on GitHub: authorities/un-geoscheme-boundaries.py (commit 3159016)",
    "https://www.duhoctrungquoc.vn/wiki/en/UN_M49":
        "Mirror of the encyclopaedia article on UN M49 (code lists as of December 2021)",
}

M49_WIKIDATA_COLUMNS = ["m49", "qid", "source_url_1", "source_url_2"]
PLACEMENT_COLUMNS = ["alpha2", "m49", "source_url", "confidence", "note"]

#: The @prefix lines of data/regions.ttl: those of data/iso3166.ttl that it uses, and region:.
PREFIXES = tuple((p, ns) for p, ns in ISO_PREFIXES
                 if p in {"pg", "pgid", "place", "prov", "rdf", "rdfs", "schema", "source", "concept", "stmt", "wd",
                          "xsd"}) + (("region", PGID + "region/"),)


class VersionMismatch(InputError):
    """An installed package is not the release this generator is pinned to."""


@dataclass(frozen=True)
class Region:
    code: str  # three digits
    name: str  # M49 English name
    parent: str | None  # code of the enclosing region (None for World)

    @property
    def slug(self) -> str:
        return region_slug(self.name)


@dataclass(frozen=True)
class Placement:
    alpha2: str
    code: str  # the most specific M49 region
    sources: tuple[str, ...]  # prefixed names or addresses
    medium: bool
    note: str = ""


def region_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_versions() -> None:
    for dist, pinned in (("hdx-python-country", HDX_VERSION), ("country_converter", COCO_VERSION),
                         ("babel", BABEL_VERSION)):
        try:
            found = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found = None
        if found != pinned:
            raise VersionMismatch(
                f"{dist} {found or '(not installed)'} is installed, but data/regions.ttl is generated from "
                f"{dist} {pinned}: install that release (pip install {dist}=={pinned}), or move the pin in "
                "scripts/pactgraph/regions.py and regenerate deliberately")


def _package_file(dist: str, rel: str) -> Path:
    path = Path(str(metadata.distribution(dist).locate_file(rel)))
    if not path.is_file():
        raise InputError(f"{dist}: {rel} is missing from the installed package")
    return path


# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------

def check_source(token: str, where: str) -> str:
    """A source token: an http(s) address or github-index:<id> described here or in iso3166."""
    if token.startswith("github-index:"):
        file_id = token.split(":", 1)[1]
        if file_id not in INDEX_FILES and file_id not in iso3166.INDEX_FILES:
            raise InputError(f"{where}: unknown search-index file {token}: describe it in INDEX_FILES first")
        return token
    return iso3166.check_source(token, where)


def m49(code: str) -> str:
    return code.strip().zfill(3) if code.strip() else ""


def load_hdx(codes: set[str]) -> tuple[dict[str, Region], dict[str, str]]:
    """The M49 regions (code -> Region) and each ISO entry's most specific region (alpha-2 -> code).

    An entry with no M49 region at all (Antarctica) is left out of the second map."""
    path = _package_file("hdx-python-country", HDX_TABLE)
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["ISO 3166-1 Alpha 2-Codes"] in codes]
    found = {r["ISO 3166-1 Alpha 2-Codes"] for r in rows}
    if found != codes or len(rows) != len(codes):
        raise InputError(f"{path.name}: expected one row per ISO 3166-1 entry (missing {sorted(codes - found)})")
    regions: dict[str, Region] = {WORLD: Region(WORLD, "World", None)}
    placed: dict[str, str] = {}
    for r in rows:
        chain = [(m49(r[f"{level} Code"]), r[f"{level} Name"].strip())
                 for level in ("Region", "Sub-region", "Intermediate Region")]
        chain = [(c, n) for c, n in chain if c]
        parent = WORLD
        for code, name in chain:
            region = Region(code, name, parent)
            if regions.setdefault(code, region) != region:
                raise InputError(f"{path.name}: M49 region {code} has two names or two parents "
                                 f"({regions[code]} and {region})")
            parent = code
        if chain:
            placed[r["ISO 3166-1 Alpha 2-Codes"]] = chain[-1][0]
    return regions, placed


def load_coco(codes_a3: dict[str, str]) -> dict[str, str]:
    """country_converter's UN region name per ISO alpha-2 code (matched by alpha-3 code)."""
    path = _package_file("country_converter", COCO_TABLE)
    by_a3 = {a3: a2 for a2, a3 in codes_a3.items()}
    out = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            a2 = by_a3.get(r["ISO3"].strip())
            if a2 and r["UNregion"].strip():
                out[a2] = r["UNregion"].strip()
    return out


def cldr_labels(code: str) -> list[tuple[str, str]]:
    from babel import Locale

    labels = []
    for locale, tag in CLDR_LANGUAGES:
        name = Locale.parse(locale).territories.get(code)
        if name:
            labels.append((tag, name))
    return labels


def load_wikidata(path: Path, regions: dict[str, Region]) -> dict[str, tuple[str, tuple[str, str]]]:
    out = {}
    for n, r in enumerate(read_csv(path, M49_WIKIDATA_COLUMNS), start=2):
        where = f"{path}:{n}"
        if r["m49"] not in regions or r["m49"] in out:
            raise InputError(f"{where}: {r['m49']!r} is not an M49 region of the table or appears twice")
        if not re.fullmatch(r"Q[1-9][0-9]*", r["qid"]):
            raise InputError(f"{where}: qid must look like Q123")
        sources = (check_source(r["source_url_1"], where), check_source(r["source_url_2"], where))
        if sources[0] == sources[1]:
            raise InputError(f"{where}: a link needs two distinct sources that agree")
        out[r["m49"]] = (r["qid"], sources)
    return out


def load_placements(path: Path, codes: set[str], regions: dict[str, Region]) -> dict[str, Placement]:
    out = {}
    for n, r in enumerate(read_csv(path, PLACEMENT_COLUMNS), start=2):
        where = f"{path}:{n}"
        if r["alpha2"] not in codes or r["alpha2"] in out:
            raise InputError(f"{where}: {r['alpha2']!r} is not an ISO 3166-1 entry or appears twice")
        if r["m49"] not in regions:
            raise InputError(f"{where}: {r['m49']!r} is not an M49 region")
        if r["confidence"] not in ("high", "medium"):
            raise InputError(f"{where}: confidence must be high or medium")
        sources = tuple(t if t in PACKAGE_SOURCES else check_source(t, where) for t in r["source_url"].split())
        if not sources:
            raise InputError(f"{where}: every placement needs a source")
        if r["confidence"] == "high" and len(set(sources)) < 2:
            raise InputError(f"{where}: a high placement needs two sources that agree")
        out[r["alpha2"]] = Placement(r["alpha2"], r["m49"], sources, r["confidence"] == "medium", r["note"])
    return out


def compare(regions: dict[str, Region], placed: dict[str, str], coco: dict[str, str]) -> dict[str, str]:
    """Each ISO entry on which the two packages do not agree, with the reason.

    They agree when country_converter's UN region is the name of the entry's most specific M49
    region; "agree at the sub-region" when it is the name of that region's parent (the
    Channel Islands, an intermediate region coco does not have)."""
    out = {}
    for a2 in sorted(set(placed) | set(coco)):
        mine = regions[placed[a2]] if a2 in placed else None
        theirs = coco.get(a2)
        if mine and theirs == mine.name:
            continue
        if mine and mine.parent and theirs == regions[mine.parent].name:
            out[a2] = f"agree at the sub-region: HDX {mine.name} (in {theirs}), country_converter {theirs}"
        else:
            out[a2] = f"HDX {mine.name if mine else '(no M49 region)'}, country_converter {theirs or '(none)'}"
    return out


# ---------------------------------------------------------------------------------------------------
# Turtle
# ---------------------------------------------------------------------------------------------------

def source_ref(token: str) -> str:
    if token.startswith("github-index:"):
        return "source:github-index-file-" + token.split(":", 1)[1]
    if token in PACKAGE_SOURCES:
        return token
    return f"<{token}>"


def statement(slug: str, label: str, subject: str, obj: str, sources, medium: bool, comment: str = "") -> Node:
    n = Node(f"stmt:{slug}", ["rdf:Statement"])
    n.add("rdfs:label", lit(label, "en"))
    if comment:
        n.add("rdfs:comment", lit(comment, "en"))
    n.add("rdf:subject", subject)
    n.add("rdf:predicate", "pg:liesIn")
    n.add("rdf:object", obj)
    if medium:
        n.add("pg:confidence", "concept:medium-confidence")
    n.add("prov:wasDerivedFrom", *sources)
    return n


def build(regions: dict[str, Region], placements: dict[str, Placement], wikidata, labels_en: dict[str, str],
          index_descriptions: dict[str, str]) -> str:
    out = [
        "# pactgraph — the UN M49 regions, and every ISO 3166-1 entry placed in its most specific one.",
        "# GENERATED FILE, do not edit: regenerate with",
        "#     python -m pactgraph.regions --out data/regions.ttl",
        f"# from hdx-python-country {HDX_VERSION}, checked against country_converter {COCO_VERSION}, labels from",
        f"# Babel {BABEL_VERSION} (CLDR), data/m49-wikidata.csv and data/m49-placements.csv (see docs/iso3166.md).",
        "",
    ]
    width = max(len(p) for p, _ in PREFIXES) + 1
    out += [f"@prefix {(p + ':').ljust(width)} <{iri}> ." for p, iri in sorted(PREFIXES)]
    out.append("")

    # --- sources ---------------------------------------------------------------------------------
    out.append("# ---- Sources " + "-" * 85 + "\n")
    srcs = []
    for ref, (url, label, comment) in PACKAGE_SOURCES.items():
        n = Node(ref, ["pg:Source"])
        n.add("rdfs:label", lit(label, "en"))
        n.add("rdfs:comment", lit(comment, "en"))
        n.add("schema:url", url_lit(url))
        srcs.append(n)
    tokens = {t for _, (_, ss) in wikidata.items() for t in ss} | {t for p in placements.values() for t in p.sources}
    for token in tokens | {WORLD_SOURCE}:
        if token in PACKAGE_SOURCES:
            continue
        n = Node(source_ref(token), ["pg:Source"])
        if token.startswith("github-index:"):
            file_id = token.split(":", 1)[1]
            n.add("rdfs:label", lit(f"GitHub file {file_id} (seen through the search index)", "en"))
            n.add("rdfs:comment", lit(index_descriptions[file_id], "en"))
        else:
            n.add("rdfs:label", lit(SOURCE_LABELS[token], "en"))
            n.add("schema:url", url_lit(token))
        srcs.append(n)
    out += [n.render() for n in sorted(srcs, key=lambda n: n.subject)]

    # --- regions ---------------------------------------------------------------------------------
    out.append("# ---- UN M49 regions " + "-" * 78 + "\n")
    nodes = []
    world_links = []
    for code, r in regions.items():
        n = Node(f"region:{r.slug}", ["pg:Region", "pg:Place"])
        labels = [("en", r.name)] + cldr_labels(code)
        n.add("rdfs:label", *(lit(v, t) for t, v in labels), sort=False)
        n.add("pg:m49Code", lit(code))
        if r.parent:
            n.add("pg:liesIn", f"region:{regions[r.parent].slug}")
        # HDX lists the regions but not World (001) above them: a copy of the standard's code list
        # does (one secondary source), so World is sourced by it and each link to World is a
        # statement of its own, at medium confidence.
        sources = [HDX_SOURCE] if code != WORLD else [source_ref(WORLD_SOURCE)]
        if len(labels) > 1:
            sources.append(CLDR_SOURCE)
        if code in wikidata:
            qid, wsrc = wikidata[code]
            n.add("pg:wikidataEntity", "wd:" + qid)
            sources += [source_ref(t) for t in wsrc]
        n.add("prov:wasDerivedFrom", *sources)
        nodes.append(n)
        if r.parent == WORLD:
            world_links.append(statement(f"m49-{r.slug}-lies-in-world", f"{r.name} lies in World (UN M49)",
                                         f"region:{r.slug}", "region:world", [source_ref(WORLD_SOURCE)], True))
    out += [n.render() for n in sorted(nodes, key=lambda n: n.subject)]
    out.append("# ---- Links of the regions to World, with their source " + "-" * 44 + "\n")
    out += [s.render() for s in sorted(world_links, key=lambda n: n.subject)]

    # --- placements ------------------------------------------------------------------------------
    out.append("# ---- ISO 3166-1 entries in their most specific M49 region " + "-" * 40 + "\n")
    triples = []
    stmts = []
    for a2 in sorted(placements):
        p = placements[a2]
        region = regions[p.code]
        place = "place:" + a2.lower()
        triples.append(f"{place} pg:liesIn region:{region.slug} .")
        stmts.append(statement(f"m49-{a2.lower()}-lies-in", f"{labels_en[a2]} lies in {region.name} (UN M49)",
                               place, f"region:{region.slug}", [source_ref(t) for t in p.sources], p.medium,
                               p.note))
    out.append("\n".join(triples) + "\n")
    out.append("# ---- The placements with their sources " + "-" * 59 + "\n")
    out += [s.render() for s in sorted(stmts, key=lambda n: n.subject)]
    return "\n".join(out)


#: The source of World (001) as the region above the five M49 regions and Antarctica.
WORLD_SOURCE = "https://www.duhoctrungquoc.vn/wiki/en/UN_M49"


# ---------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    regions: dict[str, Region]
    hdx: dict[str, str]
    coco: dict[str, str]
    disagreements: dict[str, str]
    overrides: dict[str, Placement]
    placements: dict[str, Placement]
    wikidata: dict
    labels_en: dict[str, str]


def load(root: Path) -> Inputs:
    check_versions()
    import pycountry

    from . import iso3166

    iso3166.check_pycountry_version()
    codes = {c.alpha_2 for c in pycountry.countries}
    a3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    rows = iso3166.load_rows(root / "data" / "territories.csv", codes)
    labels_en = {a2: e.label_en for a2, e in iso3166.load_entries(rows).items()}
    regions, hdx = load_hdx(codes)
    coco = load_coco(a3)
    disagreements = compare(regions, hdx, coco)
    overrides = load_placements(root / "data" / "m49-placements.csv", codes, regions)
    unsettled = sorted(set(disagreements) - set(overrides))
    if unsettled:
        raise InputError("hdx-python-country and country_converter disagree on "
                         + "; ".join(f"{a2}: {disagreements[a2]}" for a2 in unsettled)
                         + ": settle each in data/m49-placements.csv with its sources")
    stale = sorted(set(overrides) - set(disagreements))
    if stale:
        raise InputError(f"data/m49-placements.csv settles {stale}, on which the two packages agree: remove the rows")
    placements = {}
    for a2 in sorted(codes):
        if a2 in overrides:
            placements[a2] = overrides[a2]
        else:
            placements[a2] = Placement(a2, hdx[a2], (HDX_SOURCE, COCO_SOURCE), False)
    wikidata = load_wikidata(root / "data" / "m49-wikidata.csv", regions)
    return Inputs(regions, hdx, coco, disagreements, overrides, placements, wikidata, labels_en)


def generate(root: Path) -> str:
    i = load(root)
    from . import iso3166

    index = dict(iso3166.INDEX_FILES)
    index.update(INDEX_FILES)
    tokens = {t for _, (_, ss) in i.wikidata.items() for t in ss} | {t for p in i.placements.values() for t in p.sources}
    for t in tokens:
        if t.startswith("github-index:") and t.split(":", 1)[1] not in index:
            raise InputError(f"unknown search-index file {t}: describe it in INDEX_FILES first")
        if t not in PACKAGE_SOURCES and not t.startswith("github-index:") and t not in SOURCE_LABELS:
            raise InputError(f"source {t} has no label in SOURCE_LABELS (scripts/pactgraph/regions.py)")
    return build(i.regions, i.placements, i.wikidata, i.labels_en, index)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pactgraph.regions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the Turtle file to write (data/regions.ttl)")
    parser.add_argument("--root", type=Path, default=None,
                        help="the project folder holding data/ (default: the checkout around the current folder)")
    args = parser.parse_args(argv)
    return iso3166.write_generated(args, generate, _count_regions)


def _count_regions(text: str) -> str:
    return f"{len(re.findall(r'^[^ ]+ a pg:Region', text, flags=re.M))} M49 regions"


if __name__ == "__main__":
    sys.exit(main())
