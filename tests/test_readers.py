"""Reading real exports: encodings, delimiters, title rows, numbers, escaping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import demandrisk
from demandrisk.errors import InputDataError
from demandrisk.io import write_table
from demandrisk.numbers import parse_numbers
from demandrisk.readers import prepare_input, read_table
from demandrisk.safety import escape_formulas

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "rows"),
    [
        ("erp_semicolon_bom.csv", "utf-8-sig", ";", 3),
        ("vendors_cp1252.csv", "cp1252", ",", 3),
        ("unicode_text_utf16.txt", "utf-16", "\t", 2),
        ("naics_pipe.csv", "utf-8", "|", 3),
    ],
)
def test_encoding_and_delimiter_detected(name, encoding, delimiter, rows):
    read = read_table(EXPORTS / name)
    assert (read.encoding, read.delimiter, len(read.frame)) == (
        encoding,
        delimiter,
        rows,
    )
    assert read.issues.empty


def test_cp1252_text_is_decoded_not_mangled():
    frame = read_table(EXPORTS / "vendors_cp1252.csv").frame
    assert frame["Vendor Name"].tolist()[0] == "Société Générale Textile"


def test_forced_encoding_is_used():
    read = read_table(EXPORTS / "vendors_cp1252.csv", encoding="latin-1")
    assert read.encoding == "latin-1"


def test_every_cell_is_text_and_leading_zeros_survive(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("supplier_id,country,sector\n007,050,0111\n")
    assert read_table(path).frame.iloc[0].tolist() == ["007", "050", "0111"]


def _xlsx_with_title(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Suppliers"
    sheet.append(["Supplier list, exported 2025-01-31"])
    sheet.append([])
    sheet.append(["Vendor No.", "Supplier Name", "Country", "ISIC", "% agency workers"])
    sheet.append(["A1", "Alpha", "BGD", "C14", 0.2])
    sheet.append(["A2", "Beta", "IND", 1410, "30%"])
    book.create_sheet("Notes").append(["ignore me"])
    book.save(path)


def test_xlsx_title_row_skipped_and_reported(tmp_path):
    path = tmp_path / "suppliers.xlsx"
    _xlsx_with_title(path)
    read = read_table(path)
    assert read.frame.columns.tolist()[:2] == ["Vendor No.", "Supplier Name"]
    assert read.frame["ISIC"].tolist() == ["C14", "1410"]
    assert read.header_line == 3
    assert read.issues[["row", "code"]].values.tolist() == [[3, "skipped-rows"]]
    assert "Supplier list" in read.issues["value"].item()


def test_xlsx_sheet_by_name_and_missing_sheet(tmp_path):
    path = tmp_path / "suppliers.xlsx"
    _xlsx_with_title(path)
    assert read_table(path, sheet="Notes").frame.columns.tolist() == ["ignore me"]
    with pytest.raises(InputDataError, match=r"no sheet 'Nope'; the sheets are"):
        read_table(path, sheet="Nope")


def test_csv_title_row_skipped(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("Supplier report Q3\n\nsupplier_id,country,sector\nS1,BGD,C14\n")
    read = read_table(path)
    assert read.frame.to_dict("list") == {
        "supplier_id": ["S1"],
        "country": ["BGD"],
        "sector": ["C14"],
    }
    assert read.issues[["row", "code"]].values.tolist() == [[3, "skipped-rows"]]


def test_parquet_is_read_as_text(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame({"supplier_id": ["S1"], "workers": [12]}).to_parquet(path)
    assert read_table(path).frame.iloc[0].tolist() == ["S1", "12"]


def test_missing_file_and_garbage_raise_input_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        read_table(tmp_path / "nope.csv")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputDataError, match="cannot be read as xlsx"):
        read_table(bad)


def test_numbers_as_typed():
    texts = np.array(
        ["45%", "0.45", "45", "1,234.5", "1.234,5", "", "N/A", "n.a.", "-", "1,234"],
        dtype=object,
    )
    parsed = parse_numbers(texts)
    assert parsed.values[:5].round(4).tolist() == [0.45, 0.45, 45.0, 1234.5, 1234.5]
    assert parsed.blank[5:9].all()
    assert parsed.ambiguous.tolist() == [False] * 9 + [True]
    assert parse_numbers(texts[-1:], ",").values.tolist() == [1.234]
    assert parse_numbers(texts[-1:], ".").values.tolist() == [1234.0]


def test_semicolon_decimal_comma_percent_export_is_understood():
    scored, _, issues, report = prepare_input(EXPORTS / "erp_semicolon_bom.csv")
    assert scored["migrant_worker_share"].tolist() == ["0.45", "0.125", "0"]
    assert scored["spend"].tolist() == ["1234.5", "980", "12000"]
    assert issues[["row", "column", "code"]].values.tolist() == [
        [1, "migrant_worker_share", "converted-percentage"]
    ]
    assert report.numbers["spend"].decimal == ","
    assert report.numbers["migrant_worker_share"].unit == "percent"


def test_percent_cells_and_ambiguous_numbers_are_issues():
    import demandrisk

    frame = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C"],
            "country": ["BGD", "BGD", "BGD"],
            "sector": ["C14", "C14", "C14"],
            "migrant_worker_share": ["45%", "0.2", ""],
            "spend": ["1,234", "10", "5"],
        }
    )
    issues = demandrisk.validate(frame).issues
    assert issues[["row", "column", "code"]].values.tolist() == [
        [1, "migrant_worker_share", "converted-percentage"],
        [2, "spend", "ambiguous-number"],
    ]


def test_explicit_decimal_comma(tmp_path):
    frame = pd.DataFrame(
        {
            "supplier_id": ["A"],
            "country": ["BGD"],
            "sector": ["C14"],
            "spend": ["1.234"],
        }
    )
    scored, *_ = prepare_input(frame, decimal=",")
    assert scored["spend"].tolist() == ["1234"]


def test_hostile_names_are_escaped_in_csv_and_xlsx(tmp_path):
    frame = pd.DataFrame(
        {
            "name": [
                '=HYPERLINK("http://x.example","click")',
                "+1",
                "-2",
                "@SUM(A1)",
                "\tTab",
                "Fine",
            ],
            "risk_score": [-2.5, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    csv_path = write_table(frame, tmp_path / "out.csv")
    back = pd.read_csv(csv_path, dtype={"name": str}, keep_default_na=False)
    assert back["name"].tolist()[:4] == [
        '\'=HYPERLINK("http://x.example","click")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
    ]
    assert back["name"].tolist()[5] == "Fine"
    assert back["risk_score"].tolist()[0] == -2.5
    xlsx = write_table(frame, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("'=")
    assert sheet["B2"].value == -2.5
    parquet = write_table(frame, tmp_path / "out.parquet")
    assert pd.read_parquet(parquet)["name"].tolist() == frame["name"].tolist()


def test_hostile_factory_list_scores_every_row_with_derived_ids(tmp_path):
    import demandrisk

    scored, original, issues, _ = prepare_input(EXPORTS / "factory_list_hostile.csv")
    assert len(scored) == 5
    assert issues["code"].tolist() == ["derived-id"]
    assert scored["supplier_id"].str.match(r"^N-[0-9a-f]{10}$").all()
    assert original.columns.tolist() == [
        "Factory Name",
        "Country",
        "Sector",
        "Workers",
        "supplier_id",
    ]
    # Stable: the same file gives the same ids.
    again, *_ = prepare_input(EXPORTS / "factory_list_hostile.csv")
    assert again["supplier_id"].tolist() == scored["supplier_id"].tolist()
    result = demandrisk.score(scored)
    assert result.scores["risk_score"].notna().all()


def test_legacy_xls_with_title_row_and_vendor_headers(tmp_path):
    """A legacy .xls export (written with xlwt): title above the header, ERP names."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Suppliers")
    sheet.write(0, 0, "Supplier list Q3 2026 - exported")
    rows = [
        ["Vendor No.", "Supplier Name", "Country of Origin", "Sector"],
        ["V1", "Alpha Garments", "Bangladesh", "C14"],
        ["V2", "Beta Mills", "IND", "1311"],
    ]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i + 2, j, value)
    path = tmp_path / "export.xls"
    book.save(str(path))
    result = demandrisk.score(path)
    got = result.scores[["Vendor No.", "sector_resolved", "country_resolved"]]
    assert got.values.tolist() == [["V1", "C14", "BGD"], ["V2", "C13", "IND"]]
    # The header sits on line 3: the skipped title is reported there.
    assert result.issues[["row", "code"]].values.tolist() == [[3, "skipped-rows"]]


def test_formula_escape_covers_categoricals_and_spares_numbers():
    frame = pd.DataFrame(
        {
            "label": pd.Categorical(["=cmd()", "ok", "=cmd()", "@x"]),
            "mixed": pd.Series(["-1 dollar", -2.5, "fine", 3], dtype=object),
            "text": pd.Series(["+44 20", "a", None, "b"], dtype="string"),
        }
    )
    escaped = escape_formulas(frame)
    assert escaped["label"].astype(str).tolist() == ["'=cmd()", "ok", "'=cmd()", "'@x"]
    assert escaped["mixed"].tolist() == ["'-1 dollar", -2.5, "fine", 3]
    assert escaped["text"].tolist()[:2] == ["'+44 20", "a"]
    assert frame["label"].astype(str).tolist()[0] == "=cmd()"  # input untouched


def test_formula_escape_of_a_categorical_whose_escaped_label_exists():
    # "=1" escaped is "'=1", already a label: categories would clash.
    frame = pd.DataFrame({"c": pd.Categorical(["=1", "'=1", None, "ok"])})
    escaped = escape_formulas(frame)["c"].tolist()
    assert escaped[:2] == ["'=1", "'=1"] and escaped[3] == "ok"
    assert pd.isna(escaped[2])
