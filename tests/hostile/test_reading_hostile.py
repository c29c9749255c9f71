"""Hostile and careless files: read as written, every surprise reported.

Issue 14 items 4, 5, 13, 14 and 15 (the reading side). Fixtures are written
in ``tmp_path`` only.
"""

from __future__ import annotations

from pathlib import Path

import demandrisk


def _score(tmp_path: Path, name: str, data: str | bytes) -> demandrisk.ScoreResult:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    before = path.read_bytes()
    result = demandrisk.score(path)
    assert path.read_bytes() == before  # the input is never written
    return result


def _codes(result: demandrisk.ScoreResult) -> list[list[object]]:
    return result.issues[["row", "column", "code"]].values.tolist()


def test_ragged_rows_never_shift_columns(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "ragged.csv",
        "supplier_id,name,country,sector\nA,Alpha,CHN,C14,x\nB,Beta,VNM,C14,y\n",
    )
    scores = result.scores
    assert scores[["supplier_id", "name", "country"]].values.tolist() == [
        ["A", "Alpha", "CHN"],
        ["B", "Beta", "VNM"],
    ]
    assert _codes(result) == [[2, "", "ragged-row"], [3, "", "ragged-row"]]


def test_one_cp1252_line_in_utf8_is_reported_not_redecoded(tmp_path: Path) -> None:
    data = "supplier_id,name,country,sector\nA,Công ty,VNM,C14\n".encode()
    result = _score(tmp_path, "mixed.csv", data + b"B,Caf\xe9,FRA,C14\n")
    assert result.scores["name"].iloc[0] == "Công ty"
    assert _codes(result) == [[3, "", "undecodable-line"]]


def test_issue_rows_are_physical_lines(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "lines.csv",
        'supplier_id,name,country,sector\nA,"two\nlines",CHN,C14\n\nB,Beta,XXX,C14\n',
    )
    assert _codes(result) == [[5, "country", "unknown-country"]]


def test_duplicate_header_huge_number_and_lookalike_ids(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "dupes.csv",
        "supplier_id,name,name,country,sector,annual_spend\n"
        "A,x,y,CHN,C14,1e309\nB\u200b,x,y,CHN,C14,5\nB,x,y,CHN,C14,5\n",
    )
    assert _codes(result) == [
        [1, "", "duplicate-header"],
        [2, "spend", "not-finite"],
        [4, "supplier_id", "lookalike-id"],
    ]
    assert result.issues["value"].iloc[1] == "1e309"
    assert len(result.scores) == 3


def test_nul_bytes_are_reported(tmp_path: Path) -> None:
    result = _score(
        tmp_path, "nul.csv", b"supplier_id,country,sector\nA\x00,CHN,C14\nB,CHN,C14\n"
    )
    assert _codes(result) == [[2, "", "nul-byte"]]
    assert result.scores["supplier_id"].tolist() == ["A", "B"]


def test_damaged_xls_is_a_clean_error(tmp_path: Path) -> None:
    import pytest

    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 12)
    with pytest.raises(demandrisk.InputDataError, match="cannot be read as xls"):
        demandrisk.score(path)
    assert path.read_bytes().startswith(b"\xd0\xcf")


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)  # openpyxl stores formulas without cached values


def test_formula_without_cached_value_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "formulas.xlsx"
    rows = [
        ["supplier_id", "country", "sector", "workers"],
        ["A", "CHN", "C14", "=1+1"],
    ]
    _workbook(path, {"list": rows})
    result = demandrisk.score(path)
    assert "formula-without-value" in result.issues["code"].tolist()


def test_empty_first_sheet_names_the_sheet_option(tmp_path: Path) -> None:
    import pytest

    path = tmp_path / "two.xlsx"
    rows = [["supplier_id", "country", "sector"], ["A", "CHN", "C14"]]
    _workbook(path, {"cover": [], "suppliers": rows})
    with pytest.raises(demandrisk.InputDataError, match="--sheet"):
        demandrisk.score(path)
    assert demandrisk.score(path, sheet="suppliers").scores["supplier_id"].tolist() == [
        "A"
    ]


def test_spreadsheet_over_the_row_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    import pytest

    path = tmp_path / "big.xlsx"
    rows = [["supplier_id", "country", "sector"]] + [
        [f"S{i}", "CHN", "C14"] for i in range(30)
    ]
    _workbook(path, {"list": rows})
    monkeypatch.setenv("DEMANDRISK_MAX_SHEET_ROWS", "10")
    with pytest.raises(demandrisk.InputDataError, match="DEMANDRISK_MAX_SHEET_ROWS"):
        demandrisk.score(path)
