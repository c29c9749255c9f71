"""Score a CSV larger than memory in chunks, with the in-memory run's output.

A scan of the file's lines (:mod:`demandrisk.csvstream`: the encoding, the
header, ragged lines and line numbers, as the in-memory reader finds them),
then three passes, memory bounded by the chunk size plus a few arrays per row:

1. a cheap pass over the columns whose checks need the whole file (the ids for
   ``duplicate-id``, ``lookalike-id`` and ``unknown-buyer``; the numeric
   columns, whose decimal mark and share unit are decided per column, see
   :mod:`demandrisk.numberplan`);
2. chunks of ``chunksize`` rows, each scored once without the supply chain;
   what the supply graph needs (ids, buyers, spend, own score...) stays in
   memory, the scored chunk is spilled to a temporary file beside the output;
   the chain (tiers, chain exposure, hidden tiers) is then computed once over
   the whole file, exactly as the in-memory run does;
3. the spilled chunks are read back in order, the chain columns appended, and
   written with the same CSV writer as :func:`demandrisk.io.write_table`.

A tqdm progress bar on stderr counts the rows once (pass 2). Issues name the
file's physical lines. Scores are
row-local with the goalposts normalisation of the default model; a model with
fitted normalisation (``minmax``...) needs the whole file, so it is refused
here.
"""

from __future__ import annotations

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
from .csvfile import CsvLayout
from .csvstream import clean_chunk, file_layout, read_chunks
from .errors import ConfigError, InputDataError, OutputError
from .io import check_output, usual_permissions, write_csv
from .mapping import ColumnMapping
from .numberplan import count_pairs
from .readers import SUMMARY_ATTR, InputReport, plan_numbers
from .safety import escape_formulas
from .schema import OPTIONAL_COLUMNS, id_issues, merge_issues, read_suppliers
from .textcolumn import TextColumn

__all__ = ["score_csv"]

_GLOBAL_CODES = ("duplicate-id", "unknown-buyer", "lookalike-id")


def _csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    sink = io.BytesIO()
    write_csv(escape_formulas(frame), sink, header=header)
    return sink.getvalue()


def _refused(plan: Any, column: str) -> bool:
    return column in plan and plan[column].unit == "refused"


def _issues_frame(*parts: Any) -> pd.DataFrame:
    """One issues table (severity, stable order) from frames or issue dicts."""
    frames = [pd.DataFrame(p) if isinstance(p, list) else p for p in parts]
    return merge_issues(*[f for f in frames if len(f)])


def _located(issues: pd.DataFrame, layout: CsvLayout, start: int = 0) -> pd.DataFrame:
    """Rows ``position + 2`` of a chunk starting at ``start`` as the file's lines.

    Rows about the header go to the header's line; an edge file's issues keep
    that file's lines.
    """
    if not len(issues):
        return issues
    rows = issues["row"].to_numpy(dtype=np.int64)
    ours = ~issues["column"].astype(str).str.startswith("edges.").to_numpy()
    data = ours & (rows >= 2)
    located = rows.copy()
    located[ours & ~data] = layout.header_line
    located[data] = layout.line_of(rows[data] - 2 + start)
    return issues.assign(row=located)


def _global_issues(
    ids: pd.Series, buyers: pd.Series | None, layout: CsvLayout
) -> pd.DataFrame:
    """The id checks over the whole file (rows as file lines)."""
    issues = id_issues(
        TextColumn.from_series(ids),
        None if buyers is None else TextColumn.from_series(buyers),
    )
    return _located(issues, layout)


def _scoring_pass(
    path: Path,
    layout: CsvLayout,
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
    with read_chunks(path, layout, chunksize) as reader:
        for number, chunk in enumerate(reader):
            chunk = clean_chunk(chunk, layout)
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
    layout = file_layout(path, encoding)
    headers = [n for n in layout.names if n not in layout.drop]
    rules = ColumnMapping.from_any(mapping)
    columns = rules.resolve(headers)
    if "supplier_id" not in columns:
        raise InputDataError(
            f"{path}: --chunksize needs a supplier id column (found {headers[:12]})"
        )
    numeric = [
        c
        for c, k in OPTIONAL_COLUMNS.items()
        if k in {"share", "count", "amount", "tier"} and c in columns
    ]
    needed = {
        columns[c][0] for c in ["supplier_id", "buyer_id", *numeric] if c in columns
    }
    first = clean_chunk(
        pd.read_csv(
            path,
            usecols=sorted(needed),
            encoding=layout.encoding,
            encoding_errors=layout.errors,
            **layout.read_options(),
        ),
        layout,
    )
    ids = first[columns["supplier_id"][0]]
    buyers = first[columns["buyer_id"][0]] if "buyer_id" in columns else None
    issues = [_issues_frame(layout.issues), _global_issues(ids, buyers, layout)]
    pairs = None
    if "workers" in columns:
        workers = first[columns["workers"][0]]
        pairs = {
            c: count_pairs(first[columns[c][0]], workers)
            for c in numeric
            if OPTIONAL_COLUMNS[c] == "share"
        }
    plan = plan_numbers(
        {c: TextColumn.from_series(first[columns[c][0]]).texts for c in numeric},
        decimal,
        {c: columns[c][0] for c in numeric},
        pairs,
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

        # Rows, once each: they are scored in the first pass, written in the next.
        bar = tqdm(total=total, unit="rows", desc=path.name, file=None, leave=False)
    try:
        # Spilled chunks sit beside the output (same disk, removed on any exit).
        with tempfile.TemporaryDirectory(
            prefix=f".{output.name}.", suffix=".chunks", dir=output.parent
        ) as spill_dir:
            spill = Path(spill_dir)
            chain, spilled = _scoring_pass(
                path, layout, chunksize, config, extra, score, spill, chain_options, bar
            )
            if len(chain.issues):
                issues.append(_located(chain.issues, layout))
            if bar is not None:
                bar.set_description(f"{path.name}: writing")
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
                        found = found[~found["code"].isin(_GLOBAL_CODES)]
                        if start:
                            found = found[found["row"] > 1]  # header issues: once
                        issues.append(_located(found, layout, start))
                        start += n
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
    out = _issues_frame(*issues)
    report = InputReport(
        origin=str(path),
        format="csv",
        header_line=layout.header_line,
        columns=pd.DataFrame(
            [
                (o, h, "refused: head counts" if _refused(plan, o) else how)
                for o, (h, how) in columns.items()
            ]
            + [(o, f"= {v}", "constant (mapping)") for o, v in rules.constants.items()],
            columns=["column", "header", "how"],
        ),
        encoding=layout.encoding,
        delimiter=layout.delimiter,
        numbers=plan,
    )
    out.attrs[SUMMARY_ATTR] = str(report)
    return out
