"""The `demandrisk` command: outputs, exit codes 0/1/2, no tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import demandrisk


def _no_traceback(done) -> None:
    assert "Traceback" not in done.stderr
    assert "Traceback" not in done.stdout


@pytest.fixture
def example_copy(example_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "suppliers.csv"
    copy.write_bytes(example_path.read_bytes())
    return copy


def test_score_prints_band_counts_and_writes_csv(
    run_cli, example_copy, tmp_path, example_result
):
    out = tmp_path / "scored.csv"
    done = run_cli("score", example_copy, "-o", out)
    assert done.returncode == 0, done.stderr
    _no_traceback(done)
    counts = example_result.band_counts()
    for band, count in counts.items():
        assert re.search(rf"^\s+{band}\s+{count}$", done.stdout, re.MULTILINE), band
    rows = len(pd.read_csv(example_copy, dtype=str))
    assert f"Scored {rows} suppliers" in done.stdout
    assert f"Wrote {out}" in done.stdout
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == rows
    assert (
        written["supplier_id"].tolist() == example_result.scores["supplier_id"].tolist()
    )
    assert {"risk_score", "risk_band", "explanation", "contrib_floor"} <= set(written)


def test_score_without_output_writes_nothing(run_cli, example_copy, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    done = run_cli("score", example_copy)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_score_missing_required_column_exits_1(run_cli, example_path, tmp_path):
    frame = pd.read_csv(example_path, dtype=str, keep_default_na=False)
    bad = tmp_path / "no_sector.csv"
    frame.drop(columns=["sector"]).to_csv(bad, index=False)
    done = run_cli("score", bad, "-o", tmp_path / "out.csv")
    assert done.returncode == 1
    assert done.stdout == ""
    assert re.search(r"^error: .*found no column for \['sector'\]", done.stderr)
    _no_traceback(done)
    assert not (tmp_path / "out.csv").exists()


def test_score_missing_input_exits_1(run_cli, tmp_path):
    done = run_cli("score", tmp_path / "nope.csv")
    assert done.returncode == 1
    assert "Supplier file not found" in done.stderr
    _no_traceback(done)


def test_score_nonexistent_config_exits_2(run_cli, example_copy, tmp_path):
    done = run_cli("score", example_copy, "--config", tmp_path / "nope.toml")
    assert done.returncode == 2
    assert re.search(r"error: Cannot read model config .*nope\.toml", done.stderr)
    _no_traceback(done)


def test_score_invalid_config_exits_2(run_cli, example_copy, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("name = [\n", encoding="utf-8")
    done = run_cli("score", example_copy, "--config", config)
    assert done.returncode == 2
    assert "not valid TOML" in done.stderr
    _no_traceback(done)


@pytest.mark.parametrize("spelling", ["same", "relative", "dotted"])
def test_score_refuses_to_write_over_input(
    run_cli, example_copy, example_path, spelling
):
    target = {
        "same": str(example_copy),
        "relative": example_copy.name,
        "dotted": f"./sub/../{example_copy.name}",
    }[spelling]
    (example_copy.parent / "sub").mkdir(exist_ok=True)
    done = run_cli("score", example_copy, "-o", target, cwd=example_copy.parent)
    assert done.returncode == 2
    assert "Refusing to write the output over the input file" in done.stderr
    _no_traceback(done)
    assert example_copy.read_bytes() == example_path.read_bytes()
    assert [p.name for p in example_copy.parent.glob(".*.tmp")] == []


def test_score_into_missing_folder_exits_2(run_cli, example_copy, tmp_path):
    done = run_cli("score", example_copy, "-o", tmp_path / "no" / "such" / "out.csv")
    assert done.returncode == 2
    assert "Output folder does not exist" in done.stderr
    _no_traceback(done)


def test_validate_example_exits_0(run_cli, example_path):
    done = run_cli("validate", example_path)
    assert done.returncode == 0, done.stdout
    rows = len(pd.read_csv(example_path, dtype=str))
    assert f"{rows} rows, no issues." in done.stdout


def test_validate_invalid_exits_1_and_lists_issues(run_cli, invalid_path):
    done = run_cli("validate", invalid_path)
    assert done.returncode == 1
    report = demandrisk.validate(invalid_path)
    assert f"{report.rows} rows, {len(report.issues)} issue(s) (" in done.stdout
    assert "error(s)" in done.stdout and "warning(s)" in done.stdout
    for code in set(report.issues["code"]):
        assert code in done.stdout
    _no_traceback(done)


def test_validate_json(run_cli, example_path, invalid_path):
    good = run_cli("validate", example_path, "--json")
    assert good.returncode == 0
    assert json.loads(good.stdout) == demandrisk.validate(example_path).to_dict()
    bad = run_cli("validate", invalid_path, "--json")
    assert bad.returncode == 1
    parsed = json.loads(bad.stdout)
    assert parsed == demandrisk.validate(invalid_path).to_dict()
    assert parsed["valid"] is False and len(parsed["issues"]) > 0


def test_explain_prints_every_indicator_and_the_sum(
    run_cli, example_path, example_result
):
    sid = example_result.scores["supplier_id"].iloc[4]
    done = run_cli("explain", example_path, "--id", sid)
    assert done.returncode == 0, done.stderr
    row = example_result.scores.set_index("supplier_id").loc[sid]
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{sid} ")
    for code in [*example_result.config.indicator_codes, "floor"]:
        assert re.search(rf"^\s*{code}\s", done.stdout, re.MULTILINE), code
    assert f"sum of contributions = {row['risk_score']:.2f}" in done.stdout
    assert f"risk {row['risk_score']:.1f}  {row['risk_band'].upper()}" in done.stdout
    assert f"reasons: {row['reason_codes']}" in done.stdout


def test_explain_unknown_id_exits_1(run_cli, example_path):
    done = run_cli("explain", example_path, "--id", "NOPE")
    assert done.returncode == 1
    assert "No supplier with supplier_id 'NOPE'" in done.stderr
    _no_traceback(done)


def test_explain_without_id_is_a_usage_error(run_cli, example_path):
    done = run_cli("explain", example_path)
    assert done.returncode == 2
    assert "Missing option '--id'" in done.stderr
    _no_traceback(done)


def test_sectors_lists_c14(run_cli):
    done = run_cli("sectors")
    assert done.returncode == 0, done.stderr
    assert re.search(
        r"^\s*C14\s+Manufacture of wearing apparel", done.stdout, re.MULTILINE
    )
    assert "sources.csv" in done.stdout


def test_unknown_command_is_a_usage_error(run_cli):
    done = run_cli("frobnicate")
    assert done.returncode == 2
    assert "No such command" in done.stderr
    _no_traceback(done)


def test_version_and_help(run_cli):
    version = run_cli("--version")
    assert version.returncode == 0
    assert demandrisk.__version__ in version.stdout
    helped = run_cli("--help")
    assert helped.returncode == 0
    for command in ("score", "validate", "explain", "sectors"):
        assert command in helped.stdout
