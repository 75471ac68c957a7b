"""Publishing artefacts written beside the exports: descriptions, documentation, pages, pictures.

Called by build.py once the dataset has passed every check, with the validated store (one named graph
per source file), its quads and the temporary folder that becomes dist/. Writes:

* void.ttl, service-description.ttl — VoID + DCAT and a SPARQL Service Description (describe.py)
* ontology/index.html — the ontology documented by pyLODE (ontodoc.py)
* site/ — a page per resource with Turtle and JSON-LD beside it, an index, a sources list (site.py)
  and the pictures: networks and timelines per state, an overview and a matrix (pictures.py), and the
  agreements in force per year of the centre state (table.py)

The exports, the JSON-LD and its context.jsonld included, are written by export.write_sources (the build) or
export.write_store (the same bytes from a store). See docs/publishing.md.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import describe, jsonld, ontodoc, pictures, site
from .gather import gather

#: Files listed on the site's index page, with what they are (sizes are read from dist/).
DOWNLOADS = {
    "pactgraph.ttl": "the merged graph, Turtle",
    "pactgraph.nt": "the merged graph, N-Triples",
    "pactgraph.rdf": "the merged graph, RDF/XML",
    "pactgraph.jsonld": "the merged graph, JSON-LD compacted with context.jsonld",
    "pactgraph.nq": "one named graph per source file, N-Quads",
    "pactgraph.trig": "one named graph per source file, TriG",
    "context.jsonld": "the JSON-LD context: prefixes and a term for every property",
    "void.ttl": "VoID and DCAT description of the dataset",
    "service-description.ttl": "SPARQL 1.1 Service Description of the endpoint",
    "shapes.ttl": "the SHACL shapes the data is validated with",
    "shacl-report.ttl": "the SHACL validation report",
    "build-report.json": "what the build loaded, checked and wrote",
}


def publish(store, quads, folder, project, log=lambda msg: None, *, pages: bool = True,
            stats: dict | None = None) -> dict[str, int]:
    """Write the publishing artefacts into `folder`; returns relative file name -> size in bytes.

    `quads` may be None: they are then read from the store, all of them only when `pages` is on.
    `stats` are describe.statistics(store), when the caller computed them already.
    Without `pages` (`pactgraph build --no-pages`) the descriptions and the ontology documentation are
    written but no site (a page per resource, index, pictures): on a million-triple dataset the site is
    some 450,000 files and most of the build time (docs/benchmarks.md).
    """
    from .ontodoc import ONTOLOGY_GRAPHS

    folder = Path(folder)
    sizes: dict[str, int] = {}
    timings = []
    t = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings.append(f"{what} {now - t:.2f} s")
        t = now

    desc_sizes, _stats = describe.write_descriptions(store, folder, log, stats=stats)
    sizes.update(desc_sizes)
    lap("descriptions")

    if quads is None:
        if pages:
            quads = list(store)
        else:  # the ontology graphs are all ontodoc needs
            quads = [q for g in store.named_graphs() if g.value.startswith(ONTOLOGY_GRAPHS)
                     for q in store.quads_for_pattern(None, None, None, g)]
    html, anchors, tool = ontodoc.ontology_html(quads, log)
    (folder / "ontology").mkdir(exist_ok=True)
    data = html.encode("utf-8")
    (folder / ontodoc.PAGE).write_bytes(data)
    sizes[ontodoc.PAGE] = len(data)
    term_links = {iri: f"{ontodoc.PAGE}#{anchor}" for iri, anchor in anchors.items()}
    lap(f"ontology docs ({tool})")
    if not pages:
        log("published: " + "; ".join(timings) + "; no site (--no-pages)")
        return sizes

    idx = gather(store)
    lap("gather")
    sizes.update(pictures.write_pictures(idx, folder))
    # Agreements in force per year, by type, for the centre state, from the dyad-year table (table.py).
    from .table import in_force_per_year_svg

    centre = pictures.CENTRE.rsplit("/", 1)[-1]
    svg = in_force_per_year_svg(store, centre).encode("utf-8")
    (folder / "site" / "in-force-per-year.svg").write_bytes(svg)
    sizes["site/in-force-per-year.svg"] = len(svg)
    lap("pictures")
    ctx = jsonld.build_context(quads)
    downloads = {name: (folder / name).stat().st_size if (folder / name).is_file() else 0 for name in DOWNLOADS}
    site_sizes = site.write_site(idx, ctx, folder, term_links, downloads, DOWNLOADS)
    sizes.update(site_sizes)
    pages_written = sum(1 for k in site_sizes if k.startswith("site/id/") and k.endswith(".html"))
    lap(f"{pages_written} pages")
    log("published: " + "; ".join(timings))
    return sizes
