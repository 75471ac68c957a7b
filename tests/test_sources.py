"""Loading the source files into the store: one named graph per file, blank nodes kept apart."""

from __future__ import annotations

import pytest

from pactgraph.errors import InputError
from pactgraph.queries import parallel_map
from pactgraph.sources import SourceFile, load_store

PREFIX = "@prefix ex: <http://example.org/> .\n"


def _files(tmp_path, texts):
    out = []
    for i, text in enumerate(texts):
        path = tmp_path / f"f{i}.ttl"
        path.write_text(PREFIX + text, encoding="utf-8")
        out.append(SourceFile(path, f"http://example.org/graph/{i}", "data"))
    return out


def test_each_file_loads_into_its_graph(tmp_path):
    store = load_store(_files(tmp_path, ["ex:a ex:p ex:b .\n", "ex:a ex:p ex:c .\nex:a ex:q 1 .\n"]))
    sizes = {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs()}
    assert sizes == {"http://example.org/graph/0": 1, "http://example.org/graph/1": 2}


def test_same_blank_node_label_in_two_files_is_two_nodes(tmp_path):
    store = load_store(_files(tmp_path, ["_:b1 ex:p ex:x .\n", "_:b1 ex:p ex:y .\n", "[] ex:p ex:z .\n"]))
    subjects = {q.subject for q in store}
    assert len(store) == 3 and len(subjects) == 3


@pytest.mark.parametrize("first", ["ex:a", "_:b1"], ids=["loaded-by-oxigraph", "with-blank-node-labels"])
def test_syntax_error_names_file_line_and_column(tmp_path, first):
    files = _files(tmp_path, ["ex:a ex:p ex:b .\n", f"{first} ex:p ex:b .\nex:a ex:p \"open .\n"])
    with pytest.raises(InputError) as err:
        load_store(files)
    assert f"{files[1].path}:3:" in str(err.value) and "Turtle syntax error" in str(err.value)


def test_parallel_map_keeps_order_and_raises():
    assert parallel_map(lambda x: x * x, range(20), workers=2) == [x * x for x in range(20)]

    def boom(x):
        if x == 3:
            raise ValueError("three")
        return x

    with pytest.raises(ValueError, match="three"):
        parallel_map(boom, range(6), workers=2)
