"""Derive the bundled reference tables of demandrisk from raw public sources.

Reads the raw files staged in a reference-data folder (see its SOURCES.md) and
the hand-made crosswalks in ``scripts/crosswalks/``, and writes:

* ``sectors.csv``   - sector priors (informality, margin, low pay, migrants)
* ``countries.csv`` - country context (informality, TIP 2025 status, DOL data)
* ``goods.csv``     - the US DOL 2022 TVPRA list, with an ISIC Rev.4 code per good
* ``isic4.csv``     - the ISIC Rev.4 structure (for code resolution)
* ``sources.csv``   - one row per source id used in the tables above

Every number in the outputs is computed here from a raw file; nothing is typed
by hand. The script is deterministic (sorted rows, rounded floats, ``\\n`` line
endings) and makes no network access.

Dependencies: pandas, numpy, openpyxl, xlrd, pycountry.

Run::

    python scripts/build_reference_data.py /work/shared/reference-data --out data
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
import warnings
from importlib.metadata import version
from pathlib import Path

import country_context
import country_sector
import numpy as np
import pandas as pd
import pycountry

CROSSWALKS = Path(__file__).resolve().parent / "crosswalks"

# Raw files, relative to the reference-data folder.
ACT = "ilostat-by-activity"
F_NIFL_ECO = (
    f"{ACT}/ddf--datapoints--emp_nifl_sex_eco_rt--by--ref_area--sex--classif1"
    "--time.sex_total.csv"
)
F_EARNINGS = (
    f"{ACT}/ddf--datapoints--ear_4mth_sex_eco_cur_nb--by--ref_area--sex--classif1"
    "--classif2--time.sex_total.isic4.lcu.selected_countries.csv"
)
F_MIGRANT = (
    f"{ACT}/ddf--datapoints--mst_temp_sex_eco_cbr_nb--by--ref_area--sex--classif1"
    "--classif2--time.sex_total.selected_countries.csv"
)
F_NIFL_COUNTRY = "ilostat/EMP_NIFL_SEX_RT_A-20251121T2048.csv"
F_MARGIN = "damodaran/margin_us_2025-01.xls"
F_GOODS = "us-dol-ilab/tvpra_list_of_goods_2022.csv"
F_FINDINGS = "us-dol-ilab/findings_2022_country_profiles.csv"
F_TIP = "us-state-tip-tiers/tip_tier2wl_tier3_2020_2025_factbook.csv"
F_ISIC = "classifications/ISIC_Rev_4_english_structure.txt"

# Source ids (must all be rows of sources.csv).
S_NIFL_ECO = "ilostat-emp-nifl-eco"
S_NIFL = "ilostat-emp-nifl"
S_EAR = "ilostat-ear-4mth-eco"
S_MST = "ilostat-mst-cbr-eco"
S_MARGIN = "damodaran-margin-2025"
S_TVPRA = "dol-tvpra-2022"
S_FINDINGS = "dol-findings-2022"
S_TIP = "factbook-tip-2025"
S_ISIC = "unsd-isic4"

TIP_YEAR = 2025
ENFORCEMENT_YEAR = 2022  # ILAB Findings reporting year

# Every ISIC Rev.4 division is a row of its own beside the 21 sections, so a
# supplier resolved to any division scores; a division without data of its
# own says so (its values are "derived" from the section).

# Country-years of the informality-by-activity file left out because SOURCES.md
# flags their values as suspect (not mere method breaks, whose newest value we keep).
SUSPECT_NIFL_ECO = {
    "jam": (2023, "ISIC4 values look shifted by one section"),
    "dnk": (2012, 2013, 2014, 2015, "implausibly high"),
}

# ILOSTAT country labels that pycountry.countries.lookup() cannot resolve, or
# resolves wrongly (fuzzy search maps "Republic of Korea" to the DPRK).
ILOSTAT_LABEL_ISO3 = {
    "Bolivia (Plurinational State of)": "BOL",
    "Congo, Democratic Republic of the": "COD",
    "Occupied Palestinian Territory": "PSE",
    "Republic of Korea": "KOR",
    "Venezuela (Bolivarian Republic of)": "VEN",
}

# Kosovo has no ISO 3166-1 code; DOL and the Factbook use the user-assigned XKX.
KOSOVO = {"iso3": "XKX", "iso2": "XK", "numeric": "", "name": "Kosovo"}

# ILAB advancement level (prefix before any " – Efforts Made but ..." qualifier)
# -> ordinal enforcement gap. Qualified levels are capped levels, so they keep
# the gap of their headline level. "No Assessment" carries no information.
ADVANCEMENT_GAP = {
    "Significant Advancement": 0.0,
    "Moderate Advancement": 1 / 3,
    "Minimal Advancement": 2 / 3,
    "No Advancement": 1.0,
    "No Assessment": np.nan,
}

TIP_STATUS = {
    "Tier 2 Watch List": "tier-2-watch-list",
    "Tier 3": "tier-3",
    "Special Case": "special-case",
}

SECTOR_COLUMNS = [
    "isic_code", "level", "parent", "name",
    "informality", "informality_source", "informality_quality", "informality_note",
    "margin", "margin_source", "margin_quality", "margin_note",
    "low_pay", "low_pay_source", "low_pay_quality", "low_pay_note",
    "migrant_ratio", "migrant_ratio_source", "migrant_ratio_quality",
    "migrant_ratio_note",
    "migrant_share", "migrant_share_source", "migrant_share_quality",
    "migrant_share_note",
]  # fmt: skip
COUNTRY_COLUMNS = [
    "iso3", "iso2", "numeric", "name",
    "informality", "informality_year", "informality_source", "informality_quality",
    "tip_status_2025", "tip_source", "tip_year",
    "dol_advancement_level", "enforcement_gap", "enforcement_gap_source",
    "enforcement_gap_quality", "enforcement_year",
    "dol_goods_listed", "dol_goods_forced_labour", "dol_source",
    # model v2 (scripts/country_context.py, scripts/country_sector.py)
    "tip_status", "tip_status_year", "tip_status_source", "tip_status_note",
    "rule_of_law", "rule_of_law_year", "rule_of_law_source",
    "migrant_stock_share", "migrant_stock_share_year", "migrant_stock_share_source",
    "icmw_status", "icmw_source",
    "informality_all", "informality_all_year", "informality_all_source",
    "informality_all_quality", "informality_all_note",
    "migrant_share_all", "migrant_share_all_year", "migrant_share_all_source",
    "migrant_share_all_quality", "migrant_share_all_note",
]  # fmt: skip
GOODS_COLUMNS = [
    "good", "good_sector", "country_iso3", "country_name", "child_labor",
    "forced_labor", "forced_child_labor_eo13126", "derived_labor_exploitation",
    "isic_code", "isic_quality", "source",
]  # fmt: skip
INDICATORS = ("informality", "margin", "low_pay", "migrant_ratio")

DIVISION_NOTE = "section value (no division breakdown in ILOSTAT)"
MARGIN_CAVEAT = "US-listed firms: a relative ranking, not a supplier's margin"


# --------------------------------------------------------------------------- helpers
def _section_letter(classif1: pd.Series) -> pd.Series:
    """Map ``eco_isic4_<letter>`` codes to upper-case section letters.

    Parameters
    ----------
    classif1 : pandas.Series
        ILOSTAT DDF ``classif1`` codes.

    Returns
    -------
    pandas.Series
        Section letter ``A``..``U``, or NaN for totals, ``x`` and non-ISIC4 codes.
    """
    return classif1.str.extract(r"^eco_isic4_([a-u])$", expand=False).str.upper()


def _year_span(years: pd.Series) -> str:
    """Format the range of years as ``"2012-2025"`` (or one year).

    Parameters
    ----------
    years : pandas.Series
        Integer years.

    Returns
    -------
    str
        ``"min-max"``, or the single year when they are equal.
    """
    lo, hi = int(years.min()), int(years.max())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _median_of_latest(df: pd.DataFrame, value: str, what: str) -> pd.DataFrame:
    """Per section, the median over countries of each country's latest value.

    The latest year is taken per country *and section*: EU surveys suppress
    small sections in recent years, and using the country's overall latest year
    would silently drop those (mostly high-income) countries from a section.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``ref_area``, ``section``, ``time`` and ``value``.
    value : str
        Name of the value column.
    what : str
        Phrase describing the value, used in the note.

    Returns
    -------
    pandas.DataFrame
        Indexed by section letter, columns ``value`` and ``note``.
    """
    latest = df.sort_values("time").groupby(["ref_area", "section"]).tail(1)
    out = latest.groupby("section").agg(
        value=(value, "median"), n=("ref_area", "nunique"), lo=("time", "min"),
        hi=("time", "max"),
    )  # fmt: skip
    out["note"] = (
        f"median of {what} across "
        + out["n"].astype(str)
        + " countries (years "
        + out["lo"].astype(str)
        + "-"
        + out["hi"].astype(str)
        + ")"
    )
    return out[["value", "note"]]


# --------------------------------------------------------------------------- ISIC
def build_isic4(raw: Path) -> pd.DataFrame:
    """ISIC Rev.4 structure table: every code of the UNSD structure file.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, level, section, title``; codes are strings (leading zeros
        kept), in the file's hierarchical order.
    """
    isic = pd.read_csv(raw / F_ISIC, dtype=str, keep_default_na=False)
    isic.columns = ["code", "title"]
    is_section = isic["code"].str.fullmatch(r"[A-U]")
    digits = isic["code"].str.len()
    isic["level"] = np.select(
        [is_section, digits == 2, digits == 3, digits == 4],
        ["section", "division", "group", "class"],
        default="",
    )
    if (isic["level"] == "").any():
        raise ValueError(f"unexpected ISIC codes: {isic.loc[isic.level == '', 'code']}")
    # The file lists each section before its divisions, so forward-fill works;
    # check it: every group/class must share the section of its division.
    isic["section"] = isic["code"].where(is_section).ffill()
    div_section = isic.loc[digits == 2].set_index("code")["section"]
    check = isic.loc[digits > 2]
    if (check["code"].str[:2].map(div_section) != check["section"]).any():
        raise ValueError("ISIC file is not in hierarchical order")
    return isic[["code", "level", "section", "title"]]


def sector_frame(isic4: pd.DataFrame) -> pd.DataFrame:
    """Skeleton of sectors.csv: the 21 sections and the 88 divisions.

    Parameters
    ----------
    isic4 : pandas.DataFrame
        Output of :func:`build_isic4`.

    Returns
    -------
    pandas.DataFrame
        Columns ``isic_code, level, parent, name``, sorted by code.
    """
    sections = isic4.loc[isic4["level"] == "section"]
    sec = pd.DataFrame({
        "isic_code": sections["code"], "level": "section", "parent": "",
        "name": sections["title"],
    })  # fmt: skip
    found = isic4.loc[isic4["level"] == "division"]
    codes = found["section"] + found["code"]
    div = pd.DataFrame({
        "isic_code": codes, "level": "division", "parent": codes.str[0],
        "name": found["title"].to_numpy(),
    })  # fmt: skip
    return pd.concat([sec, div]).sort_values("isic_code").reset_index(drop=True)


# --------------------------------------------------------------------------- sectors
def informality_by_section(raw: Path) -> pd.DataFrame:
    """Informal employment rate (%) by ISIC section: median of latest values.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by section letter; columns ``value`` and ``note``.
    """
    df = pd.read_csv(raw / F_NIFL_ECO)
    df = df.loc[df["sex"] == "sex_t"].assign(section=_section_letter(df["classif1"]))
    df = df.dropna(subset=["section", "emp_nifl_sex_eco_rt"])  # drops x and totals
    suspect = pd.Series(False, index=df.index)
    for area, spec in SUSPECT_NIFL_ECO.items():
        suspect |= (df["ref_area"] == area) & df["time"].isin(spec[:-1])
    out = _median_of_latest(df.loc[~suspect], "emp_nifl_sex_eco_rt", "latest year")
    out["note"] += "; excl. suspect jam 2023 and dnk 2012-2015"
    return out


def low_pay_by_section(raw: Path) -> pd.DataFrame:
    """Section earnings / all-activity earnings, same country-year; median.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by section letter; columns ``value`` and ``note``.
    """
    df = pd.read_csv(raw / F_EARNINGS)
    df = df.loc[(df["sex"] == "sex_t") & (df["classif2"] == "cur_type_lcu")]
    wide = df.pivot_table(
        index=["ref_area", "time"], columns="classif1",
        values="ear_4mth_sex_eco_cur_nb", aggfunc="first",
    )  # fmt: skip
    # Levels are not comparable across countries (currencies) nor reliably across
    # years (vnm 2009, egy); a within-year ratio to the total sidesteps both.
    ratio = wide.div(wide["eco_isic4_total"], axis=0)
    long = ratio.stack().rename("ratio").reset_index()
    long["section"] = _section_letter(long["classif1"])
    long = long.dropna(subset=["section", "ratio"])
    n_all = df["ref_area"].nunique()
    out = _median_of_latest(long, "ratio", "latest-year ratio")
    out["note"] = (
        out["note"].str.replace(
            " countries", f" of {n_all} sampled countries", regex=False
        )
        + "; section / all-activity average monthly earnings, same country-year"
    )
    return out


def migrant_ratio_by_section(raw: Path) -> pd.DataFrame:
    """Migrant concentration of each section, relative to its own economy.

    For each country (latest year with ISIC Rev.4 rows) the foreign-born share
    of the section's employment is divided by the foreign-born share of all
    employment in the same country and year. A ratio of 1 means the section
    relies on migrant labour as much as the economy as a whole; 2 means twice
    as much. The ratio, not the share, is kept because the few countries
    published here range from Gulf states (most workers foreign-born) to
    low-migration countries: their shares are not comparable, their within-
    country contrasts are. The denominator of a share is foreign + native where
    native-born is published (are 2017 has ~49 % "place of birth not stated"),
    else the total (bhr census publishes no native rows).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by section letter; columns ``value``, ``quality`` and ``note``.
    """
    df = pd.read_csv(raw / F_MIGRANT)
    df = df.loc[df["sex"] == "sex_t"]
    section = _section_letter(df["classif1"]).where(
        df["classif1"] != "eco_isic4_total", "TOTAL"
    )
    df = df.assign(section=section).dropna(subset=["section"])
    latest = df.groupby("ref_area")["time"].transform("max")
    df = df.loc[df["time"] == latest]
    wide = df.pivot_table(
        index=["ref_area", "time", "section"],
        columns="classif2",
        values="mst_temp_sex_eco_cbr_nb",
        aggfunc="first",
    ).reindex(columns=["cbr_bir_foreign", "cbr_bir_native", "cbr_bir_total"])
    denom = (wide["cbr_bir_foreign"] + wide["cbr_bir_native"]).fillna(
        wide["cbr_bir_total"]
    )
    share = (wide["cbr_bir_foreign"] / denom).rename("share").reset_index()
    total = share.loc[share["section"] == "TOTAL"].set_index("ref_area")["share"]
    share = share.loc[share["section"] != "TOTAL"].copy()
    share["ratio"] = share["share"] / share["ref_area"].map(total)
    share = share.dropna(subset=["ratio"])
    share["label"] = (
        share["ref_area"]
        + " "
        + share["time"].astype(str)
        + " "
        + share["ratio"].round(2).astype(str)
    )
    out = (
        share.sort_values("ref_area")
        .groupby("section")
        .agg(
            value=("ratio", "median"), n=("ratio", "size"), labels=("label", "; ".join)
        )
    )
    single = out["n"] == 1
    out["quality"] = np.where(single, "observed", "derived")
    out["note"] = (
        np.where(
            single,
            "one country only: ",
            "median of " + out["n"].astype(str) + " countries: ",
        )
        + out["labels"]
        + (
            " (section foreign-born share of employment / all-sector share, same "
            "country-year; few countries, not representative)"
        )
    )
    return out[["value", "quality", "note"]]


def margin_by_code(raw: Path, codes: pd.Series) -> pd.DataFrame:
    """Operating margin (%) per sector code from Damodaran US industries.

    A sector's value is the firm-count-weighted mean of the "Pre-tax Unadjusted
    Operating Margin" of the industries mapped (by the crosswalk) to it; for a
    section, industries mapped to any of its divisions count too.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    codes : pandas.Series
        The ``isic_code`` values of sectors.csv.

    Returns
    -------
    pandas.DataFrame
        Indexed by sector code (only codes with mapped industries); columns
        ``value`` and ``note``.
    """
    with warnings.catch_warnings():
        # pandas 3 flags the xlrd engine as deprecated; it is still the reader
        # for legacy .xls files and the result is unaffected.
        warnings.simplefilter("ignore")
        margin = pd.read_excel(
            raw / F_MARGIN, sheet_name="Industry Averages", header=8, engine="xlrd"
        )
    margin = margin.loc[~margin["Industry Name"].str.startswith("Total Market")]
    margin = margin[
        ["Industry Name", "Number of firms", "Pre-tax Unadjusted Operating Margin"]
    ].set_axis(["damodaran_industry", "firms", "margin"], axis=1)
    xwalk = pd.read_csv(CROSSWALKS / "damodaran_isic.csv", dtype=str)
    missing = set(margin["damodaran_industry"]) - set(xwalk["damodaran_industry"])
    if missing:
        raise ValueError(f"Damodaran industries missing from crosswalk: {missing}")
    unknown = set(xwalk["isic_code"].dropna()) - set(codes)
    if unknown:
        raise ValueError(f"crosswalk codes not in sectors.csv: {unknown}")
    m = xwalk.dropna(subset=["isic_code"]).merge(margin, on="damodaran_industry")
    m = m.dropna(subset=["margin"])
    # Each industry counts for its own code and, if a division, for its section.
    m = pd.concat(
        [
            m,
            m.loc[m["isic_code"].str.len() == 3].assign(
                isic_code=lambda d: d["isic_code"].str[0]
            ),
        ]
    )
    m["w"] = m["firms"] * m["margin"]
    m = m.sort_values(["isic_code", "damodaran_industry"])
    out = m.groupby("isic_code").agg(
        w=("w", "sum"), firms=("firms", "sum"), k=("damodaran_industry", "size"),
        names=("damodaran_industry", "; ".join),
    )  # fmt: skip
    out["value"] = 100 * out["w"] / out["firms"]
    listed = np.where(out["k"] <= 4, " (" + out["names"] + ")", "")
    out["note"] = (
        "firm-count-weighted mean of Damodaran Jan 2025 pre-tax unadjusted "
        "operating margin over "
        + out["k"].astype(str)
        + np.where(out["k"] == 1, " industry, ", " industries, ")
        + out["firms"].astype(str)
        + " firms"
        + listed
        + " via scripts/crosswalks/damodaran_isic.csv; "
        + MARGIN_CAVEAT
    )
    return out[["value", "note"]]


def _fill(
    sectors: pd.DataFrame,
    name: str,
    values: pd.DataFrame,
    source: str,
    quality: str | pd.Series,
) -> None:
    """Write an indicator for section rows and let divisions inherit it.

    Parameters
    ----------
    sectors : pandas.DataFrame
        Sector skeleton (modified in place).
    name : str
        Indicator name (column prefix).
    values : pandas.DataFrame
        Indexed by section letter, columns ``value``, ``note`` (and optionally
        ``quality``).
    source : str
        Source id.
    quality : str or pandas.Series
        Quality for section rows (a column of ``values`` if a Series).
    """
    code = sectors["isic_code"]
    is_sec = sectors["level"] == "section"
    key = code.str[0]
    val = key.map(values["value"])
    sec_q = key.map(quality) if isinstance(quality, pd.Series) else quality
    sectors[name] = val.round(3)
    sectors[f"{name}_source"] = np.where(val.notna(), source, "")
    sectors[f"{name}_quality"] = np.where(
        val.isna(), "", np.where(is_sec, sec_q, "derived")
    )
    sectors[f"{name}_note"] = np.where(
        val.isna(), "", np.where(is_sec, key.map(values["note"]), DIVISION_NOTE)
    )


def build_sectors(
    raw: Path, isic4: pd.DataFrame, world_migrant: pd.Series, migrant_note: str
) -> pd.DataFrame:
    """Sector priors table (sectors.csv).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    isic4 : pandas.DataFrame
        Output of :func:`build_isic4`.
    world_migrant : pandas.Series
        Global migrant share of employment by section (0-1), an estimate.
    migrant_note : str
        How ``world_migrant`` was estimated.

    Returns
    -------
    pandas.DataFrame
        One row per sector, columns ``SECTOR_COLUMNS``.
    """
    sectors = sector_frame(isic4)
    share = sectors["isic_code"].str[0].map(world_migrant)
    sectors["migrant_share"] = share.round(4)
    sectors["migrant_share_source"] = np.where(
        share.notna(), country_sector.S_EST_MIGRANT, ""
    )
    sectors["migrant_share_quality"] = np.where(share.notna(), "estimate", "")
    sectors["migrant_share_note"] = np.where(
        share.notna(),
        np.where(
            sectors["level"] == "section",
            "estimate: " + migrant_note,
            "section value (no division data)",
        ),
        "",
    )
    _fill(sectors, "informality", informality_by_section(raw), S_NIFL_ECO, "observed")
    _fill(sectors, "low_pay", low_pay_by_section(raw), S_EAR, "derived")
    mig = migrant_ratio_by_section(raw)
    _fill(sectors, "migrant_ratio", mig, S_MST, mig["quality"])
    sectors["migrant_ratio_note"] = np.where(
        (sectors["level"] == "division") & (sectors["migrant_ratio"].notna()),
        "section value (no division breakdown in the ILOSTAT migrant data)",
        sectors["migrant_ratio_note"],
    )

    # Margin: a division with its own industries keeps them; other divisions
    # inherit the section value (still a proxy, and the note says so).
    mar = margin_by_code(raw, sectors["isic_code"])
    own = sectors["isic_code"].map(mar["value"])
    sec = sectors["isic_code"].str[0].map(mar["value"])
    has_own = own.notna()
    val = own.fillna(sec)
    sectors["margin"] = val.round(3)
    sectors["margin_source"] = np.where(val.notna(), S_MARGIN, "")
    sectors["margin_quality"] = np.where(val.notna(), "proxy", "")
    sectors["margin_note"] = np.where(
        has_own,
        sectors["isic_code"].map(mar["note"]),
        np.where(
            val.notna(),
            "section value (no division-specific Damodaran industry); " + MARGIN_CAVEAT,
            "",
        ),
    )
    return sectors[SECTOR_COLUMNS]


# --------------------------------------------------------------------------- countries
def iso_countries() -> pd.DataFrame:
    """All ISO 3166-1 countries from pycountry, plus Kosovo (XKX).

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, iso2, numeric, name``.
    """
    rows = [
        {"iso3": c.alpha_3, "iso2": c.alpha_2, "numeric": c.numeric, "name": c.name}
        for c in pycountry.countries
    ]
    return pd.DataFrame([*rows, KOSOVO])


def _ilostat_iso3(labels: pd.Series) -> pd.Series:
    """Map ILOSTAT country labels to ISO3; fail on any unresolved label.

    Parameters
    ----------
    labels : pandas.Series
        ``ref_area.label`` values.

    Returns
    -------
    pandas.Series
        ISO 3166-1 alpha-3 codes aligned with ``labels``.
    """

    def one(label: str) -> str | None:
        if label in ILOSTAT_LABEL_ISO3:
            return ILOSTAT_LABEL_ISO3[label]
        try:  # exact match on code/name/official/common name only (no fuzzy)
            return pycountry.countries.lookup(label).alpha_3
        except LookupError:
            return None

    mapping = {lab: one(lab) for lab in labels.unique()}
    unmatched = sorted(k for k, v in mapping.items() if v is None)
    if unmatched:
        raise ValueError(f"ILOSTAT labels without ISO3 (add exception): {unmatched}")
    return labels.map(mapping)


def country_informality(raw: Path) -> pd.DataFrame:
    """Latest total informal employment rate (%) per country.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    pandas.DataFrame
        Indexed by ISO3; columns ``informality`` and ``informality_year``.
    """
    df = pd.read_csv(raw / F_NIFL_COUNTRY, encoding="utf-8-sig")
    df = df.loc[(df["sex.label"] == "Total") & df["obs_value"].notna()]
    # "Unreliable" flags occur only in sex-specific rows; drop them defensively.
    df = df.loc[df["obs_status.label"].ne("Unreliable")]
    df = df.assign(iso3=_ilostat_iso3(df["ref_area.label"]))
    latest = df.sort_values("time").groupby("iso3").tail(1).set_index("iso3")
    return pd.DataFrame({
        "informality": latest["obs_value"].round(3),
        "informality_year": latest["time"].astype("Int64"),
    })  # fmt: skip


def build_countries(
    raw: Path, goods: pd.DataFrame, extra: pd.DataFrame
) -> pd.DataFrame:
    """Country context table (countries.csv).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    goods : pandas.DataFrame
        Output of :func:`build_goods` (for the goods counts).
    extra : pandas.DataFrame
        Model v2 columns indexed by ISO3 (see :func:`country_v2`).

    Returns
    -------
    pandas.DataFrame
        One row per ISO 3166-1 country plus Kosovo, columns ``COUNTRY_COLUMNS``.
    """
    c = iso_countries().set_index("iso3")
    known = set(c.index)

    inf = country_informality(raw)
    c = c.join(inf)
    c["informality_source"] = np.where(c["informality"].notna(), S_NIFL, "")
    c["informality_quality"] = np.where(c["informality"].notna(), "observed", "")

    tip = pd.read_csv(raw / F_TIP)
    tip = tip.loc[tip["tip_report_year"] == TIP_YEAR]
    _check_codes(tip["iso3_country_converter"], known, "TIP")
    if tip["iso3_country_converter"].duplicated().any():
        raise ValueError("duplicate country in TIP 2025 rows")
    status = tip.set_index("iso3_country_converter")["tier"].map(TIP_STATUS)
    if status.isna().any():
        raise ValueError(f"unknown TIP tier: {set(tip['tier'])}")
    # Absence from the Factbook list means Tier 1, Tier 2 or not assessed.
    c["tip_status_2025"] = status.reindex(c.index).fillna("not-listed")
    c["tip_source"] = S_TIP
    c["tip_year"] = TIP_YEAR

    fin = pd.read_csv(raw / F_FINDINGS).set_index("iso3_country_converter")
    _check_codes(fin.index.to_series(), known, "DOL findings")
    level = fin["advancement_level"]
    headline = level.str.split(" – ").str[0]
    unknown = set(headline.dropna()) - set(ADVANCEMENT_GAP)
    if unknown:
        raise ValueError(f"unmapped ILAB advancement levels: {unknown}")
    gap = headline.map(ADVANCEMENT_GAP).astype(float)
    c["dol_advancement_level"] = level.reindex(c.index).fillna("")
    c["enforcement_gap"] = gap.reindex(c.index).round(3)
    has_gap = c["enforcement_gap"].notna()
    c["enforcement_gap_source"] = np.where(has_gap, S_FINDINGS, "")
    c["enforcement_gap_quality"] = np.where(has_gap, "derived", "")
    c["enforcement_year"] = (
        pd.Series(ENFORCEMENT_YEAR, index=c.index).where(has_gap).astype("Int64")
    )

    counts = goods.groupby("country_iso3").agg(
        listed=("good", "size"), fl=("forced_labor", lambda s: (s == "true").sum())
    )
    # Cross-check against ILAB's own per-country count (it includes derived goods).
    ilab = fin["n_goods_listed"].astype(int)
    both = ilab.index.intersection(counts.index)
    if (ilab[both] != counts.loc[both, "listed"]).any() or (ilab.drop(both) != 0).any():
        raise ValueError("goods counts disagree with ILAB n_goods_listed")
    # The list is exhaustive: a country not on it has zero listed goods.
    c["dol_goods_listed"] = counts["listed"].reindex(c.index).fillna(0).astype(int)
    c["dol_goods_forced_labour"] = counts["fl"].reindex(c.index).fillna(0).astype(int)
    c["dol_source"] = S_TVPRA
    c = c.join(extra)
    return c.reset_index().sort_values("iso3")[COUNTRY_COLUMNS]


def country_v2(
    raw: Path,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, dict[str, str]]:
    """Model v2 inputs: country context, the country x sector table, world shares.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    extra : pandas.DataFrame
        New countries.csv columns, indexed by ISO3.
    table : pandas.DataFrame
        country_sector.csv.
    world_migrant : pandas.Series
        Global migrant share of employment by section.
    notes : dict
        Fits and methods, printed for data/README.md.
    """
    iso = iso_countries().set_index("iso3")
    codes = pd.Index(sorted(iso.index), name="iso3")
    known = set(codes)
    law = country_context.rule_of_law(raw, known)
    stock, world = country_context.migrant_stock(raw)
    stock = stock.loc[stock.index.isin(known)]
    extra = pd.DataFrame(index=codes)
    extra = extra.join(country_context.tip_placement(raw, known))
    extra = extra.join(law)
    extra["rule_of_law_source"] = np.where(
        extra["rule_of_law"].notna(), country_context.S_WGI, ""
    )
    extra["migrant_stock_share"] = stock["migrant_stock_share"].reindex(codes)
    has_stock = extra["migrant_stock_share"].notna()
    extra["migrant_stock_share_year"] = pd.Series(2020, index=codes).where(has_stock)
    extra["migrant_stock_share_year"] = extra["migrant_stock_share_year"].astype(
        "Int64"
    )
    extra["migrant_stock_share_source"] = np.where(
        has_stock, country_context.S_UNDESA, ""
    )
    iso2 = dict(zip(iso["iso2"], iso.index, strict=True))
    status = country_context.icmw_status(raw, iso2)
    extra["icmw_status"] = status.reindex(codes).fillna("")
    extra["icmw_source"] = np.where(
        extra["icmw_status"] != "", country_context.S_ICMW, ""
    )
    observed = country_informality(raw).reindex(codes)
    inf_rows, inf_all, inf_notes = country_sector.informality(
        raw, observed, law["rule_of_law"], codes
    )
    mig_rows, mig_all, world_migrant, mig_notes = country_sector.migrant_share(
        raw, stock, world, codes
    )
    extra = extra.join(inf_all).join(mig_all)
    table = pd.concat([inf_rows, country_sector.low_pay(raw), mig_rows])
    table["year"] = table["year"].astype("Int64")
    table = table.sort_values(["iso3", "isic_code", "indicator"]).reset_index(drop=True)
    return extra, table, world_migrant, {**inf_notes, **mig_notes}


def _check_codes(codes: pd.Series, known: set[str], what: str) -> None:
    """Fail if any ISO3 code is not an ISO 3166-1 code (or XKX).

    Parameters
    ----------
    codes : pandas.Series
        Codes to check.
    known : set of str
        Valid codes.
    what : str
        Name of the data set, for the error message.
    """
    bad = set(codes) - known
    if bad:
        raise ValueError(f"{what}: codes not in ISO 3166-1: {sorted(bad)}")


# --------------------------------------------------------------------------- goods
def build_goods(raw: Path, sector_codes: pd.Series, known: set[str]) -> pd.DataFrame:
    """The DOL 2022 TVPRA list with an ISIC Rev.4 code per good (goods.csv).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    sector_codes : pandas.Series
        The ``isic_code`` values of sectors.csv; every good must map into them.
    known : set of str
        Valid ISO3 codes.

    Returns
    -------
    pandas.DataFrame
        One row per good x country, columns ``GOODS_COLUMNS``.
    """
    g = pd.read_csv(raw / F_GOODS, dtype=str, keep_default_na=False)
    _check_codes(g["iso3_country_converter"], known, "DOL goods")
    flags = [
        "child_labor", "forced_labor", "forced_child_labor_eo13126",
        "derived_labor_exploitation",
    ]  # fmt: skip
    for col in flags:
        if not g[col].isin(["Yes", "No"]).all():
            raise ValueError(f"unexpected values in {col}: {set(g[col])}")
        g[col] = np.where(g[col] == "Yes", "true", "false")
    xwalk = pd.read_csv(CROSSWALKS / "goods_isic.csv", dtype=str)
    # The raw file spells accents decomposed (NFD); match on NFC, keep raw text.
    xwalk["good"] = xwalk["good"].map(lambda s: unicodedata.normalize("NFC", s))
    key = g["good"].map(lambda s: unicodedata.normalize("NFC", s))
    if xwalk["good"].duplicated().any():
        raise ValueError("duplicate good in goods_isic.csv")
    unmapped = sorted(set(key) - set(xwalk["good"]))
    if unmapped:
        raise ValueError(f"goods without an ISIC code in goods_isic.csv: {unmapped}")
    bad = set(xwalk["isic_code"]) - set(sector_codes)
    if bad:
        raise ValueError(f"goods_isic.csv codes not in sectors.csv: {sorted(bad)}")
    g["isic_code"] = key.map(xwalk.set_index("good")["isic_code"])
    g = g.rename(
        columns={"iso3_country_converter": "country_iso3", "country": "country_name"}
    )
    g["isic_quality"] = "derived"
    g["source"] = S_TVPRA
    return g.sort_values(["good", "country_iso3"])[GOODS_COLUMNS]


# --------------------------------------------------------------------------- sources
def build_sources() -> pd.DataFrame:
    """One row per source id used in the tables.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, title, publisher, year, url, licence, note``.
    """
    ilo = "ILO (ILOSTAT)"
    ilo_lic = "free to use with citation; CC BY 4.0 (ILO open access, since 2023-05-03)"
    ddf = "via GitHub open-numbers/ddf--ilo--ilostat"
    rows = [
        (S_NIFL, "Informal employment rate by sex (%), annual (EMP_NIFL_SEX_RT_A)",
         ilo, 2025, "https://ilostat.ilo.org/data/", ilo_lic,
         "ILOSTAT download 2025-11-21, copy from GitHub "
         "andrebarbato/avaliacao_reforma_trabalhista commit 352d8bfe"),
        (S_NIFL_ECO, "Informal employment rate by sex and economic activity (%) "
         "(EMP_NIFL_SEX_ECO_RT)", ilo, 2025, "https://ilostat.ilo.org/data/",
         ilo_lic, f"sex-total rows {ddf} commit c50d0605"),
        (S_EAR, "Average monthly earnings of employees by sex and economic "
         "activity, local currency (EAR_4MTH_SEX_ECO_CUR_NB)", ilo, 2020,
         "https://ilostat.ilo.org/data/", ilo_lic,
         f"17 countries {ddf} commits 0a8c64b0, 0136c1ef, c745ba54"),
        (S_MST, "Employment by sex, economic activity and place of birth "
         "(MST_TEMP_SEX_ECO_CBR_NB)", ilo, 2022, "https://ilostat.ilo.org/data/",
         ilo_lic, f"5 countries (ISIC4 for are, bhr, civ, irq) {ddf}"),
        (S_MARGIN, "Operating and net margins by industry (US), margin.xls, "
         "updated 2025-01-05", "Aswath Damodaran, NYU Stern", 2025,
         "https://pages.stern.nyu.edu/~adamodar/New_Home_Page/data.html",
         "no explicit licence; freely downloadable with attribution; only derived "
         "values shipped", "copy from GitHub saravanadinesh/fundamental_analyst_app "
         "commit 514b36f3; mapped to ISIC by demandrisk-xwalk-damodaran-isic"),
        (S_TVPRA, "2022 List of Goods Produced by Child Labor or Forced Labor",
         "US Department of Labor, ILAB", 2022,
         "https://www.dol.gov/agencies/ilab/reports/child-labor/list-of-goods",
         "US government work, public domain (17 USC 105)",
         "from ILAB Sweat & Toil app data, GitHub "
         "USDepartmentofLabor/Child-Labor-Android goods_2021.xml commit b8891386; "
         "superseded by the 2024 list; goods mapped to ISIC by "
         "demandrisk-xwalk-goods-isic"),
        (S_FINDINGS, "Findings on the Worst Forms of Child Labor, reporting year "
         "2022", "US Department of Labor, ILAB", 2023,
         "https://www.dol.gov/agencies/ilab/resources/reports/child-labor/findings",
         "US government work, public domain (17 USC 105)",
         "from Sweat & Toil countries_2021.xml (same repo/commit); covers only "
         "beneficiary countries"),
        (S_TIP, "Trafficking in Persons Report 2025 tier ratings (Tier 2 Watch "
         "List, Tier 3, Special Case) as published in the CIA World Factbook",
         "US Department of State; CIA World Factbook", 2025,
         "https://www.state.gov/trafficking-in-persons-report/",
         "public domain (US government facts; factbook.json dedicated to PD)",
         "GitHub factbook/factbook.json commit 8662a8b1; Tier 1 and Tier 2 are "
         "not distinguishable"),
        (S_ISIC, "International Standard Industrial Classification of All Economic "
         "Activities, Revision 4", "United Nations Statistics Division", 2008,
         "https://unstats.un.org/unsd/classifications/Econ/isic", "free to reuse",
         "structure file from GitHub insongkim/concordance (MIT) commit ed88858"),
        ("iso3166-pycountry", "ISO 3166-1 country codes and names",
         "ISO; Debian iso-codes via pycountry", 2026,
         "https://pypi.org/project/pycountry/", "LGPL-2.1 (runtime dependency)",
         f"pycountry {version('pycountry')}; Kosovo XKX added (user-assigned code)"),
        ("demandrisk-xwalk-damodaran-isic", "Damodaran industry to ISIC Rev.4 "
         "crosswalk (hand-made, one basis per row)", "demandrisk", 2026, "",
         "as demandrisk", "scripts/crosswalks/damodaran_isic.csv"),
        ("demandrisk-xwalk-goods-isic", "DOL good to ISIC Rev.4 crosswalk "
         "(hand-made, one basis per row)", "demandrisk", 2026, "", "as demandrisk",
         "scripts/crosswalks/goods_isic.csv"),
    ]  # fmt: skip
    rows += country_context.SOURCE_ROWS + country_sector.SOURCE_ROWS
    cols = ["id", "title", "publisher", "year", "url", "licence", "note"]
    return pd.DataFrame(rows, columns=cols).sort_values("id")


# --------------------------------------------------------------------------- output
def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a table deterministically (UTF-8, ``\\n``, blanks for missing).

    Parameters
    ----------
    df : pandas.DataFrame
        Table to write.
    path : pathlib.Path
        Destination.
    """
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", na_rep="")


def check_source_ids(tables: dict[str, pd.DataFrame], sources: pd.DataFrame) -> None:
    """Fail if any source column holds an id missing from sources.csv.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Output tables by file name.
    sources : pandas.DataFrame
        Output of :func:`build_sources`.
    """
    ids = set(sources["id"])
    for name, df in tables.items():
        for col in df.columns:
            if col == "source" or col.endswith("_source"):
                used = set(df[col].replace("", np.nan).dropna())
                if used - ids:
                    raise ValueError(f"{name}.{col}: unknown source ids {used - ids}")


def summary(tables: dict[str, pd.DataFrame]) -> str:
    """Short text summary: rows per table and blanks/quality per sector indicator.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Output tables by file name.

    Returns
    -------
    str
        Multi-line summary.
    """
    lines = [f"{name}: {len(df)} rows" for name, df in tables.items()]
    sec = tables["sectors.csv"]
    for ind in INDICATORS:
        q = sec[f"{ind}_quality"].replace("", "blank").value_counts().sort_index()
        lines.append(f"  sectors.{ind}: " + ", ".join(f"{k} {v}" for k, v in q.items()))
    cty = tables["countries.csv"]
    for col in ("informality", "enforcement_gap", "dol_advancement_level"):
        blanks = (cty[col].isna() | (cty[col] == "")).sum()
        lines.append(f"  countries.{col}: {len(cty) - blanks} filled, {blanks} blank")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw", type=Path, help="reference-data folder (raw sources)")
    ap.add_argument("--out", type=Path, default=Path("data"), help="output folder")
    args = ap.parse_args(argv)

    isic4 = build_isic4(args.raw)
    extra, country_sectors, world_migrant, notes = country_v2(args.raw)
    sectors = build_sectors(args.raw, isic4, world_migrant, notes["migrant_world"])
    known = set(iso_countries()["iso3"])
    goods = build_goods(args.raw, sectors["isic_code"], known)
    countries = build_countries(args.raw, goods, extra)
    sources = build_sources()
    tables = {
        "sectors.csv": sectors, "countries.csv": countries, "goods.csv": goods,
        "isic4.csv": isic4, "sources.csv": sources,
        "country_sector.csv": country_sectors,
    }  # fmt: skip
    check_source_ids(tables, sources)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        write_csv(df, args.out / name)
    print(summary(tables))
    for key, text in notes.items():
        print(f"  {key}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
