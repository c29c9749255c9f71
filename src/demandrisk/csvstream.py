"""The layout of a CSV file too large for memory, read in blocks.

:func:`file_layout` gives a ``--chunksize`` run the :class:`CsvLayout` that
:func:`demandrisk.tables.read_table` computes for the same file in memory:
the same encoding decision over the whole file, the same header, names,
ragged-line and NUL reports and line numbers. Chunks are then read with
:func:`read_chunks` and cleaned as the in-memory reader cleans the frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .csvfile import CsvLayout, scan_csv
from .encodings import choose_encoding, nul_issues, undecodable_issues
from .errors import InputDataError

__all__ = ["clean_chunk", "file_layout", "read_chunks"]

_BLOCK = 1 << 20


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        yield from iter(lambda: stream.read(_BLOCK), b"")


def _lines_of(path: Path, wanted: list[int]) -> dict[int, bytes]:
    """The bytes of the physical lines ``wanted`` (1-based), in one pass."""
    found: dict[int, bytes] = {}
    targets = set(wanted)
    with path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            if number in targets:
                found[number] = line.rstrip(b"\r\n")
                if len(found) == len(targets):
                    break
    return found


@contextmanager
def _text(path: Path, layout: CsvLayout, nul: bool) -> Iterator[Any]:
    with path.open(encoding=layout.encoding, errors=layout.errors, newline="") as f:
        yield (line.replace("\x00", "") for line in f) if nul else f


def file_layout(path: Path, encoding: str | None) -> CsvLayout:
    """Encoding, header, names and lines of the CSV at ``path``, streamed."""
    from .tables import csv_layout  # tables imports the readers of this package

    with path.open("rb") as stream:
        head = stream.read(1 << 16)
    bad: list[int]
    if encoding:
        used, errors, bad = encoding, "strict", []
    else:
        used, errors, bad = choose_encoding(lambda: _blocks(path), head)
    try:
        sample = head.decode(used, errors="replace").removeprefix("\ufeff")
    except LookupError as error:
        raise InputDataError(f"{path}: unknown encoding {used!r}: {error}") from None
    layout = csv_layout(sample, path.name, used, errors)
    issues = []
    if bad:
        lines = _lines_of(path, bad[:1000])
        issues += undecodable_issues(bad, lambda n: lines.get(n, b""), used)
    nul = not used.startswith("utf-16") and any(b"\x00" in b for b in _blocks(path))
    if nul:
        with _text(path, layout, False) as source:
            found = [i for i, line in enumerate(source, start=1) if "\x00" in line]
        issues += nul_issues(found, path.name)
    layout.nul = nul
    layout.issues = issues + layout.issues
    try:
        scan_csv(lambda: _text(path, layout, nul), layout, path.name)
    except UnicodeDecodeError as error:
        raise InputDataError(
            f"{path}: cannot be read with encoding {used!r}: {error}. "
            "Give the encoding (--encoding cp1252, utf-16...)"
        ) from None
    return layout


def read_chunks(path: Path, layout: CsvLayout, chunksize: int, **options: Any) -> Any:
    """A pandas chunk reader with the layout's options."""
    return pd.read_csv(
        path,
        chunksize=chunksize,
        encoding=layout.encoding,
        encoding_errors=layout.errors,
        **{**layout.read_options(), **options},
    )


def clean_chunk(chunk: pd.DataFrame, layout: CsvLayout) -> pd.DataFrame:
    """A chunk as the in-memory reader gives its rows (NULs out, empty extras)."""
    chunk = chunk.drop(columns=[c for c in layout.drop if c in chunk.columns])
    if layout.nul:
        chunk = chunk.replace("\x00", "", regex=True)
    return chunk.fillna("").reset_index(drop=True)
