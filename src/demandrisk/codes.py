"""Resolve what users type for sectors and countries to ISIC and ISO codes.

Resolution runs once per distinct value, not once per row, and the result is
mapped back onto the column: a million rows with two hundred distinct sector
labels cost two hundred look-ups.

Sector labels resolve to ISIC Rev.4 sections and divisions through
:mod:`demandrisk.sector_labels` (codes, titles, aliases, NAICS and HS
concordances, free text ranked by meaning); countries resolve here.
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pycountry
from rapidfuzz import fuzz, process

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

# Labels pycountry does not resolve but supplier files use (ISO 3166-1 alpha-3).
COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GBR",
    "great britain": "GBR",
    "england": "GBR",
    "scotland": "GBR",
    "wales": "GBR",
    "northern ireland": "GBR",
    "usa": "USA",
    "us": "USA",
    "u.s.": "USA",
    "u.s.a.": "USA",
    "america": "USA",
    "uae": "ARE",
    "kosovo": "XKX",
    "xk": "XKX",
    "xkx": "XKX",
    "taiwan": "TWN",
    "hong kong": "HKG",
    "hong kong sar": "HKG",
    "macau": "MAC",
    "macao": "MAC",
    "south korea": "KOR",
    "korea, rep.": "KOR",
    "korea, republic of": "KOR",
    "republic of korea": "KOR",
    "korea": "KOR",
    "north korea": "PRK",
    "korea, dem. rep.": "PRK",
    "korea, dem. people's rep.": "PRK",
    "russia": "RUS",
    "turkey": "TUR",
    "turkiye": "TUR",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "laos": "LAO",
    "lao pdr": "LAO",
    "iran": "IRN",
    "iran, islamic rep.": "IRN",
    "syria": "SYR",
    "burma": "MMR",
    "ivory coast": "CIV",
    "cote d'ivoire": "CIV",
    "drc": "COD",
    "dr congo": "COD",
    "congo, dem. rep.": "COD",
    "democratic republic of the congo": "COD",
    "congo, rep.": "COG",
    "republic of the congo": "COG",
    "swaziland": "SWZ",
    "macedonia": "MKD",
    "cape verde": "CPV",
    "east timor": "TLS",
    "palestine": "PSE",
    "egypt, arab rep.": "EGY",
    "gambia, the": "GMB",
    "bahamas, the": "BHS",
    "yemen, rep.": "YEM",
    "venezuela, rb": "VEN",
    "venezuela": "VEN",
    "bolivia": "BOL",
    "tanzania": "TZA",
    "moldova": "MDA",
    "czech republic": "CZE",
    "holland": "NLD",
    "the netherlands": "NLD",
    "brunei": "BRN",
    "micronesia": "FSM",
    "st. lucia": "LCA",
    "st. kitts and nevis": "KNA",
    "st. vincent and the grenadines": "VCT",
    "kyrgyz republic": "KGZ",
    "slovak republic": "SVK",
}


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


@cache
def _translated_country_names() -> dict[str, str]:
    """Country names in every language pycountry ships (gettext catalogues).

    A name that means different countries in different languages is left out.
    """
    folder = getattr(pycountry, "LOCALES_DIR", None)
    if not folder or not os.path.isdir(folder):
        return {}
    found: dict[str, set[str]] = {}
    for language in sorted(os.listdir(folder)):
        try:
            catalogue = gettext.translation("iso3166-1", folder, languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for attribute in ("name", "official_name", "common_name"):
                english = getattr(country, attribute, None)
                if english:
                    local = catalogue.gettext(english)
                    for key in {_fold_any(local), _fold(local)} - {""}:
                        found.setdefault(key, set()).add(country.alpha_3)
    return {name: codes.pop() for name, codes in found.items() if len(codes) == 1}


def _fold_any(text: str) -> str:
    """Case-fold and collapse spaces, keeping non-Latin scripts."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


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


class _CountryIndex:
    def __init__(self, reference: ReferenceData) -> None:
        self.known = set(reference.countries.index)
        countries = reference.countries
        has_numeric = countries["numeric"].str.strip() != ""  # Kosovo has none
        self.by_numeric = dict(
            zip(
                countries.loc[has_numeric, "numeric"].str.zfill(3),
                countries.index[has_numeric],
                strict=True,
            )
        )
        self.display = dict(zip(countries.index, countries["name"], strict=True))
        self.by_iso2 = dict(zip(countries["iso2"], countries.index, strict=True))
        self.names = {
            _fold(n): c for n, c in zip(countries["name"], countries.index, strict=True)
        }
        self.choices = list(self.names)

    def resolve(
        self, label: str
    ) -> tuple[str | None, str | None, float, tuple[str, str] | None]:
        upper = label.upper()
        if len(upper) == 3 and upper in self.known:
            return upper, "code", 100.0, None
        if len(upper) == 2 and upper in self.by_iso2:
            return self.by_iso2[upper], "code", 100.0, None
        if upper.isdigit() and upper.zfill(3) in self.by_numeric:
            return self.by_numeric[upper.zfill(3)], "code", 100.0, None
        folded = _fold(label)
        if folded in COUNTRY_ALIASES:
            return COUNTRY_ALIASES[folded], "alias", 100.0, None
        if folded in self.names:
            return self.names[folded], "exact", 100.0, None
        try:
            found = pycountry.countries.lookup(label)
        except LookupError:
            found = None
        if found is not None and found.alpha_3 in self.known:
            return found.alpha_3, "exact", 100.0, None
        translated = _translated_country_names()
        for key in (_fold_any(label), folded):
            if translated.get(key) in self.known:
                return translated[key], "exact", 100.0, None
        matches = process.extract(folded, self.choices, scorer=fuzz.WRatio, limit=3)
        top = ", ".join(
            f"{self.display[self.names[m[0]]]} = {self.names[m[0]]} ({m[1]:.0f})"
            for m in matches
        )
        return (
            None,
            None,
            float(matches[0][1]) if matches else 0.0,
            (
                "unknown-country",
                f"expected an ISO 3166-1 code or country name; {label!r} is not one"
                + (f"; did you mean: {top}?" if top else ""),
            ),
        )


def resolve_countries(
    values: pd.Series | TextColumn, reference: ReferenceData
) -> Resolution:
    """Resolve country labels (ISO2, ISO3, numeric, names, aliases) to ISO3.

    Names are also read in every language pycountry has a translation for
    (``Deutschland``, ``Allemagne``, ``中国``).

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> r = resolve_countries(pd.Series(["Viet Nam", "Türkiye", "UK", "bd", "050"]),
    ...                       load_reference())
    >>> r.codes.tolist()
    ['VNM', 'TUR', 'GBR', 'BGD', 'BGD']
    >>> resolve_countries(pd.Series(["Deutschland", "Côte d'Ivoire", "中国"]),
    ...                   load_reference()).codes.tolist()
    ['DEU', 'CIV', 'CHN']
    """
    return _resolve_unique(_as_column(values), _CountryIndex(reference))
