"""Read a supplier table as text, whatever its format; name the file's lines.

:func:`read_table` reads CSV (comma, semicolon, tab or pipe; sniffed; see
:mod:`demandrisk.csvfile` for encodings, ragged lines and line numbers),
Excel ``.xlsx``/``.xls`` (first sheet or ``sheet=``; bounded, see
:mod:`demandrisk.sheets`), HTML tables and text saved as ``.xls`` (ERP
exports), Parquet, or a DataFrame, with every cell as text. A title or blank
rows above the header are found and skipped, and the issues table says so
(``skipped-rows``).

Every reading issue names the file's physical line (the sheet's row); the
:class:`ReadResult` says which line each data row came from, so issues found
later (an unknown country) name that line too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .csvfile import CsvLayout, dedupe_names, scan_csv, sniff
from .encodings import choose_encoding, nul_issues, nul_lines, undecodable_issues
from .errors import InputDataError
from .mapping import SYNONYMS, normalise_header
from .schema import ISSUE_COLUMNS
from .sheets import SheetLimits, read_html_table, read_workbook, sniff_kind

__all__ = ["ReadResult", "csv_layout", "detect_encoding", "read_table"]

HEADER_SEARCH = 30
_KNOWN = {s for synonyms in SYNONYMS.values() for s in synonyms} | set(SYNONYMS)
_READ_ERRORS = (
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    UnicodeError,
    csv.Error,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
)


@dataclass(frozen=True)
class ReadResult:
    """A table read as text, the reading issues and how it was read.

    ``lines`` holds the physical line (sheet row) of each data row when they
    are not simply the lines after the header (blank lines, multi-line
    cells); None otherwise.
    """

    frame: pd.DataFrame
    issues: pd.DataFrame
    format: str
    header_line: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    lines: np.ndarray | None = field(default=None, compare=False)


def _issues(rows: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    frame = pd.DataFrame(rows, columns=ISSUE_COLUMNS[:5]).astype({"row": "int64"})
    from .schema import merge_issues  # adds severity, orders the table

    return merge_issues(frame)


def detect_encoding(data: bytes) -> str:
    """Name the encoding of a file's bytes (see :mod:`demandrisk.csvfile`).

    Examples
    --------
    >>> detect_encoding("a;b\\n".encode("utf-16")), detect_encoding(b"caf\\xe9")
    ('utf-16', 'cp1252')
    """
    return choose_encoding(lambda: [data], data[: 1 << 16])[0]


def header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: skip titles and blank rows.

    The first row with two or more known headers wins; else the first row
    filled at least half as wide as the widest row.
    """
    rows = rows[:HEADER_SEARCH]
    filled = [sum(bool(str(c).strip()) for c in row) for row in rows]
    for i, row in enumerate(rows):
        if sum(normalise_header(c) in _KNOWN for c in row if str(c).strip()) >= 2:
            return i
    width = max(filled, default=0)
    for i, count in enumerate(filled):
        if count >= max(1, min(2, width), width / 2):
            return i
    return 0


def _skipped_issue(
    rows: list[list[str]], header: int, line: int, origin: str
) -> list[dict[str, Any]]:
    if header == 0:
        return []
    above = [
        " ".join(str(c).strip() for c in r if str(c).strip()) for r in rows[:header]
    ]
    text = "; ".join(a for a in above if a)[:120]
    return [
        {
            "row": line,
            "column": "",
            "code": "skipped-rows",
            "value": text,
            "message": f"the header is on line {line} of {origin}; the "
            f"{line - 1} line(s) above it (a title or blank lines) were skipped",
        }
    ]


def csv_layout(sample: str, origin: str, encoding: str, errors: str) -> CsvLayout:
    """Delimiter, header and names of a CSV from its first (decoded) text."""
    delimiter, rows, index, line = sniff(sample, origin, header_index)
    names, duplicated = dedupe_names([str(c) for c in rows[index]], origin, line)
    layout = CsvLayout(
        encoding=encoding,
        errors=errors,
        delimiter=delimiter,
        skiprows=index + 1,
        header_line=line,
        names=names,
        width=len(rows[index]),
        header_index=index,
        issues=[*_skipped_issue(rows, index, line, origin), *duplicated],
    )
    return layout


def _decode(data: bytes, encoding: str | None, origin: str) -> tuple[str, CsvLayout]:
    """Decode a CSV's bytes, sniff its layout and scan its lines."""
    bad: list[int]
    if encoding:
        used, errors, bad = encoding, "strict", []
    else:
        used, errors, bad = choose_encoding(lambda: [data], data[: 1 << 16])
    try:
        text = data.decode(used, errors).removeprefix("\ufeff")
    except (UnicodeDecodeError, LookupError) as error:
        raise InputDataError(
            f"{origin}: cannot be read with encoding {used!r}: {error}. "
            "Give the encoding (--encoding cp1252, utf-16...)"
        ) from None
    issues = []
    if bad:
        physical = data.split(b"\n")
        issues += undecodable_issues(bad, lambda n: physical[n - 1], used)
    if "\x00" in text:
        issues += nul_issues(nul_lines(text.split("\n")), origin)
        text = text.replace("\x00", "")
    layout = csv_layout(text[: 1 << 16], origin, used, errors)
    layout.issues = issues + layout.issues
    return text, layout


def _read_csv(path: Path, encoding: str | None) -> ReadResult:
    data = path.read_bytes()
    text, layout = _decode(data, encoding, path.name)
    buffer = io.StringIO(text, newline="")
    del text

    def rewind() -> Any:
        buffer.seek(0)
        return nullcontext(buffer)

    scan_csv(rewind, layout, path.name)
    buffer.seek(0)
    frame = pd.read_csv(buffer, **layout.read_options())
    frame = frame.drop(columns=layout.drop).fillna("")
    lines = layout.lines if len(frame) == layout.records else None
    return ReadResult(
        frame,
        _issues(layout.issues),
        "csv",
        layout.header_line,
        layout.encoding,
        layout.delimiter,
        lines=lines,
    )


def _grid_frame(
    rows: list[list[str]], sheet: str, origin: str
) -> tuple[pd.DataFrame, int, np.ndarray | None, list[dict[str, Any]], list[str]]:
    """Header, data rows (blank rows skipped, as CSV's blank lines) and lines."""
    if not any(any(r) for r in rows):
        raise InputDataError(f"{origin}: the sheet is empty; expected a header row")
    index = header_index([list(r) for r in rows[:HEADER_SEARCH]])
    line = index + 1
    width = max(len(r) for r in rows[index:])
    header = [*rows[index], *[""] * (width - len(rows[index]))]
    names, duplicated = dedupe_names(header, f"{origin} sheet {sheet!r}", line)
    keep = [i for i in range(index + 1, len(rows)) if any(rows[i])]
    data = [[*rows[i], *[""] * (width - len(rows[i]))] for i in keep]
    frame = pd.DataFrame(data, columns=names, dtype=object)
    if not len(frame):
        frame = pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    empty = [
        n
        for n, c in zip(names, header, strict=True)
        if not str(c).strip()
        and not frame[n].astype(str).str.strip().astype(bool).any()
    ]
    lines = np.asarray(keep, dtype=np.int64) + 1
    regular = lines.size == 0 or (lines == np.arange(lines.size) + line + 1).all()
    issues = _skipped_issue(rows, index, line, f"{origin} sheet {sheet!r}")
    return (
        frame.drop(columns=empty),
        line,
        None if regular else lines,
        [
            *issues,
            *duplicated,
        ],
        names,
    )


def _read_grid(
    path: Path, kind: str, sheet: str | int | None, limits: SheetLimits | None
) -> ReadResult:
    suffix = path.suffix.lower()
    if kind == "html":
        data = path.read_bytes()
        encoding, errors, _ = choose_encoding(lambda: [data], data[: 1 << 16])
        grid = read_html_table(data.decode(encoding, errors), path)
        label = f"html table (named {suffix})"
    else:
        grid = read_workbook(path, kind, sheet, limits)
        family = {"xlsx": {".xlsx", ".xlsm"}, "xls": {".xls"}}[kind]
        label = suffix[1:] if suffix in family else f"{kind} (named {suffix})"
    frame, line, lines, issues, names = _grid_frame(grid.rows, grid.sheet, path.name)
    for issue in grid.issues:
        j = issue.get("_column_index", -1)
        issue["column"] = names[j] if 0 <= j < len(names) else ""
    return ReadResult(
        frame,
        _issues([*issues, *grid.issues]),
        label,
        line,
        sheet=None if kind == "html" else grid.sheet,
        lines=lines,
    )


def read_table(
    source: str | Path | pd.DataFrame,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    limits: SheetLimits | None = None,
) -> ReadResult:
    """Read a supplier table with every cell as text.

    Parameters
    ----------
    source : path (CSV/TXT/TSV, ``.xlsx``, ``.xls``, ``.parquet``) or DataFrame.
    encoding : force a text encoding (CSV only); detected when None.
    sheet : Excel sheet name or 0-based number; the first sheet when None.
    limits : bounds on what a spreadsheet may expand to (default:
        :meth:`SheetLimits.from_env`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> text = "Supplier list;;\\nVendor No.;Land;Branche\\n7;Türkei;C14\\n"
    >>> _ = path.write_bytes(text.encode("cp1252"))
    >>> read = read_table(path)
    >>> read.frame.columns.tolist(), read.encoding, read.delimiter, read.header_line
    (['Vendor No.', 'Land', 'Branche'], 'cp1252', ';', 2)
    >>> read.issues[["row", "code", "severity"]].values.tolist()
    [[2, 'skipped-rows', 'note']]
    """
    if isinstance(source, pd.DataFrame):
        return ReadResult(source.reset_index(drop=True), _issues([]), "DataFrame")
    path = Path(source)
    if not path.is_file():
        raise InputDataError(f"Supplier file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            frame = frame.astype("string").fillna("").astype(object)
            return ReadResult(frame, _issues([]), "parquet")
        with path.open("rb") as stream:
            kind = sniff_kind(stream.read(4096))
        if kind == "html" and suffix not in {".xls", ".xlsx", ".htm", ".html"}:
            kind = "text"
        if kind != "text":
            return _read_grid(path, kind, sheet, limits)
        read = _read_csv(path, encoding)
        if suffix in {".xls", ".xlsx", ".xlsm"}:
            # ERP "Excel" exports are often tab-separated text; other bytes
            # under an Excel name are not a table.
            if len(read.frame.columns) < 2:
                raise InputDataError(
                    f"{path}: cannot be read as {suffix[1:]}: it is neither a "
                    "workbook nor a delimited text table"
                )
            return replace(read, format=f"csv (named {suffix})")
        return read
    except InputDataError:
        raise
    except MemoryError:
        raise InputDataError(
            f"{path}: not enough memory to read it; split the file or score it with "
            "--chunksize (CSV)"
        ) from None
    except _READ_ERRORS as error:
        kind_name = suffix.lstrip(".") or "CSV"
        raise InputDataError(
            f"{path}: cannot be read as {kind_name}: {type(error).__name__}: {error}"
        ) from None
