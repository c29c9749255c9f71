"""Chain exposure: how risk travels from upstream suppliers to the company.

``worst-link`` (default): ``chain(v) = max(own(v), δ · max chain(u))`` over the
suppliers ``u`` of ``v``. Strongly connected components are collapsed first
(members of a cycle share its highest score), then a sparse max-product is
iterated to its fixpoint; each pass only revisits buyers whose suppliers
changed, so the passes are bounded by the depth of the graph.

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

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import linalg as splinalg

from .bands import bands_of
from .config import BandThresholds, TierSettings
from .graph import COMPANY, SupplyGraph, TierResult, infer_tiers

__all__ = ["ChainResult", "CompanySummary", "chain_exposure", "company_summary"]

SEP = " > "
MAX_PATH_HOPS = 12  # longer paths show "…" between the ends
ITERATIONS_BEFORE_SOLVE = 200  # damped-sum: switch to a direct solve after this


@dataclass(frozen=True)
class ChainResult:
    """Chain exposure of every input row, plus the node-level arrays behind it.

    ``frame`` has one row per input row (same order) with columns ``tier``
    (Int64, <NA> if unreachable), ``chain_score``, ``chain_band``,
    ``chain_source_id``, ``chain_source_tier`` (Int64), ``chain_path`` and
    ``chain_sentence`` (one sentence for the explanation). ``issues`` holds the
    graph and tier issues.
    """

    frame: pd.DataFrame
    issues: pd.DataFrame
    method: str
    damping: float
    node_own: np.ndarray
    node_chain: np.ndarray
    node_source: np.ndarray
    node_tier: np.ndarray
    node_path: np.ndarray
    node_up_path: np.ndarray


@dataclass(frozen=True)
class CompanySummary:
    """The company's view: ``tier1`` (one row per tier-1 supplier),
    ``spend_by_band`` (tier-1 spend per chain band) and ``top_paths``."""

    tier1: pd.DataFrame
    spend_by_band: pd.DataFrame
    top_paths: pd.DataFrame


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
    rows_hit = rows[first]
    _, pick = np.unique(rows_hit, return_index=True)
    arg[rows_hit[pick]] = cols[first[pick]]
    return best, arg


def _worst_link(graph: SupplyGraph, own: np.ndarray, damping: float) -> np.ndarray:
    """Chain score per node: fixpoint of the damped max-product."""
    scc = graph.scc
    if graph.cyclic.any():
        n_comp = int(scc.max()) + 1
        own_c = np.zeros(n_comp)
        np.maximum.at(own_c, scc, own)
        coo = graph.upstream.tocoo()
        b, u = scc[coo.row], scc[coo.col]
        out = b != u
        up = sparse.csr_matrix(
            (np.ones(int(out.sum()), dtype=np.int8), (b[out], u[out])), (n_comp, n_comp)
        )
    else:  # no cycle: each node is its own component; skip the relabelling
        n_comp, own_c, up, scc = len(own), own, graph.upstream, np.arange(len(own))
    down = up.T.tocsr()
    chain = own_c.copy()
    active = np.flatnonzero(np.diff(up.indptr) > 0)
    while active.size:  # each pass moves risk one link: at most depth passes
        sub = up[active]
        best, _ = _segment_max(sub, chain[sub.indices])
        new = np.maximum(own_c[active], damping * best)
        changed = active[new > chain[active]]
        chain[changed] = new[new > chain[active]]
        active = np.unique(down[changed].indices) if changed.size else changed
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


def _terminal(pointer: np.ndarray) -> np.ndarray:
    """Follow pointers to their end by pointer doubling (log depth passes)."""
    end = np.where(pointer >= 0, pointer, np.arange(len(pointer)))
    for _ in range(64):
        nxt = end[end]
        if np.array_equal(nxt, end):
            break
        end = nxt
    return end


def _walk_text(
    ids: np.ndarray, pointer: np.ndarray, start: np.ndarray, reverse: bool
) -> np.ndarray:
    """Ids along each node's pointer chain from ``start``, joined by " > ".

    Chains longer than :data:`MAX_PATH_HOPS` show their far end after "…".
    """
    steps = [start]
    current = start
    for _ in range(MAX_PATH_HOPS - 1):
        current = np.where(current >= 0, pointer[np.maximum(current, 0)], -1)
        if not (current >= 0).any():
            break
        steps.append(current)
    cut = (current >= 0) & (pointer[np.maximum(current, 0)] >= 0)
    text = np.full(len(start), "", dtype=object)
    for step in reversed(steps) if reverse else steps:
        piece = ids[np.maximum(step, 0)]
        joined = np.where(text == "", piece, text + SEP + piece)
        text = np.where(step >= 0, joined, text)
    if cut.any():
        end = ids[_terminal(pointer)[current[cut]]]
        text[cut] = (
            end + SEP + "…" + SEP + text[cut]
            if reverse
            else (text[cut] + SEP + "…" + SEP + end)
        )
    return text


def _chain_text(ids: np.ndarray, pointer: np.ndarray, reverse: bool) -> np.ndarray:
    """Each node's pointer chain as text, one concatenation per node.

    Nodes are filled in order of their distance to the chain's end, each from
    the finished text of the node it points to; chains longer than
    :data:`MAX_PATH_HOPS` fall back to :func:`_walk_text` (capped with "…").
    """
    n = len(pointer)
    dist = np.zeros(n, dtype=np.int64)
    for _ in range(MAX_PATH_HOPS + 1):  # distances up to the cap
        nxt = np.where(pointer >= 0, dist[np.maximum(pointer, 0)] + 1, 0)
        if np.array_equal(nxt, dist):
            break
        dist = nxt
    text = ids.copy()
    for k in range(1, min(int(dist.max(initial=0)), MAX_PATH_HOPS - 1) + 1):
        nodes = np.flatnonzero(dist == k)
        before = text[pointer[nodes]]
        text[nodes] = (
            before + SEP + ids[nodes] if reverse else ids[nodes] + SEP + before
        )
    deep = np.flatnonzero(dist >= MAX_PATH_HOPS)
    if deep.size:
        text[deep] = _walk_text(ids, pointer, deep, reverse)
    return text


def _number(values: np.ndarray) -> np.ndarray:
    return np.round(values, 1).astype(str).astype(object)


def chain_exposure(
    graph: SupplyGraph,
    own_scores: np.ndarray,
    settings: TierSettings,
    bands: BandThresholds,
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
        their highest score; NaN counts as 0.
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
    own_rows = np.nan_to_num(np.asarray(own_scores, dtype=float), nan=0.0)
    own = np.zeros(graph.n_nodes)
    np.maximum.at(own, graph.row_node, own_rows)
    own[COMPANY] = 0.0
    if method == "worst-link":
        chain = _worst_link(graph, own, damping)
    else:
        chain = _damped_sum(graph, own, damping)
    pointer = _pointers(graph, own, chain, method, damping)
    source = _terminal(pointer)
    node_tier = tiers.node_tier
    up_text = _chain_text(graph.ids, tiers.next_hop, reverse=True)
    down_text = _chain_text(graph.ids, pointer, reverse=False)
    path = up_text.copy()
    via = np.flatnonzero(pointer >= 0)
    path[via] = up_text[via] + SEP + down_text[pointer[via]]
    source_tier = node_tier[source]

    rows = graph.row_node
    chain_rows = chain[rows]
    sentence = _sentences(graph, own, chain, source, source_tier, path)
    frame = pd.DataFrame(
        {
            "tier": tiers.tier,
            "chain_score": chain_rows,
            "chain_band": bands_of(bands, chain_rows),
            "chain_source_id": graph.ids[source[rows]],
            "chain_source_tier": _nullable(source_tier[rows]),
            "chain_path": path[rows],
            "chain_sentence": sentence[rows],
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
        node_path=path,
        node_up_path=up_text,
    )


def _nullable(values: np.ndarray) -> pd.arrays.IntegerArray:
    out = pd.array(values, dtype="Int64")
    out[values <= 0] = pd.NA
    return out


def _sentences(
    graph: SupplyGraph,
    own: np.ndarray,
    chain: np.ndarray,
    source: np.ndarray,
    source_tier: np.ndarray,
    path: np.ndarray,
) -> np.ndarray:
    """One explanation sentence per node, built column-wise."""
    n = graph.n_nodes
    score = _number(chain)
    tier_text = np.where(
        source_tier > 0, "tier " + source_tier.astype(str).astype(object), "no tier"
    )
    has_up = np.diff(graph.upstream.indptr) > 0
    text = np.where(
        has_up,
        " is its own risk: no mapped upstream supplier passes on more after damping.",
        " is its own risk: no upstream supplier is mapped.",
    ).astype(object)
    via = np.flatnonzero(source != np.arange(n))  # only these need the long form
    text[via] = (
        " comes from "
        + graph.ids[source[via]]
        + " ("
        + tier_text[via]
        + ") through "
        + path[via]
        + "."
    )
    return "Its chain exposure of " + score + text


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
    t1 = pd.DataFrame(
        {
            "supplier_id": graph.ids[tier1],
            "chain_score": result.node_chain[tier1],
            "chain_band": band_of[tier1],
            "chain_source_id": graph.ids[result.node_source[tier1]],
            "chain_source_tier": _nullable(result.node_tier[result.node_source[tier1]]),
            "chain_path": result.node_path[tier1],
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
    rank = np.lexsort((graph.ids[connected].astype(str), -passed))[:top]
    chosen = connected[rank]
    top_paths = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1),
            "path": result.node_up_path[chosen],
            "source_id": graph.ids[chosen],
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
