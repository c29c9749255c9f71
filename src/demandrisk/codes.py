"""Resolve what users type for sectors and countries to ISIC and ISO codes.

Resolution runs once per distinct value, not once per row, and the result is
mapped back onto the column: a million rows with two hundred distinct sector
labels cost two hundred look-ups.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pycountry
from rapidfuzz import fuzz, process

from .reference import ReferenceData
from .textcolumn import TextColumn

__all__ = ["BLANKS", "Resolution", "resolve_countries", "resolve_sectors"]

# Cell texts that mean "no value" in supplier exports.
BLANKS = frozenset({"", "na", "n/a", "n.a.", "nan", "none", "null", "-", "--"})
FUZZY_ACCEPT = 92.0  # a free-text sector scoring at least this is taken...
FUZZY_MARGIN = 4.0  # ...if the runner-up (another sector) trails by this much
FUZZY_SUGGEST = 60.0  # below this a label is "unknown" rather than "ambiguous"

_CODE = re.compile(r"^(?P<section>[A-U])?(?P<digits>\d{2,4})$")

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
    unique_match : how each distinct label matched (``code``, ``exact``,
        ``alias``, ``fuzzy``) or ``None``.
    unique_score : match score per distinct label (100 for code and exact).
    problems : position of each unresolved distinct label ->
        ``(issue code, message)``.
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


def _suggestions(matches: list[tuple[str, float, int]], labels: list[str]) -> str:
    return ", ".join(f"{labels[i]} ({score:.0f})" for _, score, i in matches)


class _SectorIndex:
    """Look-up structures for sector labels, built once per reference."""

    def __init__(self, reference: ReferenceData) -> None:
        self.table_codes = set(reference.sectors.index)
        isic = reference.isic4
        self.section_of = dict(zip(isic["code"], isic["section"], strict=True))
        names: dict[str, str] = {}
        for code, title in zip(isic["code"], isic["title"], strict=True):
            target = self.to_table_code(code)
            if target is not None:
                names.setdefault(_fold(title), target)
        for code, name in zip(
            reference.sectors.index, reference.sectors["name"], strict=True
        ):
            names[_fold(name)] = code
        self.names = names
        self.choices = list(names)
        self.labels = [f"{names[c]} {c}" for c in self.choices]

    def to_table_code(self, isic_code: str) -> str | None:
        """Map an ISIC code of any level to the most detailed profile we hold."""
        if isic_code in self.table_codes:
            return isic_code
        section = self.section_of.get(isic_code)
        if section is None:
            return None
        if isic_code.isdigit():
            division = f"{section}{isic_code[:2]}"
            if division in self.table_codes:
                return division
        return section if section in self.table_codes else None

    def resolve(
        self, label: str
    ) -> tuple[str | None, str | None, float, tuple[str, str] | None]:
        compact = re.sub(r"[\s.\-]", "", label).upper()
        if compact in self.table_codes:
            return compact, "code", 100.0, None
        code_match = _CODE.match(compact)
        if code_match:
            digits = code_match["digits"]
            section = self.section_of.get(digits[:2])
            wanted = code_match["section"]
            if section is not None and (wanted is None or wanted == section):
                if len(digits) > 2 and digits not in self.section_of:
                    return (
                        None,
                        None,
                        0.0,
                        (
                            "unknown-sector",
                            f"expected an ISIC Rev.4 code; {label!r} is not one "
                            f"(division {digits[:2]} exists but {digits} does not)",
                        ),
                    )
                return self.to_table_code(digits[:2]), "code", 100.0, None
            return (
                None,
                None,
                0.0,
                (
                    "unknown-sector",
                    f"expected an ISIC Rev.4 code or sector name; {label!r} is not an "
                    "ISIC Rev.4 code",
                ),
            )
        folded = _fold(label)
        if folded in self.names:
            return self.names[folded], "exact", 100.0, None
        matches = process.extract(folded, self.choices, scorer=fuzz.WRatio, limit=5)
        if not matches:
            return None, None, 0.0, ("unknown-sector", f"no sector resembles {label!r}")
        best_code = self.names[matches[0][0]]
        best = matches[0][1]
        rivals = [m[1] for m in matches[1:] if self.names[m[0]] != best_code]
        runner_up = rivals[0] if rivals else 0.0
        if best >= FUZZY_ACCEPT and best - runner_up >= FUZZY_MARGIN:
            return best_code, "fuzzy", float(best), None
        top = _suggestions(matches[:3], self.labels)
        code = "ambiguous-sector" if best >= FUZZY_SUGGEST else "unknown-sector"
        what = (
            "matches several sectors"
            if code == "ambiguous-sector"
            else "matches no sector"
        )
        return (
            None,
            None,
            float(best),
            (code, f"{label!r} {what}; did you mean: {top}?"),
        )


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
    """Resolve sector labels to the ISIC codes of the bundled profiles.

    Accepts profile codes (``C14``), ISIC Rev.4 codes of any level (``14``,
    ``141``, ``1410``, ``C1410``), sector names and ISIC titles, and
    free text close enough to one sector.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> labels = ["C14", "1410", "manufacture of wearing apparel"]
    >>> r = resolve_sectors(pd.Series(labels),
    ...                     load_reference())
    >>> r.codes.tolist(), r.match.tolist()
    (['C14', 'C14', 'C14'], ['code', 'code', 'exact'])
    """
    return _resolve_unique(_as_column(values), _sector_index(reference))


_SECTOR_INDEX_CACHE: dict[int, _SectorIndex] = {}


def _sector_index(reference: ReferenceData) -> _SectorIndex:
    key = id(reference)
    if key not in _SECTOR_INDEX_CACHE:
        _SECTOR_INDEX_CACHE[key] = _SectorIndex(reference)
    return _SECTOR_INDEX_CACHE[key]


class _CountryIndex:
    def __init__(self, reference: ReferenceData) -> None:
        self.known = set(reference.countries.index)
        countries = reference.countries
        self.by_numeric = dict(
            zip(countries["numeric"].str.zfill(3), countries.index, strict=True)
        )
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
        matches = process.extract(folded, self.choices, scorer=fuzz.WRatio, limit=3)
        top = ", ".join(f"{self.names[m[0]]} ({m[1]:.0f})" for m in matches)
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

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> r = resolve_countries(pd.Series(["Viet Nam", "Türkiye", "UK", "bd", "050"]),
    ...                       load_reference())
    >>> r.codes.tolist()
    ['VNM', 'TUR', 'GBR', 'BGD', 'BGD']
    """
    return _resolve_unique(_as_column(values), _CountryIndex(reference))
