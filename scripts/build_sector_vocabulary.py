"""Build data/sector_vocabulary.csv and the held-out benchmark set.

The vocabulary the free-text sector matcher indexes (``demandrisk.sector_text``):
one row per (term, ISIC Rev.4 target), from

* ISIC Rev.4 titles of sections, divisions, groups and classes
  (``concordance-r/DERIVED_isic4_desc.csv``); a title's target is its own
  section or division, weight 1, quality ``observed``;
* NAICS 2017 titles (``concordance-r/DERIVED_naics2017_desc.csv``) and the
  US Census NAICS 2017 index (``naics2017-index/2017_NAICS_Index_File.xlsx``,
  20,082 activity terms, of which the "-- see ..." cross-references are
  dropped), mapped through ``data/naics_isic.csv``;
* HS descriptions (``data/hs_titles.csv``), mapped through ``data/hs_isic.csv``.

A mapped term gets one row per ISIC division holding at least ``MIN_SHARE``
of its code's concordance links; ``weight`` is that share and quality is
``derived``. A term written several times (an HS heading and its only
subheading) is kept once per target, with its best weight.

**Held out.** NAICS index terms and HS descriptions whose normalised text
hashes into bucket 0 of 20 (SHA-256, so the split never changes) are left out
of the vocabulary and written to ``benchmarks/data/sector_heldout.csv`` when
their code maps to a single division (that division is the label), so the
accuracy benchmark measures terms the matcher has never seen. A text that is
also an ISIC or NAICS title stays in the vocabulary and out of the benchmark.

Run after ``scripts/build_concordances.py``::

    python scripts/build_sector_vocabulary.py [--source DIR] [--out DIR]

Needs demandrisk installed (the split uses its normalisation) and openpyxl.
"""

from __future__ import annotations

import argparse
import hashlib
import warnings
from pathlib import Path

import pandas as pd

from demandrisk.sector_text import normalise_term

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SOURCE = ROOT.parents[1] / "shared" / "reference-data" / "classifications"
if not DEFAULT_SOURCE.is_dir():
    DEFAULT_SOURCE = Path("/work/shared/reference-data/classifications")
MIN_SHARE = 0.2
BUCKETS = 20
COLUMNS = ["term", "isic_code", "weight", "scheme", "code", "source", "quality"]
EMPTY = {"other", "others", "part", "parts", "thereof", "of", "and", "or", "n"}
SCHEME_ORDER = {"isic": 0, "naics-title": 1, "naics-index": 2, "hs": 3}


def isic_targets(data: Path) -> dict[str, str]:
    """ISIC Rev.4 code of any level -> its section letter or division."""
    isic = pd.read_csv(data / "isic4.csv", dtype=str, keep_default_na=False)
    return {
        code: code if level == "section" else f"{section}{code[:2]}"
        for code, level, section in zip(
            isic["code"], isic["level"], isic["section"], strict=True
        )
    }


def shares(links: pd.DataFrame, key: str, targets: dict[str, str]) -> pd.DataFrame:
    """Share of each code's links per division, for codes of every length.

    ``links`` has one row per (6-digit code, ISIC class); a shorter code
    (NAICS 3111, HS 61) owns the links of every code it prefixes.
    """
    links = links.assign(target=links["isic_code"].map(targets))
    frames = []
    for digits in range(2, 7):
        prefix = links[key].str[:digits]
        counts = links.groupby([prefix, "target"]).size().rename("n").reset_index()
        frames.append(counts)
    counts = pd.concat(frames, ignore_index=True).drop_duplicates([key, "target"])
    share = counts["n"] / counts.groupby(key)["n"].transform("sum")
    # Relative to the code's main division: a term of a code whose links are
    # 80 % A01 is full evidence for A01; one split 50/50 is full evidence
    # for both (and so ambiguous), not half evidence for each.
    counts["share"] = share
    counts["weight"] = share / share.groupby(counts[key]).transform("max")
    return counts.rename(columns={key: "code"})[["code", "target", "share", "weight"]]


def mapped(
    terms: pd.DataFrame, shares_: pd.DataFrame, scheme: str, source: str
) -> pd.DataFrame:
    """Terms (``term``, ``code``) joined to their code's division shares."""
    rows = terms.merge(shares_, on="code", how="inner")
    rows = rows[rows["share"] >= MIN_SHARE - 1e-9]
    return pd.DataFrame(
        {
            "term": rows["term"].str.strip(),
            "isic_code": rows["target"],
            "weight": rows["weight"].round(4),
            "share": rows["share"],
            "scheme": scheme,
            "code": rows["code"],
            "source": source,
            "quality": "derived",
        }
    )


def vocabulary(source: Path, data: Path) -> pd.DataFrame:
    targets = isic_targets(data)
    r = source / "concordance-r"
    isic = pd.read_csv(r / "DERIVED_isic4_desc.csv", dtype=str)
    isic_rows = pd.DataFrame(
        {
            "term": isic["desc"].str.strip(),
            "isic_code": isic["code"].map(targets),
            "weight": 1.0,
            "share": 1.0,
            "scheme": "isic",
            "code": isic["code"],
            "source": "concordance-r-isic4-desc",
            "quality": "observed",
        }
    )
    if isic_rows["isic_code"].isna().any():
        raise SystemExit("DERIVED_isic4_desc.csv has codes that isic4.csv lacks")
    naics_links = pd.read_csv(data / "naics_isic.csv", dtype=str)
    naics_shares = shares(naics_links, "naics_code", targets)
    titles = pd.read_csv(r / "DERIVED_naics2017_desc.csv", dtype=str)
    titles = titles.rename(columns={"desc": "term"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Unknown extension"
        index = pd.read_excel(
            source / "naics2017-index" / "2017_NAICS_Index_File.xlsx", dtype=str
        )
    index.columns = ["code", "term"]
    index = index[index["code"].str.fullmatch(r"\d{6}", na=False)]  # not "see ..."
    hs_links = pd.read_csv(data / "hs_isic.csv", dtype=str)
    hs_titles = pd.read_csv(data / "hs_titles.csv", dtype=str)
    hs_shares = shares(hs_links, "hs_code", targets)
    hs_rows = [
        mapped(
            group.rename(columns={"hs_code": "code", "hs_title": "term"}),
            hs_shares,
            "hs",
            str(title_source),
        )
        for title_source, group in hs_titles.groupby("source")
    ]
    table = pd.concat(
        [
            isic_rows,
            mapped(titles, naics_shares, "naics-title", "concordance-r-naics2017-desc"),
            mapped(index, naics_shares, "naics-index", "census-naics2017-index"),
            *hs_rows,
        ],
        ignore_index=True,
    )
    table["norm"] = table["term"].map(normalise_term)
    # A term with no word of its own ("Other", "Parts thereof") says nothing.
    informative = table["norm"].str.split().map(lambda ws: bool(set(ws) - EMPTY))
    return table[informative]


def bucket(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % BUCKETS


def split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(vocabulary, held-out labelled terms)."""
    titles = set(table.loc[table["scheme"].isin(["isic", "naics-title"]), "norm"])
    candidates = table["scheme"].isin(["naics-index", "hs"]) & ~table["norm"].isin(
        titles
    )
    held = candidates & (table["norm"].map(bucket) == 0)
    held_norms = set(table.loc[held, "norm"])
    kept = table[~table["norm"].isin(held_norms)].copy()
    kept["rank"] = kept["scheme"].map(SCHEME_ORDER)
    kept = kept.sort_values(
        ["norm", "isic_code", "weight", "rank", "code"],
        ascending=[True, True, False, True, True],
    ).drop_duplicates(["norm", "isic_code"])
    kept = kept.sort_values(["rank", "code", "isic_code", "term"])
    out = table[held]
    # Label: the one division a term's code maps to; several = no label.
    single = out[~out["norm"].duplicated(keep=False) & (out["share"] >= 1 - 1e-9)]
    single = single.sort_values(["scheme", "code", "term"])
    heldout = single.rename(columns={"isic_code": "label"})[
        ["term", "label", "scheme", "code", "source"]
    ]
    return kept[COLUMNS].reset_index(drop=True), heldout.reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument("--heldout", type=Path, default=ROOT / "benchmarks" / "data")
    args = parser.parse_args()
    kept, heldout = split(vocabulary(args.source, args.out))
    path = args.out / "sector_vocabulary.csv"
    kept.to_csv(path, index=False, lineterminator="\n", float_format="%g")
    counts = kept["scheme"].value_counts().to_dict()
    print(f"{path}: {len(kept)} rows, {kept['term'].nunique()} terms, {counts}")
    args.heldout.mkdir(parents=True, exist_ok=True)
    path = args.heldout / "sector_heldout.csv"
    heldout.to_csv(path, index=False, lineterminator="\n")
    schemes = heldout["scheme"].value_counts().to_dict()
    print(f"{path}: {len(heldout)} labelled terms, {schemes}")


if __name__ == "__main__":
    main()
