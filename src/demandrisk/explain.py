"""Reason codes and explanation sentences.

The sentence for a supplier names its band and score, then its top reasons
with the raw value, its basis and its source, then any red-flag floor and the
coverage. Phrases are built once per distinct (value, basis, source) of an
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

__all__ = ["explanation_sentences", "format_value", "reason_codes"]

BASIS_TEXT = {
    "supplier": "supplier data",
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
    >>> format_value(indicators["sector_informality"], 84.14)
    '84.1%'
    >>> format_value(indicators["migrant_workers"], 0.42)
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


def _top_order(contributions: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Indicator positions of the top contributions per row, -1 where not positive."""
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(contributions, order, axis=1)
    return np.where(picked > 0, order, -1), picked


def reason_codes(
    config: ModelConfig, contributions: np.ndarray, fired: list[tuple[str, np.ndarray]]
) -> pd.Categorical:
    """Return ``;``-joined reason slugs: fired red flags, then the top contributions.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> config = load_config()
    >>> c = np.zeros((1, len(config.indicators))); c[0, 0] = 5.0; c[0, 4] = 9.0
    >>> list(reason_codes(config, c, []))
    ['informal-economy;informal-sector']
    """
    n = contributions.shape[0]
    slugs = [ind.reason for ind in config.indicators.values()]
    top = min(config.top_reasons, contributions.shape[1])
    order, _ = _top_order(contributions, top)
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
    raw: pd.DataFrame,
    basis: pd.DataFrame,
    source: pd.DataFrame,
    display: dict[str, np.ndarray],
    fired: list[tuple[str, np.ndarray]],
) -> pd.Categorical:
    """Return one readable sentence per supplier.

    Each reason phrase depends only on (indicator, raw value, basis, source,
    contribution rounded to 0.1); each sentence only on the band, the score
    rounded to 0.1, its phrases, its red flags and its coverage in percent.
    Both are rendered once per distinct combination.
    """
    n = len(risk)
    if n == 0:
        return pd.Categorical([])
    codes = config.indicator_codes
    top = min(config.top_reasons, len(codes))
    order, picked = _top_order(contributions, top)
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
    slot_keys: list[np.ndarray] = []
    for r in range(top):
        j = order[:, r]
        value_key = np.full(n, -1, dtype=np.int64)
        basis_key = np.full(n, -1, dtype=np.int64)
        source_key = np.full(n, -1, dtype=np.int64)
        for position, code in enumerate(codes):
            rows = j == position
            value_key[rows] = value_ids[code][0][rows]
            basis_key[rows] = basis_ids[code][rows]
            source_key[rows] = source_ids[code][rows]
        points = np.round(np.nan_to_num(picked[:, r]) * 10).astype(np.int64)
        slot_keys += [j, value_key, basis_key, source_key, points]
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
                j, value_id, basis_id, source_id, points = combo[3 + 5 * r : 8 + 5 * r]
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
                phrases.append(
                    f"{indicators[j].label} {shown} ({BASIS_TEXT[bases[basis_id]]}, "
                    f"{citations.get(src, src or 'no source')}) +{points / 10:.1f}"
                )
            text = (
                f"{band.upper()} risk ({score10 / 10:.1f}/100). Main reasons: "
                + "; ".join(phrases)
                + "."
            )
            for flag, on in zip(flags, combo[3 + 5 * top :], strict=True):
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
