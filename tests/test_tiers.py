"""Supply graph, tiers and chain exposure on hand-built graphs and random ones.

Expected chain scores are computed here from δ and the own scores, never
copied from the output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandrisk.config import BandThresholds, TierSettings, load_config
from demandrisk.graph import build_graph, infer_tiers
from demandrisk.schema import ISSUE_COLUMNS
from demandrisk.tiers import chain_exposure, company_summary

D = 0.85
WORST = TierSettings()
DAMPED = TierSettings(method="damped-sum")
BANDS: BandThresholds = load_config().bands


def run(ids, buyers, own, *, method=WORST, edges=None, spend=None, tiers=None):
    graph = build_graph(
        np.array(ids, dtype=object),
        np.array(buyers, dtype=object),
        edges=edges,
        spend=None if spend is None else np.array(spend, dtype=float),
        declared_tiers=None if tiers is None else np.array(tiers, dtype=float),
    )
    return graph, chain_exposure(graph, np.array(own, dtype=float), method, BANDS)


def column(result, name):
    return result.frame[name].tolist()


def test_chain_of_four_tiers():
    _, r = run(["A", "B", "C", "D"], ["", "A", "B", "C"], [10, 30, 80, 90])
    c = 80.0  # C's own 80 beats D's damped 0.85 * 90 = 76.5
    assert column(r, "tier") == [1, 2, 3, 4]
    assert column(r, "chain_score") == pytest.approx(
        [D * D * c, D * c, c, 90.0], abs=1e-12
    )
    assert column(r, "chain_source_id") == ["C", "C", "C", "D"]
    assert column(r, "chain_source_tier") == [3, 3, 3, 4]
    assert column(r, "chain_path") == ["A > B > C"] * 3 + ["A > B > C > D"]
    assert column(r, "chain_band") == ["high", "severe", "severe", "severe"]
    assert r.frame.loc[0, "chain_sentence"] == (
        f"Its chain exposure of {round(D * D * c, 1)} comes from C (tier 3) "
        "through A > B > C."
    )
    assert r.issues.empty
    assert list(r.issues.columns) == ISSUE_COLUMNS


def test_deepest_supplier_dominates_whole_chain():
    _, r = run(["A", "B", "C", "D"], ["", "A", "B", "C"], [10, 30, 20, 90])
    assert column(r, "chain_score") == pytest.approx(
        [D**3 * 90, D**2 * 90, D * 90, 90], abs=1e-12
    )
    assert set(column(r, "chain_path")) == {"A > B > C > D"}


def diamond():
    # D supplies B (buyer_id) and C (edge file); B and C supply A.
    edges = pd.DataFrame({"supplier_id": ["D"], "buyer_id": ["C"]})
    args = (["A", "B", "C", "D"], ["", "A", "A", "B"], [0, 10, 50, 60])
    return args, edges


def test_diamond_worst_link():
    args, edges = diamond()
    _, r = run(*args, edges=edges)
    b = c = D * 60  # 51 beats both B's 10 and C's 50
    assert column(r, "tier") == [1, 2, 2, 3]
    assert column(r, "chain_score") == pytest.approx([D * b, b, c, 60], abs=1e-12)
    # A's two suppliers tie; the first in the file (B) carries the path.
    assert column(r, "chain_path") == [
        "A > B > D",
        "A > B > D",
        "A > C > D",
        "A > B > D",
    ]
    assert column(r, "chain_source_id") == ["D"] * 4


def test_diamond_damped_sum_uses_spend_shares():
    args, edges = diamond()
    _, r = run(*args, edges=edges, spend=[0, 30, 10, 5], method=DAMPED)
    own = dict(zip("ABCD", args[2], strict=True))
    d = (1 - D) * own["D"]
    b = (1 - D) * own["B"] + D * 1.0 * d  # D is B's only supplier: share 1
    c = (1 - D) * own["C"] + D * 1.0 * d
    a = (1 - D) * own["A"] + D * (0.75 * b + 0.25 * c)  # spend 30 : 10
    assert column(r, "chain_score") == pytest.approx([a, b, c, d], abs=1e-9)


def test_explicit_share_wins_and_missing_shares_split_the_rest():
    edges = pd.DataFrame(
        {"supplier_id": ["B", "C"], "buyer_id": ["A", "A"], "share": [0.5, None]}
    )
    graph, _ = run(["A", "B", "C", "D"], ["", "A", "", "A"], [0] * 4, edges=edges)
    shares = graph.supply.toarray()[:, 1]  # column = buyer A (node 1)
    assert shares[[2, 3, 4]].tolist() == [0.5, 0.25, 0.25]


def test_cycle_is_reported_whole_and_members_share_its_max():
    ids, buyers = ["X", "Y", "Z", "W"], ["Y", "Z", "X", "X"]
    _, r = run(ids, buyers, [10, 70, 20, 40])
    assert column(r, "chain_score") == [70.0, 70.0, 70.0, 40.0]  # 0.85*40 < 70
    assert column(r, "chain_source_id") == ["Y", "Y", "Y", "W"]
    assert column(r, "chain_path") == ["X > Z > Y", "Y", "Z > Y", "W"]
    assert r.frame["tier"].isna().all()
    cycle = r.issues[r.issues["code"] == "cycle"]
    assert cycle["row"].tolist() == [2, 3, 4]
    assert cycle["message"].str.contains(r"3 suppliers \(X, Y, Z\)").all()
    unreachable = r.issues[r.issues["code"] == "unreachable"]
    assert unreachable["row"].tolist() == [2, 3, 4, 5]
    assert unreachable["message"].str.contains("a supply cycle").all()


def test_risk_entering_a_cycle_from_outside():
    _, r = run(["X", "Y", "Z", "W"], ["Y", "Z", "X", "X"], [10, 70, 20, 100])
    assert column(r, "chain_score") == pytest.approx([D * 100] * 3 + [100.0])
    assert column(r, "chain_path") == ["X > W", "Y > X > W", "Z > Y > X > W", "W"]


def test_long_cycle_message_is_capped_and_terminates():
    n = 15
    ids = [f"S{i:02d}" for i in range(n)]
    buyers = ids[1:] + ids[:1]
    _, r = run(ids, buyers, list(range(n)))
    assert column(r, "chain_score") == [float(n - 1)] * n
    message = r.issues.loc[r.issues["code"] == "cycle", "message"].iloc[0]
    assert f"{n} suppliers (" + ", ".join(ids[:10]) + " and 5 more)" in message


def test_orphan_and_self_loop_still_get_results():
    ids = ["A", "O", "P", "S"]
    _, r = run(ids, ["", "NOPE", "O", "S"], [10, 20, 30, 40])
    assert column(r, "tier") == [1, pd.NA, pd.NA, pd.NA]
    assert column(r, "chain_score") == [10.0, D * 30, 30.0, 40.0]
    assert column(r, "chain_path") == ["A", "O > P", "P", "S"]
    assert r.issues[["row", "column", "code"]].values.tolist() == [
        [3, "buyer_id", "unreachable"],
        [4, "buyer_id", "unreachable"],
        [5, "buyer_id", "self-loop"],
        [5, "buyer_id", "unreachable"],
    ]
    messages = r.issues["message"].tolist()
    assert "unknown buyer_id" in messages[0] and "unknown buyer_id" in messages[1]
    assert "its own buyer" in messages[3]


def test_duplicated_id_is_one_node_with_the_highest_own_score():
    _, r = run(["A", "B", "B"], ["", "A", ""], [10, 20, 60])
    assert column(r, "tier") == [1, 1, 1]  # B supplies the company directly too
    assert column(r, "chain_score") == [D * 60, 60.0, 60.0]


def test_declared_tier_is_checked():
    _, r = run(["A", "B"], ["", "A"], [0, 0], tiers=[1, 3])
    assert r.issues[["row", "column", "code", "value"]].values.tolist() == [
        [3, "tier", "tier-mismatch", "3"]
    ]


def test_edge_file_problems_are_reported():
    edges = pd.DataFrame({"supplier_id": ["B", "Q", "B"], "buyer_id": ["R", "A", "B"]})
    graph, _ = run(["A", "B"], ["", "A"], [0, 0], edges=edges)
    assert graph.issues[["row", "column", "code"]].values.tolist() == [
        [2, "edges.buyer_id", "unknown-buyer"],
        [3, "edges.supplier_id", "unknown-supplier"],
        [4, "edges.buyer_id", "self-loop"],
    ]


def test_company_summary():
    graph, r = run(
        ["A", "B", "C", "D"],
        ["", "", "A", "C"],
        [10, 50, 20, 90],
        spend=[100, 300, 7, 3],
    )
    s = company_summary(graph, r)
    assert s.tier1["supplier_id"].tolist() == ["A", "B"]
    assert s.tier1["chain_score"].tolist() == pytest.approx([D * D * 90, 50.0])
    assert s.tier1["chain_path"].tolist() == ["A > C > D", "B"]
    assert BANDS.severe <= D * D * 90 and BANDS.high <= 50 < BANDS.severe
    by_band = s.spend_by_band.set_index("chain_band")
    assert by_band["spend"].to_dict() == {
        "low": 0,
        "medium": 0,
        "high": 300.0,
        "severe": 100.0,
    }
    assert by_band["share"].tolist() == [0, 0, 0.75, 0.25]
    assert s.top_paths["path"].tolist() == ["A > C > D", "B", "A > C", "A"]
    assert s.top_paths["risk_at_tier1"].tolist() == pytest.approx(
        [D * D * 90, 50, D * 20, 10]
    )


def test_example_file_runs(example_path):
    frame = pd.read_csv(example_path, dtype=str, keep_default_na=False)
    graph = build_graph(
        frame["supplier_id"].str.strip().to_numpy(object),
        frame["buyer_id"].str.strip().to_numpy(object),
        declared_tiers=pd.to_numeric(frame["tier"], errors="coerce").to_numpy(),
    )
    r = chain_exposure(graph, np.full(len(frame), 10.0), WORST, BANDS)
    assert len(r.frame) == len(frame)
    assert (r.frame["tier"].dropna() >= 1).all()


# --- invariants over random graphs -------------------------------------------


@st.composite
def random_graphs(draw, acyclic=True):
    n = draw(st.integers(1, 25))
    ids = [f"N{i}" for i in range(n)]
    buyers = []
    for i in range(n):
        choices = list(range(i)) if acyclic else list(range(n))
        pick = draw(st.sampled_from([-1, -2, *choices]))
        buyers.append("" if pick == -1 else "??" if pick == -2 else ids[pick])
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    pairs = [(a, b) for a, b in extra if (b < a or not acyclic)]
    edges = pd.DataFrame(
        {
            "supplier_id": [ids[a] for a, _ in pairs],
            "buyer_id": [ids[b] for _, b in pairs],
        },
        dtype=object,
    )
    own = draw(st.lists(st.floats(0, 100), min_size=n, max_size=n))
    return ids, buyers, edges, own


def reference_worst_link(graph, own_rows):
    """Plain recursion over a DAG: max(own, δ · max over suppliers)."""
    own = np.zeros(graph.n_nodes)
    np.maximum.at(own, graph.row_node, own_rows)
    up = graph.upstream
    memo: dict[int, float] = {}

    def chain(v):
        if v not in memo:
            suppliers = up.indices[up.indptr[v] : up.indptr[v + 1]]
            memo[v] = max([own[v]] + [D * chain(int(u)) for u in suppliers])
        return memo[v]

    return np.array([chain(int(v)) for v in graph.row_node])


@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_worst_link_never_lowers_and_matches_reference(case):
    ids, buyers, edges, own = case
    graph, r = run(ids, buyers, own, edges=edges)
    chain = r.frame["chain_score"].to_numpy()
    assert (chain >= np.array(own)).all()
    assert np.allclose(chain, reference_worst_link(graph, np.array(own)), atol=1e-9)
    # The path ends at the source and the source's own score explains the chain.
    assert all(
        p.split(" > ")[-1] == s
        for p, s in zip(r.frame["chain_path"], r.frame["chain_source_id"], strict=True)
    )


@settings(max_examples=100, deadline=None)
@given(random_graphs(), st.floats(0, 1))
def test_damped_sum_stays_in_range(case, damping):
    ids, buyers, edges, own = case
    method = TierSettings(method="damped-sum", damping=damping)
    _, r = run(ids, buyers, own, edges=edges, method=method)
    chain = r.frame["chain_score"].to_numpy()
    assert ((chain >= 0) & (chain <= 100)).all()


@settings(max_examples=150, deadline=None)
@given(random_graphs(acyclic=False), st.sampled_from([WORST, DAMPED]))
def test_any_graph_terminates_and_reports_every_cycle_member(case, method):
    ids, buyers, edges, own = case
    graph, r = run(ids, buyers, own, edges=edges, method=method)
    assert len(r.frame) == len(ids) and r.frame["chain_score"].notna().all()
    tiers = infer_tiers(graph)
    assert (tiers.node_tier[1:] != 0).all()
    for comp in np.unique(graph.scc[graph.cyclic]):
        members = graph.ids[(graph.scc == comp)]
        rows = np.flatnonzero(
            np.isin(graph.row_node, np.flatnonzero(graph.scc == comp))
        )
        cycle = r.issues[(r.issues["code"] == "cycle") & r.issues["row"].isin(rows + 2)]
        assert len(cycle) == len(rows)
        if len(members) <= 10:
            assert all(m in cycle["message"].iloc[0] for m in members)
    if method is WORST:
        assert (r.frame["chain_score"].to_numpy() >= np.array(own)).all()
