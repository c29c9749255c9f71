"""Score a CSV larger than memory in chunks, with the in-memory run's output.

Two passes over the file:

1. a cheap pass over the columns whose checks need the whole file (the ids for
   ``duplicate-id`` and ``unknown-buyer``; the numeric columns, whose decimal
   mark and percentage reading are decided per column, see
   :func:`demandrisk.readers.plan_numbers`);
2. chunks of ``chunksize`` rows, each scored and appended to the output with
   the same writer as :func:`demandrisk.io.write_table`, with a tqdm progress
   bar on stderr.

Scores are row-local with the goalposts normalisation of the default model;
a model with fitted normalisation (``minmax``...) is fitted on the first pass
of a full in-memory run only, so it is refused here. Chain exposure over
``buyer_id`` links needs the whole supply graph: a second pass scores each
chunk without it, keeps only what the graph needs (ids, buyers, spend, own
score: a few arrays), and computes the chain once for the whole file; the
last pass scores the chunks again and appends the chain columns.
"""

from __future__ import annotations

import codecs
import inspect
import io
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from .chain import ChainOutput
from .config import load_config
from .errors import ConfigError, InputDataError, OutputError
from .io import write_csv, write_table
from .mapping import ColumnMapping
from .readers import detect_encoding, plan_numbers, sniff_csv
from .safety import escape_formulas
from .schema import ISSUE_COLUMNS, OPTIONAL_COLUMNS, _duplicate_ids
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
    column = TextColumn.from_series(ids)
    parts = [_duplicate_ids(column)]
    if buyers is not None:
        texts = TextColumn.from_series(buyers)
        blank = pd.Series(texts.folded()).isin({"", "na", "n/a", "none", "-"})
        known = pd.Series(texts.texts, dtype=object).isin(pd.Index(column.texts))
        flagged = texts.per_row((~blank & ~known).to_numpy())
        positions = np.flatnonzero(flagged)
        parts.append(
            pd.DataFrame(
                {
                    "row": positions + 2,
                    "column": "buyer_id",
                    "code": "unknown-buyer",
                    "value": texts.rows()[positions],
                    "message": "expected the supplier_id of a supplier in this file, "
                    "or blank for the company itself; no supplier has this id",
                }
            )
        )
    issues = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)
    issues["row"] = issues["row"].astype("int64") + offset
    return issues[ISSUE_COLUMNS]


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


def _whole_file_chain(
    path: Path,
    read: dict[str, Any],
    chunksize: int,
    config: Any,
    extra: dict[str, Any],
    score: Any,
) -> ChainOutput:
    """Tiers and chain exposure need the whole supply graph: a pass for it.

    Each chunk is scored without the chain; only what the graph needs is kept
    (ids, buyers, spend, declared tier, resolved sector and country, own
    score: a few arrays, not the scored table), then the chain is computed
    once over the whole file exactly as the in-memory run does.
    """
    from .chain import chain_columns
    from .reference import load_reference
    from .scoring import prior_scores

    kept: dict[str, list[np.ndarray]] = {
        k: [] for k in ("ids", "buyers", "spend", "tier", "sector", "country", "risk")
    }
    has = {"buyer_id": False, "spend": False, "tier": False}
    for chunk in pd.read_csv(path, chunksize=chunksize, **read):
        chunk = chunk.fillna("").reset_index(drop=True)
        result = score(chunk, config, chain=False, **extra)
        prepared = result.prepared
        n = len(chunk)
        kept["ids"].append(prepared.texts["supplier_id"].rows())
        has["buyer_id"] |= "buyer_id" in prepared.texts
        kept["buyers"].append(
            prepared.texts["buyer_id"].rows()
            if "buyer_id" in prepared.texts
            else np.full(n, "", dtype=object)
        )
        for name in ("spend", "tier"):
            has[name] |= name in prepared.values
            kept[name].append(prepared.values.get(name, np.full(n, np.nan)))
        kept["sector"].append(np.asarray(prepared.sector.codes, dtype=object))
        kept["country"].append(np.asarray(prepared.country.codes, dtype=object))
        label = (
            "demandrisk_risk_score" if "risk_score" in chunk.columns else "risk_score"
        )
        kept["risk"].append(result.scores[label].to_numpy(dtype=float))
    whole = {k: np.concatenate(v) if v else np.empty(0) for k, v in kept.items()}
    texts = {"supplier_id": TextColumn.from_series(pd.Series(whole["ids"]))}
    if has["buyer_id"]:
        texts["buyer_id"] = TextColumn.from_series(pd.Series(whole["buyers"]))
    graph_input = SimpleNamespace(
        texts=texts,
        values={k: whole[k] for k in ("spend", "tier") if has[k]},
        sector=SimpleNamespace(codes=whole["sector"]),
        country=SimpleNamespace(codes=whole["country"]),
    )
    reference = load_reference()
    return chain_columns(
        graph_input,  # type: ignore[arg-type]  # the fields chain_columns reads
        whole["risk"],
        config,
        reference,
        prior_scores(config, reference),
    )


def score_csv(
    path: str | Path,
    output: str | Path,
    config: Any = None,
    *,
    chunksize: int = 100_000,
    mapping: Any = None,
    encoding: str | None = None,
    decimal: str | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Score the CSV at ``path`` chunk by chunk into ``output``; return the issues.

    The output is byte for byte the one ``write_table(score(path).scores)``
    writes.
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
    del first
    options = set(inspect.signature(score).parameters)
    extra: dict[str, Any] = {}
    for name, value in (("mapping", mapping), ("decimal", decimal), ("numbers", plan)):
        if name in options:
            extra[name] = value
    chain = _whole_file_chain(path, read, chunksize, config, extra, score)
    if len(chain.issues):
        issues.append(chain.issues.assign(row=chain.issues["row"] + skip))
    write_table(pd.DataFrame(), output, protect=[path])  # checks, then replaced
    handle, temporary = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=".tmp", dir=output.parent
    )
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="rows", desc=path.name, file=None, leave=False)
    try:
        with os.fdopen(handle, "wb") as sink:
            start = 0
            for chunk in pd.read_csv(path, chunksize=chunksize, **read):
                chunk = chunk.fillna("")
                chunk.index = pd.RangeIndex(start, start + len(chunk))
                result = score(
                    chunk.reset_index(drop=True), config, chain=False, **extra
                )
                scores = result.scores
                for name, values in chain.columns.items():
                    # The same clash rule as the in-memory run (_assemble).
                    label = f"demandrisk_{name}" if name in chunk.columns else name
                    scores[label] = values[start : start + len(chunk)]
                sink.write(_csv_bytes(scores, header=start == 0))
                found = result.issues
                found = found[~found["code"].isin(_GLOBAL_CODES)].copy()
                data_rows = found["row"] > 1
                found.loc[data_rows, "row"] += start + skip
                found.loc[~data_rows, "row"] += skip
                issues.append(found if start == 0 else found[data_rows])
                start += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
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
