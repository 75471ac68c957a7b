"""The Python API: the pactgraph release as a read-only Oxigraph store, its canned queries as calls.

    >>> import datetime
    >>> from pactgraph.api import open_release
    >>> release = open_release()
    >>> rows = release.query("in-force-partners", date=datetime.date(2024, 5, 2))

`open_release()` opens the same graph as the `pactgraph` command: inside a checkout its build
(`dist/pactgraph.nq`, or the sources when there is no build), elsewhere the release shipped in the
installed package (checked against its manifest of SHA-256 hashes). Queries run through the same code
as `pactgraph query` and `pactgraph sparql` (queries.py: the parameters typed as each query's header
declares and pre-bound, never pasted in; updates and over-deep nesting refused before the engine sees
the text). Unlike the CLI, a query here runs in this process, without a time limit.

Values in rows are Python values (`queries.to_python`): IRIs as str, xsd:date as `datetime.date`,
xsd:gYear and xsd:gYearMonth as `PartialDate` (a date known to the year or the month stays so: never
padded to a day), booleans as bool, integers as int, xsd:decimal as `decimal.Decimal`, other literals
as their text; a variable left unbound is None. Errors are `PactgraphError` (its `InputError`
subclass for a bad name, parameter or query), with the one-line message the CLI prints.

See docs/api.md for examples (run by the tests).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import queries as _queries
from .errors import InputError, PactgraphError
from .project import MANIFEST, Project, find_project, is_checkout, package_release_dir, release_project
from .queries import PartialDate, Value
from .version import VERSION

if TYPE_CHECKING:
    import rdflib

__all__ = ["open_release", "packaged_release_path", "Release", "QueryInfo", "PartialDate", "Value", "Row",
           "PactgraphError", "InputError"]

#: a result row: variable name -> value
Row = dict[str, Value]


class QueryInfo:
    """A canned query as its header describes it: name, question, what it returns, and its
    parameters (name -> (type, default))."""

    def __init__(self, query: _queries.CannedQuery):
        self.name: str = query.name
        self.question: str = query.question
        self.returns: str = query.returns
        self.params: dict[str, tuple[str, str | None]] = {n: (p.type, p.default) for n, p in query.params.items()}

    def __repr__(self) -> str:
        return f"QueryInfo({self.name!r}, params={self.params!r})"


class Release:
    """An opened pactgraph release. `store` is a read-only pyoxigraph Store (an update fails in the
    engine); `close()` (or leaving a `with` block) removes its on-disk copy."""

    def __init__(self, project: Project):
        self.project = project
        self.path: Path = project.root
        self.packaged: bool = project.packaged
        self._found = _queries.discover(project.queries_dir)
        folder = tempfile.mkdtemp(prefix="pactgraph-store-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, folder, True)
        try:
            from .store import open_read_only

            self.store: ox.Store = open_read_only(project, Path(folder), warn=_warn)
        except BaseException:
            self._cleanup()
            raise

    @property
    def version(self) -> str:
        """The release's version: its manifest's, or the package's for a checkout."""
        if self.packaged:
            import json

            return str(json.loads((self.path / MANIFEST).read_text(encoding="utf-8")).get("version", VERSION))
        return VERSION

    def queries(self) -> dict[str, QueryInfo]:
        """The canned queries by name."""
        return {name: QueryInfo(q) for name, q in self._found.items()}

    def query(self, name: str, /, **params: object) -> list[Row]:
        """Rows of the canned query `name`, its parameters given as keywords and typed as its header
        declares: an IRI as str (full, `<...>`, or a prefixed name such as "pgid:place/jp"); a date as
        `datetime.date` or "YYYY-MM-DD"; an integer as int; a string as str. A parameter not given
        takes its default. Each row holds every variable the query returns (the parameters too)."""
        q = _queries.get(self._found, name)
        result = _queries.run(self.store, q.text, q.bindings(params))
        return _queries.python_rows(result)[1]

    def sparql(self, text: str) -> list[Row] | bool | list[ox.Triple]:
        """Run ad-hoc SPARQL over the union of the named graphs, with the project's prefixes (pg:,
        pgid:, rdfs:, ...) declared: a SELECT gives rows as `query` does, an ASK a bool, a CONSTRUCT or
        DESCRIBE a list of pyoxigraph Triples."""
        result = _queries.run(self.store, text, prefixes=True)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            return _queries.python_rows(result)[1]
        return list(result)

    def dataset(self) -> rdflib.Dataset:
        """The release as an rdflib Dataset (a named graph per source file; the default graph is their
        union, as for the queries). rdflib is imported here only."""
        import rdflib

        data = ox.serialize(self.store, format=ox.RdfFormat.N_QUADS)
        assert data is not None  # serialize() returns the bytes when given no output
        ds = rdflib.Dataset(default_union=True)
        ds.parse(data=data.decode("utf-8"), format="nquads")
        return ds

    def close(self) -> None:
        self.__dict__.pop("store", None)
        self._cleanup()

    def __enter__(self) -> Release:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = "packaged release" if self.packaged else "checkout"
        return f"<pactgraph Release {self.version} ({kind} {self.path}), {len(self.store)} quads>"


def packaged_release_path() -> Path:
    """The folder of the release shipped in the installed package (`open_release(packaged_release_path())`
    opens it whatever the current folder)."""
    return package_release_dir()


def open_release(path: str | os.PathLike[str] | None = None) -> Release:
    """Open a release. `path`: a checkout (a folder with ontology/ and data/: its dist/ build, or its
    sources when it has none) or a release folder (one with MANIFEST.json, such as
    `packaged_release_path()`). Without `path`: the checkout at or above the current folder, else the
    release shipped in the package. A damaged release (a file whose hash or size differs from its
    manifest) raises InputError."""
    if path is None:
        return Release(find_project(packaged=True))
    folder = Path(path)
    if (folder / MANIFEST).is_file():
        return Release(release_project(folder))
    if is_checkout(folder):
        return Release(Project(folder.resolve()))
    raise InputError(f"{folder}: neither a pactgraph checkout (ontology/ and data/) nor a release ({MANIFEST})")


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message.removeprefix("pactgraph: note: "), stacklevel=6)
