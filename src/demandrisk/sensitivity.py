"""How sure is a score? Perturb the weights and goalposts and watch bands and ranks.

Each sample multiplies every group and indicator weight by ``1 + U(-spread,
spread)`` (or draws sibling weights from a Dirichlet centred on them), the
weights are renormalised among siblings as in scoring, and every supplier is
rescored from the stored normalised values (from the raw values when the
goalposts move too). Red-flag floors are reapplied exactly as
:func:`demandrisk.score` applies them: they are facts, not weights.

Memory: scores are computed for a block of suppliers x a block of samples at a
time, so a million suppliers x 1000 samples runs in a few hundred MB. Ranks need
every supplier's score in a sample, so a first pass keeps, per sample, the
sorted scores (exact) or 4097 of their quantiles when that would not fit (rank
error at most n / 4096); a second pass ranks each supplier block against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .aggregate import GEOMETRIC_FLOOR
from .config import BAND_ORDER, ROOT, BandThresholds, ModelConfig
from .errors import ConfigError, DemandRiskError
from .result import ScoreResult

__all__ = ["SensitivityReport", "plot_rank_intervals", "sensitivity"]

SKETCH_POINTS = 4097


def _nodes(config: ModelConfig) -> list[str]:
    return [*config.groups, *config.indicators]


def _parent(config: ModelConfig, node: str) -> str:
    if node in config.indicators:
        return config.indicators[node].parent
    return config.groups[node].parent


def _effective_weights(
    config: ModelConfig, node_weights: np.ndarray, available: np.ndarray
) -> np.ndarray:
    """Return S x P x k effective weights for S weight sets and P availability rows.

    ``node_weights`` is S x (groups + indicators) in :func:`_nodes` order; the
    rule is :func:`demandrisk.aggregate.weight_matrix`'s, vectorised over the
    weight sets so the Python loops run over nodes only.
    """
    nodes = _nodes(config)
    col = {node: i for i, node in enumerate(nodes)}
    codes = config.indicator_codes
    s, p = node_weights.shape[0], available.shape[0]
    avail: dict[str, np.ndarray] = {
        code: available[:, j].astype(float) for j, code in enumerate(codes)
    }

    def availability(node: str) -> np.ndarray:
        if node not in avail:
            kids = config.children(node)
            avail[node] = (
                np.stack([availability(k) for k in kids]).max(axis=0)
                if kids
                else np.zeros(p)
            )
        return avail[node]

    denominators: dict[str, np.ndarray] = {}

    def denominator(parent: str) -> np.ndarray:
        if parent not in denominators:
            total = np.zeros((s, p))
            for kid in config.children(parent):
                total += node_weights[:, col[kid], None] * availability(kid)[None, :]
            denominators[parent] = total
        return denominators[parent]

    out = np.ones((s, p, len(codes)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, code in enumerate(codes):
            for node in config.path(code):
                denom = denominator(_parent(config, node) or ROOT)
                local = node_weights[:, col[node], None] * availability(node)[None, :]
                out[:, :, j] *= np.where(denom > 0, local / denom, 0.0)
    return out


def _availability(result: ScoreResult) -> np.ndarray:
    """Which indicators took part in each score (as scoring's missing policy)."""
    raw = result.raw[result.config.indicator_codes].to_numpy(dtype=float)
    if result.config.missing == "pessimistic":
        return np.ones(raw.shape, dtype=bool)
    return ~np.isnan(raw)


def _flag_floor(result: ScoreResult) -> np.ndarray:
    """The score floor each supplier's red flags impose (-inf where none fired)."""
    config = result.config
    lifted = np.full(len(result.raw), -np.inf)
    for flag in config.red_flags.values():
        values = result.raw[flag.indicator].to_numpy(dtype=float)
        on_basis = result.basis[flag.indicator].isin(flag.basis).to_numpy()
        mask = on_basis & (np.nan_to_num(values, nan=-np.inf) >= flag.at_least)
        lifted = np.where(
            mask, np.maximum(lifted, _bands(config).lower_bound(flag.floor)), lifted
        )
    return lifted


def _bands(config: ModelConfig) -> BandThresholds:
    """The model's bands; sensitivity reports band probabilities, so it needs them."""
    if config.bands is None:
        raise ConfigError(
            f"model {config.name!r} has no [bands]: sensitivity reports the "
            "probability of each band, so the model needs band thresholds"
        )
    return config.bands


def _band_index(config: ModelConfig, scores: np.ndarray) -> np.ndarray:
    b = _bands(config)
    return (
        (scores >= b.medium).astype(np.int8) + (scores >= b.high) + (scores >= b.severe)
    )


def _tidy(scores: np.ndarray) -> np.ndarray:
    # Ranks compare scores rounded to 1e-9 points: the same score computed in
    # a different block can differ in the last bit, which must not split a tie.
    return np.round(scores, 9)


def _rank_desc(scores: np.ndarray) -> np.ndarray:
    """Competition rank along axis 0 (1 = highest score; NaN ranks NaN)."""
    from scipy.stats import rankdata

    ranks = rankdata(-_tidy(scores), method="min", axis=0, nan_policy="omit")
    return np.asarray(ranks, dtype=float)


class _Model:
    """Rescore suppliers under many weight (and goalpost) sets at once."""

    def __init__(
        self,
        result: ScoreResult,
        node_weights: np.ndarray,
        goalposts: np.ndarray | None,
        available: np.ndarray | None = None,
    ) -> None:
        config = result.config
        self.config = config
        codes = config.indicator_codes
        available = _availability(result) if available is None else available
        self.patterns, self.pattern_of = np.unique(
            available, axis=0, return_inverse=True
        )
        self.pattern_of = self.pattern_of.ravel()
        nominal = np.array([[config.node_weight(n) for n in _nodes(config)]])
        self.weights = _effective_weights(config, node_weights, self.patterns)
        self.nominal_weights = _effective_weights(config, nominal, self.patterns)
        self.z = result.normalised[codes].to_numpy(dtype=float)
        self.raw = result.raw[codes].to_numpy(dtype=float)
        # Goalposts move only for indicators normalised by fixed goalposts.
        self.moving = [
            j
            for j, c in enumerate(codes)
            if result.fitted.get(c, {}).get("method") == "goalposts"
        ]
        self.goalposts = goalposts if self.moving else None
        self.bounds = np.array(
            [
                [result.fitted[codes[j]]["low"], result.fitted[codes[j]]["high"]]
                for j in self.moving
            ]
        )
        risk = result.scores["risk_score"].to_numpy(dtype=float)
        floor = result.scores["contrib_floor"].to_numpy(dtype=float)
        # The unfloored score as scoring computed it; samples add their change
        # to it, so a sample equal to the model reproduces the score exactly.
        self.base = np.where(floor > 0, risk - floor, risk)
        self.lifted = _flag_floor(result)

    def _z(self, rows: np.ndarray, offsets: np.ndarray | None) -> np.ndarray:
        """Normalised values, rows x k, or rows x S x k when goalposts move."""
        z = self.z[rows]
        if offsets is None:
            return z
        s = offsets.shape[0]
        z = np.repeat(z[:, None, :], s, axis=1)
        codes = self.config.indicator_codes
        for m, j in enumerate(self.moving):
            low, high = self.bounds[m]
            width = high - low
            bounds = {
                "method": "goalposts",
                "low": low + width * offsets[:, m, 0],
                "high": high + width * offsets[:, m, 1],
            }
            indicator = self.config.indicators[codes[j]]
            values = self.raw[rows, j][:, None]
            span = bounds["high"] - bounds["low"]
            moved = np.clip((values - bounds["low"]) / span, 0.0, 1.0)
            moved = 1.0 - moved if indicator.direction == -1 else moved
            if self.config.missing == "pessimistic":
                moved = np.where(np.isnan(values), 1.0, moved)
            z[:, :, j] = np.where(np.isnan(z[:, :, j]), np.nan, moved)
        return z

    def _raw_scores(
        self, rows: np.ndarray, weights: np.ndarray, offsets: np.ndarray | None
    ) -> np.ndarray:
        z = np.nan_to_num(self._z(rows, offsets), nan=0.0)
        geometric = self.config.aggregation == "geometric"
        if geometric:
            z = np.log(np.maximum(z, GEOMETRIC_FLOOR))
        out = np.empty((rows.size, weights.shape[0]))
        pattern = self.pattern_of[rows]
        for p in np.unique(pattern):
            at = np.flatnonzero(pattern == p)
            w = weights[:, p, :]  # S x k
            if z.ndim == 2:
                out[at] = z[at] @ w.T
            else:
                out[at] = np.einsum("rsk,sk->rs", z[at], w)
        return 100.0 * np.exp(out) if geometric else 100.0 * out

    def scores(self, rows: np.ndarray, samples: slice) -> np.ndarray:
        """Final (floored) scores, rows x samples."""
        offsets = None if self.goalposts is None else self.goalposts[samples]
        nominal_offsets = None if offsets is None else np.zeros_like(offsets[:1])
        moved = self._raw_scores(rows, self.weights[samples], offsets)
        nominal = self._raw_scores(rows, self.nominal_weights, nominal_offsets)
        base = self.base[rows, None] + (moved - nominal)
        return np.maximum(base, self.lifted[rows, None])


def _sample_node_weights(
    config: ModelConfig,
    rng: np.random.Generator,
    samples: int,
    spread: float,
    method: str,
) -> np.ndarray:
    nodes = _nodes(config)
    nominal = np.array([config.node_weight(n) for n in nodes])
    if spread == 0:
        return np.tile(nominal, (samples, 1))
    if method == "uniform":
        return nominal * (1.0 + rng.uniform(-spread, spread, (samples, len(nodes))))
    out = np.tile(nominal, (samples, 1))
    concentration = 1.0 / spread**2 - 1.0  # sd of a 50% share = spread
    for parent in [ROOT, *config.groups]:
        kids = [nodes.index(k) for k in config.children(parent)]
        positive = [k for k in kids if nominal[k] > 0]
        if len(positive) < 2:
            continue
        share = nominal[positive] / nominal[positive].sum()
        out[:, positive] = rng.dirichlet(share * concentration, samples)
    return out


@dataclass(frozen=True)
class SensitivityReport:
    """Per-supplier band probabilities and rank intervals, per-node importance.

    Attributes
    ----------
    suppliers : DataFrame
        ``supplier_id, risk_score, risk_band, rank, p_low, p_medium, p_high,
        p_severe, rank_p05, rank_median, rank_p95, band_stable`` (row order of
        the scored table; rank 1 is the riskiest).
    indicators : DataFrame
        One row per group and indicator: ``node, kind, parent, weight,
        loo_rank_change`` and the Sobol indices of the rank ``sobol_first``,
        ``sobol_total`` with 95% bootstrap bounds (``_low``, ``_high``).
    settings : dict
        The arguments, and whether ranks are exact.
    """

    suppliers: pd.DataFrame
    indicators: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def plot(self, top: int = 20) -> str:
        """Return the rank-interval plot of the ``top`` riskiest suppliers (SVG)."""
        return plot_rank_intervals(self, top=top)


def _check(name: str, value: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise DemandRiskError(
            f"The {name!r} parameter of sensitivity must be {expected}. "
            f"Got {value!r} instead."
        )


def sensitivity(
    result: ScoreResult,
    samples: int = 1000,
    spread: float = 0.25,
    seed: int | None = 0,
    *,
    method: Literal["uniform", "dirichlet"] = "uniform",
    goalposts: float = 0.0,
    stable_share: float = 0.9,
    sobol_samples: int = 256,
    sobol_suppliers: int = 500,
    bootstrap: int = 200,
    memory_mb: float = 256.0,
) -> SensitivityReport:
    """Perturb the model and report how stable each band and rank is.

    Parameters
    ----------
    result : ScoreResult
        A scored table (from :func:`demandrisk.score`).
    samples : int
        Number of perturbed models.
    spread : float in [0, 1)
        Each weight is multiplied by ``1 + U(-spread, spread)``; for
        ``method="dirichlet"`` the sibling shares are drawn from a Dirichlet
        whose standard deviation of a 50% share is ``spread``.
    seed : int or None
        Seed of the random generator; the same seed gives the same report.
    goalposts : float in [0, 0.5)
        Each goalpost moves by ``U(-goalposts, goalposts)`` times its
        indicator's goalpost width (fixed-goalpost indicators only).
    stable_share : float
        ``band_stable`` is True where the nominal band holds in at least this
        share of samples.
    sobol_samples, sobol_suppliers, bootstrap : int
        Base samples of the Sobol design (``0`` skips the Sobol indices), the
        suppliers whose ranks it uses (a random subset when there are more),
        and bootstrap resamples for the intervals.
    memory_mb : float
        Working memory to aim for; larger blocks are faster.

    Returns
    -------
    SensitivityReport

    Examples
    --------
    >>> import demandrisk
    >>> from demandrisk._paths import data_dir
    >>> result = demandrisk.score(data_dir() / "examples" / "suppliers.csv")
    >>> report = sensitivity(result, samples=50, spread=0.0, sobol_samples=0)
    >>> bool(report.suppliers["band_stable"].all())
    True
    """
    _check("samples", samples, isinstance(samples, int) and samples >= 1, "an int >= 1")
    _check("spread", spread, 0.0 <= spread < 1.0, "a float in [0, 1)")
    _check("goalposts", goalposts, 0.0 <= goalposts < 0.5, "a float in [0, 0.5)")
    _check(
        "method", method, method in ("uniform", "dirichlet"), "'uniform' or 'dirichlet'"
    )
    _check("stable_share", stable_share, 0.0 < stable_share <= 1.0, "in (0, 1]")
    config = result.config
    rng = np.random.default_rng(seed)
    node_weights = _sample_node_weights(config, rng, samples, spread, method)
    k = len(config.indicators)
    offsets = (
        rng.uniform(-goalposts, goalposts, (samples, k, 2)) if goalposts > 0 else None
    )
    model = _Model(result, node_weights, offsets)
    n = len(result.raw)
    per_cell = 8 * (4 + (k if model.goalposts is not None else 0))
    budget = memory_mb * 2**20

    # Pass 1: per sample, the sorted scores of all suppliers (or a sketch).
    exact = n * samples * 8 <= budget
    step = max(1, int(budget // max(1, n * per_cell)))
    ladder: list[np.ndarray] = []
    counts = np.zeros(samples, dtype=np.int64)
    rows = np.arange(n)
    for start in range(0, samples, step):
        block = _tidy(model.scores(rows, slice(start, start + step)))
        block = np.sort(block, axis=0)  # NaN sort last
        valid = (~np.isnan(block)).sum(axis=0)
        counts[start : start + block.shape[1]] = valid
        for t in range(block.shape[1]):
            column = block[: valid[t], t]
            if not exact and column.size > SKETCH_POINTS:
                at = np.linspace(0, column.size - 1, SKETCH_POINTS).round().astype(int)
                column = column[at]
            ladder.append(column)

    # Pass 2: supplier blocks x all samples: bands and ranks.
    chunk = max(1, int(budget // max(1, samples * per_cell)))
    out = {name: np.full(n, np.nan) for name in ("p05", "p50", "p95")}
    probabilities = np.zeros((n, len(BAND_ORDER)))
    for start in range(0, n, chunk):
        at = rows[start : start + chunk]
        block = model.scores(at, slice(None))
        bands = _band_index(config, block)
        block = _tidy(block)
        scored = ~np.isnan(block)
        for b in range(len(BAND_ORDER)):
            probabilities[at, b] = ((bands == b) & scored).sum(axis=1) / samples
        ranks = np.empty(block.shape)
        for t in range(samples):
            column = ladder[t]
            if exact or counts[t] <= SKETCH_POINTS:
                below = np.searchsorted(column, block[:, t], side="right")
            else:
                positions = np.linspace(1, counts[t], SKETCH_POINTS)
                below = np.interp(block[:, t], column, positions)
            ranks[:, t] = counts[t] - below + 1
        ranks[~scored] = np.nan
        has = scored.any(axis=1)
        if has.any():
            q = np.quantile(
                ranks[has], [0.05, 0.5, 0.95], axis=1, method="inverted_cdf"
            )
            for name, values in zip(("p05", "p50", "p95"), q, strict=True):
                out[name][at[has]] = values
    risk = result.scores["risk_score"].to_numpy(dtype=float)
    nominal_band = result.scores["risk_band"].to_numpy(dtype=object)
    band_index = {b: i for i, b in enumerate(BAND_ORDER)}
    nominal_idx = np.array([band_index.get(b, -1) for b in nominal_band])
    p_nominal = np.where(
        nominal_idx >= 0,
        probabilities[rows, np.maximum(nominal_idx, 0)],
        np.nan,
    )
    suppliers = pd.DataFrame(
        {
            "supplier_id": result.scores["supplier_id"].to_numpy(),
            "risk_score": risk,
            "risk_band": nominal_band,
            "rank": _rank_desc(risk),
            **{f"p_{b}": probabilities[:, i] for i, b in enumerate(BAND_ORDER)},
            "rank_p05": out["p05"],
            "rank_median": out["p50"],
            "rank_p95": out["p95"],
            "band_stable": p_nominal >= stable_share - 1e-12,
        }
    )
    indicators = _importance(
        result, spread, rng, sobol_samples, sobol_suppliers, bootstrap
    )
    settings = {
        "samples": samples,
        "spread": spread,
        "seed": seed,
        "method": method,
        "goalposts": goalposts,
        "stable_share": stable_share,
        "exact_ranks": bool(exact or n <= SKETCH_POINTS),
    }
    return SensitivityReport(
        suppliers=suppliers, indicators=indicators, settings=settings
    )


def _importance(
    result: ScoreResult,
    spread: float,
    rng: np.random.Generator,
    sobol_samples: int,
    sobol_suppliers: int,
    bootstrap: int,
) -> pd.DataFrame:
    """Leave-one-out rank change and Sobol indices per group and indicator."""
    config = result.config
    nodes = _nodes(config)
    codes = config.indicator_codes
    nominal = np.array([[config.node_weight(n) for n in nodes]])
    available = _availability(result)
    rows = np.arange(len(result.raw))
    base_rank = _rank_desc(result.scores["risk_score"].to_numpy(dtype=float))
    effective = config.effective_weights()
    model = _Model(result, nominal, None, available=available)
    kept = model._raw_scores(rows, model.nominal_weights, None)[:, 0]
    loo, weight = [], []
    for node in nodes:
        leaves = [j for j, c in enumerate(codes) if node in config.path(c)]
        dropped = available.copy()
        dropped[:, leaves] = False
        # Rescore with the node left out: its siblings share its weight.
        gone = _Model(result, nominal, None, available=dropped)
        moved = gone._raw_scores(rows, gone.weights, None)[:, 0]
        scores = np.maximum(model.base + (moved - kept), model.lifted)
        scores[gone.weights[0, gone.pattern_of].sum(axis=1) <= 0] = np.nan
        change = np.abs(_rank_desc(scores) - base_rank)
        loo.append(float(np.nanmean(change)) if np.isfinite(change).any() else np.nan)
        weight.append(sum(effective[codes[j]] for j in leaves))
    table = pd.DataFrame(
        {
            "node": nodes,
            "kind": ["group"] * len(config.groups) + ["indicator"] * len(codes),
            "parent": [_parent(config, n) for n in nodes],
            "weight": weight,
            "loo_rank_change": loo,
        }
    )
    sobol = _sobol(result, spread, rng, sobol_samples, sobol_suppliers, bootstrap)
    return pd.concat([table, sobol], axis=1)


def _sobol(
    result: ScoreResult,
    spread: float,
    rng: np.random.Generator,
    base_samples: int,
    max_suppliers: int,
    bootstrap: int,
) -> pd.DataFrame:
    """First-order (Saltelli 2010) and total (Jansen) indices of the ranks.

    The output is the rank vector of a subset of suppliers; per-supplier
    variances and partial variances are summed over suppliers, so an index is
    the share of all rank variance a weight explains.
    """
    config = result.config
    nodes = _nodes(config)
    d = len(nodes)
    columns = [
        f"sobol_{kind}{suffix}"
        for kind in ("first", "total")
        for suffix in ("", "_low", "_high")
    ]
    risk = result.scores["risk_score"].to_numpy(dtype=float)
    candidates = np.flatnonzero(~np.isnan(risk))
    if base_samples <= 0 or spread == 0 or candidates.size < 2:
        return pd.DataFrame(np.nan, index=range(d), columns=columns)
    if candidates.size > max_suppliers:
        candidates = np.sort(rng.choice(candidates, max_suppliers, replace=False))
    nominal = np.array([config.node_weight(n) for n in nodes])
    a = rng.uniform(-spread, spread, (base_samples, d))
    b = rng.uniform(-spread, spread, (base_samples, d))
    designs = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        designs.append(ab)
    multipliers = np.concatenate(designs)
    model = _Model(result, nominal * (1.0 + multipliers), None)
    scores = model.scores(candidates, slice(None))
    ranks = _rank_desc(scores)  # m x N(d + 2)
    ranks -= ranks.mean(axis=1, keepdims=True)
    n = base_samples
    f_a, f_b = ranks[:, :n], ranks[:, n : 2 * n]
    variance = ((f_a - f_b) ** 2).sum(axis=0) / 2  # per base sample
    first = np.empty((d, n))
    total = np.empty((d, n))
    for i in range(d):
        f_ab = ranks[:, (2 + i) * n : (3 + i) * n]
        first[i] = (f_b * (f_ab - f_a)).sum(axis=0)
        total[i] = ((f_a - f_ab) ** 2).sum(axis=0) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = first.mean(axis=1) / variance.mean()
        st = total.mean(axis=1) / variance.mean()
        draws = rng.integers(0, n, (bootstrap, n))
        v = variance[draws].mean(axis=1)
        s1_boot = first[:, draws].mean(axis=2) / v
        st_boot = total[:, draws].mean(axis=2) / v
    out = {"sobol_first": s1, "sobol_total": st}
    for name, boot in (("sobol_first", s1_boot), ("sobol_total", st_boot)):
        if bootstrap > 0:
            low, high = np.nanquantile(boot, [0.025, 0.975], axis=1)
        else:
            low = high = np.full(d, np.nan)
        out[f"{name}_low"], out[f"{name}_high"] = low, high
    return pd.DataFrame(out)[columns]


def plot_rank_intervals(report: SensitivityReport, top: int = 20) -> str:
    """Return an SVG of the rank intervals (5%-95%) of the ``top`` riskiest.

    One line per supplier, sorted by nominal rank: a bar from ``rank_p05`` to
    ``rank_p95``, a tick at the median, a dot at the nominal rank, coloured by
    nominal band. Plain SVG, so the HTML report needs no plotting library.
    """
    from html import escape

    colours = {
        "low": "#4c9a2a",
        "medium": "#e0b000",
        "high": "#e06c00",
        "severe": "#b00020",
    }
    table = report.suppliers.dropna(subset=["rank"]).sort_values("rank", kind="stable")
    table = table.head(top)
    width, left, row_h, top_pad = 640, 160, 18, 28
    height = top_pad + row_h * len(table) + 24
    worst = (
        float(np.nanmax(table[["rank", "rank_p95"]].to_numpy())) if len(table) else 1.0
    )
    scale = (width - left - 20) / max(worst, 1.0)

    def x(rank: Any) -> float:
        return left + (float(rank) - 1.0) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="14">Rank (1 = riskiest), 5%-95% over '
        f"{report.settings.get('samples', '')} perturbed models</text>",
    ]
    for i, row in enumerate(table.itertuples(index=False)):
        y = top_pad + i * row_h + row_h / 2
        colour = colours.get(str(row.risk_band), "#777")
        label = escape(str(row.supplier_id))[:24]
        p_band = getattr(row, f"p_{row.risk_band}", 0.0)
        parts += [
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>',
            f'<line x1="{x(row.rank_p05):.1f}" x2="{x(row.rank_p95):.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="6" '
            f'stroke-opacity="0.5"/>',
            f'<line x1="{x(row.rank_median):.1f}" x2="{x(row.rank_median):.1f}" '
            f'y1="{y - 5:.1f}" y2="{y + 5:.1f}" stroke="#000"/>',
            f'<circle cx="{x(row.rank):.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
            f"<title>{label}: rank {row.rank:.0f}, {row.rank_p05:.0f}-"
            f"{row.rank_p95:.0f}, P(band) {p_band:.2f}"
            f"</title></circle>",
        ]
    parts.append("</svg>")
    return "\n".join(parts)
