"""The validation harness (benchmarks/validity.py) runs on the bundled tables.

Its figures are reported, not asserted as magic numbers: what is asserted is
what the model promises (the named cases, bands set from their reference
points, no reason resting on a fallback) and that the report is complete.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import demandrisk
from demandrisk.config import load_config

HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "validity.py"


@pytest.fixture(scope="module")
def validity():
    spec = importlib.util.spec_from_file_location("validity", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["validity"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def findings(validity):
    return validity.validate_model("v2", demandrisk.load_reference())


def test_every_named_case_holds(findings):
    named = findings.named
    assert len(named) == 12
    assert named["holds"].all(), named.loc[~named["holds"], "case"].tolist()


def test_model_v1_fails_the_named_cases_it_was_criticised_for(validity):
    v1 = validity.named_cases(load_config("v1"), demandrisk.load_reference())
    kafala = v1[v1["case"].str.contains("QAT|SAU|ARE|KWT")]
    assert not kafala["holds"].any()


def test_bands_sit_at_their_reference_points(findings):
    def round5(x: float) -> float:
        return 5.0 * round(x / 5.0)

    points = findings.reference_points
    bands = findings.bands
    assert bands["medium"] == round5(points["office_strong_rule_of_law_p90"])
    assert bands["high"] == round5(points["dol_forced_labour_cells_p25"])
    assert bands["severe"] == round5(points["dol_forced_labour_cells_p90"])


def test_no_reason_code_rests_on_a_fallback(findings):
    assert findings.reason_bases["fallback"] == 0
    assert findings.reason_bases["supplier data"] > 0


def test_the_report_has_every_check(validity, findings, tmp_path):
    text = validity.render([findings], demandrisk.load_reference())
    for needle in ("GEMS 2022", "ROC AUC", "Named cases", "reference points",
                   "example bands"):  # fmt: skip
        assert needle in text
    assert -1.0 <= findings.gems_spearman <= 1.0
    for auc, low, high, positives, negatives in findings.dol_auc.values():
        assert low <= auc <= high and positives > 0 and negatives > positives
    out = tmp_path / "validity.md"
    assert validity.main(["--models", "v2", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# Validation")
