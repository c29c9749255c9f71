"""Run folders: one reproducible, self-describing folder per scoring run.

A run folder holds::

    scores.csv         the scored table (byte-identical when rerun)
    issues.csv         the data issues
    explanations.csv   supplier x indicator: raw value, basis, source, weight...
    config.toml        the model used (loads back to the same config)
    reference/         a copy of the reference tables the scores rest on
    manifest.json      versions, SHA-256 of every input, counts, command, timing
    report.html        the report (see :mod:`demandrisk.report`)
    report.xlsx

The folder is written under a temporary sibling name and renamed when
complete, so a failed run never leaves a folder that looks complete, and an
existing run is never replaced without ``force=True``. Start time and duration
are the only non-deterministic values and live only in ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._paths import data_dir
from .config import ModelConfig, config_from_mapping, config_sha256
from .errors import InputDataError, OutputError
from .io import usual_permissions, write_table
from .reference import REQUIRED_COLUMNS, ReferenceData, load_reference
from .result import ScoreResult
from .safety import FORMULA_PREFIXES
from .scoring import output_columns

__all__ = [
    "MANIFEST_FORMAT",
    "REQUIRED_FILES",
    "Run",
    "VerifyReport",
    "config_to_toml",
    "load_run",
    "start_run",
    "verify_run",
    "write_run",
]

MANIFEST_FORMAT = "demandrisk-run/1"
# A folder missing any of these is not a run (diff and report refuse it).
REQUIRED_FILES = ("manifest.json", "scores.csv", "issues.csv", "config.toml")
READING_OPTIONS = frozenset({"mapping", "encoding", "sheet", "decimal"})
NUMERIC_PREFIXES = ("contrib_", "delta_")
NUMERIC_COLUMNS = ("risk_score", "coverage", "chain_score", "hidden_upstream_score")
# Columns the tier engine adds when it runs (present in some versions only).
TIER_COLUMNS = frozenset(
    {
        "supply_tier",
        "chain_score",
        "chain_band",
        "chain_source_id",
        "chain_source_tier",
        "chain_path",
        "chain_explanation",
        "hidden_upstream_score",
    }
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "0+unknown"


def config_to_toml(config: ModelConfig) -> str:
    """Serialise a config back to TOML that loads to the same config.

    Examples
    --------
    >>> from demandrisk.config import load_config, config_sha256
    >>> import tomllib
    >>> config = load_config()
    >>> again = load_config(tomllib.loads(config_to_toml(config)))
    >>> config_sha256(again) == config_sha256(config)
    True
    """
    import tomli_w

    data = config.model_dump(mode="json", exclude_none=True)
    header = (
        f"# demandrisk model {config.name} {config.version}, written by demandrisk "
        f"{_version('demandrisk')}\n# sha256 {config_sha256(config)}\n\n"
    )
    return header + tomli_w.dumps(data)


def start_run(run_dir: str | Path, force: bool = False) -> float:
    """Check that ``run_dir`` may be written and return the start time.

    Called before scoring so that a run that would be refused fails at once.
    """
    target = Path(run_dir)
    if target.exists() and not force:
        raise OutputError(
            f"Run folder {target} already exists; choose another folder or pass "
            "--force to replace it"
        )
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} exists and is not a folder")
    parent = target.absolute().parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent} exists and is not a folder")
    return time.time()


def _reference_tables(reference: ReferenceData) -> dict[str, str]:
    """SHA-256 of every bundled table: the five scoring reads, and the others
    (concordances, aliases, upstream links) that resolve codes and chains."""
    tables = dict(reference.fingerprints)
    folder = data_dir()
    for path in sorted(folder.glob("*.csv")):
        tables.setdefault(path.name, _sha256(path))
    return dict(sorted(tables.items()))


def _band_counts(scores: pd.DataFrame, column: str = "risk_band") -> dict[str, int]:
    counts = scores[column].astype(str).value_counts()
    order = ["low", "medium", "high", "severe"]
    out = {band: int(counts.get(band, 0)) for band in order}
    unscored = int(len(scores) - sum(out.values()))
    if unscored:
        out["unscored"] = unscored
    return out


def write_run(
    result: ScoreResult,
    run_dir: str | Path,
    *,
    input_path: str | Path | None = None,
    force: bool = False,
    previous: str | Path | None = None,
    options: dict[str, Any] | None = None,
    command: list[str] | None = None,
    started: float | None = None,
    reports: bool = True,
) -> Path:
    """Write a complete run folder for ``result`` and return its path.

    Parameters
    ----------
    result : ScoreResult
    run_dir : folder to create (must not exist unless ``force``).
    input_path : the supplier file scored (default ``result.origin``); its
        path and SHA-256 go into the manifest so the run can be verified.
    force : replace an existing run folder.
    previous : an earlier run folder; the reports then show the movers.
    options : reading options passed to ``score`` (recorded for ``verify``).
    command : the command line (default ``sys.argv``).
    started : start time (``time.time()``) from :func:`start_run`.
    reports : also render ``report.html`` and ``report.xlsx``.
    """
    started = time.time() if started is None else started
    start_run(run_dir, force)
    target = Path(run_dir).absolute()
    origin = input_path if input_path is not None else result.origin
    source = None if origin in (None, "<DataFrame>") else Path(origin)
    # runs/2026-Q3 with no runs/ yet: quarterly folders start somewhere.
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent)
    )
    try:
        protect = [source] if source is not None else []
        write_table(result.scores, partial / "scores.csv", protect=protect)
        write_table(result.issues, partial / "issues.csv")
        write_table(result.explanations_long(), partial / "explanations.csv")
        (partial / "config.toml").write_text(
            config_to_toml(result.config), encoding="utf-8"
        )
        copies = partial / "reference"
        copies.mkdir()
        for table in sorted(result.reference.folder.glob("*.csv")):
            shutil.copyfile(table, copies / table.name)
        manifest = _manifest(result, partial, source, options, command, previous)
        manifest["started"] = datetime.fromtimestamp(started, UTC).isoformat()
        manifest["duration_seconds"] = round(time.time() - started, 3)
        (partial / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if reports:
            from .report import render_report

            for fmt in ("html", "xlsx"):
                render_report(partial, previous=previous, format=fmt)
        # Stamp the duration again so it covers the reports too.
        manifest["duration_seconds"] = round(time.time() - started, 3)
        (partial / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        usual_permissions(partial)
        _swap_into_place(partial, target, force)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def _swap_into_place(partial: Path, target: Path, force: bool) -> None:
    if target.exists():
        if not force:  # appeared while we were scoring
            raise OutputError(f"Run folder {target} already exists; pass --force")
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "run")
        os.replace(partial, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(partial, target)


def _manifest(
    result: ScoreResult,
    folder: Path,
    source: Path | None,
    options: dict[str, Any] | None,
    command: list[str] | None,
    previous: str | Path | None,
) -> dict[str, Any]:
    config = result.config
    recorded_options = {
        k: [str(x) for x in v]
        if isinstance(v, list | tuple)
        else str(v.absolute())
        if isinstance(v, Path)
        else str(v)
        for k, v in sorted((options or {}).items())
        if v is not None
    }
    # Files given as options (column mapping, supply links) are inputs too.
    option_files = {
        k: _sha256(Path(v))
        for k, v in recorded_options.items()
        if isinstance(v, str) and Path(v).is_file()
    }
    return {
        "format": MANIFEST_FORMAT,
        "versions": {
            "demandrisk": _version("demandrisk"),
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "pyarrow": _version("pyarrow"),
        },
        "input": {
            "path": str(source.absolute()) if source is not None else None,
            "sha256": _sha256(source)
            if source is not None and source.is_file()
            else None,
            "options": recorded_options,
            "option_files_sha256": option_files,
        },
        "reference": {
            "folder": str(result.reference.folder),
            "tables": _reference_tables(result.reference),
        },
        "config": {
            "name": config.name,
            "version": config.version,
            "sha256": config_sha256(config),
            "model": config.model_dump(mode="json"),
        },
        "counts": {
            "rows": int(len(result.scores)),
            "issues": int(len(result.issues)),
            "bands": _band_counts(result.scores),
        },
        "files": {
            name: _sha256(folder / name)
            for name in ("scores.csv", "issues.csv", "explanations.csv", "config.toml")
        },
        "previous": str(Path(previous).absolute()) if previous else None,
        "command": list(sys.argv if command is None else command),
    }


# ------------------------------------------------------------------ reading runs


@dataclass(frozen=True, eq=False)
class Run:
    """A run folder read back: the manifest, the config and the tables."""

    path: Path
    manifest: dict[str, Any]
    config: ModelConfig
    scores: pd.DataFrame
    issues: pd.DataFrame
    explanations: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    def reference(self) -> ReferenceData | None:
        """The reference tables the run used: its copy, else the recorded folder
        when its fingerprints still match; ``None`` when neither is available."""
        recorded = self.manifest.get("reference", {}).get("tables", {})
        folders = [self.path / "reference", Path(self.manifest["reference"]["folder"])]
        for folder in folders:
            if not all((folder / f"{n}.csv").is_file() for n in REQUIRED_COLUMNS):
                continue
            prints = {p.name: _sha256(p) for p in folder.glob("*.csv")}
            if all(prints.get(k) == v for k, v in recorded.items() if k in prints):
                return load_reference(folder)
        return None

    def input_frame(self) -> pd.DataFrame:
        """The supplier rows as scored, rebuilt from ``scores.csv``.

        ``scores.csv`` keeps the input's columns untouched except for the
        formula escape (a ``'`` before ``= + - @``), which is undone here.
        """
        ours = set(output_columns(self.config))
        kept = [
            c for c in self.scores.columns if c not in ours and not _is_ours(c, ours)
        ]
        frame = self.scores[kept].copy()
        for column in frame.columns:
            text = frame[column].astype(str)
            escaped = text.str.startswith("'") & text.str.slice(1, 2).isin(
                FORMULA_PREFIXES
            )
            if escaped.any():
                frame[column] = text.where(~escaped, text.str.slice(1))
        return frame


def _is_ours(column: str, ours: set[str]) -> bool:
    # A clash renames our column demandrisk_<name>; tier columns come and go.
    name = column[11:] if column.startswith("demandrisk_") else column
    return name in ours or name in TIER_COLUMNS


def read_scores(path: Path) -> pd.DataFrame:
    """Read a ``scores.csv``: text as written, demandrisk's numbers as floats."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for column in frame.columns:
        if column in NUMERIC_COLUMNS or column.startswith(NUMERIC_PREFIXES):
            frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    return frame


def load_run(run_dir: str | Path) -> Run:
    """Read a run folder; raise :class:`InputDataError` when it is incomplete."""
    path = Path(run_dir)
    if not path.is_dir():
        raise InputDataError(f"Run folder not found: {path}")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise InputDataError(
            f"{path} is not a complete run folder: missing {', '.join(missing)} "
            f"(a run folder has {', '.join(REQUIRED_FILES)}; write one with "
            "`demandrisk score INPUT --run-dir DIR`)"
        )
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputDataError(f"{path / 'manifest.json'}: unreadable: {error}") from None
    if manifest.get("format") != MANIFEST_FORMAT:
        raise InputDataError(
            f"{path / 'manifest.json'}: expected format {MANIFEST_FORMAT!r}, "
            f"got {manifest.get('format')!r}"
        )
    import tomllib

    config = config_from_mapping(
        tomllib.loads((path / "config.toml").read_text(encoding="utf-8")),
        origin=str(path / "config.toml"),
    )
    explanations = None
    if (path / "explanations.csv").is_file():
        explanations = pd.read_csv(
            path / "explanations.csv",
            keep_default_na=False,
            na_values=[""],
            dtype={"supplier_id": str},
        )
    issues = pd.read_csv(path / "issues.csv", dtype=str, keep_default_na=False)
    return Run(
        path=path,
        manifest=manifest,
        config=config,
        scores=read_scores(path / "scores.csv"),
        issues=issues,
        explanations=explanations,
    )


# ---------------------------------------------------------------------- verify


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of rerunning a run from its manifest.

    ``identical`` is True when the rerun's ``scores.csv`` is byte-identical to
    the recorded one. ``mismatches`` lists suppliers whose score or band differ;
    ``notes`` says what else differs (versions, input, reference tables).
    """

    run: Path
    input: Path
    identical: bool
    rows: int
    mismatches: pd.DataFrame
    notes: list[str]

    def __str__(self) -> str:
        head = f"{self.run}: {self.rows} scores rerun from {self.input}: " + (
            "IDENTICAL (scores.csv byte for byte)" if self.identical else "DIFFERENT"
        )
        lines = [head, *(f"  note: {n}" for n in self.notes)]
        if len(self.mismatches):
            shown = self.mismatches.head(10).to_string(index=False)
            lines.append(f"  {len(self.mismatches)} supplier(s) differ:\n{shown}")
            if len(self.mismatches) > 10:
                lines.append(f"  ... and {len(self.mismatches) - 10} more")
        return "\n".join(lines)


def verify_run(
    run_dir: str | Path, input_path: str | Path | None = None
) -> VerifyReport:
    """Rerun a run from its manifest and compare the scores byte for byte.

    Uses the recorded config (``config.toml``), the run's copy of the reference
    tables and the recorded input path (or ``input_path``).
    """
    from .scoring import score

    run = load_run(run_dir)
    manifest = run.manifest
    notes: list[str] = []
    recorded = manifest["input"]
    source = Path(input_path) if input_path is not None else None
    if source is None:
        if not recorded.get("path"):
            raise InputDataError(
                f"{run.path}: the manifest records no input file; give --input PATH"
            )
        source = Path(recorded["path"])
    if not source.is_file():
        raise InputDataError(
            f"Input {source} recorded in {run.path / 'manifest.json'} not found; "
            "give --input PATH"
        )
    if recorded.get("sha256") and _sha256(source) != recorded["sha256"]:
        notes.append(f"input {source} differs from the file scored (SHA-256 changed)")
    ours = manifest["versions"]
    now = {
        "demandrisk": _version("demandrisk"),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }
    for package, value in now.items():
        if ours.get(package) != value:
            notes.append(f"{package} {ours.get(package)} at the run, {value} now")
    if config_sha256(run.config) != manifest["config"]["sha256"]:
        notes.append("config.toml does not match the manifest's config SHA-256")
    reference = run.reference()
    if reference is None:
        notes.append(
            "the run's reference tables are unavailable: using the bundled ones"
        )
        reference = load_reference()
    bundled = _reference_tables(load_reference())
    changed = sorted(
        k for k, v in manifest["reference"]["tables"].items() if bundled.get(k) != v
    )
    if changed:
        notes.append(f"bundled tables changed since the run: {', '.join(changed)}")
    options = scoring_options(recorded.get("options") or {}, notes)
    result = score(source, run.config, reference=reference, **options)
    with tempfile.TemporaryDirectory() as scratch:
        again = write_table(result.scores, Path(scratch) / "scores.csv")
        identical = again.read_bytes() == (run.path / "scores.csv").read_bytes()
        rerun = read_scores(again)
    mismatches = _mismatches(run.scores, rerun)
    if not identical and mismatches.empty:
        notes.append("every score and band matches; other columns differ")
    return VerifyReport(
        run=run.path,
        input=source,
        identical=identical,
        rows=len(rerun),
        mismatches=mismatches,
        notes=notes,
    )


def scoring_options(
    recorded: dict[str, Any], notes: list[str], *, reading: bool = True
) -> dict[str, Any]:
    """The recorded options that the installed ``score`` accepts.

    ``reading=False`` drops the options about reading a file (a frame rebuilt
    from ``scores.csv`` is already read).
    """
    import inspect

    from .scoring import score

    accepted = inspect.signature(score).parameters
    options = {}
    for key, value in recorded.items():
        if not reading and key in READING_OPTIONS:
            continue
        if key in accepted:
            options[key] = value
        else:
            notes.append(f"option {key}={value!r} is not accepted by this version")
    return options


def _mismatches(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    columns = ["supplier_id", "risk_score", "risk_band"]
    joined = old[columns].merge(
        new[columns], on="supplier_id", how="outer", suffixes=("_run", "_rerun")
    )
    a, b = joined["risk_score_run"], joined["risk_score_rerun"]
    differ = ~((a == b) | (a.isna() & b.isna())) | (
        joined["risk_band_run"].fillna("") != joined["risk_band_rerun"].fillna("")
    )
    return joined[differ].reset_index(drop=True)
