"""Which rows are suppliers, and what to call a supplier that has no id.

* :func:`derived_ids`: a published factory list often has no id column. An
  id is derived from every identifying column the file has (name, country,
  city, address, postcode...), so two sites of "Xinfa Group" in different
  cities get different ids; rows identical in all of them are reported as
  duplicates later. With name and country only, the id is the one earlier
  versions derived (``N-`` + 10 hex of SHA-1 of ``name|country``).
* :func:`footnote_rows`: lines under a table ("Source: ...", "Total",
  a blank line of delimiters) are not suppliers: no country and no sector in
  the file, at most one filled cell. They are kept in the output, reported
  (``footnote-row``) and not scored.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from .codes import BLANKS
from .mapping import normalise_header
from .textcolumn import TextColumn

__all__ = ["FOOTNOTE", "IDENTITY_HEADERS", "derived_ids", "footnote_rows"]

# Private column of the frame to score: True on footnote rows.
FOOTNOTE = "__demandrisk_footnote__"
# Headers (normalised) that help tell two sites of one name apart.
IDENTITY_HEADERS = (
    "city",
    "town",
    "municipality",
    "address",
    "streetaddress",
    "address1",
    "addressline1",
    "fulladdress",
    "street",
    "postcode",
    "postalcode",
    "zip",
    "zipcode",
    "district",
    "province",
    "state",
    "stateprovince",
    "region",
)


def _blank(column: pd.Series) -> np.ndarray:
    text = TextColumn.from_series(column)
    return text.per_row(pd.Series(text.folded(), dtype=object).isin(BLANKS).to_numpy())


def _issue(line: int, how: str) -> dict[str, Any]:
    return {
        "row": line,
        "column": "supplier_id",
        "code": "derived-id",
        "value": "",
        "message": f"the file has no supplier id column; ids were derived from {how}",
    }


def derived_ids(
    frame: pd.DataFrame, original: pd.DataFrame, lines: np.ndarray, header_line: int
) -> tuple[pd.Series, dict[str, Any]]:
    """Ids from name, country and the identifying columns; else ``R<line>``.

    Examples
    --------
    >>> frame = pd.DataFrame({"name": ["Xinfa", "Xinfa", ""],
    ...                       "country": ["CHN", "CHN", "CHN"]})
    >>> original = frame.assign(City=["Binzhou", "Zouping", ""])
    >>> ids, issue = derived_ids(frame, original, np.array([2, 3, 4]), 1)
    >>> ids.tolist()[2], ids.iloc[0] != ids.iloc[1], issue["code"]
    ('R4', True, 'derived-id')
    """
    row_ids = pd.Series("R" + lines.astype(str), index=frame.index, dtype=object)
    if "name" not in frame:
        how = "the line in the file (R<line>)"
        return row_ids, _issue(header_line, how)
    parts, used = [frame["name"]], ["name"]
    if "country" in frame:
        parts.append(frame["country"])
        used.append("country")
    extra = [c for c in original.columns if normalise_header(c) in IDENTITY_HEADERS]
    parts += [original[c] for c in extra]
    used += [repr(str(c)) for c in extra]
    key = parts[0].astype(str).str.strip().str.casefold()
    for part in parts[1:]:
        key = key + "|" + part.astype(str).str.strip().str.casefold()
    codes, uniques = pd.factorize(key)
    hashed = np.array(
        ["N-" + hashlib.sha1(u.encode()).hexdigest()[:10] for u in uniques],  # distinct
        dtype=object,
    )
    ids = pd.Series(hashed[codes], index=frame.index, dtype=object)
    ids = ids.where(~_blank(frame["name"]), row_ids)
    how = (
        " + ".join(used) + " ('N-' + 10 hex of SHA-1; R<line> where the name is blank)"
    )
    return ids, _issue(header_line, how)


def footnote_rows(
    original: pd.DataFrame, country: str | None, sector: str | None
) -> np.ndarray:
    """True on rows that hold no supplier (see the module docstring).

    ``country`` and ``sector`` are the file's headers of those columns (None
    when they come from elsewhere, e.g. a constant of the mapping). A row
    needs at least one of them in the file, both blank, and at most one filled
    cell; an entirely blank row is always a footnote.

    Examples
    --------
    >>> frame = pd.DataFrame({"Name": ["A", "Source: brand, 2025", ""],
    ...                       "Country": ["BGD", "", ""], "Sector": ["C14", "", ""]})
    >>> footnote_rows(frame, "Country", "Sector").tolist()
    [False, True, True]
    """
    n = len(original)
    if n == 0 or not len(original.columns):
        return np.zeros(n, dtype=bool)
    given = [c for c in (country, sector) if c is not None]
    candidates = np.ones(n, dtype=bool)
    for header in given:
        candidates &= _blank(original[header])
    rows = np.flatnonzero(candidates)
    if rows.size == 0:
        return np.zeros(n, dtype=bool)
    # Only the candidate rows (usually none) are looked at cell by cell.
    cells = original.iloc[rows].astype(str)
    filled = np.zeros(rows.size, dtype=np.int64)
    for name in cells.columns:
        folded = cells[name].str.strip().str.casefold()
        filled += (~folded.isin(BLANKS)).to_numpy(dtype=np.int64)
    limit = 1 if given else 0
    out = np.zeros(n, dtype=bool)
    out[rows[filled <= limit]] = True
    return out


def footnote_issues(
    original: pd.DataFrame, mask: np.ndarray, lines: np.ndarray
) -> pd.DataFrame:
    """One ``footnote-row`` note per footnote row, with its text."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return pd.DataFrame()
    cells = original.iloc[rows].astype(str)
    text = cells.apply(lambda r: " ".join(v.strip() for v in r if v.strip()), axis=1)
    shown = text.str.slice(0, 80).to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "row": lines[rows],
            "column": "",
            "code": "footnote-row",
            "value": shown,
            "message": np.where(
                shown == "",
                "a blank line inside the table; kept in the output, not scored",
                "a line with no supplier (no country, no sector, one filled cell: "
                "a footnote or a total); kept in the output, not scored",
            ),
        }
    )
