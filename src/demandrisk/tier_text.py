"""Chain paths and explanation sentences, built as Arrow strings.

Every supplier gets a path (``T1 > T2 > T3``) and a sentence. Concatenating
Python strings one node at a time took seconds at a million suppliers, so
texts are assembled here by Arrow's C++ kernels (``take`` and element-wise
joins over whole columns): paths level by level along the pointer chains,
numbers and tiers formatted once per distinct value and gathered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "MAX_PATH_HOPS",
    "ChainTexts",
    "SEP",
    "chain_text",
    "path_text",
    "sentences",
    "terminal",
    "text_column",
]

SEP = " > "
MAX_PATH_HOPS = 12  # longer paths show "…" between the ends
TEXT = pa.large_string()


def _join(*parts: str | pa.Array, sep: str = "") -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and ``str`` constants."""
    pieces = [pa.scalar(p, TEXT) if isinstance(p, str) else p.cast(TEXT) for p in parts]
    return pc.binary_join_element_wise(*pieces, pa.scalar(sep, TEXT))


def _lookup(table: list[str], codes: np.ndarray) -> pa.Array:
    """``table[codes]`` as Arrow strings: a small table spread onto many nodes."""
    return pa.array(table, type=TEXT).take(codes)


def terminal(pointer: np.ndarray) -> np.ndarray:
    """Follow pointers to their end by pointer doubling (log depth passes)."""
    end = np.where(pointer >= 0, pointer, np.arange(len(pointer)))
    for _ in range(64):
        nxt = end[end]
        if np.array_equal(nxt, end):
            break
        end = nxt
    return end


def _walk_text(
    ids: np.ndarray, pointer: np.ndarray, start: np.ndarray, reverse: bool
) -> np.ndarray:
    """Ids along each node's pointer chain from ``start``, joined by " > ".

    Chains longer than :data:`MAX_PATH_HOPS` show their far end after "…".
    Used only for those long chains, which are rare.
    """
    steps = [start]
    current = start
    for _ in range(MAX_PATH_HOPS - 1):
        current = np.where(current >= 0, pointer[np.maximum(current, 0)], -1)
        if not (current >= 0).any():
            break
        steps.append(current)
    cut = (current >= 0) & (pointer[np.maximum(current, 0)] >= 0)
    text = np.full(len(start), "", dtype=object)
    for step in reversed(steps) if reverse else steps:
        piece = ids[np.maximum(step, 0)]
        joined = np.where(text == "", piece, text + SEP + piece)
        text = np.where(step >= 0, joined, text)
    if cut.any():
        end = ids[terminal(pointer)[current[cut]]]
        text[cut] = (
            end + SEP + "…" + SEP + text[cut]
            if reverse
            else (text[cut] + SEP + "…" + SEP + end)
        )
    return text


def _distances(pointer: np.ndarray) -> np.ndarray:
    """Links from each node to the end of its pointer chain.

    Pointer jumping: each pass doubles how far every node looks ahead, so
    ``k`` passes settle every chain shorter than ``2**k`` links; with
    ``2**k > MAX_PATH_HOPS``, longer chains (and any pointer cycle) come back
    as ``2**k``, which is all the caller needs to know of them.
    """
    dist = (pointer >= 0).astype(np.int64)
    ahead = pointer.copy()
    for _ in range(MAX_PATH_HOPS.bit_length()):
        live = np.flatnonzero(ahead >= 0)
        if not live.size:
            break
        nxt = ahead[live]
        dist[live] += dist[nxt]  # right side read before the update: one step
        ahead[live] = ahead[nxt]
    return dist


@dataclass(frozen=True)
class ChainTexts:
    """Every node's chain text, stored level by level as they were built.

    ``texts[slot[v]]`` is node ``v``'s text. Callers gather the nodes they
    need straight from here: putting all texts in node order first would
    copy every string once more.
    """

    texts: pa.LargeStringArray
    slot: np.ndarray

    def at(self, nodes: np.ndarray) -> pa.LargeStringArray:
        """Return the texts of ``nodes``."""
        return self.texts.take(self.slot[nodes])

    def in_node_order(self) -> pa.LargeStringArray:
        """Return the texts of all nodes, node 0 first."""
        return self.texts.take(self.slot)


def chain_text(
    id_text: pa.Array,
    pointer: np.ndarray,
    reverse: bool,
    dist: np.ndarray | None = None,
) -> ChainTexts:
    """Each node's pointer chain as text (``reverse``: far end first).

    Nodes are grouped by their distance to the chain's end; each group's texts
    are its own ids joined to the finished texts of the previous group, in
    one vectorised step per group. Chains longer than :data:`MAX_PATH_HOPS`
    fall back to :func:`_walk_text` (capped with "…").

    Parameters
    ----------
    id_text : node ids (Arrow strings).
    pointer : the next node of each node's chain, -1 at the end.
    reverse : put the far end of the chain first.
    dist : links from each node to its chain's end, when the caller knows
        them (tier - 1 along the tier links); found by pointer jumping if not.

    Examples
    --------
    >>> ids = pa.array(["", "A", "B", "C"])
    >>> chain_text(ids, np.array([-1, -1, 1, 2]), reverse=True).at([3, 1]).to_pylist()
    ['A > B > C', 'A']
    """
    n = len(pointer)
    dist = _distances(pointer) if dist is None else dist
    # Piece 0 is every id (the text of each chain's end); piece k holds the
    # nodes at distance k. ``slot`` is where each node's text lands.
    pieces, slot = [pa.array(id_text, type=TEXT)], np.arange(n)
    where_in_level = np.arange(n)  # position within the latest level's piece
    offset = n
    for k in range(1, min(int(dist.max(initial=0)), MAX_PATH_HOPS - 1) + 1):
        nodes = np.flatnonzero(dist == k)
        # A node at distance k points at one at distance k - 1: the last piece.
        before = pieces[-1].take(where_in_level[pointer[nodes]])
        own = pieces[0].take(nodes)
        pieces.append(_join(*((before, own) if reverse else (own, before)), sep=SEP))
        where_in_level[nodes] = np.arange(len(nodes))
        slot[nodes] = offset + where_in_level[nodes]
        offset += len(nodes)
    deep = np.flatnonzero(dist >= MAX_PATH_HOPS)
    if deep.size:
        ids = id_text.to_numpy(zero_copy_only=False)  # rare: long chains only
        pieces.append(pa.array(_walk_text(ids, pointer, deep, reverse), type=TEXT))
        slot[deep] = offset + np.arange(len(deep))
    return ChainTexts(texts=pa.concat_arrays(pieces), slot=slot)


def path_text(up_text: pa.Array, down: ChainTexts, pointer: np.ndarray) -> pa.Array:
    """Path of each node: tier 1 down to it, then on down to its source.

    ``up_text`` runs from the tier-1 supplier to each node, ``down`` from a
    node to its source; a node whose score is its own (``pointer`` -1) keeps
    its ``up_text``.
    """
    via = pointer >= 0
    if not via.any():
        return up_text
    joined = _join(up_text.filter(via), down.at(pointer[via]), sep=SEP)
    return pc.replace_with_mask(up_text, pa.array(via), joined)


def _score_table(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Scores rounded to 0.1 as codes into their distinct texts.

    The texts are as numpy prints the rounded floats (``57.8``, ``45.0``),
    each printed once: scores take at most a thousand values.

    Examples
    --------
    >>> codes, texts = _score_table(np.array([57.84, 45.0, 57.75, -0.0]))
    >>> codes.tolist(), texts
    ([0, 1, 0, 2], ['57.8', '45.0', '-0.0'])
    """
    rounded = np.round(np.asarray(values, dtype=float), 1)
    # Factorise the bit patterns, not the floats: 0.0 and -0.0 print apart.
    codes, bits = pd.factorize(rounded.view(np.int64))
    return codes, bits.view(np.float64).astype(str).tolist()


def sentences(
    score: np.ndarray,
    via: np.ndarray,
    source_tier: np.ndarray,
    source_id: pa.Array,
    path: pa.Array,
    has_upstream: np.ndarray,
) -> pa.Array:
    """One explanation sentence per supplier (all arguments aligned).

    Everything but the source id and the path takes few distinct values, so
    those parts are written once per distinct value into small tables and
    gathered; a sentence without a source is entirely such a part.

    Parameters
    ----------
    score : chain score.
    via : whether the score comes from another supplier (the source).
    source_tier, source_id : tier and id of the source.
    path : chain path (:func:`path_text`).
    has_upstream : whether the supplier has a mapped supplier itself.

    Examples
    --------
    >>> sentences(np.array([51.0, 60.0]), np.array([True, False]),
    ...           np.array([2, 2]), pa.array(["B", "B"]),
    ...           pa.array(["A > B", "A > B"]),
    ...           np.array([True, False])).to_pylist()  # doctest: +NORMALIZE_WHITESPACE
    ['Its chain exposure of 51.0 comes from B (tier 2) through A > B.',
     'Its chain exposure of 60.0 is its own risk: no upstream supplier is mapped.']
    """
    own_risk = [
        " is its own risk: no upstream supplier is mapped.",
        " is its own risk: no mapped upstream supplier passes on more after damping.",
    ]
    via = np.asarray(via, dtype=bool)
    own = np.flatnonzero(~via)
    codes, scores = _score_table(score[own])
    kinds, pairs = pd.factorize(2 * codes + np.asarray(has_upstream, dtype=bool)[own])
    short = _lookup(
        [f"Its chain exposure of {scores[k // 2]}{own_risk[k % 2]}" for k in pairs],
        kinds,
    )
    if not via.any():
        return short
    codes, scores = _score_table(score[via])
    tier_codes, tiers = pd.factorize(source_tier[via])
    long = _join(
        _lookup([f"Its chain exposure of {s} comes from " for s in scores], codes),
        source_id.filter(via),
        _lookup(
            [f" ({f'tier {t}' if t > 0 else 'no tier'}) through " for t in tiers],
            tier_codes,
        ),
        path.filter(via),
        ".",
    )
    # The two kinds are built apart (each string written once) and put back
    # in order with one gather.
    position = np.empty(len(via), dtype=np.int64)
    position[own] = np.arange(len(own))
    position[via] = len(own) + np.arange(len(long))
    return pa.concat_arrays([short, long]).take(position)


def text_column(values: pa.Array) -> pd.Series | np.ndarray:
    """A column for a DataFrame, stored as pandas stores text it infers.

    Under pandas 3 that is an Arrow-backed ``str`` column, which wraps
    ``values`` without a copy; otherwise (and for no rows, which pandas
    leaves ``object``) an object array of ``str`` for pandas to infer from.
    """
    inferred = pd.Series(np.array([""], dtype=object)).dtype
    arrow_backed = (
        isinstance(inferred, pd.StringDtype) and inferred.storage == "pyarrow"
    )
    if arrow_backed and len(values):
        return pd.Series(values, dtype=inferred)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
