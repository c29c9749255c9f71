"""Read supplier files as they come, and prepare them for scoring.

:func:`read_table` reads CSV (comma, semicolon, tab or pipe; sniffed), in
UTF-8 with or without BOM, UTF-16 or cp1252/latin-1 (detected, or forced with
``encoding=``), Excel ``.xlsx``/``.xls`` (first sheet or ``sheet=``) and
Parquet, with every cell as text. A title or blank rows above the header are
found and skipped, and the issues table says so (``skipped-rows``).

:func:`prepare_input` reads, maps columns and values (:mod:`.mapping`), derives
an id where the file has none, reads numbers as typed (:mod:`.numbers`) and
returns the frame to score beside the untouched original.

Encoding detection, in order: a byte-order mark (UTF-8, UTF-16 LE/BE); NUL
bytes in every other position (UTF-16 without BOM); strict UTF-8; cp1252
(Windows exports); latin-1, which reads any byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .codes import BLANKS
from .errors import InputDataError
from .mapping import SYNONYMS, ColumnMapping, normalise_header
from .numbers import infer_decimal, parse_numbers, to_canonical
from .schema import ISSUE_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .textcolumn import TextColumn

__all__ = [
    "InputReport",
    "NumberPlan",
    "ReadResult",
    "detect_encoding",
    "plan_numbers",
    "prepare_input",
    "read_table",
    "sniff_csv",
]

DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 1 << 16
_HEADER_SEARCH = 30
_KNOWN = {s for synonyms in SYNONYMS.values() for s in synonyms} | set(SYNONYMS)
_NUMERIC_KINDS = {"share", "count", "amount", "tier", "number"}
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
# column -> (decimal mark or None, read the column as percentages)
NumberPlan = dict[str, tuple[str | None, bool]]


@dataclass(frozen=True)
class ReadResult:
    """A table read as text, the reading issues and how it was read."""

    frame: pd.DataFrame
    issues: pd.DataFrame
    format: str
    header_line: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


@dataclass
class InputReport:
    """What :func:`prepare_input` understood; ``str()`` prints it.

    Attributes
    ----------
    origin, format, encoding, delimiter, sheet : how the file was read.
    header_line : 1-based line (row) of the header in the file.
    columns : ``[column, header, how]``: which header fed each of our columns.
    numbers : the number plan used (column -> decimal mark, percentages).
    notes : other things worth knowing (translated values, sector scheme...).
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

    @property
    def row_offset(self) -> int:
        """Add to issue rows computed as ``position + 2`` (header on line 1)."""
        return self.header_line - 1

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


def _issues(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS).astype({"row": "int64"})


def detect_encoding(data: bytes) -> str:
    """Name the encoding of a file's bytes (see the module docstring).

    Examples
    --------
    >>> detect_encoding("a;b\\n".encode("utf-16")), detect_encoding(b"caf\\xe9")
    ('utf-16', 'cp1252')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * len(sample[1::2]):
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * len(sample[0::2]):
        return "utf-16-be"
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _decode(data: bytes, encoding: str | None, origin: str) -> tuple[str, str]:
    used = encoding or detect_encoding(data)
    try:
        text = data.decode(used)
    except (UnicodeDecodeError, LookupError) as error:
        raise InputDataError(
            f"{origin}: cannot be read with encoding {used!r}: {error}. "
            "Give the encoding (--encoding cp1252, utf-16...)"
        ) from None
    return text.removeprefix("\ufeff"), used


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the most equal fields."""
    lines = [line for line in sample.splitlines()[:_HEADER_SEARCH] if line.strip()]
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


def _header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: skip titles and blank rows.

    The first row with two or more known headers wins; else the first row
    filled at least half as wide as the widest row.
    """
    rows = rows[:_HEADER_SEARCH]
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
    rows: list[list[str]], header: int, origin: str
) -> list[dict[str, Any]]:
    if header == 0:
        return []
    above = [
        " ".join(str(c).strip() for c in r if str(c).strip()) for r in rows[:header]
    ]
    text = "; ".join(a for a in above if a)[:120]
    return [
        {
            "row": header + 1,
            "column": "",
            "code": "skipped-rows",
            "value": text,
            "message": f"the header is on line {header + 1} of {origin}; the "
            f"{header} line(s) above it (a title or blank lines) were skipped",
        }
    ]


def sniff_csv(
    data: bytes, encoding: str | None, origin: str
) -> tuple[str, str, int, list[list[str]]]:
    """Return (encoding, delimiter, lines above the header, first rows)."""
    sample, used = _decode(data, encoding, origin)
    delimiter = _sniff_delimiter(sample[:_SAMPLE_BYTES])
    reader = csv.reader(io.StringIO(sample[:_SAMPLE_BYTES]), delimiter=delimiter)
    rows, starts = [], []
    try:
        for _ in range(_HEADER_SEARCH):
            starts.append(reader.line_num)
            rows.append(next(reader))
    except (StopIteration, csv.Error):
        starts = starts[: len(rows)]
    if not rows:
        raise InputDataError(f"{origin}: the file is empty; expected a header line")
    header = _header_index(rows)
    return used, delimiter, starts[header], rows[: header + 1]


def _read_csv(path: Path, encoding: str | None) -> ReadResult:
    data = path.read_bytes()
    text, used = _decode(data, encoding, str(path))
    used, delimiter, skip, rows = sniff_csv(data, used, str(path))
    frame = pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        skiprows=skip,
        header=0,
        dtype=str,
        keep_default_na=False,
        engine="c",
    )
    issues = _skipped_issue(rows, len(rows) - 1, path.name)
    if issues:
        issues[0]["row"] = skip + 1
        issues[0]["message"] = issues[0]["message"].replace(
            f"line {len(rows)}", f"line {skip + 1}"
        )
    return ReadResult(
        frame.fillna(""), _issues(issues), "csv", skip + 1, used, delimiter
    )


def _grid_to_frame(grid: pd.DataFrame, origin: str) -> tuple[pd.DataFrame, int, list]:
    grid = grid.fillna("").astype(str)
    rows = grid.head(_HEADER_SEARCH).to_numpy().tolist()
    if not rows:
        raise InputDataError(f"{origin}: the sheet is empty; expected a header row")
    header = _header_index(rows)
    names: list[str] = []
    seen: dict[str, int] = {}
    for j, cell in enumerate(rows[header]):
        name = str(cell).strip() or f"Unnamed: {j}"
        seen[name] = seen.get(name, -1) + 1
        names.append(name if seen[name] == 0 else f"{name}.{seen[name]}")
    frame = grid.iloc[header + 1 :].reset_index(drop=True)
    frame.columns = names
    empty = [
        n
        for n, c in zip(names, rows[header], strict=True)
        if not str(c).strip() and not frame[n].str.strip().astype(bool).any()
    ]
    return frame.drop(columns=empty).astype(object), header, rows


def _read_excel(path: Path, sheet: str | int | None) -> ReadResult:
    engine: Literal["xlrd", "openpyxl"] = (
        "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
    )
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: unknown extensions, styles
        try:
            book = pd.ExcelFile(path, engine=engine)
        except ImportError as error:
            raise InputDataError(
                f"Reading {path.name} needs an optional package: {error}. "
                f"Install it (pip install {engine}) or save the file as CSV."
            ) from None
        with book:
            names = book.sheet_names
            if isinstance(sheet, str) and sheet not in names:
                raise InputDataError(
                    f"{path}: no sheet {sheet!r}; the sheets are {names}"
                )
            if isinstance(sheet, int) and not 0 <= sheet < len(names):
                raise InputDataError(
                    f"{path}: no sheet number {sheet}; there are {len(names)}: {names}"
                )
            chosen = names[sheet] if isinstance(sheet, int) else (sheet or names[0])
            grid = book.parse(chosen, header=None, dtype=str, keep_default_na=False)
    frame, header, rows = _grid_to_frame(grid, path.name)
    issues = _skipped_issue(rows, header, f"{path.name} sheet {chosen!r}")
    return ReadResult(
        frame, _issues(issues), path.suffix.lower()[1:], header + 1, sheet=str(chosen)
    )


def read_table(
    source: str | Path | pd.DataFrame,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> ReadResult:
    """Read a supplier table with every cell as text.

    Parameters
    ----------
    source : path (CSV/TXT/TSV, ``.xlsx``, ``.xls``, ``.parquet``) or DataFrame.
    encoding : force a text encoding (CSV only); detected when None.
    sheet : Excel sheet name or 0-based number; the first sheet when None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> text = "Supplier list;;\\nVendor No.;Land;Branche\\n7;Türkei;C14\\n"
    >>> _ = path.write_bytes(text.encode("cp1252"))
    >>> read = read_table(path)
    >>> read.frame.columns.tolist(), read.encoding, read.delimiter, read.header_line
    (['Vendor No.', 'Land', 'Branche'], 'cp1252', ';', 2)
    >>> read.issues[["row", "code"]].values.tolist()
    [[2, 'skipped-rows']]
    """
    if isinstance(source, pd.DataFrame):
        return ReadResult(source.reset_index(drop=True), _issues([]), "DataFrame")
    path = Path(source)
    if not path.is_file():
        raise InputDataError(f"Supplier file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            return _read_excel(path, sheet)
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            frame = frame.astype("string").fillna("").astype(object)
            return ReadResult(frame, _issues([]), "parquet")
        return _read_csv(path, encoding)
    except InputDataError:
        raise
    except _READ_ERRORS as error:
        kind = suffix.lstrip(".") or "CSV"
        raise InputDataError(
            f"{path}: cannot be read as {kind}: {type(error).__name__}: {error}"
        ) from None


def plan_numbers(
    texts: dict[str, np.ndarray], decimal: str | None = None
) -> NumberPlan:
    """Decide per numeric column its decimal mark and whether it holds percentages.

    ``texts`` holds each numeric column's distinct texts (of the whole file:
    :mod:`.stream` plans on a first pass so every chunk is read alike). A share
    column is read as percentages when every non-zero value is in (1, 100].

    Examples
    --------
    >>> plan_numbers({"migrant_worker_share": np.array(["45", "0", "12,5"], object)})
    {'migrant_worker_share': (',', True)}
    """
    plan: NumberPlan = {}
    for column, values in texts.items():
        mark = decimal or infer_decimal(values)
        parsed = parse_numbers(values, mark)
        percent_column = False
        if OPTIONAL_COLUMNS.get(column) == "share":
            plain = parsed.values[~parsed.percent & ~np.isnan(parsed.values)]
            nonzero = plain[plain != 0]
            percent_column = bool(
                nonzero.size and ((nonzero > 1) & (nonzero <= 100)).all()
            )
        plan[column] = (mark, percent_column)
    return plan


def _apply_numbers(
    column: pd.Series,
    name: str,
    plan: tuple[str | None, bool],
    header: str,
    header_line: int,
) -> tuple[pd.Series, list[dict[str, Any]]]:
    """Rewrite a numeric column as plain ``1234.5`` texts following its plan."""
    mark, percent_column = plan
    if mark is None and not percent_column:
        return column, []
    text = TextColumn.from_series(column)
    parsed = parse_numbers(text.texts, mark)
    rewrite = ~parsed.bad & ~parsed.blank & ~parsed.ambiguous
    values = np.where(parsed.percent, parsed.values * 100, parsed.values)
    issues = []
    if percent_column:
        converted = rewrite & ~parsed.percent & (values != 0)
        values = np.where(~parsed.percent, values / 100, values)
        count = int(text.per_row(converted).sum())
        if count:
            issues.append(
                {
                    "row": header_line,
                    "column": name,
                    "code": "converted-percentage",
                    "value": header,
                    "message": f"column {header!r} read as percentages: every value "
                    f"is between 1 and 100, so {count} cell(s) were divided by 100",
                }
            )
    new = to_canonical(values)
    new = np.where(parsed.percent, np.char.add(new.astype(str), "%"), new)
    new = np.where(rewrite, new, text.texts).astype(object)
    return pd.Series(text.per_row(new), index=column.index, dtype=object), issues


def _is_text(column: pd.Series) -> bool:
    """True for a pandas string column (not object: it may hold numbers)."""
    return isinstance(column.dtype, pd.StringDtype)


def _derived_ids(
    frame: pd.DataFrame, header_line: int
) -> tuple[pd.Series, str, dict[str, Any]]:
    """A stable id from name + country (``N-`` + 10 hex), else the file's row."""
    rows = pd.Series(np.arange(len(frame)) + header_line + 1, index=frame.index)
    row_ids = "R" + rows.astype(str)
    if "name" not in frame:
        how = "the row number in the file (R<row>)"
        return row_ids.astype(object), how, _derived_issue(header_line, how)
    key = frame["name"].astype(str).str.strip().str.casefold()
    if "country" in frame:
        key = key + "|" + frame["country"].astype(str).str.strip().str.casefold()
    codes, uniques = pd.factorize(key)
    hashed = np.array(
        ["N-" + hashlib.sha1(u.encode()).hexdigest()[:10] for u in uniques],  # distinct
        dtype=object,
    )
    blank = frame["name"].astype(str).str.strip().str.casefold().isin(BLANKS)
    ids = pd.Series(hashed[codes], index=frame.index, dtype=object)
    ids = ids.where(~blank, row_ids)
    how = "name + country ('N-' + 10 hex of SHA-1; R<row> where the name is blank)"
    return ids, how, _derived_issue(header_line, how)


def _derived_issue(header_line: int, how: str) -> dict[str, Any]:
    return {
        "row": header_line,
        "column": "supplier_id",
        "code": "derived-id",
        "value": "",
        "message": f"the file has no supplier id column; ids were derived from {how}",
    }


_SCHEME_PREFIX = re.compile(r"^\s*(naics|hts|hs|isic)\b", re.IGNORECASE)


def prepare_input(
    source: str | Path | pd.DataFrame,
    mapping: ColumnMapping | dict[str, Any] | str | Path | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    decimal: str | None = None,
    *,
    numbers: NumberPlan | None = None,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, InputReport]:
    """Read and map a supplier table; return what to score beside the original.

    ``required`` names the columns the model cannot score without (see
    :meth:`demandrisk.config.ModelConfig.required_columns`).

    Returns
    -------
    frame_for_scoring : DataFrame
        The original's columns plus our canonical columns (mapped, values
        translated, sector scheme prefixed, numbers as plain ``1234.5``).
    original : DataFrame
        The file as read, untouched; ``supplier_id`` appended when the file has
        no column of that name (mapped or derived), so results can be looked
        up by id.
    issues : DataFrame
        Reading and mapping issues, rows as lines in the file.
    report : InputReport
        What was understood; issues computed on ``frame_for_scoring`` with
        the header as row 1 need ``+ report.row_offset``.

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
    read = read_table(source, encoding=encoding, sheet=sheet)
    if decimal not in (None, ".", ","):
        raise InputDataError(f"expected decimal '.' or ','; got {decimal!r}")
    origin = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    original = read.frame
    labels = {str(c): c for c in original.columns}
    rules = ColumnMapping.from_any(mapping)
    used = rules.resolve(list(labels))
    issues = [read.issues]
    notes: list[str] = []
    scored = original.copy(deep=False)
    for ours, (header, _) in used.items():
        cells = original[labels[header]]
        # Text columns stay as read (Arrow strings from a CSV): object dtype
        # would make a Python string per cell, ~0.8 GB for 13 columns at 1M
        # rows. Numbers or mixed cells from a DataFrame become objects.
        scored[ours] = cells if _is_text(cells) else cells.astype(object)
    rows_table = [(o, h, how) for o, (h, how) in used.items()]
    if "supplier_id" not in used:
        scored["supplier_id"], how, issue = _derived_ids(scored, read.header_line)
        rows_table.insert(0, ("supplier_id", "", "derived"))
        issues.append(_issues([issue]))
    missing = [c for c in required if c not in scored.columns]
    if missing:
        raise InputDataError(
            f"{origin}: expected columns {list(required)}; found no column for "
            f"{missing} among the headers {list(labels)[:20]}. Map them with --map "
            "(demandrisk init-map INPUT writes a mapping file to edit)"
        )
    for column in ("sector", "country"):
        if column not in scored.columns:
            continue
        scored[column], changed = rules.translate(column, scored[column])
        if changed:
            notes.append(f"{changed} {column} cell(s) translated by [values.{column}]")
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
        notes.append(f"sector codes read as {scheme.upper()} (header or sector_scheme)")
    kinds = {c: k for c, k in OPTIONAL_COLUMNS.items() if k in _NUMERIC_KINDS}
    present = [c for c in kinds if c in used]
    if numbers is None:
        numbers = plan_numbers(
            {c: TextColumn.from_series(scored[c]).texts for c in present}, decimal
        )
    for column in present:
        if column in numbers:
            scored[column], found = _apply_numbers(
                scored[column],
                column,
                numbers[column],
                used[column][0],
                read.header_line,
            )
            issues.append(_issues(found))
            if numbers[column][0] == "," and decimal is None:
                notes.append(f"{column}: decimal comma (every value that shows one)")
    if "supplier_id" not in original.columns:
        original = original.assign(supplier_id=scored["supplier_id"].to_numpy())
    report = InputReport(
        origin=origin,
        format=read.format,
        header_line=read.header_line,
        columns=pd.DataFrame(rows_table, columns=["column", "header", "how"]),
        encoding=read.encoding,
        delimiter=read.delimiter,
        sheet=read.sheet,
        numbers=numbers,
        notes=notes,
    )
    parts = [p for p in issues if len(p)]
    all_issues = pd.concat(parts, ignore_index=True) if parts else _issues([])
    return scored, original, all_issues, report
