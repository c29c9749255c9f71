"""Spreadsheet formula injection: escape text cells a spreadsheet would run.

A supplier named ``=HYPERLINK("http://evil", "click")`` or ``@SUM(A1)`` in a
CSV or Excel output becomes a live formula when opened. OWASP's advice: prefix
text cells that start with ``=``, ``+``, ``-``, ``@``, tab or carriage return
with a single quote. Only text columns are touched: numbers in numeric columns
(``-2.5``) stay numbers. The escape is visible and reversible (drop the ``'``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

__all__ = ["FORMULA_PREFIXES", "escape_formulas"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with every risky text cell prefixed by ``'``.

    Examples
    --------
    >>> frame = pd.DataFrame({"name": ["=1+1", "+1", "-2", "@SUM(A1)", "Ok"],
    ...                       "score": [-2.5, 1.0, 2.0, 3.0, 4.0]})
    >>> escape_formulas(frame)["name"].tolist()
    ["'=1+1", "'+1", "'-2", "'@SUM(A1)", 'Ok']
    >>> escape_formulas(frame)["score"].tolist()[0]
    -2.5
    """
    out = frame.copy(deep=False)
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if isinstance(series.dtype, pd.CategoricalDtype):
            # A categorical is its labels: escape those, not a million rows.
            labels = series.cat.categories
            if is_object_dtype(labels.dtype) or is_string_dtype(labels.dtype):
                risky = _risky(pd.Series(labels, dtype=object))
                renamed = [
                    f"'{label}" if flag else label
                    for label, flag in zip(labels, risky, strict=True)
                ]
                if risky.any() and len(set(renamed)) == len(renamed):
                    out.isetitem(position, series.cat.rename_categories(renamed).array)
                elif risky.any():
                    # "=X" escaped collides with a label "'=X" already there:
                    # categories must stay unique, so write plain values.
                    values = np.asarray(renamed, dtype=object)[series.cat.codes]
                    values[series.isna().to_numpy()] = None
                    out.isetitem(position, values)
            continue
        if not (is_object_dtype(series.dtype) or is_string_dtype(series.dtype)):
            continue
        risky = _risky(series)
        if risky.any():
            escaped = series.astype(object).copy()
            escaped[risky] = "'" + series[risky].astype(str).astype(object)
            out.isetitem(position, escaped.to_numpy(dtype=object))
    return out


def _risky(series: pd.Series) -> np.ndarray:
    """Cells that are text and start like a formula.

    The prefix test runs on the whole column as Arrow strings; only the few
    cells it flags are checked for being ``str``, so a number such as -2.5 in
    an object column stays a number (a per-cell check cost seconds per
    million rows).
    """
    text = series.astype("string")
    risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).to_numpy(bool)
    if is_object_dtype(series.dtype) and risky.any():
        flagged = np.flatnonzero(risky)
        values = series.to_numpy(dtype=object)[flagged]
        risky[flagged] = [isinstance(value, str) for value in values]
    return risky
