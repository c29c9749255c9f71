"""The company's view of its supply chain, from a :class:`ChainResult`.

Split from :mod:`demandrisk.tiers` (which re-exports both names) to keep that
module to the propagation itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from .graph import COMPANY, SupplyGraph
from .graph_ids import texts_at
from .graph_links import nullable_tiers

if TYPE_CHECKING:
    from .tiers import ChainResult

__all__ = ["CompanySummary", "company_summary"]


@dataclass(frozen=True)
class CompanySummary:
    """The company's view: ``tier1`` (one row per tier-1 supplier),
    ``spend_by_band`` (tier-1 spend per chain band) and ``top_paths``."""

    tier1: pd.DataFrame
    spend_by_band: pd.DataFrame
    top_paths: pd.DataFrame


def _top(
    passed: np.ndarray, id_text: pa.Array, nodes: np.ndarray, top: int
) -> np.ndarray:
    """Positions of the ``top`` highest ``passed``, ties to the lowest id.

    ``passed`` is aligned with ``nodes``. Only entries reaching the
    ``top``-th highest value can rank, so ids are fetched and sorted (as
    ``str``: a plain code-point sort) for those alone.
    """
    candidates = np.arange(len(passed))
    if 0 < top < len(passed):
        cut = np.partition(passed, len(passed) - top)[len(passed) - top]
        candidates = np.flatnonzero(passed >= cut)
    ids = texts_at(id_text, nodes[candidates]).astype(str)
    rank = np.lexsort((ids, -passed[candidates]))
    return candidates[rank][:top]


def company_summary(
    graph: SupplyGraph, result: ChainResult, *, top: int = 10
) -> CompanySummary:
    """Exposure per tier-1 supplier, tier-1 spend by chain band, top risk paths.

    ``top_paths`` ranks every connected supplier by the risk it passes to its
    tier-1 supplier, ``own · δ^(tier - 1)``, and shows the path from tier 1.

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> from demandrisk.graph import build_graph
    >>> from demandrisk.tiers import chain_exposure
    >>> g = build_graph(np.array(["A", "B", "C"], dtype=object),
    ...                 np.array(["", "", "A"], dtype=object),
    ...                 spend=np.array([100.0, 300.0, 5.0]))
    >>> config = load_config()
    >>> r = chain_exposure(g, np.array([10.0, 20.0, 80.0]), config.tiers, config.bands)
    >>> s = company_summary(g, r)
    >>> s.tier1[["supplier_id", "chain_score", "spend"]].values.tolist()
    [['A', 68.0, 100.0], ['B', 20.0, 300.0]]
    >>> s.top_paths["path"].tolist()
    ['A > C', 'B', 'A']
    """
    spend = (
        pd.Series(np.where(graph.row_direct, graph.row_spend, np.nan))
        .groupby(graph.row_node)
        .sum(min_count=1)
    )
    tier1 = graph.upstream[COMPANY].indices
    band = result.frame["chain_band"].to_numpy()
    band_of = np.full(graph.n_nodes, "", dtype=object)
    band_of[graph.row_node] = band
    source = result.node_source[tier1]
    t1 = pd.DataFrame(
        {
            "supplier_id": texts_at(graph.id_text, tier1),
            "chain_score": result.node_chain[tier1],
            "chain_band": band_of[tier1],
            "chain_source_id": texts_at(graph.id_text, source),
            "chain_source_tier": nullable_tiers(result.node_tier[source]),
            "chain_path": texts_at(result.path_text, tier1),
            "spend": spend.reindex(tier1).to_numpy(),
        }
    )
    order = ["low", "medium", "high", "severe"]
    by_band = (
        t1.groupby("chain_band")
        .agg(suppliers=("supplier_id", "size"), spend=("spend", "sum"))
        .reindex(order, fill_value=0)
    )
    total = float(by_band["spend"].sum())
    by_band["share"] = by_band["spend"] / total if total > 0 else np.nan
    connected = np.flatnonzero(result.node_tier > 0)
    passed = result.node_own[connected] * result.damping ** (
        result.node_tier[connected] - 1
    )
    rank = _top(passed, graph.id_text, connected, top)
    chosen = connected[rank]
    top_paths = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1),
            "path": texts_at(result.up_path_text, chosen),
            "source_id": texts_at(graph.id_text, chosen),
            "source_tier": result.node_tier[chosen],
            "source_score": result.node_own[chosen],
            "risk_at_tier1": passed[rank],
        }
    )
    return CompanySummary(
        tier1=t1,
        spend_by_band=by_band.reset_index(names="chain_band"),
        top_paths=top_paths,
    )
