"""Ids to node numbers in Arrow, against the plain-Python rules they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from demandrisk.codes import BLANKS
from demandrisk.graph import build_graph
from demandrisk.graph_ids import number_ids, text_array

# Whitespace of several kinds, case variants of blanks, non-ASCII ids.
CELLS = [
    "A", " A", "A\t", "b", "B", "é", "e\u0301", "ß", "SS", "日本", "\u3000Z", "Z",
    "\x1cH", "H", "", "  ", "N/A", "n/a ", "None", "-", "NULL", "nan", "x" * 20,
    None, np.nan,
]  # fmt: skip


def test_arrow_strip_is_python_strip_over_all_of_unicode():
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    padded = pa.array([f"{c}x{c}" for c in chars])
    stripped = pc.utf8_trim_whitespace(padded).to_pylist()
    assert stripped == [f"{c}x{c}".strip() for c in chars]


def test_text_array_cells():
    values = np.array([" a ", None, np.nan, "b", 7], dtype=object)
    assert text_array(values).to_pylist() == ["a", "", "", "b", "7"]
    assert text_array(pd.Series([" x", None], dtype="str")).to_pylist() == ["x", ""]
    assert text_array(None, 2).to_pylist() == ["", ""]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(CELLS))), min_size=0, max_size=30),
    st.lists(st.sampled_from(range(len(CELLS))), min_size=0, max_size=30),
)
def test_nodes_follow_sorted_stripped_ids(suppliers, buyers):
    # Ids only: blank supplier ids are covered by test_blank_supplier_ids.
    sup = np.array([CELLS[i] for i in suppliers], dtype=object)
    sup = sup[[isinstance(v, str) and v.strip() != "" for v in sup]]
    buy = np.array([CELLS[i] for i in buyers], dtype=object)
    nodes = number_ids(text_array(sup), text_array(buy))
    keys = sorted({v.strip() for v in sup})  # Python sorts by code point
    assert nodes.id_text.to_pylist() == ["", *keys]
    node_of = {k: i + 1 for i, k in enumerate(keys)}
    assert nodes.row_node.tolist() == [node_of[v.strip()] for v in sup]
    lookup = nodes.lookups[0]
    for i, v in enumerate(buy):
        text = v.strip() if isinstance(v, str) else ""
        assert lookup.blank[i] == (text.casefold() in BLANKS)
        assert lookup.node[i] == node_of.get(text, -1)
        assert lookup.text[i].as_py() == text


def test_blank_supplier_ids():
    nodes = number_ids(
        text_array(np.array(["B", None, " ", "B"], dtype=object)),
        text_array(np.array(["", "B", "N/A"], dtype=object)),
    )
    # Each blank row is a node of its own, shown by its file row.
    assert nodes.id_text.to_pylist() == ["", "(row 3)", "(row 4)", "B"]
    assert nodes.row_node.tolist() == [3, 1, 2, 3]
    assert nodes.lookups[0].node.tolist() == [-1, 3, -1]
    assert nodes.lookups[0].blank.tolist() == [True, False, True]


def test_graph_keeps_object_views_of_ids():
    graph = build_graph(
        np.array(["B", "A", ""], dtype=object), np.array(["", "B", "X"], dtype=object)
    )
    assert graph.ids.tolist() == ["", "(row 4)", "A", "B"]
    assert graph.ids.dtype == object
    assert graph.row_buyer.tolist() == ["", "B", "X"]
    assert graph.n_nodes == 4


def test_a_blank_id_does_not_merge_with_a_numeric_id():
    # Row 1 has no id; its stand-in key once read "1", the id of row 0, so the
    # two rows merged and row 1's link to "1" looked like a self-loop.
    graph = build_graph(["1", "", "3"], ["", "1", ""])
    assert graph.issues.empty
    assert len(set(graph.row_node.tolist())) == 3
