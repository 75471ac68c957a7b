"""Query results for people (an aligned table) and for programs (SPARQL CSV, TSV, JSON).

`max_rows` bounds what is written: a result with more rows (or triples) is refused whole with
TooManyRows, before anything is written, so a program never reads a cut result as a complete one;
at most `max_rows` rows are held in memory.
"""

from __future__ import annotations

import io

import pyoxigraph as ox

from .errors import InputError
from .locate import compact
from .result_limits import CsvResultsCounter, JsonResultsCounter, LineCounter

_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON}
_COUNTERS = {"csv": CsvResultsCounter, "tsv": lambda: LineCounter(header=1), "json": JsonResultsCounter,
             "nt": LineCounter}


class TooManyRows(InputError):
    """The result has more rows than the bound (`--max-rows`)."""

    def __init__(self, limit: int, what: str = "rows"):
        super().__init__(f"the result has more than {limit:,} {what}; add LIMIT to the query (or raise --max-rows)")
        self.limit = limit


class _Bounded(io.RawIOBase):
    """Collects a serialisation, counting rows as the bytes arrive; raises TooManyRows past `limit`."""

    def __init__(self, fmt: str, limit: int | None, what: str = "rows"):
        self.buffer = io.BytesIO()
        self.counter = _COUNTERS[fmt]()
        self.limit, self.what = limit, what

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        if self.limit is not None and self.counter.feed(data) > self.limit:
            raise TooManyRows(self.limit, self.what)
        return self.buffer.write(data)


def _serialize(result, fmt: str, limit: int | None, what: str = "rows") -> str:
    sink = _Bounded(fmt, limit, what)
    try:
        if fmt == "nt":
            ox.serialize(result, sink, format=ox.RdfFormat.N_TRIPLES)
        else:
            result.serialize(sink, format=_FORMATS[fmt])
    except TooManyRows:
        raise
    except Exception as err:  # the writer's exception, wrapped by the serialiser
        cause = err.__cause__ or err.__context__
        if isinstance(cause, TooManyRows) or "more than" in str(err) and "--max-rows" in str(err):
            raise TooManyRows(limit, what) from None
        raise
    return sink.buffer.getvalue().decode("utf-8")


def write(result, fmt: str, out, hide: frozenset[str] = frozenset(), max_rows: int | None = None) -> None:
    """Write query results; the table leaves out the `hide` columns (echoed parameters)."""
    if isinstance(result, ox.QueryBoolean):
        out.write(("true" if bool(result) else "false") + "\n")
        return
    if isinstance(result, ox.QueryTriples):
        out.write(_serialize(result, "nt", max_rows, "triples"))
        return
    if fmt in _FORMATS:
        out.write(_serialize(result, fmt, max_rows))
        return
    names = [v.value for v in result.variables if v.value not in hide]
    table = []
    for sol in result:
        if max_rows is not None and len(table) >= max_rows:
            raise TooManyRows(max_rows)
        table.append([_cell(sol[n]) for n in names])
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
