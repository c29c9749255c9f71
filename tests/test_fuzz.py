"""Random frames and random bytes: a score for every row or a DemandRiskError."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandrisk
from demandrisk.readers import prepare_input

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "C14",
            "BGD",
            "45%",
            "1,234",
            "N/A",
            "-",
            "=1+1",
            "0,5",
            "NAICS 315210",
            "HS 610910",
            "garment mfg",
            "Deutschland",
            "1.234,5",
            "\t",
            "0111",
            "x" * 50,
        ]
    ),
    st.text(alphabet=string.printable + "éü中", max_size=12),
)
COLUMNS = st.sampled_from(
    [
        "supplier_id",
        "Vendor No.",
        "country",
        "Country of Origin",
        "sector",
        "NAICS",
        "HS code",
        "name",
        "migrant_worker_share",
        "workers",
        "spend",
        "tier",
        "uses_recruiter",
        "buyer_id",
        "junk",
    ]
)


@st.composite
def frames(draw):
    columns = draw(st.lists(COLUMNS, min_size=1, max_size=7, unique=True))
    rows = draw(st.integers(min_value=0, max_value=6))
    return pd.DataFrame(
        {c: draw(st.lists(CELLS, min_size=rows, max_size=rows)) for c in columns}
    )


def _score_or_error(source) -> None:
    try:
        scored, original, _, _ = prepare_input(source)
        result = demandrisk.score(scored)
    except demandrisk.DemandRiskError as error:
        assert str(error)
        return
    assert len(result.scores) == len(original) == len(scored)
    score = result.scores["risk_score"].to_numpy(dtype=float)
    assert np.all(np.isnan(score) | ((score >= 0) & (score <= 100)))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frames())
def test_random_frames(frame):
    _score_or_error(frame)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=300), st.sampled_from([".csv", ".xlsx", ".parquet", ".txt"]))
def test_random_bytes(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    _score_or_error(path)
