"""Supplier columns, reading, validation and the issues table.

Validation never stops at the first problem and never drops a row: it returns
every problem as one row of the issues table ``[row, column, code, value,
message]`` and the parsed values with the bad cells left blank, so each
supplier is still scored on what is known.

``row`` is the 1-based line of the file with the header on line 1, so the
first supplier is row 2 (for a DataFrame, its position + 2, as if written to
CSV with a header).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .codes import BLANKS, Resolution, resolve_countries, resolve_sectors
from .errors import InputDataError
from .reference import ReferenceData

__all__ = [
    "ISSUE_CODES",
    "ISSUE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "PreparedSuppliers",
    "prepare_suppliers",
    "read_suppliers",
]

REQUIRED_COLUMNS = ("supplier_id", "country", "sector")
# column -> kind; the kind decides how a cell is parsed and checked.
OPTIONAL_COLUMNS: dict[str, str] = {
    "name": "text",
    "buyer_id": "text",
    "tier": "tier",
    "spend": "amount",
    "workers": "count",
    "good": "text",
    "migrant_worker_share": "share",
    "agency_worker_share": "share",
    "uses_recruiter": "flag",
    "audit_forced_labour_indicators": "count",
}
ISSUE_COLUMNS = ["row", "column", "code", "value", "message"]
ISSUE_CODES = (
    "missing-column",
    "missing-value",
    "duplicate-id",
    "unknown-sector",
    "ambiguous-sector",
    "unknown-country",
    "unknown-buyer",
    "type-error",
    "out-of-range",
    "column-clash",
)
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})
_EXPECTED = {
    "share": "a share between 0 and 1",
    "count": "a whole number of at least 0",
    "amount": "a number of at least 0",
    "tier": "a whole number of at least 1",
    "flag": "yes or no",
    "number": "a number",
}


@dataclass(frozen=True)
class PreparedSuppliers:
    """Supplier data after validation.

    Attributes
    ----------
    frame : the input as read, untouched.
    values : parsed numeric values per optional numeric column (NaN = unknown).
    sector, country : resolutions of the sector and country columns.
    issues : the issues table.
    origin : where the data came from (a path or ``"<DataFrame>"``).
    """

    frame: pd.DataFrame
    values: dict[str, pd.Series]
    sector: Resolution
    country: Resolution
    issues: pd.DataFrame
    origin: str


def read_suppliers(path: str | Path) -> pd.DataFrame:
    """Read a supplier file (CSV, Excel or Parquet) with every cell as text.

    Reading as text keeps ids such as ``007`` and codes such as ``0111`` intact.

    Examples
    --------
    >>> from demandrisk._paths import data_dir
    >>> frame = read_suppliers(data_dir() / "examples" / "suppliers.csv")
    >>> {"supplier_id", "country", "sector"} <= set(frame.columns)
    True
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"Supplier file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path).astype("string").fillna("").astype(object)
        else:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
    except ImportError as error:
        raise InputDataError(
            f"Reading {path.name} needs an optional package: {error}. "
            "Install it (pip install openpyxl / pyarrow) or save the file as CSV."
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as error:
        raise InputDataError(
            f"{path}: cannot be read as {suffix or 'CSV'}: {error}"
        ) from None
    return frame


def _issues_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS}).astype(
            {"row": "int64"}
        )
    issues = pd.concat(parts, ignore_index=True)[ISSUE_COLUMNS]
    issues["row"] = issues["row"].astype("int64")
    # Stable order: by row, then column order of the file, then code.
    return issues.sort_values(["row", "column", "code"], kind="stable").reset_index(
        drop=True
    )


def _cell_issues(
    mask: np.ndarray, text: pd.Series, column: str, code: str, message: str | pd.Series
) -> pd.DataFrame:
    positions = np.flatnonzero(mask)
    if positions.size == 0:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    messages = message[mask].to_numpy() if isinstance(message, pd.Series) else message
    return pd.DataFrame(
        {
            "row": positions + 2,
            "column": column,
            "code": code,
            "value": text.to_numpy()[positions],
            "message": messages,
        }
    )


def _as_text(column: pd.Series) -> pd.Series:
    text = column.astype("string").fillna("").str.strip()
    return text.astype(object)


def _parse_column(
    text: pd.Series, column: str, kind: str
) -> tuple[pd.Series, list[pd.DataFrame]]:
    blank = text.str.casefold().isin(BLANKS).to_numpy()
    if kind == "flag":
        folded = text.str.casefold()
        values = pd.Series(
            np.where(
                folded.isin(_TRUE), 1.0, np.where(folded.isin(_FALSE), 0.0, np.nan)
            ),
            index=text.index,
        )
    else:
        values = pd.to_numeric(text.where(~blank), errors="coerce").astype("float64")
    bad_type = np.isnan(values.to_numpy()) & ~blank
    if kind in {"count", "tier"}:
        whole = np.isnan(values.to_numpy()) | (values.to_numpy() % 1 == 0)
        bad_type |= ~whole
    expected = _EXPECTED[kind]
    issues = [
        _cell_issues(
            bad_type,
            text,
            column,
            "type-error",
            f"expected {expected} in column {column}; the cell is not read as that",
        )
    ]
    values = values.mask(bad_type)
    array = values.to_numpy()
    low = {"share": 0.0, "count": 0.0, "amount": 0.0, "tier": 1.0, "flag": 0.0}
    out_of_range = ~np.isnan(array) & (
        (array < low.get(kind, -np.inf)) | ((kind == "share") & (array > 1.0))
    )
    hint = ""
    if kind == "share":
        hint = " (a percentage such as 45 must be written 0.45)"
    issues.append(
        _cell_issues(
            out_of_range,
            text,
            column,
            "out-of-range",
            f"expected {expected}{hint}; the value is left out of the score",
        )
    )
    return values.mask(out_of_range), issues


def prepare_suppliers(
    frame: pd.DataFrame,
    reference: ReferenceData,
    origin: str = "<DataFrame>",
    extra_numeric: tuple[str, ...] = (),
) -> PreparedSuppliers:
    """Validate a supplier frame and resolve its codes.

    Raises :class:`InputDataError` only when a required column is missing (the
    data cannot be scored at all); every other problem becomes an issue.
    ``extra_numeric`` names further columns a custom model reads as numbers.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> frame = pd.DataFrame({"supplier_id": ["A", "A"], "country": ["BGD", "Atlantis"],
    ...                       "sector": ["C14", "C14"]})
    >>> prepared = prepare_suppliers(frame, load_reference())
    >>> prepared.issues[["row", "column", "code"]].values.tolist()
    [[3, 'country', 'unknown-country'], [3, 'supplier_id', 'duplicate-id']]
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{origin}: expected columns {list(REQUIRED_COLUMNS)}; missing {missing} "
            f"(found {list(frame.columns)[:12]})"
        )
    frame = frame.reset_index(drop=True)
    issues: list[pd.DataFrame] = []
    extra = {
        c: "number" for c in extra_numeric if c in frame and c not in OPTIONAL_COLUMNS
    }
    kinds = {**OPTIONAL_COLUMNS, **extra}
    texts = {
        c: _as_text(frame[c]) for c in frame.columns if c in {*REQUIRED_COLUMNS, *kinds}
    }
    for column in REQUIRED_COLUMNS:
        blank = texts[column].str.casefold().isin(BLANKS).to_numpy()
        issues.append(
            _cell_issues(
                blank,
                texts[column],
                column,
                "missing-value",
                f"expected a value in required column {column}; the cell is blank",
            )
        )
    ids = texts["supplier_id"]
    present = ids != ""
    dupes = ids.duplicated(keep="first") & present
    first_row = ids.map(
        pd.Series(np.arange(len(ids)) + 2, index=ids).groupby(level=0).min()
    )
    issues.append(
        _cell_issues(
            dupes.to_numpy(),
            ids,
            "supplier_id",
            "duplicate-id",
            "supplier_id also used on row "
            + first_row.astype(str)
            + "; both rows are kept",
        )
    )
    sector = resolve_sectors(texts["sector"], reference)
    country = resolve_countries(texts["country"], reference)
    for column, resolution in (("sector", sector), ("country", country)):
        for label, (code, message) in resolution.problems.items():
            mask = (texts[column] == label).to_numpy()
            issues.append(_cell_issues(mask, texts[column], column, code, message))
    values: dict[str, pd.Series] = {}
    for column, kind in kinds.items():
        if column not in texts or kind == "text":
            continue
        values[column], column_issues = _parse_column(texts[column], column, kind)
        issues.extend(column_issues)
    if "buyer_id" in texts:
        buyers = texts["buyer_id"]
        orphan = (
            ~buyers.str.casefold().isin(BLANKS) & ~buyers.isin(set(ids))
        ).to_numpy()
        issues.append(
            _cell_issues(
                orphan,
                buyers,
                "buyer_id",
                "unknown-buyer",
                "expected the supplier_id of a supplier in this file, or blank "
                "for the company itself; no supplier has this id",
            )
        )
    text_values = {c: texts[c] for c in ("good",) if c in texts}
    values.update(text_values)
    return PreparedSuppliers(
        frame=frame,
        values=values,
        sector=sector,
        country=country,
        issues=_issues_frame(issues),
        origin=origin,
    )
