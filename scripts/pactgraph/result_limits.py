"""Counting the rows of a SPARQL result while it streams, so a front can stop a result that is too large.

One counter per serialisation, each fed the bytes as they arrive (chunks may split anything):
SPARQL JSON, XML, CSV and TSV results count solutions; N-Triples and N-Quads count statements.
Other RDF syntaxes (Turtle, RDF/XML, JSON-LD, TriG) cannot be counted on the fly and are counted by
parsing the whole answer (`count_rdf`). Counters assume the answer is well formed, as a server writes it.
"""

from __future__ import annotations


class JsonResultsCounter:
    """Solutions in `application/sparql-results+json`: objects opened at depth 3
    (`{"results": {"bindings": [ {...}, ... ]}}`); `head.vars` holds only strings."""

    def __init__(self):
        self.count = 0
        self._depth = 0
        self._in_string = False
        self._escape = False

    def feed(self, data: bytes) -> int:
        depth, in_string, escape, count = self._depth, self._in_string, self._escape, self.count
        for b in data:
            if in_string:
                if escape:
                    escape = False
                elif b == 0x5C:  # backslash
                    escape = True
                elif b == 0x22:  # quote
                    in_string = False
            elif b == 0x22:
                in_string = True
            elif b in (0x7B, 0x5B):  # { [
                if b == 0x7B and depth == 3:
                    count += 1
                depth += 1
            elif b in (0x7D, 0x5D):  # } ]
                depth -= 1
        self._depth, self._in_string, self._escape, self.count = depth, in_string, escape, count
        return count


class XmlResultsCounter:
    """Solutions in `application/sparql-results+xml`: `<result>` elements (literal text is escaped,
    so the tag cannot occur inside a value)."""

    TAGS = (b"<result>", b"<result ", b"<result\n", b"<result\t", b"<result\r")

    def __init__(self):
        self.count = 0
        self._tail = b""

    def feed(self, data: bytes) -> int:
        buf = self._tail + data
        self.count += sum(buf.count(t) for t in self.TAGS)
        # keep what could be the start of a tag cut by the chunk boundary; a whole tag (8 bytes)
        # never fits in the 7 kept, so nothing is counted twice
        self._tail = buf[-(len(self.TAGS[0]) - 1):]
        return self.count


class LineCounter:
    """Rows of TSV results, or statements of N-Triples / N-Quads: line ends (TSV escapes newlines in
    values; N-Triples has one statement per line). `header` lines are not counted."""

    def __init__(self, header: int = 0):
        self._lines = 0
        self._header = header

    @property
    def count(self) -> int:
        return max(0, self._lines - self._header)

    def feed(self, data: bytes) -> int:
        self._lines += data.count(b"\n")
        return self.count


class CsvResultsCounter:
    """Rows of `text/csv` results: line ends outside double quotes, minus the header line."""

    def __init__(self):
        self._lines = 0
        self._quoted = False

    @property
    def count(self) -> int:
        return max(0, self._lines - 1)

    def feed(self, data: bytes) -> int:
        quoted, lines = self._quoted, self._lines
        if b'"' not in data and not quoted:
            lines += data.count(b"\n")
        else:
            for b in data:
                if b == 0x22:
                    quoted = not quoted
                elif b == 0x0A and not quoted:
                    lines += 1
        self._quoted, self._lines = quoted, lines
        return self.count


def counter_for(media_type: str):
    """A streaming counter for this media type, or None if it can only be counted after parsing."""
    media_type = media_type.split(";")[0].strip().lower()
    return {
        "application/sparql-results+json": JsonResultsCounter,
        "application/json": JsonResultsCounter,
        "application/sparql-results+xml": XmlResultsCounter,
        "text/csv": CsvResultsCounter,
        "text/tab-separated-values": lambda: LineCounter(header=1),
        "application/n-triples": LineCounter,
        "application/n-quads": LineCounter,
        "text/plain": LineCounter,
    }.get(media_type, lambda: None)()


def count_rdf(data: bytes, media_type: str) -> int | None:
    """Statements in an RDF document of any syntax pyoxigraph reads; None if it cannot tell."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
    if fmt is None:
        return None
    try:
        return sum(1 for _ in ox.parse(data, format=fmt))
    except (SyntaxError, ValueError):
        return None
