"""Does the ranking agree with the evidence? The validation harness of the model.

Run from the repository root (CI runs it through ``tests/test_validity.py``)::

    python benchmarks/validity.py                   # v1 and v2 on the bundled tables
    python benchmarks/validity.py --models v2 --output benchmarks/results/validity.md

Five checks, each against evidence the project may cite (never the Walk Free
Global Slavery Index, whose data are all rights reserved):

1. **Sectors (GEMS 2022).** Forced labour in the private economy per 1,000
   workers by sector, from the ILO/Walk Free/IOM *Global Estimates of Modern
   Slavery* (2022) and ILO modelled employment estimates for 2021
   (``gems2022_sectors.csv``). Spearman rank correlation of the model's
   sector pillar for a supplier whose country is unknown (the global priors)
   over the six categories, and which of the pairs the evidence orders
   (construction, domestic work and mining above agriculture and services)
   the model orders the same way.
2. **Leave the evidence out (DOL 2022).** With the DOL list's own inputs
   switched off (the named good and the country's listed-goods count), how
   well do the priors alone rank the country x division cells where DOL lists
   a good made with forced labour above the cells of the same divisions
   where it lists none? ROC AUC with a bootstrap interval, over all
   countries and over the countries DOL researches for its Findings report.
3. **Named cases.** Unknown suppliers in domestic work and construction in
   Qatar, Saudi Arabia, the UAE and Kuwait (kafala states) against the same
   sectors in Denmark, Germany and the United States; office work in
   Germany and Denmark; the red-flag floors.
4. **Band reference points**: what unknown suppliers score in the cells the
   bands are set from (see ``[bands]`` of the model).
5. **The bundled example**: its band distribution, and what the reason
   codes rest on (supplier data, priors, fallbacks).

Writes a Markdown report (``--output``) and prints it. Deterministic.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

import demandrisk
from demandrisk._paths import data_dir
from demandrisk.config import ModelConfig, load_config
from demandrisk.reference import ReferenceData, load_reference

HERE = Path(__file__).resolve().parent
GEMS = HERE / "gems2022_sectors.csv"
# The GEMS categories as ISIC sections; "services" is every service section
# but households as employers (domestic work has its own category).
CATEGORY_SECTIONS = {
    "agriculture": ["A"],
    "mining": ["B"],
    "manufacturing": ["C"],
    "construction": ["F"],
    "domestic work": ["T"],
    "services": list("GHIJKLMNOPQRS"),
}
EVIDENCE_ORDER = [
    (high, low)
    for high in ("construction", "domestic work", "mining")
    for low in ("agriculture", "services")
]
KAFALA = ("QAT", "SAU", "ARE", "KWT")
LOW_RISK_COUNTRIES = ("DNK", "DEU", "USA")
KAFALA_SECTORS = {"domestic work": "T97", "construction": "F41"}
DOL_INPUTS = ("listed_good", "country_listed_goods")
OFFICE_SECTORS = ("J", "K", "M", "J62", "J58", "J63", "K64", "K66", "M69", "M70",
                  "M71", "N82")  # fmt: skip
STRONG_RULE_OF_LAW = 1.0
BOOTSTRAP = 1000


@dataclass
class Findings:
    """Every figure of one model's validation (JSON-ready via ``as_dict``)."""

    model: str
    sector_pillar: str
    gems: pd.DataFrame
    gems_spearman: float
    gems_pairs: list[tuple[str, str, bool]]
    dol_auc: dict[str, tuple[float, float, float, int, int]]
    named: pd.DataFrame
    reference_points: dict[str, float]
    bands: dict[str, float]
    example_bands: dict[str, int]
    reason_bases: dict[str, int]
    extra: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "sector_pillar": self.sector_pillar,
            "gems": self.gems.reset_index().to_dict(orient="records"),
            "gems_spearman": self.gems_spearman,
            "gems_pairs": [list(p) for p in self.gems_pairs],
            "dol_auc": {k: list(v) for k, v in self.dol_auc.items()},
            "named": self.named.to_dict(orient="records"),
            "reference_points": self.reference_points,
            "bands": self.bands,
            "example_bands": self.example_bands,
            "reason_bases": self.reason_bases,
        }


def sector_pillar(config: ModelConfig) -> str:
    """The group holding the sector (poor-work) indicators: ``work`` or ``sector``."""
    for group in ("work", "sector"):
        if group in config.groups:
            return group
    raise ValueError(f"{config.name}: no 'work' or 'sector' group to validate")


def _frame(cells: list[tuple[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(cells, columns=["country", "sector"])
    frame.insert(0, "supplier_id", [f"{c or 'XX'}-{s}" for c, s in cells])
    return frame


def _without(config: ModelConfig, indicators: tuple[str, ...]) -> ModelConfig:
    data = copy.deepcopy(config.model_dump())
    for code in indicators:
        if code in data["indicators"]:
            data["indicators"][code]["weight"] = 0.0
    return load_config(data)


def gems_check(
    config: ModelConfig, reference: ReferenceData
) -> tuple[pd.DataFrame, float, list]:
    """Sector pillar of a supplier of unknown country, per GEMS category."""
    rates = pd.read_csv(GEMS, comment="#").set_index("category")
    sections = sorted({s for v in CATEGORY_SECTIONS.values() for s in v})
    result = demandrisk.score(
        _frame([("", s) for s in sections]), config, reference=reference, chain=False
    )
    group = sector_pillar(config)
    pillar = result.scores.set_index("sector")[f"score_{group}"]
    table = pd.DataFrame(
        {
            "forced_labour_per_1000": rates["forced_labour_per_1000_workers"],
            "model_sector_pillar": [
                float(pillar[CATEGORY_SECTIONS[c]].median()) for c in rates.index
            ],
        },
        index=rates.index,
    )
    table["evidence_rank"] = table["forced_labour_per_1000"].rank(ascending=False)
    table["model_rank"] = table["model_sector_pillar"].rank(ascending=False)
    rho = float(
        spearmanr(
            table["forced_labour_per_1000"], table["model_sector_pillar"]
        ).statistic
    )
    pairs = [
        (
            high,
            low,
            bool(
                table.loc[high, "model_sector_pillar"]
                > table.loc[low, "model_sector_pillar"]
            ),
        )
        for high, low in EVIDENCE_ORDER
    ]
    return table, rho, pairs


def _auc_interval(
    y: np.ndarray, score: np.ndarray, rng: np.random.Generator
) -> tuple[float, float, float, int, int]:
    positives, negatives = np.flatnonzero(y), np.flatnonzero(~y)
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    draws = [
        roc_auc_score(
            labels,
            np.r_[
                score[rng.choice(positives, len(positives))],
                score[rng.choice(negatives, len(negatives))],
            ],
        )
        for _ in range(BOOTSTRAP)
    ]
    low, high = np.percentile(draws, [2.5, 97.5])
    return (
        float(roc_auc_score(y, score)),
        float(low),
        float(high),
        len(positives),
        len(negatives),
    )


def dol_check(
    config: ModelConfig, reference: ReferenceData
) -> dict[str, tuple[float, float, float, int, int]]:
    """ROC AUC of the priors for DOL forced-labour cells, the list's inputs off."""
    goods = reference.goods
    forced = goods.loc[goods["forced_labor"].str.lower() == "true"]
    listed = set(zip(forced["country_iso3"], forced["isic_code"], strict=True))
    divisions = sorted({d for _, d in listed})
    cells = [(c, d) for c in reference.countries.index for d in divisions]
    y = np.array([cell in listed for cell in cells])
    blind = _without(config, DOL_INPUTS)
    score = (
        demandrisk.score(_frame(cells), blind, reference=reference, chain=False)
        .scores["risk_score"]
        .to_numpy()
    )
    researched = set(
        reference.countries.index[reference.countries["dol_advancement_level"] != ""]
    )
    in_findings = np.array([c in researched for c, _ in cells])
    rng = np.random.default_rng(0)
    return {
        "all countries": _auc_interval(y, score, rng),
        "countries in DOL's Findings": _auc_interval(
            y[in_findings], score[in_findings], rng
        ),
    }


def named_cases(config: ModelConfig, reference: ReferenceData) -> pd.DataFrame:
    """The cases a reviewer checks first, each with what it must satisfy."""
    cells = [
        (c, s) for c in (*KAFALA, *LOW_RISK_COUNTRIES) for s in KAFALA_SECTORS.values()
    ]
    cells += [("DEU", "J62"), ("DNK", "N82")]
    result = demandrisk.score(_frame(cells), config, reference=reference, chain=False)
    scores = result.scores.set_index("supplier_id")
    high = config.bands.high if config.bands else np.nan
    rows = []
    for label, sector in KAFALA_SECTORS.items():
        best = max(
            float(scores.loc[f"{c}-{sector}", "risk_score"]) for c in LOW_RISK_COUNTRIES
        )
        for country in KAFALA:
            value = float(scores.loc[f"{country}-{sector}", "risk_score"])
            band = scores.loc[f"{country}-{sector}", "risk_band"]
            rows.append(
                {
                    "case": f"{country} {label} ({sector}), no supplier data",
                    "score": round(value, 1),
                    "band": band,
                    "must": "at least high, 15 above DNK/DEU/USA",
                    "compared_with": round(best, 1),
                    "holds": bool(value >= high and value - best >= 15.0),
                }
            )
    for country, sector, label in (
        ("DEU", "J62", "software"),
        ("DNK", "N82", "office services"),
    ):
        row = scores.loc[f"{country}-{sector}"]
        rows.append(
            {
                "case": f"{country} {label} ({sector}), no supplier data",
                "score": round(float(row["risk_score"]), 1),
                "band": row["risk_band"],
                "must": "low",
                "compared_with": np.nan,
                "holds": bool(row["risk_band"] == "low"),
            }
        )
    rows += _floor_cases(config, reference)
    return pd.DataFrame(rows)


def _floor_cases(
    config: ModelConfig, reference: ReferenceData
) -> list[dict[str, object]]:
    """A listed forced-labour good and an audit finding keep their floors."""
    if config.bands is None or not config.red_flags:
        return []
    floor = min(config.bands.lower_bound(f.floor) for f in config.red_flags.values())
    frame = pd.DataFrame(
        {
            "supplier_id": ["good", "audit"],
            "country": ["DEU", "DEU"],
            "sector": ["C14", "J62"],
            "good": ["Garments", ""],
            "audit_forced_labour_indicators": ["", "2"],
        }
    )
    goods = reference.goods
    forced = goods.loc[goods["forced_labor"].str.lower() == "true"].iloc[0]
    frame.loc[0, ["country", "good", "sector"]] = [
        forced["country_iso3"],
        forced["good"],
        forced["isic_code"],
    ]
    scores = demandrisk.score(frame, config, reference=reference, chain=False).scores
    out = []
    for i, label in enumerate(
        [f"{frame.loc[0, 'country']} '{frame.loc[0, 'good']}' (DOL forced labour)",
         "DEU software with an audit finding (2 ILO indicators)"]
    ):  # fmt: skip
        value = float(scores["risk_score"].iloc[i])
        out.append(
            {
                "case": label,
                "score": round(value, 1),
                "band": scores["risk_band"].iloc[i],
                "must": "at least the red-flag floor",
                "compared_with": floor,
                "holds": bool(value >= floor),
            }
        )
    return out


def reference_points(config: ModelConfig, reference: ReferenceData) -> dict[str, float]:
    """What unknown suppliers score in the cells the bands are set from.

    * office work (J, K, M and their divisions, N82) in countries with a WGI
      rule of law of at least 1: the 90th percentile (``medium`` sits at it,
      rounded to 5: nine in ten such cells are low);
    * country x division cells where DOL lists a good made with forced
      labour, no supplier data: the lower quartile (``high``: three in four
      are high before the supplier says anything) and the 90th percentile
      (``severe``: only the worst contexts reach it without evidence).
    """
    countries = reference.countries
    strong = countries.index[countries["rule_of_law"] >= STRONG_RULE_OF_LAW]
    office = [(c, s) for c in strong for s in OFFICE_SECTORS]
    goods = reference.goods
    forced = goods.loc[goods["forced_labor"].str.lower() == "true"]
    listed = sorted(set(zip(forced["country_iso3"], forced["isic_code"], strict=True)))
    scores = (
        demandrisk.score(
            _frame(office + listed), config, reference=reference, chain=False
        )
        .scores["risk_score"]
        .to_numpy()
    )
    office_scores, listed_scores = scores[: len(office)], scores[len(office) :]
    return {
        "office_strong_rule_of_law_p90": float(np.percentile(office_scores, 90)),
        "dol_forced_labour_cells_p25": float(np.percentile(listed_scores, 25)),
        "dol_forced_labour_cells_median": float(np.median(listed_scores)),
        "dol_forced_labour_cells_p90": float(np.percentile(listed_scores, 90)),
    }


def example_check(
    config: ModelConfig, reference: ReferenceData
) -> tuple[dict[str, int], dict[str, int]]:
    """Band counts of the bundled example and what its reason codes rest on."""
    result = demandrisk.score(
        data_dir() / "examples" / "suppliers.csv", config, reference=reference
    )
    scores = result.scores
    bands = (
        scores["risk_band"]
        .value_counts()
        .reindex(["low", "medium", "high", "severe"], fill_value=0)
    )
    slug_to_indicator = {ind.reason: code for code, ind in config.indicators.items()}
    slug_to_indicator.update(
        {flag.reason: flag.indicator for flag in config.red_flags.values()}
    )
    counts = {"supplier data": 0, "prior": 0, "fallback": 0}
    for i, text in enumerate(scores["reason_codes"].astype(str)):
        for slug in filter(None, text.split(";")):
            basis = str(result.basis[slug_to_indicator[slug]].iloc[i])
            kind = (
                "supplier data" if basis == "supplier"
                else "fallback" if basis in ("imputed", "missing") else "prior"
            )  # fmt: skip
            counts[kind] += 1
    return {k: int(v) for k, v in bands.items()}, counts


def validate_model(name: str, reference: ReferenceData) -> Findings:
    """Run every check for one model (a named model or a config path)."""
    config = load_config(name)
    gems, rho, pairs = gems_check(config, reference)
    example_bands, bases = example_check(config, reference)
    bands = config.bands.model_dump() if config.bands else {}
    return Findings(
        model=f"{name} ({config.name} {config.version})",
        sector_pillar=sector_pillar(config),
        gems=gems,
        gems_spearman=rho,
        gems_pairs=pairs,
        dol_auc=dol_check(config, reference),
        named=named_cases(config, reference),
        reference_points=reference_points(config, reference),
        bands=bands,
        example_bands=example_bands,
        reason_bases=bases,
    )


def _markdown(frame: pd.DataFrame, index: bool = True) -> str:
    """A Markdown table (no tabulate dependency)."""
    table = frame.reset_index() if index else frame
    cells = [[str(c) for c in table.columns]] + [
        ["" if isinstance(v, float) and np.isnan(v) else str(v) for v in r]
        for r in table.itertuples(index=False)
    ]
    head = "| " + " | ".join(cells[0]) + " |"
    rule = "|" + "---|" * len(cells[0])
    return "\n".join([head, rule] + ["| " + " | ".join(r) + " |" for r in cells[1:]])


def _shown(folder: Path) -> str:
    """The folder relative to the working directory where possible (stable reports)."""
    try:
        return str(Path(folder).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)


def render(findings: list[Findings], reference: ReferenceData) -> str:
    """The Markdown report of one or more models."""
    lines = [
        "# Validation of the demandrisk model",
        "",
        f"Reference tables: `{_shown(reference.folder)}`; "
        f"demandrisk {demandrisk.__version__}. "
        "Produced by `python benchmarks/validity.py`.",
        "",
        "| check | target | " + " | ".join(f.model for f in findings) + " |",
        "|---|---|" + "---|" * len(findings),
    ]

    def row(label: str, target: str, values: list[str]) -> None:
        lines.append(f"| {label} | {target} | " + " | ".join(values) + " |")

    def fmt_auc(f: Findings, key: str) -> str:
        auc, low, high = f.dol_auc[key][:3]
        return f"{auc:.3f} [{low:.3f}, {high:.3f}]"

    row(
        "GEMS 2022 sectors: Spearman of the sector pillar",
        ">= 0.6",
        [f"{f.gems_spearman:.2f}" for f in findings],
    )
    row(
        "GEMS pairs ordered as the evidence (of 6)",
        "6",
        [str(sum(p[2] for p in f.gems_pairs)) for f in findings],
    )
    for key in findings[0].dol_auc:
        row(
            f"DOL forced-labour cells, inputs off: ROC AUC ({key})",
            ">= 0.75",
            [fmt_auc(f, key) for f in findings],
        )
    row(
        "named cases that hold",
        "all",
        [f"{int(f.named['holds'].sum())} of {len(f.named)}" for f in findings],
    )
    row(
        "example bands (low / medium / high / severe)",
        "",
        [" / ".join(str(v) for v in f.example_bands.values()) for f in findings],
    )
    row(
        "example reason codes on supplier data / priors / fallbacks",
        "no fallbacks",
        [" / ".join(str(v) for v in f.reason_bases.values()) for f in findings],
    )
    for f in findings:
        lines += [
            "",
            f"## {f.model}",
            "",
            f"Sector pillar: `score_{f.sector_pillar}`.",
            "",
        ]
        lines += ["### GEMS 2022 sectors (supplier of unknown country)", ""]
        lines += [_markdown(f.gems.round(2)), ""]
        lines += ["Pairs the evidence orders (higher, lower): " + ", ".join(
            f"{h} > {lo}: {'yes' if ok else 'NO'}" for h, lo, ok in f.gems_pairs
        ), ""]  # fmt: skip
        lines += ["### DOL 2022 forced-labour cells, the list's own inputs off", ""]
        for key, (auc, low, high, npos, nneg) in f.dol_auc.items():
            lines.append(
                f"- {key}: ROC AUC {auc:.3f} (95% bootstrap {low:.3f}-{high:.3f}; "
                f"{npos} listed cells, {nneg} unlisted cells of the same divisions)"
            )
        lines += ["", "### Named cases", "", _markdown(f.named, index=False), ""]
        lines += ["### Band reference points (unknown suppliers)", ""]
        lines += [f"- {k}: {v:.1f}" for k, v in f.reference_points.items()]
        lines += [f"- bands of the model: {f.bands}", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns 0 (the report says what holds)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["v1", "v2"],
                    help="named models (v1, v2) or config files")  # fmt: skip
    ap.add_argument("--reference", type=Path, help="reference tables folder")
    ap.add_argument("--output", type=Path, help="write the Markdown report here")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    reference = load_reference(args.reference)
    findings = [validate_model(m, reference) for m in args.models]
    text = render(findings, reference)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps([f.as_dict() for f in findings], indent=2, default=str),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
