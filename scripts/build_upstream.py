"""Write data/upstream.csv from scripts/crosswalks/upstream_links.csv.

Deterministic: the same crosswalk gives the same file byte for byte. Checks
that every sector code is in data/sectors.csv, every source id is in
data/sources.csv or data/upstream_sources.csv, and that each sector's weights
sum to 1. Every weight is a judgement, so every row has quality
``expert_estimate``; the note says which published evidence documents the link.

    python scripts/build_upstream.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CROSSWALK = ROOT / "scripts" / "crosswalks" / "upstream_links.csv"
OUTPUT = ROOT / "data" / "upstream.csv"
COLUMNS = ["sector", "input_sector", "weight", "source", "quality", "note"]


def build(crosswalk: Path = CROSSWALK) -> pd.DataFrame:
    links = pd.read_csv(crosswalk, dtype=str, keep_default_na=False)
    links["weight"] = links["weight"].astype(float)
    sectors = set(pd.read_csv(ROOT / "data" / "sectors.csv", dtype=str)["isic_code"])
    sources = set(pd.read_csv(ROOT / "data" / "sources.csv", dtype=str)["id"])
    sources |= set(pd.read_csv(ROOT / "data" / "upstream_sources.csv", dtype=str)["id"])
    problems = [
        f"{crosswalk.name} line {i + 2}: unknown {what} {value!r}"
        for i, row in links.iterrows()
        for what, value, known in (
            ("sector", row["sector"], sectors),
            ("input_sector", row["input_sector"], sectors),
            ("source", row["source"], sources),
        )
        if value not in known
    ]
    totals = links.groupby("sector")["weight"].sum()
    problems += [
        f"weights of sector {s} sum to {t:g}, expected 1"
        for s, t in totals.items()
        if abs(t - 1.0) > 1e-9
    ]
    if problems:
        sys.exit("\n".join(problems))
    links["quality"] = "expert_estimate"
    links["note"] = links["evidence"]
    links = links.sort_values(
        ["sector", "weight", "input_sector"], ascending=[True, False, True]
    )
    return links[COLUMNS].reset_index(drop=True)


def main() -> None:
    table = build()
    table.to_csv(OUTPUT, index=False, lineterminator="\n", float_format="%g")
    print(f"wrote {len(table)} rows to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
