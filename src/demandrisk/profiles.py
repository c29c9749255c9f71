"""Look-ups of the bundled profiles: country x sector, sector and country.

Each look-up runs once per distinct resolved code (or pair of codes) and is
spread onto the rows, so a million suppliers cost a few hundred look-ups.
Each returns, per row, the value, its source id and a short *detail*: which
cell of which table the value comes from, its year and its quality tag
(``observed``, ``derived``, ``estimate``, ``proxy``), e.g.
``QAT x F, 2010, observed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codes import Resolution
from .reference import ReferenceData

__all__ = ["ProfileValues", "country_lookup", "country_sector_lookup", "sector_lookup"]


@dataclass(frozen=True)
class ProfileValues:
    """Per-row values (object array: numbers or category labels), sources, details."""

    values: np.ndarray
    sources: np.ndarray
    details: np.ndarray


_BLANK = frozenset({"", "nan", "<NA>", "None"})


def _empty(n: int) -> ProfileValues:
    return ProfileValues(
        np.full(n, np.nan, dtype=object),
        np.full(n, "", dtype=object),
        np.full(n, "", dtype=object),
    )


def _meta_column(table: pd.DataFrame, field: str, kind: str) -> pd.Series:
    """The ``<field>_<kind>`` column, else ``<prefix>_<kind>``, else blanks.

    Tables name provenance per field (``informality_all_source``) or per
    family of fields (``tip_status_2025`` -> ``tip_source``).
    """
    for candidate in (f"{field}_{kind}", f"{field.split('_')[0]}_{kind}"):
        if candidate in table.columns:
            return table[candidate].fillna("").astype(str)
    return pd.Series("", index=table.index, dtype=object)


def _detail(where: pd.Series, year: pd.Series, quality: pd.Series) -> pd.Series:
    columns = [
        c.astype(object).where(c.notna(), "").astype(str)
        for c in (where, year, quality)
    ]
    joined = [
        ", ".join(p for p in parts if p and p not in ("nan", "<NA>"))
        for parts in zip(*columns, strict=True)
    ]
    return pd.Series(joined, index=where.index, dtype=object)


def sector_lookup(
    resolution: Resolution, reference: ReferenceData, field: str
) -> ProfileValues:
    """The global value of the supplier's division, else of its section.

    Examples
    --------
    >>> from demandrisk.codes import resolve_sectors
    >>> from demandrisk.reference import load_reference
    >>> from demandrisk.textcolumn import TextColumn
    >>> ref = load_reference()
    >>> res = resolve_sectors(TextColumn.from_series(pd.Series(["C14"])), ref)
    >>> sector_lookup(res, ref, "informality").details.tolist()
    ['C14 worldwide, derived']
    """
    table = reference.sectors
    n = len(resolution.column)
    if field not in table.columns:
        return _empty(n)
    values = table[field]
    sources = _meta_column(table, field, "source")
    quality = _meta_column(table, field, "quality")
    parent = table["parent"].where(table["parent"] != "")
    # A division without a value of its own borrows its section's.
    lacks = values.isna() | (values.astype(str) == "")
    values = values.where(~lacks, parent.map(values))
    sources = sources.where(~lacks, parent.map(sources))
    where = table.index.to_series() + " worldwide"
    where = where.where(~lacks, parent.fillna("") + " worldwide")
    quality = quality.where(~lacks, parent.map(quality))
    details = _detail(where, pd.Series("", index=table.index), quality)
    codes = pd.Series(resolution.unique_codes, dtype=object)
    per_text = [codes.map(s).to_numpy(dtype=object) for s in (values, sources, details)]
    found = codes.map(values).notna().to_numpy()
    per_text[1] = np.where(found, per_text[1], "")
    per_text[2] = np.where(found, per_text[2], "")
    return ProfileValues(*(resolution.column.per_row(p) for p in per_text))


def country_lookup(
    resolution: Resolution, reference: ReferenceData, field: str
) -> ProfileValues:
    """A field of the supplier's country profile.

    Examples
    --------
    >>> from demandrisk.codes import resolve_countries
    >>> from demandrisk.reference import load_reference
    >>> from demandrisk.textcolumn import TextColumn
    >>> ref = load_reference()
    >>> res = resolve_countries(TextColumn.from_series(pd.Series(["Qatar"])), ref)
    >>> country_lookup(res, ref, "migrant_stock_share").values.tolist()
    [77.27]
    """
    table = reference.countries
    n = len(resolution.column)
    if field not in table.columns:
        return _empty(n)
    values = table[field]
    blank = values.isna() | (values.astype(str) == "")
    where = table.index.to_series()
    details = _detail(
        where, _meta_column(table, field, "year"), _meta_column(table, field, "quality")
    )
    codes = pd.Series(resolution.unique_codes, dtype=object)
    kept = values.where(~blank)
    sources = _meta_column(table, field, "source").where(~blank, "")
    per_text: list[np.ndarray] = [
        codes.map(kept).to_numpy(dtype=object),
        codes.map(sources).fillna("").to_numpy(dtype=object),
        codes.map(details.where(~blank, "")).fillna("").to_numpy(dtype=object),
    ]
    return ProfileValues(*(resolution.column.per_row(p) for p in per_text))


def country_sector_lookup(
    country: Resolution, sector: Resolution, reference: ReferenceData, field: str
) -> ProfileValues:
    """The value for the supplier's country and division, else country and section.

    Looked up once per distinct (country, sector) pair of the file.

    Examples
    --------
    >>> from demandrisk.codes import resolve_countries, resolve_sectors
    >>> from demandrisk.reference import load_reference
    >>> from demandrisk.textcolumn import TextColumn
    >>> ref = load_reference()
    >>> c = resolve_countries(TextColumn.from_series(pd.Series(["QAT", "BGD"])), ref)
    >>> s = resolve_sectors(TextColumn.from_series(pd.Series(["F41", "C14"])), ref)
    >>> country_sector_lookup(c, s, ref, "informality").details.tolist()
    ['QAT x F, 2023, estimate', 'BGD x C14, 2024, observed']
    """
    n = len(country.column)
    table = reference.country_sector_values(field)
    if n == 0 or not len(table):
        return _empty(n)
    width = len(sector.column.texts) + 1
    pair = country.column.index * width + sector.column.index
    pair_codes, uniques = pd.factorize(pair)
    iso3 = pd.Series(country.unique_codes, dtype=object).to_numpy(object)[
        uniques // width
    ]
    code = pd.Series(sector.unique_codes, dtype=object).to_numpy(object)[
        uniques % width
    ]
    iso3 = pd.Series(iso3, dtype=object).fillna("").to_numpy(object)
    code = pd.Series(code, dtype=object).fillna("").to_numpy(object)
    values = np.full(len(uniques), np.nan, dtype=object)
    sources = np.full(len(uniques), "", dtype=object)
    details = np.full(len(uniques), "", dtype=object)
    section = np.array([c[:1] for c in code], dtype=object)
    for key in (code, section):  # the division first, then its section
        todo = pd.isna(values) & (iso3 != "") & (key != "")
        if not todo.any():
            continue
        index = pd.MultiIndex.from_arrays([iso3[todo], key[todo]])
        found = table.reindex(index)
        hit = found["value"].notna().to_numpy()
        rows = np.flatnonzero(todo)[hit]
        values[rows] = found["value"].to_numpy()[hit]
        sources[rows] = found["source"].to_numpy(object)[hit]
        years = found["year"].to_numpy(object)[hit]
        qualities = found["quality"].to_numpy(object)[hit]
        details[rows] = [
            ", ".join(p for p in (f"{i} x {k}", str(y), str(q)) if p not in _BLANK)
            for i, k, y, q in zip(iso3[rows], key[rows], years, qualities, strict=True)
        ]
    return ProfileValues(values[pair_codes], sources[pair_codes], details[pair_codes])
