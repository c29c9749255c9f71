"""Sensitivity: band probabilities, rank intervals, leave-one-out, Sobol."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

import demandrisk
from demandrisk.aggregate import weight_matrix
from demandrisk.sensitivity import _effective_weights, _nodes, plot_rank_intervals


def _model(**weights: float) -> dict[str, Any]:
    """A flat model over supplier columns, goalposts [0, 1]."""
    return {
        "name": "tiny",
        "version": "1",
        "bands": {"medium": 25.0, "high": 45.0, "severe": 65.0},
        "indicators": {
            code: {
                "label": code,
                "weight": weight,
                "sources": [{"table": "supplier", "field": code}],
                "goalposts": [0.0, 1.0],
                "fallback": 0.5,
                "reason": code,
            }
            for code, weight in weights.items()
        },
    }


def _suppliers(**columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame(
        {
            "supplier_id": [f"S{i}" for i in range(n)],
            "country": ["DEU"] * n,
            "sector": ["C14"] * n,
        }
    )
    return frame.assign(**{k: [str(v) for v in vals] for k, vals in columns.items()})


@pytest.fixture(scope="module")
def tiny() -> demandrisk.ScoreResult:
    # a and b differ between suppliers; c is the same for everyone.
    frame = _suppliers(
        a=[0.9, 0.1, 0.5, 0.7, 0.3], b=[0.1, 0.9, 0.6, 0.2, 0.4], c=[0.5] * 5
    )
    return demandrisk.score(frame, _model(a=1.0, b=1.0, c=1.0))


def test_effective_weights_match_weight_matrix(example_result):
    config = example_result.config
    nominal = np.array([[config.node_weight(n) for n in _nodes(config)]])
    available = ~np.isnan(example_result.raw.to_numpy())
    ours = _effective_weights(config, nominal, available)[0]
    assert np.array_equal(ours, weight_matrix(config, available))


def test_spread_zero_gives_the_nominal_band_and_rank(example_result):
    report = demandrisk.sensitivity(example_result, samples=20, spread=0.0)
    table = report.suppliers
    bands = ["low", "medium", "high", "severe"]
    nominal = table[[f"p_{b}" for b in bands]].to_numpy()[
        np.arange(len(table)), table["risk_band"].map(bands.index).to_numpy()
    ]
    assert (nominal == 1.0).all()
    assert table["band_stable"].all()
    for column in ("rank_p05", "rank_median", "rank_p95"):
        assert table[column].equals(table["rank"])
    assert report.indicators["sobol_first"].isna().all()  # no variance to split


def test_columns_and_probabilities_sum_to_one(example_result):
    table = demandrisk.sensitivity(
        example_result, samples=50, sobol_samples=0
    ).suppliers
    assert list(table.columns) == [
        "supplier_id", "risk_score", "risk_band", "rank", "p_low", "p_medium",
        "p_high", "p_severe", "rank_p05", "rank_median", "rank_p95", "band_stable",
    ]  # fmt: skip
    probabilities = table[["p_low", "p_medium", "p_high", "p_severe"]]
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert (table["rank_p05"] <= table["rank_median"]).all()
    assert (table["rank_median"] <= table["rank_p95"]).all()


def test_same_seed_same_report_and_blocks_do_not_matter(example_result):
    args = {"samples": 60, "spread": 0.3, "seed": 7, "goalposts": 0.1}
    one = demandrisk.sensitivity(example_result, **args, sobol_samples=16)
    two = demandrisk.sensitivity(example_result, **args, sobol_samples=16)
    pd.testing.assert_frame_equal(one.suppliers, two.suppliers)
    pd.testing.assert_frame_equal(one.indicators, two.indicators)
    small = demandrisk.sensitivity(example_result, **args, memory_mb=0.01)
    pd.testing.assert_frame_equal(one.suppliers, small.suppliers)
    other = demandrisk.sensitivity(example_result, **{**args, "seed": 8})
    assert not one.suppliers.equals(other.suppliers)


def test_red_flag_floor_holds_in_every_sample(example_result):
    table = demandrisk.sensitivity(example_result, samples=100, spread=0.9).suppliers
    floored = example_result.scores["contrib_floor"].to_numpy() > 0
    assert floored.any()
    # A flag lifts to "high": perturbed weights can never drop below it.
    assert (table.loc[floored, ["p_low", "p_medium"]] == 0).all().all()


def test_tiny_case_by_hand(tiny):
    report = demandrisk.sensitivity(tiny, samples=200, spread=0.1, seed=0)
    table = report.suppliers
    # score = 100 * (a + b + c) / 3; S2 (0.5, 0.6) leads S0 (0.9, 0.1) unless
    # a weighs 1.25 times b, which a spread of 0.1 cannot reach.
    assert table["rank"].tolist() == [2.0, 2.0, 1.0, 4.0, 5.0]
    assert table.loc[2, ["rank_p05", "rank_p95"]].tolist() == [1.0, 1.0]
    assert table.loc[2, "p_high"] == 1.0  # 53.3 points, far from 45 and 65
    # S0 (0.9, 0.1) and S1 (0.1, 0.9) swap places as a and b trade weight.
    assert table.loc[0, "rank_p05"] < table.loc[0, "rank_p95"]
    importance = report.indicators.set_index("node")
    # c is the same for everyone: leaving it out or moving its weight
    # rescales every score alike and never changes a rank.
    assert importance.loc["c", "loo_rank_change"] == 0.0
    assert abs(importance.loc["c", "sobol_total"]) < 1e-12
    assert importance.loc["a", "sobol_total"] > 0.3
    assert importance.loc["a", "sobol_first_low"] <= importance.loc["a", "sobol_first"]
    assert importance.loc["a", "sobol_first"] <= importance.loc["a", "sobol_first_high"]
    assert importance.loc["a", "loo_rank_change"] > 0


def test_dirichlet_reproducible(tiny):
    one = demandrisk.sensitivity(tiny, samples=50, spread=0.3, method="dirichlet")
    two = demandrisk.sensitivity(tiny, samples=50, spread=0.3, method="dirichlet")
    pd.testing.assert_frame_equal(one.suppliers, two.suppliers)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"spread": 1.0}, "'spread' parameter of sensitivity must be a float in"),
        ({"samples": 0}, "'samples' parameter of sensitivity must be an int >= 1"),
        ({"goalposts": 0.5}, "'goalposts' parameter"),
        ({"method": "normal"}, "'uniform' or 'dirichlet'. Got 'normal' instead"),
    ],
)
def test_bad_parameters(tiny, args, message):
    with pytest.raises(demandrisk.DemandRiskError, match=message):
        demandrisk.sensitivity(tiny, **args)


def test_rank_interval_plot_is_svg(example_result):
    report = demandrisk.sensitivity(example_result, samples=30, sobol_samples=0)
    svg = plot_rank_intervals(report, top=10)
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 10
    assert report.plot(top=5).count("<circle") == 5
