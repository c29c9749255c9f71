"""A text column held as its distinct values plus a row index.

Supplier files repeat the same few hundred sectors, countries and codes over
millions of rows. Holding a column as ``texts[index]`` lets every check,
parse and look-up run once per distinct value; rows are touched only by
integer ``take``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TextColumn"]


@dataclass(frozen=True)
class TextColumn:
    """Distinct stripped texts and, per row, the position of its text.

    Missing cells (NaN/None) become the empty string.

    Examples
    --------
    >>> column = TextColumn.from_series(pd.Series([" a", "b", None, "a"]))
    >>> column.texts.tolist(), column.index.tolist()
    (['a', 'b', ''], [0, 1, 2, 0])
    >>> column.rows().tolist()
    ['a', 'b', '', 'a']
    """

    index: np.ndarray
    texts: np.ndarray

    @classmethod
    def from_series(cls, column: pd.Series) -> TextColumn:
        """Factorise a column once, strip each distinct value once."""
        # Factorise the column as it is (Arrow-backed strings factorise in C);
        # converting a million strings to Python objects first costs seconds.
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        codes = np.asarray(codes)
        raw = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        stripped = raw.astype(str).str.strip().to_numpy(dtype=object)
        stripped = np.append(stripped, "")  # slot for missing cells
        codes = np.where(codes < 0, len(uniques), codes)
        # "a" and " a" strip to the same text: give them one position.
        canonical, distinct = pd.factorize(stripped)
        return cls(
            index=canonical[codes].astype(np.int64),
            texts=np.asarray(distinct, dtype=object),
        )

    def __len__(self) -> int:
        return len(self.index)

    def rows(self) -> np.ndarray:
        """Return the stripped text of every row."""
        return self.texts[self.index]

    def per_row(self, per_text: np.ndarray) -> np.ndarray:
        """Spread an array aligned with ``texts`` onto the rows."""
        return np.asarray(per_text)[self.index]

    def folded(self) -> np.ndarray:
        """Return the case-folded distinct texts (aligned with ``texts``)."""
        return pd.Series(self.texts, dtype=object).str.casefold().to_numpy(dtype=object)
