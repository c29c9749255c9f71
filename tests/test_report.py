"""The run report: HTML sections and numbers against the data, Markdown, Excel."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import demandrisk
from demandrisk.audit import load_run


class _Page(HTMLParser):
    """Collect section ids, data-* counts, tables by name and resource links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.marks: dict[tuple[str, str], str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.resources: list[str] = []
        self._mark: tuple[str, str] | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        for key in ("data-band", "data-count", "data-status", "data-share"):
            if key in attrs:
                self._mark = (key, attrs[key])
                self.marks[self._mark] = ""
        if tag == "table":
            self._table = attrs.get("data-table")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        for key in ("src", "href"):
            if key in attrs and not str(attrs[key]).startswith("#"):
                self.resources.append(attrs[key])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        self._mark = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._mark is not None:
            self.marks[self._mark] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def runs(tmp_path_factory, example_frame):
    tmp = tmp_path_factory.mktemp("report")
    q2_input = tmp / "q2.csv"
    frame = example_frame.copy()
    # A hostile name: must never become a live formula in the workbook.
    frame.loc[frame["supplier_id"] == "S-0004", "name"] = '=HYPERLINK("http://x","y")'
    frame.to_csv(q2_input, index=False)
    q2 = demandrisk.write_run(
        demandrisk.score(q2_input), tmp / "q2", input_path=q2_input
    )
    frame.loc[frame["supplier_id"] == "S-0001", "audit_forced_labour_indicators"] = "2"
    q3_input = tmp / "q3.csv"
    frame.to_csv(q3_input, index=False)
    q3 = demandrisk.write_run(
        demandrisk.score(q3_input), tmp / "q3", input_path=q3_input, previous=q2
    )
    return q2, q3


def test_html_sections_and_headline_counts(runs):
    q2, _ = runs
    page = _parse(q2 / "report.html")
    scores = load_run(q2).scores
    assert page.sections == [
        "headline",
        "bands",
        "geography",
        "tiers",
        "top",
        "data-quality",
        "method",
        "run",
    ]
    counts = scores["risk_band"].value_counts()
    for band in ("low", "medium", "high", "severe"):
        assert int(page.marks[("data-band", band)]) == counts.get(band, 0)
    assert int(page.marks[("data-count", "suppliers")]) == len(scores)
    high = counts.get("high", 0) + counts.get("severe", 0)
    assert int(page.marks[("data-count", "high-or-severe")]) == high
    assert page.resources == []  # self-contained: nothing fetched at view time
    assert (q2 / "report.html").read_text("utf-8").count("<svg") == 4


def test_html_top_suppliers_and_groups(runs):
    q2, _ = runs
    page = _parse(q2 / "report.html")
    scores = load_run(q2).scores
    top = _frame(page.tables["top"])
    expected = scores.sort_values("risk_score", ascending=False, kind="stable").head(25)
    assert top["supplier_id"].tolist() == expected["supplier_id"].tolist()
    assert top["risk_score"].astype(float).tolist() == pytest.approx(
        expected["risk_score"].round(1).tolist()
    )
    assert top["reason_codes"].tolist() == expected["reason_codes"].tolist()
    by_country = _frame(page.tables["by-country"]).set_index("code")
    assert by_country["suppliers"].astype(int).sum() == len(scores)
    chn = scores[scores["country_resolved"] == "CHN"]
    assert int(by_country.loc["CHN", "suppliers"]) == len(chn)
    assert float(by_country.loc["CHN", "mean_score"]) == pytest.approx(
        chn["risk_score"].mean(), abs=0.05
    )
    by_sector = _frame(page.tables["by-sector"])
    assert by_sector["suppliers"].astype(int).sum() == len(scores)
    tiers = _frame(page.tables["tiers"])
    assert tiers["suppliers"].astype(int).sum() == len(scores)


def test_html_data_quality_and_method(runs):
    q2, _ = runs
    page = _parse(q2 / "report.html")
    run = load_run(q2)
    coverage = _frame(page.tables["coverage"])
    assert (
        coverage["suppliers"].astype(int).sum() == run.scores["coverage"].notna().sum()
    )
    basis = _frame(page.tables["basis"])
    assert basis["share"].astype(float).sum() == pytest.approx(1.0, abs=0.01)
    estimates = basis[basis["basis"].isin(["sector-prior", "country-prior", "imputed"])]
    shown = float(page.marks[("data-share", "estimates")].rstrip("%")) / 100
    assert shown == pytest.approx(estimates["share"].astype(float).sum(), abs=0.002)
    method = _frame(page.tables["method"])
    assert method["indicator"].tolist() == run.config.indicator_codes
    assert method["weight"].astype(float).sum() == pytest.approx(1.0, abs=1e-3)
    sources = _frame(page.tables["sources"])
    assert len(sources) == len(demandrisk.load_reference().sources)


def test_movers_section_with_previous_run(runs):
    _, q3 = runs
    page = _parse(q3 / "report.html")
    assert "movers" in page.sections
    changed = int(page.marks[("data-status", "changed")])
    movers = _frame(page.tables["movers"])
    assert len(movers) == changed
    assert movers.iloc[0][["supplier_id", "cause"]].tolist() == [
        "S-0001",
        "supplier-data",
    ]
    # Its buyers moved only through their chain (when the tier engine runs).
    assert set(movers["cause"].iloc[1:]) <= {"tier"}
    escalated = _frame(page.tables["escalated"])
    assert escalated[["supplier_id", "old_band", "new_band"]].values.tolist() == [
        ["S-0001", "medium", "high"]
    ]


def test_xlsx_sheets_filters_colours_and_no_formulas(runs):
    from openpyxl import load_workbook

    _, q3 = runs
    book = load_workbook(q3 / "report.xlsx")
    assert book.sheetnames == [
        "Scores",
        "Explanations",
        "Issues",
        "Changes",
        "Method",
        "Sources",
        "Manifest",
    ]
    scores = book["Scores"]
    assert scores.freeze_panes == "A2"
    assert scores.auto_filter.ref.startswith("A1:")
    header = [c.value for c in scores[1]]
    band = header.index("risk_band") + 1
    colour = scores.cell(2, band).fill.fgColor.rgb
    assert colour in {"FF4CAF50", "FFFFC107", "FFFF7043", "FFC62828"}
    names = [c.value for c in scores["B"]]
    assert '\'=HYPERLINK("http://x","y")' in names
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    assert book["Explanations"].max_row == 291 * len(load_run(q3).config.indicators) + 1
    assert book["Changes"].max_row == 292


def test_report_cli_rerenders_markdown(runs, run_cli):
    q2, q3 = runs
    done = run_cli("report", q3, "--previous", q2, "--format", "md")
    assert done.returncode == 0, done.stderr
    text = (q3 / "report.md").read_text("utf-8")
    for heading in (
        "## Headline",
        "## Top 25 suppliers",
        "## Movers since the previous run",
        "## Data quality",
        "## Method and sources",
    ):
        assert heading in text
    bad = run_cli("report", q3.parent / "nothing")
    assert bad.returncode == 1


def test_report_without_tier_columns_has_no_tier_section(runs, tmp_path):
    import shutil

    q2, _ = runs
    plain = tmp_path / "plain"
    shutil.copytree(q2, plain)
    scores = pd.read_csv(plain / "scores.csv", dtype=str, keep_default_na=False)
    scores = scores.drop(columns=[c for c in scores.columns if c.startswith("chain_")])
    scores.to_csv(plain / "scores.csv", index=False)
    path = demandrisk.render_report(plain, format="html", output=tmp_path / "r.html")
    page = _parse(path)
    assert "tiers" not in page.sections
    assert {"headline", "top", "data-quality", "method"} <= set(page.sections)
