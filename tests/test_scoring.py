"""Scoring: contributions add up, bands follow thresholds, one score by hand."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pytest

import demandrisk
from demandrisk.errors import OutputError
from demandrisk.scoring import output_columns

TOL = 1e-9


def _contrib_sum(scores: pd.DataFrame) -> pd.Series:
    return scores.filter(like="contrib_").sum(axis=1)


def _band_of(value: float, bands: Any) -> str:
    if value >= bands.severe:
        return "severe"
    if value >= bands.high:
        return "high"
    if value >= bands.medium:
        return "medium"
    return "low"


# ------------------------------------------------------------------ invariants
def test_contributions_sum_to_score_on_example(example_result):
    scores = example_result.scores
    contrib_columns = [c for c in scores if c.startswith("contrib_")]
    expected = [f"contrib_{c}" for c in example_result.config.indicator_codes]
    assert contrib_columns == [*expected, "contrib_floor"]
    np.testing.assert_allclose(
        _contrib_sum(scores), scores["risk_score"], rtol=0, atol=TOL
    )
    # The matrix behind the columns says the same thing.
    np.testing.assert_allclose(
        example_result.contributions.sum(axis=1) + scores["contrib_floor"],
        scores["risk_score"],
        rtol=0,
        atol=TOL,
    )


def test_scores_are_within_0_and_100(example_result):
    risk = example_result.scores["risk_score"]
    assert risk.notna().all()
    assert ((risk >= 0) & (risk <= 100)).all()
    assert (example_result.scores["contrib_floor"] >= 0).all()


def test_bands_follow_config_thresholds(example_result):
    bands = example_result.config.bands
    expected = [_band_of(v, bands) for v in example_result.scores["risk_score"]]
    assert example_result.scores["risk_band"].tolist() == expected
    # The example exercises every band, so the check above is not vacuous.
    assert set(expected) == {"low", "medium", "high", "severe"}


def test_band_counts_match_band_column(example_result):
    counts = example_result.band_counts()
    assert counts.index.tolist() == ["low", "medium", "high", "severe"]
    assert counts.sum() == len(example_result.scores)
    assert counts.to_dict() == (
        example_result.scores["risk_band"].value_counts().to_dict()
    )


def test_input_columns_untouched_and_order_kept(example_frame, example_result):
    scores = example_result.scores
    assert len(scores) == len(example_frame)
    pd.testing.assert_frame_equal(
        scores[list(example_frame.columns)], example_frame, check_dtype=False
    )
    added = [
        "sector_resolved",
        "sector_match",
        "sector_match_score",
        "country_resolved",
        "good_resolved",  # goods are matched as sectors are (issue 12 item 4)
        "good_match",
        "good_match_score",
        "risk_score",
        "risk_band",
        "coverage",
    ]
    start = len(example_frame.columns)
    assert list(scores.columns[start : start + len(added)]) == added
    assert list(scores.columns[start:]) == output_columns(example_result.config)
    assert {"reason_codes", "explanation", "chain_score", "chain_path"} <= set(
        scores.columns[start:]
    )


def test_row_order_never_changes_a_suppliers_result(example_frame, example_result):
    order = np.random.default_rng(20091209).permutation(len(example_frame))
    shuffled = example_frame.iloc[order].reset_index(drop=True)
    again = demandrisk.score(shuffled)
    ours = [c for c in example_result.scores if c not in example_frame.columns]
    left = example_result.scores.set_index("supplier_id")[ours].sort_index()
    right = again.scores.set_index("supplier_id")[ours].sort_index()
    numeric = [c for c in ours if c.startswith(("contrib_", "risk_score", "coverage"))]
    np.testing.assert_allclose(
        left[numeric].to_numpy(float), right[numeric].to_numpy(float), atol=TOL
    )
    text = [c for c in ours if c not in numeric]
    # Compare values, not dtypes: a categorical's category order may follow rows.
    pd.testing.assert_frame_equal(left[text].astype(object), right[text].astype(object))


# ------------------------------------------------------------------ one by hand
def _goalpost(value: float, low: float, high: float, direction: int) -> float:
    z = min(max((value - low) / (high - low), 0.0), 1.0)
    return 1.0 - z if direction == -1 else z


def test_one_supplier_scored_by_hand_with_model_v1(
    v1_toml, sectors_csv, countries_csv, goods_csv
):
    """DEU, sector J, every supplier field given, model v1: recompute from the
    CSVs + TOML (v1 stays loadable for rescoring old audits; model v2 is
    computed by hand in test_model_v2.py)."""
    default_toml = v1_toml
    supplier = {
        "supplier_id": "H-1",
        "country": "DEU",
        "sector": "J",
        "good": "Garments",  # named, and not on the DOL list for DEU
        "migrant_worker_share": "0.2",
        "agency_worker_share": "0.1",
        "uses_recruiter": "yes",
        "audit_forced_labour_indicators": "0",
    }
    sector = sectors_csv.set_index("isic_code").loc["J"]
    country = countries_csv.set_index("iso3").loc["DEU"]
    ind = default_toml["indicators"]
    groups = default_toml["groups"]

    # Assumptions this computation rests on, stated so a data change is noticed.
    assert country["enforcement_gap"] == ""  # DOL does not assess Germany
    assert country["informality"] != ""
    assert all(sector[f] != "" for f in ("informality", "margin", "low_pay"))
    listed = goods_csv[goods_csv["country_iso3"] == "DEU"]["good"]
    assert "Garments" not in set(listed)

    def gp(code: str, value: float) -> float:
        low, high = ind[code]["goalposts"]
        return _goalpost(value, low, high, ind[code].get("direction", 1))

    z = {
        "sector_informality": gp("sector_informality", float(sector["informality"])),
        "sector_margin": gp("sector_margin", float(sector["margin"])),
        "sector_low_pay": gp("sector_low_pay", float(sector["low_pay"])),
        "sector_migrant": gp("sector_migrant", float(sector["migrant_ratio"])),
        "country_informality": gp("country_informality", float(country["informality"])),
        "country_tip_status": gp(
            "country_tip_status",
            ind["country_tip_status"]["categories"][country["tip_status_2025"]],
        ),
        "country_listed_goods": gp(
            "country_listed_goods", float(country["dol_goods_forced_labour"])
        ),
        "migrant_workers": gp("migrant_workers", 0.2),
        "agency_workers": gp("agency_workers", 0.1),
        "recruiter_use": gp("recruiter_use", 1.0),
        "listed_good": gp("listed_good", 0.0),
        "audit_findings": gp("audit_findings", 0.0),
    }
    # enforcement_gap has no value and no fallback: its country siblings share
    # its weight (aggregate.py); every other indicator is present.
    present = {code: code in z for code in ind}
    group_total = sum(g["weight"] for g in groups.values())
    expected_weights = {}
    for code, spec in ind.items():
        if not present[code]:
            expected_weights[code] = 0.0
            continue
        siblings = [
            s["weight"]
            for c, s in ind.items()
            if s["parent"] == spec["parent"] and present[c]
        ]
        expected_weights[code] = (groups[spec["parent"]]["weight"] / group_total) * (
            spec["weight"] / sum(siblings)
        )
    expected_contrib = {c: 100 * expected_weights[c] * z.get(c, 0.0) for c in ind}
    expected_score = sum(expected_contrib.values())

    result = demandrisk.score(pd.DataFrame([supplier]), "v1")
    row = result.scores.iloc[0]
    assert result.issues.empty
    assert row["risk_score"] == pytest.approx(expected_score, abs=TOL)
    for code, value in expected_contrib.items():
        assert row[f"contrib_{code}"] == pytest.approx(value, abs=TOL), code
    assert row["contrib_floor"] == 0.0
    for code, weight in expected_weights.items():
        assert result.weights.loc[0, code] == pytest.approx(weight, abs=1e-12), code
    assert row["risk_band"] == _band_of(expected_score, result.config.bands)


# ------------------------------------------------------------------ red flags
def test_dol_forced_labour_good_puts_floor_at_high(goods_csv):
    forced = goods_csv[goods_csv["forced_labor"] == "true"]
    assert len(forced) > 0
    frame = pd.DataFrame(
        {
            "supplier_id": [f"F{i}" for i in range(len(forced))],
            "country": forced["country_iso3"].to_numpy(),
            "sector": forced["isic_code"].to_numpy(),
            "good": forced["good"].to_numpy(),
            # Clean supplier evidence keeps some base scores under 'high'.
            "migrant_worker_share": "0",
            "agency_worker_share": "0",
            "uses_recruiter": "no",
            "audit_forced_labour_indicators": "0",
        }
    )
    result = demandrisk.score(frame)
    scores = result.scores
    high = result.config.bands.high
    assert (scores["risk_score"] >= high - TOL).all()
    assert scores["risk_band"].isin(["high", "severe"]).all()
    assert (
        scores["reason_codes"]
        .str.split(";")
        .map(lambda codes: "dol-forced-labour-good" in codes)
        .all()
    )
    assert (scores["contrib_floor"] >= 0).all()
    assert (result.raw["listed_good"] == 1.0).all()
    assert (scores["basis_listed_good"] == "supplier").all()
    # The floor really lifts somebody: without it some would be below 'high'.
    lifted = scores["contrib_floor"] > 0
    assert lifted.any()
    base = scores["risk_score"] - scores["contrib_floor"]
    assert (base[lifted] < high).all()
    assert np.allclose(scores.loc[lifted, "risk_score"], high, atol=TOL)
    assert scores["explanation"].str.contains("Red flag, band at least HIGH").all()


def test_child_labour_listing_alone_sets_no_floor(goods_csv):
    child_only = goods_csv[
        (goods_csv["child_labor"] == "true") & (goods_csv["forced_labor"] == "false")
    ].iloc[:20]
    frame = pd.DataFrame(
        {
            "supplier_id": [f"C{i}" for i in range(len(child_only))],
            "country": child_only["country_iso3"].to_numpy(),
            "sector": child_only["isic_code"].to_numpy(),
            "good": child_only["good"].to_numpy(),
        }
    )
    result = demandrisk.score(frame)
    assert (result.raw["listed_good"] == 0.5).all()
    assert (result.scores["contrib_floor"] == 0).all()
    assert not result.scores["reason_codes"].str.contains("dol-forced").any()


def test_good_name_matches_whatever_its_unicode_form(goods_csv):
    """goods.csv keeps the source's NFD accents; users type NFC (BUG if fails)."""
    accented = goods_csv[goods_csv["good"].map(lambda g: not g.isascii())].iloc[0]
    forms = {
        form: unicodedata.normalize(form, accented["good"]) for form in ("NFC", "NFD")
    }
    assert forms["NFC"] != forms["NFD"]
    frame = pd.DataFrame(
        {
            "supplier_id": list(forms),
            "country": accented["country_iso3"],
            "sector": accented["isic_code"],
            "good": list(forms.values()),
        }
    )
    listing = demandrisk.score(frame).raw["listed_good"].tolist()
    expected = 1.0 if accented["forced_labor"] == "true" else 0.5
    assert listing == [expected, expected]


# ------------------------------------------------------------------ evidence
def test_supplier_share_replaces_the_prior_and_blank_keeps_it():
    frame = pd.DataFrame(
        {
            "supplier_id": ["given", "blank"],
            "country": ["BGD", "BGD"],
            "sector": ["C14", "C14"],
            "migrant_worker_share": ["0.4", ""],
        }
    )
    result = demandrisk.score(frame)
    scores = result.scores
    assert scores["basis_work_migrant"].tolist() == ["supplier", "country-sector-prior"]
    prior = result.raw["work_migrant"].iloc[1]
    assert 0 < prior < 0.4  # Bangladesh's garment makers employ few migrants
    assert result.raw["work_migrant"].iloc[0] == 0.4
    # Unreported evidence is left out, not scored at a midpoint.
    assert set(scores["basis_agency_workers"]) == {"missing"}
    assert (result.weights["agency_workers"] == 0).all()
    # The only difference between the two rows is that one indicator.
    diff = scores.loc[0, "risk_score"] - scores.loc[1, "risk_score"]
    w = result.weights.loc[0, "work_migrant"]
    assert result.weights.loc[1, "work_migrant"] == pytest.approx(w, abs=1e-12)
    assert diff == pytest.approx(100 * w * (0.4 - prior), abs=TOL)


def test_coverage_is_weight_on_supplier_data(example_result):
    supplier = example_result.basis.astype(object) == "supplier"
    expected = (example_result.weights * supplier).sum(axis=1)
    np.testing.assert_allclose(
        example_result.scores["coverage"], expected, rtol=0, atol=TOL
    )
    assert example_result.scores["coverage"].between(0, 1).all()
    assert (example_result.scores["coverage"] > 0).any()
    assert (example_result.scores["coverage"] == 0).any()


def test_explain_table_adds_up_and_names_every_indicator(example_result):
    sid = example_result.scores["supplier_id"].iloc[4]
    table = example_result.explain(sid)
    assert table["indicator"].tolist() == [
        *example_result.config.indicator_codes,
        "floor",
    ]
    score = example_result.scores.set_index("supplier_id").loc[sid, "risk_score"]
    assert table["contribution"].sum() == pytest.approx(score, abs=TOL)
    with pytest.raises(
        demandrisk.InputDataError, match="No supplier with supplier_id 'NOPE'"
    ):
        example_result.explain("NOPE")


def test_explanations_long_matches_matrices(example_result):
    long = example_result.explanations_long()
    k = len(example_result.config.indicator_codes)
    assert len(long) == len(example_result.scores) * k
    totals = long.groupby("supplier_id", sort=False)["contribution"].sum()
    expected = (
        example_result.scores.set_index("supplier_id")["risk_score"]
        - example_result.scores.set_index("supplier_id")["contrib_floor"]
    )
    np.testing.assert_allclose(totals.to_numpy(), expected.to_numpy(), atol=TOL)


# ------------------------------------------------------------------ policies
def _with(model: dict[str, Any], **top: Any) -> dict[str, Any]:
    model.update(top)
    return model


def test_missing_reweight_drops_blank_indicators(model_dict, example_frame):
    model_dict["indicators"]["agency_workers"]["fallback"] = 0.25
    result = demandrisk.score(example_frame, _with(model_dict, missing="reweight"))
    blank = example_frame["agency_worker_share"] == ""
    assert blank.any() and (~blank).any()
    # Even with a fallback in the config, reweight leaves the unknown out.
    assert (result.weights.loc[blank.to_numpy(), "agency_workers"] == 0).all()
    assert (result.weights.loc[~blank.to_numpy(), "agency_workers"] > 0).all()
    assert set(result.scores.loc[blank, "basis_agency_workers"]) == {"missing"}
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(
        _contrib_sum(result.scores), result.scores["risk_score"], atol=TOL
    )
    # Nothing is imputed under reweight.
    assert not (result.basis.astype(object) == "imputed").any().any()


def test_missing_pessimistic_counts_unknown_as_worst(
    model_dict, example_frame, example_result
):
    result = demandrisk.score(example_frame, _with(model_dict, missing="pessimistic"))
    blank = (example_frame["agency_worker_share"] == "").to_numpy()
    assert (result.normalised.loc[blank, "agency_workers"] == 1.0).all()
    assert set(result.scores.loc[blank, "basis_agency_workers"]) == {"imputed"}
    np.testing.assert_allclose(
        _contrib_sum(result.scores), result.scores["risk_score"], atol=TOL
    )
    # The worst case can only raise a score compared with fallbacks/reweighting.
    prior = example_result.scores["risk_score"].to_numpy()
    pessimistic = result.scores["risk_score"].to_numpy()
    assert (pessimistic >= prior - TOL).all()
    assert (pessimistic > prior + 1).any()


def test_geometric_contributions_still_sum_to_score(model_dict, example_frame):
    result = demandrisk.score(example_frame, _with(model_dict, aggregation="geometric"))
    scores = result.scores
    np.testing.assert_allclose(_contrib_sum(scores), scores["risk_score"], atol=TOL)
    assert scores["risk_score"].between(0, 100).all()
    assert (result.contributions.to_numpy() >= 0).all()
    arithmetic = demandrisk.score(example_frame).scores["risk_score"]
    # A different model, not the arithmetic one relabelled.
    assert not np.allclose(scores["risk_score"], arithmetic)


def test_minmax_fitted_bounds_make_rescoring_reproducible(model_dict, example_frame):
    for spec in model_dict["indicators"].values():
        spec["normalisation"] = "minmax"
    full = demandrisk.score(example_frame, model_dict)
    for code, bounds in full.fitted.items():
        assert bounds["method"] == "minmax"
        on_data = full.raw[code][full.basis[code].astype(object) != "imputed"]
        if on_data.notna().any():
            assert bounds["low"] == on_data.min()
            assert bounds["high"] == on_data.max()
    subset = example_frame.iloc[::7].reset_index(drop=True)
    refit = demandrisk.score(subset, model_dict, fitted=full.fitted)
    expected = full.scores.iloc[::7].reset_index(drop=True)
    np.testing.assert_allclose(
        refit.scores["risk_score"], expected["risk_score"], rtol=0, atol=TOL
    )
    assert refit.scores["risk_band"].tolist() == expected["risk_band"].tolist()
    # Without the fitted bounds the subset learns its own, and scores move.
    unfitted = demandrisk.score(subset, model_dict)
    assert not np.allclose(unfitted.scores["risk_score"], expected["risk_score"])


# ------------------------------------------------------------------ output
def test_to_csv_writes_every_row(example_result, tmp_path):
    out = example_result.to_csv(tmp_path / "scored.csv")
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == len(example_result.scores)
    assert written.columns.tolist() == example_result.scores.columns.tolist()


def test_to_csv_refuses_to_overwrite_the_input(example_path, tmp_path):
    """ScoreResult.to_csv(origin) must not clobber the input (BUG if fails)."""
    copy = tmp_path / "suppliers.csv"
    copy.write_bytes(example_path.read_bytes())
    result = demandrisk.score(copy)
    with pytest.raises(
        OutputError, match="Refusing to write the output over the input"
    ):
        result.to_csv(copy)
    assert copy.read_bytes() == example_path.read_bytes()
