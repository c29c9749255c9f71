"""Resolve what users type for sectors and countries to ISIC and ISO codes.

Resolution runs once per distinct value, not once per row, and the result is
mapped back onto the column: a million rows with two hundred distinct sector
labels cost two hundred look-ups.

Sector labels are read in this order: a scheme prefix (``NAICS 315210``,
``HS 6109.10``, ``ISIC 1410``; :mod:`demandrisk.mapping` adds ``NAICS`` / ``HS``
to every cell of a column whose header names the scheme), an ISIC Rev.4 code,
a sector name or ISIC title (``exact``), an entry of ``sector_aliases.csv``
(``alias``), then fuzzy matching. A bare number is always read as ISIC: a
six-digit number without a scheme is reported, never guessed as NAICS or HS.
NAICS 2017 and HS codes go through the published concordances
(``naics_isic.csv``, ``hs_isic.csv``; match ``concordance``): the code's
concordance links are mapped to the profile sectors we hold; when they all land
in one sector that is the match, when they spread over several sectors of one
ISIC section the section is, otherwise the code is ``ambiguous-sector``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ._paths import data_dir
from .reference import ReferenceData
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
FUZZY_ACCEPT = 92.0  # a free-text sector scoring at least this is taken...
FUZZY_MARGIN = 4.0  # ...if the runner-up (another sector) trails by this much
FUZZY_SUGGEST = 60.0  # below this a label is "unknown" rather than "ambiguous"

_CODE = re.compile(r"^(?P<section>[A-U])?(?P<digits>\d{2,4})$")
_SCHEME = re.compile(
    r"^(?P<scheme>naics|hts|hs|isic)(?:\s*(?:rev\.?\s*4|2017|code))?\s*[:\-]?\s*"
    r"(?P<code>.+)$",
    re.IGNORECASE,
)
SECTOR_SCHEMES = ("isic", "naics", "hs")


@dataclass(frozen=True)
class Resolution:
    """The resolution of one column, computed once per distinct label.

    Attributes
    ----------
    column : the labels as a :class:`TextColumn`.
    unique_codes : resolved code per distinct label (``None`` if unresolved).
    unique_match : how each distinct label matched (``code``, ``exact``,
        ``concordance``, ``alias``, ``fuzzy``) or ``None``.
    unique_score : match score per distinct label: 100 for code, exact and
        alias; the fuzzy similarity (0-100) for fuzzy; for concordance, the
        share (%) of the code's concordance links that fall in the matched
        sector (100 = every link agrees).
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
        self.aliases = {
            _fold(alias): code
            for alias, code in _sector_aliases()
            if code in self.table_codes
        }
        # Aliases match exactly (after folding) only: short aliases such as
        # "it services" would win WRatio's partial matching for any "services".
        self.choices = list(names)
        self.targets = names
        self.labels = [f"{self.targets[c]} {c}" for c in self.choices]
        self.concordances: dict[str, dict[str, list[str]]] = {}

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

    def concordance(
        self, scheme: str, code: str, label: str
    ) -> tuple[str | None, str | None, float, tuple[str, str] | None]:
        """Resolve a NAICS or HS code through its concordance to ISIC Rev.4."""
        name = {"naics": "NAICS 2017", "hs": "HS"}[scheme]
        digits = re.sub(r"[\s.\-]", "", code)
        if scheme == "hs" and digits.isdigit() and len(digits) > 6:
            digits = digits[:6]  # national tariff lines (HTS 10-digit) extend HS6
        valid = {"naics": range(2, 7), "hs": (2, 4, 6)}[scheme]
        if not digits.isdigit() or len(digits) not in valid:
            lengths = "2-6" if scheme == "naics" else "2, 4 or 6"
            return (
                None,
                None,
                0.0,
                (
                    "unknown-sector",
                    f"expected a {name} code ({lengths} digits); {label!r} is not one",
                ),
            )
        if scheme not in self.concordances:
            self.concordances[scheme] = _concordance(scheme)
        links = self.concordances[scheme]
        isic = [c for key, cs in links.items() if key.startswith(digits) for c in cs]
        if not isic:
            return (
                None,
                None,
                0.0,
                (
                    "unknown-sector",
                    f"{name} code {digits} is not in the {name} to ISIC Rev.4 "
                    "concordance",
                ),
            )
        targets = pd.Series([self.to_table_code(c) for c in isic], dtype=object)
        shares = targets.value_counts(normalize=True, dropna=False)
        best = shares.index[0]
        if best is not None and len(shares) == 1:
            return best, "concordance", 100.0, None
        sections = {self.section_of.get(c) for c in isic}
        if len(sections) == 1 and None not in sections:
            section = sections.pop()
            if section in self.table_codes:
                return section, "concordance", round(100.0 * shares.iloc[0], 1), None
        top = ", ".join(
            f"{code} ({100 * share:.0f}%)" for code, share in shares.head(3).items()
        )
        return (
            None,
            None,
            round(100.0 * shares.iloc[0], 1),
            (
                "ambiguous-sector",
                f"{name} code {digits} maps to several ISIC Rev.4 sectors: {top} "
                "of its concordance links; give the ISIC code",
            ),
        )

    def resolve(
        self, label: str
    ) -> tuple[str | None, str | None, float, tuple[str, str] | None]:
        scheme_match = _SCHEME.match(label.strip())
        if scheme_match:
            scheme = scheme_match["scheme"].lower()
            scheme = "hs" if scheme == "hts" else scheme
            if scheme != "isic":
                return self.concordance(scheme, scheme_match["code"], label)
            label = scheme_match["code"]
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
        if compact.isdigit() and len(compact) > 4:
            return (
                None,
                None,
                0.0,
                (
                    "unknown-sector",
                    f"expected an ISIC Rev.4 code (2-4 digits); {label!r} has "
                    f"{len(compact)} digits. For NAICS or HS codes name the column "
                    "'NAICS' or 'HS code', or write 'NAICS 315210' / 'HS 610910'",
                ),
            )
        folded = _fold(label)
        if folded in self.names:
            return self.names[folded], "exact", 100.0, None
        if folded in self.aliases:
            return self.aliases[folded], "alias", 100.0, None
        matches = process.extract(folded, self.choices, scorer=fuzz.WRatio, limit=25)
        if not matches:
            return None, None, 0.0, ("unknown-sector", f"no sector resembles {label!r}")
        # Several names (ISIC titles of groups and classes) lead to one sector:
        # keep each sector's best match so suggestions are distinct sectors.
        distinct: list[tuple[str, float, int]] = []
        for match in matches:
            if all(self.targets[d[0]] != self.targets[match[0]] for d in distinct):
                distinct.append(match)
        best_code = self.targets[distinct[0][0]]
        best = distinct[0][1]
        runner_up = distinct[1][1] if len(distinct) > 1 else 0.0
        if best >= FUZZY_ACCEPT and best - runner_up >= FUZZY_MARGIN:
            return best_code, "fuzzy", float(best), None
        top = _suggestions(distinct[:3], self.labels)
        code = "ambiguous-sector" if best >= FUZZY_SUGGEST else "unknown-sector"
        if code == "unknown-sector":
            what = "matches no sector"
        elif best - runner_up >= FUZZY_MARGIN:
            what = "is not close enough to one sector to be taken"
        else:
            what = "matches several sectors"
        return (
            None,
            None,
            float(best),
            (code, f"{label!r} {what}; did you mean: {top}?"),
        )


@cache
def _sector_aliases() -> tuple[tuple[str, str], ...]:
    """(alias, ISIC code) pairs of the curated ``sector_aliases.csv``."""
    path = data_dir() / "sector_aliases.csv"
    if not path.is_file():
        return ()
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tuple(zip(table["alias"], table["isic_code"], strict=True))


@cache
def _concordance(scheme: str) -> dict[str, list[str]]:
    """NAICS or HS code -> ISIC Rev.4 classes, from the bundled concordance."""
    path = data_dir() / f"{scheme}_isic.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    grouped = table.groupby(f"{scheme}_code", sort=True)["isic_code"]
    return {str(code): list(classes) for code, classes in grouped}


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
    ``141``, ``1410``, ``C1410``), NAICS 2017 and HS codes with a scheme prefix
    (``NAICS 315210``, ``HS 6109.10``), sector names and ISIC titles, curated
    aliases (``garment mfg``) and free text close enough to one sector.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> labels = ["C14", "1410", "manufacture of wearing apparel"]
    >>> r = resolve_sectors(pd.Series(labels),
    ...                     load_reference())
    >>> r.codes.tolist(), r.match.tolist()
    (['C14', 'C14', 'C14'], ['code', 'code', 'exact'])
    >>> r = resolve_sectors(pd.Series(["NAICS 315210", "HS 5201.00", "labour hire"]),
    ...                     load_reference())
    >>> r.codes.tolist(), r.match.tolist()
    (['C14', 'A01', 'N78'], ['concordance', 'concordance', 'alias'])
    """
    return _resolve_unique(_as_column(values), _sector_index(reference))


_SECTOR_INDEX_CACHE: dict[int, _SectorIndex] = {}


def _sector_index(reference: ReferenceData) -> _SectorIndex:
    key = id(reference)
    if key not in _SECTOR_INDEX_CACHE:
        _SECTOR_INDEX_CACHE[key] = _SectorIndex(reference)
    return _SECTOR_INDEX_CACHE[key]


def resolve_countries(
    values: pd.Series | TextColumn, reference: ReferenceData
) -> Resolution:
    """Resolve country labels to ISO3 (see :mod:`demandrisk.countries`)."""
    from .countries import resolve_countries as resolve  # countries imports this

    return resolve(values, reference)
