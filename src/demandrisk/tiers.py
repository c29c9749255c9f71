"""Chain exposure: how risk travels from upstream suppliers to the company.

``worst-link`` (default): ``chain(v) = max(own(v), δ · max chain(u))`` over the
suppliers ``u`` of ``v``. Strongly connected components are collapsed first
(members of a cycle share its highest score), then a sparse max-product is
iterated to its fixpoint; each pass only pushes from suppliers whose score
rose, so the passes are bounded by the depth of the graph.

``damped-sum``: ``R = (1 - δ) · r + δ · A · R`` with ``A`` the share-weighted
adjacency (shares of a buyer sum to at most 1, so ``R`` stays within 0-100).

Each supplier's *source* is the supplier whose risk dominates its chain score,
found by following, from the supplier, the upstream link that delivers the
largest term; its *path* runs from the company's tier-1 supplier through the
supplier down to that source.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from scipy.sparse import linalg as splinalg

from .bands import bands_of
from .config import BandThresholds, TierSettings
from .graph import COMPANY, SupplyGraph, TierResult, infer_tiers
from .graph_links import nullable_tiers
from .tier_summary import CompanySummary, company_summary
from .tier_text import chain_text, path_text, sentences, terminal, text_column

__all__ = ["ChainResult", "CompanySummary", "chain_exposure", "company_summary"]

ITERATIONS_BEFORE_SOLVE = 200  # damped-sum: switch to a direct solve after this

NO_CHAIN = (
    "No chain exposure: the row has no score of its own and no upstream "
    "supplier passes risk to it."
)


@dataclass(frozen=True)
class ChainResult:
    """Chain exposure of every input row, plus the node-level arrays behind it.

    ``frame`` has one row per input row (same order) with columns ``tier``
    (Int64, <NA> if unreachable), ``chain_score``, ``chain_band``,
    ``chain_source_id``, ``chain_source_tier`` (Int64), ``chain_path`` and
    ``chain_sentence`` (one sentence for the explanation). ``issues`` holds the
    graph and tier issues. ``path_text`` and ``up_path_text`` hold each node's
    path (down to its source) and the path from tier 1 to the node as Arrow
    strings; ``node_path`` and ``node_up_path`` give them as object arrays.
    """

    frame: pd.DataFrame
    issues: pd.DataFrame
    method: str
    damping: float
    node_own: np.ndarray
    node_chain: np.ndarray
    node_source: np.ndarray
    node_tier: np.ndarray
    path_text: pa.LargeStringArray
    up_path_text: pa.LargeStringArray

    # Made on first use: a Python str per node costs more than the paths.
    @cached_property
    def node_path(self) -> np.ndarray:
        """Chain path of each node (object array)."""
        return self.path_text.to_numpy(zero_copy_only=False)

    @cached_property
    def node_up_path(self) -> np.ndarray:
        """Path from the tier-1 supplier to each node (object array)."""
        return self.up_path_text.to_numpy(zero_copy_only=False)


def _segment_max(
    matrix: sparse.csr_matrix, values: np.ndarray, exclude: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the max of ``values`` over the row's entries and its column.

    ``values`` are per entry (aligned with ``matrix.indices``); ``exclude``
    masks entries out. Empty rows give ``(-1.0, -1)``.
    """
    n = matrix.shape[0]
    best = np.full(n, -1.0)  # scores are >= 0: -1 marks "no entry"
    arg = np.full(n, -1, dtype=np.int64)
    rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
    keep = np.ones(len(values), dtype=bool) if exclude is None else ~exclude
    if not keep.any():
        return best, arg
    rows, vals, cols = rows[keep], values[keep], matrix.indices[keep]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    best[rows[starts]] = np.maximum.reduceat(vals, starts)
    hit = vals == best[rows]
    # First hit per row: entries are sorted by column, so the lowest id wins.
    first = np.flatnonzero(hit)
    rows_hit = rows[first]  # ascending, so each row's first hit starts a run
    pick = np.flatnonzero(np.diff(rows_hit, prepend=-1))
    arg[rows_hit[pick]] = cols[first[pick]]
    return best, arg


def _worst_link(graph: SupplyGraph, own: np.ndarray, damping: float) -> np.ndarray:
    """Chain score per node: fixpoint of the damped max-product.

    Suppliers whose score rose push ``δ · score`` to their buyers, pass by
    pass. Max and a monotone product are exact, so any order of passes
    reaches the same fixpoint, bit for bit.
    """
    scc = graph.scc
    if graph.cyclic.any():
        n_comp = int(scc.max()) + 1
        own_c = np.zeros(n_comp)
        np.maximum.at(own_c, scc, own)
        coo = graph.supply.tocoo()
        u, b = scc[coo.row], scc[coo.col]
        out = u != b
        down = sparse.csr_matrix(
            (np.ones(int(out.sum()), dtype=np.int8), (u[out], b[out])), (n_comp, n_comp)
        )
    else:  # no cycle: each node is its own component; skip the relabelling
        own_c, down, scc = own, graph.supply, np.arange(len(own))
    chain = own_c.copy()
    offer = np.full(len(chain), -1.0)  # best offer per buyer this pass; -1: none
    raised = np.zeros(len(chain), dtype=bool)
    changed = np.flatnonzero(np.diff(down.indptr) > 0)
    while changed.size:  # each pass moves risk one link: at most depth passes
        sub = down[changed]
        buyers = sub.indices
        offers = damping * np.repeat(chain[changed], np.diff(sub.indptr))
        np.maximum.at(offer, buyers, offers)
        # Only a strictly higher offer replaces a score, as in the definition
        # (an offer of 0.0 leaves an own score of -0.0 alone).
        raised[buyers[offer[buyers] > chain[buyers]]] = True
        changed = np.flatnonzero(raised)
        chain[changed] = offer[changed]
        raised[changed] = False
        offer[buyers] = -1.0
    return chain[scc]


def _damped_sum(graph: SupplyGraph, own: np.ndarray, damping: float) -> np.ndarray:
    """Solve ``R = (1-δ) r + δ A R`` by iteration, then directly if slow."""
    a = graph.upstream
    base = (1.0 - damping) * own
    chain = base.copy()
    for _ in range(ITERATIONS_BEFORE_SOLVE):  # exact after depth passes on a DAG
        new = base + damping * (a @ chain)
        if np.max(np.abs(new - chain), initial=0.0) <= 1e-9:
            return np.clip(new, 0.0, 100.0)
        chain = new
    system = sparse.identity(a.shape[0], format="csc") - damping * a.tocsc()
    with warnings.catch_warnings():  # singular only when δ = 1 on a closed cycle
        warnings.simplefilter("ignore")
        solved = splinalg.spsolve(system, base)
    if np.all(np.isfinite(solved)):
        chain = solved
    return np.clip(chain, 0.0, 100.0)


def _pointers(
    graph: SupplyGraph, own: np.ndarray, chain: np.ndarray, method: str, damping: float
) -> np.ndarray:
    """For each node, the upstream node its chain score comes through (-1: own)."""
    up = graph.upstream
    cols = up.indices
    same = None  # links inside a cycle; none without one (self-loops are dropped)
    if graph.cyclic.any():
        rows = np.repeat(np.arange(up.shape[0]), np.diff(up.indptr))
        same = graph.scc[rows] == graph.scc[cols]
    if method == "worst-link":
        best, arg = _segment_max(up, chain[cols], same)
        outside = damping * best > own
    else:
        best, arg = _segment_max(up, up.data * chain[cols], same)
        outside = damping * best > (1.0 - damping) * own
    pointer = np.where(outside, arg, -1)
    if method == "worst-link" and graph.cyclic.any():
        pointer = _cycle_pointers(graph, own, damping * best, arg, pointer)
    return pointer


def _first_of_comp(comp: np.ndarray, key: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Per component (sorted), the node with the highest key (lowest id on ties)."""
    order = np.lexsort((nodes, -key, comp))
    _, first = np.unique(comp[order], return_index=True)
    return nodes[order[first]]


def _cycle_pointers(
    graph: SupplyGraph,
    own: np.ndarray,
    outside: np.ndarray,
    arg: np.ndarray,
    pointer: np.ndarray,
) -> np.ndarray:
    """Inside a cycle, point every member towards one seed, link by link.

    The seed is the member with the highest own score when that is the
    cycle's chain score, else the member receiving the most from outside.
    """
    nodes = np.flatnonzero(graph.cyclic)
    comp = graph.scc[nodes]
    by_own = _first_of_comp(comp, own[nodes], nodes)
    by_out = _first_of_comp(comp, outside[nodes], nodes)
    inflow = outside[by_out] > own[by_own]
    seeds = np.where(inflow, by_out, by_own)
    out = pointer.copy()
    out[nodes] = -1
    out[seeds] = np.where(inflow, arg[seeds], -1)
    seen = np.zeros(graph.n_nodes, dtype=bool)
    seen[seeds] = True
    frontier = seeds
    supply = graph.supply
    while frontier.size:  # BFS from the seeds to their buyers inside the cycle
        sub = supply[frontier]
        suppliers = np.repeat(frontier, np.diff(sub.indptr))
        buyers = sub.indices
        ok = (graph.scc[buyers] == graph.scc[suppliers]) & ~seen[buyers]
        buyers, suppliers = buyers[ok], suppliers[ok]
        _, pick = np.unique(buyers, return_index=True)
        buyers, suppliers = buyers[pick], suppliers[pick]
        out[buyers] = suppliers
        seen[buyers] = True
        frontier = buyers
    return out


def chain_exposure(
    graph: SupplyGraph,
    own_scores: np.ndarray,
    settings: TierSettings,
    bands: BandThresholds | None,
    *,
    tiers: TierResult | None = None,
) -> ChainResult:
    """Chain exposure of each input row.

    Parameters
    ----------
    graph : SupplyGraph
        From :func:`demandrisk.graph.build_graph`.
    own_scores : array of float
        Each row's own ``risk_score`` (0-100). A node of several rows takes
        their highest score; NaN counts as 0, and a node of NaN rows only with
        nothing upstream gets no chain score (NaN, band "", :data:`NO_CHAIN`).
    settings : TierSettings
        ``method`` and ``damping`` δ.
    bands : BandThresholds
        Band bounds, applied with the rule of :func:`demandrisk.bands.bands_of`.
    tiers : TierResult, optional
        From :func:`demandrisk.graph.infer_tiers`; computed when omitted.

    Returns
    -------
    ChainResult

    Examples
    --------
    >>> from demandrisk.config import load_config
    >>> from demandrisk.graph import build_graph
    >>> g = build_graph(np.array(["T1", "T2", "T3"], dtype=object),
    ...                 np.array(["", "T1", "T2"], dtype=object))
    >>> config = load_config()
    >>> r = chain_exposure(g, np.array([10.0, 20.0, 80.0]), config.tiers, config.bands)
    >>> r.frame[["tier", "chain_score", "chain_source_id", "chain_path"]]
       tier  chain_score chain_source_id    chain_path
    0     1         57.8              T3  T1 > T2 > T3
    1     2         68.0              T3  T1 > T2 > T3
    2     3         80.0              T3  T1 > T2 > T3
    >>> r.frame.loc[0, "chain_sentence"]
    'Its chain exposure of 57.8 comes from T3 (tier 3) through T1 > T2 > T3.'
    """
    tiers = infer_tiers(graph) if tiers is None else tiers
    method, damping = settings.method, float(settings.damping)
    given = np.asarray(own_scores, dtype=float)
    own_rows = np.nan_to_num(given, nan=0.0)
    own = np.zeros(graph.n_nodes)
    np.maximum.at(own, graph.row_node, own_rows)
    own[COMPANY] = 0.0
    scored = np.zeros(graph.n_nodes, dtype=bool)
    np.logical_or.at(scored, graph.row_node, ~np.isnan(given))
    if method == "worst-link":
        chain = _worst_link(graph, own, damping)
    else:
        chain = _damped_sum(graph, own, damping)
    pointer = _pointers(graph, own, chain, method, damping)
    source = terminal(pointer)
    # A node with no score of its own (a footnote line) and nothing upstream
    # has no exposure to report: NaN, not a "low" 0 in the company's summary.
    unexposed = ~scored & (chain == 0)
    unexposed[COMPANY] = False
    chain = np.where(unexposed, np.nan, chain)
    node_tier = tiers.node_tier
    id_text = graph.id_text
    hops = np.maximum(node_tier - 1, 0)  # a tier-k supplier is k - 1 links below
    up_text = chain_text(id_text, tiers.next_hop, True, hops).in_node_order()
    path = path_text(up_text, chain_text(id_text, pointer, reverse=False), pointer)

    # Row-level texts are gathered once and the sentences built from them in
    # row order, so no sentence is built for a node and then copied per row.
    rows = graph.row_node
    chain_rows, source_rows = chain[rows], source[rows]
    source_tier = node_tier[source_rows]
    source_id = id_text.take(source_rows)
    path_rows = path.take(rows)
    sentence = sentences(
        chain_rows,
        source_rows != rows,
        source_tier,
        source_id,
        path_rows,
        graph.row_has_upstream,
    )
    if unexposed.any():
        sentence = pc.if_else(pa.array(unexposed[rows]), NO_CHAIN, sentence)
    frame = pd.DataFrame(
        {
            "tier": tiers.tier,
            "chain_score": chain_rows,
            "chain_band": _band_column(bands, chain_rows),
            "chain_source_id": text_column(source_id),
            "chain_source_tier": nullable_tiers(source_tier),
            "chain_path": text_column(path_rows),
            "chain_sentence": text_column(sentence),
        }
    )
    issues = pd.concat([graph.issues, tiers.issues], ignore_index=True)
    issues = issues.sort_values(["row", "column", "code"], kind="stable").reset_index(
        drop=True
    )
    return ChainResult(
        frame=frame,
        issues=issues,
        method=method,
        damping=damping,
        node_own=own,
        node_chain=chain,
        node_source=source,
        node_tier=node_tier,
        path_text=path,
        up_path_text=up_text,
    )


def _band_column(
    bands: BandThresholds | None, scores: np.ndarray
) -> pd.Series | np.ndarray:
    """:func:`demandrisk.bands.bands_of` as a text column, gathered from its
    few distinct names rather than converted one row at a time."""
    codes, names = pd.factorize(bands_of(bands, scores))
    return text_column(pa.array(names, type=pa.large_string()).take(codes))
