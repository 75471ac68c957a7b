"""Query results for people (an aligned table) and for programs (SPARQL CSV, TSV, JSON)."""

from __future__ import annotations

import pyoxigraph as ox

from .locate import compact

_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}


def write(result, fmt: str, out, hide: frozenset[str] = frozenset()) -> None:
    """Write query results; the table leaves out the `hide` columns (echoed parameters)."""
    if isinstance(result, ox.QueryBoolean):
        out.write(("true" if bool(result) else "false") + "\n")
        return
    if isinstance(result, ox.QueryTriples):
        out.write(ox.serialize(result, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"))
        return
    if fmt in _FORMATS:
        out.write(result.serialize(format=_FORMATS[fmt]).decode("utf-8"))
        return
    names = [v.value for v in result.variables if v.value not in hide]
    table = [[_cell(sol[n]) for n in names] for sol in result]
    widths = [max([len(n)] + [len(r[i]) for r in table]) for i, n in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out.write(line(names) + "\n" + line(["-" * w for w in widths]) + "\n")
    for r in table:
        out.write(line(r) + "\n")
    out.write(f"({len(table)} row{'s' if len(table) != 1 else ''})\n")


def _cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, display=True)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)
