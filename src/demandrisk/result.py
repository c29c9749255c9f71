"""The result of scoring: the scored table plus everything behind each score."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import ModelConfig
from .explain import BASIS_TEXT, format_value
from .reference import ReferenceData
from .schema import PreparedSuppliers
from .tiers import ChainResult, CompanySummary

__all__ = ["ScoreResult"]


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Scores, explanations and the matrices behind them.

    Attributes
    ----------
    scores : DataFrame
        The input's columns, untouched, then demandrisk's: ``sector_resolved``,
        ``sector_match``, ``country_resolved``, ``risk_score``, ``risk_band``,
        ``coverage``, ``contrib_<indicator>``, ``contrib_floor``,
        ``basis_<indicator>``, ``reason_codes``, ``explanation``.
    issues : DataFrame
        ``[row, column, code, value, message]``.
    raw, normalised, weights, contributions, basis, source : DataFrame
        Supplier x indicator matrices (row order of ``scores``).
    fitted : dict
        Normalisation bounds used per indicator (reuse with ``score(fitted=...)``).
    chain : ChainResult
        Tiers and chain exposure per row (:mod:`demandrisk.tiers`).
    company : CompanySummary
        Exposure per tier-1 supplier, spend by chain band, the riskiest paths.
    prepared : PreparedSuppliers
        The parsed and resolved input the scores were computed from.
    """

    scores: pd.DataFrame
    issues: pd.DataFrame
    config: ModelConfig
    reference: ReferenceData
    fitted: dict[str, Any]
    origin: str
    raw: pd.DataFrame
    normalised: pd.DataFrame
    weights: pd.DataFrame
    contributions: pd.DataFrame
    basis: pd.DataFrame
    source: pd.DataFrame
    display: dict[str, np.ndarray] = field(default_factory=dict)
    detail: pd.DataFrame | None = None
    chain: ChainResult | None = None
    company: CompanySummary | None = None
    prepared: PreparedSuppliers | None = None

    @property
    def valid(self) -> bool:
        """True when validation found no error (warnings and notes allowed)."""
        from .issue_codes import is_failure

        return not bool(is_failure(self.issues).any())

    def column(self, name: str) -> str:
        """The label of demandrisk's own output column ``name`` in ``scores``.

        An input column of the same name keeps it; ours is then
        ``demandrisk_<name>`` (``column-clash``). Read our results through
        this, never by the bare name.
        """
        inputs = self.prepared.frame.columns if self.prepared is not None else ()
        return f"demandrisk_{name}" if name in inputs else name

    def band_counts(self) -> pd.Series:
        """Return the number of suppliers per band, in band order."""
        order = ["low", "medium", "high", "severe"]
        bands = self.scores[self.column("risk_band")].astype(str)
        return bands.value_counts().reindex(order, fill_value=0)

    def _position(self, supplier_id: str) -> int:
        ids = self.scores["supplier_id"].astype(str).str.strip().to_numpy()
        found = np.flatnonzero(ids == str(supplier_id))
        if found.size == 0:
            from .errors import InputDataError

            raise InputDataError(
                f"No supplier with supplier_id {supplier_id!r} in {self.origin}"
            )
        return int(found[0])

    def explain(self, supplier_id: str) -> pd.DataFrame:
        """Return the full breakdown of one supplier's score.

        One row per indicator (plus the floor): its top-level group, raw
        value, basis, where a prior comes from (``detail``: table cell, year,
        quality), source, normalised value, effective weight and
        contribution. The contributions add up to the score; the group
        scores are the ``score_<group>`` columns of :attr:`scores`.

        Examples
        --------
        >>> import demandrisk
        >>> from demandrisk._paths import data_dir
        >>> result = demandrisk.score(data_dir() / "examples" / "suppliers.csv")
        >>> table = result.explain(result.scores["supplier_id"].iloc[0])
        >>> list(table.columns)  # doctest: +NORMALIZE_WHITESPACE
        ['indicator', 'group', 'label', 'raw', 'basis', 'detail', 'source',
         'normalised', 'weight', 'contribution']
        """
        i = self._position(supplier_id)
        rows = []
        for code, indicator in self.config.indicators.items():
            label = self.display[code][i] if code in self.display else None
            source_id = str(self.source[code].iloc[i])
            path = self.config.path(code)
            rows.append(
                {
                    "indicator": code,
                    "group": path[-1] if len(path) > 1 else "",
                    "label": indicator.label,
                    "raw": format_value(
                        indicator, float(self.raw[code].iloc[i]), label
                    ),
                    "basis": BASIS_TEXT[str(self.basis[code].iloc[i])],
                    "detail": str(self.detail[code].iloc[i])
                    if self.detail is not None
                    else "",
                    "source": self.reference.source_title(source_id)
                    if source_id in self.reference.sources.index
                    else source_id,
                    "normalised": float(self.normalised[code].iloc[i]),
                    "weight": float(self.weights[code].iloc[i]),
                    "contribution": float(self.contributions[code].iloc[i]),
                }
            )
        floor = float(self.scores[self.column("contrib_floor")].iloc[i])
        rows.append(
            {
                "indicator": "floor",
                "group": "",
                "label": "red-flag floor",
                "raw": "",
                "basis": "",
                "detail": "",
                "source": "model config",
                "normalised": np.nan,
                "weight": np.nan,
                "contribution": floor,
            }
        )
        return pd.DataFrame(rows)

    def explanations_long(self) -> pd.DataFrame:
        """Return the long table supplier x indicator (for reports and audits)."""
        codes = self.config.indicator_codes
        n = len(self.scores)
        ids = self.scores["supplier_id"].to_numpy()
        frame = pd.DataFrame(
            {
                "supplier_id": np.repeat(ids, len(codes)),
                "indicator": np.tile(codes, n),
                "raw": self.raw.to_numpy().ravel(),
                "basis": self.basis.astype(object).to_numpy().ravel(),
                "source": self.source.astype(object).to_numpy().ravel(),
                "normalised": self.normalised.to_numpy().ravel(),
                "weight": self.weights.to_numpy().ravel(),
                "contribution": self.contributions.to_numpy().ravel(),
            }
        )
        return frame

    def to_csv(self, path: str | Path) -> Path:
        """Write the scored table atomically (see :func:`demandrisk.io.write_table`)."""
        from .io import write_table

        inputs = [] if self.origin == "<DataFrame>" else [self.origin]
        return write_table(self.scores, path, protect=inputs)
