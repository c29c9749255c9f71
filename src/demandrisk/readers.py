"""Read supplier files as they come, and prepare them for scoring.

:func:`read_table` (:mod:`demandrisk.tables`) reads CSV, Excel, HTML tables
saved as ``.xls`` and Parquet with every cell as text, and names the file's
physical lines. :func:`prepare_input` then maps columns and values
(:mod:`.mapping`), sets the mapping's constants, finds footnote lines and
derives ids where the file has none (:mod:`.identity`), reads numbers as
typed with one decision per column (:mod:`.numberplan`) and returns the frame
to score beside the untouched original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import BLANKS
from .errors import InputDataError
from .identity import FOOTNOTE, derived_ids, footnote_issues, footnote_rows
from .mapping import ColumnMapping
from .numberplan import (
    NUMERIC_KINDS,
    ColumnPlan,
    NumberPlan,
    apply_numbers,
    count_pairs,
    plan_issues,
    plan_numbers,
)
from .numbers import parse_numbers
from .schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .sheets import SheetLimits
from .tables import ReadResult, _issues, detect_encoding, read_table
from .textcolumn import TextColumn

__all__ = [
    "ColumnPlan",
    "InputReport",
    "NumberPlan",
    "ReadResult",
    "SheetLimits",
    "detect_encoding",
    "plan_numbers",
    "prepare_input",
    "read_table",
]

_NUMERIC_KINDS = NUMERIC_KINDS  # the name other modules imported
_SCHEME_PREFIX = re.compile(r"^\s*(naics|hts|hs|isic)\b", re.IGNORECASE)
SUMMARY_ATTR = "demandrisk.input"  # frame.attrs key: the printed InputReport


@dataclass(eq=False)
class InputReport:
    """What :func:`prepare_input` understood; ``str()`` prints it.

    Attributes
    ----------
    origin, format, encoding, delimiter, sheet : how the file was read.
    header_line : 1-based line (row) of the header in the file.
    columns : ``[column, header, how]``: which header fed each of our columns.
    numbers : the number plan used (column -> decimal mark, unit, why).
    notes : other things worth knowing (translated values, sector scheme...).
    lines : physical line of each data row (None: the lines after the header).
    """

    origin: str
    format: str
    header_line: int
    columns: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    numbers: NumberPlan = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lines: np.ndarray | None = None

    @property
    def row_offset(self) -> int:
        """Add to issue rows computed as ``position + 2`` (header on line 1)."""
        return self.header_line - 1

    def line_of(self, positions: np.ndarray) -> np.ndarray:
        """The file's physical line of each row position."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.lines is None:
            return positions + self.header_line + 1
        return self.lines[positions]

    def locate(self, issues: pd.DataFrame | None) -> pd.DataFrame | None:
        """Issues numbered ``position + 2`` renumbered as the file's lines.

        Rows about the header (``row`` 1) go to the header's line; issues of an
        edge file (``edges.*`` columns) keep that file's lines.
        """
        if issues is None or not len(issues):
            return issues
        rows = issues["row"].to_numpy(dtype=np.int64)
        ours = ~issues["column"].astype(str).str.startswith("edges.").to_numpy()
        data = ours & (rows >= 2)
        located = rows.copy()
        located[ours & ~data] = self.header_line
        located[data] = self.line_of(rows[data] - 2)
        return issues.assign(row=located)

    def __str__(self) -> str:
        how = [self.format]
        if self.encoding:
            how.append(f"encoding {self.encoding}")
        if self.delimiter:
            how.append(f"delimiter {self.delimiter!r}")
        if self.sheet is not None:
            how.append(f"sheet {self.sheet!r}")
        lines = [
            f"Read {self.origin} ({', '.join(how)}); header on line "
            f"{self.header_line}.",
            "Columns used:",
        ]
        for column, header, kind in self.columns.itertuples(index=False):
            lines.append(f"  {column:<31} <- {header!r} ({kind})")
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def _is_text(column: pd.Series) -> bool:
    """True for a pandas string column (not object: it may hold numbers)."""
    return isinstance(column.dtype, pd.StringDtype)


def _shared_issues(rules: ColumnMapping, line: int) -> list[dict[str, Any]]:
    return [
        {
            "row": line,
            "column": ours[0],
            "code": "shared-header",
            "value": header,
            "message": f"the mapping gives the header {header!r} to {ours}; one "
            "column feeds all of them. Map each to its own header if that was not "
            "meant",
        }
        for header, ours in rules.shared_headers().items()
    ]


def _apply_plan(
    scored: pd.DataFrame,
    used: dict[str, tuple[str, str]],
    numbers: NumberPlan,
    report: InputReport,
    rows_table: list[tuple[str, str, str]],
    decimal: str | None,
) -> list[pd.DataFrame]:
    """Rewrite every number column by its plan; workers first (shares use it)."""
    found: list[pd.DataFrame] = []
    present = [c for c in numbers if c in scored.columns]
    present.sort(key=lambda c: c != "workers")
    workers = None
    for column in present:
        plan = numbers[column]
        header = used[column][0] if column in used else "constant"
        if plan.unit == "refused":
            del scored[column]
            rows_table[:] = [
                (o, h, "refused: head counts" if o == column else how)
                for o, h, how in rows_table
            ]
        else:
            scored[column], parts = apply_numbers(
                scored[column],
                column,
                plan,
                report.line_of,
                workers if plan.unit == "count" else None,
            )
            found += parts
        issues = plan_issues(column, plan, header, report.header_line)
        found.append(pd.DataFrame(issues))
        if column == "workers":
            text = TextColumn.from_series(scored["workers"])
            workers = text.per_row(parse_numbers(text.texts).values)
        if plan.decimal == "," and decimal is None:
            report.notes.append(f"{column}: decimal comma (every value that shows one)")
    return found


def _plan(
    scored: pd.DataFrame,
    used: dict[str, tuple[str, str]],
    numbers: NumberPlan | None,
    decimal: str | None,
) -> NumberPlan:
    """The whole file's plan, or the given one (constants planned here)."""
    kinds = {c for c, k in OPTIONAL_COLUMNS.items() if k in NUMERIC_KINDS}
    present = [c for c in OPTIONAL_COLUMNS if c in kinds and c in scored.columns]
    todo = [c for c in present if numbers is None or c not in numbers]
    headers = {c: used[c][0] if c in used else "constant" for c in todo}
    pairs = None
    if "workers" in scored.columns:
        pairs = {
            c: count_pairs(scored[c], scored["workers"])
            for c in todo
            if OPTIONAL_COLUMNS[c] == "share"
        }
    local = plan_numbers(
        {c: TextColumn.from_series(scored[c]).texts for c in todo},
        decimal,
        headers,
        pairs,
    )
    return {**local, **(numbers or {})} if numbers is not None else local


def prepare_input(
    source: str | Path | pd.DataFrame,
    mapping: ColumnMapping | dict[str, Any] | str | Path | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    decimal: str | None = None,
    *,
    numbers: NumberPlan | None = None,
    limits: SheetLimits | None = None,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, InputReport]:
    """Read and map a supplier table; return what to score beside the original.

    ``required`` names the columns the model cannot score without (see
    :meth:`demandrisk.config.ModelConfig.required_columns`).

    Returns
    -------
    frame_for_scoring : DataFrame
        The original's columns plus our canonical columns (mapped, values
        translated, constants set, sector scheme prefixed, numbers as plain
        ``1234.5`` and shares as fractions).
    original : DataFrame
        The file as read, untouched; ``supplier_id`` appended when the file has
        no column of that name (mapped or derived), so results can be looked
        up by id.
    issues : DataFrame
        Reading and mapping issues, rows as lines in the file.
    report : InputReport
        What was understood; ``report.locate(issues)`` renumbers issues found
        later on ``frame_for_scoring`` (``position + 2``) as lines of the file.

    Examples
    --------
    >>> frame = pd.DataFrame({"Factory Name": ["A", "=B"], "Country": ["DE", "BD"],
    ...                       "NAICS": ["315210", "315210"]})
    >>> scored, original, issues, report = prepare_input(frame)
    >>> scored[["supplier_id", "country", "sector"]].values.tolist()
    [['N-bd5d575a14', 'DE', 'NAICS 315210'], ['N-5fd6d44bd6', 'BD', 'NAICS 315210']]
    >>> issues["code"].tolist(), original.columns.tolist()[-1]
    (['derived-id'], 'supplier_id')
    """
    read = read_table(source, encoding=encoding, sheet=sheet, limits=limits)
    if decimal not in (None, ".", ","):
        raise InputDataError(f"expected decimal '.' or ','; got {decimal!r}")
    origin = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    original = read.frame
    labels = {str(c): c for c in original.columns}
    rules = ColumnMapping.from_any(mapping)
    used = rules.resolve(list(labels))
    report = InputReport(
        origin=origin,
        format=read.format,
        header_line=read.header_line,
        columns=pd.DataFrame(columns=["column", "header", "how"]),
        encoding=read.encoding,
        delimiter=read.delimiter,
        sheet=read.sheet,
        lines=read.lines,
    )
    issues = [read.issues, _issues(_shared_issues(rules, read.header_line))]
    scored = original.copy(deep=False)
    for ours, (header, _) in used.items():
        cells = original[labels[header]]
        # Text columns stay as read (Arrow strings from a CSV): object dtype
        # would make a Python string per cell, ~0.8 GB for 13 columns at 1M
        # rows. Numbers or mixed cells from a DataFrame become objects.
        scored[ours] = cells if _is_text(cells) else cells.astype(object)
    rows_table = [(o, h, how) for o, (h, how) in used.items()]
    for ours, value in rules.constants.items():
        scored[ours] = pd.Series(value, index=scored.index, dtype=object)
        rows_table.append((ours, f"= {value}", "constant (mapping)"))
    footnote = footnote_rows(
        original,
        labels[used["country"][0]] if "country" in used else None,
        labels[used["sector"][0]] if "sector" in used else None,
    )
    scored[FOOTNOTE] = footnote
    all_lines = report.line_of(np.arange(len(scored)))
    issues.append(footnote_issues(original, footnote, all_lines))
    if "supplier_id" not in used:
        scored["supplier_id"], issue = derived_ids(
            scored, original, all_lines, read.header_line
        )
        rows_table.insert(0, ("supplier_id", "", "derived"))
        issues.append(_issues([issue]))
    missing = [c for c in required if c not in scored.columns]
    if missing:
        raise InputDataError(
            f"{origin}: expected columns {list(required)}; found no column for "
            f"{missing} among the headers {list(labels)[:20]}. Map them with --map "
            "(demandrisk init-map INPUT writes a mapping file to edit), or set a "
            "constant in its [constants] table"
        )
    for column in ("sector", "country", "good"):
        if column in scored.columns:
            scored[column], changed = rules.translate(column, scored[column])
            if changed:
                report.notes.append(
                    f"{changed} {column} cell(s) translated by [values.{column}]"
                )
    scheme = rules.scheme_for(used["sector"][0] if "sector" in used else None)
    if scheme in {"naics", "hs"} and "sector" in scored.columns:
        sector = scored["sector"].astype(str)
        plain = ~sector.str.strip().str.casefold().isin(BLANKS) & ~sector.str.match(
            _SCHEME_PREFIX
        )
        if rules.values.get("sector"):
            translated = set(rules.values["sector"].values())
            plain &= ~sector.isin(translated)
        scored["sector"] = sector.where(~plain, scheme.upper() + " " + sector)
        report.notes.append(
            f"sector codes read as {scheme.upper()} (header or sector_scheme)"
        )
    report.numbers = _plan(scored, used, numbers, decimal)
    issues += _apply_plan(scored, used, report.numbers, report, rows_table, decimal)
    if "supplier_id" not in original.columns:
        original = original.assign(supplier_id=scored["supplier_id"].to_numpy())
    report.columns = pd.DataFrame(rows_table, columns=["column", "header", "how"])
    # The summary travels with the frame to the result (the CLI prints it).
    scored.attrs[SUMMARY_ATTR] = str(report)
    parts = [p for p in issues if len(p)]
    from .schema import merge_issues

    return scored, original, merge_issues(*parts), report
