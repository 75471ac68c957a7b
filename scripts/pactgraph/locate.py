"""Find the line of a file where a resource is described, for messages a person can act on."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .namespaces import PREFIXES

_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


@lru_cache(maxsize=64)
def _read(path: Path) -> tuple[list[str], dict[str, str]]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    prefixes = {}
    for line in lines:
        m = _PREFIX_DECL.match(line)
        if m:
            prefixes[m.group(1) or ""] = m.group(2)
    return lines, prefixes


def line_of(path: Path, iri: str) -> int | None:
    """1-based line where `iri` is first used as a subject (else first mentioned), or None."""
    lines, prefixes = _read(path)
    spellings = [f"<{iri}>"]
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            spellings.append(f"{prefix}:{iri[len(ns):]}")
    # A token ends where a Turtle name cannot continue.
    pattern = re.compile(r"(^|[\s;,(\[])(" + "|".join(re.escape(s) for s in spellings) + r")(?=[\s;,.)\]]|$)")
    first_mention = None
    for number, line in enumerate(lines, 1):
        m = pattern.search(line)
        if not m:
            continue
        if not line[: m.start(2)].strip():
            return number  # at the start of a line: the subject of a description
        first_mention = first_mention or number
    return first_mention


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
