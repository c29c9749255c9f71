"""What each partition computes for :mod:`demandrisk.dask`, and how it is combined.

Scoring a row needs only the row, the model and the reference tables, except
for four whole-file concerns. Each has its pass, which sends back to the
client only a few arrays per partition (never the scored table):

* :func:`survey` (always): row counts (the partition offsets that make row
  numbers global), the supplier and buyer ids (``duplicate-id`` and
  ``unknown-buyer`` are checks over the whole file; the ids are also the
  supply graph), and the distinct texts of the number columns, whose decimal
  mark and percentage reading are decided once for the whole file (see
  :func:`demandrisk.readers.plan_numbers`);
* :func:`fit` (a model with ``minmax``, ``zscore`` or ``percentile``): the
  observed values each fitted indicator is fitted on;
* :func:`supply_chain` (chain columns wanted): what the supply graph needs (spend,
  declared tier, resolved sector and country, own score); the chain is then
  computed once on the client exactly as the in-memory run does.

:func:`score_part` then scores one partition with everything fixed and returns
its rows, its issues and the issues about the file header (``column-clash``,
``converted-percentage``), which :func:`header_issues` merges over partitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .chain import ChainOutput, chain_over_parts, graph_inputs
from .config import ModelConfig
from .errors import InputDataError
from .features import BASIS_LEVELS
from .mapping import ColumnMapping
from .normalise import fit_bounds
from .numberplan import count_pairs
from .readers import _NUMERIC_KINDS, NumberPlan, plan_numbers
from .reference import ReferenceData
from .result import ScoreResult
from .schema import OPTIONAL_COLUMNS, id_issues, merge_issues
from .scoring import score as score_frame
from .textcolumn import TextColumn

__all__ = [
    "Job",
    "Part",
    "Survey",
    "chain_part",
    "conform",
    "fit",
    "fit_part",
    "header_issues",
    "issues_meta",
    "needs_fit",
    "numeric_columns",
    "score_part",
    "split_issues",
    "supply_chain",
    "survey",
    "survey_part",
    "whole_file_issues",
    "with_header",
]

# Checked over the whole file by the survey; a partition sees only its rows.
WHOLE_FILE_CODES = ("duplicate-id", "unknown-buyer", "lookalike-id")
# What varies between partitions in a header issue's message: its cell count
# and its example (``converted-percentage``).
_VARYING = re.compile(r"\d+(?= cell\(s\))|\(such as .*\)(?= were divided)")
_COUNT = re.compile(r"(\d+)(?= cell\(s\))")


@dataclass(frozen=True)
class Job:
    """The model and options every partition is scored with (shipped once)."""

    config: ModelConfig
    reference: ReferenceData
    mapping: ColumnMapping
    decimal: str | None = None
    numbers: NumberPlan | None = None
    fitted: dict[str, Any] | None = None

    def score(self, frame: pd.DataFrame) -> ScoreResult:
        """Score one partition without the chain (added from the whole graph)."""
        return score_frame(
            frame.reset_index(drop=True),
            self.config,
            reference=self.reference,
            fitted=self.fitted,
            chain=False,
            mapping=self.mapping,
            decimal=self.decimal,
            numbers=self.numbers,
        )


@dataclass(frozen=True)
class Part:
    """What one partition's final task needs besides its rows."""

    number: int
    offset: int
    rows: int
    chain: dict[str, np.ndarray] = field(default_factory=dict)
    issues: pd.DataFrame | None = None


@dataclass(frozen=True)
class Survey:
    """The whole-file facts of the first pass."""

    lengths: np.ndarray
    ids: np.ndarray
    buyers: np.ndarray | None
    numbers: NumberPlan
    issues: pd.DataFrame

    @property
    def offsets(self) -> np.ndarray:
        """First global row position of each partition, then the row count."""
        return np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)


def _header(frame: pd.DataFrame, name: str) -> Any:
    """The frame's column label whose text is ``name`` (labels may not be str)."""
    return {str(c): c for c in frame.columns}[name]


def survey_part(
    frame: pd.DataFrame, columns: dict[str, str], numeric: list[str]
) -> dict[str, Any]:
    """Row count, ids, buyers and distinct number texts of one partition."""
    out: dict[str, Any] = {"rows": len(frame)}
    for ours in ("supplier_id", "buyer_id"):
        if ours in columns:
            text = TextColumn.from_series(frame[_header(frame, columns[ours])])
            out[ours] = text.rows()
    out["numbers"] = {
        c: TextColumn.from_series(frame[_header(frame, columns[c])]).texts
        for c in numeric
    }
    if "workers" in columns:  # head counts: is any above its row's workers?
        workers = frame[_header(frame, columns["workers"])]
        out["pairs"] = {
            c: count_pairs(frame[_header(frame, columns[c])], workers)
            for c in numeric
            if OPTIONAL_COLUMNS[c] == "share"
        }
    return out


def survey(
    parts: list[dict[str, Any]], columns: dict[str, str], decimal: str | None
) -> Survey:
    """Combine :func:`survey_part` results in partition order."""
    ids = np.concatenate([p["supplier_id"] for p in parts]).astype(object)
    buyers = None
    if "buyer_id" in columns:
        buyers = np.concatenate([p["buyer_id"] for p in parts]).astype(object)
    numeric = parts[0]["numbers"].keys() if parts else []
    texts = {
        c: pd.unique(np.concatenate([p["numbers"][c] for p in parts]).astype(object))
        for c in numeric
    }
    return Survey(
        lengths=np.array([p["rows"] for p in parts], dtype=np.int64),
        ids=ids,
        buyers=buyers,
        numbers=plan_numbers(
            texts, decimal, {c: columns[c] for c in numeric}, _pairs(parts, columns)
        ),
        issues=whole_file_issues(ids, buyers),
    )


def _pairs(
    parts: list[dict[str, Any]], columns: dict[str, str]
) -> dict[str, tuple[int, int]] | None:
    """Head-count evidence summed over partitions (None without workers)."""
    if "workers" not in columns:
        return None
    total: dict[str, tuple[int, int]] = {}
    for part in parts:
        for column, (both, over) in part.get("pairs", {}).items():
            seen = total.get(column, (0, 0))
            total[column] = (seen[0] + both, seen[1] + over)
    return total


def numeric_columns(columns: dict[str, str]) -> list[str]:
    """Our number columns the file has (the ones :func:`plan_numbers` plans)."""
    return [
        c for c, k in OPTIONAL_COLUMNS.items() if k in _NUMERIC_KINDS and c in columns
    ]


def whole_file_issues(ids: np.ndarray, buyers: np.ndarray | None) -> pd.DataFrame:
    """``duplicate-id`` and ``unknown-buyer`` as :func:`prepare_suppliers` finds them.

    Examples
    --------
    >>> issues = whole_file_issues(np.array(["A", "B", "A"], dtype=object),
    ...                            np.array(["", "X", "null"], dtype=object))
    >>> issues[["row", "column", "code"]].values.tolist()
    [[3, 'buyer_id', 'unknown-buyer'], [4, 'supplier_id', 'duplicate-id']]
    """
    return id_issues(
        TextColumn.from_series(pd.Series(ids, dtype=object)),
        None
        if buyers is None
        else TextColumn.from_series(pd.Series(buyers, dtype=object)),
    )


def _fitted_methods(config: ModelConfig, given: dict[str, Any] | None) -> dict:
    return {
        code: indicator.normalisation
        for code, indicator in config.indicators.items()
        if indicator.normalisation != "goalposts" and code not in (given or {})
    }


def needs_fit(config: ModelConfig, given: dict[str, Any] | None) -> bool:
    """True when an indicator's normalisation must be fitted on the data."""
    return bool(_fitted_methods(config, given))


def fit_part(frame: pd.DataFrame, job: Job) -> dict[str, np.ndarray]:
    """The values of one partition each fitted indicator is fitted on.

    As in :func:`demandrisk.score`: the raw values after the missing policy,
    imputed fallbacks and unknowns left out. ``minmax`` needs only the ends,
    so only those travel; ``zscore`` and ``percentile`` need every value (8
    bytes a row), sent in row order so the fit is the in-memory one exactly.
    """
    result = job.score(frame)
    imputed = BASIS_LEVELS.index("imputed")
    out = {}
    for code, method in _fitted_methods(job.config, job.fitted).items():
        values = result.raw[code].to_numpy(dtype=float)
        keep = (result.basis[code].cat.codes.to_numpy() != imputed) & ~np.isnan(values)
        observed = values[keep]
        if method == "minmax" and observed.size:
            observed = np.array([observed.min(), observed.max()])
        out[code] = observed
    return out


def fit(parts: list[dict[str, np.ndarray]], job: Job) -> dict[str, Any]:
    """Bounds of every indicator: given, fitted on all partitions, or goalposts."""
    bounds: dict[str, Any] = {}
    methods = _fitted_methods(job.config, job.fitted)
    for code, indicator in job.config.indicators.items():
        if job.fitted and code in job.fitted:
            bounds[code] = job.fitted[code]
        elif code in methods:
            observed = [p[code] for p in parts]
            values = np.concatenate(observed) if observed else np.empty(0)
            bounds[code] = fit_bounds(indicator, values)
        else:
            bounds[code] = fit_bounds(indicator, np.empty(0))
    return bounds


def chain_part(frame: pd.DataFrame, job: Job) -> dict[str, Any]:
    """What the supply graph needs of one partition (a few arrays)."""
    return graph_inputs(job.score(frame), list(frame.columns))


def supply_chain(
    parts: list[dict[str, Any]],
    found: Survey,
    job: Job,
    edges: pd.DataFrame | None,
    sourcing_countries: Any,
) -> ChainOutput:
    """Tiers, chain exposure and hidden tiers, once, over the whole graph."""
    return chain_over_parts(
        parts,
        found.ids,
        found.buyers,
        job.config,
        job.reference,
        edges=edges,
        sourcing_countries=sourcing_countries,
    )


def split_issues(issues: pd.DataFrame, offsets: np.ndarray) -> list[pd.DataFrame]:
    """Whole-file issues (rows as global lines) per partition holding the row."""
    part = np.searchsorted(offsets, issues["row"].to_numpy() - 2, side="right") - 1
    return [issues[part == i] for i in range(len(offsets) - 1)]


def score_part(
    frame: pd.DataFrame, job: Job, part: Part, meta: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score one partition: its rows, its issues and its header issues.

    Rows are indexed by their global position; issue rows are lines of the
    whole input (header on line 1), as if the partitions were one file.
    """
    if len(frame) != part.rows:
        raise InputDataError(
            f"partition {part.number}: expected {part.rows} rows (counted by the "
            f"first pass); got {len(frame)}. The input changed while it was "
            "scored, or reading it is not repeatable"
        )
    result = job.score(frame)
    scores = result.scores
    for name, values in part.chain.items():
        label = f"demandrisk_{name}" if name in frame.columns else name
        scores[label] = values
    scores.index = pd.RangeIndex(part.offset, part.offset + len(scores))
    found = result.issues
    found = found[~found["code"].isin(WHOLE_FILE_CODES)]
    header = found[found["row"] <= 1]
    rows = found[found["row"] > 1]
    # From rows' own column: an empty frame given a longer Series takes its index.
    rows = rows.assign(row=rows["row"] + part.offset)
    issues = merge_issues(rows, part.issues)
    return conform(scores, meta), conform(issues, issues_meta()), header


def conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Give a partition the dtypes of ``meta`` (categories stay the partition's).

    pandas infers some dtypes from the values (an empty text column is
    ``object``, a full one ``str``): every partition must show Dask one type.
    """
    if list(frame.columns) != list(meta.columns):
        raise InputDataError(
            f"expected the columns {list(meta.columns)[:12]}...; a partition has "
            f"{list(frame.columns)[:12]}..."
        )
    changes = {
        c: meta[c].dtype
        for c in meta.columns
        if frame[c].dtype != meta[c].dtype
        and not isinstance(meta[c].dtype, pd.CategoricalDtype)
    }
    return frame.astype(changes) if changes else frame


def issues_meta() -> pd.DataFrame:
    """The empty issues table: ``row`` int64, the texts ``object``.

    In memory the text columns come out ``object`` or ``str`` depending on
    which checks found something; here they are always ``object``.
    """
    return merge_issues()


def header_issues(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Issues about the header, once for the whole input.

    Every partition reports them; the first report is kept, except that a
    ``converted-percentage`` count is the sum over partitions (the whole
    file's count, as the in-memory run reports it).

    Examples
    --------
    >>> from demandrisk.schema import ISSUE_COLUMNS
    >>> msg = "{} cell(s) of column s written as percentages (such as {!r}) were "
    >>> one = pd.DataFrame([[1, "s", "converted-percentage", "4%",
    ...                      msg.format(2, "4%") + "divided by 100"]],
    ...                    columns=ISSUE_COLUMNS[:5])
    >>> two = one.assign(value="7%", message=msg.format(3, "7%") + "divided by 100")
    >>> header_issues([one, two])["message"].tolist()
    ["5 cell(s) of column s written as percentages (such as '4%') were divided by 100"]
    """
    frames = [p for p in parts if len(p)]
    if not frames:
        return issues_meta()
    found = pd.concat(frames, ignore_index=True)
    keys = found[["row", "column", "code"]].assign(
        template=found["message"].str.replace(_VARYING, "", regex=True)
    )
    counts = pd.to_numeric(found["message"].str.extract(_COUNT)[0]).fillna(0)
    totals = counts.groupby([keys[c] for c in keys], sort=False).transform("sum")
    first = ~keys.duplicated().to_numpy()
    kept = found[first].copy()
    kept["message"] = [
        _COUNT.sub(str(int(total)), message, count=1)
        for message, total in zip(kept["message"], totals[first], strict=True)
    ]
    return conform(merge_issues(kept), issues_meta())


def with_header(header: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """The first partition's issues, with the header issues of the whole input."""
    return conform(merge_issues(header, issues), issues_meta())
