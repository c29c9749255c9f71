"""Model v2: the fallback chain by hand, the reason rule, the disclosure rule.

Values are read from the bundled CSVs with plain pandas (not through
demandrisk), so a test fails when the engine looks up the wrong cell.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandrisk
from demandrisk.config import load_config

TOL = 1e-9


@pytest.fixture(scope="module")
def country_sector(data_root) -> pd.DataFrame:
    table = pd.read_csv(
        data_root / "country_sector.csv", dtype=str, keep_default_na=False
    )
    return table.set_index(["iso3", "isic_code", "indicator"])


def _one(country: str, sector: str, **fields: str) -> demandrisk.ScoreResult:
    frame = pd.DataFrame([{"supplier_id": "X", "country": country, "sector": sector}])
    for key, value in fields.items():
        frame[key] = value
    return demandrisk.score(frame, chain=False)


# ------------------------------------------------------------ the fallback chain
def test_supplier_value_replaces_the_prior_of_the_same_indicator():
    result = _one("QAT", "F41", migrant_worker_share="0.9")
    assert result.raw["work_migrant"].iloc[0] == 0.9
    assert result.scores["basis_work_migrant"].iloc[0] == "supplier"


def test_country_x_division_is_used_where_it_exists(country_sector):
    # Bangladesh is the one country with informality by 2-digit division.
    expected = float(country_sector.loc[("BGD", "C14", "informality"), "value"])
    section = float(country_sector.loc[("BGD", "C", "informality"), "value"])
    assert expected != section  # the division breaks from its section
    result = _one("BGD", "C14")
    assert result.raw["work_informality"].iloc[0] == pytest.approx(expected)
    assert result.scores["basis_work_informality"].iloc[0] == "country-sector-prior"
    assert str(result.detail["work_informality"].iloc[0]).startswith("BGD x C14")


def test_country_x_section_when_the_division_has_no_cell(country_sector):
    assert ("QAT", "F41", "migrant_share") not in country_sector.index
    row = country_sector.loc[("QAT", "F", "migrant_share")]
    assert row["quality"] == "observed"
    result = _one("QAT", "F41")
    assert result.raw["work_migrant"].iloc[0] == pytest.approx(float(row["value"]))
    assert result.scores["basis_work_migrant"].iloc[0] == "country-sector-prior"
    assert str(result.detail["work_migrant"].iloc[0]) == (
        f"QAT x F, {row['year']}, observed"
    )


def test_global_division_then_section_when_the_country_is_unknown(sectors_csv):
    sectors = sectors_csv.set_index("isic_code")
    for code in ("C14", "C"):
        result = _one("", code)
        expected = float(sectors.loc[code, "informality"])
        assert result.raw["work_informality"].iloc[0] == pytest.approx(expected)
        assert result.scores["basis_work_informality"].iloc[0] == "sector-prior"
    # The division carries its section's value and says so.
    assert sectors.loc["C14", "informality_quality"] == "derived"
    assert _one("", "C14").detail["work_informality"].iloc[0] == (
        "C14 worldwide, derived"
    )


def test_the_country_all_sector_value_when_the_sector_is_unknown(countries_csv):
    country = countries_csv.set_index("iso3").loc["QAT"]
    result = _one("QAT", "")
    assert result.raw["work_migrant"].iloc[0] == pytest.approx(
        float(country["migrant_share_all"])
    )
    assert result.scores["basis_work_migrant"].iloc[0] == "country-prior"
    assert result.raw["work_informality"].iloc[0] == pytest.approx(
        float(country["informality_all"])
    )


def _goalpost(value: float, spec: dict[str, Any]) -> float:
    low, high = spec["goalposts"]
    z = min(max((value - low) / (high - low), 0.0), 1.0)
    return 1.0 - z if spec.get("direction", 1) == -1 else z


def test_an_unknown_supplier_in_qatar_construction_scored_by_hand(
    default_toml, sectors_csv, countries_csv, country_sector
):
    """QAT x F41, no supplier data: every number from the CSVs and the TOML."""
    ind, groups = default_toml["indicators"], default_toml["groups"]
    cs = country_sector
    country = countries_csv.set_index("iso3").loc["QAT"]
    sector = sectors_csv.set_index("isic_code").loc["F41"]
    # What the computation rests on, stated so that a data change is noticed.
    assert ("QAT", "F", "low_pay") not in cs.index  # no earnings data for Qatar
    assert country["enforcement_gap"] == ""  # DOL does not assess Qatar
    raw = {
        "work_informality": float(cs.loc[("QAT", "F", "informality"), "value"]),
        "work_low_pay": float(sector["low_pay"]),
        "work_migrant": float(cs.loc[("QAT", "F", "migrant_share"), "value"]),
        "work_margin": float(sector["margin"]),
        "country_tip": ind["country_tip"]["categories"][country["tip_status"]],
        "country_rule_of_law": float(country["rule_of_law"]),
        "country_listed_goods": float(country["dol_goods_forced_labour"]),
        "country_migrant_destination": float(country["migrant_stock_share"]),
        "country_icmw": ind["country_icmw"]["categories"][country["icmw_status"]],
    }
    z = {code: _goalpost(value, ind[code]) for code, value in raw.items()}
    # The evidence pillar has no data: it is left out and the two other pillars
    # share the index; within the country pillar, enforcement_gap is left out.
    live = {g: groups[g]["weight"] for g in ("work", "country")}
    weights = {}
    for code in raw:
        parent = ind[code]["parent"]
        siblings = sum(ind[c]["weight"] for c in raw if ind[c]["parent"] == parent)
        weights[code] = (
            live[parent] / sum(live.values()) * ind[code]["weight"] / siblings
        )
    expected = sum(100 * weights[c] * z[c] for c in raw)

    result = _one("QAT", "F41")
    row = result.scores.iloc[0]
    assert row["risk_score"] == pytest.approx(expected, abs=TOL)
    for code in raw:
        assert row[f"contrib_{code}"] == pytest.approx(100 * weights[code] * z[code])
    assert row["coverage"] == 0.0
    work = [c for c in raw if ind[c]["parent"] == "work"]
    assert row["score_work"] == pytest.approx(
        100 * sum(weights[c] * z[c] for c in work) / sum(weights[c] for c in work)
    )
    assert np.isnan(row["score_evidence"])


# ------------------------------------------------------------ reasons
def _reasons_rest_on_data(result: demandrisk.ScoreResult) -> None:
    config = result.config
    by_slug = {ind.reason: code for code, ind in config.indicators.items()}
    flags = {flag.reason for flag in config.red_flags.values()}
    for i, text in enumerate(result.scores["reason_codes"].astype(str)):
        for slug in filter(None, text.split(";")):
            if slug in flags:
                continue
            code = by_slug[slug]
            indicator = config.indicators[code]
            basis = str(result.basis[code].iloc[i])
            assert basis not in {"imputed", "missing"}, (i, slug, basis)
            raw = float(result.raw[code].iloc[i])
            neutral = indicator.neutral_value()
            beyond = raw > neutral if indicator.direction == 1 else raw < neutral
            assert beyond, (i, slug, raw, neutral)


def test_reasons_are_values_beyond_neutral_on_data(example_result):
    _reasons_rest_on_data(example_result)
    assert example_result.scores["reason_codes"].astype(str).str.len().gt(0).any()


def test_harmless_facts_are_not_reasons():
    frame = pd.DataFrame(
        {
            "supplier_id": ["us", "de", "dk"],
            "country": ["USA", "DEU", "DNK"],
            "sector": ["J62", "J62", "N82"],
        }
    )
    result = demandrisk.score(frame, chain=False)
    _reasons_rest_on_data(result)
    reasons = ";".join(result.scores["reason_codes"].astype(str))
    assert "weak-anti-trafficking-response" not in reasons  # Tier 1/2 is no reason
    assert "audit-findings" not in reasons  # never audited is no finding
    assert (result.scores["risk_band"] == "low").all()


def test_an_unaudited_supplier_is_not_given_audit_findings(example_result):
    scores = example_result.scores
    unaudited = scores["audit_forced_labour_indicators"] == ""
    assert unaudited.any()
    cited = scores.loc[unaudited, "reason_codes"].astype(str).str.contains("audit")
    assert not cited.any()


# ------------------------------------------------------------ the disclosure rule
EVIDENCE = {
    "agency_worker_share": ("agency_workers", ["0", "0.05", "0.2", "0.5"]),
    "uses_recruiter": ("recruiter_use", ["no", "yes"]),
    "audit_forced_labour_indicators": ("audit_findings", ["0", "1", "3"]),
}
BEST = {"agency_worker_share": "0", "uses_recruiter": "no",
        "audit_forced_labour_indicators": "0", "migrant_worker_share": "0"}  # fmt: skip
CELLS = [("QAT", "F41"), ("BGD", "C14"), ("DEU", "J62"), ("BRA", "A01"),
         ("USA", "N81"), ("IND", "B08"), ("MYS", "C26")]  # fmt: skip


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(cell=st.sampled_from(CELLS), column=st.sampled_from(sorted(EVIDENCE)),
       pick=st.integers(0, 3))  # fmt: skip
def test_disclosure_is_never_the_cheapest_way_to_raise_a_score(cell, column, pick):
    """Disclosing a value no riskier than what the priors say never raises the
    score; a value that fires a red flag is a finding and may."""
    code, values = EVIDENCE[column]
    value = values[pick % len(values)]
    unknown = _one(*cell).scores["risk_score"].iloc[0]
    told = _one(*cell, **{column: value})
    z = float(told.normalised[code].iloc[0])
    floor = float(told.scores["contrib_floor"].iloc[0])
    score = float(told.scores["risk_score"].iloc[0])
    if floor == 0 and 100 * z <= unknown:
        assert score <= unknown + TOL
    if 100 * z >= unknown:
        assert score >= unknown - TOL


@pytest.mark.parametrize("cell", CELLS)
def test_hiding_data_is_never_the_cheapest_way_to_lower_a_score(cell):
    unknown = _one(*cell).scores["risk_score"].iloc[0]
    for column, value in BEST.items():
        told = _one(*cell, **{column: value}).scores["risk_score"].iloc[0]
        assert told < unknown, column  # the safest answer beats silence
    everything = _one(*cell, **BEST).scores["risk_score"].iloc[0]
    assert everything < min(
        _one(*cell, **{c: v}).scores["risk_score"].iloc[0] for c, v in BEST.items()
    )


def test_a_reported_migrant_share_moves_the_score_both_ways():
    unknown = _one("DEU", "C14")
    prior = float(unknown.raw["work_migrant"].iloc[0])
    below = _one("DEU", "C14", migrant_worker_share=f"{prior / 2:.4f}")
    above = _one("DEU", "C14", migrant_worker_share="0.9")
    base = unknown.scores["risk_score"].iloc[0]
    assert (
        below.scores["risk_score"].iloc[0] < base < above.scores["risk_score"].iloc[0]
    )
    # 90 % migrants is a material finding (v1 moved such a supplier by 2.5 points).
    assert above.scores["risk_score"].iloc[0] - base > 5.0


# ------------------------------------------------------------ groups and models
def test_group_scores_recompose_the_score(example_result):
    config = example_result.config
    scores = example_result.scores
    weights = example_result.weights
    base = scores["risk_score"] - scores["contrib_floor"]
    total = np.zeros(len(scores))
    for group in ("work", "country", "evidence"):
        w = weights[config.indicators_under(group)].sum(axis=1).to_numpy()
        total += np.nan_to_num(w * scores[f"score_{group}"].to_numpy() / 100)
    np.testing.assert_allclose(total * 100, base, atol=1e-9)


def test_model_v1_stays_loadable_by_name():
    v1 = load_config("v1")
    assert v1.version == "2026.11"
    assert "sector_informality" in v1.indicators
    scored = demandrisk.score(
        pd.DataFrame({"supplier_id": ["A"], "country": ["BGD"], "sector": ["C14"]}),
        "v1",
    )
    assert "score_sector" in scored.scores and scored.scores["risk_score"].notna().all()


def test_a_model_of_its_own_columns_needs_no_country_sector_or_bands(tmp_path):
    config = {
        "name": "my-index",
        "version": "1",
        "aggregation": "geometric",
        "missing": "reweight",
        "groups": {
            "governance": {"label": "Governance", "weight": 0.5},
            "vulnerability": {"label": "Vulnerability", "weight": 0.5},
        },
        "indicators": {
            "rule_of_law": {
                "label": "rule of law (inverted)", "parent": "governance",
                "weight": 1.0, "direction": -1, "goalposts": [0.0, 100.0],
                "sources": [{"table": "supplier", "field": "rule_of_law"}],
                "reason": "weak-rule-of-law",
            },
            "poverty": {
                "label": "poverty rate", "parent": "vulnerability", "weight": 1.0,
                "normalisation": "minmax", "reason": "poverty",
                "sources": [{"table": "supplier", "field": "poverty_rate"}],
            },
        },
    }  # fmt: skip
    frame = pd.DataFrame(
        {
            "supplier_id": ["AAA", "BBB", "CCC"],
            "rule_of_law": ["80", "20", "50"],
            "poverty_rate": ["5", "40", "20"],
        }
    )
    result = demandrisk.score(frame, config)
    scores = result.scores
    assert result.config.required_columns() == ("supplier_id",)
    assert (scores["risk_band"] == "").all()
    assert {"score_governance", "score_vulnerability"} <= set(scores.columns)
    assert scores.loc[0, "score_governance"] == pytest.approx(20.0)
    # BBB has the weakest rule of law and the most poverty, AAA the least.
    assert list(scores.sort_values("risk_score")["supplier_id"]) == [
        "AAA",
        "CCC",
        "BBB",
    ]
    assert not (result.issues["code"] == "missing-column").any()
    assert scores["explanation"].str.startswith("Score (").all()


def test_red_flags_need_bands(model_dict):
    model_dict.pop("bands")
    with pytest.raises(demandrisk.ConfigError, match=r"needs \[bands\]"):
        load_config(model_dict)


def test_diff_of_a_v1_run_and_a_v2_run_names_model_and_reference_data(
    tmp_path, data_root, example_path
):
    old_tables = tmp_path / "old"
    old_tables.mkdir()
    for table in data_root.glob("*.csv"):
        if table.name != "country_sector.csv":  # v1-era folders lack it
            (old_tables / table.name).write_bytes(table.read_bytes())
    countries = pd.read_csv(
        old_tables / "countries.csv", dtype=str, keep_default_na=False
    )
    countries.loc[countries["iso3"] == "GBR", "informality"] = "40"
    countries.to_csv(old_tables / "countries.csv", index=False)
    old = demandrisk.score(
        example_path, "v1", reference=demandrisk.load_reference(old_tables)
    )
    demandrisk.write_run(old, tmp_path / "q3", input_path=example_path)
    new = demandrisk.score(example_path)
    demandrisk.write_run(new, tmp_path / "q4", input_path=example_path)
    changes = demandrisk.diff_runs(tmp_path / "q3", tmp_path / "q4").changes
    causes = set(";".join(changes["cause"]).split(";")) - {""}
    assert {"model", "reference-data"} <= causes
    gbr = changes["supplier_id"].isin(
        new.scores.loc[new.scores["country_resolved"] == "GBR", "supplier_id"]
    )
    assert changes.loc[gbr & changes["cause"].str.contains("reference-data")].shape[0]
    assert not changes.loc[~gbr, "cause"].str.contains("reference-data").any()
    both = changes[changes["status"].isin(["changed", "unchanged"])]
    parts = both[["part_supplier_data", "part_reference_data", "part_model"]]
    np.testing.assert_allclose(parts.sum(axis=1), both["delta"], atol=1e-9)


MY_INDEX = """
name = "my-index"
version = "1"
missing = "reweight"

[groups.governance]
label = "Governance"
weight = 0.5

[groups.vulnerability]
label = "Vulnerability"
weight = 0.5

[indicators.rule_of_law]
label = "rule of law (inverted)"
parent = "governance"
weight = 1.0
direction = -1
sources = [{ table = "supplier", field = "rule_of_law" }]
goalposts = [0.0, 100.0]
reason = "weak-rule-of-law"

[indicators.poverty]
label = "poverty rate"
parent = "vulnerability"
weight = 1.0
sources = [{ table = "supplier", field = "poverty_rate" }]
goalposts = [0.0, 100.0]
reason = "poverty"
"""


def test_the_command_summarises_a_model_without_bands_as_rows(run_cli, tmp_path):
    config = tmp_path / "my-index.toml"
    config.write_text(MY_INDEX, encoding="utf-8")
    rows = tmp_path / "countries.csv"
    rows.write_text("supplier_id,rule_of_law,poverty_rate\nAAA,80,5\nBBB,20,40\n")
    done = run_cli("score", rows, "--config", config, "-o", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    assert "Scored 2 rows" in done.stdout
    assert "per band" not in done.stdout and "per tier" not in done.stdout
    assert "score_governance" in done.stdout


def test_explain_takes_a_named_model_and_prints_group_scores(run_cli, example_path):
    done = run_cli("explain", example_path, "--id", "S-0005", "--config", "v1")
    assert done.returncode == 0, done.stderr
    assert "sector_informality" in done.stdout  # v1's indicators, not v2's
    groups = re.search(r"group scores \(0-100\): (.*)", done.stdout)
    assert groups is not None
    assert [part.split()[0] for part in groups.group(1).split(", ")] == [
        "sector",
        "country",
        "evidence",
    ]
