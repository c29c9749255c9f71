"""The run report: computed once from a run folder, rendered as HTML, Markdown
or an Excel workbook.

:class:`RunReport` gathers every number the report shows (from the run's
files only, so re-rendering never rescores); :func:`render_report` writes
``report.html`` (one self-contained file, charts inlined as SVG),
``report.md`` or ``report.xlsx`` (sheets Scores, Explanations, Issues,
Changes, Method, Manifest; text cells formula-escaped).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .audit import Run, load_run
from .config import BAND_ORDER
from .errors import OutputError
from .reference import ReferenceData, load_reference
from .safety import FORMULA_PREFIXES, escape_formulas

if TYPE_CHECKING:  # pragma: no cover
    from .diff import DiffResult

__all__ = ["RunReport", "render_report"]

TOP = 25
ESTIMATE_BASES = ("sector-prior", "country-prior", "imputed")
SECTIONS = (
    ("headline", "Headline"),
    ("bands", "Band distribution"),
    ("geography", "Risk by country and sector"),
    ("tiers", "Supply-chain tiers"),
    ("top", f"Top {TOP} suppliers"),
    ("movers", "Movers since the previous run"),
    ("data-quality", "Data quality"),
    ("method", "Method and sources"),
    ("run", "Run"),
)


def _by_group(scores: pd.DataFrame, column: str) -> pd.DataFrame:
    high = scores["risk_band"].isin(["high", "severe"])
    grouped = scores.assign(_high=high).groupby(column, dropna=False, sort=False)
    table = pd.DataFrame(
        {
            "suppliers": grouped.size(),
            "mean_score": grouped["risk_score"].mean(),
            "max_score": grouped["risk_score"].max(),
            "high_or_severe": grouped["_high"].sum().astype(int),
        }
    )
    table["share_high"] = table["high_or_severe"] / table["suppliers"]
    table = table.reset_index().rename(columns={column: "code"})
    table["code"] = table["code"].replace("", "(unresolved)")
    return table.sort_values(
        ["mean_score", "suppliers"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class RunReport:
    """Everything the report shows, computed once from a run (and a previous one)."""

    run: Run
    previous: Run | None = None

    @classmethod
    def from_folder(
        cls, run_dir: str | Path, previous: str | Path | None = None
    ) -> RunReport:
        return cls(load_run(run_dir), load_run(previous) if previous else None)

    @property
    def scores(self) -> pd.DataFrame:
        return self.run.scores

    @cached_property
    def band_counts(self) -> pd.Series:
        counts = self.scores["risk_band"].value_counts()
        out = counts.reindex(list(BAND_ORDER), fill_value=0).astype(int)
        unscored = int(len(self.scores) - out.sum())
        if unscored:
            out["unscored"] = unscored
        return out

    @cached_property
    def _reference(self) -> ReferenceData:
        return self.run.reference() or load_reference()

    @cached_property
    def by_country(self) -> pd.DataFrame:
        table = _by_group(self.scores, "country_resolved")
        names = self._reference.countries["name"]
        table.insert(1, "name", table["code"].map(names).fillna(""))
        return table

    @cached_property
    def by_sector(self) -> pd.DataFrame:
        table = _by_group(self.scores, "sector_resolved")
        names = self._reference.sectors["name"]
        table.insert(1, "name", table["code"].map(names).fillna(""))
        return table

    @cached_property
    def tier_column(self) -> str | None:
        for column in ("supply_tier", "tier"):
            if column in self.scores.columns and "chain_score" in self.scores.columns:
                return column
        return None

    @cached_property
    def tiers(self) -> pd.DataFrame | None:
        """Suppliers, mean own and chain score and chain bands per tier."""
        column = self.tier_column
        if column is None:
            return None
        frame = self.scores.assign(_tier=self.scores[column].replace("", "unmapped"))
        grouped = frame.groupby("_tier", sort=True)
        table = pd.DataFrame(
            {
                "suppliers": grouped.size(),
                "mean_own_score": grouped["risk_score"].mean(),
                "mean_chain_score": grouped["chain_score"].mean(),
            }
        )
        if "chain_band" in frame.columns:
            bands = pd.crosstab(frame["_tier"], frame["chain_band"])
            bands = bands.reindex(columns=list(BAND_ORDER), fill_value=0)
            table = table.join(bands.add_prefix("chain_"))
        return table.reset_index().rename(columns={"_tier": "tier"})

    @cached_property
    def top(self) -> pd.DataFrame:
        columns = [
            c
            for c in (
                "supplier_id",
                "name",
                "country_resolved",
                "sector_resolved",
                "risk_score",
                "risk_band",
                "chain_score",
                "reason_codes",
                "explanation",
            )
            if c in self.scores.columns
        ]
        ranked = self.scores.sort_values("risk_score", ascending=False, kind="stable")
        return ranked[columns].head(TOP).reset_index(drop=True)

    @cached_property
    def issue_counts(self) -> pd.DataFrame:
        issues = self.run.issues
        if issues.empty:
            return pd.DataFrame({"code": [], "issues": [], "rows": []})
        grouped = issues.groupby("code", sort=True)
        return pd.DataFrame(
            {"issues": grouped.size(), "rows": grouped["row"].nunique()}
        ).reset_index()

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Suppliers by coverage band (share of the weight on their own data)."""
        values = self.scores["coverage"]
        edges = [0.0, 0.25, 0.5, 0.75, 1.0]
        labels = ["0-25%", "25-50%", "50-75%", "75-100%"]
        cut = pd.cut(values, edges, labels=labels, include_lowest=True)
        counts = cut.value_counts().reindex(labels, fill_value=0).astype(int)
        return pd.DataFrame({"coverage": labels, "suppliers": counts.to_numpy()})

    @cached_property
    def basis_shares(self) -> pd.DataFrame:
        """Share of all score points by what they rest on (and the floor)."""
        codes = self.run.config.indicator_codes
        points: dict[str, float] = {}
        for code in codes:
            contrib = self.scores[f"contrib_{code}"].fillna(0.0)
            basis = self.scores[f"basis_{code}"].astype(str)
            for level, value in contrib.groupby(basis).sum().items():
                points[str(level)] = points.get(str(level), 0.0) + float(value)
        points["red-flag floor"] = float(self.scores["contrib_floor"].fillna(0).sum())
        total = sum(points.values())
        table = pd.DataFrame(
            {"basis": list(points), "points": list(points.values())}
        ).query("points != 0")
        table["share"] = table["points"] / total if total else np.nan
        return table.sort_values("share", ascending=False).reset_index(drop=True)

    @cached_property
    def estimate_share(self) -> float:
        """Share of the score points resting on priors or fallbacks."""
        table = self.basis_shares
        return float(table.loc[table["basis"].isin(ESTIMATE_BASES), "share"].sum())

    @cached_property
    def method(self) -> pd.DataFrame:
        config = self.run.config
        weights = config.effective_weights()
        rows = []
        for code, ind in config.indicators.items():
            rows.append(
                {
                    "indicator": code,
                    "label": ind.label,
                    "pillar": ind.parent,
                    "weight": round(weights[code], 4),
                    "direction": "higher = riskier"
                    if ind.direction == 1
                    else "lower = riskier",
                    "goalposts": ""
                    if ind.goalposts is None
                    else f"{ind.goalposts[0]:g} to {ind.goalposts[1]:g}",
                    "fallback": "" if ind.fallback is None else ind.fallback,
                    "source": ", ".join(f"{s.table}.{s.field}" for s in ind.sources),
                    "reason": ind.reason,
                }
            )
        return pd.DataFrame(rows)

    @cached_property
    def sources(self) -> pd.DataFrame:
        columns = ["id", "title", "publisher", "year", "url", "licence"]
        return self._reference.sources[columns].reset_index(drop=True)

    @cached_property
    def diff(self) -> DiffResult | None:
        if self.previous is None:
            return None
        from .diff import diff_runs

        return diff_runs(self.previous, self.run)

    @cached_property
    def movers(self) -> pd.DataFrame | None:
        if self.diff is None:
            return None
        c = self.diff.changes
        moved = c[c["status"] == "changed"].assign(_abs=c["delta"].abs())
        moved = moved.sort_values("_abs", ascending=False, kind="stable")
        columns = [
            "supplier_id",
            "old_score",
            "new_score",
            "delta",
            "old_band",
            "new_band",
            "cause",
            "new_reasons",
        ]
        return moved[columns].head(TOP).reset_index(drop=True)

    # ------------------------------------------------------------- renderers

    def html(self) -> str:
        """The report as one self-contained HTML page."""
        return _html(self)

    def markdown(self) -> str:
        """The report as Markdown (tables, no charts)."""
        return _markdown(self)

    def write_xlsx(self, path: str | Path) -> Path:
        """Write the workbook (Scores, Explanations, Issues, Changes, Method,
        Manifest)."""
        return _write_xlsx(self, Path(path))

    def _repr_html_(self) -> str:
        return self.html()


def render_report(
    run_dir: str | Path,
    *,
    previous: str | Path | None = None,
    format: Literal["html", "xlsx", "md"] = "html",
    output: str | Path | None = None,
) -> Path:
    """Render the report of a run folder without rescoring; return its path.

    Writes ``report.<format>`` into the run folder unless ``output`` is given.
    ``previous`` adds the movers since that run (and the Changes sheet).
    """
    if format not in ("html", "xlsx", "md"):
        raise OutputError(
            f"The 'format' parameter of render_report must be one of 'html', "
            f"'xlsx', 'md'. Got {format!r} instead."
        )
    report = RunReport.from_folder(run_dir, previous)
    target = Path(output) if output else Path(run_dir) / f"report.{format}"
    if format == "xlsx":
        return report.write_xlsx(target)
    text = report.html() if format == "html" else report.markdown()
    target.write_text(text, encoding="utf-8")
    return target


# ---------------------------------------------------------------- Markdown


def _md_table(frame: pd.DataFrame, digits: int = 1) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.{digits}f}"
        return str(value).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(cell(v) for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])


def _markdown(report: RunReport) -> str:
    run = report.run
    m = run.manifest
    counts = report.band_counts
    out = [
        f"# demandrisk report: {run.name}",
        "",
        f"{len(report.scores)} suppliers scored with model {m['config']['name']} "
        f"{m['config']['version']} (demandrisk {m['versions']['demandrisk']}), "
        f"started {m.get('started', '')}.",
        "",
        "## Headline",
        "",
        _md_table(pd.DataFrame({"band": counts.index, "suppliers": counts.to_numpy()})),
        "",
        "## Risk by country (top 15 by mean score)",
        "",
        _md_table(report.by_country.drop(columns="share_high").head(15)),
        "",
        "## Risk by sector (top 15 by mean score)",
        "",
        _md_table(report.by_sector.drop(columns="share_high").head(15)),
    ]
    if report.tiers is not None:
        out += ["", "## Supply-chain tiers", "", _md_table(report.tiers)]
    out += [
        "",
        f"## Top {TOP} suppliers",
        "",
        _md_table(report.top.drop(columns="explanation")),
    ]
    if report.movers is not None and report.diff is not None:
        out += [
            "",
            "## Movers since the previous run",
            "",
            f"Previous run: {report.previous.name if report.previous else ''}",
            "",
            "```",
            report.diff.summary(),
            "```",
            "",
            _md_table(report.movers, 2),
        ]
    out += [
        "",
        "## Data quality",
        "",
        f"{len(run.issues)} data issue(s).",
        "",
        _md_table(report.issue_counts) if len(report.issue_counts) else "No issues.",
        "",
        _md_table(report.coverage),
        "",
        f"Share of the score resting on priors or fallbacks: "
        f"{report.estimate_share:.1%}.",
        "",
        _md_table(report.basis_shares, 3),
        "",
        "## Method and sources",
        "",
        _md_table(report.method),
        "",
        _md_table(report.sources),
    ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- Excel


def _safe_text(value: Any) -> Any:
    if not isinstance(value, str | int | float | bool | type(None)):
        value = str(value)
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def _write_sheet(book: Any, title: str, frame: pd.DataFrame) -> Any:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    safe = escape_formulas(frame)
    sheet.append([_safe_text(str(c)) for c in safe.columns])
    for row in safe.itertuples(index=False):
        sheet.append(
            [
                None
                if (isinstance(v, float) and np.isnan(v)) or v is pd.NA
                else _safe_text(v.item() if isinstance(v, np.generic) else v)
                for v in row
            ]
        )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        last = get_column_letter(len(frame.columns))
        sheet.auto_filter.ref = f"A1:{last}{max(len(frame), 1) + 1}"
    return sheet


def _write_xlsx(report: RunReport, path: Path) -> Path:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import PatternFill
    except ImportError as error:  # pragma: no cover - openpyxl is a dependency
        raise OutputError(
            f"Writing {path.name} needs openpyxl: pip install openpyxl ({error})"
        ) from None
    from .report_charts import BAND_COLOURS

    book = Workbook()
    book.remove(book.active)
    scores = _write_sheet(book, "Scores", report.scores)
    band_col = list(report.scores.columns).index("risk_band") + 1
    fills = {
        b: PatternFill("solid", fgColor="FF" + c.lstrip("#").upper())
        for b, c in BAND_COLOURS.items()
    }
    for (cell,) in scores.iter_rows(min_row=2, min_col=band_col, max_col=band_col):
        if cell.value in fills:
            cell.fill = fills[cell.value]
    explanations = report.run.explanations
    _write_sheet(
        book,
        "Explanations",
        explanations if explanations is not None else pd.DataFrame(),
    )
    _write_sheet(book, "Issues", report.run.issues)
    if report.diff is not None:
        _write_sheet(book, "Changes", report.diff.changes)
    _write_sheet(book, "Method", report.method)
    sources = _write_sheet(book, "Sources", report.sources)
    del sources
    flat = pd.json_normalize(report.run.manifest, sep=".").T.reset_index()
    flat.columns = ["key", "value"]
    flat["value"] = flat["value"].map(
        lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
    )
    _write_sheet(book, "Manifest", flat)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# ----------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
max-width:72rem;color:#212121;line-height:1.4}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #e0e0e0;padding-bottom:.2rem;
margin-top:2.2rem}table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #e0e0e0;padding:.25rem .5rem;text-align:left;
vertical-align:top}th{background:#fafafa}td.num{text-align:right;
font-variant-numeric:tabular-nums}.band{padding:.05rem .4rem;border-radius:.3rem;
color:#fff;font-weight:600}.band-low{background:#4caf50}.band-medium{background:#ffc107;
color:#212121}.band-high{background:#ff7043}.band-severe{background:#c62828}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #e0e0e0;
border-radius:.5rem;padding:.6rem 1rem;min-width:7rem}.card .n{font-size:1.8rem;
font-weight:700}.muted{color:#757575;font-size:.85rem}.charts{display:flex;
flex-wrap:wrap;gap:1rem}svg{max-width:100%;height:auto}nav a{margin-right:.8rem}
"""


def _cell(column: str, value: Any, digits: int) -> str:
    if column.endswith("band") and isinstance(value, str) and value:
        return f'<td><span class="band band-{_esc(value)}">{_esc(value)}</span></td>'
    if isinstance(value, float | np.floating):
        shown = "" if np.isnan(value) else f"{value:.{digits}f}"
        return f'<td class="num">{shown}</td>'
    if isinstance(value, int | np.integer):
        return f'<td class="num">{value}</td>'
    return f"<td>{_esc(value)}</td>"


def _html_table(frame: pd.DataFrame, name: str, digits: int = 1) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            _cell(str(c), v, digits) for c, v in zip(frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f'<table data-table="{_esc(name)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _html(report: RunReport) -> str:
    from .report_charts import band_chart, coverage_chart, mean_risk_chart

    run, m = report.run, report.run.manifest
    counts = report.band_counts
    parts: dict[str, str] = {}
    high = int(counts.get("high", 0) + counts.get("severe", 0))
    cards = "".join(
        f'<div class="card"><div class="n" data-band="{_esc(band)}">{int(n)}</div>'
        f'<span class="band band-{_esc(band)}">{_esc(band)}</span></div>'
        for band, n in counts.items()
    )
    parts["headline"] = (
        f'<p><b data-count="suppliers">{len(report.scores)}</b> suppliers scored; '
        f'<b data-count="issues">{len(run.issues)}</b> data issue(s); '
        f'<b data-count="high-or-severe">{high}</b>'
        f' high or severe.</p><div class="cards">{cards}</div>'
    )
    parts["bands"] = band_chart(counts)
    parts["geography"] = (
        '<div class="charts">'
        + mean_risk_chart(
            report.by_country.head(15), "code", "Countries: mean risk (top 15)"
        )
        + mean_risk_chart(
            report.by_sector.head(15), "code", "Sectors: mean risk (top 15)"
        )
        + "</div><h3>By country</h3>"
        + _html_table(report.by_country.drop(columns="share_high"), "by-country")
        + "<h3>By sector</h3>"
        + _html_table(report.by_sector.drop(columns="share_high"), "by-sector")
    )
    if report.tiers is not None:
        parts["tiers"] = (
            f'<p class="muted">Tier from column '
            f"<code>{_esc(report.tier_column)}</code>; "
            "chain score: the exposure reaching the supplier through its own "
            "suppliers.</p>" + _html_table(report.tiers, "tiers")
        )
    parts["top"] = _html_table(report.top, "top")
    if report.movers is not None and report.diff is not None:
        diff = report.diff
        status = diff.changes["status"].value_counts()
        previous = report.previous.name if report.previous else ""
        parts["movers"] = (
            f"<p>Compared with <b>{_esc(previous)}</b>: "
            + ", ".join(
                f'<span data-status="{s}">{int(status.get(s, 0))}</span> {s}'
                for s in ("changed", "unchanged", "new", "removed")
            )
            + ".</p><h3>Band transitions (rows: previous band)</h3>"
            + _html_table(diff.transitions().reset_index(), "transitions")
            + f"<h3>Crossed into high or severe ({len(diff.escalated())})</h3>"
            + _html_table(
                diff.escalated()[
                    [
                        "supplier_id",
                        "old_band",
                        "new_band",
                        "old_score",
                        "new_score",
                        "cause",
                        "new_reasons",
                    ]
                ].head(TOP),
                "escalated",
            )
            + f"<h3>Largest moves (top {TOP})</h3>"
            + _html_table(report.movers, "movers", 2)
            + "".join(f'<p class="muted">{_esc(n)}</p>' for n in diff.notes)
        )
    parts["data-quality"] = (
        "<h3>Issues by code</h3>"
        + (
            _html_table(report.issue_counts, "issues")
            if len(report.issue_counts)
            else "<p>No data issues.</p>"
        )
        + "<h3>Coverage</h3>"
        + coverage_chart(report.scores["coverage"])
        + _html_table(report.coverage, "coverage")
        + "<h3>What the score rests on</h3>"
        + f'<p><b data-share="estimates">{report.estimate_share:.1%}</b> of all score '
        "points rest on sector or country priors or model fallbacks rather than "
        "the suppliers' own data.</p>" + _html_table(report.basis_shares, "basis", 3)
    )
    bands = run.config.bands
    band_text = (
        f"bands: low &lt; {bands.medium:g} &le; medium &lt; {bands.high:g} &le; "
        f"high &lt; {bands.severe:g} &le; severe"
        if bands is not None
        else "no bands"
    )
    parts["method"] = (
        f"<p>Model <b>{_esc(run.config.name)} {_esc(run.config.version)}</b>: "
        f"{_esc(run.config.description)} Score = 100 x weighted sum of normalised "
        f"indicators; {band_text}; missing values: {_esc(run.config.missing)}.</p>"
        + _html_table(report.method, "method", 4)
        + "<h3>Sources</h3>"
        + _html_table(report.sources, "sources")
    )
    facts = pd.DataFrame(
        [
            ("started", m.get("started", "")),
            ("duration (s)", m.get("duration_seconds", "")),
            ("command", " ".join(m.get("command", []))),
            ("input", m["input"].get("path")),
            ("input SHA-256", m["input"].get("sha256")),
            ("config SHA-256", m["config"]["sha256"]),
            *((f"{k} version", v) for k, v in m["versions"].items()),
            *((f"table {k}", v) for k, v in m["reference"]["tables"].items()),
        ],
        columns=["item", "value"],
    )
    parts["run"] = _html_table(facts, "run")
    nav = "".join(f'<a href="#{k}">{_esc(t)}</a>' for k, t in SECTIONS if k in parts)
    body = "".join(
        f'<section id="{k}"><h2>{_esc(t)}</h2>{parts[k]}</section>'
        for k, t in SECTIONS
        if k in parts
    )
    title = f"demandrisk report: {run.name}"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_esc(title)}</h1><p class="muted">Model {_esc(run.config.name)} '
        f"{_esc(run.config.version)} - demandrisk {_esc(m['versions']['demandrisk'])}"
        f" - {_esc(m.get('started', ''))}</p><nav>{nav}</nav>{body}</body></html>\n"
    )
