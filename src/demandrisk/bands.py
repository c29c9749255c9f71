"""Bands from scores: the one rule used for own scores and chain scores."""

from __future__ import annotations

import numpy as np

from .config import BandThresholds

__all__ = ["bands_of"]


def bands_of(thresholds: BandThresholds | None, scores: np.ndarray) -> np.ndarray:
    """Return the band name of each score (``""`` where the score is NaN).

    A score equal to a threshold belongs to the higher band. A model without
    bands (``thresholds`` None) gives ``""`` for every score.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> bands_of(load_config().bands, np.array([0.0, 30.0, 45.0, 99.0])).tolist()
    ['low', 'medium', 'high', 'severe']
    """
    scores = np.asarray(scores, dtype=float)
    if thresholds is None:
        return np.full(scores.shape, "", dtype=object)
    return np.select(
        [
            np.isnan(scores),
            scores >= thresholds.severe,
            scores >= thresholds.high,
            scores >= thresholds.medium,
        ],
        ["", "severe", "high", "medium"],
        default="low",
    ).astype(object)
