"""The bundled tables keep the promises of data/README.md; codes resolve."""

from __future__ import annotations

import pandas as pd
import pycountry
import pytest

import demandrisk
from demandrisk.codes import resolve_countries, resolve_sectors

REQUIRED_SECTORS = (
    "A01 A02 A03 B07 B08 C10 C13 C14 C15 C16 C20 C23 C26 C27 F G H49 H50 "
    "I55 I56 N78 N80 N81 S96 T97"
).split()
SECTIONS = list("ABCDEFGHIJKLMNOPQRSTU")
QUALITY = {"observed", "derived", "proxy", "expert_estimate"}
TIP_STATUSES = {"not-listed", "tier-2-watch-list", "tier-3", "special-case"}
SECTOR_INDICATORS = ("informality", "margin", "low_pay", "migrant_ratio")


@pytest.fixture(scope="module")
def tables(sectors_csv, countries_csv, goods_csv, sources_csv, data_root):
    isic4 = pd.read_csv(data_root / "isic4.csv", dtype=str, keep_default_na=False)
    return {
        "sectors": sectors_csv,
        "countries": countries_csv,
        "goods": goods_csv,
        "sources": sources_csv,
        "isic4": isic4,
    }


def test_every_source_reference_resolves(tables):
    ids = set(tables["sources"]["id"])
    assert len(ids) == len(tables["sources"])
    checked = 0
    for name, frame in tables.items():
        columns = [
            c
            for c in frame.columns
            if c.endswith("_source") or c in {"source", "tip_source", "dol_source"}
        ]
        for column in columns:
            used = set(frame[column]) - {""}
            assert used <= ids, (name, column, sorted(used - ids))
            checked += 1
    assert checked >= 8


def test_sectors_table_shape(tables):
    sectors = tables["sectors"]
    codes = set(sectors["isic_code"])
    assert len(sectors) >= 35
    assert sectors["isic_code"].is_unique
    assert set(REQUIRED_SECTORS) <= codes, sorted(set(REQUIRED_SECTORS) - codes)
    assert set(sectors.loc[sectors["level"] == "section", "isic_code"]) == set(SECTIONS)
    assert set(sectors["level"]) == {"section", "division"}
    divisions = sectors[sectors["level"] == "division"]
    assert set(divisions["parent"]) <= codes
    assert (divisions["isic_code"].str[0] == divisions["parent"]).all()
    assert divisions["isic_code"].str.fullmatch(r"[A-U]\d{2}").all()
    assert (sectors.loc[sectors["level"] == "section", "parent"] == "").all()


def test_division_names_are_the_isic_titles(tables):
    isic = tables["isic4"]
    title = dict(zip(isic["code"], isic["title"], strict=True))
    sectors = tables["sectors"]
    for code, name in zip(sectors["isic_code"], sectors["name"], strict=True):
        key = code if len(code) == 1 else code[1:]
        assert title[key] == name, code


def _quality_frames(tables):
    yield "sectors", tables["sectors"], SECTOR_INDICATORS
    yield "countries", tables["countries"], ("informality", "enforcement_gap")


def test_quality_vocabulary_and_blank_exactly_when_value_blank(tables):
    for name, frame, indicators in _quality_frames(tables):
        for indicator in indicators:
            blank = frame[indicator] == ""
            quality = frame[f"{indicator}_quality"]
            assert set(quality[~blank]) <= QUALITY, (name, indicator)
            assert (quality[blank] == "").all(), (name, indicator)
            assert (quality[~blank] != "").all(), (name, indicator)
            for suffix in ("_source", "_note"):
                column = f"{indicator}{suffix}"
                if column in frame:
                    assert ((frame[column] == "") == blank).all(), (name, column)


def test_country_years_blank_with_their_value(tables):
    countries = tables["countries"]
    for value, year in (
        ("informality", "informality_year"),
        ("enforcement_gap", "enforcement_year"),
    ):
        assert ((countries[value] == "") == (countries[year] == "")).all(), value


def test_expert_estimates_carry_a_note(tables):
    for name, frame, indicators in _quality_frames(tables):
        for indicator in indicators:
            expert = frame[f"{indicator}_quality"] == "expert_estimate"
            note = f"{indicator}_note"
            if note in frame:
                assert (frame.loc[expert, note].str.strip() != "").all(), (name, note)
            else:
                assert not expert.any(), (name, indicator)


def test_sector_values_are_numbers_in_range(tables):
    sectors = tables["sectors"]
    for indicator in SECTOR_INDICATORS:
        text = sectors[indicator]
        values = pd.to_numeric(text[text != ""], errors="raise")
        assert (values >= 0).all(), indicator
    informality = pd.to_numeric(sectors["informality"].replace("", None))
    assert informality.dropna().between(0, 100).all()


def test_tip_status_never_claims_tier_1(tables):
    status = tables["countries"]["tip_status_2025"]
    assert set(status) == TIP_STATUSES
    folded = status.str.casefold().str.replace(r"[\s_]", "-", regex=True)
    assert not folded.str.contains("tier-1").any()
    assert not status.str.contains("Tier 1").any()


def test_every_iso_country_is_present(tables):
    countries = tables["countries"]
    iso3 = set(countries["iso3"])
    expected = {c.alpha_3 for c in pycountry.countries}
    assert expected <= iso3, sorted(expected - iso3)
    assert iso3 - expected == {"XKX"}
    assert countries["iso3"].is_unique and countries["iso2"].is_unique
    assert (
        countries["numeric"].str.fullmatch(r"\d{3}") | (countries["iso3"] == "XKX")
    ).all()


def test_goods_map_to_known_sectors_and_countries(tables):
    goods = tables["goods"]
    assert set(goods["isic_code"]) <= set(tables["sectors"]["isic_code"])
    assert set(goods["country_iso3"]) <= set(tables["countries"]["iso3"])
    flags = [
        "child_labor",
        "forced_labor",
        "forced_child_labor_eo13126",
        "derived_labor_exploitation",
    ]
    for flag in flags:
        assert set(goods[flag]) <= {"true", "false"}, flag
    # Each row is listed for something; "derived" goods are inputs made with
    # forced labour elsewhere (data/README.md: 10 of them).
    listed = (
        (goods["child_labor"] == "true")
        | (goods["forced_labor"] == "true")
        | (goods["derived_labor_exploitation"] == "true")
    )
    assert listed.all()
    assert not goods.duplicated(["good", "country_iso3"]).any()


def test_country_goods_counts_agree_with_goods_table(tables):
    goods = tables["goods"]
    countries = tables["countries"].set_index("iso3")
    listed = goods.groupby("country_iso3").size()
    forced = goods[goods["forced_labor"] == "true"].groupby("country_iso3").size()
    counts = countries["dol_goods_listed"].astype(int)
    forced_counts = countries["dol_goods_forced_labour"].astype(int)
    assert counts.sum() == len(goods)
    assert (counts.reindex(listed.index) == listed).all()
    assert (forced_counts.reindex(forced.index) == forced).all()
    assert (forced_counts <= counts).all()


def test_loaded_reference_matches_files(tables):
    reference = demandrisk.load_reference()
    assert list(reference.sectors.index) == tables["sectors"]["isic_code"].tolist()
    assert len(reference.countries) == len(tables["countries"])
    assert reference.sectors["informality"].dtype == "float64"


# ------------------------------------------------------------------ resolution
@pytest.mark.parametrize(
    "label",
    [
        "C14",
        "14",
        "1410",
        "C1410",
        "Manufacture of wearing apparel",
        "c14",
        " C 14 ",
        "manufacture of WEARING apparel",
    ],
)
def test_sector_labels_resolve_to_c14(label, reference):
    resolution = resolve_sectors(pd.Series([label]), reference)
    assert list(resolution.codes) == ["C14"]
    assert not resolution.problems


@pytest.mark.parametrize(
    ("label", "code"),
    [("7830", "N78"), ("C17", "C17"), ("H52", "H52"), ("F", "F"), ("0111", "A01")],
)
def test_other_sector_codes_map_to_their_division(label, code, reference):
    assert list(resolve_sectors(pd.Series([label]), reference).codes) == [code]


@pytest.mark.parametrize("label", ["A14", "9999", "Xyzzy"])
def test_bad_sector_labels_are_unknown(label, reference):
    resolution = resolve_sectors(pd.Series([label]), reference)
    assert pd.isna(resolution.codes[0])
    frame = pd.DataFrame({"supplier_id": ["A"], "country": ["IND"], "sector": [label]})
    issues = demandrisk.validate(frame).issues
    assert issues["code"].tolist() == ["unknown-sector"]
    assert repr(label) in issues["message"].item()


@pytest.mark.parametrize(
    ("label", "iso3"),
    [
        ("Viet Nam", "VNM"),
        ("Türkiye", "TUR"),
        ("UK", "GBR"),
        ("Korea, Rep.", "KOR"),
        ("Kosovo", "XKX"),
        ("Taiwan", "TWN"),
        ("Hong Kong", "HKG"),
        ("bd", "BGD"),
        ("050", "BGD"),
        ("50", "BGD"),
        ("deu", "DEU"),
        ("Germany", "DEU"),
        ("Republic of Korea", "KOR"),
    ],
)
def test_country_labels_resolve(label, iso3, reference):
    resolution = resolve_countries(pd.Series([label]), reference)
    assert list(resolution.codes) == [iso3]
    assert not resolution.problems


@pytest.mark.parametrize("label", ["000", "0", "Atlantis"])
def test_non_countries_do_not_resolve(label, reference):
    """Kosovo has no numeric code; '000' must not reach it (BUG if fails)."""
    resolution = resolve_countries(pd.Series([label]), reference)
    assert pd.isna(resolution.codes[0])
    assert next(iter(resolution.problems.values()))[0] == "unknown-country"
