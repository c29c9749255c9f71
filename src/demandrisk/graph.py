"""The supply graph: who supplies whom, tiers, self-loops, cycles and orphans.

Node 0 is the company; every distinct ``supplier_id`` is one node after it. A
link ``u -> b`` means *u supplies b*. Links come from the ``buyer_id`` of each
row (blank = the company) and from an optional edge table for suppliers with
several customers. Everything is built with :mod:`scipy.sparse`: the only
Python loops run over BFS levels (at most the depth of the graph) and over
issue codes.

Bad graphs are data, not errors: self-loops, cycles, contradicted ``tier``
cells and suppliers cut off from the company come back as rows of an issues
table with the columns of :data:`demandrisk.schema.ISSUE_COLUMNS`, and every
supplier still gets a node and a result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from .codes import BLANKS
from .schema import ISSUE_COLUMNS

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
MAX_LISTED = 10  # ids listed in a cycle message before "and N more"


@dataclass(frozen=True)
class SupplyGraph:
    """Suppliers as nodes and "supplies" links as two CSR matrices.

    Attributes
    ----------
    ids : ndarray of object
        Node ids; ``ids[0] == ""`` is the company. A blank ``supplier_id``
        gets its own node shown as ``(row N)``.
    row_node : ndarray of int64
        The node of each input row (duplicated ids share a node).
    supply : scipy.sparse.csr_matrix
        ``supply[u, b]`` = share of buyer ``b``'s purchases bought from ``u``
        (row = supplier, column = buyer). Every link is stored, even at share 0.
    upstream : scipy.sparse.csr_matrix
        The transpose (row = buyer, column = its suppliers), for gathering.
    scc : ndarray of int64
        Strongly connected component of each node; ``cyclic`` marks nodes in
        a component of more than one node.
    """

    ids: np.ndarray
    row_node: np.ndarray
    row_buyer: np.ndarray
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

    @property
    def n_nodes(self) -> int:
        """Number of nodes, the company included."""
        return len(self.ids)

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


def _texts(values: object, n: int | None = None) -> np.ndarray:
    """Stripped object array of strings, missing cells as ``""``.

    Stripped once per distinct value: buyer columns repeat a few ids.
    """
    if values is None:
        return np.full(n or 0, "", dtype=object)
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    stripped = distinct.astype(str).str.strip().to_numpy(dtype=object)
    return np.append(stripped, "")[np.where(codes < 0, len(stripped), codes)]


def _blank(texts: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(texts)
    folded = pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.casefold()
    blank = np.append(folded.isin(BLANKS).to_numpy(), True)
    return blank[np.where(codes < 0, len(uniques), codes)]


def _issues(*cells: object) -> pd.DataFrame:
    """Issues from ``row, column, code, value, message`` (arrays or scalars)."""
    return pd.DataFrame(dict(zip(ISSUE_COLUMNS, cells, strict=True)))


def _first_per_key(keys: np.ndarray, *tiebreak: np.ndarray) -> np.ndarray:
    """Positions of the first entry per key after sorting by ``tiebreak``."""
    order = (
        np.lexsort((*reversed(tiebreak), keys))
        if tiebreak
        else np.argsort(keys, kind="stable")
    )
    _, first = np.unique(keys[order], return_index=True)
    return order[first]


def _csr(
    src: np.ndarray, dst: np.ndarray, data: np.ndarray, n: int
) -> sparse.csr_matrix:
    """CSR from sorted-unique links, keeping explicit zeros (a share-0 link)."""
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return sparse.csr_matrix((data[order], dst[order], indptr), shape=(n, n))


def _shares(
    src: np.ndarray, dst: np.ndarray, given: np.ndarray, spend: np.ndarray, n: int
) -> np.ndarray:
    """Share of each link: given, else spend-weighted, else an equal split.

    Missing shares split what the given ones leave of 1, so a buyer's shares
    never sum above 1 (which keeps the damped sum within 0-100).
    """
    given = np.where(np.isfinite(given), np.clip(given, 0.0, None), np.nan)
    known = ~np.isnan(given)
    total_given = np.bincount(dst, weights=np.where(known, given, 0.0), minlength=n)
    scale = np.where(total_given > 1.0, 1.0 / np.maximum(total_given, 1e-300), 1.0)
    remainder = np.clip(1.0 - total_given, 0.0, 1.0)
    missing = ~known
    link_spend = spend[src]
    has_spend = missing & np.isfinite(link_spend) & (link_spend > 0)
    n_missing = np.bincount(dst[missing], minlength=n)
    n_spend = np.bincount(dst[has_spend], minlength=n)
    spend_sum = np.bincount(dst[has_spend], weights=link_spend[has_spend], minlength=n)
    # Spend decides only when every missing share of the buyer has a spend:
    # mixing spend ratios with guesses for the rest would not sum sensibly.
    by_spend = (n_spend == n_missing)[dst] & has_spend
    derived = np.where(
        by_spend,
        np.where(has_spend, link_spend, 0.0) / np.maximum(spend_sum[dst], 1e-300),
        1.0 / np.maximum(n_missing[dst], 1),
    )
    return np.where(known, given * scale[dst], derived * remainder[dst])


def _cycle_messages(graph_ids: np.ndarray, scc: np.ndarray, cyclic: np.ndarray) -> dict:
    """One message per cyclic component listing all its ids (capped)."""
    nodes = np.flatnonzero(cyclic)
    frame = pd.DataFrame({"scc": scc[nodes], "id": graph_ids[nodes]})
    sizes = frame.groupby("scc")["id"].size()
    listed = frame.groupby("scc").head(MAX_LISTED).groupby("scc")["id"].agg(", ".join)
    more = (sizes - MAX_LISTED).clip(lower=0)
    text = (
        "supplier is in a supply cycle of "
        + sizes.astype(str)
        + " suppliers ("
        + listed
        + more.map(lambda m: f" and {m} more" if m else "")
        + "); they share the highest chain score of the cycle"
    )
    return text.to_dict()


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
    supplier = _texts(supplier_ids)
    n_rows = len(supplier)
    buyer = _texts(buyer_ids, n_rows)
    positions = np.arange(n_rows)
    blank_id = supplier == ""
    # A blank id must not merge rows nor match a blank buyer (= the company).
    keys = supplier.copy()
    if blank_id.any():  # build the stand-in keys only for the blank rows
        keys[blank_id] = "\x00" + positions[blank_id].astype(str).astype(object)
    # Nodes numbered in sorted id order, so every tie (equal chain scores)
    # breaks towards the lowest supplier id, whatever the row order.
    codes, uniques = pd.factorize(keys, sort=True)
    display = np.asarray(uniques, dtype=object).copy()
    blank_nodes = np.unique(codes[blank_id])
    display[blank_nodes] = (
        "(row " + (_first_rows(codes, len(uniques))[blank_nodes]).astype(str) + ")"
    ).astype(object)
    ids = np.concatenate([np.array([""], dtype=object), display])
    n = len(ids)
    row_node = codes.astype(np.int64) + 1
    lookup = pd.Index(uniques)

    def node_of(texts: np.ndarray) -> np.ndarray:
        # Look each distinct id up once, then spread onto the rows.
        codes, distinct = pd.factorize(texts)
        distinct = np.asarray(distinct, dtype=object)
        found = lookup.get_indexer(distinct)
        node = np.where(_blank(distinct), COMPANY, np.where(found >= 0, found + 1, -1))
        return np.append(node, COMPANY)[np.where(codes < 0, len(distinct), codes)]

    buyer_node = node_of(buyer)
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
    parts = []

    src, dst = row_node, buyer_node
    given = np.full(n_rows, np.nan)
    dangling[row_node[dst < 0]] = True
    loops = dst == src
    self_loop[src[loops]] = True
    parts.append(
        _issues(
            positions[loops] + 2,
            "buyer_id",
            "self-loop",
            buyer[loops],
            "expected the id of another supplier or blank for the company; "
            "a supplier cannot be its own buyer (link ignored)",
        )
    )
    keep = (dst >= 0) & ~loops
    src, dst, given = src[keep], dst[keep], given[keep]

    if edges is not None and len(edges):
        e_sup, e_buy = _texts(edges["supplier_id"]), _texts(edges["buyer_id"])
        e_src, e_dst = node_of(e_sup), node_of(e_buy)
        e_src[_blank(e_sup)] = -1
        e_share = (
            pd.to_numeric(edges["share"], errors="coerce").to_numpy(dtype=float)
            if "share" in edges
            else np.full(len(edges), np.nan)
        )
        e_rows = np.arange(len(edges)) + 2
        bad_src, bad_dst = e_src < 0, (e_dst < 0) & (e_src >= 0)
        e_loop = (e_src == e_dst) & (e_src >= 0)
        dangling[e_src[bad_dst]] = True
        self_loop[e_src[e_loop]] = True
        parts += [
            _issues(
                e_rows[bad_src],
                "edges.supplier_id",
                "unknown-supplier",
                e_sup[bad_src],
                "expected the supplier_id of a supplier in the "
                "supplier file; no supplier has this id (edge ignored)",
            ),
            _issues(
                e_rows[bad_dst],
                "edges.buyer_id",
                "unknown-buyer",
                e_buy[bad_dst],
                "expected the supplier_id of a supplier in the supplier file, or "
                "blank for the company; no supplier has this id (edge ignored)",
            ),
            _issues(
                e_rows[e_loop],
                "edges.buyer_id",
                "self-loop",
                e_buy[e_loop],
                "a supplier cannot be its own buyer (edge ignored)",
            ),
        ]
        ok = ~bad_src & ~bad_dst & ~e_loop
        # Edge-file links come first so their explicit share wins a duplicate.
        src = np.concatenate([e_src[ok], src])
        dst = np.concatenate([e_dst[ok], dst])
        given = np.concatenate([e_share[ok], given])

    first = _first_per_key(src * n + dst, np.isnan(given))
    src, dst, given = src[first], dst[first], given[first]
    node_spend = pd.Series(row_spend).groupby(row_node).sum(min_count=1)
    spend_of = np.full(n, np.nan)
    spend_of[node_spend.index.to_numpy()] = node_spend.to_numpy()
    share = _shares(src, dst, given, spend_of, n)
    supply = _csr(src, dst, share, n)
    upstream = _csr(dst, src, share, n)

    links = sparse.csr_matrix(
        (np.ones(supply.nnz, dtype=np.int8), supply.indices, supply.indptr), (n, n)
    )
    _, scc = csgraph.connected_components(links, directed=True, connection="strong")
    scc = scc.astype(np.int64)
    cyclic = np.bincount(scc, minlength=n)[scc] > 1
    if cyclic.any():
        messages = _cycle_messages(ids, scc, cyclic)
        rows = np.flatnonzero(cyclic[row_node])
        parts.append(
            _issues(
                rows + 2,
                "buyer_id",
                "cycle",
                buyer[rows],
                pd.Series(scc[row_node[rows]]).map(messages).to_numpy(),
            )
        )
    return SupplyGraph(
        ids=ids,
        row_node=row_node,
        row_buyer=buyer,
        row_direct=buyer_node == COMPANY,
        row_spend=row_spend,
        declared_tiers=declared,
        supply=supply,
        upstream=upstream,
        dangling=dangling,
        self_loop=self_loop,
        scc=scc,
        cyclic=cyclic,
        issues=_sorted(parts),
    )


def _first_rows(codes: np.ndarray, n_unique: int) -> np.ndarray:
    """Input position of the first row of each factorized id."""
    first = np.full(n_unique, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return first + 2


def _nullable(tiers: np.ndarray) -> pd.arrays.IntegerArray:
    """Tiers as nullable integers, ``<NA>`` where unreachable."""
    out = pd.array(tiers, dtype="Int64")
    out[tiers <= 0] = pd.NA
    return out


def _sorted(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="int64" if c == "row" else object)
                for c in ISSUE_COLUMNS
            }
        )
    issues = pd.concat(parts, ignore_index=True)
    issues["row"] = issues["row"].astype("int64")
    return issues.sort_values(["row", "column", "code"], kind="stable").reset_index(
        drop=True
    )


def _reach(
    matrix: sparse.csr_matrix, seeds: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Nodes reachable from ``seeds`` along ``matrix`` rows, within ``allowed``."""
    seen = seeds & allowed
    frontier = np.flatnonzero(seen)
    while frontier.size:  # one pass per level: bounded by the graph depth
        nxt = np.unique(matrix[frontier].indices)
        nxt = nxt[allowed[nxt] & ~seen[nxt]]
        seen[nxt] = True
        frontier = nxt
    return seen


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
    while frontier.size:  # BFS level by level towards suppliers
        sub = up[frontier]
        buyers = np.repeat(frontier, np.diff(sub.indptr))
        new = tier[sub.indices] == NO_TIER
        suppliers, buyers = sub.indices[new], buyers[new]
        if not suppliers.size:
            break
        # The lowest-numbered buyer (first in the file) is the path shown.
        first = _first_per_key(suppliers, buyers)
        level += 1
        tier[suppliers[first]] = level
        hop[suppliers[first]] = buyers[first]
        frontier = suppliers[first]

    row_tier = tier[graph.row_node]
    rows = np.arange(len(row_tier))
    parts = []
    unreachable = tier == NO_TIER
    if unreachable.any():
        via_unknown = _reach(up, graph.dangling, unreachable)
        via_loop = _reach(up, graph.self_loop, unreachable) & ~via_unknown
        reason = np.where(
            via_unknown,
            "an unknown buyer_id",
            np.where(via_loop, "a supplier named as its own buyer", "a supply cycle"),
        )
        bad = np.flatnonzero(unreachable[graph.row_node])
        parts.append(
            _issues(
                bad + 2,
                "buyer_id",
                "unreachable",
                graph.row_buyer[bad],
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
            _issues(
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
        tier=_nullable(row_tier),
        depth=level,
        issues=_sorted(parts),
    )
