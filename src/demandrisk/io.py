"""Writing outputs safely: atomically, and never over an input file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import OutputError

__all__ = ["write_table"]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_table(
    frame: pd.DataFrame, path: str | Path, *, protect: Iterable[str | Path] = ()
) -> Path:
    """Write ``frame`` as CSV to ``path`` atomically.

    The table is written to a temporary file in the same folder and renamed
    into place, so an interrupted run never leaves a half-written output.

    Parameters
    ----------
    frame : DataFrame
    path : str or Path
    protect : paths that must not be overwritten (the input files).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scored.csv"
    >>> write_table(pd.DataFrame({"a": [1]}), out).read_text()
    'a\\n1\\n'
    """
    target = Path(path)
    for guarded in protect:
        guarded_path = Path(guarded)
        if (
            _same_file(target, guarded_path)
            or target.resolve() == guarded_path.resolve()
        ):
            raise OutputError(
                f"Refusing to write the output over the input file {guarded_path}; "
                "choose another output path."
            )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Output folder does not exist: {folder}")
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            frame.to_csv(stream, index=False, lineterminator="\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
