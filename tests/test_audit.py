"""Run folders: contents, manifest, determinism, verify, no silent overwrite."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import demandrisk
from demandrisk.audit import REQUIRED_FILES, config_to_toml, load_run
from demandrisk.config import config_sha256, load_config


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, example_path):
    """The example scored twice into two run folders (no reports: faster)."""
    base = tmp_path_factory.mktemp("runs")
    for name in ("a", "b"):
        result = demandrisk.score(example_path)
        demandrisk.write_run(
            result, base / name, input_path=example_path, reports=False
        )
    return base / "a", base / "b"


def test_run_folder_holds_every_file(tmp_path, example_path, example_result):
    run = demandrisk.write_run(
        example_result, tmp_path / "2026-Q3", input_path=example_path
    )
    names = {p.name for p in run.iterdir()}
    assert (
        set(REQUIRED_FILES) | {"report.html", "report.xlsx", "explanations.csv"}
        <= names
    )
    assert {p.name for p in (run / "reference").iterdir()} >= {
        "sectors.csv",
        "countries.csv",
        "goods.csv",
        "isic4.csv",
        "sources.csv",
    }
    # Nothing but the run folder is left beside it (no partial siblings).
    assert [p.name for p in tmp_path.iterdir()] == ["2026-Q3"]


def test_manifest_records_versions_hashes_counts(
    two_runs, example_path, example_result
):
    manifest = json.loads((two_runs[0] / "manifest.json").read_text("utf-8"))
    assert manifest["versions"]["demandrisk"] == demandrisk.__version__
    assert manifest["versions"]["pandas"] == pd.__version__
    assert {"python", "numpy"} <= set(manifest["versions"])
    assert manifest["input"]["path"] == str(example_path.absolute())
    assert manifest["input"]["sha256"] == _sha(example_path)
    tables = manifest["reference"]["tables"]
    assert example_result.reference.fingerprints.items() <= tables.items()
    assert manifest["config"]["sha256"] == config_sha256(example_result.config)
    assert manifest["config"]["model"]["name"] == example_result.config.name
    assert manifest["counts"]["rows"] == len(example_result.scores)
    assert manifest["counts"]["issues"] == len(example_result.issues)
    counts = example_result.band_counts()
    assert manifest["counts"]["bands"] == {k: int(v) for k, v in counts.items()}
    assert manifest["files"]["scores.csv"] == _sha(two_runs[0] / "scores.csv")
    assert isinstance(manifest["command"], list)
    assert manifest["started"] and manifest["duration_seconds"] >= 0


def test_same_inputs_give_byte_identical_files(two_runs):
    a, b = two_runs
    for name in ("scores.csv", "issues.csv", "explanations.csv", "config.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma = json.loads((a / "manifest.json").read_text("utf-8"))
    mb = json.loads((b / "manifest.json").read_text("utf-8"))
    # Start time and duration are the only fields allowed to differ.
    for volatile in ("started", "duration_seconds"):
        ma.pop(volatile), mb.pop(volatile)
    assert ma == mb


def test_verify_reruns_identically(two_runs):
    report = demandrisk.verify_run(two_runs[0])
    assert report.identical, str(report)
    assert report.mismatches.empty
    assert report.rows == 291


def test_verify_with_changed_input_names_the_supplier(
    two_runs, example_frame, tmp_path
):
    changed = example_frame.copy()
    changed.loc[changed["supplier_id"] == "S-0002", "migrant_worker_share"] = "0.45"
    path = tmp_path / "changed.csv"
    changed.to_csv(path, index=False)
    report = demandrisk.verify_run(two_runs[0], input_path=path)
    assert not report.identical
    assert report.mismatches["supplier_id"].tolist() == ["S-0002"]
    assert any("SHA-256 changed" in note for note in report.notes)


def test_existing_run_is_not_overwritten_without_force(two_runs, example_result):
    before = (two_runs[1] / "manifest.json").read_bytes()
    with pytest.raises(demandrisk.OutputError, match="already exists.*--force"):
        demandrisk.write_run(example_result, two_runs[1], reports=False)
    assert (two_runs[1] / "manifest.json").read_bytes() == before


def test_force_replaces_the_run(tmp_path, example_path, example_result):
    target = tmp_path / "run"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    demandrisk.write_run(
        example_result, target, input_path=example_path, force=True, reports=False
    )
    assert not (target / "stale.txt").exists()
    assert (target / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_failed_run_leaves_no_folder(
    tmp_path, example_path, example_result, monkeypatch
):
    import demandrisk.report

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demandrisk.report, "render_report", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        demandrisk.write_run(example_result, tmp_path / "run", input_path=example_path)
    assert list(tmp_path.iterdir()) == []


def test_config_toml_loads_back_to_the_same_config(model_dict):
    model_dict["indicators"]["work_migrant"]["weight"] = 2.5
    config = load_config(model_dict)
    again = load_config(tomllib.loads(config_to_toml(config)))
    assert config_sha256(again) == config_sha256(config)


def test_incomplete_run_folder_is_a_clear_error(two_runs, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "scores.csv").write_bytes((two_runs[0] / "scores.csv").read_bytes())
    with pytest.raises(
        demandrisk.InputDataError,
        match=r"not a complete run folder: missing manifest.json, issues.csv, "
        r"config.toml",
    ):
        load_run(broken)
    with pytest.raises(demandrisk.InputDataError, match="Run folder not found"):
        load_run(tmp_path / "nowhere")


def test_input_frame_is_rebuilt_from_scores(two_runs, example_frame):
    frame = load_run(two_runs[0]).input_frame()
    pd.testing.assert_frame_equal(
        frame.reset_index(drop=True), example_frame.reset_index(drop=True)
    )


def test_cli_score_run_dir_then_verify(run_cli, example_path, tmp_path):
    assert not (tmp_path / "runs").exists()  # created by the run
    done = run_cli("score", example_path, "--run-dir", "runs/Q3", "--top", "1")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "runs" / "Q3" / "report.html").is_file()
    again = run_cli("score", example_path, "--run-dir", "runs/Q3")
    assert again.returncode == 2
    assert "already exists" in again.stderr
    verified = run_cli("verify", "runs/Q3")
    assert verified.returncode == 0, verified.stderr
    assert "IDENTICAL" in verified.stdout
    manifest = json.loads(
        (tmp_path / "runs" / "Q3" / "manifest.json").read_text("utf-8")
    )
    assert manifest["command"][-4:] == ["--run-dir", "runs/Q3", "--top", "1"]


def test_run_dir_parent_is_created(tmp_path):
    """`--run-dir runs/2026-Q3` on a fresh checkout: runs/ does not exist yet."""
    from demandrisk._paths import data_dir

    result = demandrisk.score(data_dir() / "examples" / "suppliers.csv")
    target = tmp_path / "runs" / "2026-Q3"
    demandrisk.write_run(result, target, reports=False)
    assert (target / "scores.csv").is_file()
    assert (target / "manifest.json").is_file()
