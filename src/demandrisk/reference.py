"""The bundled reference tables: loading, checking and code resolution.

Tables (see ``data/README.md`` for provenance): ``sectors.csv`` (global
poor-work profile per ISIC Rev.4 section and division), ``countries.csv``
(country context), ``country_sector.csv`` (poor-work indicators per country x
section or division; optional, so run folders of model v1 still load),
``goods.csv`` (the US DOL 2022 list of goods produced with child or forced
labour), ``isic4.csv`` (the ISIC Rev.4 structure) and ``sources.csv``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._paths import data_dir
from .errors import ReferenceDataError

__all__ = ["ReferenceData", "load_reference"]

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "sectors": ("isic_code", "level", "parent", "name"),
    "countries": ("iso3", "iso2", "numeric", "name"),
    "goods": (
        "good",
        "country_iso3",
        "child_labor",
        "forced_labor",
        "derived_labor_exploitation",
        "isic_code",
    ),
    "isic4": ("code", "level", "section", "title"),
    "sources": ("id", "title", "publisher", "year", "url", "licence"),
}
# Tables a folder may lack (older run folders): loaded as empty.
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "country_sector": (
        "iso3", "isic_code", "indicator", "value", "year", "source", "quality",
    ),
}  # fmt: skip
DERIVED_LISTING = 0.75


def fold_good(names: pd.Series) -> pd.Series:
    """Normalise good names for matching: NFC, trimmed, case-folded.

    The DOL file stores accents decomposed (NFD); users type them composed.

    Examples
    --------
    >>> fold_good(pd.Series(["Ac\u0327ai\u0301 Berries", " Açaí berries"])).nunique()
    1
    """
    return names.astype(str).str.normalize("NFC").str.strip().str.casefold()


SECTOR_INDICATORS = (
    "informality", "margin", "low_pay", "migrant_ratio", "migrant_share",
)  # fmt: skip
COUNTRY_NUMBERS = (
    "informality", "enforcement_gap", "dol_goods_listed", "dol_goods_forced_labour",
    "rule_of_law", "migrant_stock_share", "informality_all", "migrant_share_all",
)  # fmt: skip


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    expected = {**REQUIRED_COLUMNS, **OPTIONAL_TABLES}[name]
    try:
        # Codes such as ISIC "01" and ISO numeric "004" must stay strings.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        if name in OPTIONAL_TABLES:
            return pd.DataFrame({c: pd.Series(dtype=str) for c in expected})
        raise ReferenceDataError(f"Reference table missing: {path}") from None
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ReferenceDataError(
            f"{path}: expected columns {list(expected)}, missing {missing}"
        )
    return frame


def _numeric_columns(
    frame: pd.DataFrame, path: Path, columns: list[str]
) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        text = frame[column].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = values.isna() & (text != "")
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise ReferenceDataError(
                f"{path}, row {row}, column {column}: expected a number or blank, "
                f"got {text[bad].iloc[0]!r}"
            )
        frame[column] = values.astype("float64")
    return frame


@dataclass(frozen=True)
class ReferenceData:
    """The bundled tables, indexed for fast look-up.

    Attributes
    ----------
    sectors : DataFrame indexed by ``isic_code``; indicator columns are floats.
    countries : DataFrame indexed by ``iso3``.
    goods : DataFrame, one row per good x country.
    isic4 : DataFrame, the ISIC Rev.4 structure.
    sources : DataFrame indexed by ``id``.
    country_sector : DataFrame, one row per country x ISIC code x indicator
        (``value`` a float), empty when the folder has no such table.
    folder : the folder the tables were read from.
    fingerprints : SHA-256 of each table file (for run manifests).
    """

    sectors: pd.DataFrame
    countries: pd.DataFrame
    goods: pd.DataFrame
    isic4: pd.DataFrame
    sources: pd.DataFrame
    folder: Path
    fingerprints: dict[str, str] = field(default_factory=dict)
    country_sector: pd.DataFrame = field(default_factory=pd.DataFrame)
    _indexed: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def country_sector_values(self, indicator: str) -> pd.DataFrame:
        """Return one indicator of ``country_sector`` indexed by (iso3, isic_code).

        Columns ``value`` (float), ``year``, ``source`` and ``quality``;
        indexed once per indicator and kept.

        Examples
        --------
        >>> table = load_reference().country_sector_values("migrant_share")
        >>> round(float(table.loc[("QAT", "F"), "value"]), 3)
        0.999
        """
        if indicator not in self._indexed:
            rows = self.country_sector
            if len(rows):
                rows = rows.loc[rows["indicator"] == indicator]
            self._indexed[indicator] = rows.set_index(["iso3", "isic_code"])[
                ["value", "year", "source", "quality"]
            ] if len(rows) else pd.DataFrame(
                {"value": pd.Series(dtype=float), "year": [], "source": [],
                 "quality": []},
                index=pd.MultiIndex.from_arrays([[], []], names=["iso3", "isic_code"]),
            )  # fmt: skip
        return self._indexed[indicator]

    def source_title(self, source_id: str) -> str:
        """Return a short citation for a source id (the id itself if unknown)."""
        if source_id in self.sources.index:
            row = self.sources.loc[source_id]
            return f"{row['publisher']}, {row['title']} ({row['year']})"
        return source_id

    def goods_listing(self) -> pd.Series:
        """Return the listing value per ``(good casefolded, iso3)``.

        1.0 where the good is listed with forced labour in that country, 0.75
        where it is listed as made from inputs produced with forced or child
        labour (the list's "derived" goods), 0.5 for child labour only.
        """
        goods = self.goods
        forced = goods["forced_labor"].str.lower().eq("true")
        child = goods["child_labor"].str.lower().eq("true")
        derived = goods["derived_labor_exploitation"].str.lower().eq("true")
        # Derived goods (e.g. solar cells) are listed for exploitation in their
        # inputs, not in their own production: ranked between the two.
        value = np.select(
            [forced, derived, child], [1.0, DERIVED_LISTING, 0.5], default=0.0
        )
        key = pd.MultiIndex.from_arrays(
            [fold_good(goods["good"]), goods["country_iso3"]],
            names=["good", "iso3"],
        )
        listing = pd.Series(value, index=key)
        return listing.groupby(level=[0, 1]).max()


def _all_sources(folder: Path, sources: pd.DataFrame) -> pd.DataFrame:
    """``sources.csv`` plus the source lists of the other generated tables.

    Each generator script (reference data, concordances, upstream links)
    writes its own ``*_sources.csv`` so that none rewrites another's file.
    """
    extra = [
        pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
        for p in sorted(folder.glob("*_sources.csv"))
    ]
    combined = pd.concat([sources, *extra], ignore_index=True)
    dupes = combined["id"][combined["id"].duplicated()].tolist()
    if dupes:
        raise ReferenceDataError(f"{folder}: source ids defined twice: {dupes[:5]}")
    return combined


@cache
def _load_cached(folder: str) -> ReferenceData:
    path = Path(folder)
    tables = {name: _read_table(path, name) for name in REQUIRED_COLUMNS}
    sector_numeric = [c for c in SECTOR_INDICATORS if c in tables["sectors"].columns]
    sectors = _numeric_columns(tables["sectors"], path / "sectors.csv", sector_numeric)
    country_numeric = [c for c in COUNTRY_NUMBERS if c in tables["countries"].columns]
    countries = _numeric_columns(
        tables["countries"], path / "countries.csv", country_numeric
    )
    for name, frame, key in (
        ("sectors", sectors, "isic_code"),
        ("countries", countries, "iso3"),
    ):
        dupes = frame[key][frame[key].duplicated()].tolist()
        if dupes:
            raise ReferenceDataError(
                f"{path / (name + '.csv')}: duplicated {key} {dupes[:5]}"
            )
    country_sector = _numeric_columns(
        _read_table(path, "country_sector"), path / "country_sector.csv", ["value"]
    )
    twice = country_sector.duplicated(["iso3", "isic_code", "indicator"])
    if twice.any():
        first = country_sector.loc[twice].iloc[0]
        raise ReferenceDataError(
            f"{path / 'country_sector.csv'}: {first['indicator']} given twice for "
            f"{first['iso3']} x {first['isic_code']}"
        )
    present = [
        name
        for name in (*REQUIRED_COLUMNS, *OPTIONAL_TABLES)
        if (path / f"{name}.csv").is_file()
    ]
    fingerprints = {
        f"{name}.csv": hashlib.sha256((path / f"{name}.csv").read_bytes()).hexdigest()
        for name in present
    }
    return ReferenceData(
        sectors=sectors.set_index("isic_code", drop=False),
        countries=countries.set_index("iso3", drop=False),
        goods=tables["goods"],
        isic4=tables["isic4"],
        sources=_all_sources(path, tables["sources"]).set_index("id", drop=False),
        folder=path,
        fingerprints=fingerprints,
        country_sector=country_sector,
    )


def load_reference(folder: str | Path | None = None) -> ReferenceData:
    """Load the reference tables (cached per folder).

    Parameters
    ----------
    folder : str or Path, optional
        A folder with the five tables; defaults to the bundled data.

    Examples
    --------
    >>> reference = load_reference()
    >>> "C14" in reference.sectors.index
    True
    """
    resolved = Path(folder) if folder is not None else data_dir()
    return _load_cached(str(resolved.resolve()))
