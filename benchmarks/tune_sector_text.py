"""How the free-text thresholds of ``demandrisk.sector_labels`` were chosen.

Terms of the bundled vocabulary in hash bucket 1 of 20 (NAICS index terms and
HS descriptions of one division, never bucket 0: that is the benchmark's
held-out set, already outside the vocabulary) are taken out of a second index;
each is then matched against that index, and the accuracy and coverage of
every threshold pair are printed. Nothing is written.

    python benchmarks/tune_sector_text.py
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from demandrisk._paths import data_dir
from demandrisk.sector_text import TextIndex, normalise_term


def bucket(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 20


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else data_dir()
    vocabulary = pd.read_csv(folder / "sector_vocabulary.csv", dtype=str)
    aliases = pd.read_csv(folder / "sector_aliases.csv", dtype=str)
    norm = vocabulary["term"].map(normalise_term)
    titles = set(norm[vocabulary["scheme"].isin(["isic", "naics-title"])])
    dev_norm = norm[
        vocabulary["scheme"].isin(["naics-index", "hs"])
        & ~norm.isin(titles)
        & (norm.map(bucket) == 1)
    ]
    dev_rows = norm.isin(set(dev_norm))
    dev = vocabulary[dev_rows].assign(norm=norm[dev_rows])
    dev = dev[~dev["norm"].duplicated(keep=False) & (dev["weight"] == "1")]
    kept = vocabulary[~dev_rows]
    index = TextIndex(
        terms=kept["term"].tolist() + aliases["alias"].tolist(),
        targets=kept["isic_code"].tolist() + aliases["isic_code"].tolist(),
        weights=kept["weight"].astype(float).tolist() + [1.0] * len(aliases),
        schemes=kept["scheme"].tolist() + ["alias"] * len(aliases),
    )
    found = index.match(dev["term"].tolist(), top=5)
    label = dev["isic_code"].to_numpy()
    best, votes, sim = found.codes[:, 0], found.votes[:, 0], found.similarity[:, 0]
    print(
        f"{len(dev)} dev terms; argmax division accuracy {np.mean(best == label):.3f}"
    )
    print("text_accept vote_accept  coverage  accuracy  precision")
    for accept, vote in itertools.product(
        (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5), (0.3, 0.4, 0.5, 0.6, 0.7)
    ):
        taken = (sim >= accept) & (votes >= vote)
        right = taken & (best == label)
        print(
            f"{accept:11.2f} {vote:11.2f} {taken.mean():9.3f} {right.mean():9.3f} "
            f"{right.sum() / max(taken.sum(), 1):10.3f}"
        )


if __name__ == "__main__":
    main()
