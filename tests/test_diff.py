"""Run-to-run diff: statuses, exact per-indicator deltas, attribution to causes."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import demandrisk
from demandrisk._paths import data_dir
from demandrisk.config import load_config


def _indicator_sum(changes: pd.DataFrame) -> pd.Series:
    return changes.filter(regex=r"^delta_(?!chain)").sum(axis=1)


def _run(tmp, name, frame, config=None, reference=None):
    path = tmp / f"{name}.csv"
    frame.to_csv(path, index=False)
    result = demandrisk.score(path, config, reference=reference)
    return demandrisk.write_run(result, tmp / name, input_path=path, reports=False)


@pytest.fixture(scope="module")
def base_run(tmp_path_factory, example_frame):
    tmp = tmp_path_factory.mktemp("diff")
    return tmp, _run(tmp, "q2", example_frame)


def test_one_supplier_migrant_share_changed(base_run, example_frame):
    tmp, q2 = base_run
    frame = example_frame.copy()
    frame.loc[frame["supplier_id"] == "S-0002", "migrant_worker_share"] = "0.45"
    q3 = _run(tmp, "q3-migrant", frame)
    result = demandrisk.diff_runs(q2, q3)
    c = result.changes
    assert len(c) == len(example_frame)
    changed = c[c["status"] != "unchanged"]
    assert changed["supplier_id"].tolist() == ["S-0002"]
    row = changed.iloc[0]
    assert row["status"] == "changed"
    assert row["cause"] == "supplier-data"
    assert row["delta"] > 0
    assert row["delta_work_migrant"] == pytest.approx(row["delta"], abs=1e-9)
    others = changed.filter(regex=r"^delta_(?!chain|work_migrant$)").iloc[0]
    others = others.drop("delta_work_migrant", errors="ignore")
    assert np.allclose(others.to_numpy(float), 0.0, atol=1e-12)
    assert row["part_supplier_data"] == pytest.approx(row["delta"], abs=1e-9)
    assert row["part_reference_data"] == pytest.approx(0.0, abs=1e-12)
    assert row["part_model"] == pytest.approx(0.0, abs=1e-9)
    unchanged = c[c["status"] == "unchanged"]
    assert (unchanged["cause"] == "").all()
    assert np.allclose(unchanged["delta"], 0.0, atol=1e-12)


def test_weight_change_is_attributed_to_model(base_run, example_frame, model_dict):
    tmp, q2 = base_run
    model_dict["indicators"]["work_migrant"]["weight"] = 3.0
    q3 = _run(tmp, "q3-weights", example_frame, load_config(model_dict))
    c = demandrisk.diff_runs(q2, q3).changes
    changed = c[c["status"] == "changed"]
    assert len(changed) > 100
    moved = changed[changed["delta"].abs() > 1e-9]
    assert set(moved["cause"].str.replace(";tier", "")) == {"model"}
    # Others changed only through their supply chain (an upstream score moved).
    assert set(changed["cause"]) <= {"model", "model;tier", "tier"}
    assert np.allclose(changed["part_model"], changed["delta"], atol=1e-9)
    assert np.allclose(changed["part_supplier_data"], 0.0, atol=1e-12)
    both = c[c["status"].isin(["changed", "unchanged"])]
    assert np.allclose(_indicator_sum(both), both["delta"], atol=1e-9)


def test_data_and_model_together_sum_to_delta(base_run, example_frame, model_dict):
    tmp, q2 = base_run
    frame = example_frame.copy()
    frame.loc[frame["supplier_id"] == "S-0002", "migrant_worker_share"] = "0.45"
    frame = frame[frame["supplier_id"] != "S-0003"]  # left
    extra = frame.iloc[[0]].assign(supplier_id="S-NEW")
    frame = pd.concat([frame, extra], ignore_index=True)
    model_dict["bands"]["high"] = 40.0
    model_dict["indicators"]["agency_workers"]["weight"] = 2.0
    q3 = _run(tmp, "q3-both", frame, load_config(model_dict))
    result = demandrisk.diff_runs(q2, q3)
    c = result.changes.set_index("supplier_id")
    assert c.loc["S-0003", "status"] == "removed"
    assert c.loc["S-NEW", "status"] == "new"
    assert np.isnan(c.loc["S-NEW", "delta"])
    assert c.loc["S-0002", "cause"] == "supplier-data;model"
    both = c[c["status"].isin(["changed", "unchanged"])]
    parts = both[["part_supplier_data", "part_reference_data", "part_model"]].sum(
        axis=1
    )
    assert np.allclose(parts, both["delta"], atol=1e-9)
    assert np.allclose(_indicator_sum(both), both["delta"], atol=1e-9)
    # The threshold moved: a supplier between 40 and 45 changed band only
    # (its chain may also have moved, through a supplier upstream).
    band_only = both[
        (both["delta"].abs() < 1e-9) & (both["old_band"] != both["new_band"])
    ]
    assert len(band_only) > 0
    assert set(band_only["cause"].str.replace(";tier", "")) == {"model"}
    summary = result.summary()
    assert "Band transitions" in summary
    assert "S-0003: was" in summary
    transitions = result.transitions()
    assert transitions.to_numpy().sum() == len(both)


def test_reference_table_change_is_attributed_to_reference(
    base_run, example_frame, tmp_path
):
    tmp, q2 = base_run
    folder = tmp_path / "data"
    folder.mkdir()
    for table in data_dir().glob("*.csv"):
        shutil.copyfile(table, folder / table.name)
    countries = pd.read_csv(folder / "countries.csv", dtype=str, keep_default_na=False)
    countries.loc[countries["iso3"] == "GBR", "rule_of_law"] = "-1.5"
    countries.to_csv(folder / "countries.csv", index=False)
    reference = demandrisk.load_reference(folder)
    q3 = _run(tmp, "q3-reference", example_frame, reference=reference)
    c = demandrisk.diff_runs(q2, q3).changes
    changed = c[(c["status"] == "changed") & (c["delta"].abs() > 1e-9)]
    scores = demandrisk.load_run(q2).scores
    gbr = scores.loc[scores["country_resolved"] == "GBR", "supplier_id"]
    assert 0 < len(changed) and set(changed["supplier_id"]) <= set(gbr)
    assert set(changed["cause"].str.replace(";tier", "")) == {"reference-data"}
    assert np.allclose(changed["part_reference_data"], changed["delta"], atol=1e-9)


def test_cli_diff_writes_changes(base_run, example_frame, run_cli, tmp_path):
    tmp, q2 = base_run
    frame = example_frame.copy()
    frame.loc[frame["supplier_id"] == "S-0001", "audit_forced_labour_indicators"] = "2"
    q3 = _run(tmp, "q3-cli", frame)
    done = run_cli("diff", q2, q3, "-o", "changes.csv")
    assert done.returncode == 0, done.stderr
    assert "Crossed into high or severe: 1" in done.stdout
    assert "S-0001: medium -> high" in done.stdout
    changes = pd.read_csv(tmp_path / "changes.csv", keep_default_na=False)
    assert {
        "status",
        "old_score",
        "new_score",
        "old_band",
        "new_band",
        "delta",
        "delta_floor",
        "cause",
    } <= set(changes.columns)
    missing = run_cli("diff", q2, tmp_path)
    assert missing.returncode == 1
    assert "not a complete run folder" in missing.stderr
