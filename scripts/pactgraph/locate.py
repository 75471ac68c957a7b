"""Find the line of a file where a resource is described, for messages a person can act on."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .namespaces import PREFIXES

_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


@lru_cache(maxsize=64)
def _read(path: Path) -> tuple[list[str], dict[str, str]]:
    return _lines_and_prefixes(path.read_text(encoding="utf-8", errors="replace"))


def _lines_and_prefixes(text: str) -> tuple[list[str], dict[str, str]]:
    lines = text.split("\n")  # as the parser counts lines (splitlines() also splits at \x0b, \x0c, ...)
    prefixes = {}
    for line in lines:
        m = _PREFIX_DECL.match(line)
        if m:
            prefixes[m.group(1) or ""] = m.group(2)
    return lines, prefixes


def line_of(path: Path, iri: str) -> int | None:
    """1-based line where `iri` is first used as a subject (else first mentioned), or None."""
    return _line_in(*_read(path), iri)


def _spellings(prefixes: dict[str, str], iri: str) -> list[str]:
    spellings = [f"<{iri}>"]
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            spellings.append(f"{prefix}:{iri[len(ns):]}")
    return spellings


def _token_pattern(spellings: list[str]) -> re.Pattern:
    # A token ends where a Turtle name cannot continue.
    return re.compile(r"(^|[\s;,(\[])(" + "|".join(re.escape(s) for s in spellings) + r")(?=[\s;,.)\]]|$)")


def _line_in(lines: list[str], prefixes: dict[str, str], iri: str) -> int | None:
    pattern = _token_pattern(_spellings(prefixes, iri))
    first_mention = None
    for number, line in enumerate(lines, 1):
        m = pattern.search(line)
        if not m:
            continue
        if not line[: m.start(2)].strip():
            return number  # at the start of a line: the subject of a description
        first_mention = first_mention or number
    return first_mention


def _search_from(lines: list[str], start: int | None, pattern: re.Pattern) -> int | None:
    """First line matching `pattern` at or after line `start` (1-based), else anywhere, else None."""
    order = list(range((start or 1) - 1, len(lines))) + list(range(0, (start or 1) - 1))
    for i in order:
        if pattern.search(lines[i]):
            return i + 1
    return None


def literal_line(text: bytes | str, literal, subject=None) -> int | None:
    """The line of a Turtle text where `literal` (an Oxigraph Literal) is written: searched from the
    line of its subject on; the subject's line if the literal is not found as written."""
    import pyoxigraph as ox

    lines, prefixes = _lines_and_prefixes(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
    start = _line_in(lines, prefixes, subject.value) if isinstance(subject, ox.NamedNode) else None
    value = re.escape(literal.value)
    quoted = "|".join(f"{q}{value}{q}" for q in ('"""', "'''", '"', "'"))
    pattern = re.compile(rf"(?:{quoted})|(?<![\w.+-]){value}(?![\w.])")
    return _search_from(lines, start, pattern) or start


def char_line(text: bytes | str, char: str, subject=None) -> int | None:
    """The line of a Turtle text where the character `char` is written, raw or as an escape
    (\\uXXXX, \\UXXXXXXXX, \\b, \\f): searched from the line of `subject` on."""
    import pyoxigraph as ox

    lines, prefixes = _lines_and_prefixes(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
    start = _line_in(lines, prefixes, subject.value) if isinstance(subject, ox.NamedNode) else None
    code = ord(char)
    forms = [re.escape(char), rf"\\u{code:04x}", rf"\\U{code:08x}"]
    forms += [r"\\b"] if code == 8 else [r"\\f"] if code == 12 else []
    pattern = re.compile("|".join(forms), re.IGNORECASE)
    return _search_from(lines, start, pattern) or start


def compact(iri: str, display: bool = False) -> str:
    """`pg:Foo` for IRIs in a known namespace, `<iri>` otherwise (longest namespace wins).

    With `display`, slashes may stay in the local part (`pgid:place/jp`): readable, and accepted back
    by the CLI's parameters, though not a valid Turtle prefixed name.
    """
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    if best is None:
        return f"<{iri}>"
    local = iri[len(PREFIXES[best]):]
    allowed = r"[\w./-]*[\w-]|" if display else r"[\w.-]*[\w-]|"
    return f"{best}:{local}" if re.fullmatch(allowed, local) else f"<{iri}>"


# -- where a statement is written --------------------------------------------------------------------


def _term_pattern(prefixes: dict[str, str], term) -> re.Pattern:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return _token_pattern(_spellings(prefixes, term.value))
    value = re.escape(term.value)
    quoted = "|".join(f"{q}{value}{q}" for q in ('"""', "'''", '"', "'"))
    return re.compile(rf"(?:{quoted})|(?<![\w.+-]){value}(?![\w.])")


def statement_line(path: Path, subject, predicate, obj) -> int | None:
    """The line of `path` where the statement (subject, predicate, obj) is written: the first line,
    from the subject's description on, that holds the object (else the predicate); else the line of
    the subject; None if the subject is not found. Terms are Oxigraph terms."""
    import pyoxigraph as ox

    lines, prefixes = _read(path)
    start = _line_in(lines, prefixes, subject.value) if isinstance(subject, ox.NamedNode) else None
    if start is None:
        return None
    for term in (obj, predicate):
        if isinstance(term, (ox.NamedNode, ox.Literal)):
            pattern = _term_pattern(prefixes, term)
            for i in range(start - 1, len(lines)):
                if pattern.search(lines[i]):
                    return i + 1
    return start


def statement_locations(store, by_graph: dict, subject, predicate, root: Path | None = None,
                        language: str | None = None) -> list[tuple[str, int | None, str]]:
    """(file, line, value) for every value of `predicate` on `subject` in the store, in file order:
    where each of two values that should be one is written. `by_graph` maps a graph IRI to its
    sources.SourceFile; values in graphs without a file are left out. With `language`, only the
    literals in that language (two English labels)."""
    from .sources import relpath

    out = []
    for q in store.quads_for_pattern(subject, predicate, None):
        if language is not None and getattr(q.object, "language", None) != language:
            continue
        src = by_graph.get(getattr(q.graph_name, "value", None))
        if src is None:
            continue
        out.append((relpath(src.path, root), statement_line(src.path, subject, predicate, q.object),
                    _display(q.object)))
    return sorted(out, key=lambda x: (x[0], x[1] or 0, x[2]))


def usage_location(store, by_graph: dict, iri: str, kinds: tuple[str, ...] = ("data",), root: Path | None = None
                   ) -> tuple[str, int | None] | None:
    """(file, line) of the first statement of a source file of one of `kinds` that uses `iri` as its
    predicate (else as its object): where a misspelt term is written, not where terms are declared."""
    import pyoxigraph as ox

    from .sources import relpath

    term = ox.NamedNode(iri)
    found = []
    for pattern in ((None, term, None), (None, None, term)):
        for q in store.quads_for_pattern(*pattern):
            src = by_graph.get(getattr(q.graph_name, "value", None))
            if src is not None and src.kind in kinds:
                found.append((relpath(src.path, root), statement_line(src.path, q.subject, q.predicate, q.object)))
        if found:
            return min(found, key=lambda x: (x[0], x[1] or 0))
    return None


def describe_locations(locations: list[tuple[str, int | None, str]]) -> str:
    """`"Japan"@en (data/places.ttl:12), "Nippon"@en (data/extra.ttl:4)` for statement_locations."""
    return ", ".join(f"{value} ({file}{':' + str(line) if line else ''})" for file, line, value in locations)


def _display(term) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return "[blank node]"
    return str(term)


def repeated_values(store, by_graph: dict, subject, predicate, root: Path | None = None
                    ) -> list[tuple[str, int | None, str]]:
    """statement_locations of the values that clash: those of a language that has two or more (two
    English labels), else all of them (two dates); [] if there is only one value."""
    locations = statement_locations(store, by_graph, subject, predicate, root)
    languages: dict[str, set] = {}
    for q in store.quads_for_pattern(subject, predicate, None):
        lang = getattr(q.object, "language", None)
        if lang:
            languages.setdefault(lang, set()).add(q.object)
    repeated = [lang for lang, values in languages.items() if len(values) > 1]
    if repeated:
        locations = [loc for loc in locations if any(loc[2].endswith(f'"@{lang}') for lang in repeated)]
    return locations if len({value for _, _, value in locations}) > 1 else []
