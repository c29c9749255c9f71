"""Validate a supplier table without scoring it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .chain import graph_issues
from .config import load_config
from .errors import ValidationError
from .issue_codes import is_failure
from .mapping import ColumnMapping
from .readers import prepare_input
from .reference import ReferenceData, load_reference
from .schema import merge_issues, prepare_suppliers
from .scoring import output_columns

__all__ = ["ValidationReport", "validate"]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validation: ``valid``, row count and the issues table.

    ``valid`` is False when an issue has severity ``error``; warnings and
    notes (``derived-id``, ``skipped-rows``...) are listed but do not fail.

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     {"supplier_id": ["A"], "country": ["BGD"], "sector": ["C14"]}
    ... )
    >>> validate(frame).to_dict()
    {'valid': True, 'rows': 1, 'issues': []}
    """

    valid: bool
    rows: int
    issues: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"valid", "rows", "issues": [records]}`` (JSON-ready)."""
        records = [
            {
                key: (int(v) if isinstance(v, np.integer) else v)
                for key, v in record.items()
            }
            for record in self.issues.to_dict(orient="records")
        ]
        return {"valid": self.valid, "rows": self.rows, "issues": records}

    def to_json(self) -> str:
        """Return :meth:`to_dict` as JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def raise_for_errors(self) -> None:
        """Raise :class:`ValidationError` carrying the issues if any is an error."""
        if not self.valid:
            errors = self.issues[is_failure(self.issues)]
            first = errors.iloc[0]
            raise ValidationError(
                f"{len(errors)} error(s) among {len(self.issues)} issue(s); first: "
                f"row {first['row']}, column {first['column']}: {first['message']}",
                self.issues,
            )


def validate(
    suppliers: pd.DataFrame | str | Path,
    *,
    reference: ReferenceData | None = None,
    mapping: ColumnMapping | dict[str, Any] | str | Path | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    decimal: str | None = None,
) -> ValidationReport:
    """Check a supplier table and return every issue found.

    The same reading, mapping and checks as :func:`demandrisk.score`, so a file
    that validates clean scores without issues.

    Parameters
    ----------
    suppliers : DataFrame or path
    reference : ReferenceData, optional
    mapping, encoding, sheet, decimal : optional
        As for :func:`demandrisk.score`.
    """
    reference = reference or load_reference()
    frame, _, read_issues, report = prepare_input(
        suppliers, mapping, encoding, sheet, decimal
    )
    reserved = tuple(output_columns(load_config()))
    prepared = prepare_suppliers(frame, reference, report.origin, reserved=reserved)
    found = merge_issues(prepared.issues, graph_issues(prepared))
    issues = merge_issues(read_issues, report.locate(found))
    # Notes and warnings say how the file was read; only errors fail it.
    valid = not bool(is_failure(issues).any())
    return ValidationReport(valid=valid, rows=len(frame), issues=issues)
