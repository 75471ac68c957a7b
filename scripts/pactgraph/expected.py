"""Rewrite the expected results of canned queries from what they return now.

    python -m pactgraph.expected QUERY [QUERY ...]

Each case keeps its parameters; only its rows are replaced. Use it only knowingly: read the diff
(`git diff queries/`) and say in the commit message why each answer changed (README, "Adding a fact").
"""

from __future__ import annotations

import argparse
import json
import sys

from . import queries
from .project import find_project
from .sources import load_store, source_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pactgraph.expected", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="QUERY")
    args = parser.parse_args(argv)
    project = find_project()
    found = queries.discover(project.queries_dir)
    store = load_store(source_files(project))
    for name in args.names:
        q = queries.get(found, name)
        cases = (json.loads(q.expected_path.read_text(encoding="utf-8")) if q.expected_path.is_file()
                 else [{"params": {}, "rows": []}])
        for case in cases:
            _, case["rows"] = queries.rows(queries.run(store, q.text, q.bindings(case.get("params", {}))))
        q.expected_path.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{q.expected_path.name}: {len(cases)} case(s), {sum(len(c['rows']) for c in cases)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
