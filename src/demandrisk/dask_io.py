"""Files and clusters for ``demandrisk score --engine dask``.

* :func:`input_files`: the files an ``INPUT_GLOB`` names (a folder, a glob or
  one file), sorted by path;
* :func:`read_files`: a Dask DataFrame with one partition per file, each read
  as ``demandrisk score FILE`` reads it (every cell as text; delimiter,
  encoding and header row detected);
* :func:`connect`: a client of the scheduler at an address, or of a local
  cluster (one single-threaded worker process per core);
* :func:`write_parquet_folder`: the scores as one Parquet file per partition
  (``part.<n>.parquet``) and the issues (``_issues.parquet``) in a folder,
  written next to it first and renamed into place, so a failed run never
  leaves a folder that looks complete.

Workers read the inputs and write the output at the same paths as the
client: on a remote cluster, put them on a file system every machine sees.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from .errors import DemandRiskError, InputDataError, OutputError
from .io import usual_permissions, write_table
from .readers import read_table

__all__ = [
    "ISSUES_FILE",
    "SUFFIXES",
    "SchedulerError",
    "check_output",
    "connect",
    "input_files",
    "read_files",
    "with_files",
    "write_parquet_folder",
]

SUFFIXES = (".csv", ".tsv", ".txt", ".parquet")
ISSUES_FILE = "_issues.parquet"  # "_": Parquet readers skip it in the folder


class SchedulerError(DemandRiskError):
    """The Dask scheduler cannot be reached (a usage error: exit code 2)."""


def input_files(pattern: str | Path) -> list[Path]:
    """The files ``pattern`` names: a folder's tables, a glob's matches, one file.

    A folder gives its ``.csv``, ``.tsv``, ``.txt`` and ``.parquet`` files;
    names starting with ``.`` or ``_`` are skipped, as Parquet readers do.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.csv", "_issues.parquet", "notes.md"):
    ...     _ = (folder / name).write_text("x")
    >>> [p.name for p in input_files(folder)]
    ['a.csv', 'b.csv']
    >>> [p.name for p in input_files(folder / "*.md")]
    ['notes.md']
    """
    text = str(pattern)
    if Path(text).is_dir():
        found = [
            p
            for p in Path(text).iterdir()
            if p.is_file()
            and p.suffix.lower() in SUFFIXES
            and not p.name.startswith((".", "_"))
        ]
    else:
        found = [Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file()]
    # Absolute: the workers do not share the client's working directory.
    found = [p.absolute() for p in found]
    if not found:
        raise InputDataError(
            f"expected CSV or Parquet files; nothing matches {text!r} (give a "
            "folder, a quoted glob such as 'data/*.csv', or a file)"
        )
    return sorted(found)


def _read(path: str, encoding: str | None, sheet: str | None) -> pd.DataFrame:
    return read_table(Path(path), encoding=encoding, sheet=sheet).frame


def _read_like(
    path: str, encoding: str | None, sheet: str | None, meta: pd.DataFrame
) -> pd.DataFrame:
    """Read one file with the first file's columns (order) and dtypes."""
    frame = _read(path, encoding, sheet)
    expected = [str(c) for c in meta.columns]
    if sorted(map(str, frame.columns)) != sorted(expected):
        raise InputDataError(
            f"{path}: expected the columns of the first file {expected[:12]}; "
            f"found {[str(c) for c in frame.columns][:12]}"
        )
    frame = frame[list(meta.columns)]
    return frame.astype(meta.dtypes.to_dict())


def read_files(
    paths: Sequence[Path], encoding: str | None = None, sheet: str | None = None
) -> dd.DataFrame:
    """One partition per file, read as ``demandrisk score FILE`` reads it.

    The first file is read once more (on the cluster) for the columns; every
    file must have them. Every column is pandas' text dtype (``str`` under
    pandas 3; Parquet files read as ``object`` too): the same cells, and a
    type Parquet writers can name without looking at the data.
    """
    names = [str(p) for p in paths]
    first = dask.delayed(_read)(names[0], encoding, sheet)
    meta = dask.compute(first.iloc[:0])[0].astype(pd.Series(["text"]).dtype)
    parts = [dask.delayed(_read_like)(n, encoding, sheet, meta) for n in names]
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(parts, meta=meta)


@contextmanager
def connect(address: str | None = None) -> Iterator[Any]:
    """A ``distributed`` client of ``address``, or of a new local cluster.

    Without an address: a local cluster of one single-threaded worker process
    per core (scoring holds the GIL in pandas' text work, so processes beat
    threads), no dashboard. The connection timeout is Dask's
    ``distributed.comm.timeouts.connect`` (30 s by default; environment
    variable ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).
    """
    from distributed import Client, LocalCluster

    if address is None:
        with (
            LocalCluster(
                processes=True,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(address)
    except Exception as error:  # timeouts, bad addresses, not a scheduler
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {address!r}: {error}. Expected "
            "the address a running scheduler prints (tcp://HOST:8786); without "
            "--scheduler a local cluster is started"
        ) from None
    with client:
        yield client


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def check_output(output: Path, inputs: Sequence[Path], force: bool) -> None:
    """Refuse an output folder that is not free, or that holds an input."""
    for source in inputs:
        if _inside(source, output):
            raise OutputError(
                f"Refusing to write the output folder {output} over the input "
                f"{source}; choose another output folder."
            )
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output} exists and is not a folder")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise OutputError(
            f"Output folder {output} exists and is not empty; choose another "
            "folder or pass --force to replace it"
        )
    parent = output.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"Output folder's parent does not exist: {parent}")


def with_files(
    issues: pd.DataFrame, files: Sequence[Path], rows: Sequence[int]
) -> pd.DataFrame:
    """Add the input file of each issue's row (one partition per file).

    Examples
    --------
    >>> issues = pd.DataFrame({"row": [1, 2, 4, 5]})
    >>> with_files(issues, [Path("a.csv"), Path("b.csv")], [2, 3])["file"].tolist()
    ['', 'a.csv', 'b.csv', 'b.csv']
    """
    ends = np.cumsum(rows)
    which = np.searchsorted(ends, issues["row"].to_numpy() - 2, side="right")
    names = np.array([str(f) for f in files] + [""], dtype=object)
    header = issues["row"].to_numpy() <= 1
    return issues.assign(
        file=np.where(header, "", names[np.minimum(which, len(files))])
    )


def write_parquet_folder(
    scores: dd.DataFrame,
    issues: dd.DataFrame,
    output: Path,
    *,
    inputs: Sequence[Path] = (),
    force: bool = False,
    rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Write ``scores`` (a file per partition) and ``issues`` into ``output``.

    Scores and issues are computed together (each partition is scored once)
    into a temporary folder beside ``output``, then renamed into place; an
    existing folder is replaced only with ``force``. With ``rows`` (rows per
    input file, one partition each) the issues get a ``file`` column. Returns
    the issues.
    """
    output = Path(output)
    check_output(output, inputs, force)
    parent = output.absolute().parent
    temporary = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=parent))
    try:
        writing = scores.to_parquet(temporary, write_index=False, compute=False)
        _, found = dask.compute(writing, issues)
        if rows is not None:
            found = with_files(found, inputs, rows)
        write_table(found, temporary / ISSUES_FILE)
        usual_permissions(temporary)  # mkdtemp's folder is private (0700)
        if output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old.", dir=parent))
            os.replace(output, old / output.name)
            os.replace(temporary, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, output)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return found
