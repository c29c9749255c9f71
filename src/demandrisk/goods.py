"""Resolve the goods suppliers name to the goods of the US DOL list.

A supplier that names its good ("Palm oil", "Palm fruits", "oil palm fruit")
means a good of the DOL *List of Goods Produced by Child Labor or Forced
Labor* only if the name is matched, and a name matched to nothing must not
pass as "not listed" without a word. Goods are matched with the discipline
of sectors, once per distinct text:

1. ``exact``: the DOL name after folding (accents, case, punctuation,
   plurals: "palm fruits" is "Palm Fruit"), or a part of it ("Manioc" and
   "Cassava" of "Manioc/Cassava", "Bricks" of "Bricks (clay)") that names
   one good only;
2. ``alias``: ``data/good_aliases.csv``, names with a stated basis (the 2016
   list's "Oil (palm)" is the 2022 list's "Palm Fruit": same countries, same
   findings);
3. ``fuzzy``: a close spelling (token order ignored, whole names compared,
   so "steel" never matches "Furniture (steel)"), taken when it scores at
   least :data:`ACCEPT` and the next good trails by :data:`MARGIN`.

Otherwise the good is ``ambiguous-good`` (close to several goods: the
listing is left out, with suggestions) or ``unknown-good`` (close to none:
the good is not on the list, which is exhaustive, so it reads as not listed,
``good_match`` = ``unlisted``; the issue names the nearest goods anyway).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ._paths import data_dir
from .codes import BLANKS, Resolution
from .reference import ReferenceData
from .textcolumn import TextColumn

__all__ = ["ACCEPT", "MARGIN", "SUGGEST", "fold_name", "resolve_goods"]

ACCEPT = 88.0
MARGIN = 5.0
SUGGEST = 70.0


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith("ss"):
        return word
    for plural, single in (
        ("ies", "y"),
        ("oes", "o"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("xes", "x"),
        ("ses", "s"),
    ):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    return word[:-1] if word.endswith("s") else word


def fold_name(text: str) -> str:
    """Fold a good's name: ASCII, lower case, words only, each word singular.

    Examples
    --------
    >>> fold_name("Palm fruits"), fold_name(" Ac\\u0327ai\\u0301 Berries ")
    ('palm fruit', 'acai berry')
    >>> fold_name("Lithium-Ion Batteries"), fold_name("Tomatoes")
    ('lithium ion battery', 'tomato')
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore")
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.decode().casefold()).split()
    return " ".join(_singular(w) for w in words)


@cache
def _aliases() -> tuple[tuple[str, str], ...]:
    path = data_dir() / "good_aliases.csv"
    if not path.is_file():
        return ()
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tuple(zip(table["alias"], table["good"], strict=True))


class _GoodIndex:
    """Folded names, name parts and aliases of the DOL goods."""

    def __init__(self, reference: ReferenceData) -> None:
        goods = sorted(
            set(reference.goods["good"].astype(str).str.normalize("NFC").str.strip())
        )
        self.names: dict[str, str] = {fold_name(g): g for g in goods}
        parts: dict[str, set[str]] = {}
        for good in goods:
            base = re.sub(r"\([^)]*\)", " ", good)
            for piece in (base, *base.split("/")):
                key = fold_name(piece)
                if key and key not in self.names:
                    parts.setdefault(key, set()).add(good)
        # A part that names several goods ("khat") is no exact match.
        for key, found in parts.items():
            if len(found) == 1:
                self.names[key] = found.pop()
        self.aliases = {
            fold_name(a): self.names.get(fold_name(g), g)
            for a, g in _aliases()
            if fold_name(g) in self.names
        }
        self.choices = list(self.names)

    def resolve(
        self, label: str
    ) -> tuple[str | None, str | None, float, tuple[str, str] | None]:
        key = fold_name(label)
        if not key:
            return None, None, np.nan, None
        if key in self.names:
            return self.names[key], "exact", 100.0, None
        if key in self.aliases:
            return self.aliases[key], "alias", 100.0, None
        matches = process.extract(
            key, self.choices, scorer=fuzz.token_sort_ratio, limit=10
        )
        distinct: list[tuple[str, float]] = []
        for choice, points, _ in matches:
            good = self.names[choice]
            if all(good != d[0] for d in distinct):
                distinct.append((good, float(points)))
        best = distinct[0] if distinct else ("", 0.0)
        runner = distinct[1][1] if len(distinct) > 1 else 0.0
        if best[1] >= ACCEPT and best[1] - runner >= MARGIN:
            return best[0], "fuzzy", best[1], None
        shown = ", ".join(f"{g} ({p:.0f})" for g, p in distinct[:3])
        if best[1] >= SUGGEST:
            return (
                None,
                None,
                best[1],
                (
                    "ambiguous-good",
                    f"{label!r} resembles more than one good of the DOL list: {shown}; "
                    "which one is not decided, so its listing is left out. Map it: "
                    f'[values.good] "{label}" = "<the good>"',
                ),
            )
        return (
            None,
            "unlisted",
            best[1],
            (
                "unknown-good",
                f"{label!r} is not a good of the DOL 2022 list (nearest: {shown}); it "
                "is read as not listed. If it is one of them, map it: "
                f'[values.good] "{label}" = "<the good>"',
            ),
        )


_INDEX: dict[int, _GoodIndex] = {}


def resolve_goods(
    values: pd.Series | TextColumn, reference: ReferenceData
) -> Resolution:
    """Resolve good names to DOL goods, once per distinct text.

    ``codes`` is the DOL name (None when unresolved); ``match`` is ``exact``,
    ``alias``, ``fuzzy``, ``unlisted`` (on no list) or None (blank or
    ambiguous).

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> r = resolve_goods(pd.Series(["Palm oil", "Palm fruits", "oil palm fruit",
    ...                              "Widgets", ""]), load_reference())
    >>> r.codes.tolist()
    ['Palm Fruit', 'Palm Fruit', 'Palm Fruit', None, None]
    >>> r.match.tolist()
    ['alias', 'exact', 'alias', 'unlisted', None]
    """
    column = (
        values if isinstance(values, TextColumn) else TextColumn.from_series(values)
    )
    if id(reference) not in _INDEX:
        _INDEX[id(reference)] = _GoodIndex(reference)
    index = _INDEX[id(reference)]
    size = len(column.texts)
    codes = np.full(size, None, dtype=object)
    match = np.full(size, None, dtype=object)
    score = np.full(size, np.nan)
    problems: dict[int, tuple[str, str]] = {}
    for position, label in enumerate(column.texts):  # distinct texts, not rows
        if str(label).strip().casefold() in BLANKS:
            continue
        code, how, points, problem = index.resolve(str(label))
        codes[position], match[position], score[position] = code, how, points
        if problem is not None:
            problems[position] = problem
    return Resolution(column, codes, match, score, problems)
