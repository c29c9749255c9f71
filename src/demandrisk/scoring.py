"""Score suppliers: features -> normalise -> weight -> score, floors and bands.

Everything here is vectorised over suppliers: the only Python loops run over
indicators, groups and red flags, which a config holds a handful of.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .aggregate import GEOMETRIC_FLOOR, aggregate, weight_matrix
from .bands import bands_of
from .chain import chain_columns
from .config import ModelConfig, load_config
from .explain import explanation_sentences, reason_codes, reason_strength
from .features import BASIS_LEVELS, FALLBACK_SOURCE, Features, build_features
from .mapping import ColumnMapping
from .normalise import fit_bounds, normalise
from .readers import NumberPlan, prepare_input
from .reference import ReferenceData, load_reference
from .result import ScoreResult
from .schema import merge_issues, prepare_suppliers, read_suppliers

__all__ = ["assign_bands", "score"]


def assign_bands(config: ModelConfig, scores: np.ndarray) -> np.ndarray:
    """Return the band name of each score (``""`` where the score is NaN).

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> assign_bands(load_config(), np.array([0.0, 30.0, 50.0, 99.0])).tolist()
    ['low', 'medium', 'high', 'severe']
    """
    return bands_of(config.bands, scores)


def _apply_missing_policy(
    config: ModelConfig, features: Features
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Fill or drop missing values; return raw, basis, source and availability."""
    raw = features.raw.copy()
    basis = features.basis.copy()
    source = features.source.copy()
    available = np.ones(raw.shape, dtype=bool)
    for j, (code, indicator) in enumerate(config.indicators.items()):
        missing = np.isnan(raw[code].to_numpy())
        if not missing.any():
            continue
        if config.missing == "prior" and indicator.fallback is not None:
            raw.loc[missing, code] = indicator.fallback
            basis.loc[missing, code] = "imputed"
            if FALLBACK_SOURCE not in source[code].cat.categories:
                source[code] = source[code].cat.add_categories([FALLBACK_SOURCE])
            source.loc[missing, code] = FALLBACK_SOURCE
        elif config.missing == "pessimistic":
            basis.loc[missing, code] = "imputed"
        else:
            available[:, j] = ~missing
    return raw, basis, source, available


def _normalised(
    config: ModelConfig,
    raw: pd.DataFrame,
    basis: pd.DataFrame,
    fitted: dict[str, Any] | None,
) -> tuple[np.ndarray, dict[str, Any]]:
    z = np.empty(raw.shape)
    bounds_used: dict[str, Any] = {}
    for j, (code, indicator) in enumerate(config.indicators.items()):
        values = raw[code].to_numpy()
        if fitted and code in fitted:
            bounds = fitted[code]
        else:
            imputed = basis[code].cat.codes.to_numpy() == BASIS_LEVELS.index("imputed")
            observed = np.where(imputed, np.nan, values)
            bounds = fit_bounds(indicator, observed)
        bounds_used[code] = bounds
        z[:, j] = normalise(indicator, values, bounds)
        if config.missing == "pessimistic":
            z[np.isnan(values), j] = 1.0  # unknown counts as the worst case
    return z, bounds_used


def _floors(
    config: ModelConfig, raw: pd.DataFrame, basis: pd.DataFrame, base: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """Return the floor contribution and which flags fired (reason, mask)."""
    lifted = np.full(base.shape, -np.inf)
    fired: list[tuple[str, np.ndarray]] = []
    bands = config.bands
    for flag in config.red_flags.values():
        values = raw[flag.indicator].to_numpy()
        on_basis = basis[flag.indicator].isin(flag.basis).to_numpy()
        mask = on_basis & (np.nan_to_num(values, nan=-np.inf) >= flag.at_least)
        if mask.any():
            assert bands is not None  # the config requires bands with red flags
            lifted = np.where(
                mask, np.maximum(lifted, bands.lower_bound(flag.floor)), lifted
            )
        fired.append((flag.reason, mask))
    final = np.where(np.isnan(base), base, np.maximum(base, lifted))
    return final - np.where(np.isnan(base), 0.0, base), fired


def score(
    suppliers: pd.DataFrame | str | Path,
    config: ModelConfig | str | Path | dict[str, Any] | None = None,
    *,
    reference: ReferenceData | str | Path | None = None,
    fitted: dict[str, Any] | None = None,
    edges: pd.DataFrame | str | Path | None = None,
    sourcing_countries: Sequence[str] | None = None,
    chain: bool = True,
    mapping: ColumnMapping | dict[str, Any] | str | Path | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    decimal: str | None = None,
    numbers: NumberPlan | None = None,
) -> ScoreResult:
    """Score every supplier and explain each score.

    Parameters
    ----------
    suppliers : DataFrame or path
        Supplier rows with at least ``supplier_id``, ``country`` and ``sector``;
        a path is read as CSV (or Excel / Parquet by extension).
    config : ModelConfig, path, mapping or None
        The model; ``None`` uses the default shipped with demandrisk.
    reference : ReferenceData or folder, optional
        Reference tables; defaults to the bundled ones.
    fitted : dict, optional
        Normalisation bounds from an earlier result (``result.fitted``), so a
        fitted method (``minmax``...) is applied exactly as before.
    edges : DataFrame or path, optional
        Supply links ``supplier_id, buyer_id[, share]`` for suppliers with
        several customers (added to the ``buyer_id`` column's links).
    sourcing_countries : sequence of str, optional
        ISO3 countries the unmapped upstream inputs come from, for
        ``hidden_upstream_score`` (default: each supplier's own country).
    chain : bool
        Compute tiers, chain exposure and hidden-tier estimates (default). With
        ``False`` those columns are left out.
    mapping : ColumnMapping, dict or path, optional
        How the file's headers and values map to ours (see
        :mod:`demandrisk.mapping`); common synonyms are recognised without it.
    encoding, sheet, decimal : optional
        Force a text encoding, pick an Excel sheet, give the decimal mark.
    numbers : NumberPlan, optional
        How number columns are read, decided on the whole file (chunked runs).

    Returns
    -------
    ScoreResult

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"supplier_id": ["S1", "S2"], "country": ["BGD", "DEU"],
    ...                       "sector": ["C14", "J"]})
    >>> result = score(frame)
    >>> result.scores["risk_band"].tolist()
    ['high', 'low']
    >>> contributions = result.scores.filter(like="contrib_").sum(axis=1)
    >>> bool(np.allclose(contributions, result.scores["risk_score"], atol=1e-9))
    True
    """
    config = load_config(config)
    reference = (
        reference if isinstance(reference, ReferenceData) else load_reference(reference)
    )
    # Read (any format), map the file's headers and values to ours, and keep
    # the file untouched beside them: the output is the original + our columns.
    required = config.required_columns()
    frame, original, read_issues, report = prepare_input(
        suppliers, mapping, encoding, sheet, decimal, numbers=numbers, required=required
    )
    origin = report.origin
    extra = tuple(
        ref.field
        for ind in config.indicators.values()
        for ref in ind.sources
        if ref.table == "supplier"
    )
    prepared = prepare_suppliers(
        frame,
        reference,
        origin,
        extra_numeric=extra,
        reserved=tuple(output_columns(config)),
        required=required,
    )
    features = build_features(prepared, config, reference)
    raw, basis, source, available = _apply_missing_policy(config, features)
    available &= prepared.scored_rows[:, None]  # footnote lines are no suppliers
    z, bounds = _normalised(config, raw, basis, fitted)
    weights = weight_matrix(config, available)
    contributions = aggregate(config, z, weights)
    has_weight = weights.sum(axis=1) > 0
    base = np.where(has_weight, contributions.sum(axis=1), np.nan)
    floor, fired = _floors(config, raw, basis, base)
    risk = base + floor
    bands = assign_bands(config, risk)
    codes = config.indicator_codes
    supplier_basis = np.column_stack(
        [basis[c].cat.codes.to_numpy() == BASIS_LEVELS.index("supplier") for c in codes]
    ).astype(float)
    coverage = np.where(has_weight, (weights * supplier_basis).sum(axis=1), np.nan)
    strength = reason_strength(
        config, z, weights, basis, neutral_points(config, bounds)
    )
    reasons = reason_codes(config, strength, fired)
    sentences = explanation_sentences(
        config,
        reference,
        risk,
        bands,
        coverage,
        contributions,
        strength,
        raw,
        basis,
        source,
        features.detail,
        features.display,
        fired,
    )
    sentences = prepared.unscored_sentences(sentences)
    ours: dict[str, Any] = {
        "sector_resolved": prepared.sector.codes,
        "sector_match": prepared.sector.match,
        "sector_match_score": prepared.sector.score,
        "country_resolved": prepared.country.codes,
        **prepared.good_columns(),
        "risk_score": risk,
        "risk_band": bands,
        "coverage": coverage,
    }
    ours.update(group_scores(config, z, weights))
    for j, code in enumerate(codes):
        ours[f"contrib_{code}"] = contributions[:, j]
    ours["contrib_floor"] = floor
    for code in codes:
        # Kept categorical: to_numpy() made a Python string per row and column
        # (~0.8 GB at 1M rows); the CSV writer writes the labels all the same.
        ours[f"basis_{code}"] = basis[code].array
    ours["reason_codes"] = reasons
    ours["explanation"] = sentences
    chained = None
    if chain:
        edge_frame = (
            edges
            if edges is None or isinstance(edges, pd.DataFrame)
            else read_suppliers(edges)
        )
        chained = chain_columns(
            prepared,
            risk,
            config,
            reference,
            prior_scores(config, reference),
            edges=edge_frame,
            sourcing_countries=sourcing_countries,
        )
        ours.update(chained.columns)
    output = _assemble(original, ours)
    # Rows of the frame we scored count its header as line 1; the file's
    # header may sit lower (a title above it).
    issues = merge_issues(
        read_issues,
        report.locate(prepared.issues),
        report.locate(chained.issues if chained else None),
    )
    return ScoreResult(
        scores=output,
        issues=issues,
        config=config,
        reference=reference,
        fitted=bounds,
        origin=origin,
        raw=raw,
        normalised=pd.DataFrame(np.where(weights > 0, z, np.nan), columns=codes),
        weights=pd.DataFrame(weights, columns=codes),
        contributions=pd.DataFrame(contributions, columns=codes),
        basis=basis,
        source=source,
        display=features.display,
        detail=features.detail,
        chain=chained.chain if chained else None,
        company=chained.company if chained else None,
        prepared=prepared,
    )


def neutral_points(config: ModelConfig, bounds: dict[str, Any]) -> np.ndarray:
    """Normalised neutral point of each indicator (NaN where it has none)."""
    points = np.full(len(config.indicators), np.nan)
    for j, (code, indicator) in enumerate(config.indicators.items()):
        value = indicator.neutral_value()
        if value is not None:
            points[j] = normalise(indicator, np.array([value]), bounds[code])[0]
    # No neutral point: any value on data above the bottom of the scale counts.
    return np.where(np.isnan(points), 0.0, points)


def group_scores(
    config: ModelConfig, z: np.ndarray, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """``score_<group>``: each group's own score, 0-100, on its indicators alone.

    The weighted mean of the group's normalised indicators with the weights
    the supplier's score used (renormalised within the group); geometric
    models take the weighted geometric mean. NaN where the group has no data.
    """
    out: dict[str, np.ndarray] = {}
    codes = config.indicator_codes
    for group in config.group_codes():
        members = [codes.index(c) for c in config.indicators_under(group)]
        w = weights[:, members]
        total = w.sum(axis=1)
        values = np.nan_to_num(z[:, members])
        with np.errstate(invalid="ignore", divide="ignore"):
            if config.aggregation == "geometric":
                logs = np.log(np.maximum(values, GEOMETRIC_FLOOR))
                mean = np.exp((w * logs).sum(axis=1) / total)
            else:
                mean = (w * values).sum(axis=1) / total
        out[f"score_{group}"] = np.where(total > 0, 100.0 * mean, np.nan)
    return out


def prior_scores(
    config: ModelConfig, reference: ReferenceData
) -> Callable[[pd.DataFrame], np.ndarray]:
    """Return a function scoring synthetic ``supplier_id, country, sector`` rows.

    Used for hidden-tier estimates: the rows have no chain of their own, so
    they are scored without one (which also keeps ``score`` from recursing).
    """

    def own_scores(rows: pd.DataFrame) -> np.ndarray:
        result = score(rows, config, reference=reference, chain=False)
        return result.scores["risk_score"].to_numpy()

    return own_scores


def output_columns(config: ModelConfig) -> list[str]:
    """Return the names of the columns ``score`` adds to the input's.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> output_columns(load_config())[:4]
    ['sector_resolved', 'sector_match', 'sector_match_score', 'country_resolved']
    """
    codes = config.indicator_codes
    return [
        "sector_resolved",
        "sector_match",
        "sector_match_score",
        "country_resolved",
        "good_resolved",
        "good_match",
        "good_match_score",
        "risk_score",
        "risk_band",
        "coverage",
        *(f"score_{g}" for g in config.group_codes()),
        *(f"contrib_{c}" for c in codes),
        "contrib_floor",
        *(f"basis_{c}" for c in codes),
        "reason_codes",
        "explanation",
        "supply_tier",
        "chain_score",
        "chain_band",
        "chain_source_id",
        "chain_path",
        "chain_explanation",
        "hidden_upstream_score",
    ]


def _assemble(frame: pd.DataFrame, ours: dict[str, Any]) -> pd.DataFrame:
    """Put our columns beside the input's untouched columns.

    An input column with the name of one of ours keeps its name; ours becomes
    ``demandrisk_<name>`` (reported as ``column-clash`` by validation).
    """
    renamed = {c: f"demandrisk_{c}" if c in frame.columns else c for c in ours}
    added = pd.DataFrame(
        {renamed[k]: v for k, v in ours.items()}, index=frame.index, copy=False
    )
    return pd.concat([frame, added], axis=1)
