"""Map raw indicator values to [0, 1], where 1 is the most exposed.

``goalposts`` (the default) uses fixed bounds from the config, so a supplier's
score never moves because other suppliers were added to the file. The fitted
methods (``minmax``, ``zscore``, ``percentile``) learn their bounds from the
data; the fitted bounds are returned so a rerun can reuse them exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .config import Indicator

__all__ = ["fit_bounds", "normalise"]

ZSCORE_CLIP = 3.0  # standard deviations mapped to the ends of [0, 1]
PERCENTILE_POINTS = 101


def fit_bounds(indicator: Indicator, observed: np.ndarray) -> dict[str, Any]:
    """Return the bounds a normalisation method needs, fitted on ``observed``.

    Parameters
    ----------
    indicator : Indicator
    observed : ndarray
        Raw values that rest on data (imputed fallbacks excluded); NaN ignored.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> ind = load_config().indicators["work_informality"]
    >>> fit_bounds(ind, np.array([1.0, 2.0]))
    {'method': 'goalposts', 'low': 0.0, 'high': 100.0}
    """
    method = indicator.normalisation
    if method == "goalposts":
        assert indicator.goalposts is not None
        low, high = indicator.goalposts
        return {"method": method, "low": float(low), "high": float(high)}
    values = observed[~np.isnan(observed)]
    if values.size == 0:
        # Nothing to fit on: every value is unknown, any bounds give the same result.
        values = np.array([0.0, 1.0])
    if method == "minmax":
        return {
            "method": method,
            "low": float(values.min()),
            "high": float(values.max()),
        }
    if method == "zscore":
        return {
            "method": method,
            "mean": float(values.mean()),
            "std": float(values.std()),
        }
    quantiles = np.quantile(values, np.linspace(0.0, 1.0, PERCENTILE_POINTS))
    return {"method": method, "quantiles": [float(q) for q in quantiles]}


def normalise(
    indicator: Indicator, raw: np.ndarray, bounds: dict[str, Any]
) -> np.ndarray:
    """Normalise raw values to [0, 1] with the indicator's direction applied.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> ind = load_config().indicators["work_margin"]  # direction -1, [0, 25]
    >>> normalise(ind, np.array([0.0, 12.5, 40.0]), fit_bounds(ind, np.array([])))
    array([1. , 0.5, 0. ])
    """
    method = bounds["method"]
    with np.errstate(invalid="ignore", divide="ignore"):
        if method in {"goalposts", "minmax"}:
            span = bounds["high"] - bounds["low"]
            if span > 0:
                z = (raw - bounds["low"]) / span
            else:  # one distinct value: place it in the middle, not at an end
                z = np.where(np.isnan(raw), np.nan, 0.5)
        elif method == "zscore":
            std = bounds["std"]
            scaled = (raw - bounds["mean"]) / std if std > 0 else raw * 0.0
            z = (np.clip(scaled, -ZSCORE_CLIP, ZSCORE_CLIP) + ZSCORE_CLIP) / (
                2 * ZSCORE_CLIP
            )
        else:
            quantiles = np.asarray(bounds["quantiles"])
            ranks = np.linspace(0.0, 1.0, quantiles.size)
            z = np.where(np.isnan(raw), np.nan, np.interp(raw, quantiles, ranks))
    z = np.clip(z, 0.0, 1.0)
    return 1.0 - z if indicator.direction == -1 else z
