"""How a CSV file is laid out: encoding, delimiter, header, and its lines.

One layout is computed per file and used by every engine (in memory,
``--chunksize``, Dask), so they read the same cells and name the same lines:

* **Encoding**: see :mod:`demandrisk.encodings`.
* **Header**: titles and blank lines above it are skipped (``skipped-rows``).
  Duplicated headers are reported (``duplicate-header``) and named as pandas
  names them (``Country.1``).
* **Fields**: a line with more fields than the header never shifts the
  columns: the extra cells are kept in ``Unnamed: N`` columns
  (``ragged-row``), or dropped when they are all empty
  (``trailing-delimiter``); a line with fewer fields is padded with blanks
  (``short-row``).
* **Lines**: issue rows are the file's physical lines. Blank lines and quoted
  cells spanning lines make records and lines differ; then
  :attr:`CsvLayout.lines` holds the line of each record.

The scan is one pass of the :mod:`csv` module over the text (about 0.9 µs a
row); a second pass, only for files whose records and lines differ, records
the line of each record.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .encodings import MAX_LISTED
from .errors import InputDataError

__all__ = ["CsvLayout", "dedupe_names", "scan_csv", "sniff"]

DELIMITERS = ",;\t|"
SAMPLE_CHARS = 1 << 16
HEADER_SEARCH = 30


def _issue(row: int, code: str, value: str, message: str, column: str = "") -> dict:
    return {
        "row": row,
        "column": column,
        "code": code,
        "value": value,
        "message": message,
    }


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the most equal fields."""
    lines = [line for line in sample.splitlines()[:HEADER_SEARCH] if line.strip()]
    best, best_key = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        wide = [w for w in widths if w > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        key = (wide.count(mode), mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def sniff(
    sample: str, origin: str, header_index: Callable[[list[list[str]]], int]
) -> tuple[str, list[list[str]], int, int]:
    """Return (delimiter, first records, header index, header's physical line)."""
    delimiter = _sniff_delimiter(sample[:SAMPLE_CHARS])
    reader = csv.reader(
        io.StringIO(sample[:SAMPLE_CHARS], newline=""), delimiter=delimiter
    )
    rows: list[list[str]] = []
    starts: list[int] = []
    try:
        for _ in range(HEADER_SEARCH):
            starts.append(reader.line_num + 1)
            rows.append(next(reader))
    except (StopIteration, csv.Error):
        starts = starts[: len(rows)]
    if not any(rows):
        raise InputDataError(f"{origin}: the file is empty; expected a header line")
    index = header_index(rows)
    return delimiter, rows, index, starts[index]


def dedupe_names(
    cells: list[str], origin: str, line: int
) -> tuple[list[str], list[dict[str, Any]]]:
    """Column names as pandas gives them (``a``, ``a.1``; blank: ``Unnamed: j``).

    Returns the names and a ``duplicate-header`` issue per repeated header.

    Examples
    --------
    >>> names, issues = dedupe_names(["Country", "", "Country"], "f.csv", 1)
    >>> names, [i["code"] for i in issues]
    (['Country', 'Unnamed: 1', 'Country.1'], ['duplicate-header'])
    """
    names: list[str] = []
    taken: set[str] = set()
    first: dict[str, int] = {}
    repeated: list[tuple[int, str]] = []
    for j, cell in enumerate(cells):
        text = str(cell)
        name = text if text.strip() else f"Unnamed: {j}"
        if text.strip():
            if name in first:
                repeated.append((j, name))
            first.setdefault(name, j)
        base, k = name, 0
        while name in taken:
            k += 1
            name = f"{base}.{k}"
        taken.add(name)
        names.append(name)
    issues = [
        _issue(
            line,
            "duplicate-header",
            header,
            f"header {header!r} of {origin} is in columns {first[header] + 1} and "
            f"{j + 1}; both are kept, the later one read as {names[j]!r}, and "
            "only the first is guessed as one of ours",
        )
        for j, header in repeated
    ]
    return names, issues


@dataclass
class CsvLayout:
    """Everything needed to read a CSV the same way in every engine."""

    encoding: str
    errors: str
    delimiter: str
    skiprows: int  # records before the data: titles, blank lines, the header
    header_line: int  # physical line of the header
    names: list[str]
    width: int  # fields of the header
    header_index: int = 0  # records before the header (titles, blank lines)
    drop: list[str] = field(default_factory=list)  # empty extra columns
    lines: np.ndarray | None = None  # physical line of each record
    records: int = 0
    nul: bool = False
    issues: list[dict[str, Any]] = field(default_factory=list)

    def read_options(self) -> dict[str, Any]:
        """Options of :func:`pandas.read_csv` (plus ``encoding`` for a path)."""
        return {
            "sep": self.delimiter,
            "header": None,
            "skiprows": self.skiprows,
            "names": self.names,
            "index_col": False,
            "dtype": str,
            "keep_default_na": False,
            "engine": "c",
        }

    def line_of(self, positions: np.ndarray) -> np.ndarray:
        """Physical line of each record position (0 = first data record)."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.lines is None:
            return positions + self.header_line + 1
        return self.lines[positions]


def _blank(row: list[str]) -> bool:
    # pandas skips empty and whitespace-only lines (skip_blank_lines).
    return not row or (len(row) == 1 and not row[0].strip())


def scan_csv(open_text: Callable[[], Any], layout: CsvLayout, origin: str) -> CsvLayout:
    """Count the fields of every record; report ragged lines; map lines.

    ``open_text`` opens the decoded text (newline="") from its start; it is
    called once, or twice when records and lines differ.
    """
    # pandas reads cells of any size; the csv module stops at 128 KiB.
    limit = csv.field_size_limit(sys.maxsize)
    try:
        return _scan(open_text, layout, layout.header_index, origin)
    except csv.Error as error:
        raise InputDataError(f"{origin}: cannot be read as CSV: {error}") from None
    finally:
        csv.field_size_limit(limit)


def _scan(
    open_text: Callable[[], Any], layout: CsvLayout, header_index: int, origin: str
) -> CsvLayout:
    with open_text() as source:
        reader = csv.reader(source, delimiter=layout.delimiter)
        for _ in range(header_index + 1):
            next(reader)
        header_end = reader.line_num
        counts = np.fromiter(map(len, reader), dtype=np.int64)
        total = reader.line_num
    width = layout.width
    layout.records = int(counts.size)
    if bool((counts == width).all()) and counts.size == total - header_end:
        return layout
    # Blank lines, multi-line cells or ragged records: walk the records again
    # with their lines (Python per record, for such files only).
    lines: list[int] = []
    extra_rows: list[tuple[int, list[str]]] = []
    short_rows: list[tuple[int, int]] = []
    widest = width
    with open_text() as source:
        reader = csv.reader(source, delimiter=layout.delimiter)
        for _ in range(header_index + 1):
            next(reader)
        previous = reader.line_num
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if _blank(row) and width > 1:
                continue
            lines.append(start)
            if len(row) > width:
                widest = max(widest, len(row))
                extra_rows.append((start, row[width:]))
            elif len(row) < width:
                short_rows.append((start, len(row)))
    layout.lines = np.asarray(lines, dtype=np.int64)
    layout.records = len(lines)
    _ragged_issues(layout, extra_rows, short_rows, widest, origin)
    return layout


def _ragged_issues(
    layout: CsvLayout,
    extra_rows: list[tuple[int, list[str]]],
    short_rows: list[tuple[int, int]],
    widest: int,
    origin: str,
) -> None:
    width = layout.width
    if widest > width:
        extras, _ = dedupe_names(
            layout.names + [""] * (widest - width), origin, layout.header_line
        )
        layout.names = extras
        if all(not "".join(cells).strip() for _, cells in extra_rows):
            layout.drop = extras[width:]
            layout.issues.append(
                _issue(
                    layout.header_line,
                    "trailing-delimiter",
                    layout.delimiter,
                    f"{len(extra_rows)} line(s) of {origin} end with an empty field "
                    f"the header does not have (a trailing {layout.delimiter!r}); "
                    "the empty fields are ignored",
                )
            )
        else:
            for line, cells in extra_rows[:MAX_LISTED]:
                shown = layout.delimiter.join(cells)[:80]
                layout.issues.append(
                    _issue(
                        line,
                        "ragged-row",
                        shown,
                        f"expected {width} fields (the header's); line {line} has "
                        f"{width + len(cells)}. The columns are not shifted: the "
                        f"extra cells are kept in {extras[width]!r}"
                        + (" and after" if widest - width > 1 else ""),
                    )
                )
            _more(layout, len(extra_rows), "ragged-row", "line(s) with extra fields")
    for line, count in short_rows[:MAX_LISTED]:
        layout.issues.append(
            _issue(
                line,
                "short-row",
                str(count),
                f"expected {width} fields (the header's); line {line} has {count}; "
                "the missing cells at its end are read as blank",
            )
        )
    _more(layout, len(short_rows), "short-row", "short line(s)")


def _more(layout: CsvLayout, found: int, code: str, what: str) -> None:
    if found > MAX_LISTED:
        layout.issues.append(
            _issue(
                layout.header_line,
                code,
                str(found),
                f"and {found - MAX_LISTED} more {what} (the first {MAX_LISTED} "
                "are listed)",
            )
        )
