"""The supply graph: who supplies whom, tiers, self-loops, cycles and orphans.

Node 0 is the company; every distinct ``supplier_id`` is one node after it. A
link ``u -> b`` means *u supplies b*. Links come from the ``buyer_id`` of each
row (blank = the company) and from an optional edge table for suppliers with
several customers. Ids are stripped and numbered with Arrow string kernels
(:mod:`demandrisk.graph_ids`) and links built with :mod:`scipy.sparse`: the
only Python loops run over BFS levels (at most the depth of the graph) and
over issue codes.

Bad graphs are data, not errors: self-loops, cycles, contradicted ``tier``
cells and suppliers cut off from the company come back as rows of an issues
table with the columns of :data:`demandrisk.schema.ISSUE_COLUMNS`, and every
supplier still gets a node and a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse
from scipy.sparse import csgraph

from .graph_ids import number_ids, text_array, texts_at
from .graph_links import (
    csr,
    cycle_messages,
    first_per_link,
    issues_frame,
    link_shares,
    node_spend,
    nullable_tiers,
    reach,
    sorted_issues,
)

__all__ = [
    "COMPANY",
    "GRAPH_ISSUE_CODES",
    "NO_TIER",
    "SupplyGraph",
    "TierResult",
    "build_graph",
    "infer_tiers",
]

COMPANY = 0
NO_TIER = -1
GRAPH_ISSUE_CODES = ("self-loop", "cycle", "unreachable", "tier-mismatch")


@dataclass(frozen=True)
class SupplyGraph:
    """Suppliers as nodes and "supplies" links as two CSR matrices.

    Attributes
    ----------
    id_text : pyarrow.LargeStringArray
        Node ids; ``id_text[0] == ""`` is the company. A blank
        ``supplier_id`` gets its own node shown as ``(row N)``. Kept as Arrow
        strings so paths and sentences are built by Arrow's C++ kernels;
        :attr:`ids` gives them as an object array.
    row_node : ndarray of int64
        The node of each input row (duplicated ids share a node).
    buyer_text : pyarrow.DictionaryArray
        The stripped ``buyer_id`` of each row (:attr:`row_buyer` as objects).
    supply : scipy.sparse.csr_matrix
        ``supply[u, b]`` = share of buyer ``b``'s purchases bought from ``u``
        (row = supplier, column = buyer). Every link is stored, even at share 0.
    upstream : scipy.sparse.csr_matrix
        The transpose (row = buyer, column = its suppliers), for gathering.
    scc : ndarray of int64
        Strongly connected component of each node; ``cyclic`` marks nodes in
        a component of more than one node.
    """

    id_text: pa.LargeStringArray
    row_node: np.ndarray
    buyer_text: pa.DictionaryArray
    row_direct: np.ndarray
    row_spend: np.ndarray
    declared_tiers: np.ndarray
    supply: sparse.csr_matrix
    upstream: sparse.csr_matrix
    dangling: np.ndarray
    self_loop: np.ndarray
    scc: np.ndarray
    cyclic: np.ndarray
    issues: pd.DataFrame

    # Object arrays are made on first use: a Python str per node costs more
    # than most of the graph work, and the hot paths need only a few.
    @cached_property
    def ids(self) -> np.ndarray:
        """Node ids as an object array of ``str``."""
        return self.id_text.to_numpy(zero_copy_only=False)

    @cached_property
    def row_buyer(self) -> np.ndarray:
        """Stripped ``buyer_id`` of each row, as an object array."""
        return self.buyer_text.to_numpy(zero_copy_only=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes, the company included."""
        return len(self.id_text)

    @property
    def row_has_upstream(self) -> np.ndarray:
        """Whether each row's supplier has at least one mapped supplier itself."""
        return np.diff(self.upstream.indptr)[self.row_node] > 0


@dataclass(frozen=True)
class TierResult:
    """Tiers from the graph: ``node_tier`` (0 = company, -1 = unreachable),
    ``next_hop`` (a buyer one tier closer to the company, -1 for none),
    ``tier`` per input row (nullable ``Int64``), ``depth`` and ``issues``."""

    node_tier: np.ndarray
    next_hop: np.ndarray
    tier: pd.arrays.IntegerArray
    depth: int
    issues: pd.DataFrame


def build_graph(
    supplier_ids: np.ndarray,
    buyer_ids: np.ndarray | None = None,
    *,
    edges: pd.DataFrame | None = None,
    spend: np.ndarray | None = None,
    declared_tiers: np.ndarray | None = None,
) -> SupplyGraph:
    """Build the supply graph of a supplier table.

    Parameters
    ----------
    supplier_ids : array of str
        The stripped ``supplier_id`` of each input row. A duplicated id is one
        node; every row still maps to it.
    buyer_ids : array of str, optional
        The customer of each row inside the file; blank means the company.
        Unknown ids add no link (``schema`` reports them as ``unknown-buyer``).
    edges : DataFrame, optional
        Extra links ``supplier_id, buyer_id[, share]`` for suppliers with
        several customers. Rows naming unknown ids are reported with column
        ``edges.supplier_id`` / ``edges.buyer_id`` and row = edge position + 2.
    spend : array of float, optional
        Spend per row, used to derive missing shares (spend / spend of all
        suppliers of the same buyer); without it shares are split equally.
    declared_tiers : array of float, optional
        The input ``tier`` column (NaN for blank), checked by :func:`infer_tiers`.

    Returns
    -------
    SupplyGraph

    Examples
    --------
    >>> g = build_graph(np.array(["A", "B", "C"], dtype=object),
    ...                 np.array(["", "A", "A"], dtype=object),
    ...                 spend=np.array([10.0, 30.0, 10.0]))
    >>> g.ids.tolist(), g.row_node.tolist()
    (['', 'A', 'B', 'C'], [1, 2, 3])
    >>> g.supply.toarray()[2:, 1].tolist()  # shares of A's purchases
    [0.75, 0.25]
    """
    supplier = text_array(supplier_ids)
    n_rows = len(supplier)
    edge_table = edges if edges is not None and len(edges) else None
    columns = [text_array(buyer_ids, n_rows)]
    if edge_table is not None:
        columns += [text_array(edge_table[c]) for c in ("supplier_id", "buyer_id")]
    nodes = number_ids(supplier, *columns)
    row_node = nodes.row_node
    n = len(nodes.id_text)
    buyers = nodes.lookups[0]
    buyer_node = np.where(buyers.blank, COMPANY, buyers.node)
    positions = np.arange(n_rows)
    row_spend = (
        np.full(n_rows, np.nan) if spend is None else np.asarray(spend, dtype=float)
    )
    declared = (
        np.full(n_rows, np.nan)
        if declared_tiers is None
        else np.asarray(declared_tiers, dtype=float)
    )
    dangling = np.zeros(n, dtype=bool)
    self_loop = np.zeros(n, dtype=bool)
    parts: list[pd.DataFrame | None] = []

    src, dst = row_node, buyer_node
    given = np.full(n_rows, np.nan)
    dangling[row_node[dst < 0]] = True
    loops = dst == src
    self_loop[src[loops]] = True
    parts.append(
        issues_frame(
            positions[loops] + 2,
            "buyer_id",
            "self-loop",
            texts_at(buyers.text, np.flatnonzero(loops)),
            "expected the id of another supplier or blank for the company; "
            "a supplier cannot be its own buyer (link ignored)",
        )
    )
    keep = (dst >= 0) & ~loops
    src, dst, given = src[keep], dst[keep], given[keep]

    if edge_table is not None:
        e_sup, e_buy = nodes.lookups[1:]
        # A blank edge supplier is unknown; a blank edge buyer is the company.
        e_src = np.where(e_sup.blank, -1, e_sup.node)
        e_dst = np.where(e_buy.blank, COMPANY, e_buy.node)
        e_share = (
            pd.to_numeric(edge_table["share"], errors="coerce").to_numpy(dtype=float)
            if "share" in edge_table
            else np.full(len(edge_table), np.nan)
        )
        e_rows = np.arange(len(edge_table)) + 2
        bad_src, bad_dst = e_src < 0, (e_dst < 0) & (e_src >= 0)
        e_loop = (e_src == e_dst) & (e_src >= 0)
        dangling[e_src[bad_dst]] = True
        self_loop[e_src[e_loop]] = True
        parts += [
            issues_frame(
                e_rows[bad_src],
                "edges.supplier_id",
                "unknown-supplier",
                texts_at(e_sup.text, np.flatnonzero(bad_src)),
                "expected the supplier_id of a supplier in the "
                "supplier file; no supplier has this id (edge ignored)",
            ),
            issues_frame(
                e_rows[bad_dst],
                "edges.buyer_id",
                "unknown-buyer",
                texts_at(e_buy.text, np.flatnonzero(bad_dst)),
                "expected the supplier_id of a supplier in the supplier file, or "
                "blank for the company; no supplier has this id (edge ignored)",
            ),
            issues_frame(
                e_rows[e_loop],
                "edges.buyer_id",
                "self-loop",
                texts_at(e_buy.text, np.flatnonzero(e_loop)),
                "a supplier cannot be its own buyer (edge ignored)",
            ),
        ]
        ok = ~bad_src & ~bad_dst & ~e_loop
        # Edge-file links come first so their explicit share wins a duplicate.
        src = np.concatenate([e_src[ok], src])
        dst = np.concatenate([e_dst[ok], dst])
        given = np.concatenate([e_share[ok], given])

    first = first_per_link(src, dst, given, n)
    src, dst, given = src[first], dst[first], given[first]
    share = link_shares(src, dst, given, node_spend(row_node, row_spend, n), n)
    supply = csr(src, dst, share, n)  # links come sorted from first_per_link
    # scipy transposes by a counting sort that keeps share-0 links and leaves
    # each row's suppliers in ascending order, as a sort would.
    upstream = supply.T.tocsr()

    links = sparse.csr_matrix(
        (np.ones(supply.nnz, dtype=np.int8), supply.indices, supply.indptr), (n, n)
    )
    _, scc = csgraph.connected_components(links, directed=True, connection="strong")
    scc = scc.astype(np.int64)
    cyclic = np.bincount(scc, minlength=n)[scc] > 1
    if cyclic.any():
        messages = cycle_messages(nodes.id_text, scc, cyclic)
        rows = np.flatnonzero(cyclic[row_node])
        parts.append(
            issues_frame(
                rows + 2,
                "buyer_id",
                "cycle",
                texts_at(buyers.text, rows),
                pd.Series(scc[row_node[rows]]).map(messages).to_numpy(),
            )
        )
    return SupplyGraph(
        id_text=nodes.id_text,
        row_node=row_node,
        buyer_text=buyers.text,
        row_direct=buyer_node == COMPANY,
        row_spend=row_spend,
        declared_tiers=declared,
        supply=supply,
        upstream=upstream,
        dangling=dangling,
        self_loop=self_loop,
        scc=scc,
        cyclic=cyclic,
        issues=sorted_issues(parts),
    )


def infer_tiers(graph: SupplyGraph) -> TierResult:
    """Tier of every supplier: 1 + the fewest links to the company.

    Examples
    --------
    >>> g = build_graph(np.array(["A", "B", "C", "D"], dtype=object),
    ...                 np.array(["", "A", "B", "X"], dtype=object),
    ...                 declared_tiers=np.array([1.0, 3.0, np.nan, np.nan]))
    >>> t = infer_tiers(g)
    >>> t.tier.tolist()
    [1, 2, 3, <NA>]
    >>> t.issues[["row", "code"]].values.tolist()
    [[3, 'tier-mismatch'], [5, 'unreachable']]
    """
    n = graph.n_nodes
    up = graph.upstream
    tier = np.full(n, NO_TIER, dtype=np.int64)
    hop = np.full(n, -1, dtype=np.int64)
    tier[COMPANY] = 0
    frontier = np.array([COMPANY])
    level = 0
    best_buyer = np.full(n, n, dtype=np.int64)
    reached = np.zeros(n, dtype=bool)
    while frontier.size:  # BFS level by level towards suppliers
        sub = up[frontier]
        buyers = np.repeat(frontier, np.diff(sub.indptr))
        new = tier[sub.indices] == NO_TIER
        suppliers, buyers = sub.indices[new], buyers[new]
        if not suppliers.size:
            break
        # The lowest-numbered buyer (first in the file) is the path shown.
        np.minimum.at(best_buyer, suppliers, buyers)
        level += 1
        reached[suppliers] = True  # a mask, not np.unique: no sort needed
        frontier = np.flatnonzero(reached)
        reached[frontier] = False
        tier[frontier] = level
        hop[frontier] = best_buyer[frontier]

    row_tier = tier[graph.row_node]
    rows = np.arange(len(row_tier))
    parts: list[pd.DataFrame | None] = []
    unreachable = tier == NO_TIER
    if unreachable.any():
        via_unknown = reach(up, graph.dangling, unreachable)
        via_loop = reach(up, graph.self_loop, unreachable) & ~via_unknown
        reason = np.where(
            via_unknown,
            "an unknown buyer_id",
            np.where(via_loop, "a supplier named as its own buyer", "a supply cycle"),
        )
        bad = np.flatnonzero(unreachable[graph.row_node])
        parts.append(
            issues_frame(
                bad + 2,
                "buyer_id",
                "unreachable",
                texts_at(graph.buyer_text, bad),
                "expected a chain of buyers that reaches the company; this "
                "supplier's chain ends in "
                + reason[graph.row_node[bad]]
                + ", so it has no tier",
            )
        )
    declared = graph.declared_tiers
    clash = np.isfinite(declared) & (row_tier > 0) & (declared != row_tier)
    if clash.any():
        shown = pd.Series(declared[clash]).map(lambda v: f"{v:g}").to_numpy(object)
        parts.append(
            issues_frame(
                rows[clash] + 2,
                "tier",
                "tier-mismatch",
                shown,
                "tier is " + shown + " but the supply graph puts this supplier "
                "at tier "
                + row_tier[clash].astype(str).astype(object)
                + " (1 + the fewest links to the company)",
            )
        )
    return TierResult(
        node_tier=tier,
        next_hop=np.where(hop == COMPANY, -1, hop),
        tier=nullable_tiers(row_tier),
        depth=level,
        issues=sorted_issues(parts),
    )
