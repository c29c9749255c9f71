"""Company names folded to the part that identifies the company.

``"Công ty TNHH May Mặc Sao Vàng"``, ``"SAO VANG GARMENT CO., LTD."`` and
``"ООО «Сао Ванг»"`` differ in accents, script, case, punctuation and legal
form, none of which says which company it is. :func:`normalise_name` removes
those differences, in this order:

1. Cyrillic is transliterated (BGN/PCGN-style, ``ж`` -> ``zh``) and a few
   Latin letters that Unicode does not decompose are spelled out (``đ`` ->
   ``d``, ``ø`` -> ``o``, ``ł`` -> ``l``), so both spellings of a name meet.
2. Case is folded, accents are stripped (NFKD, combining marks removed),
   ``&`` becomes ``and``, and punctuation becomes a space.
3. Legal forms from the bundled table ``data/legal_forms.csv`` (each row says
   where the form is used and what it means) are removed from the start or
   the end of the name, repeatedly (``PT X Tbk``, ``X Co., Ltd.``), but never
   the last word: a company called "Limited" keeps its name.

CJK legal forms (``有限公司``) are removed as a string suffix, because CJK
names carry no spaces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import pandas as pd

from ._paths import data_dir
from .errors import ReferenceDataError

__all__ = ["legal_forms", "normalise_name"]

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґў",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu "
        "ya i ye yi g w".split(),
        strict=True,
    )
)
_CYRILLIC = {k: ("" if v == "-" else v) for k, v in _CYRILLIC.items()}
# Letters NFKD leaves whole; casefold already turns ß into ss.
_SPELLED = {"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
_SPELLED |= {"ð": "d", "ħ": "h"}
_TRANSLATE = str.maketrans(_CYRILLIC | _SPELLED)
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold().translate(_TRANSLATE)
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    text = _PUNCTUATION.sub(" ", text.replace("&", " and "))
    return " ".join(text.split())


@cache
def legal_forms() -> pd.DataFrame:
    """The bundled table of legal forms: ``form, position, where, meaning``.

    ``position`` is ``prefix``, ``suffix`` or ``any`` (either end).

    Examples
    --------
    >>> forms = legal_forms()
    >>> forms.loc[forms["form"] == "Sdn. Bhd.", "meaning"].item()
    'sendirian berhad (private limited company)'
    """
    path = data_dir() / "legal_forms.csv"
    try:
        forms = pd.read_csv(path, dtype=str, keep_default_na=False)
    except OSError as error:
        raise ReferenceDataError(f"Cannot read {path}: {error}") from None
    bad = ~forms["position"].isin(["prefix", "suffix", "any"])
    if bad.any():
        raise ReferenceDataError(
            f"{path}: position must be prefix, suffix or any; got "
            f"{forms.loc[bad, 'position'].tolist()}"
        )
    return forms


@cache
def _forms() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[str]]:
    """(suffix token forms, prefix token forms, CJK string forms), longest first."""
    suffixes: set[tuple[str, ...]] = set()
    prefixes: set[tuple[str, ...]] = set()
    cjk: set[str] = set()
    for form, position in legal_forms()[["form", "position"]].itertuples(index=False):
        if _CJK.search(form):
            cjk.add(form)
            continue
        # "S.A." is written "S.A.", "S. A." and "SA": fold both spellings.
        for spelling in {_fold(form), _fold(form.replace(".", ""))}:
            tokens = tuple(spelling.split())
            if position in ("suffix", "any"):
                suffixes.add(tokens)
            if position in ("prefix", "any"):
                prefixes.add(tokens)

    def longest_first(forms: set) -> list:
        return sorted(forms, key=lambda f: (-len(f), f))

    return longest_first(suffixes), longest_first(prefixes), longest_first(cjk)


def _strip_cjk(text: str, forms: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for form in forms:
            if text.endswith(form) and len(text) > len(form):
                text, changed = text[: -len(form)].strip(), True
            elif text.startswith(form) and len(text) > len(form):
                text, changed = text[len(form) :].strip(), True
    return text


# Bounded: a run screens a few hundred thousand distinct names at most.
@lru_cache(maxsize=1 << 18)
def normalise_name(name: str) -> str:
    """Fold a company name and remove its legal form (see the module docstring).

    Parameters
    ----------
    name : str

    Returns
    -------
    str
        Lower-case words separated by single spaces; ``""`` for a blank name.

    Examples
    --------
    >>> normalise_name("SAO VÀNG Garment Co., Ltd.")
    'sao vang garment'
    >>> normalise_name("Công ty TNHH May Mặc Sao Vàng")
    'may mac sao vang'
    >>> normalise_name("ООО «Северная Звезда»")
    'severnaya zvezda'
    >>> normalise_name("PT Kain Sejahtera Tbk"), normalise_name("Limited")
    ('kain sejahtera', 'limited')
    >>> normalise_name("Grupo Textil Azteca, S.A. de C.V.")
    'grupo textil azteca'
    >>> normalise_name("江苏某某纺织有限公司")
    '江苏某某纺织'
    """
    suffixes, prefixes, cjk = _forms()
    text = _fold(name)
    if cjk and _CJK.search(text):
        text = _strip_cjk(text, cjk)
    tokens = text.split()
    changed = True
    while changed:
        changed = False
        for form in suffixes:
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                tokens, changed = tokens[:-n], True
                break
        for form in prefixes:
            n = len(form)
            if len(tokens) > n and tuple(tokens[:n]) == form:
                tokens, changed = tokens[n:], True
                break
    return " ".join(tokens)
