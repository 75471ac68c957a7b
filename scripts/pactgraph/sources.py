"""Parse the project's Turtle files into one Oxigraph store, one named graph per file.

Sources flow one way: files -> store. A file that does not parse is reported with its path, line and
column, and nothing is loaded from a broken set of files.

Input the parser accepts but the rest of the build cannot carry is refused here too, with the file
and line (each an InputError, exit 2):

* a character in a literal that no XML document can hold (C0 controls other than tab, line feed and
  carriage return; U+FFFE, U+FFFF): the RDF/XML export would not be well-formed;
* blank nodes and collections nested deeper than `MAX_NESTING` (option `--max-nesting`): the store,
  the validator and the exports recurse on them (a collection nested 100,000 deep took 12 GB);
* a typed literal that the store would rewrite (Oxigraph stores "5"^^xsd:int as xsd:integer,
  "4.0"^^xsd:decimal as "4", and an ill-formed "300"^^xsd:byte as a valid xsd:integer): the exports
  would differ from the file, and validation would see another value than the one written;
* a token (literal or IRI) longer than the parser's buffer (16 MiB), a file that cannot be read, and a
  file name that cannot be part of a graph IRI.

The literal and nesting checks need the parser's terms in Python: each file is parsed once more for
them. Measured (load_store, best of 5, 2 shared cores): the project's data 0.023 s -> 0.047 s; a
generated world of 100k triples 0.165 s -> 0.343 s; 1M triples 2.10 s -> 3.56 s (about 1.5 us a triple).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError, visible
from .namespaces import OWL, RDF, XSD, graph_iri

#: deepest bracket nesting ('(' and '[') accepted in a source file (`--max-nesting`)
MAX_NESTING = 64
#: Oxigraph's Turtle parser cannot hold a token (one literal or IRI) longer than this
PARSER_TOKEN_LIMIT = 16 * 1024 * 1024
BOM = b"\xef\xbb\xbf"

@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph: str  # the named graph IRI the file loads into
    kind: str  # "ontology" or "data"


def source_files(project, data_dir: Path | None = None) -> list[SourceFile]:
    """The files that make up the published dataset: the ontology (with alignments) and the data."""
    files = [SourceFile(p, graph_iri("ontology", p.stem), "ontology") for p in project.ontology_files()]
    files += [SourceFile(p, graph_iri("data", p.stem), "data") for p in project.data_files(data_dir)]
    for f in files:
        check_file_name(f.path, f.graph)
    return files


_FILE_NAME = re.compile(r"[\w.-]+")


def check_file_name(path: Path, graph: str) -> None:
    """A source file's name becomes part of its graph IRI: letters, digits, '.', '-' and '_' only."""
    bad = "" if _FILE_NAME.fullmatch(path.stem) else next(c for c in path.stem if not _FILE_NAME.fullmatch(c))
    if not bad:
        try:
            ox.NamedNode(graph)
        except ValueError:
            bad = "?"
    if bad:
        what = "a space" if bad == " " else repr(bad) if bad != "?" else "a character"
        raise InputError(visible(f"{path}: the file name has {what}; a source file's name becomes its graph IRI "
                                 f"({graph_iri('data', '')}NAME), so use only letters, digits, '.', '-' and '_'"))


def relpath(path: Path, root: Path | None = None) -> str:
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


def _syntax_error(path: Path, err: SyntaxError) -> InputError:
    line, col = (err.lineno, err.offset) if err.lineno else (None, None)
    where = f"{path}:{line}:{col}" if line else str(path)
    # Oxigraph's message starts with its own position text; keep only what is wrong.
    msg = str(err.msg if hasattr(err, "msg") else err)
    what = msg.split(": ", 1)[1] if msg.startswith("Parser error") and ": " in msg else msg
    return InputError(visible(f"{where}: Turtle syntax error: {what}"))


def _too_large(path: Path, data: bytes | None) -> InputError:
    line = None  # the first line long enough to hold most of such a token, if any
    if data is not None:
        for number, text_line in enumerate(data.split(b"\n"), 1):
            if len(text_line) > PARSER_TOKEN_LIMIT // 2:
                line = number
                break
    where = f"{path}:{line}" if line else str(path)
    return InputError(f"{where}: a literal or IRI longer than the parser can hold "
                      f"({PARSER_TOKEN_LIMIT // (1024 * 1024)} MiB); keep large texts out of the sources")


def read_source(path: Path, kind: str = "Turtle file") -> bytes:
    """The bytes of a source file (a `kind`: Turtle file, query file), without a UTF-8 byte order mark;
    InputError naming the file if it is a folder or cannot be read."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a {kind}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    return data[len(BOM):] if data.startswith(BOM) else data


def parse_file(path: Path, graph: str | None = None, data: bytes | None = None) -> list[ox.Quad]:
    """Parse one Turtle file (or its `data`, already read) into quads of `graph` (the default graph
    if None).

    Raises InputError naming the file, line and column of the first syntax error.
    """
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    if data is None:
        data = read_source(path)
    try:
        # Blank nodes are renamed so that `_:b1` in two files stays two nodes; exports canonicalise
        # them again, so the random names never reach an artefact.
        triples = ox.parse(data, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        return [ox.Quad(t.subject, t.predicate, t.object, target) for t in triples]
    except SyntaxError as err:
        raise _syntax_error(path, err) from None
    except MemoryError:
        raise _too_large(path, data) from None


def load_store(files: list[SourceFile], max_nesting: int | None = None, path: Path | None = None,
               periods: Path | None = None) -> ox.Store:
    """An Oxigraph store holding every file in its named graph: in memory, or on disk in the folder
    `path` (RocksDB, filled by Oxigraph's bulk loader; the folder must be new or empty: store.py).
    The derived status periods are also written, as N-Quads, to the file `periods` (default for a store
    on disk: PERIODS_FILE in its folder; none for one in memory), from which, with the source files,
    the build writes its exports (export.write_sources).

    A file is loaded by Oxigraph itself (`Store.load`: parsed and inserted in Rust, no Python object
    per triple; about twice as fast as parsing into Python quads, docs/benchmarks.md), on a thread of
    its own while this one parses the same text again for the literal and nesting checks: the load
    releases the GIL, so the two run on two cores. A file with labelled blank nodes (`_:b1`) goes
    through parse_file instead, which renames them so that the same label in two files stays two nodes
    (`Store.load` keeps labels as written). The typed literals of all the files are checked at the end
    (see the module docstring). Each load is a transaction, and on any error the store is dropped, so
    no caller sees a half-loaded store.
    """
    from concurrent.futures import ThreadPoolExecutor

    limit = MAX_NESTING if max_nesting is None else max_nesting
    store = ox.Store(str(path)) if path is not None else ox.Store()
    bulk = path is not None  # the bulk loader writes files directly, without a transaction log
    literals = _Literals()
    pool = ThreadPoolExecutor(1)  # one writer, in file order
    loads = []

    def load(f: SourceFile, text: bytes) -> None:
        try:
            if bulk:
                store.bulk_load(text, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.graph))
            else:
                store.load(text, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.graph))
        except SyntaxError as err:  # the check below meets it first and says where
            raise _syntax_error(f.path, err) from None
        except MemoryError:
            raise _too_large(f.path, text) from None

    try:
        for f in files:
            text = read_source(f.path)
            if b"_:" in text:  # a cheap over-approximation: "_:" inside a string or IRI only costs speed
                quads = parse_file(f.path, f.graph, text)
                literals.add(f.path, text, (q.triple for q in quads), limit)
                loads.append(pool.submit(store.bulk_extend if bulk else store.extend, quads))
                continue
            loads.append(pool.submit(load, f, text))
            try:
                literals.add(f.path, text, ox.parse(text, format=ox.RdfFormat.TURTLE), limit)
            except SyntaxError as err:
                raise _syntax_error(f.path, err) from None
            except MemoryError:
                raise _too_large(f.path, text) from None
        for done in loads:
            done.result()
        literals.check()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    literals.remember()
    # The status rule's periods are part of every store built from sources (status.py): the shapes
    # check them with the rest, and every query reads the same answer.
    from .status import derive

    if not bulk:
        derive(store, copy=periods)
    else:
        derive(store, spill=periods or Path(path) / PERIODS_FILE)
        # The bulk loads leave their own files, which every read must merge: compacting them costs
        # 0.8 s at 1M triples and made validation 8% faster there.
        store.optimize()
        store.flush()
    return store


#: In an on-disk store's folder: the derived status periods as N-Quads (status.derive), for the exports.
PERIODS_FILE = "status-periods.nq"

#: file -> the triples of it, as written, whose literal the store holds otherwise (OWL cardinalities,
#: the only rewrite the loader lets through); filled by load_store for the validator (rewritten_in).
_REWRITTEN: dict[tuple, list[ox.Triple]] = {}


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def rewritten_in(paths: list[Path]) -> list[ox.Triple] | None:
    """The triples of `paths` whose literal a store built by load_store does not hold as written, as
    load_store found them while loading those very files (None if one of them was not loaded, or has
    changed since): the validator needs them, and parsing the files again costs 1.2 s at 1M triples."""
    out = []
    for p in paths:
        try:
            key = _file_key(p)
        except OSError:
            return None
        if key not in _REWRITTEN:
            return None
        out += _REWRITTEN[key]
    return out


# -- nesting ---------------------------------------------------------------------------------------

#: Turtle tokens in which a bracket is not syntax: strings (loops unrolled, for speed), IRIs, comments,
#: escaped characters of prefixed names
_NOT_CODE = rb"""
    "{3} [^"\\]* (?: (?: \\. | "(?!"") ) [^"\\]* )* "{3}
  | '{3} [^'\\]* (?: (?: \\. | '(?!'') ) [^'\\]* )* '{3}
  | " [^"\\\n\r]* (?: \\. [^"\\\n\r]* )* "
  | ' [^'\\\n\r]* (?: \\. [^'\\\n\r]* )* '
  | < [^<>"{}|^`\\\x00-\x20]* >
  | \# [^\n\r]*
  | \\.
"""
_NOT_CODE_RE = re.compile(_NOT_CODE, re.VERBOSE | re.DOTALL)
_TOKENS = re.compile(_NOT_CODE + rb"| [()\[\]]", re.VERBOSE | re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"()[]")


def nesting_error(text: bytes, limit: int) -> int | None:
    """The 1-based line where brackets first nest deeper than `limit`, or None (brackets inside
    strings, IRIs and comments do not count)."""
    if text.count(b"(") + text.count(b"[") <= limit:
        return None  # cannot nest deeper than the number of brackets
    # Fast: the brackets of the code alone (C loops), then their depth; the line only on failure.
    depth = deepest = 0
    for b in _NOT_CODE_RE.sub(b"", text).translate(None, _NOT_BRACKET):
        depth += 1 if b in (40, 91) else -1  # ( [
        if depth > deepest:
            deepest = depth
    if deepest <= limit:
        return None
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in (b"(", b"["):
            depth += 1
            if depth > limit:
                return text.count(b"\n", 0, m.start()) + 1
        elif c in (b")", b"]"):
            depth -= 1
    return None


# -- literals --------------------------------------------------------------------------------------

#: characters no XML 1.0 document can hold (so no RDF/XML export): C0 controls but tab, LF and CR;
#: U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: such a character written raw (U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8)
_RAW_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _may_hold_not_xml(text: bytes) -> bool:
    """Whether a file may hold such a character: raw, or escaped in a string (\\u, \\U, \\b, \\f)."""
    return (_RAW_NOT_XML.search(text) is not None or b"\xef\xbf\xbe" in text or b"\xef\xbf\xbf" in text
            or any(e in text for e in (b"\\u", b"\\U", b"\\b", b"\\f")))


#: datatypes whose literals the store keeps as written, whatever their lexical form
_KEPT = {XSD + "string", RDF + "langString"}
#: OWL 2 requires xsd:nonNegativeInteger on cardinality restrictions; the store keeps them as xsd:integer
#: (an open Oxigraph issue), which the ontology cannot avoid: the only rewrite let through
_OWL_CARDINALITY = {OWL + p for p in ("cardinality", "minCardinality", "maxCardinality", "qualifiedCardinality",
                                      "minQualifiedCardinality", "maxQualifiedCardinality")}
_NON_NEGATIVE = XSD + "nonNegativeInteger"
#: the value ranges of the integer types derived from xsd:integer
_RANGES = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None), "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1), "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1),
    "short": (-2**15, 2**15 - 1), "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}


_REST = RDF + "rest"


def blank_depth(parent: dict) -> int:
    """The deepest chain of `parent` links (node -> (parent, levels)), each node walked once."""
    depth: dict = {}
    deepest = 0
    for start in parent:
        chain, node = [], start
        while node in parent and node not in depth:
            if len(chain) > len(parent):  # a cycle (labelled blank nodes): count it once
                break
            chain.append(node)
            node = parent[node][0]
        level = depth.get(node, 0)
        for n in reversed(chain):
            level += parent[n][1]
            depth[n] = level
        deepest = max(deepest, level)
    return deepest


class _Literals:
    """Literals seen while loading, checked once for all files (a scratch store is the judge of what
    the store rewrites: each distinct typed literal is stored once and read back)."""

    def __init__(self):
        self.typed: dict[ox.Literal, tuple[Path, bytes, object]] = {}
        self.cardinalities: dict[Path, list[ox.Triple]] = {}

    def add(self, path: Path, text: bytes, triples, max_nesting: int = MAX_NESTING) -> None:
        """Check the literals of one file's triples (and collect its typed ones), and the nesting of
        its blank nodes: a blank node object of a blank node is one level deeper, but for the next
        item of a collection (rdf:rest), so `( ( x ) )` and `[ p [ q x ] ]` are 2 deep, `(a b c)` 1."""
        controls = _may_hold_not_xml(text)
        typed, kept, literal, blank = self.typed, _KEPT, ox.Literal, ox.BlankNode
        parent: dict = {}  # blank node -> (the blank node holding it, levels added)
        cardinalities = self.cardinalities.setdefault(path, [])
        for t in triples:
            o = t.object
            if type(o) is blank:
                if type(t.subject) is blank and o not in parent:
                    parent[o] = (t.subject, 0 if t.predicate.value == _REST else 1)
                continue
            if type(o) is not literal:
                continue
            if controls and _NOT_XML.search(o.value):
                raise _control_error(path, text, t.subject, o)
            if t.predicate.value in _OWL_CARDINALITY:
                # The store keeps these as xsd:integer; the exports give them back the datatype OWL 2
                # requires (export.owl_cardinalities), which is exact only if every source wrote it.
                if o.datatype.value != _NON_NEGATIVE:
                    raise InputError(visible(f"{_where(path, text, t.subject, o)}: an OWL cardinality takes "
                                             f'"{o.value}"^^xsd:nonNegativeInteger (OWL 2), not {o.datatype.value}'))
                cardinalities.append(t)
                continue
            if o.datatype.value not in kept and o not in typed:
                typed[o] = (path, text, t.subject)
        if len(parent) >= max_nesting and blank_depth(parent) + 1 > max_nesting:
            line = nesting_error(text, max_nesting)
            raise InputError(f"{path}{':' + str(line) if line else ''}: blank nodes and collections nested more "
                             f"than {max_nesting} deep; flatten the data (or raise --max-nesting)")

    def remember(self) -> None:
        """Record, per file, what the store holds otherwise than written (rewritten_in)."""
        for path, triples in self.cardinalities.items():
            try:
                _REWRITTEN[_file_key(path)] = triples
            except OSError:
                pass

    def check(self) -> None:
        if not self.typed:
            return
        probe, by_subject = ox.Store(), {}
        value = ox.NamedNode(RDF + "value")
        quads = []
        for i, lit in enumerate(self.typed):
            s = ox.NamedNode(f"urn:probe:{i}")
            by_subject[s] = lit
            quads.append(ox.Quad(s, value, lit))
        probe.extend(quads)
        rewritten = [(by_subject[q.subject], q.object) for q in probe if q.object != by_subject[q.subject]]
        if not rewritten:
            return
        # The first in file order: the order literals were met.
        order = {lit: i for i, lit in enumerate(self.typed)}
        rewritten.sort(key=lambda pair: order[pair[0]])
        written, stored = rewritten[0]
        path, text, subject = self.typed[written]
        more = f" (and {len(rewritten) - 1} more such literal{'s' if len(rewritten) > 2 else ''})" \
            if len(rewritten) > 1 else ""
        raise InputError(visible(f"{_where(path, text, subject, written)}: {rewrite_advice(written, stored)}{more}"))


def rewrite_advice(written: ox.Literal, stored: ox.Literal) -> str:
    """Why a literal is refused and what to write instead."""
    from .locate import compact

    def show(lit: ox.Literal) -> str:
        return f'"{lit.value}"^^{compact(lit.datatype.value)}'

    dt = written.datatype.value
    local = dt[len(XSD):] if dt.startswith(XSD) else None
    if local in _RANGES and written.datatype != stored.datatype and re.fullmatch(r"[+-]?\d+", written.value.strip()):
        low, high = _RANGES[local]
        n = int(written.value)
        if (low is not None and n < low) or (high is not None and n > high):
            span = f"{low if low is not None else '...'} to {high if high is not None else '...'}"
            return (f"{show(written)} is not a valid xsd:{local} (its values are {span}), and the store would keep "
                    f"it as {show(stored)}; write a value in range, or {show(stored)}")
    return (f"{show(written)} would be stored as {show(stored)} (the store rewrites it, so the exports and the "
            f"validator would not see what the file says); write {show(stored)} instead")


def _control_error(path: Path, text: bytes, subject, literal: ox.Literal) -> InputError:
    char = _NOT_XML.search(literal.value).group()
    where = _where(path, text, subject, None, char)
    return InputError(f"{where}: a literal holds {_name(char)}, a character no XML document can hold "
                      "(the RDF/XML export would not be well-formed); remove it")


def _name(char: str) -> str:
    names = {0: "NUL", 7: "BEL", 8: "BACKSPACE", 0xB: "VERTICAL TAB", 0xC: "FORM FEED", 0x1B: "ESCAPE"}
    code = ord(char)
    return f"U+{code:04X}" + (f" ({names[code]})" if code in names else "")


def _where(path: Path, text: bytes, subject, literal: ox.Literal | None, char: str | None = None) -> str:
    from .locate import literal_line, char_line

    line = literal_line(text, literal, subject) if literal is not None else char_line(text, char, subject)
    return f"{path}:{line}" if line else str(path)
