"""The built wheel works on its own: installed into a fresh venv, run outside the repo.

Slow (builds a wheel, creates a venv, pip-installs dependencies, possibly from
PyPI); marked ``slow`` but run by default. Deselect with ``-m "not slow"``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )
    assert done.returncode == 0, (
        f"{args}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """Build the wheel into tmp, install it into a fresh venv; return the venv's bin."""
    pytest.importorskip("build")
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist], cwd=repo_root)
    wheels = list(dist.glob("demandrisk-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    _run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            wheels[0],
        ],
        cwd=base,
    )
    return bin_dir


def test_console_script_scores_from_outside_the_repo(
    installed: Path, repo_root: Path, example_path: Path, tmp_path: Path
):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert repo_root not in outside.parents
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    done = _run(
        [installed / "demandrisk", "score", example_path, "-o", "out.csv"],
        cwd=outside,
        env=env,
    )
    rows = len(pd.read_csv(example_path, dtype=str))
    assert f"Scored {rows} suppliers" in done.stdout
    written = pd.read_csv(outside / "out.csv", dtype=str, keep_default_na=False)
    assert len(written) == rows
    assert written["risk_band"].isin(["low", "medium", "high", "severe"]).all()


def test_wheel_carries_its_own_data(installed: Path, repo_root: Path, tmp_path: Path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    code = (
        "import demandrisk, sysconfig; from demandrisk._paths import data_dir; "
        "print(data_dir()); print(sysconfig.get_paths()['purelib']); "
        "print(demandrisk.__file__)"
    )
    done = _run([installed / "python", "-c", code], cwd=tmp_path, env=env)
    data, site, module = (Path(line) for line in done.stdout.splitlines())
    assert site in data.parents, (data, site)
    assert site in module.parents, (
        "demandrisk imported from the checkout, not the wheel"
    )
    assert repo_root not in data.parents
    for table in (
        "sectors.csv",
        "countries.csv",
        "goods.csv",
        "isic4.csv",
        "sources.csv",
    ):
        assert (data / table).is_file(), table
    assert (module.parent / "default_model.toml").is_file()
