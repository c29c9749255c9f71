"""Glue between scoring and the supply graph: tiers, chain exposure, hidden tiers.

:func:`demandrisk.score` calls :func:`chain_columns` once the own scores are
known. The graph, tier and propagation work lives in :mod:`demandrisk.graph`
and :mod:`demandrisk.tiers`; the estimate for unmapped upstream tiers in
:mod:`demandrisk.hidden`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import ModelConfig
from .graph import SupplyGraph, build_graph, infer_tiers
from .hidden import hidden_upstream, load_upstream
from .reference import ReferenceData
from .schema import PreparedSuppliers
from .textcolumn import TextColumn
from .tiers import ChainResult, CompanySummary, chain_exposure, company_summary

if TYPE_CHECKING:
    from .result import ScoreResult

__all__ = [
    "ChainOutput",
    "chain_columns",
    "chain_over_parts",
    "graph_inputs",
    "graph_issues",
]


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


def graph_inputs(result: ScoreResult, columns: Sequence[str]) -> dict[str, Any]:
    """What the supply graph needs of one scored chunk or partition.

    A few arrays per row (spend, declared tier, resolved sector and country,
    own score), not the scored table; ``None`` for a column the file lacks.
    ``columns`` are the input's, for the name clash rule of ``_assemble``.
    """
    prepared = result.prepared
    assert prepared is not None  # score() always keeps it
    label = "demandrisk_risk_score" if "risk_score" in columns else "risk_score"
    return {
        "spend": prepared.values.get("spend"),
        "tier": prepared.values.get("tier"),
        "sector": np.asarray(prepared.sector.codes, dtype=object),
        "country": np.asarray(prepared.country.codes, dtype=object),
        "risk": result.scores[label].to_numpy(dtype=float),
    }


def chain_over_parts(
    parts: list[dict[str, Any]],
    ids: np.ndarray,
    buyers: np.ndarray | None,
    config: ModelConfig,
    reference: ReferenceData,
    *,
    edges: pd.DataFrame | None = None,
    sourcing_countries: Sequence[str] | None = None,
) -> ChainOutput:
    """The chain of a file scored in parts (chunks, Dask partitions), once.

    ``parts`` are :func:`graph_inputs` of each part in file order; ``ids`` and
    ``buyers`` the whole file's. The result equals :func:`chain_columns` on
    the whole file, as :func:`demandrisk.score` computes it.
    """
    from .scoring import prior_scores  # scoring imports this module

    def joined(name: str) -> np.ndarray | None:
        arrays = [part[name] for part in parts]
        if any(array is None for array in arrays):
            return None
        return np.concatenate(arrays) if arrays else np.empty(0)

    texts = {"supplier_id": TextColumn.from_series(pd.Series(ids, dtype=object))}
    if buyers is not None:
        texts["buyer_id"] = TextColumn.from_series(pd.Series(buyers, dtype=object))
    graph_input = SimpleNamespace(
        texts=texts,
        values={k: v for k in ("spend", "tier") if (v := joined(k)) is not None},
        sector=SimpleNamespace(codes=joined("sector")),
        country=SimpleNamespace(codes=joined("country")),
    )
    risk = joined("risk")
    assert risk is not None
    return chain_columns(
        graph_input,  # type: ignore[arg-type]  # the fields chain_columns reads
        risk,
        config,
        reference,
        prior_scores(config, reference),
        edges=edges,
        sourcing_countries=sourcing_countries,
    )
