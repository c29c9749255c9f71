"""Reason codes and explanation sentences.

The sentence for a supplier names its band and score, then its top reasons
with the raw value, its basis and its source, then any red-flag floor and the
coverage. Phrases are built once per distinct (value, basis, source) of an
indicator and then gathered per row, so a million suppliers cost a few
thousand string formats, not millions.
"""

from __future__ import annotations

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


def reason_codes(
    config: ModelConfig, contributions: np.ndarray, fired: list[tuple[str, np.ndarray]]
) -> np.ndarray:
    """Return ``;``-joined reason slugs: fired red flags, then the top contributions."""
    n = contributions.shape[0]
    slugs = np.array([ind.reason for ind in config.indicators.values()], dtype=object)
    top = min(config.top_reasons, contributions.shape[1])
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(contributions, order, axis=1)
    columns = [np.where(mask, reason, "") for reason, mask in fired]
    columns += [np.where(picked[:, r] > 0, slugs[order[:, r]], "") for r in range(top)]
    if not columns:
        return np.full(n, "", dtype=object)
    joined = pd.Series(columns[0], dtype=object).str.cat(
        [pd.Series(c, dtype=object) for c in columns[1:]], sep=";"
    )
    return (
        joined.str.replace(r";{2,}", ";", regex=True)
        .str.strip(";")
        .to_numpy(dtype=object)
    )


def _source_text(reference: ReferenceData, source_id: str) -> str:
    if source_id == SUPPLIER_SOURCE:
        return "supplier file"
    if source_id == FALLBACK_SOURCE:
        return "see model config"
    if source_id in reference.sources.index:
        row = reference.sources.loc[source_id]
        return f"{row['publisher']} {row['year']}"
    return source_id or "no source"


def _phrases(
    code: str,
    indicator: Indicator,
    reference: ReferenceData,
    raw: pd.Series,
    basis: pd.Series,
    source: pd.Series,
    display: pd.Series | None,
    contributions: np.ndarray,
) -> np.ndarray:
    """Return one phrase per row for this indicator, formatted per distinct key."""
    rounded = raw.round(4)
    keys = pd.DataFrame(
        {
            "value": rounded,
            "label": display if display is not None else None,
            "basis": basis.astype(object),
            "source": source.astype(object),
        }
    )
    codes, uniques = pd.MultiIndex.from_frame(keys.fillna({"label": ""})).factorize()
    texts = np.array(
        [
            f"{indicator.label} {format_value(indicator, value, label or None)} "
            f"({BASIS_TEXT[basis_]}, {_source_text(reference, src)})"
            for value, label, basis_, src in uniques
        ],
        dtype=object,
    )
    points = (
        pd.Series(np.round(contributions, 1))
        .map("{:.1f}".format)
        .to_numpy(dtype=object)
    )
    return texts[codes] + " +" + points


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
    display: dict[str, pd.Series],
    fired: list[tuple[str, np.ndarray]],
) -> np.ndarray:
    """Return one readable sentence per supplier."""
    n = len(risk)
    codes = config.indicator_codes
    top = min(config.top_reasons, len(codes))
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
    rows = np.arange(n)
    slots = [np.full(n, "", dtype=object) for _ in range(top)]
    for j, code in enumerate(codes):
        in_top = (order == j) & (contributions[rows, j] > 0)[:, None]
        picked = np.flatnonzero(in_top.any(axis=1))
        if picked.size == 0:
            continue
        phrases = _phrases(
            code,
            config.indicators[code],
            reference,
            raw[code].iloc[picked].reset_index(drop=True),
            basis[code].iloc[picked].reset_index(drop=True),
            source[code].iloc[picked].reset_index(drop=True),
            display[code].iloc[picked].reset_index(drop=True)
            if code in display
            else None,
            contributions[picked, j],
        )
        rank = in_top[picked].argmax(axis=1)
        for r in range(top):
            at_rank = rank == r
            slots[r][picked[at_rank]] = phrases[at_rank]
    reasons = pd.Series(slots[0], dtype=object)
    for slot in slots[1:]:
        extra = pd.Series(slot, dtype=object)
        reasons = reasons.where(extra == "", reasons + "; " + extra)
    score_text = pd.Series(np.round(risk, 1)).map("{:.1f}".format)
    head = pd.Series(bands, dtype=object).str.upper() + " risk (" + score_text + "/100)"
    sentence = head + ". Main reasons: " + reasons + "."
    for (_, mask), flag in zip(fired, config.red_flags.values(), strict=True):
        floor_text = f" Red flag, band at least {flag.floor.upper()}: {flag.message}."
        sentence = sentence.where(~mask, sentence + floor_text)
    coverage_text = pd.Series(np.round(np.nan_to_num(coverage) * 100)).map(
        "{:.0f}".format
    )
    sentence = (
        sentence
        + " Coverage "
        + coverage_text
        + "% (share of the weight on the supplier's own data)."
    )
    unscored = np.isnan(risk)
    sentence[unscored] = "Not scored: no indicator has data or a fallback."
    return sentence.to_numpy(dtype=object)
