"""Shared fixtures: paths into the checkout, the default model as a dict, a CLI runner.

Nothing here writes into the repository; tests that need files use ``tmp_path``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import demandrisk
from demandrisk._paths import default_config_path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
EXAMPLE = DATA / "examples" / "suppliers.csv"
TEST_DATA = Path(__file__).resolve().parent / "data"
INVALID = TEST_DATA / "invalid.csv"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def data_root() -> Path:
    return DATA


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def invalid_path() -> Path:
    return INVALID


@pytest.fixture(scope="session")
def example_frame() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def example_result() -> demandrisk.ScoreResult:
    """The example scored once with the default model (read-only in tests)."""
    return demandrisk.score(EXAMPLE)


@pytest.fixture(scope="session")
def reference() -> demandrisk.ReferenceData:
    return demandrisk.load_reference()


@pytest.fixture(scope="session")
def default_toml() -> dict[str, Any]:
    """The shipped default model, parsed independently of demandrisk."""
    with default_config_path().open("rb") as stream:
        return tomllib.load(stream)


@pytest.fixture(scope="session")
def v1_toml() -> dict[str, Any]:
    """Model v1 (still shipped, ``load_config("v1")``), parsed independently."""
    with default_config_path().with_name("model_v1.toml").open("rb") as stream:
        return tomllib.load(stream)


@pytest.fixture
def model_dict(default_toml: dict[str, Any]) -> dict[str, Any]:
    """A fresh deep copy of the default model, for tests that change it."""
    import copy

    return copy.deepcopy(default_toml)


@pytest.fixture(scope="session")
def sectors_csv() -> pd.DataFrame:
    return pd.read_csv(DATA / "sectors.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def countries_csv() -> pd.DataFrame:
    return pd.read_csv(DATA / "countries.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def goods_csv() -> pd.DataFrame:
    return pd.read_csv(DATA / "goods.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def sources_csv() -> pd.DataFrame:
    return pd.read_csv(DATA / "sources.csv", dtype=str, keep_default_na=False)


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(tmp_path: Path) -> CliRunner:
    """Run ``python -m demandrisk.cli ARGS`` in a subprocess (cwd: tmp_path)."""

    def run(
        *args: str | Path, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "demandrisk.cli", *map(str, args)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=cwd or tmp_path,
            timeout=120,
        )

    return run
