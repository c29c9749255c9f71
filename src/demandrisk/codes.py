"""Resolve what users type for sectors and countries to ISIC and ISO codes.

Resolution runs once per distinct value, not once per row, and the result is
mapped back onto the column: a million rows with two hundred distinct sector
labels cost two hundred look-ups.

Sector labels resolve to ISIC Rev.4 sections and divisions through
:mod:`demandrisk.sector_labels` (codes, titles, aliases, NAICS and HS
concordances, free text ranked by meaning); countries resolve here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .reference import ReferenceData
from .sector_labels import sector_resolver
from .textcolumn import TextColumn

__all__ = [
    "BLANKS",
    "SECTOR_SCHEMES",
    "Resolution",
    "resolve_countries",
    "resolve_sectors",
]

# Cell texts that mean "no value" in supplier exports.
BLANKS = frozenset({"", "na", "n/a", "n.a.", "nan", "none", "null", "-", "--"})
SECTOR_SCHEMES = ("isic", "naics", "hs")


@dataclass(frozen=True)
class Resolution:
    """The resolution of one column, computed once per distinct label.

    Attributes
    ----------
    column : the labels as a :class:`TextColumn`.
    unique_codes : resolved code per distinct label (``None`` if unresolved).
    unique_match : how each distinct label matched (sectors: ``code``,
        ``exact``, ``concordance``, ``alias``, ``text``; countries: ``code``,
        ``exact``, ``alias``) or ``None``.
    unique_score : match score per distinct label: 100 for code, exact and
        alias; for text, the similarity (0-100) of the nearest vocabulary term
        of the chosen sector; for concordance, the share (%) of the weight of
        the code's concordance links that falls in the chosen sector (100 =
        every link agrees).
    problems : position of a distinct label -> ``(issue code, message)``:
        every unresolved label, and the ``sector-alternatives`` note of a
        sector resolved although its evidence also names other sectors.
    """

    column: TextColumn
    unique_codes: np.ndarray
    unique_match: np.ndarray
    unique_score: np.ndarray
    problems: dict[int, tuple[str, str]]

    @property
    def codes(self) -> np.ndarray:
        """Resolved code per row (``None`` where unresolved)."""
        return self.column.per_row(self.unique_codes)

    @property
    def match(self) -> np.ndarray:
        """How each row's label matched."""
        return self.column.per_row(self.unique_match)

    @property
    def score(self) -> np.ndarray:
        """Match score per row."""
        return self.column.per_row(self.unique_score)


def _fold(text: str) -> str:
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", stripped).strip().casefold()


def _resolve_unique(column: TextColumn, resolver: object) -> Resolution:
    size = len(column.texts)
    codes = np.full(size, None, dtype=object)
    match = np.full(size, None, dtype=object)
    score = np.full(size, np.nan)
    problems: dict[int, tuple[str, str]] = {}
    for position, label in enumerate(column.texts):  # distinct labels, not rows
        if label.casefold() in BLANKS:
            continue
        code, how, points, problem = resolver.resolve(label)  # type: ignore[attr-defined]
        codes[position], match[position], score[position] = code, how, points
        if problem is not None:
            problems[position] = problem
    return Resolution(column, codes, match, score, problems)


def _as_column(values: pd.Series | TextColumn) -> TextColumn:
    return values if isinstance(values, TextColumn) else TextColumn.from_series(values)


def resolve_sectors(
    values: pd.Series | TextColumn, reference: ReferenceData
) -> Resolution:
    """Resolve sector labels to ISIC Rev.4 sections and divisions.

    Accepts ISIC Rev.4 codes of any level (``C14``, ``14``, ``1410``,
    ``C1410``), NAICS 2017 and HS codes with a scheme prefix (``NAICS
    315210``, ``HS 6109.10``), ISIC titles, curated aliases (``garment mfg``)
    and free text (see :mod:`demandrisk.sector_labels`). ``problems`` holds
    the issue of each unresolved label and the ``sector-alternatives`` note of
    a resolved one whose evidence also names other sectors.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> labels = ["C14", "1410", "manufacture of wearing apparel", "2420"]
    >>> r = resolve_sectors(pd.Series(labels), load_reference())
    >>> r.codes.tolist(), r.match.tolist()
    (['C14', 'C14', 'C14', 'C24'], ['code', 'code', 'exact', 'code'])
    >>> r = resolve_sectors(pd.Series(["NAICS 315210", "HS 5201.00", "labour hire"]),
    ...                     load_reference())
    >>> r.codes.tolist(), r.match.tolist()
    (['C14', 'A01', 'N78'], ['concordance', 'concordance', 'alias'])
    """
    column = _as_column(values)
    size = len(column.texts)
    codes = np.full(size, None, dtype=object)
    match = np.full(size, None, dtype=object)
    score = np.full(size, np.nan)
    problems: dict[int, tuple[str, str]] = {}
    positions = [i for i, t in enumerate(column.texts) if t.casefold() not in BLANKS]
    outcomes = sector_resolver(reference).resolve([column.texts[i] for i in positions])
    for position, outcome in zip(positions, outcomes, strict=True):
        codes[position], match[position] = outcome.code, outcome.how
        score[position] = outcome.score
        if outcome.issue or outcome.note:
            problems[position] = outcome.issue or outcome.note  # type: ignore[assignment]
    return Resolution(column, codes, match, score, problems)


def resolve_countries(
    values: pd.Series | TextColumn, reference: ReferenceData
) -> Resolution:
    """Resolve country labels to ISO3 (see :mod:`demandrisk.countries`)."""
    from .countries import resolve_countries as resolve  # countries imports this

    return resolve(values, reference)
