"""Glue between scoring and the supply graph: tiers, chain exposure, hidden tiers.

:func:`demandrisk.score` calls :func:`chain_columns` once the own scores are
known. The graph, tier and propagation work lives in :mod:`demandrisk.graph`
and :mod:`demandrisk.tiers`; the estimate for unmapped upstream tiers in
:mod:`demandrisk.hidden`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .config import ModelConfig
from .graph import SupplyGraph, build_graph, infer_tiers
from .hidden import hidden_upstream, load_upstream
from .reference import ReferenceData
from .schema import PreparedSuppliers
from .tiers import ChainResult, CompanySummary, chain_exposure, company_summary

__all__ = ["ChainOutput", "chain_columns", "graph_issues"]


@dataclass(frozen=True)
class ChainOutput:
    """What the supply graph adds to a result."""

    columns: dict[str, Any]
    issues: pd.DataFrame
    chain: ChainResult
    company: CompanySummary


def _graph(prepared: PreparedSuppliers, edges: pd.DataFrame | None) -> SupplyGraph:
    texts = prepared.texts
    buyers = texts["buyer_id"].rows() if "buyer_id" in texts else None
    return build_graph(
        texts["supplier_id"].rows(),
        buyers,
        edges=edges,
        spend=prepared.values.get("spend"),
        declared_tiers=prepared.values.get("tier"),
    )


def graph_issues(
    prepared: PreparedSuppliers, edges: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The supply-graph problems of a file (for validation without scoring)."""
    graph = _graph(prepared, edges)
    tiers = infer_tiers(graph)
    return pd.concat([graph.issues, tiers.issues], ignore_index=True)


def chain_columns(
    prepared: PreparedSuppliers,
    risk: np.ndarray,
    config: ModelConfig,
    reference: ReferenceData,
    score_fn: Callable[[pd.DataFrame], np.ndarray],
    *,
    edges: pd.DataFrame | None = None,
    sourcing_countries: Sequence[str] | None = None,
) -> ChainOutput:
    """Tier, chain exposure and hidden-upstream estimate of every row.

    Parameters
    ----------
    prepared : the validated suppliers.
    risk : each row's own ``risk_score``.
    config, reference : the model and tables in use.
    score_fn : scores a frame of ``supplier_id, country, sector`` rows (used
        once per distinct input sector x country for the hidden-tier estimate).
    edges : optional ``supplier_id, buyer_id[, share]`` links.
    sourcing_countries : countries the unmapped inputs come from (default:
        the supplier's own country).
    """
    graph = _graph(prepared, edges)
    tiers = infer_tiers(graph)
    chain = chain_exposure(graph, risk, config.tiers, config.bands, tiers=tiers)
    summary = company_summary(graph, chain)
    frame = chain.frame
    unmapped = ~np.asarray(graph.row_has_upstream, dtype=bool)
    hidden = np.full(len(risk), np.nan)
    if unmapped.any():
        hidden[unmapped] = hidden_upstream(
            np.asarray(prepared.sector.codes, dtype=object)[unmapped],
            np.asarray(prepared.country.codes, dtype=object)[unmapped],
            load_upstream(reference.folder / "upstream.csv"),
            score_fn,
            sourcing_countries=sourcing_countries,
        )
    columns: dict[str, Any] = {
        "supply_tier": frame["tier"].to_numpy(),
        "chain_score": frame["chain_score"].to_numpy(),
        "chain_band": frame["chain_band"].to_numpy(),
        "chain_source_id": frame["chain_source_id"].to_numpy(),
        "chain_path": frame["chain_path"].to_numpy(),
        "chain_explanation": frame["chain_sentence"].to_numpy(),
        "hidden_upstream_score": hidden,
    }
    return ChainOutput(
        columns=columns, issues=chain.issues, chain=chain, company=summary
    )
