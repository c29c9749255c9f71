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
from .profiles import (
    ProfileValues,
    country_lookup,
    country_sector_lookup,
    sector_lookup,
)
from .reference import ReferenceData, fold_good
from .schema import PreparedSuppliers

__all__ = ["BASIS_LEVELS", "Features", "build_features"]

BASIS_LEVELS = [
    "supplier",
    "country-sector-prior",
    "sector-prior",
    "country-prior",
    "imputed",
    "missing",
]
SUPPLIER_SOURCE = "supplier-data"
FALLBACK_SOURCE = "model-fallback"


@dataclass(frozen=True)
class Features:
    """Raw values (natural units), basis and source id per supplier x indicator.

    ``display`` holds the text of categorical values (e.g. ``tier 3 in 2025``),
    so the explanation can show what the source said rather than the mapped
    number. ``detail`` says which cell of which table a prior comes from, its
    year and quality (``QAT x F, 2010, observed``); blank for supplier data.
    """

    raw: pd.DataFrame
    basis: pd.DataFrame
    source: pd.DataFrame
    display: dict[str, np.ndarray]
    detail: pd.DataFrame


def _lookup(
    ref: SourceRef,
    indicator: Indicator,
    prepared: PreparedSuppliers,
    reference: ReferenceData,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Values, sources, category labels and details of one source, per row."""
    n = len(prepared.frame)
    display = None
    found: ProfileValues
    if ref.table == "supplier":
        found = ProfileValues(
            prepared.values.get(ref.field, np.full(n, np.nan)),
            np.full(n, SUPPLIER_SOURCE, dtype=object),
            np.full(n, "", dtype=object),
        )
    elif ref.table == "goods":
        found = ProfileValues(
            _goods_listing(prepared, reference),
            np.full(n, "dol-tvpra-2022", dtype=object),
            np.full(n, "", dtype=object),
        )
    elif ref.table == "sector":
        found = sector_lookup(prepared.sector, reference, ref.field)
    elif ref.table == "country":
        found = country_lookup(prepared.country, reference, ref.field)
    else:
        found = country_sector_lookup(
            prepared.country, prepared.sector, reference, ref.field
        )
    values = found.values
    if indicator.categories is not None:
        labels = pd.Series(values, dtype=object)
        display = labels.where(labels.notna(), None).to_numpy(dtype=object)
        values = labels.map(indicator.categories).to_numpy()
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy("float64")
    return numbers * ref.scale, found.sources, display, found.details


def _goods_listing(prepared: PreparedSuppliers, reference: ReferenceData) -> np.ndarray:
    """1 forced labour, 0.5 child labour only, 0 not listed, NaN no good named.

    The good is the one :mod:`demandrisk.goods` resolved the text to; a text
    on no list is not listed (0), an ambiguous one unknown (NaN). Looked up
    once per distinct (good, country) pair.
    """
    n = len(prepared.frame)
    goods = prepared.texts.get("good")
    resolution = prepared.good
    if goods is None or resolution is None:
        return np.full(n, np.nan)
    country = prepared.country.column
    pair = goods.index * (len(country.texts) + 1) + country.index
    pair_codes, pair_uniques = pd.factorize(pair)
    resolved = pd.Series(resolution.unique_codes, dtype=object).fillna("")
    folded = fold_good(resolved).where(resolved != "", "").to_numpy(dtype=object)
    unlisted = np.asarray(resolution.unique_match == "unlisted", dtype=bool)
    which = pair_uniques // (len(country.texts) + 1)
    good_text = folded[which]
    iso3 = pd.Series(prepared.country.unique_codes, dtype=object).fillna("")
    country_code = iso3.to_numpy(dtype=object)[pair_uniques % (len(country.texts) + 1)]
    key = pd.MultiIndex.from_arrays([good_text, country_code])
    listing = reference.goods_listing().reindex(key).to_numpy()
    unique_values = np.where(good_text != "", np.nan_to_num(listing, nan=0.0), np.nan)
    unique_values = np.where(unlisted[which], 0.0, unique_values)
    return unique_values[pair_codes]


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
    display: dict[str, np.ndarray] = {}
    detail: dict[str, np.ndarray] = {}
    n = len(prepared.frame)
    for code, indicator in config.indicators.items():
        values = np.full(n, np.nan)
        basis_codes = np.full(n, BASIS_LEVELS.index("missing"), dtype=np.int8)
        sources = np.full(n, "", dtype=object)
        details = np.full(n, "", dtype=object)
        labels = np.full(n, None, dtype=object)
        for ref in indicator.sources:
            found, found_sources, found_display, found_details = _lookup(
                ref, indicator, prepared, reference
            )
            take = np.isnan(values) & ~np.isnan(found)
            values[take] = found[take]
            basis_codes[take] = BASIS_LEVELS.index(BASIS_OF_TABLE[ref.table])
            sources[take] = found_sources[take]
            details[take] = found_details[take]
            if found_display is not None:
                labels[take] = found_display[take]
        raw[code] = values
        basis[code] = basis_codes
        source[code] = sources
        detail[code] = details
        if indicator.categories is not None:
            display[code] = labels
    basis_frame = pd.DataFrame(
        {
            c: pd.Categorical.from_codes(b, categories=pd.Index(BASIS_LEVELS))
            for c, b in basis.items()
        }
    )
    return Features(
        raw=pd.DataFrame(raw),
        basis=basis_frame,
        # Categoricals built column by column: a frame of a million object
        # strings would first be converted to Arrow strings, for nothing.
        source=pd.DataFrame({c: pd.Categorical(v) for c, v in source.items()}),
        display=display,
        detail=pd.DataFrame({c: pd.Categorical(v) for c, v in detail.items()}),
    )
