"""Spreadsheets as text grids, within bounds: ``.xlsx``, ``.xls`` and their fakes.

What a file *is* decides how it is read, not its name: ERP systems save HTML
tables and tab-separated text as ``.xls``. :func:`sniff_kind` looks at the
first bytes: a zip is an ``.xlsx`` workbook, an OLE2 container a legacy
``.xls``, markup with a ``<table>`` an HTML table, anything else text (read
as CSV by the caller).

A small file can claim to expand into gigabytes (a zip bomb). Before and
while a workbook is parsed, :class:`SheetLimits` bound it: the uncompressed
size of the package, the rows (declared and read) and the cells read. A file
over a limit is refused with a clear error, before its memory is spent.
The limits are keyword arguments or environment variables
(``DEMANDRISK_MAX_SHEET_BYTES``, ``..._ROWS``, ``..._CELLS``).

Cells become text as pandas gives them (``1410``, ``0.2``, ``2025-01-31
00:00:00``); error cells (``#N/A``) are blank. A formula saved without its
value (files written by programs that do not calculate) is reported
(``formula-without-value``) rather than read as a silent blank.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from dataclasses import dataclass, fields
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .errors import InputDataError

__all__ = ["Grid", "SheetLimits", "read_html_table", "read_workbook", "sniff_kind"]

_ENV = "DEMANDRISK_MAX_SHEET_"


@dataclass(frozen=True)
class SheetLimits:
    """How large a spreadsheet may be.

    Parameters
    ----------
    max_bytes : uncompressed size of an ``.xlsx`` package (all its parts).
    max_rows : rows of a sheet, declared or read (Excel's own limit).
    max_cells : non-empty and empty cells read from a sheet.

    Examples
    --------
    >>> SheetLimits().max_rows
    1048576
    >>> SheetLimits.from_env({"DEMANDRISK_MAX_SHEET_ROWS": "10"}).max_rows
    10
    """

    max_bytes: int = 1 << 30
    max_rows: int = 1_048_576
    max_cells: int = 40_000_000

    @classmethod
    def from_env(cls, environ: Any = None) -> SheetLimits:
        """Defaults, overridden by ``DEMANDRISK_MAX_SHEET_<NAME>`` variables."""
        environ = os.environ if environ is None else environ
        given: dict[str, int] = {}
        for item in fields(cls):
            key = _ENV + item.name.removeprefix("max_").upper()
            if key in environ:
                try:
                    given[item.name] = int(environ[key])
                except ValueError:
                    raise InputDataError(
                        f"expected a whole number in {key}; got {environ[key]!r}"
                    ) from None
        return cls(**given)


@dataclass
class Grid:
    """A sheet as rows of text, with what was found while reading it."""

    rows: list[list[str]]
    sheet: str
    issues: list[dict[str, Any]]


def sniff_kind(head: bytes) -> str:
    """``xlsx``, ``xls``, ``html`` or ``text``, from a file's first bytes.

    Examples
    --------
    >>> ole2 = b"\\xd0\\xcf\\x11\\xe0\\xa1\\xb1\\x1a\\xe1"
    >>> sniff_kind(b"PK\\x03\\x04..."), sniff_kind(ole2 + b"...")
    ('xlsx', 'xls')
    >>> sniff_kind(b"<html><table>"), sniff_kind(b"id\\tcountry\\n")
    ('html', 'text')
    """
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<table" in head.lower() or b"<html" in text):
        return "html"
    return "text"


def _refuse(path: Path, what: str, limit: int, name: str) -> InputDataError:
    return InputDataError(
        f"{path.name}: {what}; the limit is {limit:,} (set {_ENV}{name} to read "
        "a larger sheet). Refused before reading, to protect memory"
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN: an error cell
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
    return str(value)


def _pick(names: list[str], sheet: str | int | None, path: Path) -> str:
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    if isinstance(sheet, str) and sheet not in names:
        raise InputDataError(f"{path}: no sheet {sheet!r}; the sheets are {names}")
    if isinstance(sheet, int) and not 0 <= sheet < len(names):
        raise InputDataError(
            f"{path}: no sheet number {sheet}; there are {len(names)}: {names}"
        )
    if isinstance(sheet, int):
        return names[sheet]
    return sheet or names[0]


def _empty_sheet(path: Path, chosen: str, others: list[tuple[str, bool]]) -> None:
    filled = [name for name, has_data in others if has_data]
    if filled:
        raise InputDataError(
            f"{path.name}: the sheet {chosen!r} is empty; expected a header row. "
            f"Sheets with data: {filled}. Give --sheet {filled[0]!r} (or sheet=)"
        )
    raise InputDataError(
        f"{path.name}: the sheet {chosen!r} is empty; expected a header row"
    )


def _check_package(path: Path, limits: SheetLimits) -> None:
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > limits.max_bytes:
        raise _refuse(
            path, f"the workbook expands to {total:,} bytes", limits.max_bytes, "BYTES"
        )


def _xlsx_rows(sheet: Any, path: Path, limits: SheetLimits) -> list[list[str]]:
    """Text of every row, counted against the limits as it is read."""
    from openpyxl.cell.cell import TYPE_ERROR

    declared = sheet.max_row
    if declared is not None and declared > limits.max_rows:
        raise _refuse(
            path,
            f"sheet {sheet.title!r} declares {declared:,} rows",
            limits.max_rows,
            "ROWS",
        )
    # The declared size is not trusted: read what is there, counting.
    sheet.reset_dimensions()
    rows: list[list[str]] = []
    cells = 0
    for number, row in enumerate(sheet.iter_rows(), start=1):
        if number > limits.max_rows:
            raise _refuse(
                path,
                f"sheet {sheet.title!r} has more than {limits.max_rows:,} rows",
                limits.max_rows,
                "ROWS",
            )
        cells += len(row)
        if cells > limits.max_cells:
            raise _refuse(
                path,
                f"sheet {sheet.title!r} has more than {limits.max_cells:,} cells",
                limits.max_cells,
                "CELLS",
            )
        rows.append(
            ["" if cell.data_type == TYPE_ERROR else _text(cell.value) for cell in row]
        )
    return rows


def _has_formulas(book: Any, sheet: Any) -> bool:
    """Does the sheet's XML hold a formula (``<f``)? Read in blocks."""
    with book._archive.open(sheet._worksheet_path) as stream:
        tail = b""
        for block in iter(lambda: stream.read(1 << 20), b""):
            if re.search(rb"<(?:\w+:)?f[ >/]", tail + block):
                return True
            tail = block[-16:]
    return False


def _formula_issues(
    path: Path, chosen: str, rows: list[list[str]]
) -> list[dict[str, Any]]:
    """Cells left blank because their formula was saved without a value."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        sheet = book[chosen]
        sheet.reset_dimensions()
        issues = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            for j, cell in enumerate(row):
                if cell.data_type == "f" and not rows[number - 1][j]:
                    where = f"{get_column_letter(j + 1)}{number}"
                    issues.append(
                        {
                            "row": number,
                            "column": "",
                            "code": "formula-without-value",
                            "value": str(cell.value)[:80],
                            "message": f"cell {where} of sheet {chosen!r} holds a "
                            "formula saved without its value (the program that wrote "
                            "the file did not calculate it); read as blank. Open and "
                            "save the file in a spreadsheet program, or export values",
                            "_column_index": j,
                        }
                    )
        return issues
    finally:
        book.close()


def _read_xlsx(path: Path, sheet: str | int | None, limits: SheetLimits) -> Grid:
    from openpyxl import load_workbook

    _check_package(path, limits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: unknown extensions, styles
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
        try:
            names = book.sheetnames
            chosen = _pick(names, sheet, path)
            worksheet = book[chosen]
            rows = _xlsx_rows(worksheet, path, limits)
            if not any(any(r) for r in rows):
                if sheet is not None:
                    _empty_sheet(path, chosen, [])
                others = []
                for name in names:
                    if name == chosen:
                        continue
                    other = book[name]
                    other.reset_dimensions()
                    found = any(
                        any(getattr(c, "value", None) is not None for c in r)
                        for r, _ in zip(other.iter_rows(), range(200), strict=False)
                    )
                    others.append((name, found))
                _empty_sheet(path, chosen, others)
            formulas = _has_formulas(book, worksheet)
        finally:
            book.close()
        issues = _formula_issues(path, chosen, rows) if formulas else []
    return Grid(rows, chosen, issues)


def _read_xls(path: Path, sheet: str | int | None, limits: SheetLimits) -> Grid:
    import xlrd
    from xlrd import XL_CELL_BOOLEAN, XL_CELL_DATE, XL_CELL_ERROR, xldate
    from xlrd.compdoc import CompDocError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = xlrd.open_workbook(str(path), on_demand=True)
        except (xlrd.XLRDError, CompDocError, AssertionError) as error:
            # A damaged OLE2 container: xlrd's errors are not ValueErrors
            raise InputDataError(
                f"{path}: cannot be read as xls: expected a legacy Excel workbook; "
                f"{type(error).__name__}: {error}"
            ) from None
    try:
        names = book.sheet_names()
        chosen = _pick(names, sheet, path)
        grid = book.sheet_by_name(chosen)
        if grid.nrows > limits.max_rows:
            raise _refuse(
                path,
                f"sheet {chosen!r} has {grid.nrows:,} rows",
                limits.max_rows,
                "ROWS",
            )
        if grid.nrows * grid.ncols > limits.max_cells:
            raise _refuse(
                path,
                f"sheet {chosen!r} has {grid.nrows * grid.ncols:,} cells",
                limits.max_cells,
                "CELLS",
            )

        def text(value: Any, kind: int) -> str:
            if kind == XL_CELL_ERROR:
                return ""
            if kind == XL_CELL_BOOLEAN:
                return str(bool(value))
            if kind == XL_CELL_DATE:
                try:
                    return str(xldate.xldate_as_datetime(value, book.datemode))
                except (OverflowError, ValueError):
                    return _text(value)
            return _text(value)

        rows = [
            [
                text(v, k)
                for v, k in zip(grid.row_values(i), grid.row_types(i), strict=True)
            ]
            for i in range(grid.nrows)
        ]
        if not any(any(r) for r in rows):
            others = []
            if sheet is None:
                for name in names[1:]:
                    other = book.sheet_by_name(name)
                    others.append((name, other.nrows > 0 and other.ncols > 0))
            _empty_sheet(path, chosen, others)
    finally:
        book.release_resources()
    return Grid(rows, chosen, [])


class _Tables(HTMLParser):
    """Rows of ``<td>``/``<th>`` text of every ``<table>`` (no nesting)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_html_table(text: str, path: Path) -> Grid:
    """The largest ``<table>`` of an HTML page (an ERP "Excel" export)."""
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if t]
    if not tables:
        raise InputDataError(
            f"{path.name}: expected a spreadsheet; the file is an HTML page without "
            "a table (save the list as .xlsx or CSV)"
        )
    table = max(tables, key=len)
    return Grid(table, "html table", [])


def read_workbook(
    path: Path, kind: str, sheet: str | int | None, limits: SheetLimits | None
) -> Grid:
    """Read one sheet of an ``xlsx`` or ``xls`` workbook within ``limits``."""
    limits = limits or SheetLimits.from_env()
    if kind == "xlsx":
        return _read_xlsx(path, sheet, limits)
    return _read_xls(path, sheet, limits)
