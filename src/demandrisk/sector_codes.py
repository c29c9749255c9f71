"""Sector codes: ISIC Rev.4 at any level, and NAICS 2017 / HS through concordances.

Every code resolves to the most specific ISIC Rev.4 level its evidence
supports: a section letter or a division written section letter + two digits
(``C24``), for all 21 sections and 88 divisions of ``isic4.csv`` (which of
them hold a profile in ``sectors.csv`` is the model's business, not this
module's). An ISIC group or class resolves to its division (``2420`` ->
``C24``).

A NAICS or HS code resolves through its concordance links (``naics_isic.csv``,
``hs_isic.csv``; a shorter code owns the links of every code it prefixes).
When the links spread over several divisions, each division is weighted by its
share of the links times ``0.1 + v``, where ``v`` (0-1) is the division's share
of the votes of the code title's nearest terms in :mod:`demandrisk.sector_text`
(other schemes only: an HS title is compared with ISIC and NAICS terms, whose
own links say nothing about HS). HS 610910 (T-shirts) links once to C13
(knitted fabrics) and once to C14 (apparel); the terms nearest its title are
apparel terms, so it resolves to C14, and the alternatives are reported. A
division wins when its weight is at least 1.25 times the runner-up's;
otherwise close divisions of one section resolve to the section, and close
divisions of several sections are ``ambiguous-sector``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

__all__ = ["Concordances", "Outcome", "SectorTargets"]

TITLE_FLOOR = 0.1  # a division no term near the title votes for keeps 0.1
DECISIVE = 1.25  # the best weight must be this many times the runner-up's
SCHEME_NAMES = {"naics": "NAICS 2017", "hs": "HS"}
# Schemes of sector_vocabulary.csv that restate a concordance's own links.
OWN_TERMS = {
    "naics": frozenset({"naics-title", "naics-index"}),
    "hs": frozenset({"hs"}),
}
_CODE = re.compile(r"^(?P<section>[A-U])?(?P<digits>\d{2,4})$")


@dataclass(frozen=True)
class Outcome:
    """How one distinct label resolved.

    ``issue`` is set when it did not (``code`` is then ``None``); ``note``
    when it did but the evidence also names other sectors.
    """

    code: str | None
    how: str | None
    score: float
    issue: tuple[str, str] | None = None
    note: tuple[str, str] | None = None


def unknown(message: str, score: float = 0.0) -> Outcome:
    return Outcome(None, None, score, ("unknown-sector", message))


class SectorTargets:
    """The ISIC Rev.4 sections and divisions a label can resolve to.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> targets = SectorTargets(load_reference().isic4)
    >>> targets.target("2420"), targets.target("01"), targets.target("C")
    ('C24', 'A01', 'C')
    >>> [targets.parse(label).code for label in ["C24", "2420", "C1410", "J62"]]
    ['C24', 'C24', 'C14', 'J62']
    >>> targets.parse("A14").issue[0]
    'unknown-sector'
    """

    def __init__(self, isic: pd.DataFrame) -> None:
        self.section_of = dict(zip(isic["code"], isic["section"], strict=True))
        self.titles: dict[str, str] = {}
        for code, level, title in zip(
            isic["code"], isic["level"], isic["title"], strict=True
        ):
            if level in ("section", "division"):
                target = self.target(code)
                if target is not None:
                    self.titles[target] = title

    def target(self, isic_code: str) -> str | None:
        """Section letter or division (``C24``) of an ISIC code of any level."""
        section = self.section_of.get(isic_code)
        if section is None:
            return None
        return isic_code if isic_code == section else f"{section}{isic_code[:2]}"

    def label(self, target: str) -> str:
        """``C24 Manufacture of basic metals``."""
        return f"{target} {self.titles.get(target, '')}".strip()

    def parse(self, label: str) -> Outcome | None:
        """Read an ISIC Rev.4 code (``C24``, ``24``, ``2420``, ``C2420``).

        ``None`` if the label does not look like one.
        """
        compact = re.sub(r"[\s.\-]", "", label).upper()
        if compact in self.titles:
            return Outcome(compact, "code", 100.0)
        found = _CODE.match(compact)
        if not found:
            return None
        digits, wanted = found["digits"], found["section"]
        section = self.section_of.get(digits[:2])
        if section is None or (wanted is not None and wanted != section):
            return unknown(
                f"expected an ISIC Rev.4 code or sector name; {label!r} is not an "
                "ISIC Rev.4 code"
            )
        if len(digits) > 2 and digits not in self.section_of:
            return unknown(
                f"expected an ISIC Rev.4 code; {label!r} is not one (division "
                f"{digits[:2]} exists but {digits} does not)"
            )
        return Outcome(self.target(digits[:2]), "code", 100.0)


def _read(folder: Path, name: str, fallback: Path) -> pd.DataFrame:
    path = folder / name if (folder / name).is_file() else fallback / name
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@cache
def _links(folder: str, fallback: str, scheme: str) -> pd.DataFrame:
    """``code, isic_code`` links of a concordance, for codes of every length."""
    table = _read(Path(folder), f"{scheme}_isic.csv", Path(fallback))
    links = table[[f"{scheme}_code", "isic_code"]].set_axis(
        ["code", "isic_code"], axis=1
    )
    lengths = range(2, 7) if scheme == "naics" else (2, 4, 6)
    frames = [links.assign(code=links["code"].str[:n]) for n in lengths]
    return pd.concat(frames, ignore_index=True)


@cache
def _titles(folder: str, fallback: str, scheme: str) -> dict[str, str]:
    """Title of every NAICS or HS code (all lengths) the tables know."""
    if scheme == "hs":
        table = _read(Path(folder), "hs_titles.csv", Path(fallback))
        return dict(zip(table["hs_code"], table["hs_title"], strict=True))
    table = _read(Path(folder), "naics_isic.csv", Path(fallback))
    titles = dict(zip(table["naics_code"], table["naics_title"], strict=False))
    vocabulary = _read(Path(folder), "sector_vocabulary.csv", Path(fallback))
    named = vocabulary[vocabulary["scheme"] == "naics-title"]
    titles.update(zip(named["code"], named["term"], strict=True))
    return titles


class Concordances:
    """NAICS 2017 and HS codes to ISIC Rev.4 through the bundled concordances.

    ``closeness(titles, skip)`` gives, per title (rows), each target's share
    (0-1, columns) of the votes of the title's nearest vocabulary terms.
    """

    def __init__(
        self,
        targets: SectorTargets,
        folder: Path,
        fallback: Path,
        closeness: Callable[[list[str], frozenset[str]], pd.DataFrame],
    ) -> None:
        self.targets = targets
        self.folder, self.fallback = str(folder), str(fallback)
        self.closeness = closeness
        self._shares: dict[str, dict[str, pd.Series]] = {}

    def shares(self, scheme: str, digits: str) -> pd.Series:
        """Share of the code's links per ISIC target, largest first."""
        if scheme not in self._shares:
            links = _links(self.folder, self.fallback, scheme)
            links = links.assign(target=links["isic_code"].map(self.targets.target))
            counts = links.dropna().groupby(["code", "target"]).size()
            self._shares[scheme] = {
                str(code): (group.droplevel(0) / group.sum()).sort_values(
                    ascending=False, kind="stable"
                )
                for code, group in counts.groupby(level=0)
            }
        return self._shares[scheme].get(digits, pd.Series(dtype=float))

    def resolve(self, codes: list[tuple[str, str, str]]) -> list[Outcome]:
        """Resolve ``(scheme, code, label)`` triples (titles compared in a batch)."""
        found: list[tuple[str, str, str, pd.Series] | Outcome] = []
        for scheme, code, label in codes:
            name = SCHEME_NAMES[scheme]
            digits = re.sub(r"[\s.\-]", "", code)
            if scheme == "hs" and digits.isdigit() and len(digits) > 6:
                digits = digits[:6]  # national tariff lines (HTS 10-digit) extend HS6
            valid = range(2, 7) if scheme == "naics" else (2, 4, 6)
            if not digits.isdigit() or len(digits) not in valid:
                lengths = "2-6" if scheme == "naics" else "2, 4 or 6"
                found.append(
                    unknown(
                        f"expected a {name} code ({lengths} digits); {label!r} is "
                        "not one"
                    )
                )
                continue
            shares = self.shares(scheme, digits)
            if shares.empty:
                found.append(
                    unknown(
                        f"{name} code {digits} is not in the {name} to ISIC Rev.4 "
                        "concordance"
                    )
                )
            elif len(shares) == 1:
                found.append(Outcome(str(shares.index[0]), "concordance", 100.0))
            else:
                found.append((scheme, digits, name, shares))
        return self._weigh(found)

    def _weigh(
        self, found: list[tuple[str, str, str, pd.Series] | Outcome]
    ) -> list[Outcome]:
        pending = [i for i, item in enumerate(found) if not isinstance(item, Outcome)]
        similar: dict[int, pd.Series] = {}
        for scheme in ("naics", "hs"):
            mine = [i for i in pending if found[i][0] == scheme]  # type: ignore[index]
            if not mine:
                continue
            titles = _titles(self.folder, self.fallback, scheme)
            texts = [self._title(titles, found[i][1]) for i in mine]  # type: ignore[index]
            table = self.closeness(texts, OWN_TERMS[scheme])
            for row, i in enumerate(mine):
                similar[i] = table.iloc[row] if texts[row] else pd.Series(dtype=float)
        out: list[Outcome] = []
        for i, item in enumerate(found):
            if isinstance(item, Outcome):
                out.append(item)
                continue
            scheme, digits, name, shares = item
            closeness = similar[i].reindex(shares.index).fillna(0.0)
            weight = shares * (TITLE_FLOOR + closeness)
            weight = (weight / weight.sum()).sort_values(ascending=False, kind="stable")
            out.append(self._decide(name, digits, shares, weight))
        return out

    @staticmethod
    def _title(titles: dict[str, str], digits: str) -> str:
        # An HS code missing from every title source falls back to its heading.
        return titles.get(digits) or titles.get(digits[:4], "")

    def _decide(
        self, name: str, digits: str, shares: pd.Series, weight: pd.Series
    ) -> Outcome:
        listing = ", ".join(
            f"{self.targets.label(str(t))} ({100 * w:.0f}%, "
            f"{100 * float(shares.get(str(t), 0.0)):.0f}% of links)"
            for t, w in weight.head(4).items()
        )
        more = f" and {len(weight) - 4} more" if len(weight) > 4 else ""
        best, score = str(weight.index[0]), round(100.0 * float(weight.iloc[0]), 1)
        close = weight[weight * DECISIVE > weight.iloc[0]]
        what = (
            f"{name} code {digits} links to {len(weight)} ISIC Rev.4 divisions: "
            f"{listing}{more} (weight: share of its concordance links x closeness "
            "of its title to each division's terms)"
        )
        if len(close) == 1:
            note = ("sector-alternatives", f"{what}; taken as {best}")
            return Outcome(best, "concordance", score, note=note)
        sections = {self.targets.section_of.get(t[:1]) for t in close.index}
        if len(sections) == 1 and None not in sections:
            section = sections.pop()
            assert section is not None
            close_share = round(100.0 * float(close.sum()), 1)
            note = (
                "sector-alternatives",
                f"{what}; no division stands out, taken as section {section}",
            )
            return Outcome(section, "concordance", close_share, note=note)
        return Outcome(
            None,
            None,
            score,
            ("ambiguous-sector", f"{what}; give the ISIC code"),
        )
