"""Published-list shapes score as they are (issue 12 items 1, 2, 4, 5, 8, 12, 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

import demandrisk


def _score(tmp_path: Path, text: str) -> demandrisk.ScoreResult:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return demandrisk.score(path)


def _codes(result: demandrisk.ScoreResult) -> list[list[object]]:
    return result.issues[["row", "column", "code", "severity"]].values.tolist()


@pytest.mark.parametrize("header", ["migrant_worker_share", "Migrant Workers %"])
def test_one_whole_percent_of_1_does_not_flip_the_column(
    tmp_path: Path, header: str
) -> None:
    result = _score(
        tmp_path,
        f"supplier_id,country,sector,{header}\nA,CHN,C14,1\nB,CHN,C14,75\n"
        "C,CHN,C14,0\nD,CHN,C14,45\n",
    )
    assert _codes(result) == [
        [1, "migrant_worker_share", "converted-percentage", "note"]
    ]
    scores = result.scores.set_index("supplier_id")["risk_score"]
    # 75 % ranks above 45 %, which ranks above 1 % (read as 1 %, not 100 %)
    assert scores["B"] > scores["D"] > scores["A"]


def test_head_counts_beside_workers_are_divided(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "supplier_id,country,sector,Migrant_Workers,Total Workers\n"
        "A,CHN,C14,1,3918\nB,CHN,C14,200,400\n",
    )
    assert _codes(result) == [[1, "migrant_worker_share", "converted-count", "note"]]
    scores = result.scores.set_index("supplier_id")["risk_score"]
    assert scores["B"] > scores["A"]


def test_goods_spelled_differently_match_the_dol_list(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "supplier_id,country,sector,good\nA,MYS,A,Palm oil\nB,MYS,A,Palm fruits\n"
        "C,MYS,A,oil palm fruit\nD,MYS,A,Palm Fruit\nE,MYS,A,Software\n",
    )
    assert result.scores["good_match"].tolist() == [
        "alias",
        "exact",
        "alias",
        "exact",
        "unlisted",
    ]
    assert result.scores["risk_score"].iloc[:4].nunique() == 1
    assert _codes(result) == [[6, "good", "unknown-good", "warning"]]


def test_derived_ids_use_city_and_id_headers_are_known(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "Factory Name,Country,City,Product Type\nXinfa Group,China,Binzhou,Apparel\n"
        "Xinfa Group,China,Liaocheng,Apparel\nXinfa Group,China,Chiping,Footwear\n",
    )
    assert result.scores["supplier_id"].nunique() == 3
    assert result.scores["sector_resolved"].tolist() == ["C14", "C14", "C15"]
    assert _codes(result) == [[1, "supplier_id", "derived-id", "note"]]
    mills = _score(
        tmp_path,
        "UML_ID,Mill Name,Country,Commodity\nPO1000001,Mill A,Malaysia,Palm Fruit\n",
    )
    assert mills.scores["supplier_id"].tolist() == ["PO1000001"]


@pytest.mark.parametrize(
    "header",
    [
        "Product Type",
        "Product Type Type",
        "Product_Type",
        "Industry (ISIC)",
        "Industry",
        "Category",
        "Sector/Industry",
    ],
)
def test_sector_headers_by_their_real_names(tmp_path: Path, header: str) -> None:
    result = _score(tmp_path, f"supplier_id,country,{header}\nA,CHN,Apparel\n")
    assert result.scores["sector_resolved"].tolist() == ["C14"]


def test_country_names_as_exports_spell_them(tmp_path: Path) -> None:
    names = [
        "China Mainland",
        "Korea (Republic of)",
        "Korea, Republic of (South Korea)",
        "Moldova (Republic of)",
        "Bosnia",
        "Hong Kong SAR",
        "Türkiye",
        "Viet Nam",
        "Ivory Coast",
    ]
    rows = "\n".join(f'{i},"{name}",C' for i, name in enumerate(names))
    result = _score(tmp_path, f"supplier_id,country,sector\n{rows}\n")
    assert result.scores["country_resolved"].tolist() == [
        "CHN", "KOR", "KOR", "MDA", "BIH", "HKG", "TUR", "VNM", "CIV"
    ]  # fmt: skip
    assert result.issues.empty


def test_footnote_rows_are_kept_reported_and_not_scored(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "supplier_id,country,sector\nA,CHN,C14\nB,VNM,C14\nSource: brand X 2025,,\n",
    )
    assert len(result.scores) == 3
    assert result.scores["risk_score"].isna().tolist() == [False, False, True]
    assert _codes(result) == [[4, "", "footnote-row", "note"]]


def test_out_of_range_percent_sign_gets_a_fitting_hint(tmp_path: Path) -> None:
    result = _score(
        tmp_path,
        "supplier_id,country,sector,migrant_worker_share\nA,CHN,C14,110.0%\n"
        "B,CHN,C14,50%\n",
    )
    issue = result.issues[result.issues["code"] == "out-of-range"]
    assert issue[["row", "value"]].values.tolist() == [[2, "110.0%"]]
    assert "%" in issue["message"].iloc[0]


def test_validate_takes_the_reading_options_and_notes_do_not_fail(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from demandrisk.cli import cli

    mills = tmp_path / "mills.csv"
    mills.write_text("Mill,Country\nM1,MYS\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[constants]\nsector = "C10"\n', encoding="utf-8")
    runner = CliRunner()
    without = runner.invoke(cli, ["validate", str(mills)])
    assert without.exit_code == 1  # no sector column: an error
    done = runner.invoke(cli, ["validate", str(mills), "--map", str(mapping)])
    assert done.exit_code == 0, done.output  # derived-id is only a note
    assert "1 note(s)" in done.output
    scored = runner.invoke(cli, ["score", str(mills), "--map", str(mapping)])
    assert scored.exit_code == 0
    assert "sector" in scored.output and "= C10" in scored.output


def test_a_footnote_line_is_no_low_supplier_in_the_chain(tmp_path):
    """An unscored line has no chain exposure and no place in spend by band."""
    path = tmp_path / "list.csv"
    path.write_text(
        "supplier_id,country,sector,spend\n"
        "A,BGD,C14,100\n"
        "B,DEU,J62,50\n"
        "Source: supplier disclosure,,,\n",
        encoding="utf-8",
    )
    result = demandrisk.score(path)
    footnote = result.scores.iloc[2]
    assert footnote[["risk_score", "chain_score"]].isna().all()
    assert footnote["chain_band"] == ""
    assert result.company is not None
    assert result.company.spend_by_band["suppliers"].sum() == 2
