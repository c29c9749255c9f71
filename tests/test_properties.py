"""Invariants checked on generated supplier tables (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandrisk

REFERENCE = demandrisk.load_reference()
COUNTRIES = sorted(REFERENCE.countries.index)
SECTORS = sorted(REFERENCE.sectors.index)
GOODS = sorted(set(REFERENCE.goods["good"])) + ["", "Software"]
DEFAULT = demandrisk.load_config()
GEOMETRIC = DEFAULT.model_copy(update={"aggregation": "geometric"})
REWEIGHT = DEFAULT.model_copy(update={"missing": "reweight"})
PESSIMISTIC = DEFAULT.model_copy(update={"missing": "pessimistic"})
CONFIGS = {
    "arithmetic": DEFAULT,
    "geometric": GEOMETRIC,
    "reweight": REWEIGHT,
    "pessimistic": PESSIMISTIC,
}

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,  # keep the example database out of the checkout
)

shares = st.floats(0.0, 1.0, allow_nan=False).map(lambda v: f"{v:.4f}")
counts = st.integers(0, 11).map(str)


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), strategy)


supplier_rows = st.fixed_dictionaries(
    {
        "country": st.sampled_from(COUNTRIES),
        "sector": st.sampled_from(SECTORS),
        "good": st.sampled_from(GOODS),
        "migrant_worker_share": maybe(shares),
        "agency_worker_share": maybe(shares),
        "uses_recruiter": st.sampled_from(["", "yes", "no"]),
        "audit_forced_labour_indicators": maybe(counts),
    }
)


def frame_of(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.insert(0, "supplier_id", [f"P{i}" for i in range(len(frame))])
    return frame


@pytest.mark.parametrize("name", list(CONFIGS))
@SETTINGS
@given(rows=st.lists(supplier_rows, min_size=1, max_size=8))
def test_contributions_sum_to_score(name: str, rows: list[dict[str, str]]) -> None:
    result = demandrisk.score(frame_of(rows), CONFIGS[name])
    scores = result.scores
    # "Software" is not a DOL good: reported (never silently unlisted), not an error
    assert set(result.issues["code"]) <= {"unknown-good"}
    total = scores.filter(like="contrib_").sum(axis=1)
    np.testing.assert_allclose(total, scores["risk_score"], rtol=0, atol=1e-9)
    assert scores["risk_score"].between(0, 100).all()
    assert (scores["contrib_floor"] >= 0).all()
    assert scores["coverage"].between(0, 1 + 1e-12).all()


def _bumped(base: dict[str, str], low: Any, high: Any) -> list[dict[str, str]]:
    """Rows: each indicator at its low value, then each raised to its high one."""
    rows = []
    for column in low:
        lower = {**base, column: low[column]}
        upper = {**base, column: high[column]}
        rows += [lower, upper]
    return rows


@pytest.mark.parametrize("name", ["arithmetic", "geometric", "pessimistic"])
@SETTINGS
@given(
    base=supplier_rows,
    migrant=st.tuples(shares, shares),
    agency=st.tuples(shares, shares),
    audit=st.tuples(counts, counts),
)
def test_raising_a_risk_indicator_never_lowers_the_score(
    name: str,
    base: dict[str, str],
    migrant: tuple[str, str],
    agency: tuple[str, str],
    audit: tuple[str, str],
) -> None:
    def ordered(pair: tuple[str, str]) -> tuple[str, str]:
        a, b = sorted(pair, key=float)
        return a, b

    pairs = {
        "migrant_worker_share": ordered(migrant),
        "agency_worker_share": ordered(agency),
        "audit_forced_labour_indicators": ordered(audit),
        "uses_recruiter": ("no", "yes"),
    }
    low = {c: p[0] for c, p in pairs.items()}
    high = {c: p[1] for c, p in pairs.items()}
    result = demandrisk.score(frame_of(_bumped(base, low, high)), CONFIGS[name])
    risk = result.scores["risk_score"].to_numpy()
    lower, upper = risk[0::2], risk[1::2]
    assert (upper >= lower - 1e-9).all(), dict(
        zip(pairs, zip(lower, upper, strict=True), strict=True)
    )
    # The bumped indicator's own contribution does not fall either (arithmetic).
    if name == "arithmetic":
        codes = ["work_migrant", "agency_workers", "audit_findings", "recruiter_use"]
        for k, code in enumerate(codes):
            c = result.contributions[code].to_numpy()
            assert c[2 * k + 1] >= c[2 * k] - 1e-12


@SETTINGS
@given(rows=st.lists(supplier_rows, min_size=2, max_size=8), seed=st.integers(0, 999))
def test_row_order_never_changes_a_suppliers_result(
    rows: list[dict[str, str]], seed: int
) -> None:
    frame = frame_of(rows)
    order = np.random.default_rng(seed).permutation(len(frame))
    first = demandrisk.score(frame).scores.set_index("supplier_id")
    second = demandrisk.score(frame.iloc[order]).scores.set_index("supplier_id")
    second = second.loc[first.index]
    np.testing.assert_allclose(first["risk_score"], second["risk_score"], atol=1e-9)
    assert first["risk_band"].tolist() == second["risk_band"].tolist()
    assert first["reason_codes"].tolist() == second["reason_codes"].tolist()
