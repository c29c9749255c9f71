"""Resolve what users type for countries to ISO 3166-1 alpha-3 codes.

Read in this order, once per distinct label: ISO2, ISO3 and numeric codes;
``data/country_aliases.csv`` (spellings pycountry does not know, each with
its basis: ``UK``, ``Bosnia``, ``China Mainland``); the bundled names,
pycountry's names and official names, and the names in every language
pycountry translates (``Deutschland``, ``中国``).

Exports decorate names, so when none of that matches, the same exact steps
are tried on rewritten forms, never fuzzily:

* ``Korea (Republic of)``, ``Moldova (Republic of)``, ``Congo (Democratic
  Republic of the)`` and ``Korea, Republic of`` read as ``Republic of Korea``...;
* a trailing qualifier in brackets goes (``Korea, Republic of (South
  Korea)``), or the bracket alone names it (``Republic of China (Taiwan)``);
* ``SAR``, ``S.A.R.``, ``mainland`` and a trailing ``, China`` go
  (``Hong Kong SAR, China``).

Only a label no form resolves is ``unknown-country``, with the closest
names as suggestions (fuzzy matching suggests, it never decides).
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from collections.abc import Iterator
from functools import cache

import pandas as pd
import pycountry
from rapidfuzz import fuzz, process

from ._paths import data_dir
from .codes import Resolution, _as_column, _fold, _resolve_unique
from .reference import ReferenceData
from .textcolumn import TextColumn

__all__ = ["country_aliases", "resolve_countries"]

_OF_TAIL = re.compile(
    r"^(?P<name>[^,(]+?)\s*[,(]\s*(?P<of>[^,()]*\bof(?: the)?)\s*\)?$"
)
_BRACKET = re.compile(r"^(?P<outer>.+?)\s*\((?P<inner>[^()]+)\)\s*$")
_QUALIFIERS = re.compile(
    r"\b(?:s\.a\.r\.|sar|special administrative region(?: of)?|mainland)\b",
    re.IGNORECASE,
)


@cache
def country_aliases() -> dict[str, str]:
    """Folded alias -> ISO3, from ``data/country_aliases.csv``.

    Examples
    --------
    >>> country_aliases()["bosnia"], country_aliases()["china mainland"]
    ('BIH', 'CHN')
    """
    path = data_dir() / "country_aliases.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {_fold(a): c for a, c in zip(table["alias"], table["iso3"], strict=True)}


@cache
def _translated_country_names() -> dict[str, str]:
    """Country names in every language pycountry ships (gettext catalogues).

    A name that means different countries in different languages is left out.
    """
    folder = getattr(pycountry, "LOCALES_DIR", None)
    if not folder or not os.path.isdir(folder):
        return {}
    found: dict[str, set[str]] = {}
    for language in sorted(os.listdir(folder)):
        try:
            catalogue = gettext.translation("iso3166-1", folder, languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for attribute in ("name", "official_name", "common_name"):
                english = getattr(country, attribute, None)
                if english:
                    local = catalogue.gettext(english)
                    for key in {_fold_any(local), _fold(local)} - {""}:
                        found.setdefault(key, set()).add(country.alpha_3)
    return {name: codes.pop() for name, codes in found.items() if len(codes) == 1}


def _fold_any(text: str) -> str:
    """Case-fold and collapse spaces, keeping non-Latin scripts."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _forms(label: str) -> Iterator[str]:
    """Rewritten forms of a decorated country name, most faithful first."""
    text = " ".join(label.split())
    match = _OF_TAIL.match(text)
    if match:  # "Korea (Republic of)", "Korea, Republic of" -> "Republic of Korea"
        yield f"{match['of']} {match['name']}"
    match = _BRACKET.match(text)
    if match:
        yield match["outer"]
        yield from _forms(match["outer"]) if match["outer"] != text else ()
        yield match["inner"]
    plain = " ".join(_QUALIFIERS.sub(" ", text).replace(" ,", ",").split()).strip(" ,")
    if plain and plain != text:
        yield plain
        yield from _forms(plain)
    head, comma, tail = text.partition(",")
    if comma and tail.strip().casefold() == "china":
        yield head
        yield from _forms(head)


class _CountryIndex:
    def __init__(self, reference: ReferenceData) -> None:
        self.known = set(reference.countries.index)
        countries = reference.countries
        has_numeric = countries["numeric"].str.strip() != ""  # Kosovo has none
        self.by_numeric = dict(
            zip(
                countries.loc[has_numeric, "numeric"].str.zfill(3),
                countries.index[has_numeric],
                strict=True,
            )
        )
        self.display = dict(zip(countries.index, countries["name"], strict=True))
        self.by_iso2 = dict(zip(countries["iso2"], countries.index, strict=True))
        self.names = {
            _fold(n): c for n, c in zip(countries["name"], countries.index, strict=True)
        }
        self.choices = list(self.names)
        self.aliases = country_aliases()

    def _exact(self, label: str) -> tuple[str, str] | None:
        """(ISO3, how) by alias or name, never fuzzily; None if no match."""
        folded = _fold(label)
        if folded in self.aliases:
            return self.aliases[folded], "alias"
        if folded in self.names:
            return self.names[folded], "exact"
        try:
            found = pycountry.countries.lookup(label.strip())
        except LookupError:
            found = None
        if found is not None and found.alpha_3 in self.known:
            return found.alpha_3, "exact"
        translated = _translated_country_names()
        for key in (_fold_any(label), folded):
            if translated.get(key) in self.known:
                return translated[key], "exact"
        return None

    def resolve(
        self, label: str
    ) -> tuple[str | None, str | None, float, tuple[str, str] | None]:
        upper = label.upper()
        if len(upper) == 3 and upper in self.known:
            return upper, "code", 100.0, None
        if len(upper) == 2 and upper in self.by_iso2:
            return self.by_iso2[upper], "code", 100.0, None
        if upper.isdigit() and upper.zfill(3) in self.by_numeric:
            return self.by_numeric[upper.zfill(3)], "code", 100.0, None
        found = self._exact(label)
        if found is not None:
            return found[0], found[1], 100.0, None
        for form in _forms(label):
            found = self._exact(form)
            if found is not None:
                return found[0], "alias", 100.0, None
        folded = _fold(label)
        matches = process.extract(folded, self.choices, scorer=fuzz.WRatio, limit=3)
        top = ", ".join(
            f"{self.display[self.names[m[0]]]} = {self.names[m[0]]} ({m[1]:.0f})"
            for m in matches
        )
        return (
            None,
            None,
            float(matches[0][1]) if matches else 0.0,
            (
                "unknown-country",
                f"expected an ISO 3166-1 code or country name; {label!r} is not one"
                + (f"; did you mean: {top}?" if top else ""),
            ),
        )


def resolve_countries(
    values: pd.Series | TextColumn, reference: ReferenceData
) -> Resolution:
    """Resolve country labels (ISO2, ISO3, numeric, names, aliases) to ISO3.

    Names are also read in every language pycountry has a translation for
    (``Deutschland``, ``Allemagne``, ``中国``), and as exports decorate them.

    Examples
    --------
    >>> from demandrisk.reference import load_reference
    >>> r = resolve_countries(pd.Series(["Viet Nam", "Türkiye", "UK", "bd", "050"]),
    ...                       load_reference())
    >>> r.codes.tolist()
    ['VNM', 'TUR', 'GBR', 'BGD', 'BGD']
    >>> resolve_countries(pd.Series(["Deutschland", "Côte d'Ivoire", "中国"]),
    ...                   load_reference()).codes.tolist()
    ['DEU', 'CIV', 'CHN']
    >>> resolve_countries(pd.Series(["Korea (Republic of)", "Hong Kong SAR, China",
    ...                              "China Mainland", "Moldova (Republic of)"]),
    ...                   load_reference()).codes.tolist()
    ['KOR', 'HKG', 'CHN', 'MDA']
    """
    return _resolve_unique(_as_column(values), _CountryIndex(reference))
