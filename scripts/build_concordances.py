"""Build data/naics_isic.csv and data/hs_isic.csv from the published concordances.

Inputs (see ../shared/reference-data/SOURCES.md, section classifications/):

* ``2017_NAICS_to_ISIC_4.xlsx`` - US Census Bureau, 2017 NAICS -> ISIC Rev.4
  (public domain). One row per link; ``Part of ISIC`` = ``*`` when the NAICS
  industry covers only part of the ISIC class.
* ``JobID-64_Concordance_HS_to_I3.CSV`` - World Bank WITS, HS combined 6-digit
  -> ISIC Rev.3 class.
* ``ISIC_Rev_31-ISIC_Rev_3_correspondence.txt`` and ``ISIC4_ISIC31.txt`` - UNSD
  correspondences, chained ISIC3 -> ISIC3.1 -> ISIC4 (lossy; partial links kept
  and flagged).

Outputs (one row per distinct link, sorted):

* ``naics_isic.csv``: ``naics_code,isic_code,partial,naics_title``
* ``hs_isic.csv``: ``hs_code,isic_code,partial,hs_title``

``partial`` is 1 when any link on the way covers only part of a class. Run::

    python scripts/build_concordances.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[1] / "shared" / "reference-data" / "classifications"
if not DEFAULT_SOURCE.is_dir():
    DEFAULT_SOURCE = Path("/work/shared/reference-data/classifications")


def naics(source: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Unknown extension"
        raw = pd.read_excel(source / "2017_NAICS_to_ISIC_4.xlsx", dtype=str)
    raw.columns = ["part_naics", "naics", "naics_title", "part_isic", "isic", "t", "n"]
    raw = raw[raw["naics"].str.fullmatch(r"\d{6}", na=False)]
    raw = raw[raw["isic"].str.fullmatch(r"\d{1,4}", na=False)]
    out = pd.DataFrame(
        {
            "naics_code": raw["naics"],
            "isic_code": raw["isic"].str.zfill(4),
            "partial": (
                raw["part_isic"].fillna("").str.strip().ne("")
                | raw["part_naics"].fillna("").str.strip().ne("")
            ).astype(int),
            "naics_title": raw["naics_title"].str.strip(),
        }
    )
    out = out.groupby(["naics_code", "isic_code"], as_index=False).agg(
        partial=("partial", "max"), naics_title=("naics_title", "first")
    )
    return out.sort_values(["naics_code", "isic_code"]).reset_index(drop=True)


def hs(source: Path) -> pd.DataFrame:
    wits = pd.read_csv(
        source / "JobID-64_Concordance_HS_to_I3.CSV", dtype=str, encoding="cp1252"
    )
    wits.columns = ["hs", "hs_title", "isic3", "isic3_title"]
    wits["isic3"] = wits["isic3"].str.zfill(4)
    r31 = pd.read_csv(
        source / "ISIC_Rev_31-ISIC_Rev_3_correspondence.txt", dtype=str
    ).rename(columns={"Rev31": "isic31", "Rev3": "isic3", "partial3": "p3"})
    r4 = pd.read_csv(source / "ISIC4_ISIC31.txt", dtype=str).rename(
        columns={"ISIC4code": "isic4", "ISIC31code": "isic31", "partialISIC4": "p4"}
    )
    chain = wits.merge(r31[["isic31", "isic3", "p3"]], on="isic3", how="inner").merge(
        r4[["isic4", "isic31", "p4"]], on="isic31", how="inner"
    )
    chain = chain[chain["isic4"].str.fullmatch(r"\d{4}", na=False)]
    links_per_hs = chain.groupby("hs")["isic4"].transform("nunique")
    out = pd.DataFrame(
        {
            "hs_code": chain["hs"],
            "isic_code": chain["isic4"],
            "partial": (
                (chain["p3"] == "1") | (chain["p4"] == "1") | (links_per_hs > 1)
            ).astype(int),
            # Strip WITS vintage markers such as "(2002-)".
            "hs_title": chain["hs_title"]
            .str.replace(r"^\([-\d ]+\)\s*", "", regex=True)
            .str.strip(),
        }
    )
    out = out.groupby(["hs_code", "isic_code"], as_index=False).agg(
        partial=("partial", "max"), hs_title=("hs_title", "first")
    )
    missing = set(wits["hs"]) - set(out["hs_code"])
    if missing:
        print(f"hs: {len(missing)} HS codes lost in the ISIC3 -> ISIC4 chain")
    return out.sort_values(["hs_code", "isic_code"]).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE.parent / "data")
    args = parser.parse_args()
    for name, table in (
        ("naics_isic", naics(args.source)),
        ("hs_isic", hs(args.source)),
    ):
        path = args.out / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n")
        print(f"{path}: {len(table)} links, {table.iloc[:, 0].nunique()} codes")


if __name__ == "__main__":
    main()
