"""NAICS, HS, aliases and multilingual countries resolve to our codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from demandrisk.codes import resolve_countries, resolve_sectors
from demandrisk.readers import prepare_input
from demandrisk.schema import prepare_suppliers

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"


@pytest.mark.parametrize(
    ("label", "code", "match", "score"),
    [
        ("NAICS 315210", "C14", "concordance", 100.0),
        ("naics:561612", "N80", "concordance", 100.0),
        ("HS 5201.00", "A01", "concordance", 100.0),
        ("garment mfg", "C14", "alias", 100.0),
        ("Cotton ginning", "A01", "alias", 100.0),
        ("Security services", "N80", "alias", 100.0),
        ("Labour hire", "N78", "alias", 100.0),
        ("ISIC 1410", "C14", "code", 100.0),
    ],
)
def test_sector_schemes(reference, label, code, match, score):
    r = resolve_sectors(pd.Series([label]), reference)
    assert (r.codes[0], r.match[0], r.score[0]) == (code, match, score)


def test_bare_six_digits_are_reported_not_guessed(reference):
    r = resolve_sectors(pd.Series(["315210"]), reference)
    assert r.codes[0] is None
    assert "name the column 'NAICS' or 'HS code'" in r.problems[0][1]


def test_unknown_naics_is_an_issue(reference):
    r = resolve_sectors(pd.Series(["NAICS 999999"]), reference)
    assert r.problems[0][0] == "unknown-sector"


def test_naics_file_from_its_header(reference):
    scored, *_ = prepare_input(EXPORTS / "naics_pipe.csv")
    prepared = prepare_suppliers(scored, reference)
    assert prepared.sector.codes.tolist() == ["C14", "N80", None]
    assert prepared.issues[["row", "code"]].values.tolist() == [[4, "unknown-sector"]]


def test_hs_file_from_its_header(reference):
    scored, *_ = prepare_input(EXPORTS / "hs_codes.csv")
    prepared = prepare_suppliers(scored, reference)
    assert prepared.sector.codes.tolist() == ["A01", "C14"]
    assert prepared.sector.match.tolist() == ["concordance", "concordance"]


def test_countries_in_several_languages(reference):
    labels = [
        "Deutschland",
        "Allemagne",
        "Alemania",
        "Türkei",
        "Bangladesch",
        "中国",
        "Brasil",
        "Korea, Rep.",
        "Kosovo",
        "Hong Kong",
        "704",
    ]
    r = resolve_countries(pd.Series(labels), reference)
    assert r.codes.tolist() == [
        "DEU",
        "DEU",
        "DEU",
        "TUR",
        "BGD",
        "CHN",
        "BRA",
        "KOR",
        "XKX",
        "HKG",
        "VNM",
    ]


def test_aliases_point_at_isic_sections_and_divisions(reference):
    aliases = pd.read_csv(
        Path(__file__).resolve().parents[1] / "data" / "sector_aliases.csv",
        dtype=str,
        keep_default_na=False,
    )
    isic = reference.isic4
    targets = set(isic.loc[isic["level"] == "section", "code"]) | {
        section + code
        for code, section in zip(
            isic.loc[isic["level"] == "division", "code"],
            isic.loc[isic["level"] == "division", "section"],
            strict=True,
        )
    }
    assert set(aliases["isic_code"]) <= targets
    pairs = pd.DataFrame(
        {"a": aliases["alias"].str.casefold(), "c": aliases["isic_code"]}
    )
    assert not pairs.duplicated().any()
    # An alias is an expert mapping: each says so and gives its reason.
    assert set(aliases["quality"]) == {"expert_estimate"}
    assert aliases["basis"].str.strip().ne("").all()
