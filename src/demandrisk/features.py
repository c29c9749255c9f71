"""Raw indicator values, and the basis and source of each, per supplier.

For each indicator the configured sources are tried in order; the first that
has a value wins. A supplier's own data therefore overrides the sector or
country prior when the config lists it first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import BASIS_OF_TABLE, Indicator, ModelConfig, SourceRef
from .reference import ReferenceData
from .schema import PreparedSuppliers

__all__ = ["BASIS_LEVELS", "Features", "build_features"]

BASIS_LEVELS = ["supplier", "sector-prior", "country-prior", "imputed", "missing"]
SUPPLIER_SOURCE = "supplier-data"
FALLBACK_SOURCE = "model-fallback"


@dataclass(frozen=True)
class Features:
    """Raw values (natural units), basis and source id per supplier x indicator.

    ``display`` holds the text of categorical values (e.g. ``tier-3``), so the
    explanation can show what the source said rather than the mapped number.
    """

    raw: pd.DataFrame
    basis: pd.DataFrame
    source: pd.DataFrame
    display: dict[str, pd.Series]


def _source_column(table: pd.DataFrame, field: str) -> str | None:
    # Tables name provenance "<field>_source", or "<prefix>_source" for a
    # family of fields (tip_status_2025 -> tip_source, dol_goods_* -> dol_source).
    for candidate in (f"{field}_source", f"{field.split('_')[0]}_source"):
        if candidate in table.columns:
            return candidate
    return None


def _profile_lookup(
    codes: pd.Series, table: pd.DataFrame, field: str, parent: pd.Series | None
) -> tuple[pd.Series, pd.Series]:
    """Map codes to a field of a profile table, falling back to the parent row."""
    values = table[field]
    source_column = _source_column(table, field)
    sources = (
        table[source_column] if source_column else pd.Series("", index=table.index)
    )
    if parent is not None:
        # A division without its own value borrows its section's (and its source).
        lacks = values.isna() | (values.astype(str) == "")
        parent_values = parent.map(values)
        parent_sources = parent.map(sources)
        values = values.where(~lacks, parent_values)
        sources = sources.where(~lacks, parent_sources)
    return codes.map(values), codes.map(sources)


def _lookup(
    ref: SourceRef,
    indicator: Indicator,
    prepared: PreparedSuppliers,
    reference: ReferenceData,
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    n = len(prepared.frame)
    index = prepared.frame.index
    display = None
    if ref.table == "supplier":
        values = prepared.values.get(ref.field, pd.Series(np.nan, index=index))
        sources = pd.Series(SUPPLIER_SOURCE, index=index)
    elif ref.table == "goods":
        values = _goods_listing(prepared, reference)
        sources = pd.Series("dol-tvpra-2022", index=index)
    else:
        if ref.table == "sector":
            table, codes = reference.sectors, prepared.sector.codes
            parent = table["parent"].where(table["parent"] != "")
        else:
            table, codes = reference.countries, prepared.country.codes
            parent = None
        if ref.field not in table.columns:
            values = pd.Series(np.nan, index=index)
            sources = pd.Series("", index=index)
        else:
            values, sources = _profile_lookup(codes, table, ref.field, parent)
    if indicator.categories is not None:
        display = values.astype(object).where(values.notna(), None)
        values = values.map(indicator.categories)
    values = pd.to_numeric(values, errors="coerce").astype("float64") * ref.scale
    assert len(values) == n
    return values.reset_index(drop=True), sources.reset_index(drop=True), display


def _goods_listing(prepared: PreparedSuppliers, reference: ReferenceData) -> pd.Series:
    """1 forced labour, 0.5 child labour only, 0 not listed, NaN no good named."""
    index = prepared.frame.index
    goods = prepared.values.get("good")
    if goods is None:
        return pd.Series(np.nan, index=index)
    folded = goods.str.casefold()
    named = folded != ""
    countries = prepared.country.codes.fillna("")
    key = pd.MultiIndex.from_arrays([folded, countries])
    listing = reference.goods_listing().reindex(key).to_numpy()
    values = np.where(named.to_numpy(), np.nan_to_num(listing, nan=0.0), np.nan)
    return pd.Series(values, index=index)


def build_features(
    prepared: PreparedSuppliers, config: ModelConfig, reference: ReferenceData
) -> Features:
    """Collect raw values for every indicator of ``config``.

    Values still missing after all sources have basis ``missing``; the missing
    data policy (in :mod:`demandrisk.scoring`) decides what happens to them.
    """
    raw: dict[str, np.ndarray] = {}
    basis: dict[str, np.ndarray] = {}
    source: dict[str, np.ndarray] = {}
    display: dict[str, pd.Series] = {}
    n = len(prepared.frame)
    for code, indicator in config.indicators.items():
        values = np.full(n, np.nan)
        basis_codes = np.full(n, BASIS_LEVELS.index("missing"), dtype=np.int8)
        sources = np.full(n, "", dtype=object)
        labels = pd.Series([None] * n, dtype=object)
        for ref in indicator.sources:
            found, found_sources, found_display = _lookup(
                ref, indicator, prepared, reference
            )
            take = np.isnan(values) & ~np.isnan(found.to_numpy())
            values[take] = found.to_numpy()[take]
            basis_codes[take] = BASIS_LEVELS.index(BASIS_OF_TABLE[ref.table])
            sources[take] = found_sources.to_numpy()[take]
            if found_display is not None:
                labels[take] = found_display.to_numpy()[take]
        raw[code] = values
        basis[code] = basis_codes
        source[code] = sources
        if indicator.categories is not None:
            display[code] = labels
    basis_frame = pd.DataFrame(
        {
            c: pd.Categorical.from_codes(b, categories=BASIS_LEVELS)
            for c, b in basis.items()
        }
    )
    return Features(
        raw=pd.DataFrame(raw),
        basis=basis_frame,
        source=pd.DataFrame(source).astype("category"),
        display=display,
    )
