"""The scoring model as a scikit-learn estimator.

``X`` is the **raw indicator matrix**: one row per supplier, one column per
indicator in natural units, NaN where unknown: :func:`indicator_matrix` of a
:class:`~demandrisk.ScoreResult` (``result.raw`` with the fallbacks taken out
again) or ``build_features(...).raw``. Supplier-table parsing (countries,
sectors, goods) stays in :func:`demandrisk.score`; the estimator is the numeric
model only.

* ``RiskScorer(config=cfg)``: ``X`` has ``cfg``'s indicators as columns, in
  config order (a DataFrame's column names must match). ``fit`` learns the
  bounds of fitted normalisations (``minmax``...); goalposts stay fixed.
  Red flags fire on the values in ``X`` as if they were the supplier's own
  data (``X`` carries no basis); their lift is the ``contrib_floor`` column.
* ``RiskScorer()`` (no config): a flat model over whatever numeric columns
  ``X`` has: each column is min-max normalised on the training data (higher =
  riskier) and weighted equally (or by ``weights``); NaN cells are left out
  and the other columns share their weight.

With ``shrink`` set, ``fit(X, y)`` learns non-negative weights from binary
audit findings ``y`` (as :func:`demandrisk.calibrate` does, penalised towards
the starting weights); otherwise ``y`` is ignored.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .aggregate import aggregate, weight_matrix
from .calibrate import config_with_weights, fit_weights
from .config import ModelConfig, config_from_mapping, load_config
from .errors import DemandRiskError
from .normalise import fit_bounds, normalise
from .result import ScoreResult

__all__ = ["RiskScorer", "indicator_matrix"]


def indicator_matrix(result: ScoreResult) -> pd.DataFrame:
    """Return the ``X`` of a scored table: raw values, NaN where unknown.

    ``result.raw`` holds the model's fallbacks where data were missing; here
    they are NaN again, so :class:`RiskScorer` applies the fallbacks itself and
    a red flag never fires on an imputed value.

    Examples
    --------
    >>> import demandrisk
    >>> from demandrisk._paths import data_dir
    >>> result = demandrisk.score(data_dir() / "examples" / "suppliers.csv")
    >>> X = indicator_matrix(result)
    >>> scorer = RiskScorer(config=result.config).fit(X)
    >>> bool(np.allclose(scorer.decision_function(X), result.scores["risk_score"]))
    True
    """
    codes = result.config.indicator_codes
    imputed = (result.basis[codes] == "imputed").to_numpy()
    return result.raw[codes].mask(imputed)


def _invalid(name: str, expected: str, value: Any) -> DemandRiskError:
    return DemandRiskError(
        f"The {name!r} parameter of RiskScorer must be {expected}. "
        f"Got {value!r} instead."
    )


def _flat_config(k: int, weights: np.ndarray) -> ModelConfig:
    """A one-level model over k anonymous min-max indicators."""
    return config_from_mapping(
        {
            "name": "flat",
            "version": "0",
            "missing": "reweight",
            "bands": {"medium": 25.0, "high": 45.0, "severe": 65.0},
            "indicators": {
                f"x{j}": {
                    "label": f"feature {j}",
                    "weight": float(weights[j]),
                    "sources": [{"table": "supplier", "field": f"x{j}"}],
                    "normalisation": "minmax",
                    "reason": f"feature-{j}",
                }
                for j in range(k)
            },
        },
        origin="<RiskScorer>",
    )


class RiskScorer(TransformerMixin, BaseEstimator):
    """Score suppliers 0-100 from their raw indicator values.

    Parameters
    ----------
    config : ModelConfig, path, "default" or None
        The model. ``None`` builds a flat model over the columns of ``X``;
        ``"default"`` is the model shipped with demandrisk.
    weights : array-like of shape (n_features,) or None
        Non-negative effective weights replacing the config's (they are
        normalised to sum to 1). ``None`` keeps the config's, or equal ones.
    shrink : float >= 0 or None
        ``None``: the weights are taken as given. A number: ``fit(X, y)``
        learns the weights from binary findings ``y``, penalised by
        ``shrink * sum((W - W_start) ** 2)``.

    Attributes
    ----------
    config_ : ModelConfig
        The model used (for ``config=None``, the flat model built in ``fit``).
    weights_ : ndarray of shape (n_features,)
        Effective weights with every indicator present (sum to 1).
    bounds_ : list of dict
        Normalisation bounds per feature, fitted where the method needs it.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` in ``fit`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 10.0], [1.0, 0.0], [0.5, 5.0]])
    >>> scorer = RiskScorer(weights=[3, 1]).fit(X)
    >>> scorer.decision_function(X).round(1).tolist()
    [25.0, 75.0, 50.0]
    >>> scorer.get_feature_names_out().tolist()
    ['contrib_x0', 'contrib_x1']
    """

    def __init__(
        self,
        config: ModelConfig | str | Path | None = None,
        weights: Any = None,
        shrink: float | None = None,
    ) -> None:
        self.config = config
        self.weights = weights
        self.shrink = shrink

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN = unknown, handled by the model
        tags.target_tags.required = self.shrink is not None
        return tags

    # ----------------------------------------------------------------- fit

    def _start_config(self, n_features: int) -> ModelConfig:
        if self.config is None:
            return _flat_config(n_features, np.ones(n_features))
        if isinstance(self.config, str) and self.config == "default":
            config = load_config()
        elif isinstance(self.config, ModelConfig | str | Path):
            config = load_config(self.config)
        else:
            raise _invalid(
                "config", 'a ModelConfig, a path, "default" or None', self.config
            )
        codes = config.indicator_codes
        if n_features != len(codes):
            raise DemandRiskError(
                f"X has {n_features} features, but the model {config.name} has "
                f"{len(codes)} indicators: {codes}"
            )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and list(names) != codes:
            raise DemandRiskError(
                f"The columns of X must be the model's indicators in order: "
                f"{codes}. Got {list(names)} instead."
            )
        return config

    def fit(self, X: Any, y: Any = None) -> RiskScorer:
        """Learn normalisation bounds (and weights, when ``shrink`` is set)."""
        if self.shrink is not None and y is None:
            raise ValueError(
                "RiskScorer with shrink set requires y to be passed, but the "
                "target y is None."
            )
        X = validate_data(self, X, dtype="float64", ensure_all_finite="allow-nan")
        config = self._start_config(X.shape[1])
        if self.weights is not None:
            weights = np.asarray(self.weights, dtype=float)
            if (
                weights.shape != (X.shape[1],)
                or not np.isfinite(weights).all()
                or (weights < 0).any()
                or weights.sum() <= 0
            ):
                raise _invalid(
                    "weights",
                    f"None or {X.shape[1]} non-negative numbers, not all zero",
                    self.weights,
                )
            config = config_with_weights(config, weights)
        self.bounds_ = [
            fit_bounds(ind, X[:, j]) for j, ind in enumerate(config.indicators.values())
        ]
        if self.shrink is not None:
            if not isinstance(self.shrink, numbers.Real) or not self.shrink >= 0:
                raise _invalid("shrink", "None or a float >= 0", self.shrink)
            y = np.asarray(y)
            labels = np.unique(y)
            if labels.size != 2 or not set(labels.tolist()) <= {0, 1}:
                raise ValueError(
                    "RiskScorer learns weights from binary findings: y must hold "
                    f"0 and 1. Got the values {labels[:5].tolist()} instead."
                )
            z, available = self._normalised(config, X)
            learned, self.intercept_, self.slope_ = fit_weights(
                config, z, available, y.astype(int), shrink=float(self.shrink)
            )
            config = config_with_weights(config, learned)
        self.config_ = config
        self.weights_ = np.array(list(config.effective_weights().values()))
        return self

    # ----------------------------------------------------------------- score

    def _normalised(
        self, config: ModelConfig, X: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        z = np.empty(X.shape)
        available = np.ones(X.shape, dtype=bool)
        for j, indicator in enumerate(config.indicators.values()):
            values = X[:, j]
            missing = np.isnan(values)
            if config.missing == "prior" and indicator.fallback is not None:
                values = np.where(missing, indicator.fallback, values)
            z[:, j] = normalise(indicator, values, self.bounds_[j])
            if config.missing == "pessimistic":
                z[missing, j] = 1.0
            elif np.isnan(values).any():
                available[:, j] = ~np.isnan(values)
        return z, available

    def _contributions(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Return contributions (with the floor column) and which rows have data."""
        check_is_fitted(self)
        X = validate_data(
            self, X, dtype="float64", ensure_all_finite="allow-nan", reset=False
        )
        config = self.config_
        z, available = self._normalised(config, X)
        weights = weight_matrix(config, available)
        contributions = aggregate(config, z, weights)
        known = weights.sum(axis=1) > 0
        if not config.red_flags:
            return contributions, known
        base = np.where(known, contributions.sum(axis=1), np.nan)
        lifted = np.full(len(X), -np.inf)
        codes = config.indicator_codes
        for flag in config.red_flags.values():
            if "supplier" not in flag.basis:
                continue
            values = X[:, codes.index(flag.indicator)]
            fired = np.nan_to_num(values, nan=-np.inf) >= flag.at_least
            assert config.bands is not None  # red flags require bands
            bound = config.bands.lower_bound(flag.floor)
            lifted = np.where(fired, np.maximum(lifted, bound), lifted)
        floor = np.where(np.isnan(base), 0.0, np.maximum(base, lifted) - base)
        return np.column_stack([contributions, np.nan_to_num(floor)]), known

    def transform(self, X: Any) -> Any:
        """Return the contributions: points per indicator, summing to the score."""
        return self._contributions(X)[0]

    def decision_function(self, X: Any) -> np.ndarray:
        """Return the risk score 0-100 of each row (NaN where no indicator is known)."""
        contributions, known = self._contributions(X)
        return np.where(known, contributions.sum(axis=1), np.nan)

    def score_samples(self, X: Any) -> np.ndarray:
        """Same as :meth:`decision_function`: the risk score of each row."""
        return self.decision_function(X)

    def score(self, X: Any, y: Any) -> float:
        """Return the ROC AUC of the scores against binary findings ``y``.

        What :class:`~sklearn.model_selection.GridSearchCV` maximises by
        default. A target with more than two values is scored by Harrell's
        concordance (pairs with different ``y`` ordered like the scores),
        which equals the ROC AUC for a binary target.
        """
        from scipy.stats import somersd
        from sklearn.metrics import roc_auc_score

        scores = self.decision_function(X)
        y = np.asarray(y)
        keep = ~np.isnan(scores)
        if np.unique(y[keep]).size == 2:
            return float(roc_auc_score(y[keep], scores[keep]))
        # Somers' D of the scores given y, mapped from [-1, 1] to [0, 1].
        return float((somersd(y[keep], scores[keep]).statistic + 1.0) / 2.0)

    def predict_band(self, X: Any) -> np.ndarray:
        """Return the band (low / medium / high / severe) of each row."""
        from .scoring import assign_bands

        return assign_bands(self.config_, self.decision_function(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``contrib_<feature>`` (and ``contrib_floor`` with red flags)."""
        check_is_fitted(self)
        if input_features is not None:
            names = [str(f) for f in input_features]
            if len(names) != self.n_features_in_:
                raise ValueError(
                    f"input_features should have length {self.n_features_in_}, "
                    f"got {len(names)}"
                )
        elif hasattr(self, "feature_names_in_"):
            names = [str(f) for f in self.feature_names_in_]
        else:
            names = (
                self.config_.indicator_codes
                if self.config is not None
                else [f"x{j}" for j in range(self.n_features_in_)]
            )
        out = [f"contrib_{n}" for n in names]
        if self.config_.red_flags:
            out.append("contrib_floor")
        return np.asarray(out, dtype=object)
