"""Score a Dask DataFrame partition by partition, with the in-memory run's result.

``demandrisk.dask.score(ddf)`` returns a lazy Dask DataFrame with the columns
of ``demandrisk.score(frame).scores`` (names, order, dtypes) and, once
computed, the same rows in the same order: scoring is row-local (fixed
goalposts), so every partition is scored on its own. Needs the ``dask`` extra
(``pip install 'demandrisk[dask]'``); ``import demandrisk`` never imports Dask.

Four things need the whole input, not one partition. Before the lazy frame is
returned, passes over the data (computed at once, on the active scheduler)
settle them and send only a few arrays to the client:

1. survey (always): rows per partition, so issue rows and the index are
   global; the supplier and buyer ids, for ``duplicate-id`` and
   ``unknown-buyer`` and the supply graph; the number columns' distinct texts,
   whose decimal mark and percentage reading are decided for the whole file;
2. fit (only a model with ``minmax``, ``zscore`` or ``percentile``
   normalisation, unless ``fitted=`` gives the bounds): the observed values,
   fitted once on the client; the bounds are broadcast to every partition;
3. chain (``chain=True``, the default): each partition scored without the
   chain; its spend, tier, resolved sector and country and own score go to the
   client, which computes tiers, chain exposure and hidden tiers once, exactly
   as :func:`demandrisk.score` does. Each partition's slice of the chain
   columns is then shipped to its task (scattered to the workers when a
   ``distributed`` client is active).

The lazy frame scores each partition once more. So a run reads the input two
to four times; ``ddf.persist()`` first if reading it is the expensive part.

Issues
------
:func:`score_with_issues` returns the scores and a second lazy Dask DataFrame,
the issues table ``[row, column, code, value, message]``, one partition per
input partition. Both come from the same tasks: ``dask.compute(result.scores,
result.issues)`` scores each partition once. ``row`` is the line of the
whole input, as if the partitions were one CSV with its header on line 1
(partition offsets added); issues about the header (``column-clash``,
``converted-percentage``) are in the first partition. Computed, the table
equals ``demandrisk.score(ddf.compute()).issues``.

Limits
------
The supply graph is computed on the client: its ids, buyers and per-row chain
texts must fit in the client's memory. Measured on one 2-core machine
(``benchmarks/README.md``, tier propagation on the bench_score graphs): 5M
links in 18 s (270,000-470,000 links a second over 100k-5M) and a peak of
4.1 GB, i.e. ~0.9 kB a link with the id columns loaded (~0.5 kB a link for
the graph step itself); a client with 16 GB carries graphs of about 15 to 18
million links. Tier propagation over graphs larger than one machine is out
of scope; pass ``chain=False`` to score without it. ``zscore`` and
``percentile`` fits also hold 8 bytes a row per fitted indicator on the
client. The input needs a supplier id column: ids
derived from names and row numbers would depend on the partitioning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

try:
    import dask
    import dask.dataframe as dd
    from dask.dataframe.utils import clear_known_categories
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        f"demandrisk.dask needs Dask ({error}); install it with "
        "pip install 'demandrisk[dask]'"
    ) from error

import pandas as pd

from .chain import ChainOutput
from .config import ModelConfig, load_config
from .dask_passes import (
    Job,
    Part,
    Survey,
    chain_part,
    fit,
    fit_part,
    header_issues,
    issues_meta,
    needs_fit,
    numeric_columns,
    score_part,
    split_issues,
    supply_chain,
    survey,
    survey_part,
    with_header,
)
from .errors import InputDataError
from .mapping import ColumnMapping
from .reference import ReferenceData, load_reference
from .schema import merge_issues, read_suppliers
from .tiers import CompanySummary

__all__ = ["DaskScoreResult", "score", "score_with_issues"]


@dataclass(frozen=True)
class DaskScoreResult:
    """The lazy scores and issues of a Dask run, and what its first passes found.

    Attributes
    ----------
    scores : dask.dataframe.DataFrame
        The scored rows, indexed by global row position.
    issues : dask.dataframe.DataFrame
        ``[row, column, code, value, message]``, rows as lines of the whole input.
    fitted : dict
        Normalisation bounds per indicator (as ``ScoreResult.fitted``).
    rows : int
        Rows scored.
    partition_rows : tuple of int
        Rows of each partition, in order (issue rows count across them).
    company : CompanySummary or None
        Exposure per tier-1 supplier (``None`` with ``chain=False``).
    """

    scores: dd.DataFrame
    issues: dd.DataFrame
    fitted: dict[str, Any]
    rows: int
    partition_rows: tuple[int, ...] = ()
    company: CompanySummary | None = None


def score(
    ddf: dd.DataFrame,
    config: ModelConfig | str | Path | dict[str, Any] | None = None,
    *,
    reference: ReferenceData | str | Path | None = None,
    fitted: dict[str, Any] | None = None,
    edges: pd.DataFrame | str | Path | None = None,
    sourcing_countries: Sequence[str] | None = None,
    chain: bool = True,
    mapping: ColumnMapping | dict[str, Any] | str | Path | None = None,
    decimal: str | None = None,
) -> dd.DataFrame:
    """Score every supplier of a Dask DataFrame; return the lazy scored frame.

    The parameters are those of :func:`demandrisk.score`; ``ddf`` should hold
    text columns (``dd.read_csv(..., dtype=str, keep_default_na=False)``).
    The first passes (see the module docstring) run now; the result is lazy.
    For the issues table as well, use :func:`score_with_issues`.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import demandrisk
    >>> from demandrisk._paths import data_dir
    >>> frame = demandrisk.read_suppliers(data_dir() / "examples" / "suppliers.csv")
    >>> ddf = dd.from_pandas(frame, npartitions=3)
    >>> scores = score(ddf)
    >>> scores.npartitions
    3
    >>> scored, in_memory = scores.compute(), demandrisk.score(ddf.compute()).scores
    >>> list(scored.columns) == list(in_memory.columns)
    True
    >>> scored["explanation"].astype(str).equals(in_memory["explanation"].astype(str))
    True
    """
    return score_with_issues(
        ddf,
        config,
        reference=reference,
        fitted=fitted,
        edges=edges,
        sourcing_countries=sourcing_countries,
        chain=chain,
        mapping=mapping,
        decimal=decimal,
    ).scores


def _check_input(ddf: Any, decimal: str | None) -> None:
    if isinstance(ddf, pd.DataFrame):
        raise InputDataError(
            "expected a Dask DataFrame; got a pandas DataFrame. Score it with "
            "demandrisk.score, or wrap it: dd.from_pandas(frame, npartitions=...)"
        )
    if not isinstance(ddf, dd.DataFrame):
        raise InputDataError(f"expected a Dask DataFrame; got {type(ddf).__name__}")
    if decimal not in (None, ".", ","):
        raise InputDataError(f"expected decimal '.' or ','; got {decimal!r}")


def _shipped(parts: list[Part]) -> list[Any]:
    """Scatter the per-partition payloads when a distributed client runs the work.

    The chain columns (texts for every row) would otherwise travel inside the
    task graph, through the scheduler.
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask without distributed
        return list(parts)
    client = getattr(dask.base.get_scheduler(), "__self__", None)
    if isinstance(client, Client):
        return list(client.scatter(parts, hash=False))
    return list(parts)


def _scores_meta(ddf: dd.DataFrame, job: Job) -> pd.DataFrame:
    """Empty frame with the output's columns and dtypes, but the chain columns.

    Scored on Dask's stand-in rows ("foo"), so a text column of ours whose
    stand-ins resolve to nothing comes out ``object``; real text columns are
    pandas' text dtype (``str`` under pandas 3), and so is ours here. (In
    memory, a column with no text at all in the whole file stays ``object``.)
    Categories are left unknown: each partition has its own.
    """
    meta = job.score(ddf._meta_nonempty).scores.iloc[:0].copy()
    text = pd.Series(["text"]).dtype
    for name in meta.columns.difference(ddf.columns):
        if meta[name].dtype == object:
            meta[name] = meta[name].astype(text)
    categorical = [
        c for c in meta.columns if isinstance(meta[c].dtype, pd.CategoricalDtype)
    ]
    return clear_known_categories(meta, cols=categorical)


def _with_chain_meta(
    meta: pd.DataFrame, ddf: dd.DataFrame, chained: ChainOutput | None
) -> pd.DataFrame:
    """Add the chain columns, typed as pandas types the whole columns in memory."""
    if chained is None:
        return meta
    meta = meta.copy()
    whole = pd.DataFrame(chained.columns, copy=False)  # as scoring._assemble
    for name in whole.columns:
        label = f"demandrisk_{name}" if name in ddf.columns else name
        meta[label] = pd.Series(dtype=whole[name].dtype, index=meta.index)
    return meta


def score_with_issues(
    ddf: dd.DataFrame,
    config: ModelConfig | str | Path | dict[str, Any] | None = None,
    *,
    reference: ReferenceData | str | Path | None = None,
    fitted: dict[str, Any] | None = None,
    edges: pd.DataFrame | str | Path | None = None,
    sourcing_countries: Sequence[str] | None = None,
    chain: bool = True,
    mapping: ColumnMapping | dict[str, Any] | str | Path | None = None,
    decimal: str | None = None,
) -> DaskScoreResult:
    """Score a Dask DataFrame; return the lazy scores and issues (one pass each).

    Parameters are those of :func:`score`.

    Returns
    -------
    DaskScoreResult

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> frame = pd.DataFrame({"supplier_id": ["A", "B", "A"],
    ...                       "country": ["BGD", "Atlantis", "DEU"],
    ...                       "sector": ["C14", "C14", "J"]})
    >>> result = score_with_issues(dd.from_pandas(frame, npartitions=2))
    >>> scores, issues = dask.compute(result.scores, result.issues)
    >>> issues[["row", "column", "code"]].values.tolist()
    [[3, 'country', 'unknown-country'], [4, 'supplier_id', 'duplicate-id']]
    """
    _check_input(ddf, decimal)
    config = load_config(config)
    if not isinstance(reference, ReferenceData):
        reference = load_reference(reference)
    rules = ColumnMapping.from_any(mapping)
    headers = [str(c) for c in ddf.columns]
    columns = {ours: found[0] for ours, found in rules.resolve(headers).items()}
    if "supplier_id" not in columns:
        raise InputDataError(
            "demandrisk.dask needs a supplier id column (ids derived from names "
            "and row numbers would depend on the partitioning); found "
            f"{headers[:12]}. Map one: mapping={{'columns': {{'supplier_id': ...}}}}"
        )
    job = Job(config, reference, rules, decimal, fitted=fitted)
    meta = _scores_meta(ddf, job)  # a missing column fails here, before any pass
    numeric = numeric_columns(columns)
    labels = {str(c): c for c in ddf.columns}
    # Only the columns the survey reads: Parquet inputs then read only those.
    needed = [
        labels[columns[c]]
        for c in ("supplier_id", "buyer_id", *numeric)
        if c in columns
    ]
    surveyed = _each(survey_part, ddf[needed].to_delayed(), columns, numeric)
    found = survey(surveyed, columns, decimal)
    parts = ddf.to_delayed()
    job = replace(job, numbers=found.numbers)
    observed = _each(fit_part, parts, job) if needs_fit(config, fitted) else []
    job = replace(job, fitted=fit(observed, job))
    chained = None
    if chain:
        if edges is not None and not isinstance(edges, pd.DataFrame):
            edges = read_suppliers(edges)
        graph = _each(chain_part, parts, job)
        chained = supply_chain(graph, found, job, edges, sourcing_countries)
    return _lazy(parts, job, found, chained, _with_chain_meta(meta, ddf, chained))


def _each(function: Any, parts: list[Any], *args: Any) -> list[Any]:
    """Run ``function(partition, *args)`` on every partition now; gather results.

    Large arguments (the job holds the reference tables) go into the graph once.
    """
    shared = [dask.delayed(a, traverse=False) for a in args]
    return list(dask.compute(*[dask.delayed(function)(p, *shared) for p in parts]))


def _lazy(
    parts: list[Any],
    job: Job,
    found: Survey,
    chained: ChainOutput | None,
    meta: pd.DataFrame,
) -> DaskScoreResult:
    """The last pass, left lazy: one task per partition gives rows and issues."""
    offsets = found.offsets
    whole = merge_issues(found.issues, chained.issues if chained else None)
    by_part = split_issues(whole, offsets)
    columns = chained.columns if chained else {}
    payloads = _shipped(
        [
            Part(
                number=i,
                offset=int(offsets[i]),
                rows=int(found.lengths[i]),
                chain={k: v[offsets[i] : offsets[i + 1]] for k, v in columns.items()},
                issues=by_part[i],
            )
            for i in range(len(parts))
        ]
    )
    shared = dask.delayed(job, traverse=False)
    tasks = [
        dask.delayed(score_part, nout=3)(p, shared, payload, meta)
        for p, payload in zip(parts, payloads, strict=True)
    ]
    header = dask.delayed(header_issues)([t[2] for t in tasks])
    issue_parts = [dask.delayed(with_header)(header, tasks[0][1])]
    issue_parts += [t[1] for t in tasks[1:]]
    divisions = None
    if (found.lengths > 0).all():  # known divisions need no empty partition
        divisions = (*map(int, offsets[:-1]), int(offsets[-1]) - 1)
    # Dask turns object and str columns into Arrow strings (string[pyarrow]);
    # the in-memory dtypes are the contract, so that conversion is off here.
    with dask.config.set({"dataframe.convert-string": False}):
        scores = dd.from_delayed([t[0] for t in tasks], meta=meta, divisions=divisions)
        issues = dd.from_delayed(issue_parts, meta=issues_meta())
    return DaskScoreResult(
        scores=scores,
        issues=issues,
        fitted=dict(job.fitted or {}),
        rows=int(offsets[-1]),
        partition_rows=tuple(int(n) for n in found.lengths),
        company=chained.company if chained else None,
    )
