"""Per-supplier effective weights and the weighted aggregation.

The effective weight of an indicator is the product of its weight and its
ancestors' weights, each normalised among the siblings that have data for
that supplier. With every indicator present this equals
:meth:`ModelConfig.effective_weights`; when an indicator is left out (policy
``reweight``, or no fallback) its siblings share its weight.
"""

from __future__ import annotations

import numpy as np

from .config import ROOT, ModelConfig

__all__ = ["GEOMETRIC_FLOOR", "aggregate", "weight_matrix"]

# Geometric aggregation: a zero would wipe out every other indicator, so
# normalised values are floored here (documented in the README).
GEOMETRIC_FLOOR = 0.01


def weight_matrix(config: ModelConfig, available: np.ndarray) -> np.ndarray:
    """Return the n x k matrix of effective weights given data availability.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> config = load_config()
    >>> w = weight_matrix(config, np.ones((2, len(config.indicators)), dtype=bool))
    >>> np.allclose(w.sum(axis=1), 1.0)
    True
    """
    codes = config.indicator_codes
    n = available.shape[0]
    node_available: dict[str, np.ndarray] = {
        code: available[:, j].astype(float) for j, code in enumerate(codes)
    }

    def availability(node: str) -> np.ndarray:
        if node not in node_available:
            kids = config.children(node)
            stacked = (
                np.stack([availability(kid) for kid in kids])
                if kids
                else np.zeros((1, n))
            )
            node_available[node] = stacked.max(axis=0)
        return node_available[node]

    denominators: dict[str, np.ndarray] = {}

    def denominator(parent: str) -> np.ndarray:
        if parent not in denominators:
            denominators[parent] = sum(
                (
                    config.node_weight(kid) * availability(kid)
                    for kid in config.children(parent)
                ),
                start=np.zeros(n),
            )
        return denominators[parent]

    weights = np.ones((n, len(codes)))
    for j, code in enumerate(codes):
        for node in config.path(code):
            parent = (
                config.indicators[node].parent
                if node in config.indicators
                else config.groups[node].parent
            )
            denom = denominator(parent if parent else ROOT)
            local = config.node_weight(node) * availability(node)
            with np.errstate(invalid="ignore", divide="ignore"):
                weights[:, j] *= np.where(denom > 0, local / denom, 0.0)
    return weights


def aggregate(config: ModelConfig, z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return contributions (n x k, in score points) that sum to each score.

    Arithmetic: ``100 * W * z``. Geometric: the score is
    ``100 * prod(z ** W)`` and each indicator's share of it is proportional
    to ``W * (ln z - ln floor)``, its weighted distance above the floor, so
    the contributions still add up to the score.
    """
    z = np.where(weights > 0, np.nan_to_num(z, nan=0.0), 0.0)
    if config.aggregation == "arithmetic":
        return 100.0 * weights * z
    floored = np.maximum(z, GEOMETRIC_FLOOR)
    log_floor = np.log(GEOMETRIC_FLOOR)
    score = 100.0 * np.exp((weights * np.log(floored)).sum(axis=1))
    lift = weights * (np.log(floored) - log_floor)
    total = lift.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, lift / total, weights)
    return score[:, None] * share
