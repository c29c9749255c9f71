"""Reason codes and explanation sentences.

The sentence for a supplier names its band and score, then its top reasons
with the raw value, its basis, where the value comes from and its source,
then any red-flag floor and the coverage.

A *reason* is an indicator whose value lies beyond its neutral point in the
direction of risk and rests on data (the supplier's own, or a prior of its
country and sector), never on a model fallback: :func:`reason_strength`
ranks them by how far above neutral they lift the score. A fallback or a
harmless fact (Tier 1, a margin above average) is never given as a reason.

Phrases are built once per distinct (value, basis, source) of an
indicator and then gathered per row, so a million suppliers cost a few
thousand string formats, not millions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .config import Indicator, ModelConfig
from .features import FALLBACK_SOURCE, SUPPLIER_SOURCE
from .reference import ReferenceData

__all__ = ["explanation_sentences", "format_value", "reason_codes", "reason_strength"]

BASIS_TEXT = {
    "supplier": "supplier data",
    "country-sector-prior": "country-sector prior",
    "sector-prior": "sector prior",
    "country-prior": "country prior",
    "imputed": "no data, model fallback",
    "missing": "no data",
}


def format_value(indicator: Indicator, value: float, label: object = None) -> str:
    """Format a raw value in its natural unit.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> indicators = load_config().indicators
    >>> format_value(indicators["work_informality"], 84.14)
    '84.1%'
    >>> format_value(indicators["work_migrant"], 0.42)
    '42%'
    """
    if label is not None and label == label:  # categorical: show the source's word
        return str(label)
    if value != value:
        return "unknown"
    if indicator.value_labels and f"{value:g}" in indicator.value_labels:
        return indicator.value_labels[f"{value:g}"]
    unit = indicator.unit
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "ratio":
        return f"{value:.2f}"
    text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def _group_ids(keys: list[np.ndarray], n: int) -> np.ndarray:
    """Number each row's combination of keys, in order of first appearance.

    The keys are folded into one integer a column at a time and re-factorised
    after each step, so the number stays below ``n`` squared (no overflow) and
    memory stays at a few arrays of ``n`` integers; a groupby over the stacked
    keys held several copies of an ``n`` x ``len(keys)`` table.
    """
    combined = np.zeros(n, dtype=np.int64)
    for key in keys:
        key_ids, uniques = pd.factorize(key)
        combined = combined * len(uniques) + key_ids
        combined = pd.factorize(combined)[0]
    return combined


def _gather_texts(
    keys: list[np.ndarray], render: Callable[[np.ndarray], list[str]]
) -> pd.Categorical:
    """Render one text per distinct combination of integer keys; spread to rows.

    ``render`` receives the distinct combinations as a 2-D integer array and
    returns their texts, so formatting costs O(distinct), not O(rows).
    """
    n = len(keys[0]) if keys else 0
    ids = _group_ids(keys, n)
    # First row of each combination; ids count up from 0 in order of appearance.
    _, firsts = np.unique(ids, return_index=True)
    combos = (
        np.column_stack([key[firsts] for key in keys])
        if keys
        else np.zeros((len(firsts), 0), dtype=np.int64)
    )
    texts = np.empty(len(firsts), dtype=object)
    texts[:] = render(combos)
    # Two key combinations may render the same text: categories must be unique.
    text_ids, distinct = pd.factorize(texts)
    # A categorical holds each distinct text once: rows share their sentence.
    return pd.Categorical.from_codes(
        text_ids[ids], categories=pd.Index(distinct, dtype=object)
    )


def reason_strength(
    config: ModelConfig,
    z: np.ndarray,
    weights: np.ndarray,
    basis: pd.DataFrame,
    neutral_z: np.ndarray,
) -> np.ndarray:
    """Score points each indicator adds above its neutral point; 0 if not a reason.

    ``100 * W * (z - z_neutral)`` where the value rests on data (basis not
    ``imputed`` or ``missing``) and lies beyond the neutral point; 0 elsewhere.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> config = load_config()
    >>> k = len(config.indicators)
    >>> basis = pd.DataFrame({c: pd.Categorical(["supplier", "imputed"])
    ...                       for c in config.indicators})
    >>> s = reason_strength(config, np.full((2, k), 0.9), np.full((2, k), 0.1),
    ...                     basis, np.full(k, 0.5))
    >>> s[:, 0].round(6).tolist()
    [4.0, 0.0]
    """
    on_data = np.column_stack(
        [
            ~basis[c].astype(object).isin(["imputed", "missing"]).to_numpy()
            for c in config.indicator_codes
        ]
    ) if config.indicator_codes else np.zeros(z.shape, dtype=bool)  # fmt: skip
    with np.errstate(invalid="ignore"):
        above = np.nan_to_num(z, nan=-np.inf) > neutral_z[None, :] + 1e-12
        excess = 100.0 * weights * (np.nan_to_num(z) - neutral_z[None, :])
    return np.where(above & on_data & (weights > 0), excess, 0.0)


def _top_order(strength: np.ndarray, top: int) -> np.ndarray:
    """Indicator positions of the ``top`` strongest reasons per row, -1 for none."""
    order = np.argsort(-strength, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(strength, order, axis=1)
    return np.where(picked > 0, order, -1)


def reason_codes(
    config: ModelConfig, strength: np.ndarray, fired: list[tuple[str, np.ndarray]]
) -> pd.Categorical:
    """Return ``;``-joined reason slugs: fired red flags, then the top reasons.

    ``strength`` is :func:`reason_strength`: only indicators above their
    neutral point, on data, are reasons.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> config = load_config()
    >>> c = np.zeros((1, len(config.indicators))); c[0, 0] = 5.0; c[0, 4] = 9.0
    >>> list(reason_codes(config, c, []))
    ['weak-anti-trafficking-response;informal-work']
    """
    n = strength.shape[0]
    slugs = [ind.reason for ind in config.indicators.values()]
    top = min(config.top_reasons, strength.shape[1])
    order = _top_order(strength, top)
    flags = [mask.astype(np.int64) for _, mask in fired]
    reasons = [reason for reason, _ in fired]

    def render(combos: np.ndarray) -> list[str]:
        texts = []
        for combo in combos:
            parts = [reasons[i] for i, on in enumerate(combo[: len(flags)]) if on]
            parts += [slugs[j] for j in combo[len(flags) :] if j >= 0]
            texts.append(";".join(parts))
        return texts

    if n == 0:
        return pd.Categorical([])
    return _gather_texts([*flags, *order.T], render)


SLOT = 6  # keys per reason slot: indicator, value, basis, source, detail, points


def _source_texts(reference: ReferenceData) -> dict[str, str]:
    """Short citation (publisher and year) per source id, plus our own ids."""
    sources = reference.sources
    texts = dict(
        zip(sources.index, sources["publisher"] + " " + sources["year"], strict=True)
    )
    texts[SUPPLIER_SOURCE] = "supplier file"
    texts[FALLBACK_SOURCE] = "see model config"
    return texts


def explanation_sentences(
    config: ModelConfig,
    reference: ReferenceData,
    risk: np.ndarray,
    bands: np.ndarray,
    coverage: np.ndarray,
    contributions: np.ndarray,
    strength: np.ndarray,
    raw: pd.DataFrame,
    basis: pd.DataFrame,
    source: pd.DataFrame,
    detail: pd.DataFrame,
    display: dict[str, np.ndarray],
    fired: list[tuple[str, np.ndarray]],
) -> pd.Categorical:
    """Return one readable sentence per supplier.

    Each reason phrase depends only on (indicator, raw value, basis, detail,
    source, contribution rounded to 0.1); each sentence only on the band, the
    score rounded to 0.1, its phrases, its red flags and its coverage in
    percent. Both are rendered once per distinct combination.
    """
    n = len(risk)
    if n == 0:
        return pd.Categorical([])
    codes = config.indicator_codes
    top = min(config.top_reasons, len(codes))
    order = _top_order(strength, top)
    picked = np.take_along_axis(contributions, np.maximum(order, 0), axis=1)
    # Integer keys per row: which indicator sits in each slot, and what it says.
    value_ids = {}
    for code in codes:
        rounded = np.round(raw[code].to_numpy(), 4)
        if code in display:
            labels = pd.Series(display[code], dtype=object).fillna("")
            value_ids[code] = pd.factorize(labels.to_numpy(dtype=object))
        else:
            # NaN is a value of its own here (unknown under "pessimistic").
            value_ids[code] = pd.factorize(rounded, use_na_sentinel=False)
    basis_ids = {c: basis[c].cat.codes.to_numpy(np.int64) for c in codes}
    source_ids = {c: source[c].cat.codes.to_numpy(np.int64) for c in codes}
    detail_ids = {c: detail[c].cat.codes.to_numpy(np.int64) for c in codes}
    slot_keys: list[np.ndarray] = []
    for r in range(top):
        j = order[:, r]
        value_key = np.full(n, -1, dtype=np.int64)
        basis_key = np.full(n, -1, dtype=np.int64)
        source_key = np.full(n, -1, dtype=np.int64)
        detail_key = np.full(n, -1, dtype=np.int64)
        for position, code in enumerate(codes):
            rows = j == position
            value_key[rows] = value_ids[code][0][rows]
            basis_key[rows] = basis_ids[code][rows]
            source_key[rows] = source_ids[code][rows]
            detail_key[rows] = detail_ids[code][rows]
        points = np.round(np.nan_to_num(picked[:, r]) * 10).astype(np.int64)
        slot_keys += [j, value_key, basis_key, source_key, detail_key, points]
    band_levels = ["", "low", "medium", "high", "severe"]
    band_key = pd.Categorical(bands, categories=band_levels).codes.astype(np.int64)
    score_key = np.round(np.nan_to_num(risk, nan=-1.0) * 10).astype(np.int64)
    coverage_key = np.round(np.nan_to_num(coverage) * 100).astype(np.int64)
    flag_keys = [mask.astype(np.int64) for _, mask in fired]
    flags = list(config.red_flags.values())
    indicators = [config.indicators[c] for c in codes]
    bases = list(basis[codes[0]].cat.categories) if codes else []
    citations = _source_texts(reference)

    def render(combos: np.ndarray) -> list[str]:
        texts = []
        for combo in combos:
            band, score10, cover = band_levels[combo[0]], combo[1], combo[2]
            if score10 < 0:
                texts.append("Not scored: no indicator has data or a fallback.")
                continue
            phrases = []
            for r in range(top):
                slot = combo[3 + SLOT * r : 3 + SLOT * (r + 1)]
                j, value_id, basis_id, source_id, detail_id, points = slot
                if j < 0:
                    continue
                code = codes[j]
                uniques = value_ids[code][1]
                value = uniques[value_id]
                if code in display:
                    shown = format_value(indicators[j], np.nan, value or None)
                else:
                    shown = format_value(indicators[j], float(value))
                src = str(source[code].cat.categories[source_id])
                where = str(detail[code].cat.categories[detail_id])
                where = f" {where}" if where else ""
                phrases.append(
                    f"{indicators[j].label} {shown} ({BASIS_TEXT[bases[basis_id]]}"
                    f"{where}; {citations.get(src, src or 'no source')}) "
                    f"+{points / 10:.1f}"
                )
            label = f"{band.upper()} risk" if band else "Score"
            text = f"{label} ({score10 / 10:.1f}/100). " + (
                "Main reasons: " + "; ".join(phrases) + "."
                if phrases
                else "No indicator lies above its neutral point."
            )
            for flag, on in zip(flags, combo[3 + SLOT * top :], strict=True):
                if on:
                    floor = flag.floor.upper()
                    text += f" Red flag, band at least {floor}: {flag.message}."
            text += (
                f" Coverage {cover}% (share of the weight on the supplier's own data)."
            )
            texts.append(text)
        return texts

    return _gather_texts(
        [band_key, score_key, coverage_key, *slot_keys, *flag_keys], render
    )
