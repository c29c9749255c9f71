"""Arrow-built chain texts against plain Python, and their text formats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from demandrisk.config import load_config
from demandrisk.graph import build_graph
from demandrisk.tier_text import (
    MAX_PATH_HOPS,
    SEP,
    chain_text,
    sentences,
    text_column,
)
from demandrisk.tiers import chain_exposure

CONFIG = load_config()


def walk(pointer: list[int], v: int) -> list[int]:
    """The nodes of ``v``'s pointer chain, ``v`` first."""
    chain = [v]
    while pointer[chain[-1]] >= 0:
        chain.append(pointer[chain[-1]])
    return chain


def reference_text(ids: list[str], pointer: list[int], v: int, reverse: bool) -> str:
    """Join the chain in Python; over MAX_PATH_HOPS ids, show "…" and the end."""
    chain = walk(pointer, v)
    shown = [ids[u] for u in chain[:MAX_PATH_HOPS]]
    if reverse:
        shown.reverse()
    text = SEP.join(shown)
    if len(chain) > MAX_PATH_HOPS:
        end = ids[chain[-1]]
        text = f"{end}{SEP}…{SEP}{text}" if reverse else f"{text}{SEP}…{SEP}{end}"
    return text


@st.composite
def forests(draw):
    """Pointer forests (every pointer goes to a lower node), some very deep."""
    n = draw(st.integers(1, 60))
    chain_like = draw(st.booleans())  # long chains cross MAX_PATH_HOPS
    pointer = [-1]
    for v in range(1, n):
        if chain_like:
            pointer.append(v - 1 if draw(st.integers(0, 9)) else -1)
        else:
            pointer.append(draw(st.integers(-1, v - 1)))
    names = st.sampled_from(["A", "b", "é", "日本", "x y"])
    ids = [draw(names) + str(v) for v in range(n)]
    return ids, pointer


@settings(max_examples=150, deadline=None)
@given(forests(), st.booleans(), st.booleans())
def test_chain_text_matches_a_python_walk(forest, reverse, known):
    ids, pointer = forest
    n = len(ids)
    # The caller may pass the distances it knows; else they are worked out.
    dist = np.array([len(walk(pointer, v)) - 1 for v in range(n)]) if known else None
    texts = chain_text(pa.array(ids), np.array(pointer), reverse, dist)
    expected = [reference_text(ids, pointer, v, reverse) for v in range(n)]
    assert texts.in_node_order().to_pylist() == expected
    picked = np.arange(n)[::-1]
    assert texts.at(picked).to_pylist() == [expected[v] for v in picked]


def test_sentence_numbers_print_like_numpy():
    scores = np.array([45.0, 57.84, 0.04, -0.0, 100.0, 44.95])
    out = sentences(
        scores,
        np.zeros(len(scores), dtype=bool),
        np.zeros(len(scores), dtype=np.int64),
        pa.array([""] * len(scores)),
        pa.array([""] * len(scores)),
        np.ones(len(scores), dtype=bool),
    ).to_pylist()
    printed = np.round(scores, 1).astype(str)
    assert [s.split(" ")[4] for s in out] == printed.tolist()
    assert printed.tolist() == ["45.0", "57.8", "0.0", "-0.0", "100.0", "45.0"]


def test_text_column_is_stored_like_an_inferred_column():
    values = pa.array(["a", "b"], type=pa.large_string())
    inferred = pd.DataFrame({"c": np.array(["a", "b"], dtype=object)})
    built = pd.DataFrame({"c": text_column(values)})
    pd.testing.assert_frame_equal(built, inferred)
    empty = pd.DataFrame({"c": text_column(values.slice(0, 0))})
    assert (
        empty["c"].dtype == pd.DataFrame({"c": np.array([], dtype=object)})["c"].dtype
    )


def test_deep_chain_paths_and_sentence():
    n = 20  # deeper than MAX_PATH_HOPS
    ids = [f"L{i:02d}" for i in range(n)]
    graph = build_graph(
        np.array(ids, dtype=object), np.array([""] + ids[:-1], dtype=object)
    )
    own = np.zeros(n)
    own[-1] = 90.0
    r = chain_exposure(graph, own, CONFIG.tiers, CONFIG.bands)
    top = r.frame.loc[0]
    # Tier 1's own id, then its supplier's chain down to the source, capped.
    down = SEP.join(ids[1 : MAX_PATH_HOPS + 1]) + f"{SEP}…{SEP}L19"
    assert top["chain_path"] == f"L00{SEP}{down}"
    assert top["chain_sentence"].endswith(f"through {top['chain_path']}.")
    assert r.node_up_path[-1] == f"L00{SEP}…{SEP}" + SEP.join(ids[-MAX_PATH_HOPS:])
    assert r.node_path.tolist() == r.path_text.to_pylist()
