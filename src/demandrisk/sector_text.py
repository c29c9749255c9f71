"""Rank ISIC Rev.4 sectors for a free-text sector description, by meaning.

The index holds the public vocabularies of ``data/sector_vocabulary.csv``
(ISIC titles, NAICS 2017 titles and index terms, HS descriptions, each with
the ISIC division or section it belongs to and a weight from its concordance
links) plus the curated ``sector_aliases.csv``. Each text becomes a TF-IDF
vector of its words and word pairs (40 % of the similarity) and of its
character 4-grams (60 %): words carry the meaning, character grams absorb
plurals, typing errors and spelling variants ("smelter" and "smelting").

The sectors are ranked by the **votes of the 10 nearest terms** (each votes
``similarity**2`` for its sector), not by the single nearest one: a short
term that shares one word with the text ("palm oil plantation" for "palm oil
mill") loses to the several palm-oil milling terms of another sector. The
similarity of a sector's nearest term says how close the text came.

A term that names another activity than the text ("Cocoa beans merchant
wholesalers" for "cocoa beans", "Security guard training" for "security
guards") counts 0.7 of its similarity: a supplier list names what its
suppliers do, and a product named alone is made, not traded, repaired,
rented, taught or built.

scikit-learn is imported, and the vectorisers fitted, on first use only (about
2 s with the bundled vocabulary on the 2-core development machine; see
``benchmarks/results/sector_accuracy.md``): ``import demandrisk`` stays fast,
and files whose sectors are codes, titles or aliases never pay for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["TextIndex", "TextMatches", "normalise_term", "text_index"]

# Share of the similarity carried by words and by character 4-grams.
_SHARES = (0.4, 0.6)
OTHER_ACTIVITY = 0.7  # factor for a term naming an activity the text does not
NEIGHBOURS = 10  # nearest terms that vote
CHUNK = 256  # texts per matrix product: 40k terms x 256 float32 = 40 MB

# British spellings folded to the American ones of NAICS (both sides).
_SPELLING = {
    "aluminium": "aluminum",
    "labour": "labor",
    "centre": "center",
    "centres": "centers",
    "fibre": "fiber",
    "fibres": "fibers",
    "jewellery": "jewelry",
    "tyre": "tire",
    "tyres": "tires",
    "colour": "color",
    "mould": "mold",
    "moulds": "molds",
    "sulphur": "sulfur",
    "programme": "program",
    "organisation": "organization",
    "organisations": "organizations",
}
# Words that say nothing about an activity. Not scikit-learn's English list:
# it drops "mill", "mine", "call", "fire" and "system" (and "it", as in IT).
_STOP = frozenset(
    "a an and are as at be by for from in into is its of on or the their to "
    "with whether not other others eg ie etc nec nes".split()
)
# Activities other than making the thing named. Words of one group are
# interchangeable ("store" and "shops").
_ACTIVITIES = {
    "trade": "wholesale wholesalers wholesaling merchant merchants store stores "
    "shop shops retail retailers retailing dealer dealers",
    "teach": "training instruction school schools",
    "rent": "rental renting leasing",
    "repair": "repair repairing",
    "build": "installation installing construction",
}
_ACTIVITY_BIT = {
    word: 1 << bit
    for bit, words in enumerate(_ACTIVITIES.values())
    for word in words.split()
}
# "(except soybean)", ", other than photosensitive ...": the words after these
# name what a term is *not* about; "made from cocoa beans", "from purchased
# fabric" name its inputs. Either would match the wrong supplier, so they go.
_NEGATION = re.compile(
    r"\((?:except|excluding|other than)[^)]*\)"
    r"|\b(?:except|excluding|other than|made from|from purchased)\b[^,;()]*"
)
# "n.e.c." (not elsewhere classified), "e.g.", "i.e.": no meaning of their own.
_ABBREVIATIONS = re.compile(r"\b(?:n\.e\.[cs]|e\.g|i\.e)\.?")


def normalise_term(text: str) -> str:
    """Fold a sector description to the words the index compares.

    Accents and case are folded, negated clauses ("(except ...)", "other
    than ...") removed, punctuation turned into spaces and British spellings
    made American.

    Examples
    --------
    >>> normalise_term("Oilseed (except Soybean) Farming")
    'oilseed farming'
    >>> normalise_term("Aluminium smelter, n.e.c. (e.g., primary)")
    'aluminum smelter primary'
    >>> normalise_term("Diodes, other than photosensitive; Crystals")
    'diodes crystals'
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = _NEGATION.sub(" ", folded.casefold())
    folded = _ABBREVIATIONS.sub(" ", folded)
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    return " ".join(_SPELLING.get(w, w) for w in words if w not in {"nec", "nes"})


def _stem(word: str) -> str:
    """A crude English stem: "farming", "farms" -> "farm"; "mine", "mining" -> "min".

    Consistency matters, not linguistics: the same stem on both sides.

    >>> [_stem(w) for w in ["farming", "farms", "mine", "mining", "cutting"]]
    ['farm', 'farm', 'min', 'min', 'cut']
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for suffix in ("ing", "er", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "cutting" -> "cutt" -> "cut"
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _word_tokens(text: str) -> list[str]:
    """Words, their stems where they differ, and pairs of adjacent words.

    Both forms are kept: "clothing" matches "clothing" better than "cloth".
    """
    words = [w for w in text.split() if w not in _STOP]
    stems = [s for s in map(_stem, words) if s not in words]
    return words + stems + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _activities(texts: list[str]) -> np.ndarray:
    """Bit mask of the other-activity groups each normalised text names."""
    masks = np.zeros(len(texts), dtype=np.int64)
    for position, text in enumerate(texts):
        for word in text.split():
            masks[position] |= _ACTIVITY_BIT.get(word, 0)
    return masks


def _vectorise(vectorisers: tuple[Any, Any], texts: list[str], fit: bool) -> Any:
    """Words and character grams side by side, float32, unit length per text.

    Character grams skip the stop words: " and" and " of " would otherwise
    make every title similar to every other.
    """
    stripped = [" ".join(w for w in t.split() if w not in _STOP) for t in texts]
    parts = []
    for share, vectoriser, inputs in zip(
        _SHARES, vectorisers, (texts, stripped), strict=True
    ):
        matrix = (
            vectoriser.fit_transform(inputs) if fit else vectoriser.transform(inputs)
        )
        # A float32 factor: a float64 one would turn the matrix into float64.
        parts.append(matrix * np.float32(np.sqrt(share)))
    return sp.hstack(parts, format="csr", dtype=np.float32)


def _largest(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values, largest first, ties by position."""
    if len(values) > k:
        floor = np.partition(values, len(values) - k)[len(values) - k]
        candidates = np.flatnonzero(values >= floor)
    else:
        candidates = np.arange(len(values))
    ranked = candidates[np.argsort(-values[candidates], kind="stable")]
    return ranked[:k]


@dataclass(frozen=True)
class TextMatches:
    """The best sectors for a batch of texts, ``k`` per text, best first.

    Attributes
    ----------
    codes : ``(n, k)`` ISIC section letters or divisions (``None`` past the
        sectors that received a vote).
    votes : ``(n, k)`` share of the nearest terms' votes (sums to at most 1).
    similarity : ``(n, k)`` similarity (0-1) of the sector's nearest term.
    evidence : ``(n, k)`` that term, as published.
    """

    codes: np.ndarray
    votes: np.ndarray
    similarity: np.ndarray
    evidence: np.ndarray


@dataclass
class TextIndex:
    """Vocabulary terms, their target sectors and weights; fitted on first use.

    Parameters
    ----------
    terms : the terms as published (shown as evidence).
    targets : ISIC Rev.4 section letter or division (``C24``) per term.
    weights : 0-1 per term: how strongly the term speaks for its target.
    schemes : where each term comes from (``isic``, ``naics-title``,
        ``naics-index``, ``hs``, ``alias``).

    Examples
    --------
    >>> index = TextIndex(["Primary smelting of aluminum", "Fishing", "Cocoa beans"],
    ...                   ["C24", "A03", "A01"], [1.0, 1.0, 1.0],
    ...                   ["naics-index", "isic", "hs"])
    >>> found = index.match(["aluminium smelter"], top=2)
    >>> found.codes[0].tolist(), found.evidence[0, 0]
    (['C24', None], 'Primary smelting of aluminum')
    """

    terms: list[str]
    targets: list[str]
    weights: list[float]
    schemes: list[str]
    _fitted: dict[str, Any] = field(default_factory=dict, repr=False)

    def _fit(self) -> dict[str, Any]:
        if self._fitted:
            return self._fitted
        # First use: scikit-learn costs ~1 s to import, so not at import time.
        from sklearn.feature_extraction.text import TfidfVectorizer

        normalised = [normalise_term(t) for t in self.terms]
        # Fitted on distinct texts: a term of several sectors is one text.
        texts, text_of_row = np.unique(
            np.asarray(normalised, dtype=object), return_inverse=True
        )
        vectorisers = (
            TfidfVectorizer(analyzer=_word_tokens, sublinear_tf=True, dtype=np.float32),
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(4, 4),
                sublinear_tf=True,
                dtype=np.float32,
            ),
        )
        matrix = _vectorise(vectorisers, list(texts), fit=True)
        codes, names = pd.factorize(pd.Series(self.targets, dtype=object))
        order = np.argsort(codes, kind="stable")  # rows grouped by target
        weights = np.asarray(self.weights, dtype=np.float32)[order]
        rows = sp.diags(weights).astype(np.float32) @ matrix[text_of_row[order]]
        activities = _activities(normalised)[order]
        self._fitted.update(
            vectorisers=vectorisers,
            rows=sp.csc_matrix(rows, dtype=np.float32),
            activities=activities,
            other=np.flatnonzero(activities != 0),
            names=np.asarray(names, dtype=object),
            target_of_row=codes[order],
            starts=np.searchsorted(codes[order], np.arange(len(names))),
            schemes=np.asarray(self.schemes, dtype=object)[order],
            terms=np.asarray(self.terms, dtype=object)[order],
        )
        return self._fitted

    def _similar(self, batch: list[str], skip: frozenset[str]) -> np.ndarray:
        """Similarity of every term (rows, by target) to each text (columns)."""
        fit = self._fit()
        texts = [normalise_term(t) for t in batch]
        query = _vectorise(fit["vectorisers"], texts, fit=False)
        # Only the features the batch uses: a dense (features x texts) block.
        used = np.unique(query.indices)
        block = query[:, used].T.toarray()
        similar = np.asarray(fit["rows"][:, used] @ block)
        masks = _activities(texts)
        for mask in np.unique(masks):
            columns = np.flatnonzero(masks == mask)
            rows = (
                fit["other"] if mask == 0 else np.flatnonzero(fit["activities"] != mask)
            )
            similar[np.ix_(rows, columns)] *= OTHER_ACTIVITY
        if skip:
            similar[np.isin(fit["schemes"], list(skip))] = 0.0
        return similar

    def match(
        self, texts: list[str], top: int = 5, skip: frozenset[str] = frozenset()
    ) -> TextMatches:
        """Rank the sectors of each text by the votes of its nearest terms.

        ``skip`` leaves out the terms of some schemes (a code's own
        concordance terms, when its title is compared with the others).
        """
        fit = self._fit()
        starts, n = fit["starts"], len(texts)
        ends = np.append(starts[1:], len(fit["terms"]))
        segments = [np.arange(lo, hi) for lo, hi in zip(starts, ends, strict=True)]
        codes = np.full((n, top), None, dtype=object)
        votes = np.zeros((n, top))
        similarity = np.zeros((n, top))
        evidence = np.full((n, top), None, dtype=object)
        for first in range(0, n, CHUNK):
            similar = self._similar(texts[first : first + CHUNK], skip)
            best = np.maximum.reduceat(similar, starts, axis=0)  # targets x texts
            picks = np.argsort(-best, axis=0, kind="stable")[:NEIGHBOURS].T
            for j, near in enumerate(picks):
                # The nearest terms all lie in the sectors with the highest
                # maxima: look in those sectors only.
                rows = np.concatenate([segments[t] for t in near])
                values = similar[rows, j]
                keep = _largest(values, NEIGHBOURS)
                tally = np.bincount(
                    fit["target_of_row"][rows[keep]],
                    weights=values[keep].astype(np.float64) ** 2,
                    minlength=len(starts),
                )
                ranked = np.argsort(-tally, kind="stable")[:top]
                ranked = ranked[tally[ranked] > 0]
                i, total = first + j, tally.sum()
                for k, target in enumerate(ranked):
                    segment = segments[target]
                    codes[i, k] = fit["names"][target]
                    votes[i, k] = tally[target] / total
                    similarity[i, k] = best[target, j]
                    nearest = segment[int(np.argmax(similar[segment, j]))]
                    evidence[i, k] = fit["terms"][nearest]
        return TextMatches(codes, votes, similarity, evidence)


def _read(folder: Path, name: str, fallback: Path) -> pd.DataFrame:
    path = folder / name if (folder / name).is_file() else fallback / name
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@cache
def text_index(folder: str, fallback: str) -> TextIndex:
    """The index over the vocabulary and aliases of a data folder (cached).

    A folder without ``sector_vocabulary.csv`` (a custom reference folder
    holding only the scoring tables) uses the bundled one in ``fallback``.
    """
    vocabulary = _read(Path(folder), "sector_vocabulary.csv", Path(fallback))
    aliases = _read(Path(folder), "sector_aliases.csv", Path(fallback))
    # An alias naming several candidate sectors shares its weight among them.
    per_alias = aliases.groupby(aliases["alias"].str.casefold())["alias"]
    alias_weight = 1.0 / per_alias.transform("size")
    return TextIndex(
        terms=vocabulary["term"].tolist() + aliases["alias"].tolist(),
        targets=vocabulary["isic_code"].tolist() + aliases["isic_code"].tolist(),
        weights=vocabulary["weight"].astype(float).tolist() + alias_weight.tolist(),
        schemes=vocabulary["scheme"].tolist() + ["alias"] * len(aliases),
    )
