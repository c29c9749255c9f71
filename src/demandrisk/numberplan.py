"""How each number column of a file is read, decided once for the whole column.

A share column's unit is a property of the column, not of a cell: one ``1``
(1 %) among whole percents must not make the column fractions, and one
``45`` among fractions must not make it percents. :func:`plan_numbers`
decides, per column, from the whole file's distinct values:

* the **decimal mark** (:func:`demandrisk.numbers.infer_decimal`);
* for a share column, the **unit**:

  - ``count``: the header names people, not a share (``Migrant_Workers``,
    no ``%``/``percent``/``pct``/``share``), every value is a whole number,
    some above 1, and no count exceeds the ``workers`` of its row: a head
    count, read as count / workers (``converted-count``);
  - ``refused``: the same kind of head counts (some above 100) but no
    ``workers`` column to divide by: the column is not used
    (``refused-column``), never read as a share;
  - ``percent`` or ``fraction``: by the values, distinct values between 1 and
    100 against those between 0 and 1 (0 and 1 say nothing: ``1`` is 1 % or
    100 %); on a tie by the header's words (``%``, ``percent``, ``pct`` mean
    percent); a column of only 0 and 1 with no word is fractions and
    ``ambiguous-unit``. Cells written with ``%`` are percentages either way.

The decision is one issue at the header line, whatever the number of cells,
so the in-memory, ``--chunksize`` and Dask runs (which plan on a first pass
over the whole file) report the same. :func:`apply_numbers` then rewrites a
column as canonical texts (``0.45``), reporting what cannot be a share (out
of range, with a hint that fits how the cell was written) and numbers too
large to hold (``1e309``: ``not-finite``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .mapping import normalise_header
from .numbers import infer_decimal, parse_numbers, to_canonical
from .schema import OPTIONAL_COLUMNS
from .textcolumn import TextColumn

__all__ = [
    "NUMERIC_KINDS",
    "ColumnPlan",
    "NumberPlan",
    "apply_numbers",
    "count_pairs",
    "plan_numbers",
]

NUMERIC_KINDS = {"share", "count", "amount", "tier", "number"}
_PERCENT_WORDS = ("pct",)  # normalise_header folds "%" and "percent" to "pct"
_SHARE_WORDS = ("share", "fraction", "proportion", "ratio", "rate")


class ColumnPlan(NamedTuple):
    """How one column is read: decimal mark, unit and why (for the issue)."""

    decimal: str | None
    unit: str = "number"  # number | fraction | percent | count | refused
    why: str = ""
    example: str = ""  # a cell written with %, if any (the first in order)

    @property
    def percent(self) -> bool:
        """Plain values are whole percents."""
        return self.unit == "percent"


# column -> plan
NumberPlan = dict[str, ColumnPlan]


def count_pairs(counts: pd.Series, workers: pd.Series) -> tuple[int, int]:
    """Rows where both a count and workers are known, and where count > workers.

    Summed over chunks or partitions, these decide the ``count`` unit exactly
    as the whole file would.

    Examples
    --------
    >>> count_pairs(pd.Series(["1", "57", ""]), pd.Series(["3918", "40", "9"]))
    (2, 1)
    """
    count = TextColumn.from_series(counts)
    total = TextColumn.from_series(workers)
    a = count.per_row(parse_numbers(count.texts).values)
    b = total.per_row(parse_numbers(total.texts).values)
    both = ~np.isnan(a) & ~np.isnan(b)
    return int(both.sum()), int((both & (a > b)).sum())


def _share_plan(
    values: np.ndarray,
    percent: np.ndarray,
    header: str,
    pairs: tuple[int, int] | None,
) -> tuple[str, str]:
    """The unit of a share column and the reason, from its distinct values."""
    folded = normalise_header(header)
    says_percent = any(w in folded for w in _PERCENT_WORDS)
    says_share = any(w in folded for w in _SHARE_WORDS)
    finite = np.isfinite(values)
    plain = values[~percent & finite]
    if (
        plain.size
        and not says_percent
        and not says_share
        and not percent.any()
        and bool((plain % 1 == 0).all())
        and (plain >= 0).all()
        and plain.max() > 1
    ):
        top = f"{plain.max():,.0f}"
        if pairs is not None and pairs[0] and not pairs[1]:
            return "count", (
                f"whole numbers up to {top}, none above the row's workers, and a "
                "header that names people, not a share: head counts, read as "
                "count / workers"
            )
        if pairs is None and plain.max() > 100:
            return "refused", (
                f"whole numbers up to {top}: head counts, not shares, and the file "
                "has no workers column to divide them by"
            )
    fractions = int(((plain > 0) & (plain < 1)).sum())
    percents = int(((plain > 1) & (plain <= 100)).sum())
    told = f"{percents} distinct value(s) between 1 and 100, {fractions} below 1"
    if percents > fractions:
        return "percent", f"{told}: whole percents"
    if fractions > percents:
        if says_percent:
            return "fraction", f"{told}: fractions, although the header says %"
        return "fraction", f"{told}: fractions"
    if says_percent:
        return "percent", f"{told}; the header says % (percent)"
    if percent.any() and not fractions:
        return "percent", f"{told}; other cells are written with %"
    if (plain == 1).any() and not says_share:
        return "fraction", "ambiguous"
    return "fraction", f"{told}: fractions"


def plan_numbers(
    texts: dict[str, np.ndarray],
    decimal: str | None = None,
    headers: dict[str, str] | None = None,
    pairs: dict[str, tuple[int, int]] | None = None,
) -> NumberPlan:
    """Decide per number column its decimal mark and, for shares, the unit.

    Parameters
    ----------
    texts : each number column's distinct texts, over the whole file.
    decimal : the decimal mark when the user gave one.
    headers : the file's header of each column (its words count).
    pairs : per share column, :func:`count_pairs` summed over the file; only
        when the file has a ``workers`` column.

    Examples
    --------
    >>> texts = np.array(["45", "0", "1", "75"], dtype=object)
    >>> plan = plan_numbers({"migrant_worker_share": texts})
    >>> plan["migrant_worker_share"].unit
    'percent'
    >>> plan_numbers({"spend": np.array(["1.234,5", "7"], object)})["spend"]
    ColumnPlan(decimal=',', unit='number', why='', example='')
    """
    plan: NumberPlan = {}
    for column, values in texts.items():
        mark = decimal or infer_decimal(values)
        if OPTIONAL_COLUMNS.get(column) != "share":
            plan[column] = ColumnPlan(mark)
            continue
        parsed = parse_numbers(values, mark)
        header = (headers or {}).get(column, column)
        given = None if pairs is None else pairs.get(column)
        unit, why = _share_plan(parsed.values, parsed.percent, header, given)
        written = sorted(str(t) for t in np.asarray(values)[parsed.percent])
        plan[column] = ColumnPlan(mark, unit, why, written[0] if written else "")
    return plan


def _issue(
    line: int, column: str, code: str, value: str, message: str
) -> dict[str, Any]:
    return {
        "row": line,
        "column": column,
        "code": code,
        "value": value,
        "message": message,
    }


def plan_issues(
    name: str, plan: ColumnPlan, header: str, line: int
) -> list[dict[str, Any]]:
    """The one issue that reports a share column's unit (if any).

    Made from the plan alone (decided on the whole file), so every chunk or
    partition reports the same.
    """
    if plan.unit == "percent":
        return [
            _issue(
                line,
                name,
                "converted-percentage",
                header,
                f"column {header!r} read as percentages ({plan.why}): its values "
                "were divided by 100",
            )
        ]
    if plan.unit == "count":
        return [
            _issue(
                line,
                name,
                "converted-count",
                header,
                f"column {header!r} holds {plan.why}: {name} = {header} / workers",
            )
        ]
    if plan.unit == "refused":
        return [
            _issue(
                line,
                name,
                "refused-column",
                header,
                f"column {header!r} looked like {name} but holds {plan.why}; it is "
                f"not used. Add a workers column, or map a share column with --map",
            )
        ]
    issues = []
    if plan.why == "ambiguous":
        issues.append(
            _issue(
                line,
                name,
                "ambiguous-unit",
                header,
                f"column {header!r} holds only 0 and 1, which can be fractions (1 = "
                "100%) or whole percents (1 = 1%); read as fractions. If they are "
                "percents, write 1% or put % in the header",
            )
        )
    if plan.example:
        example = plan.example
        issues.append(
            _issue(
                line,
                name,
                "converted-percentage",
                example,
                f"cells of column {header!r} written as percentages (such as "
                f"{example!r}) were divided by 100",
            )
        )
    return issues


def apply_numbers(
    column: pd.Series,
    name: str,
    plan: ColumnPlan,
    line_of: Callable[[np.ndarray], np.ndarray],
    workers: np.ndarray | None = None,
) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Rewrite a number column as canonical texts following its plan.

    Out-of-range shares and non-finite numbers are reported here, where the
    cell's own text and the column's unit are known, and left blank; texts
    that are not numbers are left as written for the type check. Work is per
    distinct text, except head counts, which are divided row by row.
    """
    text = TextColumn.from_series(column)
    parsed = parse_numbers(text.texts, plan.decimal)
    values = parsed.values
    readable = ~parsed.bad & ~parsed.blank & ~parsed.ambiguous
    # np.nan_to_num would turn inf into the largest float: test inf itself
    infinite = readable & np.isinf(values)
    issues = [
        _flagged(
            text,
            text.per_row(infinite),
            name,
            "not-finite",
            line_of,
            f"expected a number in column {name}; the cell is too large to hold "
            "(it reads as infinity) and is left out",
        )
    ]
    unread = ~readable
    if OPTIONAL_COLUMNS.get(name) != "share":
        new = to_canonical(np.where(parsed.percent, values * 100, values))
        new = np.where(parsed.percent, np.char.add(new.astype(str), "%"), new)
        new = np.where(unread, text.texts, np.where(infinite, "", new)).astype(object)
        return pd.Series(text.per_row(new), index=column.index, dtype=object), issues
    if plan.unit == "percent":
        values = np.where(parsed.percent, values, values / 100)
    if plan.unit == "count" and workers is not None:
        counts = text.per_row(values)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = counts / workers
        missing = ~np.isnan(counts) & ~(workers > 0)
        issues.append(
            _flagged(
                text,
                missing,
                name,
                "count-without-workers",
                line_of,
                f"expected a workers total to divide the head count of {name} by; "
                "this row has none (or 0), so the count is left out",
            )
        )
        # From here on, per distinct ratio (a float factorises in C).
        codes, uniques = pd.factorize(np.where(missing, np.nan, ratio))
        per_value = np.asarray(uniques, dtype=float)
        spread = np.where(codes < 0, len(per_value), codes)
        per_value = np.append(per_value, np.nan)
        unread_rows = text.per_row(unread)
        written = np.zeros(per_value.size, dtype=bool)
    else:
        per_value, spread = values, text.index
        unread_rows = None
        written = parsed.percent
    finite = np.isfinite(per_value)
    low = finite & (per_value < 0)
    high = finite & (per_value > 1)
    bad = low | high
    if bad.any():
        hints = np.where(low, "it is below 0", "")
        hints = np.where(high & written, "it is above 100%", hints)
        above = {
            "percent": "the column is read as whole percents and it is above 100",
            "count": "the head count is above the row's workers",
        }.get(
            plan.unit,
            "the column holds fractions; a percentage such as 45 must be written "
            "0.45 or 45%",
        )
        hints = np.where(high & ~written, above, hints)
        messages = np.char.add(
            f"expected a share between 0 and 1 (0% to 100%) in column {name}; ",
            np.char.add(hints.astype(str), "; the value is left out of the score"),
        ).astype(object)
        issues.append(
            _flagged(text, bad[spread], name, "out-of-range", line_of, messages[spread])
        )
    new = to_canonical(np.where(bad | ~finite, np.nan, per_value)).astype(object)
    if unread_rows is None:
        # Not a number: left as written, so the type check reports it.
        new = np.where(unread, text.texts, new).astype(object)
        return pd.Series(text.per_row(new), index=column.index, dtype=object), issues
    rows = np.where(unread_rows, text.rows(), new[spread]).astype(object)
    return pd.Series(rows, index=column.index, dtype=object), issues


def _flagged(
    text: TextColumn,
    mask: np.ndarray,
    name: str,
    code: str,
    line_of: Callable[[np.ndarray], np.ndarray],
    message: str | np.ndarray,
) -> pd.DataFrame:
    """Issues for the rows where ``mask`` is true (vectorised, rows as lines)."""
    positions = np.flatnonzero(mask)
    if positions.size == 0:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "row": line_of(positions),
            "column": name,
            "code": code,
            "value": text.texts[text.index[positions]],
            "message": message[positions]
            if isinstance(message, np.ndarray)
            else message,
        }
    )
