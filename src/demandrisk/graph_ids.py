"""Supplier and buyer ids to node numbers, with Arrow's C++ string kernels.

:func:`demandrisk.graph.build_graph` must give every distinct ``supplier_id``
a node, numbered in sorted id order, and find the node of every ``buyer_id``
and edge-table id. At a million rows, doing that with Python string objects
(a sorted ``pd.factorize`` plus one hash look-up per id column) took seconds.
Here all id columns are stripped, hashed and sorted once, together, as one
Arrow string array; Python objects are made only once per distinct id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .codes import BLANKS

__all__ = ["IdLookup", "NodeIds", "number_ids", "text_array", "texts_at"]

# Case folding never shortens a text, so only this short a text can be blank.
_LONGEST_BLANK = max(len(blank) for blank in BLANKS)


def _object_texts(values: object) -> np.ndarray:
    """``str`` of each cell, stripped, missing cells as ``""`` (pandas' rules).

    The fallback for columns that are not plain strings (numbers, mixed types).
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    stripped = distinct.astype(str).str.strip().to_numpy(dtype=object)
    return np.append(stripped, "")[np.where(codes < 0, len(stripped), codes)]


def text_array(values: object, n: int = 0) -> pa.LargeStringArray:
    """Stripped ids as an Arrow string array, missing cells as ``""``.

    Parameters
    ----------
    values : array-like of str, or None
        An object array, a Series (Arrow-backed ones are used without a copy)
        or None for a column of ``n`` blanks.
    n : int
        Length when ``values`` is None.

    Returns
    -------
    pyarrow.LargeStringArray

    Notes
    -----
    Arrow's ``utf8_trim_whitespace`` strips exactly the characters that
    ``str.strip()`` strips (checked over all of Unicode), so ids match the
    ones :class:`demandrisk.textcolumn.TextColumn` produces.

    Examples
    --------
    >>> text_array(np.array([" a", None, "b "], dtype=object)).to_pylist()
    ['a', '', 'b']
    >>> text_array(pd.Series([7, 8])).to_pylist()
    ['7', '8']
    """
    if values is None:
        return pa.nulls(n, pa.large_string()).fill_null("")
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: use pandas' str()
        arr = None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr is None or not (
        pa.types.is_string(arr.type)
        or pa.types.is_large_string(arr.type)
        or pa.types.is_null(arr.type)
    ):
        return pa.array(_object_texts(values), type=pa.large_string())
    stripped = pc.utf8_trim_whitespace(arr.cast(pa.large_string()))
    return stripped.fill_null("")


def _blank(texts: pa.Array) -> np.ndarray:
    """Whether each (stripped) text is blank: empty or a word such as ``n/a``."""
    blank = np.zeros(len(texts), dtype=bool)
    short = np.flatnonzero(
        pc.less_equal(pc.utf8_length(texts), _LONGEST_BLANK).to_numpy(
            zero_copy_only=False
        )
    )
    folded = pd.Series(texts.take(short).to_numpy(zero_copy_only=False), dtype=object)
    blank[short] = folded.str.casefold().isin(BLANKS).to_numpy()
    return blank


def texts_at(texts: pa.Array, positions: np.ndarray) -> np.ndarray:
    """Return ``texts[positions]`` as an object array of ``str``.

    Python strings are made for the chosen positions only (issue rows, say).
    """
    return texts.take(np.asarray(positions)).to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class IdLookup:
    """The nodes of one column of ids (a ``buyer_id`` column, say).

    ``node`` is the node of each id, -1 where no supplier has it; ``blank``
    marks blank ids (empty or ``n/a`` and the like, read as the company);
    ``text`` holds the stripped ids, dictionary-encoded.
    """

    node: np.ndarray
    blank: np.ndarray
    text: pa.DictionaryArray


@dataclass(frozen=True)
class NodeIds:
    """Node numbering of a supplier table.

    ``id_text`` holds each node's id, node 0 being the company (``""``) and
    a blank ``supplier_id`` showing as ``(row N)``; ``row_node`` is each
    row's node; ``lookups`` holds one :class:`IdLookup` per other id column.
    """

    id_text: pa.LargeStringArray
    row_node: np.ndarray
    lookups: list[IdLookup]


def number_ids(supplier: pa.Array, *others: pa.Array) -> NodeIds:
    """Number the suppliers in sorted id order and look up other id columns.

    Parameters
    ----------
    supplier : pyarrow string array
        Stripped ``supplier_id`` of each row (:func:`text_array`). Duplicates
        share a node; a blank id gets a node of its own.
    *others : pyarrow string arrays
        Stripped id columns to look up (buyers, edge-table ids).

    Returns
    -------
    NodeIds

    Examples
    --------
    >>> nodes = number_ids(text_array(np.array(["B", "A", "", "B"])),
    ...                    text_array(np.array(["A", "X", "N/A", ""])))
    >>> nodes.id_text.to_pylist(), nodes.row_node.tolist()
    (['', '(row 4)', 'A', 'B'], [3, 2, 1, 3])
    >>> nodes.lookups[0].node.tolist(), nodes.lookups[0].blank.tolist()
    ([2, -1, -1, -1], [False, False, True, True])
    """
    n_rows = len(supplier)
    blank_row = np.flatnonzero(pc.equal(supplier, "").to_numpy(zero_copy_only=False))
    keys = supplier
    if blank_row.size:
        # A blank id must not merge rows nor match a blank buyer (= the
        # company): it gets a stand-in key, NUL + its position. Only an id
        # that itself starts with a NUL character could clash; a numeric id
        # such as "1" did while the NUL was lost (numpy dropped it).
        mask = np.zeros(n_rows, dtype=bool)
        mask[blank_row] = True
        stand_ins = ["\x00" + str(position) for position in blank_row]
        keys = pc.replace_with_mask(
            supplier, pa.array(mask), pa.array(stand_ins, type=pa.large_string())
        )
    # One hash pass over every id column at once: each distinct text becomes
    # one dictionary entry, whichever columns it occurs in.
    encoded = pc.dictionary_encode(pa.concat_arrays([keys, *others]))
    codes = encoded.indices.to_numpy()
    distinct = encoded.dictionary
    is_key = np.zeros(len(distinct), dtype=bool)
    is_key[codes[:n_rows]] = True
    # Nodes numbered in sorted id order, so every tie (equal chain scores)
    # breaks towards the lowest supplier id, whatever the row order. Arrow
    # compares UTF-8 bytes, which orders like Python compares code points.
    by_text = pc.array_sort_indices(distinct).to_numpy()
    key_entries = by_text[is_key[by_text]]
    node_of_entry = np.full(len(distinct), -1, dtype=np.int64)
    node_of_entry[key_entries] = np.arange(1, len(key_entries) + 1)
    row_node = node_of_entry[codes[:n_rows]]

    id_text = pa.concat_arrays(
        [pa.array([""], type=pa.large_string()), distinct.take(key_entries)]
    )
    if blank_row.size:
        # Blank rows show as "(row N)"; replacements go in node order.
        blank_nodes = row_node[blank_row]
        order = np.argsort(blank_nodes)
        shown = np.zeros(len(id_text), dtype=bool)
        shown[blank_nodes] = True
        labels = ("(row " + (blank_row[order] + 2).astype(str) + ")").tolist()
        id_text = pc.replace_with_mask(
            id_text, pa.array(shown), pa.array(labels, type=pa.large_string())
        )

    blank_entry = _blank(distinct)
    lookups = []
    start = n_rows
    for other in others:
        part = codes[start : start + len(other)]
        start += len(other)
        lookups.append(
            IdLookup(
                node=node_of_entry[part],
                blank=blank_entry[part],
                text=pa.DictionaryArray.from_arrays(pa.array(part), distinct),
            )
        )
    return NodeIds(id_text=id_text, row_node=row_node, lookups=lookups)
