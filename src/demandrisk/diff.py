"""What changed between two runs, and why.

:func:`diff_runs` returns one row per supplier in either run: ``status``
(``new``, ``removed``, ``changed``, ``unchanged``), old and new score and
band, ``delta`` (new - old ``risk_score``), ``delta_<indicator>`` for every
indicator of either model and ``delta_floor`` (these add up to ``delta``
because contributions add up to the score), and the attribution of
``delta`` to its causes.

Attribution order (fixed, so the parts telescope to ``delta``)
----------------------------------------------------------------
Let ``S(input, config, reference)`` score with the installed library::

    A0 = old scores (as recorded)
    A1 = S(old input, old config, old reference)
    A2 = S(new input, old config, old reference)
    A3 = S(new input, old config, new reference)
    A4 = new scores (as recorded)

    part_model          = (A1 - A0) + (A4 - A3)   library version, then config
    part_supplier_data  =  A2 - A1                the suppliers' own values
    part_reference_data =  A3 - A2                a bundled table changed

``part_supplier_data + part_reference_data + part_model == delta``. The inputs
are rebuilt from each run's ``scores.csv`` (which carries the input's columns
untouched) and the reference tables from the run's ``reference/`` copy, so no
file outside the run folders is needed. When a run has no usable reference
copy (and its recorded folder no longer matches), the reference step cannot
be separated: the old reference is taken to be the new one and any reference
change lands in ``part_supplier_data``; the summary says so.

``cause`` names every part whose absolute value exceeds 1e-9 (joined by
``;`` in the order ``supplier-data;reference-data;model;tier``); ``model``
is also named when only the band moved (thresholds changed), and ``tier``
when both runs carry ``chain_score`` and it or ``chain_path`` changed (the
chain is not part of ``delta``; its change is ``delta_chain``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .audit import Run, load_run
from .config import BAND_ORDER
from .reference import ReferenceData, load_reference

__all__ = ["CAUSES", "DiffResult", "diff_runs"]

CAUSES = ("supplier-data", "reference-data", "model", "tier")
TOLERANCE = 1e-9
HIGH_BANDS = ("high", "severe")


@dataclass(frozen=True, eq=False)
class DiffResult:
    """The supplier-level changes between two runs and their summary."""

    old: Run
    new: Run
    changes: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def transitions(self) -> pd.DataFrame:
        """Band-transition table: suppliers by old band (rows) x new band."""
        both = self.changes[self.changes["status"].isin(["changed", "unchanged"])]
        order = [*BAND_ORDER]
        table = pd.crosstab(both["old_band"], both["new_band"])
        table = table.reindex(index=order, columns=order, fill_value=0)
        table.index.name, table.columns.name = "old \\ new", None
        return table

    def escalated(self) -> pd.DataFrame:
        """Suppliers that crossed into high or severe, riskiest first."""
        c = self.changes
        mask = c["new_band"].isin(HIGH_BANDS) & ~c["old_band"].isin(HIGH_BANDS)
        mask &= c["status"] == "changed"
        return c[mask].sort_values("new_score", ascending=False, kind="stable")

    def left(self) -> pd.DataFrame:
        """Suppliers removed since the old run."""
        return self.changes[self.changes["status"] == "removed"]

    def summary(self) -> str:
        """A printable summary: counts, transitions, escalations, departures."""
        c = self.changes
        counts = c["status"].value_counts()
        lines = [
            f"{self.old.name} -> {self.new.name}: "
            + ", ".join(
                f"{counts.get(s, 0)} {s}"
                for s in ("changed", "unchanged", "new", "removed")
            )
        ]
        causes = c.loc[c["cause"] != "", "cause"].str.split(";").explode()
        if len(causes):
            lines.append(
                "causes: "
                + ", ".join(f"{k} {v}" for k, v in causes.value_counts().items())
            )
        lines += ["", "Band transitions (rows: old band, columns: new band):"]
        lines.append(self.transitions().to_string())
        escalated = self.escalated()
        lines += ["", f"Crossed into high or severe: {len(escalated)}"]
        for _, row in escalated.head(25).iterrows():
            reasons = row.get("new_reasons") or ""
            lines.append(
                f"  {row['supplier_id']}: {row['old_band'] or 'new'} -> "
                f"{row['new_band']} ({row['old_score']:.1f} -> {row['new_score']:.1f}; "
                f"{row['cause']}) reasons: {reasons}"
            )
        if len(escalated) > 25:
            lines.append(f"  ... and {len(escalated) - 25} more")
        left = self.left()
        lines += ["", f"Left (in the old run only): {len(left)}"]
        for _, row in left.head(25).iterrows():
            was = f"was {row['old_band']} ({row['old_score']:.1f})"
            lines.append(f"  {row['supplier_id']}: {was}")
        if len(left) > 25:
            lines.append(f"  ... and {len(left) - 25} more")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _first_by_id(frame: pd.DataFrame) -> pd.DataFrame:
    ids = frame["supplier_id"].astype(str).str.strip()
    return (
        frame.assign(supplier_id=ids)
        .drop_duplicates("supplier_id")
        .set_index("supplier_id")
    )


def _rescore(frame: pd.DataFrame, run: Run, reference: ReferenceData) -> pd.Series:
    import inspect

    from .scoring import score

    # Only risk_score is needed: skip the supply chain where the version can.
    extra: dict[str, Any] = (
        {"chain": False} if "chain" in inspect.signature(score).parameters else {}
    )
    result = score(frame, run.config, reference=reference, **extra)
    scores = result.scores
    return _first_by_id(scores)["risk_score"].astype(float)


def _reference_of(run: Run, notes: list[str]) -> ReferenceData | None:
    reference = run.reference()
    if reference is None:
        notes.append(
            f"{run.name}: its reference tables are not available (no reference/ copy "
            "and the recorded folder changed); the reference step is not separated"
        )
    return reference


def diff_runs(old: str | Path | Run, new: str | Path | Run) -> DiffResult:
    """Compare two run folders supplier by supplier and attribute each change.

    Parameters
    ----------
    old, new : run folders (see :func:`demandrisk.audit.write_run`) or loaded runs.

    Returns
    -------
    DiffResult
        ``changes`` has the columns ``supplier_id, status, old_score,
        new_score, old_band, new_band, delta, delta_<indicator>...,
        delta_floor, part_supplier_data, part_reference_data, part_model,
        cause, old_reasons, new_reasons`` (plus ``delta_chain``,
        ``old_chain_band``, ``new_chain_band`` when both runs have tiers).
    """
    old_run = old if isinstance(old, Run) else load_run(old)
    new_run = new if isinstance(new, Run) else load_run(new)
    notes: list[str] = []
    a = _first_by_id(old_run.scores)
    b = _first_by_id(new_run.scores)
    for run, frame in ((old_run, old_run.scores), (new_run, new_run.scores)):
        dupes = int(frame["supplier_id"].astype(str).str.strip().duplicated().sum())
        if dupes:
            notes.append(f"{run.name}: {dupes} duplicated supplier_id(s); first kept")
    ids = a.index.union(b.index, sort=False)
    ids = pd.Index(sorted(ids), name="supplier_id")
    in_old, in_new = ids.isin(a.index), ids.isin(b.index)
    a, b = a.reindex(ids), b.reindex(ids)
    out = pd.DataFrame(index=ids)
    out["status"] = np.select(
        [in_old & in_new, in_new], ["unchanged", "new"], default="removed"
    )
    out["old_score"], out["new_score"] = a["risk_score"], b["risk_score"]
    out["old_band"] = a["risk_band"].fillna("")
    out["new_band"] = b["risk_band"].fillna("")
    out["delta"] = out["new_score"] - out["old_score"]
    codes = list(
        dict.fromkeys(
            [*old_run.config.indicator_codes, *new_run.config.indicator_codes]
        )
    )
    for code in [*codes, "floor"]:
        column = f"contrib_{code}"
        before = a[column] if column in a else pd.Series(0.0, index=ids)
        after = b[column] if column in b else pd.Series(0.0, index=ids)
        out[f"delta_{code}"] = (after.fillna(0.0) - before.fillna(0.0)).where(
            in_old & in_new
        )
    parts = _attribute(old_run, new_run, ids[in_old & in_new], notes)
    for name, values in parts.items():
        out[name] = values.reindex(ids)
    both = in_old & in_new
    moved = both & ~np.isclose(
        out["old_score"].fillna(-1), out["new_score"].fillna(-1), atol=TOLERANCE, rtol=0
    )
    band_moved = both & (out["old_band"] != out["new_band"])
    causes = pd.DataFrame(index=ids)
    causes["supplier-data"] = out["part_supplier_data"].abs() > TOLERANCE
    causes["reference-data"] = out["part_reference_data"].abs() > TOLERANCE
    causes["model"] = (out["part_model"].abs() > TOLERANCE) | (band_moved & ~moved)
    chain_moved = pd.Series(False, index=ids)
    if "chain_score" in a and "chain_score" in b:
        out["delta_chain"] = b["chain_score"] - a["chain_score"]
        out["old_chain_band"] = a.get("chain_band", pd.Series("", index=ids)).fillna("")
        out["new_chain_band"] = b.get("chain_band", pd.Series("", index=ids)).fillna("")
        # Its chain changed when the chain score moved by more than its own
        # score did (a supplier upstream moved), or the path changed.
        beyond_own = (out["delta_chain"] - out["delta"].fillna(0.0)).abs()
        chain_moved = both & (beyond_own > TOLERANCE)
        chain_moved &= out["delta_chain"].abs() > TOLERANCE
        if "chain_path" in a and "chain_path" in b:
            chain_moved |= both & (
                a["chain_path"].fillna("") != b["chain_path"].fillna("")
            )
    causes["tier"] = chain_moved
    changed = moved | band_moved | chain_moved
    out.loc[changed, "status"] = "changed"
    causes = causes & changed.to_numpy()[:, None]
    flags = causes[list(CAUSES)].to_numpy()
    out["cause"] = [
        ";".join(c for c, on in zip(CAUSES, row, strict=True) if on) for row in flags
    ]
    out.loc[out["status"].isin(["new", "removed"]), "cause"] = "supplier-data"
    out["old_reasons"] = a["reason_codes"].fillna("")
    out["new_reasons"] = b["reason_codes"].fillna("")
    return DiffResult(old_run, new_run, out.reset_index(), notes)


def _attribute(
    old_run: Run, new_run: Run, common: pd.Index, notes: list[str]
) -> dict[str, pd.Series]:
    """Split ``delta`` of the suppliers in both runs into the three parts."""
    a0 = _first_by_id(old_run.scores)["risk_score"].reindex(common).astype(float)
    a4 = _first_by_id(new_run.scores)["risk_score"].reindex(common).astype(float)
    old_ref = _reference_of(old_run, notes)
    new_ref = _reference_of(new_run, notes)
    if new_ref is None:
        new_ref = load_reference()
    if old_ref is None:
        old_ref = new_ref
    if len(common) == 0:
        empty = pd.Series(dtype=float, index=common)
        return {
            "part_supplier_data": empty,
            "part_reference_data": empty,
            "part_model": empty,
        }
    a1 = _rescore(old_run.input_frame(), old_run, old_ref).reindex(common)
    new_input = new_run.input_frame()
    a2 = _rescore(new_input, old_run, old_ref).reindex(common)
    a3 = a2 if old_ref is new_ref else _rescore(new_input, old_run, new_ref)
    a3 = a3.reindex(common)
    library = (a1 - a0).fillna(0.0)
    if (library.abs() > TOLERANCE).any():
        notes.append(
            f"the installed library rescores {int((library.abs() > TOLERANCE).sum())} "
            f"supplier(s) of {old_run.name} differently (run with demandrisk "
            f"{old_run.manifest['versions']['demandrisk']}): counted as model"
        )
    data = (a2 - a1).fillna(0.0)
    reference = (a3 - a2).fillna(0.0)
    delta = a4 - a0
    # The last step takes the remainder so the parts add up to delta exactly.
    model = delta - data - reference
    return {
        "part_supplier_data": data,
        "part_reference_data": reference,
        "part_model": model,
    }
