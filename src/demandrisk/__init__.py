"""demandrisk: rate suppliers for exposure to trafficking and forced labour.

One entry point, :func:`score`, turns a supplier table into scores from 0 to
100, bands, per-indicator contributions that add up to the score, reason
codes and an explanation sentence per supplier.

Examples
--------
>>> import demandrisk
>>> from demandrisk._paths import data_dir
>>> result = demandrisk.score(data_dir() / "examples" / "suppliers.csv")
>>> sorted(result.band_counts().index)
['high', 'low', 'medium', 'severe']
"""

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from .audit import load_run, verify_run, write_run
from .calibrate import calibrate
from .config import ModelConfig, load_config
from .diff import diff_runs
from .errors import (
    ConfigError,
    DemandRiskError,
    InputDataError,
    OutputError,
    ReferenceDataError,
    ValidationError,
)
from .reference import ReferenceData, load_reference
from .report import render_report
from .result import ScoreResult
from .schema import read_suppliers
from .scoring import score
from .sensitivity import sensitivity
from .validation import ValidationReport, validate

# Imported on first use: the estimator pulls in scikit-learn (~1 s), which
# scoring from the command line never needs.
_LAZY = {"RiskScorer": "estimator"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


try:
    __version__ = _version("demandrisk")
except _PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "ConfigError",
    "DemandRiskError",
    "InputDataError",
    "ModelConfig",
    "OutputError",
    "ReferenceData",
    "ReferenceDataError",
    "RiskScorer",
    "ScoreResult",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "calibrate",
    "diff_runs",
    "load_config",
    "load_reference",
    "load_run",
    "read_suppliers",
    "render_report",
    "score",
    "sensitivity",
    "validate",
    "verify_run",
    "write_run",
]
