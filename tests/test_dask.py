"""demandrisk.dask on a real local cluster: the in-memory result, row for row.

One ``LocalCluster`` (2 worker processes) serves the whole module, the CLI
runs included (``--scheduler`` its address).
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import demandrisk
import demandrisk.dask as drd
from demandrisk.cli import cli
from demandrisk.errors import InputDataError

# dd.from_pandas would turn the text columns into Arrow strings; the
# in-memory run reads them as pandas' str, and so should the partitions.
NO_ARROW = {"dataframe.convert-string": False}


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def _partitioned(frame: pd.DataFrame, n: int) -> dd.DataFrame:
    with dask.config.set(NO_ARROW):
        return dd.from_pandas(frame, npartitions=n, sort=False)


def assert_same_scores(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal frames; categorical columns equal in categories, order and codes.

    Dask concatenates categorical partitions with ``union_categoricals``,
    which gives the categories index pandas' ``str`` dtype where the
    in-memory run's is ``object``: the one dtype difference Dask imposes.
    """
    assert list(got.columns) == list(expected.columns)
    categorical = [
        c
        for c in expected.columns
        if isinstance(expected[c].dtype, pd.CategoricalDtype)
    ]
    for column in categorical:
        assert isinstance(got[column].dtype, pd.CategoricalDtype)
        left, right = got[column].cat, expected[column].cat
        assert left.categories.tolist() == right.categories.tolist()
        assert left.codes.tolist() == right.codes.tolist()
    pd.testing.assert_frame_equal(
        got.drop(columns=categorical), expected.drop(columns=categorical)
    )


@pytest.mark.parametrize("module", ["demandrisk", "demandrisk.cli"])
def test_importing_demandrisk_does_not_import_dask(module):
    code = (
        f"import sys, {module}; import demandrisk; demandrisk.score; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "{'dask', 'distributed'}]; print(loaded)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_example_in_three_partitions_equals_in_memory(
    client, example_path, example_result
):
    frame = demandrisk.read_suppliers(example_path)
    result = drd.score_with_issues(_partitioned(frame, 3))
    assert result.scores.npartitions == 3
    assert result.scores.known_divisions
    scores, issues = dask.compute(result.scores, result.issues)
    expected = example_result  # demandrisk.score(example_path)
    assert_same_scores(scores, expected.scores)
    assert scores["supply_tier"].max() == 3  # chains cross partition borders
    assert len(issues) == len(expected.issues) == 0
    assert result.fitted == expected.fitted
    assert result.rows == len(frame)
    assert result.company is not None and expected.company is not None
    pd.testing.assert_frame_equal(
        result.company.spend_by_band, expected.company.spend_by_band
    )


def test_score_returns_the_lazy_scores(client, example_frame):
    frame = example_frame.drop(columns=["buyer_id"])
    scores = drd.score(_partitioned(frame, 3), chain=False)
    expected = demandrisk.score(frame, chain=False).scores
    assert list(scores.columns) == list(expected.columns)
    assert_same_scores(scores.compute(), expected)


def _synthetic(n: int = 90) -> pd.DataFrame:
    """Suppliers whose own-data ranges differ by partition (thirds)."""
    rng = np.random.default_rng(7)
    third = np.repeat([0, 1, 2], n // 3)
    share = rng.uniform(0.0, 0.2, n) + third * 0.3
    share[::11] = np.nan  # unknown: imputed, left out of the fit
    return pd.DataFrame(
        {
            "supplier_id": [f"S{i:03d}" for i in range(n)],
            "country": rng.choice(["BGD", "DEU", "IND", "TUR", "MYS"], n),
            "sector": rng.choice(["C14", "J", "A01", "F", "C26"], n),
            "migrant_worker_share": ["" if np.isnan(v) else f"{v:.3f}" for v in share],
            "agency_worker_share": [f"{v:.3f}" for v in rng.uniform(0, 0.6, n)],
            "audit_forced_labour_indicators": rng.choice(["0", "1", "2", "5", ""], n),
        }
    )


def test_fitted_normalisations_are_fitted_on_the_whole_input(client, model_dict):
    indicators = model_dict["indicators"]
    indicators["work_migrant"]["normalisation"] = "minmax"
    indicators["agency_workers"]["normalisation"] = "percentile"
    indicators["audit_findings"]["normalisation"] = "zscore"
    indicators["work_informality"]["normalisation"] = "minmax"
    frame = _synthetic()
    ddf = _partitioned(frame, 3)
    result = drd.score_with_issues(ddf, model_dict)
    expected = demandrisk.score(frame, model_dict)
    assert result.fitted == expected.fitted
    assert result.fitted["work_migrant"]["method"] == "minmax"
    assert_same_scores(result.scores.compute(), expected.scores)
    # Fitted on a partition alone, the bounds would differ: the broadcast matters.
    alone = demandrisk.score(frame.iloc[:30], model_dict).fitted
    assert alone["work_migrant"] != expected.fitted["work_migrant"]
    # Bounds given are used as they are, without a fitting pass.
    reused = drd.score(ddf, model_dict, fitted=expected.fitted, chain=False)
    assert_same_scores(reused.compute(), expected.scores[list(reused.columns)])


def test_whole_file_issues_and_header_issues_match_in_memory(client):
    frame = _synthetic(12).assign(
        buyer_id=["", "S000", "S001", "X", "null", "", "S005", "", "", "S008", "", ""],
        risk_score=[str(i) for i in range(12)],  # a column-clash
    )
    frame.loc[2, "country"] = "Atlantis"
    frame.loc[11, "supplier_id"] = "S000"  # duplicate across partitions
    frame["migrant_worker_share"] = ["45", "", "30%", "12", "0", "7"] * 2
    result = drd.score_with_issues(_partitioned(frame, 3))
    scores, issues = dask.compute(result.scores, result.issues)
    expected = demandrisk.score(frame)
    assert_same_scores(scores, expected.scores)
    assert "demandrisk_risk_score" in scores.columns
    # Same rows, order and texts (in memory the text dtype varies: str or object).
    assert list(issues.columns) == list(expected.issues.columns)
    assert issues.values.tolist() == expected.issues.values.tolist()
    codes = set(issues["code"])
    assert {"duplicate-id", "unknown-buyer", "unknown-country"} <= codes
    assert {"column-clash", "converted-percentage"} <= codes


def test_bad_inputs_are_refused_clearly(example_frame):
    with pytest.raises(InputDataError, match="expected a Dask DataFrame; got a pandas"):
        drd.score(example_frame)
    no_id = _partitioned(example_frame.drop(columns=["supplier_id"]), 2)
    with pytest.raises(InputDataError, match="needs a supplier id column"):
        drd.score(no_id)
    no_sector = _partitioned(example_frame.drop(columns=["sector"]), 2)
    with pytest.raises(InputDataError, match=r"found no column for \['sector'\]"):
        drd.score(no_sector)


@pytest.fixture
def three_files(tmp_path, example_frame) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    frame = example_frame.copy()
    frame.loc[150, "country"] = "Atlantis"  # an issue in the second file
    for i, rows in enumerate([slice(0, 100), slice(100, 180), slice(180, None)]):
        frame.iloc[rows].to_csv(folder / f"suppliers-{i}.csv", index=False)
    return folder


def _invoke(*args: str | Path):
    """The CLI in this process (a subprocess pays for imports: seconds each)."""
    done = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in done.output + done.stderr
    assert done.exception is None or isinstance(done.exception, SystemExit)
    return done


def test_cli_dask_engine_writes_the_in_memory_scores(
    client, three_files, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a relative glob; the workers get absolute paths
    out = tmp_path / "out"
    address = client.scheduler.address
    done = _invoke(
        "score", "--engine", "dask", "--scheduler", address, "in/*.csv", "-o", "out"
    )
    assert done.exit_code == 0, done.stderr
    files = sorted(three_files.glob("*.csv"))
    assert "from 3 file(s) with model demandrisk-v2" in done.output
    assert sorted(p.name for p in out.iterdir()) == [
        "_issues.parquet",
        "part.0.parquet",
        "part.1.parquet",
        "part.2.parquet",
    ]
    # Nothing left beside it: the temporary folder was renamed into place.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    whole = pd.concat([demandrisk.read_suppliers(f) for f in files], ignore_index=True)
    expected = demandrisk.score(whole)
    written = pd.read_parquet(out)  # skips _issues.parquet, as Parquet readers do
    assert_same_scores(written, expected.scores)
    issues = pd.read_parquet(out / "_issues.parquet")
    assert issues.drop(columns="file").values.tolist() == (
        expected.issues.values.tolist()
    )
    assert issues[["row", "code", "file"]].values.tolist() == [
        [152, "unknown-country", str(files[1])]
    ]
    assert "1 data issue(s): unknown-country 1." in done.stderr


def test_cli_dask_engine_refuses_to_overwrite(client, three_files, tmp_path):
    for path in three_files.glob("*.csv"):  # Parquet inputs: read as text too
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.astype(object).to_parquet(path.with_suffix(".parquet"))
        path.unlink()
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier")
    address = client.scheduler.address
    args = ["score", "--engine", "dask", "--scheduler", address, three_files, "-o", out]
    done = _invoke(*args)
    assert done.exit_code == 2
    assert "exists and is not empty" in done.stderr and "--force" in done.stderr
    assert (out / "keep.txt").read_text() == "earlier"
    done = _invoke(*args, "--force")
    assert done.exit_code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir())[:2] == [
        "_issues.parquet",
        "part.0.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    done = _invoke(*args[:-1], three_files, "--force")
    assert done.exit_code == 2
    assert "over the input" in done.stderr
    assert len(list(three_files.glob("*.parquet"))) == 3


def test_cli_dask_engine_errors(tmp_path, three_files):
    done = _invoke(
        "score", "--engine", "dask", tmp_path / "none" / "*.csv", "-o", "out"
    )
    assert done.exit_code == 1
    assert "error: expected CSV or Parquet files; nothing matches" in done.stderr
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        done = _invoke(
            "score",
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:1",
            three_files,
            "-o",
            tmp_path / "out",
        )
    assert done.exit_code == 2
    assert "error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'" in (
        done.stderr
    )
    assert not (tmp_path / "out").exists()
    done = _invoke("score", "--engine", "dask", three_files)
    assert done.exit_code == 2
    assert "give -o OUTPUT_DIR" in done.stderr
    done = _invoke("score", "--engine", "dask", three_files, "--chunksize", "5")
    assert done.exit_code == 2
    assert "--chunksize cannot be combined with --engine dask" in done.stderr
    done = _invoke("score", "--scheduler", "tcp://x:1", three_files)
    assert done.exit_code == 2
    assert "--scheduler needs --engine dask" in done.stderr


def test_cli_without_dask_prints_the_install_hint(monkeypatch, three_files):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    done = _invoke("score", "--engine", "dask", three_files, "-o", "out")
    assert done.exit_code == 2
    assert "pip install 'demandrisk[dask]'" in done.stderr
