"""Poor-work indicators per country x sector (model v2), with estimates that say so.

Writes the long table ``country_sector.csv``: one row per country x ISIC code x
indicator, each with its year, source, quality tag and a note. Three
indicators, each in one unit so that a supplier's own value can replace it:

* ``informality`` - informal employment, percent of the sector's employment.
  Observed: ILOSTAT by ISIC section (138 countries) and by 2-digit division
  (Bangladesh 2022-2024). Elsewhere an **estimate**: the country's all-sector
  rate shifted by the section's typical log-odds difference from the
  all-sector rate (median over the observed countries). Where ILOSTAT has no
  all-sector rate, or one far below what the country's rule of law predicts
  (EU-LFS-based series of 1-2 %, see ``implausibly_low``), the all-sector rate
  is itself predicted from the WGI rule-of-law estimate by a logistic fit
  over the observed countries.
* ``low_pay`` - the section's average monthly earnings of employees divided
  by the all-sector average, same country and year (ILOSTAT, 17 countries).
  No estimate: elsewhere the global sector value applies.
* ``migrant_share`` - migrant workers' share of the section's employment.
  Observed: ILOSTAT by place of birth or citizenship, 11 countries (Gulf
  states included). Elsewhere an **estimate** from UN DESA's migrant stock:
  the all-sector employment share predicted from the population share (fit
  over the 11 countries), shifted by the section's median log-odds
  difference. Log-odds, not ratios: where migrants are most of all workers
  (Qatar 94 %) a ratio to the national share cannot exceed ~1.06 although the
  sector's share may be 99.9 %; a log-odds shift keeps both ends apart.

Imported by ``build_reference_data.py``. Deterministic; no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

F_NIFL_ECO = (
    "ilostat-by-activity/ddf--datapoints--emp_nifl_sex_eco_rt--by--ref_area--sex"
    "--classif1--time.sex_total.csv"
)
F_NIFL_DIV = (
    "division-informality/ddf--datapoints--emp_nifl_sex_ec2_rt--by--ref_area--sex"
    "--classif1--time.sex_total.bgd_2022-2024.csv"
)
F_EARNINGS = (
    "ilostat-by-activity/ddf--datapoints--ear_4mth_sex_eco_cur_nb--by--ref_area--sex"
    "--classif1--classif2--time.sex_total.isic4.lcu.selected_countries.csv"
)
F_MIGRANT = "migrant-by-activity/DERIVED_migrant_share_ratio_by_isic4_section.csv"

S_NIFL_ECO = "ilostat-emp-nifl-eco"
S_NIFL_DIV = "ilostat-emp-nifl-ec2"
S_EAR = "ilostat-ear-4mth-eco"
S_MIGRANT = "ilostat-mst-eco-11"
S_EST_INFORMALITY = "demandrisk-estimate-informality"
S_EST_MIGRANT = "demandrisk-estimate-migrant-share"

COLUMNS = ["iso3", "isic_code", "indicator", "value", "year", "source", "quality",
           "note"]  # fmt: skip
SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")
# Shares are clipped before taking log-odds: a published 0 or 100 % would be
# an infinite shift, and survey cells that small carry no such certainty.
CLIP = 0.001
# An all-sector rate below this and this many residual standard deviations
# under the rule-of-law fit is treated as not comparable (see module doc).
LOW_RATE = 5.0
LOW_RESIDUALS = 2.0
# Countries where migrants are under 1 % of employment give log-odds shifts
# from a handful of survey cells (Iraq 0.5 %): left out of the sector shifts.
MIN_MIGRANT_SHARE = 0.01
SUSPECT = {"jam": (2023,), "dnk": (2012, 2013, 2014, 2015)}  # as sectors.csv


def logit(p: np.ndarray | pd.Series | float) -> np.ndarray:
    """Log-odds of a share, clipped to ``[CLIP, 1 - CLIP]``."""
    q = np.clip(np.asarray(p, dtype=float), CLIP, 1 - CLIP)
    return np.log(q / (1 - q))


def expit(x: np.ndarray | pd.Series | float) -> np.ndarray:
    """Inverse of :func:`logit`."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


@dataclass(frozen=True)
class Fit:
    """A least-squares line ``y = a + b x`` with its fit statistics."""

    a: float
    b: float
    r2: float
    sd: float
    n: int

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray) -> Fit:
        b, a = np.polyfit(x, y, 1)
        residual = y - (a + b * x)
        r2 = 1.0 - residual.var() / y.var()
        return cls(float(a), float(b), float(r2), float(residual.std()), len(x))

    def __call__(self, x: np.ndarray | pd.Series | float) -> np.ndarray:
        return self.a + self.b * np.asarray(x, dtype=float)

    def describe(self, x: str, y: str) -> str:
        return (
            f"logit({y}) = {self.a:.3f} + {self.b:.3f} * {x} (least squares over "
            f"{self.n} countries, R2 {self.r2:.2f})"
        )


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reindex(columns=COLUMNS)


# ------------------------------------------------------------------- informality
def _section_rates(raw: Path) -> pd.DataFrame:
    """Observed section rates and the all-sector rate of the same country-year."""
    df = pd.read_csv(raw / F_NIFL_ECO)
    df = df.loc[(df["sex"] == "sex_t") & df["classif1"].str.startswith("eco_isic4_")]
    for area, years in SUSPECT.items():
        df = df.loc[~((df["ref_area"] == area) & df["time"].isin(years))]
    code = df["classif1"].str.removeprefix("eco_isic4_").str.upper()
    df = df.assign(iso3=df["ref_area"].str.upper(), code=code)
    total = df.loc[df["code"] == "TOTAL"].set_index(["iso3", "time"])[
        "emp_nifl_sex_eco_rt"
    ]
    sections = df.loc[df["code"].isin(SECTIONS)]
    latest = sections.sort_values("time").groupby(["iso3", "code"]).tail(1)
    key = pd.MultiIndex.from_arrays([latest["iso3"], latest["time"]])
    return latest.assign(total=total.reindex(key).to_numpy())[
        ["iso3", "code", "time", "emp_nifl_sex_eco_rt", "total"]
    ].rename(columns={"emp_nifl_sex_eco_rt": "value"})


def implausibly_low(
    observed: pd.Series, predicted_logit: pd.Series, fit: Fit
) -> pd.Series:
    """Flag all-sector rates far below what the rule of law predicts.

    The EU-LFS-based series in ILOSTAT put informal employment at 1-2 % in
    Bulgaria, Croatia, Hungary and Malta, four logits below the rule-of-law
    fit (Germany's 2.5 % sits on it). Such a value is kept in the note and
    replaced by the prediction.
    """
    residual = logit(observed / 100.0) - predicted_logit
    return (observed < LOW_RATE) & (residual < -LOW_RESIDUALS * fit.sd)


def informality(
    raw: Path,
    observed_total: pd.DataFrame,
    rule_of_law: pd.Series,
    countries: pd.Index,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Informality per country x section (+ Bangladesh by division).

    Parameters
    ----------
    raw : pathlib.Path
        Reference-data folder.
    observed_total : pandas.DataFrame
        Indexed by ISO3: ``informality`` and ``informality_year``, the ILOSTAT
        all-sector rate (countries.csv's v1 column).
    rule_of_law : pandas.Series
        WGI rule of law by ISO3.
    countries : pandas.Index
        ISO3 codes of countries.csv.

    Returns
    -------
    rows : pandas.DataFrame
        ``COLUMNS`` rows for ``country_sector.csv``.
    all_sector : pandas.DataFrame
        Indexed by ISO3: ``informality_all`` (percent), ``_year``, ``_source``,
        ``_quality``, ``_note`` - the all-sector rate the estimates start from.
    notes : dict
        Method descriptions for data/README.md.
    """
    sections = _section_rates(raw)
    both = sections.dropna(subset=["total"])
    shifts = (
        both.assign(d=logit(both["value"] / 100) - logit(both["total"] / 100))
        .groupby("code")["d"]
        .median()
    )
    has = observed_total["informality"].notna() & observed_total.index.isin(
        rule_of_law.dropna().index
    )
    obs = observed_total.loc[has]
    fit = Fit.of(rule_of_law[obs.index].to_numpy(), logit(obs["informality"] / 100))
    predicted = pd.Series(
        100 * expit(fit(rule_of_law.reindex(countries))), index=countries
    )
    low = implausibly_low(
        observed_total["informality"].reindex(countries),
        pd.Series(fit(rule_of_law.reindex(countries)), index=countries),
        fit,
    ).fillna(False)
    observed = observed_total["informality"].reindex(countries)
    use_observed = observed.notna() & ~low
    method = fit.describe("WGI rule of law 2023", "informality")
    all_sector = pd.DataFrame(index=countries)
    all_sector["informality_all"] = observed.where(use_observed, predicted).round(3)
    year = observed_total["informality_year"].reindex(countries).astype("Int64")
    all_sector["informality_all_year"] = year.where(use_observed, 2023)
    all_sector["informality_all_source"] = np.where(
        use_observed, "ilostat-emp-nifl", S_EST_INFORMALITY
    )
    all_sector["informality_all_quality"] = np.where(
        use_observed, "observed", "estimate"
    )
    replaced = (
        "ILOSTAT's harmonised "
        + observed.round(1).astype(str)
        + ("% is far below what the rule of law predicts (not comparable); ")
    )
    all_sector["informality_all_note"] = np.where(
        use_observed, "", np.where(low, replaced, "no ILOSTAT rate; ") + method
    )
    all_sector.loc[all_sector["informality_all"].isna(), "informality_all_note"] = ""
    all_sector.loc[all_sector["informality_all"].isna(), "informality_all_source"] = ""
    all_sector.loc[all_sector["informality_all"].isna(), "informality_all_quality"] = ""

    measured = sections.loc[~sections["iso3"].isin(low[low].index)]
    measured = measured.loc[measured["iso3"].isin(countries)]
    observed_rows = _rows(
        measured.assign(
            isic_code=measured["code"],
            indicator="informality",
            value=measured["value"].round(3),
            year=measured["time"],
            source=S_NIFL_ECO,
            quality="observed",
            note="",
        )
    )
    estimate_rows = _shifted_estimates(
        countries,
        measured,
        all_sector,
        shifts,
        indicator="informality",
        column="informality_all",
        scale=100.0,
        digits=3,
        source=S_EST_INFORMALITY,
        notes=(
            "estimate: the country's observed all-sector rate shifted by the "
            "section's median log-odds difference",
            "estimate: the rule-of-law prediction shifted by the section's "
            "median log-odds difference",
        ),
    )
    rows = pd.concat([observed_rows, estimate_rows, _division_rows(raw)])
    notes = {
        "informality_fit": method,
        "informality_low": ", ".join(sorted(low[low].index)),
        "informality_shifts": ", ".join(f"{k} {v:+.2f}" for k, v in shifts.items()),
    }
    return rows, all_sector, notes


def _shifted_estimates(
    countries: list[str],
    measured: pd.DataFrame,
    all_sector: pd.DataFrame,
    shifts: pd.Series,
    *,
    indicator: str,
    column: str,
    scale: float,
    digits: int,
    source: str,
    notes: tuple[str, str],
) -> pd.DataFrame:
    """Estimate every country x section cell that was not measured.

    The country's all-sector value (``column`` of ``all_sector``, on a 0-``scale``
    scale) shifted by the section's median log-odds difference; ``notes`` say
    so, the first where the all-sector value is observed, the second where it
    is itself predicted.
    """
    grid = pd.MultiIndex.from_product([countries, SECTIONS], names=["iso3", "code"])
    have = pd.MultiIndex.from_arrays([measured["iso3"], measured["code"]])
    gaps = grid.difference(have).to_frame(index=False)
    base = all_sector[column].reindex(gaps["iso3"]).to_numpy()
    shift = shifts.reindex(gaps["code"]).to_numpy()
    gaps = gaps.assign(value=scale * expit(logit(base / scale) + shift))
    gaps = gaps.loc[~np.isnan(base) & ~np.isnan(shift)]
    start = all_sector[f"{column}_quality"].reindex(gaps["iso3"]).to_numpy()
    return _rows(
        gaps.assign(
            isic_code=gaps["code"],
            indicator=indicator,
            value=gaps["value"].round(digits),
            year=all_sector[f"{column}_year"].reindex(gaps["iso3"]).to_numpy(),
            source=source,
            quality="estimate",
            note=np.where(start == "observed", *notes),
        )
    )


def _division_rows(raw: Path) -> pd.DataFrame:
    """Bangladesh by 2-digit division, the mean of 2022-2024.

    The source warns that small cells swing year to year and that 2022+
    breaks with earlier surveys: the three years of the new survey are
    averaged, earlier years are not used.
    """
    df = pd.read_csv(raw / F_NIFL_DIV)
    df = df.loc[(df["sex"] == "sex_t") & df["time"].between(2022, 2024)]
    division = df["classif1"].str.extract(r"^ec2_isic4_([a-u])(\d\d)$")
    df = df.assign(code=division[0].str.upper() + division[1]).dropna(subset=["code"])
    mean = df.groupby(["ref_area", "code"]).agg(
        value=("emp_nifl_sex_ec2_rt", "mean"), years=("time", "nunique")
    )
    mean = mean.reset_index()
    return _rows(
        mean.assign(
            iso3=mean["ref_area"].str.upper(),
            isic_code=mean["code"],
            indicator="informality",
            value=mean["value"].round(3),
            year=2024,
            source=S_NIFL_DIV,
            quality="observed",
            note="mean of " + mean["years"].astype(str) + " survey years 2022-2024",
        )
    )


# ------------------------------------------------------------------- low pay
def low_pay(raw: Path) -> pd.DataFrame:
    """Section / all-sector average monthly earnings, same country and year."""
    df = pd.read_csv(raw / F_EARNINGS)
    df = df.loc[(df["sex"] == "sex_t") & (df["classif2"] == "cur_type_lcu")]
    wide = df.pivot_table(
        index=["ref_area", "time"], columns="classif1",
        values="ear_4mth_sex_eco_cur_nb", aggfunc="first",
    )  # fmt: skip
    ratio = wide.div(wide["eco_isic4_total"], axis=0).stack().rename("ratio")
    long = ratio.reset_index()
    long["code"] = long["classif1"].str.removeprefix("eco_isic4_").str.upper()
    long = long.loc[long["code"].isin(SECTIONS)].dropna(subset=["ratio"])
    latest = long.sort_values("time").groupby(["ref_area", "code"]).tail(1)
    return _rows(
        latest.assign(
            iso3=latest["ref_area"].str.upper(),
            isic_code=latest["code"],
            indicator="low_pay",
            value=latest["ratio"].round(3),
            year=latest["time"],
            source=S_EAR,
            quality="derived",
            note="section / all-activity average monthly earnings of employees, "
            "same country-year",
        )
    )


# ------------------------------------------------------------------- migrants
def _stock_at(by_year: dict[float, float], year: int) -> float:
    """UN DESA share (percent) at ``year``, linear between its 5-year points."""
    points = sorted(by_year.items())
    years = np.array([p[0] for p in points])
    shares = np.array([p[1] for p in points])
    return float(np.interp(year, years, shares))


def migrant_share(
    raw: Path, stock: pd.DataFrame, world_stock: float, countries: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, dict[str, str]]:
    """Migrant share of employment per country x section, and globally.

    Returns
    -------
    rows : pandas.DataFrame
        ``COLUMNS`` rows.
    all_sector : pandas.DataFrame
        Indexed by ISO3: ``migrant_share_all`` (0-1) with year, source,
        quality and note.
    world_sections : pandas.Series
        The global share by section (for sectors.csv), from the world stock.
    notes : dict
        Method descriptions.
    """
    m = pd.read_csv(raw / F_MIGRANT)
    m.columns = ["iso3", "basis", "year", "code", "share", "share_all", "ratio",
                 "employment", "method", "flag"]  # fmt: skip
    latest = m.sort_values("year").groupby(["iso3", "code"]).tail(1)
    national = m.sort_values("year").groupby("iso3").tail(1).set_index("iso3")
    usable = latest.loc[latest["share_all"] >= MIN_MIGRANT_SHARE]
    shifts = (
        usable.assign(d=logit(usable["share"]) - logit(usable["share_all"]))
        .groupby("code")["d"]
        .median()
    )
    population = pd.Series(
        [
            _stock_at(
                stock.loc[i, "migrant_stock_by_year"], int(national.loc[i, "year"])
            )
            for i in national.index
        ],
        index=national.index,
    )
    fit = Fit.of(logit(population / 100).ravel(), logit(national["share_all"]))
    method = fit.describe(
        "UN DESA migrant share of population", "migrant employment share"
    )
    predicted = pd.Series(
        expit(fit(logit(stock["migrant_stock_share"].reindex(countries) / 100))),
        index=countries,
    )
    measured_all = national["share_all"].reindex(countries)
    all_sector = pd.DataFrame(index=countries)
    all_sector["migrant_share_all"] = measured_all.fillna(predicted).round(4)
    has = measured_all.notna()
    all_sector["migrant_share_all_year"] = (
        national["year"].reindex(countries).astype("Int64").where(has, 2020)
    )
    all_sector["migrant_share_all_source"] = np.where(has, S_MIGRANT, S_EST_MIGRANT)
    all_sector["migrant_share_all_quality"] = np.where(has, "observed", "estimate")
    all_sector["migrant_share_all_note"] = np.where(has, "", "estimate: " + method)
    blank = all_sector["migrant_share_all"].isna()
    for col in ("source", "quality", "note"):
        all_sector.loc[blank, f"migrant_share_all_{col}"] = ""

    observed = latest.loc[latest["iso3"].isin(countries)]
    observed_rows = _rows(
        observed.assign(
            isic_code=observed["code"],
            indicator="migrant_share",
            value=observed["share"].round(4),
            source=S_MIGRANT,
            quality="observed",
            note=np.where(observed["basis"] == "cct", "non-citizens", "foreign-born"),
        )
    )
    estimate_rows = _shifted_estimates(
        countries,
        observed,
        all_sector,
        shifts,
        indicator="migrant_share",
        column="migrant_share_all",
        scale=1.0,
        digits=4,
        source=S_EST_MIGRANT,
        notes=(
            "estimate: the country's observed all-sector share shifted by the "
            "section's median log-odds difference",
            "estimate: the share predicted from UN DESA's migrant stock, "
            "shifted by the section's median log-odds difference",
        ),
    )
    world_all = float(expit(fit(logit(world_stock / 100))))
    world_sections = pd.Series(expit(logit(world_all) + shifts), index=shifts.index)
    notes = {
        "migrant_fit": method,
        "migrant_world": f"{world_stock:.2f}% of the world's population (UN DESA "
        f"2020) -> {100 * world_all:.2f}% of employment",
        "migrant_shifts": ", ".join(f"{k} {v:+.2f}" for k, v in shifts.items()),
        "migrant_shift_countries": ", ".join(sorted(usable["iso3"].unique())),
    }
    return pd.concat([observed_rows, estimate_rows]), all_sector, world_sections, notes


SOURCE_ROWS = [
    (S_NIFL_DIV, "Informal employment rate by sex and economic activity, ISIC "
     "Rev.4 2-digit (EMP_NIFL_SEX_EC2_RT)", "ILO (ILOSTAT)", 2025,
     "https://ilostat.ilo.org/data/",
     "free to use with citation; CC BY 4.0 (ILO open access, since 2023-05-03)",
     "Bangladesh 2022-2024 via GitHub open-numbers/ddf--ilo--ilostat commit "
     "c50d0605"),
    (S_MIGRANT, "Employment by sex, economic activity and place of birth or "
     "citizenship (MST_TEMP_SEX_ECO_CBR_NB, MST_TEMP_SEX_ECO_CCT_NB)",
     "ILO (ILOSTAT)", 2024, "https://ilostat.ilo.org/data/",
     "free to use with citation; CC BY 4.0 (ILO open access, since 2023-05-03)",
     "11 countries (ARE, BHR, CHL, CIV, IRQ, ISR, JOR, LBN, MYS, QAT, USA) via "
     "GitHub open-numbers/ddf--ilo--ilostat, commits per country in the staged "
     "provenance file"),
    (S_EST_INFORMALITY, "Informality estimates: an observed or predicted "
     "all-sector rate shifted by the section's median log-odds difference",
     "demandrisk", 2026, "", "as demandrisk",
     "scripts/country_sector.py; method and fit in data/README.md"),
    (S_EST_MIGRANT, "Migrant-share estimates: employment share predicted from UN "
     "DESA's migrant stock, shifted by the section's median log-odds difference",
     "demandrisk", 2026, "", "as demandrisk",
     "scripts/country_sector.py; method and fit in data/README.md"),
]  # fmt: skip
