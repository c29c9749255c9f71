"""Do the weights agree with what audits found? Fit them, compare, write a new model.

The calibrated model stays a weighted sum: non-negative indicator weights are
fitted by logistic loss on audit findings (scipy L-BFGS-B with bounds), with a
penalty ``shrink * sum((W - W_expert) ** 2)`` that pulls the effective weights
towards the expert ones. Where an indicator was left out for a supplier, its
siblings share its weight exactly as in scoring, so the fitted model is the
model that will score.

Expert and calibrated weights are compared on the same cross-validated folds
(ROC AUC, average precision, precision in the riskiest 10%, share of findings
in the high and severe bands) with paired bootstrap intervals. The fitted
weights go to a *new* config TOML; the default model is never replaced.
"""

from __future__ import annotations

import json
import math
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._paths import default_config_path
from .config import ROOT, ModelConfig, config_from_mapping
from .errors import InputDataError, OutputError
from .result import ScoreResult
from .sensitivity import _availability, _bands, _flag_floor, _nodes, _parent

__all__ = [
    "MIN_FINDINGS",
    "WARN_FINDINGS",
    "CalibrationResult",
    "CalibrationWarning",
    "calibrate",
    "config_with_weights",
    "dump_config",
    "fit_weights",
]

MIN_FINDINGS = 5  # below this, in either class, there is nothing to fit
WARN_FINDINGS = 20  # below this, fitted weights are mostly noise
TOP_SHARE = 0.10
TRUE_WORDS = {"1", "true", "yes", "y", "found", "1.0"}
FALSE_WORDS = {"0", "false", "no", "n", "none", "0.0"}


class CalibrationWarning(UserWarning):
    """Too few audit findings for the fitted weights to be more than a hint."""


# ---------------------------------------------------------------- the fit


def config_with_weights(config: ModelConfig, weights: np.ndarray) -> ModelConfig:
    """Return ``config`` with effective weights ``weights`` (one per indicator).

    A group's weight becomes the sum of its indicators' effective weights and
    an indicator's weight its share of its parent, so the config's effective
    weights equal ``weights / weights.sum()``.
    """
    codes = config.indicator_codes
    total = float(np.sum(weights))
    w = dict(zip(codes, np.asarray(weights, float) / total, strict=True))
    below: dict[str, float] = {}

    def mass(node: str) -> float:
        if node in w:
            return w[node]
        if node not in below:
            below[node] = sum(mass(kid) for kid in config.children(node))
        return below[node]

    data = config.model_dump()
    for name in config.groups:
        data["groups"][name]["weight"] = round(mass(name), 6)
    for code in codes:
        parent = config.indicators[code].parent
        share = (
            w[code] / mass(parent) if parent != ROOT and mass(parent) > 0 else w[code]
        )
        data["indicators"][code]["weight"] = round(share, 6)
    return config_from_mapping(data, origin="<calibrated>")


class _Problem:
    """Penalised logistic loss of a weighted-sum model, for L-BFGS-B."""

    def __init__(
        self,
        config: ModelConfig,
        z: np.ndarray,
        available: np.ndarray,
        y: np.ndarray,
        prior: np.ndarray,
        shrink: float,
    ) -> None:
        self.config = config
        self.z = np.nan_to_num(z, nan=0.0)
        self.patterns, inverse = np.unique(available, axis=0, return_inverse=True)
        self.pattern_of = inverse.ravel()
        self.y = y.astype(float)
        self.prior = prior / prior.sum()
        self.shrink = shrink
        codes = config.indicator_codes
        nodes = _nodes(config)
        col = {n: i for i, n in enumerate(nodes)}
        # node weight = sum of the beta of the indicators below it
        self.below = np.array(
            [[float(n in config.path(c)) for c in codes] for n in nodes]
        )
        # The tree, precomputed once: the loss runs thousands of times, and
        # weights renormalised among available siblings are then three
        # array operations (the rule of aggregate.weight_matrix).
        node_available = (self.below @ self.patterns.T.astype(float)).T > 0
        self.node_available = node_available.astype(float)  # P x nodes
        parent_of = {n: _parent(config, n) for n in nodes}
        self.siblings = np.array(
            [[float(parent_of[a] == parent_of[b]) for b in nodes] for a in nodes]
        )
        depth = max(len(config.path(c)) for c in codes)
        pad = len(nodes)  # index of a column of ones
        self.paths = np.array(
            [
                [col[n] for n in config.path(c)] + [pad] * (depth - len(config.path(c)))
                for c in codes
            ]
        )

    def pattern_weights(self, beta: np.ndarray) -> np.ndarray:
        """Effective weights (P x k) for indicator weights ``beta``."""
        local = self.node_available * (self.below @ beta)[None, :]
        total = local @ self.siblings
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(total > 0, local / total, 0.0)
        ratio = np.column_stack([ratio, np.ones(len(ratio))])
        return ratio[:, self.paths].prod(axis=2)

    def weighted(self, beta: np.ndarray) -> np.ndarray:
        """Per-supplier sum of effective weight x z (the score / 100)."""
        w = self.pattern_weights(beta)
        return (w[self.pattern_of] * self.z).sum(axis=1)

    def loss(self, theta: np.ndarray) -> float:
        a, beta = theta[0], theta[1:]
        total = beta.sum()
        if total <= 1e-12:
            return 1e6
        logit = a + total * self.weighted(beta)
        nll = np.mean(np.logaddexp(0.0, logit) - self.y * logit)
        return float(nll + self.shrink * np.sum((beta / total - self.prior) ** 2))

    def fit(self) -> tuple[np.ndarray, float, float]:
        from scipy.optimize import minimize

        rate = float(np.clip(self.y.mean(), 1e-3, 1 - 1e-3))
        start = np.concatenate([[math.log(rate / (1 - rate)) - 2.0], 4.0 * self.prior])
        k = self.z.shape[1]
        bounds = [(None, None)] + [(0.0, None)] * k
        found = minimize(
            self.loss,
            start,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 200, "ftol": 1e-9, "gtol": 1e-6},
        )
        beta = np.maximum(found.x[1:], 0.0)
        if beta.sum() <= 0:
            beta = self.prior.copy()
        return beta / beta.sum(), float(found.x[0]), float(beta.sum())


def fit_weights(
    config: ModelConfig,
    z: np.ndarray,
    available: np.ndarray,
    y: np.ndarray,
    *,
    prior: np.ndarray | None = None,
    shrink: float = 1.0,
) -> tuple[np.ndarray, float, float]:
    """Fit effective weights; return ``(weights, intercept, slope)``.

    ``P(finding) = sigmoid(intercept + slope * score / 100)``, with
    ``weights`` summing to 1 (the effective weights with all data present).
    """
    if prior is None:
        prior = np.array(list(config.effective_weights().values()))
    return _Problem(config, z, available, y, prior, shrink).fit()


def _model_scores(
    config: ModelConfig,
    weights: np.ndarray,
    z: np.ndarray,
    available: np.ndarray,
    lifted: np.ndarray,
) -> np.ndarray:
    problem = _Problem(config, z, available, np.zeros(len(z)), weights, 0.0)
    has = problem.pattern_weights(weights)
    base = 100.0 * problem.weighted(weights)
    base[has.sum(axis=1)[problem.pattern_of] <= 0] = np.nan
    return np.maximum(base, lifted)


# ---------------------------------------------------------------- the comparison


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC by the rank-sum (ties count one half), as sklearn's."""
    from scipy.stats import rankdata

    positives = y.sum()
    negatives = len(y) - positives
    ranks = rankdata(s)
    return float(
        (ranks[y == 1].sum() - positives * (positives + 1) / 2)
        / (positives * negatives)
    )


def _average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """Average precision, step-wise over distinct thresholds, as sklearn's."""
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(ss)), len(ss) - 1]
    tp = np.cumsum(ys)[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def _metrics(y: np.ndarray, s: np.ndarray, high: float) -> np.ndarray:
    # Own AUC and AP (equal to sklearn's): the bootstrap calls them hundreds of
    # times and sklearn's input validation would dominate.
    keep = ~np.isnan(s)
    y, s = y[keep], s[keep]
    if y.min() == y.max():
        return np.full(4, np.nan)
    top = max(1, math.ceil(TOP_SHARE * len(s)))
    order = np.argsort(-s, kind="stable")[:top]
    return np.array(
        [
            _auc(y, s),
            _average_precision(y, s),
            y[order].mean(),
            (s[y == 1] >= high).mean(),
        ]
    )


METRICS = ["roc_auc", "average_precision", "precision_top10", "findings_high_severe"]


def _compare(
    y: np.ndarray,
    expert: np.ndarray,
    calibrated: np.ndarray,
    high: float,
    bootstrap: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    point = {
        "expert": _metrics(y, expert, high),
        "calibrated": _metrics(y, calibrated, high),
    }
    # Paired: both models are scored on the same resampled suppliers.
    draws = rng.integers(0, len(y), (bootstrap, len(y)))
    boot_e = np.array([_metrics(y[d], expert[d], high) for d in draws])
    boot_c = np.array([_metrics(y[d], calibrated[d], high) for d in draws])
    boot_e, boot_c = boot_e.reshape(-1, 4), boot_c.reshape(-1, 4)
    table = pd.DataFrame(index=pd.Index(METRICS, name="metric"))
    for name, boot in (("expert", boot_e), ("calibrated", boot_c)):
        table[name] = point[name]
        low, up = _interval(boot)
        table[f"{name}_low"], table[f"{name}_high"] = low, up
    table["difference"] = point["calibrated"] - point["expert"]
    low, up = _interval(boot_c - boot_e)
    table["difference_low"], table["difference_high"] = low, up
    return table


def _interval(boot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if boot.size == 0 or np.isnan(boot).all(axis=0).any():
        return np.full(4, np.nan), np.full(4, np.nan)
    low, up = np.nanquantile(boot, [0.025, 0.975], axis=0)
    return low, up


# ---------------------------------------------------------------- inputs


def _read_outcomes(outcomes: pd.DataFrame | str | Path) -> tuple[pd.Series, str]:
    """Return finding (0/1) per supplier_id, and where it came from."""
    if isinstance(outcomes, pd.DataFrame):
        frame, origin = outcomes, "<DataFrame>"
    else:
        origin = str(outcomes)
        try:
            frame = pd.read_csv(outcomes, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError) as error:
            raise InputDataError(f"Cannot read outcomes {origin}: {error}") from None
    missing = [c for c in ("supplier_id", "finding") if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{origin}: outcomes need columns supplier_id and finding; missing "
            f"{missing}, got {list(frame.columns)}"
        )
    text = frame["finding"].astype(str).str.strip().str.lower()
    bad = ~text.isin(TRUE_WORDS | FALSE_WORDS)
    if bad.any():
        rows = [
            f"row {i + 2} ({frame['finding'].iloc[i]!r})" for i in np.flatnonzero(bad)
        ]
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        raise InputDataError(
            f"{origin}: column finding must be 1/0, yes/no or true/false; got "
            f"{', '.join(rows[:5])}{more}"
        )
    table = pd.DataFrame(
        {
            "supplier_id": frame["supplier_id"].astype(str).str.strip(),
            "finding": text.isin(TRUE_WORDS).astype(int),
        }
    )
    if "date" in frame.columns:
        # The latest audit decides; an undated row ranks before any dated one.
        table["date"] = pd.to_datetime(frame["date"], errors="coerce")
        table = table.sort_values("date", kind="stable", na_position="first")
        return table.groupby("supplier_id")["finding"].last(), origin
    # Several undated audits: a finding in any of them counts.
    return table.groupby("supplier_id")["finding"].max(), origin


@dataclass(frozen=True)
class CalibrationResult:
    """Expert vs calibrated weights and how each predicts audit findings.

    Attributes
    ----------
    config : ModelConfig
        The calibrated model (expert config with the fitted weights).
    weights : DataFrame
        ``indicator, expert, calibrated`` effective weights (each sums to 1).
    metrics : DataFrame
        Cross-validated ``roc_auc, average_precision, precision_top10,
        findings_high_severe`` for ``expert`` and ``calibrated``, their
        difference, each with 95% bootstrap bounds (``_low``, ``_high``).
    intercept, slope : float
        ``P(finding) = sigmoid(intercept + slope * score / 100)``.
    summary : dict
        Suppliers used, findings, unmatched outcome ids, folds, shrink, seed.
    """

    config: ModelConfig
    weights: pd.DataFrame
    metrics: pd.DataFrame
    intercept: float
    slope: float
    summary: dict[str, Any] = field(default_factory=dict)

    def comment(self) -> str:
        """The figures of the fit, as a TOML comment block."""
        s = self.summary
        lines = [
            f"Calibrated from {s['origin']} against audit outcomes {s['outcomes']}:",
            f"{s['suppliers']} audited suppliers, {s['findings']} with findings; "
            f"shrink={s['shrink']}, {s['folds']}-fold cross-validation, "
            f"seed={s['seed']}.",
            f"Expert model: {s['expert_name']} {s['expert_version']}.",
            "",
            f"{'metric':<22}{'expert':>22}{'calibrated':>22}",
        ]
        for metric, row in self.metrics.iterrows():
            cells = [
                f"{row[m]:.3f} [{row[f'{m}_low']:.3f}, {row[f'{m}_high']:.3f}]"
                for m in ("expert", "calibrated")
            ]
            lines.append(f"{metric:<22}{cells[0]:>22}{cells[1]:>22}")
        lines += ["", f"{'indicator':<26}{'expert':>10}{'calibrated':>12}"]
        for code, expert, fitted in self.weights.itertuples(index=False):
            lines.append(f"{code:<26}{expert:>10.3f}{fitted:>12.3f}")
        lines += [
            "",
            "Weights fitted to audit findings reflect who was audited and why;",
            "read them beside the expert rationale, not instead of it.",
        ]
        return "\n".join(f"# {line}".rstrip() for line in lines)

    def to_toml(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the calibrated model to a new TOML file and return its path.

        Refuses to write over the default model, and over any existing file
        unless ``overwrite``.
        """
        target = Path(path)
        if target.resolve() == default_config_path().resolve():
            raise OutputError(
                f"{target} is the default model; write the calibrated model elsewhere"
            )
        if target.exists() and not overwrite:
            raise OutputError(f"{target} exists; remove it or give another path")
        text = self.comment() + "\n\n" + dump_config(self.config)
        config_from_mapping(tomllib.loads(text), origin=str(target))  # reads back
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
        except OSError as error:
            raise OutputError(f"Cannot write {target}: {error.strerror}") from None
        return target


def calibrate(
    result_or_features: ScoreResult | pd.DataFrame | str | Path,
    outcomes: pd.DataFrame | str | Path,
    *,
    shrink: float = 1.0,
    config: ModelConfig | str | Path | None = None,
    folds: int = 5,
    bootstrap: int = 200,
    seed: int | None = 0,
) -> CalibrationResult:
    """Fit weights to audit findings and compare them with the expert weights.

    Parameters
    ----------
    result_or_features : ScoreResult, DataFrame or path
        A scored table, or suppliers to score with ``config``.
    outcomes : DataFrame or path
        ``supplier_id``, ``finding`` (1/0, yes/no, true/false) and optionally
        ``date``: with dates the latest audit per supplier decides, without
        them a finding in any audit counts.
    shrink : float >= 0
        Pull towards the expert effective weights (0: none; large: expert).
    folds, bootstrap, seed : int
        Cross-validation folds, bootstrap resamples for the intervals, seed.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputDataError
        Fewer than ``MIN_FINDINGS`` audited suppliers with (or without) a
        finding, or no outcome matches a supplier. Below ``WARN_FINDINGS``
        findings a :class:`CalibrationWarning` is issued.
    """
    from sklearn.model_selection import StratifiedKFold

    if not (isinstance(shrink, int | float) and shrink >= 0 and math.isfinite(shrink)):
        raise InputDataError(
            f"The 'shrink' parameter of calibrate must be a float >= 0. "
            f"Got {shrink!r} instead."
        )
    if isinstance(result_or_features, ScoreResult):
        result = result_or_features
    else:
        from .scoring import score

        result = score(result_or_features, config)
    config_ = result.config
    finding, origin = _read_outcomes(outcomes)
    ids = result.scores["supplier_id"].astype(str).str.strip()
    y_all = ids.map(finding)
    rows = np.flatnonzero(y_all.notna().to_numpy())
    unmatched = sorted(set(finding.index) - set(ids))
    if rows.size == 0:
        raise InputDataError(
            f"{origin}: no supplier_id of the outcomes is in {result.origin} "
            f"(first outcome ids: {list(finding.index[:5])})"
        )
    y = y_all.to_numpy()[rows].astype(int)
    positives, negatives = int(y.sum()), int((1 - y).sum())
    if min(positives, negatives) < MIN_FINDINGS:
        raise InputDataError(
            f"Cannot calibrate: {positives} audited supplier(s) with a finding and "
            f"{negatives} without; at least {MIN_FINDINGS} of each are needed"
        )
    if positives < WARN_FINDINGS:
        warnings.warn(
            f"Only {positives} audits with findings (fewer than {WARN_FINDINGS}): "
            "the fitted weights are a hint, not evidence",
            CalibrationWarning,
            stacklevel=2,
        )
    z = result.normalised[config_.indicator_codes].to_numpy(dtype=float)[rows]
    available = _availability(result)[rows]
    lifted = _flag_floor(result)[rows]
    expert = result.scores["risk_score"].to_numpy(dtype=float)[rows]
    prior = np.array(list(config_.effective_weights().values()))
    n_splits = max(2, min(folds, positives, negatives))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    oof = np.full(len(y), np.nan)
    for train, test in splitter.split(z, y):
        w, _, _ = fit_weights(
            config_, z[train], available[train], y[train], prior=prior, shrink=shrink
        )
        oof[test] = _model_scores(config_, w, z[test], available[test], lifted[test])
    rng = np.random.default_rng(seed)
    metrics = _compare(y, expert, oof, _bands(config_).high, bootstrap, rng)
    weights, intercept, slope = fit_weights(
        config_, z, available, y, prior=prior, shrink=shrink
    )
    calibrated = config_with_weights(config_, weights)
    calibrated = calibrated.model_copy(
        update={
            "name": f"{config_.name}-calibrated",
            "description": f"{config_.description} Weights calibrated on audit "
            f"findings ({positives} of {len(y)} audited suppliers).".strip(),
        }
    )
    table = pd.DataFrame(
        {
            "indicator": config_.indicator_codes,
            "expert": prior,
            "calibrated": list(calibrated.effective_weights().values()),
        }
    )
    summary = {
        "origin": result.origin,
        "outcomes": origin,
        "suppliers": len(y),
        "findings": positives,
        "unmatched": unmatched,
        "folds": n_splits,
        "shrink": shrink,
        "seed": seed,
        "expert_name": config_.name,
        "expert_version": config_.version,
    }
    return CalibrationResult(
        config=calibrated,
        weights=table,
        metrics=metrics,
        intercept=intercept,
        slope=slope,
        summary=summary,
    )


# ---------------------------------------------------------------- TOML out


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _table(lines: list[str], header: str, body: dict[str, Any]) -> None:
    lines.append(f"\n[{header}]")
    for k, v in body.items():
        if v is not None:
            lines.append(f"{_key(k)} = {_value(v)}")


def dump_config(config: ModelConfig) -> str:
    """Return ``config`` as TOML text that :func:`load_config` reads back.

    Examples
    --------
    >>> import tomllib
    >>> from demandrisk.config import config_from_mapping, load_config
    >>> config = load_config()
    >>> config_from_mapping(tomllib.loads(dump_config(config))) == config
    True
    """
    data = config.model_dump(mode="json")
    lines = []
    for key in (
        "name",
        "version",
        "description",
        "aggregation",
        "missing",
        "top_reasons",
    ):
        lines.append(f"{key} = {_value(data[key])}")
    _table(lines, "bands", data["bands"])
    _table(lines, "tiers", data["tiers"])
    for section in ("groups", "indicators", "red_flags"):
        for name, body in data[section].items():
            _table(lines, f"{section}.{_key(name)}", body)
    return "\n".join(lines) + "\n"
