"""Calibration: recovering known weights, the comparison, the written model."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

import demandrisk
from demandrisk.calibrate import (
    CalibrationWarning,
    config_with_weights,
    dump_config,
    fit_weights,
)
from demandrisk.config import config_from_mapping, load_config

# Synthetic benchmark: 6000 suppliers, every indicator known, findings drawn
# from sigmoid(-4 + 8 * sum(W z)) with known W. Tolerance on each effective
# weight (they sum to 1): 0.05.
TOLERANCE = 0.05


def test_recovers_known_weights():
    config = load_config()
    rng = np.random.default_rng(3)
    k = len(config.indicators)
    true = rng.dirichlet(np.ones(k))
    z = rng.uniform(size=(6000, k))
    logit = -4.0 + 8.0 * (z @ true)
    y = (rng.uniform(size=len(z)) < 1 / (1 + np.exp(-logit))).astype(int)
    weights, intercept, slope = fit_weights(
        config, z, np.ones(z.shape, dtype=bool), y, shrink=0.0
    )
    assert np.abs(weights - true).max() < TOLERANCE
    assert weights.min() >= 0 and weights.sum() == pytest.approx(1.0)
    assert intercept == pytest.approx(-4.0, abs=0.5)
    assert slope == pytest.approx(8.0, abs=1.5)


def test_large_shrink_keeps_the_expert_weights():
    config = load_config()
    rng = np.random.default_rng(0)
    z = rng.uniform(size=(400, len(config.indicators)))
    y = (z[:, 0] > 0.5).astype(int)  # only the first indicator matters
    expert = np.array(list(config.effective_weights().values()))
    weights, _, _ = fit_weights(config, z, np.ones(z.shape, bool), y, shrink=1e4)
    assert np.abs(weights - expert).max() < 0.01
    free, _, _ = fit_weights(config, z, np.ones(z.shape, bool), y, shrink=0.0)
    assert free[0] > 0.5


def test_config_with_weights_round_trip():
    config = load_config()
    target = np.arange(1, len(config.indicators) + 1, dtype=float)
    new = config_with_weights(config, target)
    assert np.allclose(
        list(new.effective_weights().values()), target / target.sum(), atol=1e-5
    )


def test_dump_config_reads_back():
    config = load_config()
    assert config_from_mapping(tomllib.loads(dump_config(config))) == config


def _outcomes(result: demandrisk.ScoreResult, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    risk = result.scores["risk_score"].to_numpy()
    p = 1 / (1 + np.exp(-(-6.0 + 0.12 * risk)))
    return pd.DataFrame(
        {
            "supplier_id": result.scores["supplier_id"],
            "finding": (rng.uniform(size=len(risk)) < p).astype(int),
        }
    )


@pytest.fixture(scope="module")
def fitted(example_result):
    return demandrisk.calibrate(example_result, _outcomes(example_result), bootstrap=20)


def test_comparison_table(fitted):
    metrics = fitted.metrics
    assert metrics.index.tolist() == [
        "roc_auc", "average_precision", "precision_top10", "findings_high_severe"
    ]  # fmt: skip
    assert list(metrics.columns) == [
        "expert", "expert_low", "expert_high", "calibrated", "calibrated_low",
        "calibrated_high", "difference", "difference_low", "difference_high",
    ]  # fmt: skip
    assert (metrics["expert_low"] <= metrics["expert_high"]).all()
    # Findings were drawn from the expert score: it separates them well.
    assert metrics.loc["roc_auc", "expert"] > 0.7
    assert fitted.weights["calibrated"].sum() == pytest.approx(1.0, abs=1e-4)


def test_writes_a_new_model_never_the_default(fitted, tmp_path, example_path):
    path = fitted.to_toml(tmp_path / "calibrated.toml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Calibrated from")
    assert "roc_auc" in text
    config = load_config(path)
    assert config.name == "demandrisk-v2-calibrated"
    assert demandrisk.score(example_path, config).scores["risk_score"].notna().all()
    with pytest.raises(demandrisk.OutputError, match="exists"):
        fitted.to_toml(path)
    from demandrisk._paths import default_config_path

    with pytest.raises(demandrisk.OutputError, match="is the default model"):
        fitted.to_toml(default_config_path(), overwrite=True)


def test_refuses_too_few_findings(example_result):
    ids = example_result.scores["supplier_id"][:8]
    few = pd.DataFrame({"supplier_id": ids, "finding": [1, 0] * 4})
    with pytest.raises(
        demandrisk.InputDataError,
        match="4 audited supplier\\(s\\) with a finding and 4 without; at least 5",
    ):
        demandrisk.calibrate(example_result, few)


def test_warns_under_twenty_findings(example_result):
    ids = example_result.scores["supplier_id"][:60]
    some = pd.DataFrame({"supplier_id": ids, "finding": [1] * 10 + [0] * 50})
    with pytest.warns(CalibrationWarning, match="Only 10 audits with findings"):
        demandrisk.calibrate(example_result, some, bootstrap=5, folds=3)


def test_latest_dated_audit_decides_and_bad_values_are_listed(example_result, tmp_path):
    path = tmp_path / "audits.csv"
    path.write_text("supplier_id,finding\nS-0001,maybe\nS-0002,1\n", encoding="utf-8")
    with pytest.raises(demandrisk.InputDataError, match="got row 2 \\('maybe'\\)"):
        demandrisk.calibrate(example_result, path)
    from demandrisk.calibrate import _read_outcomes

    dated = pd.DataFrame(
        {
            "supplier_id": ["S-1", "S-1", "S-2"],
            "finding": ["yes", "no", "1"],
            "date": ["2024-01-01", "2025-06-01", "2023-01-01"],
        }
    )
    assert _read_outcomes(dated)[0].to_dict() == {"S-1": 0, "S-2": 1}


def test_cli_calibrate(run_cli, example_result, example_path, tmp_path):
    audits = tmp_path / "audits.csv"
    _outcomes(example_result).to_csv(audits, index=False)
    done = run_cli("calibrate", example_path, "--outcomes", audits, "-o", "cal.toml")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cal.toml").exists()
    again = run_cli("calibrate", example_path, "--outcomes", audits, "-o", "cal.toml")
    assert again.returncode == 2 and "exists" in again.stderr
