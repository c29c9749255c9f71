"""Numbers as people type them: ``45%``, ``0,45``, ``1,234.5``, ``1.234,5``, ``N/A``.

Every function here works on the *distinct* texts of a column (see
:class:`~demandrisk.textcolumn.TextColumn`) with vectorised string operations,
never on rows.

The rules, in order:

* blank-like texts (``""``, ``N/A``, ``n.a.``, ``-``...; :data:`codes.BLANKS`)
  are blank, not errors;
* spaces (also no-break and thin spaces) and apostrophes inside a number are
  digit-group separators and are dropped (``1 234``, ``1'234``);
* a trailing ``%`` marks a percentage: the value is divided by 100;
* with ``decimal="."`` a comma groups digits in threes (``1,234.5``); with
  ``decimal=","`` a dot does (``1.234,5``);
* with ``decimal=None`` a text is read the one way it can be read
  (``0,45`` -> 0.45, ``1,234.5`` -> 1234.5). Where both readings are possible
  and differ, a dot is a decimal mark (``1.234`` -> 1.234, as in CSV and every
  programming language) but a comma is **ambiguous** (``1,234``: 1234 or
  1.234?) and the value is not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codes import BLANKS

__all__ = ["ParsedNumbers", "infer_decimal", "parse_numbers", "to_canonical"]

_SEPARATORS = r"[\s\u00a0\u202f\u2009']"
_EXPONENT = r"(?:[eE][+-]?\d+)?"


def _pattern(decimal: str) -> str:
    group = "," if decimal == "." else r"\."
    mark = r"\." if decimal == "." else ","
    whole = rf"(?:\d+|\d{{1,3}}(?:{group}\d{{3}})+)"
    exponent = _EXPONENT if decimal == "." else ""
    return rf"^[+-]?(?:{whole}(?:{mark}\d*)?|{mark}\d+){exponent}$"


_PATTERNS = {d: _pattern(d) for d in ".,"}


@dataclass(frozen=True)
class ParsedNumbers:
    """Parsed distinct texts; every array is aligned with the texts.

    Attributes
    ----------
    values : float value (NaN for blank, bad and ambiguous texts).
    blank : the text means "no value".
    percent : the text ended in ``%`` (its value is already divided by 100).
    ambiguous : the text reads as two different numbers.
    bad : the text is not a number at all.
    """

    values: np.ndarray
    blank: np.ndarray
    percent: np.ndarray
    ambiguous: np.ndarray
    bad: np.ndarray


def _read(compact: pd.Series, decimal: str) -> np.ndarray:
    """Value of each compact text under one convention (NaN if it does not fit)."""
    fits = compact.str.fullmatch(_PATTERNS[decimal]).fillna(False).to_numpy(bool)
    group, mark = (",", ".") if decimal == "." else (".", ",")
    plain = compact.str.replace(group, "", regex=False).str.replace(
        mark, ".", regex=False
    )
    values = pd.to_numeric(plain.where(fits), errors="coerce").to_numpy("float64")
    return np.where(fits, values, np.nan)


def parse_numbers(texts: np.ndarray, decimal: str | None = None) -> ParsedNumbers:
    """Parse distinct texts as numbers.

    Parameters
    ----------
    texts : array of str
        Stripped distinct texts (``TextColumn.texts``).
    decimal : ``"."``, ``","`` or None
        The decimal mark; None reads each text the one way it can be read.

    Examples
    --------
    >>> texts = np.array(["45%", "0.45", "1,234.5", "1,234", "0,45", "N/A", "abc"],
    ...                  dtype=object)
    >>> parsed = parse_numbers(texts)
    >>> parsed.values.round(4).tolist()
    [0.45, 0.45, 1234.5, nan, 0.45, nan, nan]
    >>> parsed.ambiguous.tolist(), parsed.bad.tolist()[-1], parsed.blank.tolist()[-2]
    ([False, False, False, True, False, False, False], True, True)
    >>> parse_numbers(np.array(["1.234,5", "1,234"], dtype=object), ",").values.tolist()
    [1234.5, 1.234]
    """
    if decimal not in (None, ".", ","):
        raise ValueError(
            "The 'decimal' parameter must be '.', ',' or None. "
            f"Got {decimal!r} instead."
        )
    text = pd.Series(np.asarray(texts, dtype=object), dtype=object).astype(str)
    blank = text.str.strip().str.casefold().isin(BLANKS).to_numpy(bool)
    compact = text.str.replace(_SEPARATORS, "", regex=True)
    percent = compact.str.endswith("%").to_numpy(bool)
    compact = compact.str.removesuffix("%")
    ambiguous = np.zeros(len(text), dtype=bool)
    if decimal is None:
        dot, comma = _read(compact, "."), _read(compact, ",")
        both = ~np.isnan(dot) & ~np.isnan(comma)
        # Both readings possible and different: a dot is a decimal mark by
        # convention, a comma is not decided without --decimal.
        ambiguous = both & (dot != comma) & compact.str.contains(",").to_numpy(bool)
        values = np.where(np.isnan(dot), comma, dot)
        values = np.where(ambiguous, np.nan, values)
    else:
        values = _read(compact, decimal)
    values = np.where(blank, np.nan, values)
    values = np.where(percent, values / 100.0, values)
    bad = np.isnan(values) & ~blank & ~ambiguous
    return ParsedNumbers(values, blank, percent & ~bad & ~blank, ambiguous, bad)


def infer_decimal(texts: np.ndarray) -> str | None:
    """Return the decimal mark a column's texts prove, or None if none or both.

    A text proves a convention when it can be read only that way: ``0,45`` or
    ``1.234,5`` prove ``","``; ``1,234.5`` or ``0.45`` prove ``"."``.

    Examples
    --------
    >>> infer_decimal(np.array(["0,45", "1.234,5", "12"], dtype=object))
    ','
    >>> infer_decimal(np.array(["0.45", "12"], dtype=object)) is None
    True
    """
    text = pd.Series(np.asarray(texts, dtype=object), dtype=object).astype(str)
    compact = text.str.replace(_SEPARATORS, "", regex=True).str.removesuffix("%")
    dot, comma = _read(compact, "."), _read(compact, ",")
    only_comma = bool((np.isnan(dot) & ~np.isnan(comma)).any())
    only_dot = bool((~np.isnan(dot) & np.isnan(comma)).any())
    if only_comma and not only_dot:
        return ","
    # "0.45" proves nothing on its own: a dot is already the default.
    return None


def to_canonical(values: np.ndarray) -> np.ndarray:
    """Shortest round-trip text of each value (``""`` for NaN).

    Examples
    --------
    >>> to_canonical(np.array([0.45, 1234.0, np.nan])).tolist()
    ['0.45', '1234', '']
    """
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # distinct values, not rows
        if np.isnan(value):
            out[i] = ""
        elif float(value).is_integer() and abs(value) < 1e16:
            out[i] = str(int(value))
        else:
            out[i] = repr(float(value))
    return out
