"""Exceptions raised by demandrisk.

Every exception the library raises on purpose derives from
:class:`DemandRiskError`, which is also a :class:`ValueError`, so callers can
catch either::

    ValueError
    └── DemandRiskError
        ├── ConfigError          the model config is invalid
        ├── InputDataError       a supplier file cannot be read or lacks columns
        │   └── ValidationError  the supplier data failed validation (carries issues)
        ├── ReferenceDataError   a bundled table is missing or malformed
        └── OutputError          an output cannot be written where asked
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "ConfigError",
    "DemandRiskError",
    "InputDataError",
    "OutputError",
    "ReferenceDataError",
    "ValidationError",
]


class DemandRiskError(ValueError):
    """Base class of every error demandrisk raises on purpose."""


class ConfigError(DemandRiskError):
    """The model config is invalid: names the key, what is allowed and what arrived."""


class InputDataError(DemandRiskError):
    """A supplier file cannot be read, or lacks what scoring needs."""


class ValidationError(InputDataError):
    """Supplier data failed validation.

    Parameters
    ----------
    message : str
        Summary of the failure.
    issues : pandas.DataFrame
        The issues table ``[row, column, code, value, message]``.
    """

    def __init__(self, message: str, issues: pd.DataFrame) -> None:
        super().__init__(message)
        self.issues = issues


class ReferenceDataError(DemandRiskError):
    """A bundled reference table is missing or malformed."""


class OutputError(DemandRiskError):
    """An output cannot be written where it was asked for."""
