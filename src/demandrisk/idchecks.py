"""Checks that need every id of the file: duplicates, look-alikes, unknown buyers.

One implementation behind in-memory, chunked and Dask runs: each calls
:func:`id_issues` on the ids of the whole file, so a chunk or partition never
judges an id it cannot see.

``lookalike-id``: ids that are different strings but look the same (one
with a zero-width space, a soft hyphen or a BOM; one composed ``é`` and one
decomposed ``e + ́`` as copy and paste across systems produce) are different
suppliers to the supply graph, so a buyer link may silently miss its target.
They are reported, never merged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import BLANKS
from .textcolumn import TextColumn

__all__ = ["id_issues", "invisible_key"]

# Zero-width spaces and joiners, marks, word joiner, BOM, soft hyphen.
_INVISIBLE = r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"


def _issues(
    positions: np.ndarray,
    column: TextColumn,
    name: str,
    code: str,
    message: str | np.ndarray,
) -> pd.DataFrame:
    if positions.size == 0:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "row": positions + 2,
            "column": name,
            "code": code,
            "value": column.texts[column.index[positions]],
            "message": message[positions]
            if isinstance(message, np.ndarray)
            else message,
        }
    )


def invisible_key(texts: np.ndarray) -> np.ndarray:
    """What a text looks like: NFKC, invisible characters removed, stripped.

    Examples
    --------
    >>> texts = np.array(["S\u200b1", "Cafe\u0301", "Caf\u00e9"], object)
    >>> invisible_key(texts).tolist()
    ['S1', 'Café', 'Café']
    """
    series = pd.Series(np.asarray(texts, dtype=object), dtype=object).astype(str)
    folded = series.str.normalize("NFKC").str.replace(_INVISIBLE, "", regex=True)
    return folded.str.strip().to_numpy(dtype=object)


def _escaped(texts: np.ndarray) -> list[str]:
    return [t.encode("unicode_escape").decode() for t in texts]


def _lookalike_ids(ids: TextColumn) -> pd.DataFrame:
    """Rows whose id looks like an earlier, different id (per distinct text)."""
    texts = pd.Series(ids.texts, dtype=object).astype(str)
    # Only a text with a non-ASCII character can look like another one.
    wide = ~texts.str.isascii().to_numpy(dtype=bool)
    if not wide.any():
        return pd.DataFrame()
    keys = texts.to_numpy(dtype=object).copy()
    keys[wide] = invisible_key(keys[wide])
    # Distinct texts are in order of first appearance: the first text of a key
    # is the one the file shows first; later variants are flagged.
    codes, _ = pd.factorize(keys)
    first = pd.Series(np.arange(len(codes))).groupby(codes).transform("min").to_numpy()
    variant = (first != np.arange(len(codes))) & (ids.texts != "")
    if not variant.any():
        return pd.DataFrame()
    messages = np.full(len(codes), "", dtype=object)
    flagged = np.flatnonzero(variant)
    messages[flagged] = [
        f"supplier_id '{mine}' looks like '{theirs}' but differs in invisible "
        "characters or Unicode form; they are different ids (a buyer link names "
        "only one of them). Clean the ids in the file"
        for mine, theirs in zip(
            _escaped(ids.texts[flagged]),
            _escaped(ids.texts[first[flagged]]),
            strict=True,
        )
    ]
    positions = np.flatnonzero(ids.per_row(variant))
    return _issues(
        # _issues picks the rows' messages: give it one message per row
        positions,
        ids,
        "supplier_id",
        "lookalike-id",
        messages[ids.index],
    )


def _duplicate_ids(ids: TextColumn) -> pd.DataFrame:
    index = ids.index
    present = ids.per_row(ids.texts != "")
    seen, first = np.unique(index, return_index=True)
    first_of = np.zeros(len(ids.texts), dtype=np.int64)
    first_of[seen] = first
    first_row = first_of[index]
    dupes = present & (first_row != np.arange(len(index)))
    messages = np.full(len(index), "", dtype=object)
    flagged = np.flatnonzero(dupes)  # format messages only where needed
    messages[flagged] = [
        f"supplier_id also used on row {row + 2}; both rows are kept"
        for row in first_row[flagged]
    ]
    return _issues(np.flatnonzero(dupes), ids, "supplier_id", "duplicate-id", messages)


def id_issues(ids: TextColumn, buyers: TextColumn | None = None) -> pd.DataFrame:
    """``duplicate-id`` and ``unknown-buyer``: the checks that need every id.

    The one implementation behind :func:`prepare_suppliers`, chunked runs and
    the Dask survey, which call it on the ids of the whole file so that a
    chunk or partition never judges an id it cannot see. Rows are numbered as
    lines of a file with its header on line 1.

    Examples
    --------
    >>> ids = TextColumn.from_series(pd.Series(["A", "B", "A"]))
    >>> buyers = TextColumn.from_series(pd.Series(["", "X", "null"]))
    >>> id_issues(ids, buyers)[["row", "column", "code"]].values.tolist()
    [[3, 'buyer_id', 'unknown-buyer'], [4, 'supplier_id', 'duplicate-id']]
    """
    parts = [_duplicate_ids(ids), _lookalike_ids(ids)]
    if buyers is not None:
        # Blank buyers ("", "null", "n.a.", "--"...) supply the company itself.
        no_buyer = pd.Series(buyers.folded(), dtype=object).isin(BLANKS).to_numpy()
        # Hash look-up: np.isin on object arrays compares every pair.
        known = pd.Series(buyers.texts, dtype=object).isin(pd.Index(ids.texts))
        parts.append(
            _issues(
                np.flatnonzero(buyers.per_row(~no_buyer & ~known.to_numpy())),
                buyers,
                "buyer_id",
                "unknown-buyer",
                "expected the supplier_id of a supplier in this file, or blank "
                "for the company itself; no supplier has this id",
            )
        )
    from .schema import merge_issues  # schema imports this module

    return merge_issues(*parts)
