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
from typing import Any

import numpy as np
import pandas as pd

from .codes import BLANKS, Resolution, resolve_sectors
from .countries import resolve_countries
from .errors import InputDataError
from .goods import resolve_goods
from .idchecks import id_issues
from .identity import FOOTNOTE
from .issue_codes import ISSUE_CODES, severity_of
from .reference import ReferenceData
from .textcolumn import TextColumn

__all__ = [
    "ISSUE_CODES",
    "ISSUE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "PreparedSuppliers",
    "id_issues",
    "merge_issues",
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
# ``severity`` (error / warning / note) follows from the code: see
# :mod:`demandrisk.issue_codes`, which lists every code.
ISSUE_COLUMNS = ["row", "column", "code", "value", "message", "severity"]
NOT_A_SUPPLIER = (
    "Not scored: this line of the file holds no supplier (a footnote, a total or a "
    "blank line: no country, no sector); it is kept as it is."
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
    values : parsed numeric values per numeric column (NaN = unknown).
    texts : the text columns demandrisk reads (``good``, ``supplier_id``...).
    sector, country : resolutions of the sector and country columns.
    issues : the issues table.
    origin : where the data came from (a path or ``"<DataFrame>"``).
    good : resolution of the good column to DOL goods (None without one).
    footnote : True on rows that are no supplier (kept, not scored).
    """

    frame: pd.DataFrame
    values: dict[str, np.ndarray]
    texts: dict[str, TextColumn]
    sector: Resolution
    country: Resolution
    issues: pd.DataFrame
    origin: str
    good: Resolution | None = None
    footnote: np.ndarray | None = None

    @property
    def scored_rows(self) -> np.ndarray:
        """True on the rows that are scored (every row but footnotes)."""
        if self.footnote is None:
            return np.ones(len(self.frame), dtype=bool)
        return ~self.footnote

    def unscored_sentences(self, sentences: Any) -> Any:
        """The explanation sentences, with the reason on footnote rows."""
        if self.footnote is None or not self.footnote.any():
            return sentences
        if isinstance(sentences, pd.Categorical):  # keep the categorical
            if NOT_A_SUPPLIER not in sentences.categories:
                sentences = sentences.add_categories([NOT_A_SUPPLIER])
            else:
                sentences = sentences.copy()
            sentences[self.footnote] = NOT_A_SUPPLIER
            return sentences
        text = np.asarray(sentences, dtype=object).copy()
        text[self.footnote] = NOT_A_SUPPLIER
        return text

    def good_columns(self) -> dict[str, Any]:
        """``good_resolved``, ``good_match``, ``good_match_score`` per row.

        Text columns have pandas' text dtype even when every row is blank, so
        every engine (and every partition) gives them one type.
        """
        n = len(self.frame)
        text: Any = pd.Series(["text"]).dtype
        if self.good is None:
            codes = match = np.full(n, None, dtype=object)
            score = np.full(n, np.nan)
        else:
            codes, match, score = self.good.codes, self.good.match, self.good.score
        return {
            "good_resolved": pd.array(codes, dtype=text),
            "good_match": pd.array(match, dtype=text),
            "good_match_score": np.asarray(score, dtype=float),
        }


def read_suppliers(
    path: str | Path, *, encoding: str | None = None, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a supplier file (CSV, Excel or Parquet) with every cell as text.

    Reading as text keeps ids such as ``007`` and codes such as ``0111`` intact.
    Delimiter, encoding and header row are detected (see
    :func:`demandrisk.readers.read_table`, which also returns reading issues).

    Examples
    --------
    >>> from demandrisk._paths import data_dir
    >>> frame = read_suppliers(data_dir() / "examples" / "suppliers.csv")
    >>> {"supplier_id", "country", "sector"} <= set(frame.columns)
    True
    """
    from .readers import read_table  # readers imports this module

    return read_table(Path(path), encoding=encoding, sheet=sheet).frame


def _issues_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS}).astype(
            {"row": "int64"}
        )
    issues = pd.concat(parts, ignore_index=True)
    # The one place every issues table passes: severity follows the code, so
    # no producer can give a code two severities.
    issues["severity"] = severity_of(issues["code"])
    issues = issues[ISSUE_COLUMNS]
    issues["row"] = issues["row"].astype("int64")
    # Stable order: by row, then column name, then code.
    return issues.sort_values(["row", "column", "code"], kind="stable").reset_index(
        drop=True
    )


def merge_issues(*tables: pd.DataFrame | None) -> pd.DataFrame:
    """Concatenate issues tables in the one stable order (row, column, code)."""
    return _issues_frame([t for t in tables if t is not None])


def _cell_issues(
    mask: np.ndarray,
    column: TextColumn,
    name: str,
    code: str,
    message: str | np.ndarray,
) -> pd.DataFrame:
    """Issues for the rows where ``mask`` (aligned with rows) is true."""
    positions = np.flatnonzero(mask)
    if positions.size == 0:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    messages = message[positions] if isinstance(message, np.ndarray) else message
    return pd.DataFrame(
        {
            "row": positions + 2,
            "column": name,
            "code": code,
            "value": column.texts[column.index[positions]],
            "message": messages,
        }
    )


def _unique_issues(
    per_text: np.ndarray, column: TextColumn, name: str, code: str, message: str
) -> pd.DataFrame:
    """Issues for the rows whose distinct text is flagged in ``per_text``."""
    if not per_text.any():
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return _cell_issues(column.per_row(per_text), column, name, code, message)


def _parse_column(
    column: TextColumn, name: str, kind: str, decimal: str | None = None
) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """Parse each distinct text once; return per-row values and issues.

    Numbers are read as typed (``45%``, ``1,234.5``, ``0,45``; see
    :mod:`demandrisk.numbers`). A ``%`` is a percentage in a share column (one
    ``converted-percentage`` issue for the column) and a type error elsewhere;
    a text that reads as two numbers (``1,234``) is ``ambiguous-number``.
    """
    from .numbers import parse_numbers  # numbers imports codes, not schema

    folded = pd.Series(column.folded(), dtype=object)
    blank = folded.isin(BLANKS).to_numpy()
    ambiguous = np.zeros(len(column.texts), dtype=bool)
    percent = np.zeros(len(column.texts), dtype=bool)
    if kind == "flag":
        values = np.where(
            folded.isin(_TRUE), 1.0, np.where(folded.isin(_FALSE), 0.0, np.nan)
        )
    else:
        parsed = parse_numbers(column.texts, decimal)
        values, ambiguous, percent = parsed.values, parsed.ambiguous, parsed.percent
        if kind != "share":
            values = np.where(percent, np.nan, values)
            percent = np.zeros_like(percent)
    bad_type = np.isnan(values) & ~blank & ~ambiguous
    if kind in {"count", "tier"}:
        bad_type |= ~(np.isnan(values) | (values % 1 == 0))
    expected = _EXPECTED[kind]
    issues = [
        _unique_issues(
            bad_type,
            column,
            name,
            "type-error",
            f"expected {expected} in column {name}; the cell is not read as that",
        ),
        _unique_issues(
            ambiguous,
            column,
            name,
            "ambiguous-number",
            f"expected a number in column {name}; the comma could group thousands "
            "or mark decimals, so the cell is not read (give --decimal . or ,)",
        ),
    ]
    converted = int(column.per_row(percent).sum())
    if converted:
        example = column.texts[np.flatnonzero(percent)[0]]
        issues.append(
            pd.DataFrame(
                [
                    [
                        1,
                        name,
                        "converted-percentage",
                        example,
                        f"{converted} cell(s) of column {name} written as percentages "
                        f"(such as {example!r}) were divided by 100",
                    ]
                ],
                columns=ISSUE_COLUMNS[:5],
            )
        )
    values = np.where(bad_type, np.nan, values)
    low = {"share": 0.0, "count": 0.0, "amount": 0.0, "tier": 1.0, "flag": 0.0}
    out_of_range = ~np.isnan(values) & (
        (values < low.get(kind, -np.inf)) | ((kind == "share") & (values > 1.0))
    )
    hint = " (a percentage such as 45 must be written 0.45)" if kind == "share" else ""
    issues.append(
        _unique_issues(
            out_of_range,
            column,
            name,
            "out-of-range",
            f"expected {expected}{hint}; the value is left out of the score",
        )
    )
    return column.per_row(np.where(out_of_range, np.nan, values)), issues


def prepare_suppliers(
    frame: pd.DataFrame,
    reference: ReferenceData,
    origin: str = "<DataFrame>",
    extra_numeric: tuple[str, ...] = (),
    reserved: tuple[str, ...] = (),
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> PreparedSuppliers:
    """Validate a supplier frame and resolve its codes.

    Raises :class:`InputDataError` only when a required column is missing (the
    data cannot be scored at all); every other problem becomes an issue.
    ``extra_numeric`` names further columns a custom model reads as numbers;
    ``reserved`` the output columns scoring adds (an input column of the same
    name is a ``column-clash``: kept, and demandrisk's column is renamed).
    ``required`` the columns the model cannot do without; ``country`` and
    ``sector`` may be absent when the model reads no reference table (they
    are then unresolved for every row, without an issue).

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> frame = pd.DataFrame({"supplier_id": ["A", "A"], "country": ["BGD", "Atlantis"],
    ...                       "sector": ["C14", "C14"]})
    >>> prepared = prepare_suppliers(frame, load_reference())
    >>> prepared.issues[["row", "column", "code"]].values.tolist()
    [[3, 'country', 'unknown-country'], [3, 'supplier_id', 'duplicate-id']]
    """
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{origin}: expected columns {list(required)}; missing {missing} "
            f"(found {list(frame.columns)[:12]})"
        )
    frame = frame.reset_index(drop=True)
    absent = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    extra = {
        c: "number" for c in extra_numeric if c in frame and c not in OPTIONAL_COLUMNS
    }
    kinds = {**OPTIONAL_COLUMNS, **extra}
    texts = {
        c: TextColumn.from_series(frame[c])
        for c in frame.columns
        if c in {*REQUIRED_COLUMNS, *kinds}
    }
    for column in absent:  # not read by this model: blank for every row
        texts[column] = TextColumn(
            index=np.zeros(len(frame), dtype=np.int64),
            texts=np.array([""], dtype=object),
        )
    issues: list[pd.DataFrame] = []
    footnote = (
        frame[FOOTNOTE].to_numpy(dtype=bool)
        if FOOTNOTE in frame
        else np.zeros(len(frame), dtype=bool)
    )
    for column in required:
        blank = pd.Series(texts[column].folded(), dtype=object).isin(BLANKS)
        # A footnote line is reported as such, not as blank cells.
        issues.append(
            _cell_issues(
                texts[column].per_row(blank.to_numpy()) & ~footnote,
                texts[column],
                column,
                "missing-value",
                f"expected a value in required column {column}; the cell is blank",
            )
        )
    issues.append(id_issues(texts["supplier_id"], texts.get("buyer_id")))
    issues.append(
        pd.DataFrame(
            [
                {
                    "row": 1,
                    "column": name,
                    "code": "column-clash",
                    "value": name,
                    "message": f"the input already has a column {name!r}; it is kept "
                    f"as is and demandrisk's column is named 'demandrisk_{name}'",
                }
                for name in reserved
                if name in frame.columns
            ],
            columns=ISSUE_COLUMNS,
        )
    )
    sector = resolve_sectors(texts["sector"], reference)
    country = resolve_countries(texts["country"], reference)
    good = resolve_goods(texts["good"], reference) if "good" in texts else None
    resolved = [("sector", sector), ("country", country)]
    for column, resolution in [*resolved, *([("good", good)] if good else [])]:
        if column in absent:
            continue
        for position, (code, message) in resolution.problems.items():
            flagged = np.zeros(len(texts[column].texts), dtype=bool)
            flagged[position] = True
            issues.append(_unique_issues(flagged, texts[column], column, code, message))
    values: dict[str, np.ndarray] = {}
    for column, kind in kinds.items():
        if column not in texts or kind == "text":
            continue
        values[column], column_issues = _parse_column(texts[column], column, kind)
        issues.extend(column_issues)
    return PreparedSuppliers(
        frame=frame,
        values=values,
        texts=texts,
        sector=sector,
        country=country,
        issues=_issues_frame(issues),
        origin=origin,
        good=good,
        footnote=footnote,
    )
