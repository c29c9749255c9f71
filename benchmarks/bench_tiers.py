"""Time and memory of the supply graph, tiers and chain exposure vs networkx.

Random layered graphs (depth up to 8) with a given number of links: every
supplier has one buyer one tier closer to the company (its ``buyer_id``) and a
fifth of the links are extra customers from an edge table, always pointing to
a lower tier so the graph stays acyclic. demandrisk runs ``build_graph`` +
``infer_tiers`` + ``chain_exposure`` (worst-link, paths and sentences included);
the baseline does the same tiers and worst-link scores with networkx (BFS from
the company, then a topological pass). Not a test; not run by CI.

    python benchmarks/bench_tiers.py --edges 100000 1000000
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

try:
    from demandrisk.config import load_config
    from demandrisk.graph import build_graph, infer_tiers
    from demandrisk.tiers import chain_exposure
except ImportError:  # pragma: no cover - a hint, not a feature
    sys.exit("demandrisk is not importable: run `pip install -e .` first")

DEPTH = 8
EXTRA = 0.2  # share of links that come from the edge table


def make_graph(n_edges: int, seed: int) -> dict[str, Any]:
    """A random layered supply graph with ``n_edges`` links."""
    rng = np.random.default_rng(seed)
    n = int(n_edges * (1 - EXTRA))
    level = np.sort(rng.integers(1, DEPTH + 1, n))  # ids sorted by tier
    level[0] = 1
    starts = np.searchsorted(level, np.arange(1, DEPTH + 2))
    ids = np.char.add("S", np.arange(n).astype(str)).astype(object)

    def random_node_below(lv: np.ndarray) -> np.ndarray:
        # A random node of any tier strictly below ``lv`` (uniform in id range).
        hi = starts[lv - 1]
        return (rng.random(len(lv)) * hi).astype(np.int64)

    lo, hi = starts[level - 2], starts[level - 1]  # the tier just below
    primary = (lo + rng.random(n) * (hi - lo)).astype(np.int64)
    buyers = np.where(level == 1, "", ids[np.clip(primary, 0, n - 1)]).astype(object)
    pick = rng.integers(0, n, n_edges - n)
    pick = pick[level[pick] > 1]
    edges = pd.DataFrame(
        {"supplier_id": ids[pick], "buyer_id": ids[random_node_below(level[pick])]}
    )
    own = rng.uniform(0, 100, n)
    return {"ids": ids, "buyers": buyers, "edges": edges, "own": own}


def run_demandrisk(g: dict[str, Any]) -> np.ndarray:
    config = load_config()
    graph = build_graph(g["ids"], g["buyers"], edges=g["edges"])
    tiers = infer_tiers(graph)
    result = chain_exposure(graph, g["own"], config.tiers, config.bands, tiers=tiers)
    return result.frame["chain_score"].to_numpy()


def run_networkx(g: dict[str, Any]) -> np.ndarray:
    import networkx as nx

    ids, buyers = g["ids"], g["buyers"]
    graph = nx.DiGraph()  # supplier -> buyer
    graph.add_nodes_from(ids)
    direct = buyers == ""
    graph.add_edges_from(zip(ids[direct], ["COMPANY"] * int(direct.sum()), strict=True))
    graph.add_edges_from(zip(ids[~direct], buyers[~direct], strict=True))
    graph.add_edges_from(
        zip(g["edges"]["supplier_id"], g["edges"]["buyer_id"], strict=True)
    )
    tiers = nx.single_source_shortest_path_length(graph.reverse(copy=False), "COMPANY")
    own = dict(zip(ids, g["own"], strict=True))
    chain: dict[str, float] = {}
    for node in nx.topological_sort(graph):  # suppliers before their buyers
        if node == "COMPANY":
            continue
        upstream = [chain[u] for u in graph.predecessors(node)]
        chain[node] = max([own[node]] + [0.85 * c for c in upstream])
    assert len(tiers) == len(ids) + 1
    return np.array([chain[i] for i in ids])


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall time over ``repeat`` runs, then the peak memory (MiB) of one more.

    The peak adds tracemalloc's (Python and numpy allocations) and that of
    Arrow's memory pool, which tracemalloc does not see. The two need not
    peak at the same moment, so their sum is an upper bound.
    """
    best = float("inf")
    out = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    previous = pa.default_memory_pool()
    arrow = pa.proxy_memory_pool(previous)  # counts this run's Arrow buffers
    pa.set_memory_pool(arrow)
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(previous)
    return best, (peak + arrow.max_memory()) / 2**20, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-networkx", action="store_true")
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, {platform.machine()} {platform.system()}"
    )
    print(
        "| edges | suppliers | demandrisk_s | demandrisk_peak_mb "
        "| networkx_s | networkx_peak_mb | speed-up |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n_edges in args.edges:
        g = make_graph(n_edges, args.seed)
        ours_s, ours_mb, ours = measure(lambda g=g: run_demandrisk(g), args.repeat)
        if args.no_networkx:
            nx_s = nx_mb = float("nan")
        else:
            nx_s, nx_mb, theirs = measure(lambda g=g: run_networkx(g), 1)
            assert np.allclose(ours, theirs), "demandrisk and networkx disagree"
        print(
            f"| {n_edges:,} | {len(g['ids']):,} | {ours_s:.2f} | {ours_mb:.0f} "
            f"| {nx_s:.2f} | {nx_mb:.0f} | {nx_s / ours_s:.0f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
