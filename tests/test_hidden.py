"""Hidden-tier estimates and the bundled upstream table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import demandrisk
from demandrisk.hidden import UPSTREAM_COLUMNS, hidden_upstream, load_upstream

TABLE = pd.DataFrame(
    {
        "sector": ["C14", "C14", "C13"],
        "input_sector": ["C13", "A01", "A01"],
        "weight": [0.6, 0.4, 1.0],
    }
)
SCORES = {
    ("C13", "BGD"): 40.0,
    ("A01", "BGD"): 90.0,
    ("C13", "CHN"): 50.0,
    ("A01", "CHN"): 70.0,
    ("A01", "IND"): 60.0,
}


class Recorder:
    def __init__(self):
        self.frames = []

    def __call__(self, frame):
        self.frames.append(frame)
        keys = zip(frame["sector"], frame["country"], strict=True)
        return np.array([SCORES.get(k, np.nan) for k in keys])


def test_weighted_mean_in_own_country_scored_once_per_pair():
    score = Recorder()
    out = hidden_upstream(
        np.array(["C14", "C14", "C13", "N81"]),
        np.array(["BGD", "BGD", "IND", "GBR"]),
        TABLE,
        score,
    )
    assert out[:3].tolist() == [0.6 * 40 + 0.4 * 90] * 2 + [60.0]
    assert np.isnan(out[3])  # no upstream row for N81
    (frame,) = score.frames
    assert sorted(zip(frame["sector"], frame["country"], strict=True)) == [
        ("A01", "BGD"),
        ("A01", "IND"),
        ("C13", "BGD"),
    ]
    assert list(frame.columns) == ["supplier_id", "country", "sector"]


def test_sourcing_countries_weigh_equally():
    out = hidden_upstream(
        np.array(["C14"]), np.array(["GBR"]), TABLE, Recorder(), ["BGD", "CHN"]
    )
    expected = 0.6 * (40 + 50) / 2 + 0.4 * (90 + 70) / 2
    assert out.tolist() == pytest.approx([expected])


def test_unscored_inputs_are_left_out_of_the_mean():
    out = hidden_upstream(np.array(["C14"]), np.array(["IND"]), TABLE, Recorder())
    assert out.tolist() == [60.0]  # C13 in IND has no score: only A01 counts


def test_division_falls_back_to_section():
    table = pd.DataFrame({"sector": ["C"], "input_sector": ["A01"], "weight": [1.0]})
    out = hidden_upstream(np.array(["C99"]), np.array(["IND"]), table, Recorder())
    assert out.tolist() == [60.0]


def test_bundled_table_is_sound(data_root):
    table = load_upstream()
    assert list(table.columns) == UPSTREAM_COLUMNS
    sectors = set(pd.read_csv(data_root / "sectors.csv", dtype=str)["isic_code"])
    assert set(table["sector"]) <= sectors and set(table["input_sector"]) <= sectors
    sources = pd.concat(
        [
            pd.read_csv(data_root / name, dtype=str)
            for name in ("sources.csv", "upstream_sources.csv")
        ]
    )
    assert set(table["source"]) <= set(sources["id"])
    assert table.groupby("sector")["weight"].sum().round(12).eq(1.0).all()
    assert set(table["quality"]) == {"expert_estimate"}
    assert table["note"].str.contains("weight: judgement|link and weight").all()


def test_with_the_real_scorer():
    def score(frame):
        return demandrisk.score(frame).scores["risk_score"].to_numpy()

    out = hidden_upstream(
        np.array(["C14", "N81"]), np.array(["BGD", "GBR"]), load_upstream(), score
    )
    assert 0 <= out[0] <= 100
    assert np.isnan(out[1])  # no input sectors listed for N81
