"""Validation: every issue code from one small file, bad rows still scored."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import demandrisk
from demandrisk.schema import ISSUE_CODES, ISSUE_COLUMNS

# tests/data/invalid.csv, one problem (or one family of problems) per line.
# Rows are file lines: header = 1, first supplier = 2 (a valid row).
EXPECTED_FROM_PREPARE = [
    [3, "supplier_id", "duplicate-id"],
    [4, "country", "missing-value"],
    [5, "sector", "unknown-sector"],
    [6, "sector", "ambiguous-sector"],
    [7, "country", "unknown-country"],
    [8, "buyer_id", "unknown-buyer"],
    [8, "buyer_id", "unreachable"],
    [9, "audit_forced_labour_indicators", "type-error"],
    [9, "migrant_worker_share", "type-error"],
    [9, "tier", "type-error"],
    [9, "uses_recruiter", "type-error"],
    [10, "agency_worker_share", "out-of-range"],
    [10, "audit_forced_labour_indicators", "out-of-range"],
    [10, "migrant_worker_share", "out-of-range"],
    [10, "tier", "out-of-range"],
    [11, "supplier_id", "missing-value"],
    [12, "buyer_id", "self-loop"],
    [12, "buyer_id", "unreachable"],
    [13, "buyer_id", "cycle"],
    [13, "buyer_id", "unreachable"],
    [14, "buyer_id", "cycle"],
    [14, "buyer_id", "unreachable"],
    [15, "tier", "tier-mismatch"],
    [16, "buyer_id", "unreachable"],
]
# Codes triggered by the file shapes of tests/test_issue_codes.py.
NEW_READING_CODES = {
    "not-finite",
    "invalid-share",
    "ragged-row",
    "undecodable-line",
    "formula-without-value",
    "count-without-workers",
    "ambiguous-good",
    "unknown-good",
    "short-row",
    "duplicate-header",
    "shared-header",
    "lookalike-id",
    "nul-byte",
    "ambiguous-unit",
    "refused-column",
    "converted-count",
    "footnote-row",
    "trailing-delimiter",
}
# The file also has a column named like one of demandrisk's outputs.
EXPECTED = [[1, "risk_score", "column-clash"], *EXPECTED_FROM_PREPARE]


def _suggested_codes(message: str) -> list[str]:
    """Sector codes in "did you mean: C13 title (90), N81 title (88)?"."""
    suggestions = message.split("did you mean: ", 1)[1]
    return re.findall(r"(?:^|, )([A-U](?:\d{2})?) ", suggestions)


@pytest.fixture(scope="module")
def invalid_result(invalid_path: Path) -> demandrisk.ScoreResult:
    return demandrisk.score(invalid_path)


def test_invalid_file_triggers_every_issue_code(invalid_result):
    issues = invalid_result.issues
    assert list(issues.columns) == ISSUE_COLUMNS
    assert issues[["row", "column", "code"]].values.tolist() == EXPECTED
    # Every code is exercised but missing-column (an exception, see below),
    # unknown-supplier (edge files, tests/test_tiers.py) and the reading codes
    # that need other file shapes (tests/test_readers.py).
    needs_other_input = {
        "missing-column",
        "unknown-supplier",
        "skipped-rows",
        "derived-id",
        "converted-percentage",
        "ambiguous-number",
        "sector-alternatives",  # product categories: tests/test_sector_resolution.py
        # Reading codes of other shapes: tests/test_issue_codes.py triggers each.
        *NEW_READING_CODES,
    }
    assert set(issues["code"]) == set(ISSUE_CODES) - needs_other_input


def test_issue_values_are_the_cells_as_written(invalid_result):
    issues = invalid_result.issues
    values = issues[issues["code"] != "unreachable"].set_index(["row", "column"])[
        "value"
    ]
    assert values[(7, "country")] == "Bangladseh"
    assert values[(9, "migrant_worker_share")] == "abc"
    assert values[(10, "migrant_worker_share")] == "45"
    assert values[(3, "supplier_id")] == "V-01"
    assert values[(8, "buyer_id")] == "S-9999"


def test_validate_reports_the_same_table(invalid_path):
    report = demandrisk.validate(invalid_path)
    assert report.valid is False
    assert report.rows == 15
    got = report.issues[["row", "column", "code"]].values.tolist()
    assert [i for i in got if i[2] != "column-clash"] == EXPECTED_FROM_PREPARE


def test_validate_reports_column_clash_like_score(invalid_path, invalid_result):
    """validate() and `demandrisk validate` miss column-clash (BUG if fails).

    A file that validates clean must not come back from score() with issues.
    """
    report = demandrisk.validate(invalid_path)
    assert report.issues[["row", "column", "code"]].values.tolist() == (
        invalid_result.issues[["row", "column", "code"]].values.tolist()
    )


def test_every_row_is_still_scored_in_input_order(invalid_path, invalid_result):
    frame = pd.read_csv(invalid_path, dtype=str, keep_default_na=False)
    scores = invalid_result.scores
    assert len(scores) == len(frame)
    assert scores["supplier_id"].tolist() == frame["supplier_id"].tolist()
    assert scores["name"].tolist() == frame["name"].tolist()
    # The clashing input column is kept as is; ours is renamed.
    assert scores["risk_score"].tolist() == frame["risk_score"].tolist()
    ours = scores["demandrisk_risk_score"].astype(float)
    assert ours.notna().all() and ours.between(0, 100).all()
    # Bad cells are left out, the rest of the row still counts.
    by_id = scores.set_index("name")
    # A bad migrant share falls back to the prior of the same indicator.
    prior = {"country-sector-prior", "sector-prior", "country-prior"}
    assert by_id.loc["Type Errors Ltd", "basis_work_migrant"] in prior
    assert by_id.loc["Type Errors Ltd", "basis_agency_workers"] == "supplier"
    assert by_id.loc["Out Of Range Ltd", "basis_work_migrant"] in prior
    assert by_id.loc["Out Of Range Ltd", "basis_recruiter_use"] == "supplier"
    assert pd.isna(by_id.loc["Unknown Country Ltd", "country_resolved"])
    assert pd.isna(by_id.loc["Unknown Sector Ltd", "sector_resolved"])


def test_unknown_country_message_suggests_close_names(invalid_result):
    issues = invalid_result.issues
    message = issues.loc[issues["code"] == "unknown-country", "message"].item()
    assert "'Bangladseh'" in message
    assert "did you mean:" in message
    assert "BGD" in message


def test_ambiguous_sector_lists_suggestions(invalid_result):
    issues = invalid_result.issues
    message = issues.loc[issues["code"] == "ambiguous-sector", "message"].item()
    assert message.startswith("'services' matches several sectors; did you mean: ")
    assert len(_suggested_codes(message)) == 3


@pytest.mark.parametrize("label", ["General", "Supplier", "services"])
def test_ambiguous_sector_suggestions_are_distinct_sectors(label):
    """Suggestions name distinct sectors, not one sector's titles (BUG if fails)."""
    frame = pd.DataFrame({"supplier_id": ["A"], "country": ["IND"], "sector": [label]})
    issues = demandrisk.validate(frame).issues
    assert issues["code"].tolist() == ["ambiguous-sector"]
    message = issues["message"].item()
    codes = _suggested_codes(message)
    assert len(set(codes)) == len(codes) >= 2, message


def test_type_error_and_out_of_range_messages_say_what_was_expected(invalid_result):
    issues = invalid_result.issues.set_index(["row", "column", "code"])["message"]
    assert issues[(9, "migrant_worker_share", "type-error")] == (
        "expected a share between 0 and 1 in column migrant_worker_share; "
        "the cell is not read as that"
    )
    assert (
        "45 must be written 0.45"
        in issues[(10, "migrant_worker_share", "out-of-range")]
    )
    assert "also used on row 2" in issues[(3, "supplier_id", "duplicate-id")]


def test_missing_id_column_derives_ids_instead_of_refusing(invalid_path):
    frame = pd.read_csv(invalid_path, dtype=str, keep_default_na=False)
    frame = frame.drop(columns=["supplier_id"])
    result = demandrisk.score(frame)
    assert len(result.scores) == len(frame)
    assert result.scores["supplier_id"].str.len().gt(0).all()
    assert "derived-id" in set(result.issues["code"])


@pytest.mark.parametrize("missing", ["country", "sector"])
def test_missing_required_column_is_an_input_error(missing, invalid_path):
    frame = pd.read_csv(invalid_path, dtype=str, keep_default_na=False)
    frame = frame.drop(columns=[missing])
    pattern = rf"found no column for \['{missing}'\]"
    with pytest.raises(demandrisk.InputDataError, match=pattern):
        demandrisk.validate(frame)
    with pytest.raises(demandrisk.InputDataError, match=pattern):
        demandrisk.score(frame)


def test_valid_example_has_no_issues(example_path):
    report = demandrisk.validate(example_path)
    assert report.valid is True
    assert report.issues.empty
    assert list(report.issues.columns) == ISSUE_COLUMNS
    report.raise_for_errors()  # does not raise


def test_raise_for_errors_carries_the_issues(invalid_path):
    report = demandrisk.validate(invalid_path)
    with pytest.raises(
        demandrisk.ValidationError,
        match=r"^18 error\(s\) among 25 issue\(s\); first: row 3, column supplier_id",
    ) as caught:
        report.raise_for_errors()
    assert caught.value.issues is report.issues
    assert isinstance(caught.value, demandrisk.InputDataError)


def test_to_dict_and_to_json_agree(invalid_path):
    report = demandrisk.validate(invalid_path)
    as_dict = report.to_dict()
    assert as_dict["valid"] is False
    assert as_dict["rows"] == 15
    assert [[i["row"], i["column"], i["code"]] for i in as_dict["issues"]] == (
        report.issues[["row", "column", "code"]].values.tolist()
    )
    assert json.loads(report.to_json()) == as_dict


def test_cli_validate_json_equals_to_dict(invalid_path, run_cli):
    done: subprocess.CompletedProcess[str] = run_cli("validate", invalid_path, "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == demandrisk.validate(invalid_path).to_dict()
