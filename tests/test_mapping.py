"""Column synonyms, explicit mappings, value translation and init-map."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import demandrisk
from demandrisk.errors import ConfigError
from demandrisk.mapping import ColumnMapping, guess_columns, load_mapping
from demandrisk.readers import prepare_input

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"


def test_synonyms_are_case_space_and_punctuation_insensitive():
    headers = [
        "VENDOR  NO.",
        "supplier-name",
        "Country of Origin",
        "HS code",
        "Factory name",
        "No. of Workers",
    ]
    guessed = guess_columns(headers)
    assert {k: v[0] for k, v in guessed.items()} == {
        "supplier_id": "VENDOR  NO.",
        "name": "supplier-name",
        "country": "Country of Origin",
        "sector": "HS code",
        "workers": "No. of Workers",
    }


def test_explicit_mapping_wins_and_translates_values(tmp_path):
    frame = pd.DataFrame(
        {
            "Ref": ["1", "2", "3"],
            "Where": ["Holland", "BD", "bd"],
            "Category": ["Apparel", "Footwear", "Equipment"],
            "country": ["x", "y", "z"],
        }
    )
    path = tmp_path / "map.toml"
    path.write_text(
        '[columns]\nsupplier_id = "Ref"\ncountry = "Where"\nsector = "Category"\n'
        '[values.sector]\n"apparel" = "C14"\n"Footwear" = "C15"\n"Equipment" = "C26"\n'
        '[values.country]\n"Holland" = "NLD"\n'
    )
    scored, original, issues, report = prepare_input(frame, path)
    assert scored["sector"].tolist() == ["C14", "C15", "C26"]
    assert scored["country"].tolist() == ["NLD", "BD", "bd"]
    assert original.equals(frame.assign(supplier_id=["1", "2", "3"]))
    assert report.columns.values.tolist() == [
        ["supplier_id", "Ref", "mapping"],
        ["country", "Where", "mapping"],
        ["sector", "Category", "mapping"],
    ]
    assert "translated by [values.sector]" in str(report)
    assert issues.empty


def test_mapping_errors_name_the_problem(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown \['colour'\]"):
        ColumnMapping.from_any({"colour": "x"})
    with pytest.raises(ConfigError, match="headers the file does not have"):
        prepare_input(pd.DataFrame({"a": ["1"]}), {"supplier_id": "b"})
    with pytest.raises(ConfigError, match="sector_scheme"):
        ColumnMapping.from_any({"columns": {"sector_scheme": "sic"}})
    bad = tmp_path / "bad.toml"
    bad.write_text("[columns\n")
    with pytest.raises(ConfigError, match="not a valid TOML"):
        load_mapping(bad)


def test_missing_required_column_says_how_to_map():
    with pytest.raises(demandrisk.InputDataError, match="init-map"):
        prepare_input(pd.DataFrame({"Vendor": ["1"], "Colour": ["red"]}))


def test_init_map_writes_guesses(run_cli, tmp_path):
    target = tmp_path / "m.toml"
    done = run_cli("init-map", EXPORTS / "vendors_cp1252.csv", "-o", target)
    assert done.returncode == 0, done.stderr
    mapping = load_mapping(target)
    assert mapping.columns["supplier_id"] == "Vendor No."
    assert mapping.columns["sector"] == "Industry"
    assert mapping.sector_scheme == "isic"
    scored, *_ = prepare_input(EXPORTS / "vendors_cp1252.csv", target)
    assert scored["supplier_id"].tolist() == ["V1", "V2", "V3"]
    again = run_cli("init-map", EXPORTS / "vendors_cp1252.csv", "-o", target)
    assert again.returncode == 2 and "exists" in again.stderr
