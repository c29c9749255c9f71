"""Links and issue tables of the supply graph.

The pieces of :mod:`demandrisk.graph` that need no :class:`SupplyGraph` of
their own: deduplicating links, their shares, the CSR matrices, reachability
and the issue rows (one table layout, :data:`demandrisk.schema.ISSUE_COLUMNS`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse

from .graph_ids import texts_at
from .issue_codes import severity_of
from .schema import ISSUE_COLUMNS

__all__ = [
    "MAX_LISTED",
    "csr",
    "cycle_messages",
    "first_per_link",
    "issues_frame",
    "link_shares",
    "node_spend",
    "nullable_tiers",
    "reach",
    "sorted_issues",
]

MAX_LISTED = 10  # ids listed in a cycle message before "and N more"


def issues_frame(rows: np.ndarray, *cells: object) -> pd.DataFrame | None:
    """Issues from ``row, column, code, value, message`` (arrays or scalars).

    None when there are no rows: most checks find nothing, and an empty
    DataFrame costs about a millisecond to build.
    """
    if not len(rows):
        return None
    return pd.DataFrame(dict(zip(ISSUE_COLUMNS[:5], (rows, *cells), strict=True)))


def first_per_link(
    src: np.ndarray, dst: np.ndarray, given: np.ndarray, n: int
) -> np.ndarray:
    """Position of the one entry kept per link ``src -> dst``, in link order.

    A link with a given share beats one without; otherwise the first listed
    wins. One stable sort of one int64 key (link, then "share missing").
    """
    key = (src * n + dst) * 2 + np.isnan(given)
    order = np.argsort(key, kind="stable")
    link = key[order] // 2
    return order[np.flatnonzero(np.diff(link, prepend=-1))]  # run starts


def csr(
    src: np.ndarray, dst: np.ndarray, data: np.ndarray, n: int
) -> sparse.csr_matrix:
    """CSR from unique links, keeping explicit zeros (a share-0 link)."""
    # One int64 key: a stable sort of it is near free on links already in
    # order, and twice as fast as a two-key lexsort on the rest.
    order = np.argsort(src * n + dst, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return sparse.csr_matrix((data[order], dst[order], indptr), shape=(n, n))


def link_shares(
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


def cycle_messages(id_text: pa.Array, scc: np.ndarray, cyclic: np.ndarray) -> dict:
    """One message per cyclic component listing all its ids (capped)."""
    nodes = np.flatnonzero(cyclic)
    frame = pd.DataFrame({"scc": scc[nodes], "id": texts_at(id_text, nodes)})
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


def nullable_tiers(tiers: np.ndarray) -> pd.arrays.IntegerArray:
    """Tiers as nullable integers, ``<NA>`` where unreachable."""
    out = pd.array(tiers, dtype="Int64")
    out[tiers <= 0] = pd.NA
    return out


@cache
def _no_issues() -> pd.DataFrame:
    """The empty issues table (typed columns), built once: callers get copies."""
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "row" else object) for c in ISSUE_COLUMNS}
    )


def sorted_issues(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    """One issues table from the parts, sorted by row, column and code."""
    found = [p for p in parts if p is not None and len(p)]
    if not found:
        return _no_issues().copy()
    issues = pd.concat(found, ignore_index=True)
    issues["row"] = issues["row"].astype("int64")
    issues["severity"] = severity_of(issues["code"])
    return issues.sort_values(["row", "column", "code"], kind="stable").reset_index(
        drop=True
    )


def node_spend(row_node: np.ndarray, row_spend: np.ndarray, n: int) -> np.ndarray:
    """Spend of each node: its rows' spend added up (NaN where none has one)."""
    spend = np.full(n, np.nan)
    if np.bincount(row_node, minlength=n).max(initial=0) <= 1:
        spend[row_node] = row_spend  # one row per node: nothing to add up
    else:
        total = pd.Series(row_spend).groupby(row_node).sum(min_count=1)
        spend[total.index.to_numpy()] = total.to_numpy()
    return spend


def reach(
    matrix: sparse.csr_matrix, seeds: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Nodes reachable from ``seeds`` along ``matrix`` rows, within ``allowed``."""
    seen = seeds & allowed
    frontier = np.flatnonzero(seen)
    while frontier.size:  # one pass per level: bounded by the graph depth
        nxt = matrix[frontier].indices
        nxt = nxt[allowed[nxt] & ~seen[nxt]]
        seen[nxt] = True
        frontier = np.unique(nxt)
    return seen
