"""Build data/naics_isic.csv and data/hs_isic.csv from the published concordances.

Inputs (see ../shared/reference-data/SOURCES.md and SOURCES-NEW.md, section
classifications/):

* ``2017_NAICS_to_ISIC_4.xlsx`` - US Census Bureau, 2017 NAICS -> ISIC Rev.4
  (public domain). One row per link; ``Part of ISIC`` = ``*`` when the NAICS
  industry covers only part of the ISIC class.
* ``concordance-r/DERIVED_hs_isic4.csv`` - HS (combined vintages) 6-digit ->
  ISIC Rev.4 class, from the R package ``concordance`` (MIT, Copyright (c)
  2022 concordance authors). A link means "can correspond", not a weight.
  It holds every link of the older WITS HS -> ISIC3 -> ISIC3.1 -> ISIC4 chain
  and 1,265 HS codes more (180100 cocoa beans among them).
* HS titles: ``concordance-r/DERIVED_hs6_desc.csv`` (HS 2022 wording), else the
  WITS title (``JobID-64_Concordance_HS_to_I3.CSV``, older vintages such as
  854140) after the title of its 4-digit heading.
* ``ISIC_Rev_4_english_structure.txt`` - the UNSD ISIC Rev.4 codes; a link to
  a code that is not an ISIC Rev.4 class is dropped and counted.

Outputs (one row per distinct link, sorted):

* ``naics_isic.csv``: ``naics_code,isic_code,partial,naics_title``
* ``hs_isic.csv``: ``hs_code,isic_code`` (every link from ``concordance-r-hs-isic4``)
* ``hs_titles.csv``: ``hs_code,hs_title,source`` (2-, 4- and 6-digit codes)

``partial`` is 1 when the Census table marks the NAICS industry or the ISIC
class as covering only part of the other. The source ids resolve in
``data/concordance_sources.csv``. Run::

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
HS_LINKS = "concordance-r-hs-isic4"
HS_TITLES = "concordance-r-hs6-desc"
WITS_TITLES = "wits-hs-isic3"


def isic_classes(source: Path) -> set[str]:
    """The 4-digit classes of the UNSD ISIC Rev.4 structure."""
    structure = pd.read_csv(source / "ISIC_Rev_4_english_structure.txt", dtype=str)
    codes = structure["Code"].str.strip()
    return set(codes[codes.str.fullmatch(r"\d{4}")])


def naics(source: Path, classes: set[str]) -> pd.DataFrame:
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
    # The Census file has a few ISIC codes that are not ISIC Rev.4 classes
    # (0012, 0014, 0331): typing errors we cannot correct without guessing,
    # so the link is left out.
    invalid = ~out["isic_code"].isin(classes)
    if invalid.any():
        pairs = zip(out["naics_code"][invalid], out["isic_code"][invalid], strict=True)
        dropped = sorted(set(pairs))
        print(f"naics: {len(dropped)} links to non-ISIC Rev.4 codes dropped: {dropped}")
    out = out[~invalid]
    out = out.groupby(["naics_code", "isic_code"], as_index=False).agg(
        partial=("partial", "max"), naics_title=("naics_title", "first")
    )
    return out.sort_values(["naics_code", "isic_code"]).reset_index(drop=True)


def hs_titles(source: Path) -> pd.DataFrame:
    """One title per HS code (2, 4 and 6 digits) with the id of its source.

    A code that none of the sources titles (one, in the staged files) is
    left out: resolution then uses the title of its 4-digit heading.
    """
    desc = pd.read_csv(source / "concordance-r" / "DERIVED_hs6_desc.csv", dtype=str)
    desc = desc.rename(columns={"code": "hs_code", "desc": "hs_title"})
    desc["source"] = HS_TITLES
    wits = pd.read_csv(
        source / "JobID-64_Concordance_HS_to_I3.CSV", dtype=str, encoding="cp1252"
    )
    wits.columns = ["hs_code", "hs_title", "isic3", "isic3_title"]
    wits = wits.drop_duplicates("hs_code")[["hs_code", "hs_title"]]
    # Strip WITS vintage markers such as "(2002-)".
    wits["hs_title"] = wits["hs_title"].str.replace(r"^\([-\d ]+\)\s*", "", regex=True)
    wits["source"] = WITS_TITLES
    wits = wits[~wits["hs_code"].isin(desc["hs_code"])]
    # WITS subheading titles are often fragments of the hierarchy ("Of
    # cotton", "Other"); the heading's title makes them a description.
    heading = wits["hs_code"].str[:4].map(desc.set_index("hs_code")["hs_title"])
    joined = heading.str.strip() + " - " + wits["hs_title"].str.strip()
    wits["hs_title"] = joined.fillna(wits["hs_title"])
    titles = pd.concat([desc, wits], ignore_index=True)
    titles["hs_title"] = titles["hs_title"].str.strip()
    return titles.sort_values("hs_code").reset_index(drop=True)


def hs(source: Path, classes: set[str]) -> pd.DataFrame:
    links = pd.read_csv(source / "concordance-r" / "DERIVED_hs_isic4.csv", dtype=str)
    links = links.rename(columns={"HS_6d": "hs_code", "ISIC4_4d": "isic_code"})
    no_isic = links["isic_code"].isna()
    print(f"hs: {links['hs_code'][no_isic].nunique()} HS codes have no ISIC link")
    links = links[~no_isic & links["isic_code"].isin(classes)]
    out = links[["hs_code", "isic_code"]].drop_duplicates()
    return out.sort_values(["hs_code", "isic_code"]).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE.parent / "data")
    args = parser.parse_args()
    classes = isic_classes(args.source)
    for name, table in (
        ("naics_isic", naics(args.source, classes)),
        ("hs_isic", hs(args.source, classes)),
        ("hs_titles", hs_titles(args.source)),
    ):
        path = args.out / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n")
        print(f"{path}: {len(table)} rows, {table.iloc[:, 0].nunique()} codes")


if __name__ == "__main__":
    main()
