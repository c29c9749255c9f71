"""Resolve sector labels to ISIC Rev.4 sections and divisions, once per label.

A label is read in this order, and the first reading that applies decides:

1. a scheme prefix: ``NAICS 315210``, ``HS 6109.10``, ``ISIC 2420``
   (:mod:`demandrisk.mapping` adds ``NAICS`` / ``HS`` to the cells of a column
   whose header names the scheme); NAICS and HS go through the concordances
   (:mod:`demandrisk.sector_codes`, match ``concordance``);
2. an ISIC Rev.4 code of any level (``C24``, ``24``, ``2420``; ``code``). A bare
   number of more than four digits is reported, never guessed as NAICS or HS;
3. an ISIC title or sector name (``exact``);
4. a curated alias of ``sector_aliases.csv`` (``alias``). An alias with several
   candidate sectors resolves to their section when they share one
   ("Materials" -> C) and is ``ambiguous-sector`` otherwise ("Equipment");
5. several values in one cell (``Apparel|Health``, split at ``|``, ``;`` or a
   line break): each is resolved; the best-scoring one (the first listed on a
   tie) is taken and the others are reported (``sector-alternatives``);
6. free text, ranked by meaning (:mod:`demandrisk.sector_text`; ``text``).

Text is taken when its best sector holds at least ``VOTE_ACCEPT`` of the
nearest terms' votes and its nearest term is at least ``TEXT_ACCEPT`` similar;
when the sectors of one section together hold ``SECTION_ACCEPT`` of the votes,
the section is taken. Otherwise a text at least ``TEXT_SUGGEST`` similar is
``ambiguous-sector``, and one below is ``unknown-sector``, each with the top 3
distinct suggestions: unknown stays unknown. The thresholds were set on terms
of the vocabulary left out of a second index (``benchmarks/tune_sector_text.py``),
not on the benchmark's held-out terms.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from ._paths import data_dir
from .reference import ReferenceData
from .sector_codes import Concordances, Outcome, SectorTargets, unknown
from .sector_text import TextIndex, TextMatches, text_index

__all__ = ["SectorResolver", "sector_resolver"]

# On the tuning terms (benchmarks/tune_sector_text.py) 0.3 and 0.4 take 92 %
# of the terms, 94 % of them right; raising the vote share to 0.5 buys 2
# points of precision for 7 points of coverage.
TEXT_ACCEPT = 0.3  # similarity of the best sector's nearest term
VOTE_ACCEPT = 0.4  # share of the nearest terms' votes
SECTION_ACCEPT = 0.6  # share of the votes the divisions of one section need
TEXT_SUGGEST = 0.2  # below this a text is "unknown" rather than "ambiguous"
MEMO_LIMIT = 200_000  # labels remembered per process (chunked runs repeat them)

_SCHEME = re.compile(
    r"^(?P<scheme>naics|hts|hs|isic)(?:\s*(?:rev\.?\s*4|2017|code))?\s*[:\-]?\s*"
    r"(?P<code>.+)$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*[|;\n]\s*")


def _fold(text: str) -> str:
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", stripped).strip().casefold()


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name if (folder / name).is_file() else data_dir() / name
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


class SectorResolver:
    """Look-up structures for sector labels, built once per reference.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> resolver = sector_resolver(load_reference())
    >>> [(o.code, o.how) for o in resolver.resolve(["2420", "Apparel", "HS 5201.00"])]
    [('C24', 'code'), ('C14', 'alias'), ('A01', 'concordance')]
    """

    def __init__(self, reference: ReferenceData) -> None:
        self.folder = Path(reference.folder)
        self.targets = SectorTargets(reference.isic4)
        names: dict[str, str] = {}
        isic = reference.isic4
        for code, title in zip(isic["code"], isic["title"], strict=True):
            target = self.targets.target(code)
            if target is not None:
                names.setdefault(_fold(title), target)
        sectors = reference.sectors
        for code, name in zip(sectors.index, sectors["name"], strict=True):
            if code in self.targets.titles:
                names[_fold(name)] = code
        self.names = names
        aliases = _read(self.folder, "sector_aliases.csv")
        self.aliases: dict[str, list[str]] = {}
        for alias, code in zip(aliases["alias"], aliases["isic_code"], strict=True):
            if code in self.targets.titles:
                codes = self.aliases.setdefault(_fold(alias), [])
                if code not in codes:
                    codes.append(code)
        self.concordances = Concordances(
            self.targets, self.folder, data_dir(), self._closeness
        )
        self._memo: dict[str, Outcome] = {}

    @property
    def index(self) -> TextIndex:
        """The free-text index (built, and fitted, on first use)."""
        return text_index(str(self.folder), str(data_dir()))

    def _closeness(self, texts: list[str], skip: frozenset[str]) -> pd.DataFrame:
        """Share of the nearest terms' votes per sector: texts x sectors."""
        found = self.index.match(texts, top=10, skip=skip)
        return pd.DataFrame(
            [
                {c: v for c, v in zip(codes, votes, strict=True) if c is not None}
                for codes, votes in zip(found.codes, found.votes, strict=True)
            ],
            index=range(len(texts)),
        ).fillna(0.0)

    def resolve(self, labels: list[str]) -> list[Outcome]:
        """Resolve distinct, non-blank labels (remembered for later calls)."""
        todo = list(dict.fromkeys(x for x in labels if x not in self._memo))
        if todo:
            if len(self._memo) + len(todo) > MEMO_LIMIT:
                self._memo.clear()
            self._memo.update(zip(todo, self._resolve(todo), strict=True))
        return [self._memo[label] for label in labels]

    def _resolve(self, labels: list[str]) -> list[Outcome]:
        out: list[Outcome | None] = [None] * len(labels)
        codes: list[tuple[int, tuple[str, str, str]]] = []
        texts: list[int] = []
        several: list[tuple[int, list[str]]] = []
        for position, label in enumerate(labels):
            direct = self._direct(label)
            if isinstance(direct, Outcome):
                out[position] = direct
            elif direct is not None:
                codes.append((position, direct))
            else:
                parts = [p for p in _SEPARATORS.split(label.strip()) if p]
                if len(dict.fromkeys(parts)) > 1:
                    several.append((position, list(dict.fromkeys(parts))))
                else:
                    texts.append(position)
        if codes:
            found = self.concordances.resolve([job for _, job in codes])
            for (position, _), outcome in zip(codes, found, strict=True):
                out[position] = outcome
        if texts:
            matches = self.index.match([labels[p] for p in texts], top=5)
            for row, position in enumerate(texts):
                out[position] = self._decide_text(labels[position], matches, row)
        if several:
            parts = list(dict.fromkeys(p for _, ps in several for p in ps))
            resolved = dict(zip(parts, self._resolve(parts), strict=True))
            for position, ps in several:
                out[position] = self._combine(labels[position], ps, resolved)
        # Every label took one of the paths above.
        return [
            o if o is not None else unknown(repr(x))
            for o, x in zip(out, labels, strict=True)
        ]

    def _direct(self, label: str) -> Outcome | tuple[str, str, str] | None:
        """Codes, titles and aliases; ``(scheme, code, label)`` for a concordance."""
        scheme = _SCHEME.match(label.strip())
        text = label
        if scheme:
            kind = scheme["scheme"].lower()
            if kind != "isic":
                return ("hs" if kind == "hts" else kind, scheme["code"], label)
            text = scheme["code"]
            parsed = self.targets.parse(text)
            return parsed or unknown(
                f"expected an ISIC Rev.4 code after 'ISIC'; {label!r} is not one"
            )
        parsed = self.targets.parse(text)
        if parsed is not None:
            return parsed
        compact = re.sub(r"[\s.\-]", "", text)
        if compact.isdigit() and len(compact) > 4:
            return unknown(
                f"expected an ISIC Rev.4 code (2-4 digits); {label!r} has "
                f"{len(compact)} digits. For NAICS or HS codes name the column "
                "'NAICS' or 'HS code', or write 'NAICS 315210' / 'HS 610910'"
            )
        folded = _fold(text)
        if folded in self.names:
            return Outcome(self.names[folded], "exact", 100.0)
        if folded in self.aliases:
            return self._alias(label, self.aliases[folded])
        return None

    def _alias(self, label: str, codes: list[str]) -> Outcome:
        if len(codes) == 1:
            return Outcome(codes[0], "alias", 100.0)
        listing = ", ".join(self.targets.label(c) for c in codes)
        sections = {self.targets.section_of.get(c[:1]) for c in codes}
        what = f"{label!r} can mean several sectors (curated aliases): {listing}"
        if len(sections) == 1 and None not in sections:
            section = codes[0][:1]
            note = ("sector-alternatives", f"{what}; taken as section {section}")
            return Outcome(section, "alias", 100.0, note=note)
        return Outcome(
            None, None, 100.0, ("ambiguous-sector", f"{what}; give the ISIC code")
        )

    def _suggest(self, matches: TextMatches, row: int) -> str:
        found = [
            f"{self.targets.label(code)} ({100 * sim:.0f}, {evidence!r})"
            for code, sim, evidence in zip(
                matches.codes[row],
                matches.similarity[row],
                matches.evidence[row],
                strict=True,
            )
            if code is not None
        ]
        return ", ".join(found[:3])

    def _decide_text(self, label: str, matches: TextMatches, row: int) -> Outcome:
        codes, votes = matches.codes[row], matches.votes[row]
        similarity = matches.similarity[row]
        if codes[0] is None:
            return unknown(f"{label!r} matches no sector")
        best = float(similarity[0])
        if votes[0] >= VOTE_ACCEPT and best >= TEXT_ACCEPT:
            return Outcome(str(codes[0]), "text", round(100 * best, 1))
        family = (
            pd.Series(votes)
            .groupby([str(c)[:1] if c is not None else "" for c in codes])
            .sum()
        )
        section = str(family.idxmax())
        members = [i for i, c in enumerate(codes) if c is not None and c[:1] == section]
        closest = max(float(similarity[i]) for i in members) if members else 0.0
        if family.max() >= SECTION_ACCEPT and closest >= TEXT_ACCEPT:
            listing = ", ".join(
                f"{self.targets.label(str(codes[i]))} ({100 * votes[i]:.0f}% of votes)"
                for i in members
            )
            note = (
                "sector-alternatives",
                f"{label!r} matches several divisions of section {section}: "
                f"{listing}; taken as section {section}",
            )
            return Outcome(section, "text", round(100 * closest, 1), note=note)
        top = self._suggest(matches, row)
        if best >= TEXT_SUGGEST:
            what = (
                "matches several sectors"
                if best >= TEXT_ACCEPT
                else "is not close enough to one sector to be taken"
            )
            return Outcome(
                None,
                None,
                round(100 * best, 1),
                ("ambiguous-sector", f"{label!r} {what}; did you mean: {top}?"),
            )
        return unknown(
            f"{label!r} matches no sector; did you mean: {top}?", round(100 * best, 1)
        )

    def _combine(
        self, label: str, parts: list[str], resolved: dict[str, Outcome]
    ) -> Outcome:
        outcomes = [(part, resolved[part]) for part in parts]
        taken = [(p, o) for p, o in outcomes if o is not None and o.code is not None]
        if not taken:
            problems = [o.issue for _, o in outcomes if o is not None and o.issue]
            code = (
                "ambiguous-sector"
                if any(p[0] == "ambiguous-sector" for p in problems)
                else "unknown-sector"
            )
            detail = "; ".join(
                f"{p!r}: {o.issue[1]}" for p, o in outcomes if o and o.issue
            )
            return Outcome(
                None,
                None,
                0.0,
                (
                    code,
                    f"{label!r} names {len(parts)} sectors and none resolves: {detail}",
                ),
            )
        # Best score first; max() keeps the first listed of equal scores.
        part, pick = max(taken, key=lambda item: item[1].score)
        if all(o is not None and o.code == pick.code for _, o in outcomes):
            return pick
        others = ", ".join(f"{p!r} -> {_said(o)}" for p, o in outcomes if p != part)
        note = (
            "sector-alternatives",
            f"{label!r} names {len(parts)} sectors: taken as {pick.code} from "
            f"{part!r} ({pick.how}); also {others}",
        )
        return Outcome(pick.code, pick.how, pick.score, note=note)


def _said(outcome: Outcome | None) -> str:
    if outcome is not None and outcome.code is not None:
        return outcome.code
    if outcome is not None and outcome.issue and outcome.issue[0] == "ambiguous-sector":
        return "ambiguous"
    return "not recognised"


_RESOLVERS: dict[int, tuple[ReferenceData, SectorResolver]] = {}


def sector_resolver(reference: ReferenceData) -> SectorResolver:
    """The resolver of a reference (built once per process and reference)."""
    key = id(reference)
    if key not in _RESOLVERS or _RESOLVERS[key][0] is not reference:
        _RESOLVERS[key] = (reference, SectorResolver(reference))
    return _RESOLVERS[key][1]
