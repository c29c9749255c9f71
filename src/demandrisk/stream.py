"""Score a CSV larger than memory in chunks, with the in-memory run's output.

Three passes over the file, memory bounded by the chunk size plus a few
arrays per row:

1. a cheap pass over the columns whose checks need the whole file (the ids for
   ``duplicate-id`` and ``unknown-buyer``; the numeric columns, whose decimal
   mark and percentage reading are decided per column, see
   :func:`demandrisk.readers.plan_numbers`);
2. chunks of ``chunksize`` rows, each scored once without the supply chain;
   what the supply graph needs (ids, buyers, spend, own score...) stays in
   memory, the scored chunk is spilled to a temporary file beside the output;
   the chain (tiers, chain exposure, hidden tiers) is then computed once over
   the whole file, exactly as the in-memory run does;
3. the spilled chunks are read back in order, the chain columns appended, and
   written with the same CSV writer as :func:`demandrisk.io.write_table`.

A tqdm progress bar on stderr counts rows through passes 2 and 3. Scores are
row-local with the goalposts normalisation of the default model; a model with
fitted normalisation (``minmax``...) needs the whole file, so it is refused
here.
"""

from __future__ import annotations

import codecs
import inspect
import io
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .chain import ChainOutput
from .config import load_config
from .errors import ConfigError, InputDataError, OutputError
from .io import check_output, usual_permissions, write_csv
from .mapping import ColumnMapping
from .readers import detect_encoding, plan_numbers, sniff_csv
from .safety import escape_formulas
from .schema import OPTIONAL_COLUMNS, id_issues, read_suppliers
from .textcolumn import TextColumn

__all__ = ["score_csv"]

_GLOBAL_CODES = ("duplicate-id", "unknown-buyer")


def _csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    sink = io.BytesIO()
    write_csv(escape_formulas(frame), sink, header=header)
    return sink.getvalue()


def _global_issues(
    ids: pd.Series, buyers: pd.Series | None, offset: int
) -> pd.DataFrame:
    """duplicate-id and unknown-buyer over the whole file (rows as file lines)."""
    issues = id_issues(
        TextColumn.from_series(ids),
        None if buyers is None else TextColumn.from_series(buyers),
    )
    issues["row"] = issues["row"] + offset
    return issues


def _encoding_of(path: Path, head: bytes) -> str:
    """Detect on the first bytes; confirm UTF-8 over the whole file, streamed."""
    found = detect_encoding(head)
    if found != "utf-8":
        return found
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _scoring_pass(
    path: Path,
    read: dict[str, Any],
    chunksize: int,
    config: Any,
    extra: dict[str, Any],
    score: Any,
    spill: Path,
    chain_options: dict[str, Any],
    bar: Any = None,
) -> tuple[ChainOutput, list[Path]]:
    """Score every chunk once; keep what the supply graph needs; spill the rest.

    Tiers and chain exposure need the whole supply graph, so the chain columns
    can only be known after the last chunk. Each chunk is scored without the
    chain; only what the graph needs stays in memory (ids, buyers, spend,
    declared tier, resolved sector and country, own score: a few arrays, not
    the scored table), and the scored chunk with its issues is pickled into
    ``spill`` so the writing pass does not score it a second time. The chain is
    then computed once over the whole file exactly as the in-memory run does.
    Pickle is used because it round-trips a DataFrame exactly (dtypes,
    categoricals, missing values), which the byte-identical output relies on;
    the files are our own, written and read within this call.
    """
    from .chain import chain_over_parts, graph_inputs
    from .reference import load_reference

    parts: list[dict[str, Any]] = []
    ids: list[np.ndarray] = []
    buyers: list[np.ndarray] = []
    spilled: list[Path] = []
    # The reader is closed even when a chunk fails (Ctrl-C, a bad chunk).
    with pd.read_csv(path, chunksize=chunksize, **read) as reader:
        for number, chunk in enumerate(reader):
            chunk = chunk.fillna("").reset_index(drop=True)
            result = score(chunk, config, chain=False, **extra)
            texts = result.prepared.texts
            parts.append(graph_inputs(result, list(chunk.columns)))
            ids.append(texts["supplier_id"].rows())
            if "buyer_id" in texts:
                buyers.append(texts["buyer_id"].rows())
            target = spill / f"{number:08d}.pickle"
            with target.open("wb") as sink:
                pickle.dump(
                    (list(chunk.columns), result.scores, result.issues),
                    sink,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            spilled.append(target)
            del result, texts
            if bar is not None:
                bar.update(len(chunk))
    chain = chain_over_parts(
        parts,
        np.concatenate(ids) if ids else np.empty(0, dtype=object),
        np.concatenate(buyers) if buyers else None,
        config,
        load_reference(),
        **chain_options,
    )
    return chain, spilled


def score_csv(
    path: str | Path,
    output: str | Path,
    config: Any = None,
    *,
    chunksize: int = 100_000,
    mapping: Any = None,
    encoding: str | None = None,
    decimal: str | None = None,
    edges: pd.DataFrame | str | Path | None = None,
    sourcing_countries: Sequence[str] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Score the CSV at ``path`` chunk by chunk into ``output``; return the issues.

    The output is byte for byte the one ``write_table(score(path).scores)``
    writes, and the issues are the in-memory run's.

    Parameters
    ----------
    path : str or Path
        Supplier CSV (any encoding and delimiter :func:`demandrisk.score` reads).
    output : str or Path
        CSV to write; written atomically, never the input.
    config : ModelConfig, path or None
        The model; fitted normalisations (``minmax``...) are refused.
    chunksize : int, default 100_000
        Rows scored at a time; memory grows with it, the output does not
        change.
    mapping, encoding, decimal
        As for :func:`demandrisk.score`.
    edges : DataFrame or path, optional
        ``supplier_id, buyer_id[, share]`` links for suppliers with several
        customers, as for :func:`demandrisk.score`.
    sourcing_countries : sequence of str, optional
        Countries of unmapped inputs (hidden-tier estimate).
    progress : bool, default True
        Show a tqdm progress bar on stderr.

    Returns
    -------
    pandas.DataFrame
        The issues table (``row, column, code, value, message``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from demandrisk._paths import data_dir
    >>> out = Path(tempfile.mkdtemp()) / "scored.csv"
    >>> issues = score_csv(data_dir() / "examples" / "suppliers.csv", out,
    ...                    chunksize=100, progress=False)
    >>> len(out.read_text(encoding="utf-8").splitlines()) - 1  # data rows
    291
    """
    from .scoring import score  # scoring imports readers; avoid a cycle

    if chunksize < 1:
        raise ConfigError(f"expected chunksize of at least 1; got {chunksize}")
    path, output = Path(path), Path(output)
    config = load_config(config)
    if any(i.normalisation != "goalposts" for i in config.indicators.values()):
        raise ConfigError(
            "--chunksize needs goalposts normalisation (fitted methods are fitted on "
            "the whole file); score this file without --chunksize"
        )
    if not path.is_file():
        raise InputDataError(f"Supplier file not found: {path}")
    # Checked before any work, and nothing written: a refused or failed run
    # leaves an earlier output in place.
    check_output(output, [path])
    with path.open("rb") as stream:
        head = stream.read(1 << 16)
    if encoding is None:
        encoding = _encoding_of(path, head)
    used, delimiter, skip, rows = sniff_csv(head, encoding, str(path))
    headers = [str(h) for h in rows[-1]]
    rules = ColumnMapping.from_any(mapping)
    columns = rules.resolve(headers)
    if "supplier_id" not in columns:
        raise InputDataError(
            f"{path}: --chunksize needs a supplier id column (found {headers[:12]})"
        )
    read: dict[str, Any] = {
        "sep": delimiter,
        "skiprows": skip,
        "header": 0,
        "dtype": str,
        "keep_default_na": False,
        "encoding": used,
    }
    numeric = [
        c
        for c, k in OPTIONAL_COLUMNS.items()
        if k in {"share", "count", "amount", "tier"} and c in columns
    ]
    needed = {
        columns[c][0] for c in ["supplier_id", "buyer_id", *numeric] if c in columns
    }
    first = pd.read_csv(path, usecols=sorted(needed), **read).fillna("")
    ids = first[columns["supplier_id"][0]]
    buyers = first[columns["buyer_id"][0]] if "buyer_id" in columns else None
    issues = [_global_issues(ids, buyers, skip)]
    plan = plan_numbers(
        {c: TextColumn.from_series(first[columns[c][0]]).texts for c in numeric},
        decimal,
    )
    total = len(first)
    del first, ids, buyers
    options = set(inspect.signature(score).parameters)
    extra: dict[str, Any] = {}
    for name, value in (("mapping", mapping), ("decimal", decimal), ("numbers", plan)):
        if name in options:
            extra[name] = value
    chain_options: dict[str, Any] = {"sourcing_countries": sourcing_countries}
    if edges is not None:
        chain_options["edges"] = (
            edges if isinstance(edges, pd.DataFrame) else read_suppliers(edges)
        )
    bar = None
    if progress:
        from tqdm import tqdm

        # Two passes: scoring each chunk, then writing it with its chain.
        bar = tqdm(total=2 * total, unit="rows", desc=path.name, file=None, leave=False)
    try:
        # Spilled chunks sit beside the output (same disk, removed on any exit).
        with tempfile.TemporaryDirectory(
            prefix=f".{output.name}.", suffix=".chunks", dir=output.parent
        ) as spill_dir:
            spill = Path(spill_dir)
            chain, spilled = _scoring_pass(
                path, read, chunksize, config, extra, score, spill, chain_options, bar
            )
            if len(chain.issues):
                issues.append(chain.issues.assign(row=chain.issues["row"] + skip))
            handle, temporary = tempfile.mkstemp(
                prefix=f".{output.name}.", suffix=".tmp", dir=output.parent
            )
            try:
                with os.fdopen(handle, "wb") as sink:
                    start = 0
                    for part in spilled:
                        with part.open("rb") as source:
                            names, scores, found = pickle.load(source)
                        part.unlink()  # the disk holds one copy of the output at most
                        n = len(scores)
                        for name, values in chain.columns.items():
                            # The same clash rule as the in-memory run (_assemble).
                            label = f"demandrisk_{name}" if name in names else name
                            scores[label] = values[start : start + n]
                        sink.write(_csv_bytes(scores, header=start == 0))
                        found = found[~found["code"].isin(_GLOBAL_CODES)].copy()
                        data_rows = found["row"] > 1
                        found.loc[data_rows, "row"] += start + skip
                        found.loc[~data_rows, "row"] += skip
                        issues.append(found if start == 0 else found[data_rows])
                        start += n
                        if bar is not None:
                            bar.update(n)
                usual_permissions(Path(temporary))
                os.replace(temporary, output)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    finally:
        if bar is not None:
            bar.close()
    if not output.stat().st_size:
        raise OutputError(f"{path}: no rows to score")
    parts = [p for p in issues if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else issues[0]
    return out.sort_values(["row", "column", "code"], kind="stable").reset_index(
        drop=True
    )
