"""Country context for model v2: governance, migrant destinations, TIP placements.

Derived from the staged raw files (see ``SOURCES.md`` and ``SOURCES-NEW.md`` of
the reference-data folder); nothing is typed by hand:

* World Bank Worldwide Governance Indicators, 2024 update: the rule-of-law
  estimate of the latest year (2023), for every economy WGI covers.
* UN DESA International Migrant Stock 2020: international migrants as a
  share of the population, 2020.
* UN Treaty Collection status of the International Convention on the
  Protection of the Rights of All Migrant Workers (ICMW), 2022 snapshot.
* A TIP placement for every country: the 2025 Watch List / Tier 3 / Special
  Case ratings (Factbook), and for the countries absent from them (Tier 1 or
  Tier 2, which that source cannot tell apart) the most recent earlier
  evidence: a Watch List or Tier 3 rating in 2022-2024 (so Tier 2 now, the
  usual step up), else the last full placement in the Heiss & Kelley coding
  of the reports (1999-2015).

Imported by ``build_reference_data.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

F_WGI = "country-context/DERIVED_wgi2024_estimates_long.csv"
F_UNDESA = (
    "country-context/DERIVED_undesa_ims2020_migrant_stock_and_share_by_destination.csv"
)
F_ICMW = "country-context/un_treaty_status_icmw_2022.csv"
F_TIP_RECENT = "us-state-tip-tiers/tip_tier2wl_tier3_2020_2025_factbook.csv"
F_TIP_HISTORY = "us-state-tip-tiers/tip_tiers_1999_2015_heiss_kelley.csv"

S_WGI = "wb-wgi-2024"
S_UNDESA = "undesa-ims-2020"
S_ICMW = "untc-icmw-2022"
S_TIP_HISTORY = "heiss-kelley-tip-1999-2015"
S_TIP_2025 = "factbook-tip-2025"  # defined in build_reference_data.py

# WGI publishes a few economies under World Bank codes, not ISO 3166-1.
WGI_CODES = {"ADO": "AND", "KSV": "XKX", "ROM": "ROU", "TMP": "TLS", "WBG": "PSE",
             "ZAR": "COD"}  # fmt: skip
# UN Treaty Collection snapshot: Timor-Leste under its former ISO code.
ICMW_CODES = {"TP": "TL"}
RECENT_YEARS = (2022, 2023, 2024)  # the complete Factbook years before 2025

# TIP placement text shown to users, most severe first.
TIP_TIER3 = "tier 3 in 2025"
TIP_SPECIAL = "special case in 2025"
TIP_WATCH = "tier 2 watch list in 2025"
TIP_RECENT_WATCH = "tier 1 or 2 in 2025 (watch list or tier 3 in 2022-2024)"
TIP_WAS_TIER2 = "tier 1 or 2 in 2025 (tier 2 or lower in 2015)"
TIP_WAS_TIER1 = "tier 1 or 2 in 2025 (tier 1 in 2015)"
TIP_NO_HISTORY = "tier 1 or 2 in 2025 (no earlier full placement)"
TIP_2025 = {"Tier 3": TIP_TIER3, "Special Case": TIP_SPECIAL,
            "Tier 2 Watch List": TIP_WATCH}  # fmt: skip
HISTORY_TIER = {"Tier 1": "tier 1", "Tier 2": "tier 2", "Watchlist": "watch list",
                "Tier 3": "tier 3"}  # fmt: skip


def rule_of_law(raw: Path, known: set[str]) -> pd.DataFrame:
    """Latest WGI rule-of-law estimate per country (-2.5 weak to 2.5 strong).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    known : set of str
        ISO3 codes of countries.csv; WGI economies outside it are dropped.

    Returns
    -------
    pandas.DataFrame
        Indexed by ISO3; columns ``rule_of_law``, ``rule_of_law_year``.
    """
    wgi = pd.read_csv(raw / F_WGI)
    wgi = wgi.loc[(wgi["indicator"] == "rl") & wgi["estimate"].notna()]
    wgi = wgi.assign(iso3=wgi["iso3"].replace(WGI_CODES))
    wgi = wgi.loc[wgi["iso3"].isin(known)]
    latest = wgi.sort_values("year").groupby("iso3").tail(1).set_index("iso3")
    return pd.DataFrame(
        {
            "rule_of_law": latest["estimate"].round(3),
            "rule_of_law_year": latest["year"].astype("Int64"),
        }
    )


def migrant_stock(raw: Path) -> tuple[pd.DataFrame, float]:
    """International migrants as a share of the population, 2020 (percent).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.

    Returns
    -------
    frame : pandas.DataFrame
        Indexed by ISO3; column ``migrant_stock_share`` (percent of population,
        2020) and ``migrant_stock_by_year`` (dict year -> percent, for matching
        the years of employment surveys).
    world : float
        The share over all countries and areas (total stock / total population).
    """
    # ".." marks a figure UN DESA does not publish (areas that did not exist).
    u = pd.read_csv(raw / F_UNDESA, dtype={"iso3_pycountry": str}, na_values=[".."])
    u = u.loc[u["iso3_pycountry"].notna() & (u["iso3_pycountry"] != "")]
    u = u.set_index("iso3_pycountry")
    years = [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    shares = u[[f"migrant_pct_of_population_{y}" for y in years]].astype(float)
    shares.columns = years
    stock = u["migrant_stock_2020"].astype(float)
    population = stock / (shares[2020] / 100.0)
    counted = stock.notna() & population.notna()
    stock, population = stock[counted], population[counted]
    world = float(100.0 * stock.sum() / population.sum())
    frame = pd.DataFrame({"migrant_stock_share": shares[2020].round(3)})
    frame["migrant_stock_by_year"] = [dict(r.dropna()) for _, r in shares.iterrows()]
    return frame, world


def icmw_status(raw: Path, iso2_to_iso3: dict[str, str]) -> pd.Series:
    """Status under the UN Migrant Workers Convention: party, signatory or none.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    iso2_to_iso3 : dict
        ISO2 -> ISO3 of countries.csv.

    Returns
    -------
    pandas.Series
        Indexed by ISO3: ``party``, ``signatory`` or ``no action``.
    """
    t = pd.read_csv(raw / F_ICMW, dtype=str, keep_default_na=False)
    iso2 = t["iso2"].replace(ICMW_CODES)
    unknown = sorted(set(iso2) - set(iso2_to_iso3))
    if unknown:
        raise ValueError(f"ICMW status: ISO2 codes not in countries.csv: {unknown}")
    status = np.select(
        [t["state party"] == "1", t["signatory"] == "1", t["no action"] == "1"],
        ["party", "signatory", "no action"],
        default="",
    )
    if (status == "").any():
        raise ValueError("ICMW status: a row is neither party, signatory nor none")
    return pd.Series(status, index=iso2.map(iso2_to_iso3).to_numpy())


def tip_placement(raw: Path, known: set[str]) -> pd.DataFrame:
    """A TIP placement for every country, with what it rests on.

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    known : set of str
        ISO3 codes of countries.csv.

    Returns
    -------
    pandas.DataFrame
        Indexed by ISO3 (every code of ``known``); columns ``tip_status``,
        ``tip_status_year`` (of the evidence it rests on), ``tip_status_source``
        and ``tip_status_note``.
    """
    recent = pd.read_csv(raw / F_TIP_RECENT)
    now = recent.loc[recent["tip_report_year"] == 2025].set_index(
        "iso3_country_converter"
    )["tier"]
    earlier = recent.loc[recent["tip_report_year"].isin(RECENT_YEARS)]
    earlier_years = earlier.groupby("iso3_country_converter")["tip_report_year"].agg(
        lambda y: ", ".join(str(v) for v in sorted(set(y)))
    )
    history = pd.read_csv(raw / F_TIP_HISTORY, dtype=str, keep_default_na=False)
    history["tier"] = history["tier"].str.strip()
    history = history.loc[history["tier"].isin(list(HISTORY_TIER))]
    last = history.sort_values("year").groupby("iso").tail(1).set_index("iso")
    index = pd.Index(sorted(known), name="iso3")
    status = pd.Series("", index=index, dtype=object)
    note = pd.Series("", index=index, dtype=object)
    evidence_year = pd.Series(2025, index=index, dtype="Int64")
    source = pd.Series(S_TIP_2025, index=index, dtype=object)
    for iso3 in index:
        if iso3 in now.index:
            status[iso3] = TIP_2025[now[iso3]]
            note[iso3] = f"TIP Report 2025: {now[iso3]}"
        elif iso3 in earlier_years.index:
            status[iso3] = TIP_RECENT_WATCH
            evidence_year[iso3] = int(earlier_years[iso3][-4:])
            note[iso3] = (
                "not on the 2025 Watch List or Tier 3 (Tier 1 or 2); Watch List or "
                f"Tier 3 in {earlier_years[iso3]}, so most likely Tier 2"
            )
        elif iso3 in last.index:
            tier = last.loc[iso3, "tier"]
            year = last.loc[iso3, "year"]
            status[iso3] = TIP_WAS_TIER1 if tier == "Tier 1" else TIP_WAS_TIER2
            evidence_year[iso3] = int(year)
            source[iso3] = S_TIP_HISTORY
            note[iso3] = (
                "not on the 2025 Watch List or Tier 3 (Tier 1 or 2); last full "
                f"placement {HISTORY_TIER[tier]} in {year} (Heiss & Kelley)"
            )
        else:
            status[iso3] = TIP_NO_HISTORY
            evidence_year[iso3] = pd.NA
            note[iso3] = (
                "not on the 2025 Watch List or Tier 3 (Tier 1 or 2, or not "
                "assessed); no full placement in 1999-2015 coded"
            )
    return pd.DataFrame(
        {
            "tip_status": status,
            "tip_status_year": evidence_year,
            "tip_status_source": source,
            "tip_status_note": note,
        }
    )


SOURCE_ROWS = [
    (S_WGI, "Worldwide Governance Indicators, 2024 update (data 1996-2023): "
     "rule of law estimate", "World Bank (Kaufmann and Kraay)", 2024,
     "https://www.worldbank.org/en/publication/worldwide-governance-indicators",
     "CC BY 4.0", "copy from GitHub patakota95/Dissertation commit 88d1181e "
     "(wgidataset.xlsx); World Bank codes ADO, KSV, ROM, TMP, WBG, ZAR mapped to "
     "ISO 3166-1"),
    (S_UNDESA, "International Migrant Stock 2020: Destination (migrants as % of "
     "population)", "UN DESA Population Division", 2020,
     "https://www.un.org/development/desa/pd/content/international-migrant-stock",
     "CC BY 3.0 IGO", "copy from GitHub renatadaou/migration commit 9b0b49ab "
     "(POP/DB/MIG/Stock/Rev.2020)"),
    (S_ICMW, "Status of the International Convention on the Protection of the "
     "Rights of All Migrant Workers and Members of Their Families (1990)",
     "United Nations Treaty Collection", 2022,
     "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-13",
     "facts from UNTC (re-derivable); convenience copy without a licence file",
     "GitHub world-politics-datalab/humanrights-treaties-ratification-status "
     "commit fdb779e6 (hr_status_icmw.csv), snapshot 2022-08"),
    (S_TIP_HISTORY, "US TIP Report tier placements 1999-2015 (Tier 1, Tier 2, "
     "Watch List, Tier 3), coded from the reports",
     "Heiss and Kelley (2017), J. Human Trafficking; Kelley (2017), Scorecard "
     "Diplomacy", 2017, "https://github.com/andrewheiss/From-the-Trenches-Anti-TIP-NGOs-and-US",
     "facts from the US State Department's reports (public domain); cite the "
     "coders", "data/tip_tiers_orig.csv, commit 475c15ba"),
]  # fmt: skip
