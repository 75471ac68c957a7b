"""Small, dependency-free readings of SPARQL text: what kind of request it is, and pre-binding
parameters with a VALUES block (how every store, the embedded one included, gets them).

This is not a SPARQL parser. It only tells code from comments, strings and IRIs (so that a `#` in
`<http://www.w3.org/2000/01/rdf-schema#>` or a `{` inside a string is not mistaken for syntax), which
is enough to find the first keyword of a request and the group that opens the WHERE clause.
"""

from __future__ import annotations

import re

#: Keywords that start a SPARQL 1.1 Update operation (after the prologue).
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})

_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PROLOGUE = re.compile(r"\s*(?:PREFIX\s+[^\s:]*:|BASE\b)", re.IGNORECASE)


def code_mask(text: str) -> list[bool]:
    """For each character: True if it is SPARQL syntax, False inside a comment, string or IRI."""
    mask = [True] * len(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":  # a comment ends at the end of the line: LF or CR (SPARQL 1.1 grammar, [EOL])
            ends = [e for e in (text.find("\n", i), text.find("\r", i)) if e >= 0]
            end = min(ends) if ends else n
            mask[i:end] = [False] * (end - i)
            i = end
        elif c in "\"'":
            long = text.startswith(c * 3, i)
            quote = c * 3 if long else c
            j = i + len(quote)
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    j += len(quote)
                    break
                if not long and text[j] == "\n":
                    break  # unterminated short string: stop at the line end
                j += 1
            mask[i:j] = [False] * (j - i)
            i = j
        elif c == "<" and (m := _IRIREF.match(text, i)):
            mask[i:m.end()] = [False] * (m.end() - i)
            i = m.end()
        else:
            i += 1
    return mask


#: what may come before the first keyword: white space, comments and well-formed declarations
_LEAD = re.compile(r"(?:\s+|\#[^\r\n]*|(?i:PREFIX)\s+[^\s:]*:\s*<[^<>\s]*>|(?i:BASE)\s*<[^<>\s]*>)*")


def first_keyword(text: str) -> str | None:
    """The first keyword after the prologue (PREFIX/BASE declarations), upper-cased."""
    if text.startswith("\ufeff"):
        text = text[1:]
    w = _WORD.match(text, _LEAD.match(text).end())  # the common case, without a pass over the whole text
    if w:
        return w.group(0).upper()
    body = blank_non_code(text)
    pos = 0
    while m := _PROLOGUE.match(body, pos):  # the declarations' IRIs are blanked out already
        pos = m.end()
    w = _WORD.search(body, pos)
    return w.group(0).upper() if w else None


def nesting(text: str, limit: int | None = None) -> tuple[int, int]:
    """(deepest nesting of the brackets ( [ { outside comments, strings and IRIs, its 1-based line).
    With `limit`, stops at the first bracket deeper than it."""
    code = blank_non_code(text)
    depth = deepest = 0
    line = 1
    for m in re.finditer(r"[(\[{]|[)\]}]", code):
        if m.group() in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
                line = code.count("\n", 0, m.start()) + 1 if limit is None or depth > limit else line
                if limit is not None and depth > limit:
                    break
        else:
            depth -= 1
    return deepest, line


def blank_non_code(text: str) -> str:
    """The text with comments, strings and IRIs replaced by spaces (same length, same offsets)."""
    mask = code_mask(text)
    return "".join(c if keep or c == "\n" else " " for c, keep in zip(text, mask))


def is_update(text: str) -> bool:
    """True if the text is (or starts as) a SPARQL Update request rather than a query."""
    return first_keyword(text) in UPDATE_KEYWORDS


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK; None if the text does not start as a query."""
    kw = first_keyword(text)
    return kw if kw in QUERY_FORMS else None


def where_group_start(text: str) -> int:
    """Index just after the `{` that opens the query's WHERE clause (the first top-level group).

    For SELECT/ASK/DESCRIBE that is the first `{` in the text; for CONSTRUCT the template comes
    first, so it is the `{` after the keyword WHERE (or the second top-level group).
    """
    body = blank_non_code(text)
    form = query_form(text)
    if form == "CONSTRUCT":
        m = re.search(r"\bWHERE\s*\{", body, re.IGNORECASE)
        if m:
            return m.end()
        first = body.find("{")
        depth, i = 0, first
        while 0 <= i < len(body):
            if body[i] == "{":
                depth += 1
            elif body[i] == "}":
                depth -= 1
                if depth == 0:
                    nxt = body.find("{", i)
                    if nxt >= 0:
                        return nxt + 1
                    break
            i += 1
        raise ValueError("no WHERE clause found")
    i = body.find("{")
    if i < 0:
        raise ValueError("no WHERE clause found")
    return i + 1


def bind_values(text: str, terms: dict[str, str]) -> str:
    """Pre-bind variables the portable way: a VALUES block as the first element of the WHERE group.

    `terms` maps a variable name (without '?') to the N-Triples form of its RDF term. Every element
    of the WHERE group, its FILTERs and EXISTS included, then sees the variables bound, as with
    Oxigraph's substitution; unlike a trailing VALUES clause, which is joined only after the group
    has been evaluated. Each sub-SELECT that mentions a variable gets its own block too (a subquery
    does not see the bindings of the group around it). Any SPARQL 1.1 store runs the result.
    """
    if not terms:
        return text
    code = blank_non_code(text)
    inserts = [(where_group_start(text), list(terms))]
    for m in re.finditer(r"\bSELECT\b", code, re.IGNORECASE):
        if m.start() <= code.upper().find("SELECT"):
            continue  # the query itself
        brace = code.find("{", m.end())
        if brace < 0:
            continue
        end = _matching_brace(code, brace)
        used = [n for n in terms if re.search(r"[?$]" + re.escape(n) + r"\b", code[brace:end])]
        if used:
            inserts.append((brace + 1, used))
    for at, names in sorted(inserts, reverse=True):
        block = ("VALUES (" + " ".join("?" + n for n in names) + ") { ("
                 + " ".join(terms[n] for n in names) + ") }")
        text = text[:at] + "\n  " + block + "\n" + text[at:]
    return text


def _matching_brace(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(code)


# -- equivalent rewritings for weaker engines ---------------------------------------------------
#
# Both keep the meaning of the query (they are the SPARQL 1.1 spec's own translations) and only
# change its shape. Virtuoso 7.2 drops solutions for `?x a/rdfs:subClassOf* C` (a sequence path)
# and for a transitive path next to a FILTER (A && (B || C)), but answers the rewritten forms right.

_TYPE_PATH = re.compile(r"(?<![\w?$:/])a\s*/\s*(rdfs:subClassOf[*+])")
_OBJECT = re.compile(r"\s*(<[^>\s]*>|[?$][A-Za-z0-9_]+|[A-Za-z][\w.-]*:[\w.-]*|:[\w.-]*)")


def expand_type_paths(text: str) -> str:
    """`?x a/rdfs:subClassOf* C` becomes `?x a ?_pgtN` plus `?_pgtN rdfs:subClassOf* C` in the same group
    (the translation of a sequence path with a fresh variable)."""
    inserts: list[tuple[int, str]] = []
    out, n = [], 0
    code = blank_non_code(text)
    if re.search(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", code, re.IGNORECASE):
        return text  # the fresh variables would show in the results
    for m in _TYPE_PATH.finditer(code):
        obj = _OBJECT.match(text, m.end())
        after = code[obj.end():].lstrip() if obj else ","
        if not obj or after.startswith(","):
            continue  # an object list: leave it alone
        n += 1
        var = f"?_pgt{n}"
        group = _enclosing_group(code, m.start())
        inserts.append((group, f" {var} {m.group(1)} {obj.group(1)} ."))
        out.append((m.start(), obj.end(), f"a {var}"))
    if not out:
        return text
    edits = sorted([(s, e, r) for s, e, r in out] + [(g, g, ins) for g, ins in inserts], key=lambda x: (x[0], -x[1]))
    result, pos = [], 0
    for s, e, r in edits:
        result.append(text[pos:s])
        result.append(r)
        pos = e
    result.append(text[pos:])
    return "".join(result)


def _enclosing_group(code: str, at: int) -> int:
    """Index just after the `{` of the innermost group that contains position `at`."""
    depth = 0
    for i in range(at - 1, -1, -1):
        if code[i] == "}":
            depth += 1
        elif code[i] == "{":
            if depth == 0:
                return i + 1
            depth -= 1
    raise ValueError("pattern outside any group")


def split_conjunctions(text: str) -> str:
    """`FILTER (A && B)` becomes `FILTER (A) FILTER (B)`: the same solutions are kept (a FILTER keeps
    a solution only if its expression is true, and A && B is true only if both are)."""
    code = blank_non_code(text)
    edits = []
    for m in re.finditer(r"\bFILTER\s*\(", code, re.IGNORECASE):
        open_at = m.end() - 1
        close_at = _matching(code, open_at)
        if close_at < 0:
            continue
        parts, depth, start = [], 0, open_at + 1
        i = start
        while i < close_at:
            c = code[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 0 and code.startswith("&&", i):
                parts.append((start, i))
                start = i + 2
                i += 1
            i += 1
        if not parts:
            continue
        parts.append((start, close_at))
        replacement = " ".join(f"FILTER ({text[s:e].strip()})" for s, e in parts)
        edits.append((m.start(), close_at + 1, replacement))
    result, pos = [], 0
    for s, e, r in edits:
        if s < pos:  # nested in an earlier FILTER's expression (EXISTS): left as rewritten there
            continue
        result += [text[pos:s], r]
        pos = e
    result.append(text[pos:])
    return "".join(result)


def _matching(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1
