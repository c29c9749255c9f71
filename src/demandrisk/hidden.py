"""Hidden-tier estimates: the risk a supplier's unmapped inputs probably carry.

Most companies know only tier 1. For a supplier with no mapped upstream, the
``hidden_upstream_score`` scores the typical *input sectors* of its sector
(``data/upstream.csv``: sector -> input sector, weight, source, quality) in
its own country, or in a sourcing-country mix the user gives, and takes the
weighted mean. It is an estimate: it is returned on its own and never blended
into ``risk_score``. Every weight in the shipped table is an
``expert_estimate`` whose note says which published product-chain evidence
documents the link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._paths import data_dir

__all__ = ["UPSTREAM_COLUMNS", "hidden_upstream", "load_upstream"]

UPSTREAM_COLUMNS = ["sector", "input_sector", "weight", "source", "quality", "note"]


def load_upstream(path: str | Path | None = None) -> pd.DataFrame:
    """Read the sector -> input-sector table (default: the bundled one).

    Examples
    --------
    >>> table = load_upstream()
    >>> table.loc[table["sector"] == "C14", ["input_sector", "weight"]].values.tolist()
    [['C13', 0.6], ['A01', 0.25], ['C20', 0.15]]
    """
    path = Path(path) if path is not None else data_dir() / "upstream.csv"
    table = pd.read_csv(path, dtype={"sector": str, "input_sector": str})
    missing = [c for c in UPSTREAM_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path}: expected columns {UPSTREAM_COLUMNS}, missing {missing}"
        )
    return table[UPSTREAM_COLUMNS]


def _fallback_codes(codes: pd.Series, known: set[str]) -> pd.Series:
    """A division without its own row uses its section's (``C14`` -> ``C``)."""
    section = codes.str[:1]
    return codes.where(codes.isin(known), section.where(section.isin(known), ""))


def hidden_upstream(
    sector_codes: np.ndarray,
    country_codes: np.ndarray,
    upstream: pd.DataFrame,
    score_fn: Callable[[pd.DataFrame], np.ndarray],
    sourcing_countries: Sequence[str] | None = None,
) -> np.ndarray:
    """Estimated risk of each supplier's unmapped inputs (NaN where unknown).

    Parameters
    ----------
    sector_codes, country_codes : array of str
        Resolved sector (as in ``data/sectors.csv``) and ISO3 country per row.
        Pass the rows with no mapped upstream (``~graph.row_has_upstream``).
    upstream : DataFrame
        ``sector, input_sector, weight`` rows, e.g. :func:`load_upstream`.
    score_fn : callable
        Scores a DataFrame of ``supplier_id, country, sector`` rows and returns
        their risk scores; each distinct (input sector, country) is scored once.
    sourcing_countries : sequence of str, optional
        Countries the inputs come from, weighted equally; default: the
        supplier's own country.

    Returns
    -------
    ndarray of float
        The weight-averaged score of the input sectors; NaN where the sector
        has no row in ``upstream`` or no input could be scored.

    Examples
    --------
    >>> table = pd.DataFrame({"sector": ["C14", "C14"], "input_sector": ["C13", "A01"],
    ...                       "weight": [0.75, 0.25]})
    >>> fake = {"C13": 40.0, "A01": 80.0}
    >>> score = lambda f: f["sector"].map(fake).to_numpy()
    >>> hidden_upstream(np.array(["C14", "N81"]), np.array(["BGD", "GBR"]),
    ...                 table, score).tolist()
    [50.0, nan]
    """
    sectors = pd.Series(np.asarray(sector_codes, dtype=object), dtype=object)
    sectors = sectors.fillna("").astype(str).str.strip()
    rows = pd.DataFrame(
        {
            "row": np.arange(len(sectors)),
            "sector": _fallback_codes(sectors, set(upstream["sector"])),
            "own_country": pd.Series(np.asarray(country_codes, dtype=object)).fillna(
                ""
            ),
        }
    )
    links = rows.merge(upstream[["sector", "input_sector", "weight"]], on="sector")
    if sourcing_countries:
        mix = pd.DataFrame({"country": list(dict.fromkeys(sourcing_countries))})
        links = links.merge(mix, how="cross")
        links["weight"] = links["weight"] / len(mix)
    else:
        links["country"] = links["own_country"]
    pairs = links[["input_sector", "country"]].drop_duplicates(ignore_index=True)
    result = np.full(len(sectors), np.nan)
    if pairs.empty:
        return result
    frame = pd.DataFrame(
        {
            "supplier_id": "hidden-" + pairs.index.astype(str),
            "country": pairs["country"],
            "sector": pairs["input_sector"],
        }
    )
    pairs["score"] = np.asarray(score_fn(frame), dtype=float)
    links = links.merge(pairs, on=["input_sector", "country"], how="left")
    scored = links["score"].notna()
    links["weighted"] = links["weight"] * links["score"]
    sums = links[scored].groupby("row")[["weighted", "weight"]].sum()
    result[sums.index.to_numpy()] = (sums["weighted"] / sums["weight"]).to_numpy()
    return result
