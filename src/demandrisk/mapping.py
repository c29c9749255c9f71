"""From a file's own headers and labels to demandrisk's columns.

A file's columns are never renamed or changed: :func:`prepare_input` builds the
frame demandrisk scores (our canonical column names) *beside* the original one,
and reports what it understood as a table ``[column, header, how]``:

* ``same name``: the file already uses our name;
* ``synonym``: a common header, compared case-, space- and
  punctuation-insensitively (``Vendor No.``, ``Country of Origin``);
* ``mapping``: given in the mapping (``--map columns.toml`` or a dict);
* ``derived``: ``supplier_id`` made up because the file has none;
* ``constant``: one value for every row, from the mapping's ``[constants]``.

A mapping file (``demandrisk init-map INPUT`` writes one with the guesses)::

    [columns]            # our name = the file's header ("" = do not use)
    supplier_id = "Vendor No."
    sector = "NAICS"
    sector_scheme = "naics"   # isic | naics | hs: how to read sector codes

    [values.sector]      # the file's label = ISIC Rev.4 code
    "Apparel" = "C14"

    [values.country]     # the file's label = ISO 3166-1 alpha-3
    "Holland" = "NLD"

    [values.good]        # the file's label = a good as named on the DOL list
    "FFB" = "Palm Fruit"

    [constants]          # one value for every row (a mill list without sector)
    sector = "A01"
    good = "Palm fruit"

A constant replaces any guess for that column; a column cannot be both
mapped in ``[columns]`` and constant. An unknown table or key (``[valeus]``)
is an error that names the nearest allowed one.

Sector codes are read as ISIC unless the scheme says otherwise. The scheme is
``sector_scheme`` from the mapping, else the header the sector column came
from: a header that normalises to ``naics...`` means NAICS 2017, ``hs...`` /
``hts...`` / ``tariff...`` / ``commodity code`` means HS; every other header
means ISIC (codes) or text (names).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import SECTOR_SCHEMES
from .errors import ConfigError
from .synonyms import CANONICAL_COLUMNS, SYNONYMS

__all__ = [
    "CANONICAL_COLUMNS",
    "SYNONYMS",
    "ColumnMapping",
    "guess_columns",
    "load_mapping",
    "mapping_toml",
    "normalise_header",
]

_HEADER_SCHEMES = (
    ("naics", "naics"),
    ("hts", "hs"),
    ("hs", "hs"),
    ("tariff", "hs"),
    ("commoditycode", "hs"),
)


def normalise_header(header: object) -> str:
    """Fold a header for comparison: ASCII, lower case, letters and digits only.

    ``%`` becomes ``pct`` and ``labor`` becomes ``labour``.

    Examples
    --------
    >>> normalise_header(" Vendor No. "), normalise_header("% Migrant Workers")
    ('vendorno', 'pctmigrantworkers')
    """
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    text = text.casefold().replace("%", "pct").replace("percent", "pct")
    text = text.replace("labor", "labour")
    return re.sub(r"[^a-z0-9]", "", text)


def header_scheme(header: object) -> str | None:
    """The sector scheme a header names (``naics``, ``hs``) or None.

    Examples
    --------
    >>> header_scheme("NAICS 2017"), header_scheme("HS code"), header_scheme("Sector")
    ('naics', 'hs', None)
    """
    folded = normalise_header(header)
    for prefix, scheme in _HEADER_SCHEMES:
        if folded.startswith(prefix):
            return scheme
    return None


def guess_columns(headers: list[str]) -> dict[str, tuple[str, str]]:
    """Guess which header holds each canonical column: ``ours -> (header, how)``.

    Exact names win over synonyms; within synonyms the earlier one in
    :data:`SYNONYMS` wins; a header is used for one column only, except that
    a header naming both a sector and a good (``Commodity``) feeds both.

    Examples
    --------
    >>> guess_columns(["Vendor No.", "Supplier Name", "Country of Origin", "NAICS"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'supplier_id': ('Vendor No.', 'synonym'), 'name': ('Supplier Name', 'synonym'),
     'country': ('Country of Origin', 'synonym'), 'sector': ('NAICS', 'synonym')}
    >>> guess_columns(["Mill", "Country", "Commodity"])["good"]
    ('Commodity', 'synonym, shared with sector')
    """
    found: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for ours in CANONICAL_COLUMNS:
        if ours in headers:
            found[ours] = (ours, "same name")
            used.add(ours)
    normalised: dict[str, str] = {}
    for header in headers:
        normalised.setdefault(normalise_header(header), header)
    for ours in CANONICAL_COLUMNS:
        if ours in found:
            continue
        for synonym in SYNONYMS[ours]:
            candidate = normalised.get(synonym)
            if candidate is not None and candidate not in used:
                found[ours] = (candidate, "synonym")
                used.add(candidate)
                break
    sector = found.get("sector")
    if "good" not in found and sector and sector[1] == "synonym":
        # A commodity list names the good, and the good says the sector.
        if normalise_header(sector[0]) in SYNONYMS["good"]:
            found["good"] = (sector[0], "synonym, shared with sector")
    return {c: found[c] for c in CANONICAL_COLUMNS if c in found}


_TABLES = ("columns", "values", "constants", "sector_scheme")
_VALUE_TABLES = ("sector", "country", "good")


def _unknown(kind: str, got: list[str], expected: tuple[str, ...] | list[str]) -> str:
    close = [
        f"{g!r} -> {m[0]!r}"
        for g in got
        for m in [difflib.get_close_matches(g, list(expected), n=1, cutoff=0.6)]
        if m
    ]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"mapping: expected {kind} {list(expected)}; got unknown {got}{hint}"


class ColumnMapping:
    """An explicit mapping: columns, value translations, constants, sector scheme.

    Parameters
    ----------
    columns : our name -> the file's header (``""`` = do not use a guess).
    values : ``{"sector": {label: ISIC}, "country": {label: ISO3},
        "good": {label: DOL good}}``.
    sector_scheme : ``isic``, ``naics``, ``hs`` or None (from the header).
    constants : our name -> one value for every row (``sector = "C10"`` for a
        mill list without a sector column).
    """

    def __init__(
        self,
        columns: Mapping[str, str] | None = None,
        values: Mapping[str, Mapping[str, str]] | None = None,
        sector_scheme: str | None = None,
        constants: Mapping[str, str] | None = None,
    ) -> None:
        self.columns = dict(columns or {})
        self.values = {k: dict(v) for k, v in (values or {}).items()}
        self.sector_scheme = sector_scheme
        self.constants = dict(constants or {})

    @classmethod
    def from_any(
        cls, mapping: ColumnMapping | Mapping[str, Any] | str | Path | None
    ) -> ColumnMapping:
        """Accept a ColumnMapping, a dict (nested or flat) or a TOML path."""
        if mapping is None:
            return cls()
        if isinstance(mapping, ColumnMapping):
            return mapping
        if isinstance(mapping, str | Path):
            return load_mapping(mapping)
        if not isinstance(mapping, Mapping):
            raise ConfigError(
                "The 'mapping' parameter must be a dict, a TOML path or None. "
                f"Got {type(mapping).__name__} instead."
            )
        data = dict(mapping)
        tables = [k for k, v in data.items() if isinstance(v, Mapping)]
        if not set(data) & set(_TABLES) and not tables:
            data = {"columns": data}  # flat {ours: theirs}
        unknown = sorted(set(data) - set(_TABLES))
        if unknown:
            # A typo such as [valeus.country] must not be ignored silently.
            raise ConfigError(_unknown("tables", unknown, _TABLES))
        columns = dict(data.get("columns") or {})
        scheme = columns.pop("sector_scheme", data.get("sector_scheme"))
        values = data.get("values") or {}
        raw_constants = data.get("constants") or {}
        if not isinstance(raw_constants, Mapping):
            raise ConfigError(
                f"mapping [constants]: expected a table; got {raw_constants!r}"
            )
        # A number in TOML (workers = 120) is as good as its text.
        constants = {
            k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for k, v in raw_constants.items()
        }
        for where, table in (("columns", columns), ("constants", constants)):
            wrong = sorted(set(table) - set(CANONICAL_COLUMNS))
            if wrong:
                raise ConfigError(
                    _unknown(f"our columns in [{where}]", wrong, CANONICAL_COLUMNS)
                )
        bad = sorted(set(values) - set(_VALUE_TABLES))
        if bad:
            raise ConfigError(
                _unknown("value tables [values.<column>]", bad, _VALUE_TABLES)
            )
        if scheme is not None and scheme not in SECTOR_SCHEMES:
            raise ConfigError(
                f"mapping sector_scheme: expected one of {list(SECTOR_SCHEMES)}; "
                f"got {scheme!r}"
            )
        for key, table in [
            ("columns", columns),
            ("constants", constants),
            *((f"values.{k}", v) for k, v in values.items()),
        ]:
            if not isinstance(table, Mapping):
                raise ConfigError(f"mapping [{key}]: expected a table; got {table!r}")
            wrong = [k for k, v in table.items() if not isinstance(v, str)]
            if wrong:
                raise ConfigError(
                    f"mapping [{key}]: expected text values; {wrong[:5]} are not text"
                )
        if "supplier_id" in constants:
            raise ConfigError(
                "mapping [constants]: supplier_id cannot be a constant (every row "
                "would share one id); map an id column, or leave it out to derive ids"
            )
        both = sorted(k for k in constants if columns.get(k))
        if both:
            raise ConfigError(
                f"mapping: {both} are both mapped to a header in [columns] and set "
                "in [constants]; keep one"
            )
        return cls(columns, values, scheme, constants)

    def resolve(self, headers: list[str]) -> dict[str, tuple[str, str]]:
        """Columns to use: the explicit mapping over the guesses (not constants)."""
        missing = [h for h in self.columns.values() if h and h not in headers]
        if missing:
            raise ConfigError(
                f"mapping [columns] names headers the file does not have: {missing}; "
                f"the file's headers are {headers[:20]}"
            )
        explicit = {o: (h, "mapping") for o, h in self.columns.items() if h}
        taken = {h for h, _ in explicit.values()}
        guessed = guess_columns([h for h in headers if h not in taken])
        merged = {
            o: g
            for o, g in guessed.items()
            if o not in self.columns and o not in explicit and o not in self.constants
        }
        merged.update(explicit)
        return {c: merged[c] for c in CANONICAL_COLUMNS if c in merged}

    def shared_headers(self) -> dict[str, list[str]]:
        """Headers the mapping gives to two or more of our columns."""
        by_header: dict[str, list[str]] = {}
        for ours, header in self.columns.items():
            if header:
                by_header.setdefault(header, []).append(ours)
        return {h: o for h, o in by_header.items() if len(o) > 1}

    def scheme_for(self, header: str | None) -> str | None:
        """The sector scheme: explicit, else the one the header names."""
        if self.sector_scheme is not None:
            return self.sector_scheme
        return header_scheme(header) if header is not None else None

    def translate(self, column: str, series: pd.Series) -> tuple[pd.Series, int]:
        """Apply ``[values.<column>]`` case-insensitively; return (series, cells)."""
        table = self.values.get(column)
        if not table:
            return series, 0
        folded = {str(k).strip().casefold(): v for k, v in table.items()}
        codes, uniques = pd.factorize(series.to_numpy(dtype=object))
        keys = pd.Series(uniques, dtype=object).astype(str).str.strip().str.casefold()
        target = keys.map(folded).to_numpy(dtype=object)
        hit = pd.notna(target)
        new = np.where(hit, target, np.asarray(uniques, dtype=object))
        out = np.where(codes >= 0, new[np.maximum(codes, 0)], series.to_numpy(object))
        changed = int(hit[codes[codes >= 0]].sum())
        return pd.Series(out, index=series.index, dtype=object), changed


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a mapping TOML file (see the module docstring)."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"expected a mapping TOML file; {path} is a folder")
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigError(f"Mapping file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not a valid TOML mapping: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the mapping: {error}") from None
    return ColumnMapping.from_any(data)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mapping_toml(
    headers: list[str],
    guesses: Mapping[str, tuple[str, str]],
    sector_labels: list[str] = (),  # type: ignore[assignment]
    country_labels: list[str] = (),  # type: ignore[assignment]
) -> str:
    """Text of a mapping file pre-filled with the guesses, for the user to edit.

    Examples
    --------
    >>> text = mapping_toml(["Vendor No.", "Land"], {"supplier_id": ("Vendor No.",
    ...                     "synonym")})
    >>> print(text.splitlines()[8])
    supplier_id = "Vendor No."  # synonym
    """
    lines = [
        "# demandrisk column mapping: our column = the file's header.",
        '# Edit, then run: demandrisk score INPUT --map THIS_FILE. "" = not used.',
        f"# The file's headers: {', '.join(headers)}",
        "",
        "# sector_scheme: how sector codes are read: isic, naics or hs.",
        "",
        "[columns]",
        "# required",
    ]
    scheme = None
    for ours in CANONICAL_COLUMNS:
        if ours == "name":
            lines.append("# optional")
        header, how = guesses.get(ours, ("", ""))
        note = f"  # {how}" if how else "  # not found: fill in or leave blank"
        lines.append(f"{ours} = {_toml_string(header)}{note}")
        if ours == "sector" and header:
            scheme = header_scheme(header)
    lines.append(f"sector_scheme = {_toml_string(scheme or 'isic')}")
    for table, labels, hint in (
        ("sector", sector_labels, "ISIC Rev.4 code, e.g. C14"),
        ("country", country_labels, "ISO 3166-1 alpha-3, e.g. BGD"),
    ):
        lines += ["", f"[values.{table}]", f"# the file's label = {hint}"]
        lines += [f'# {_toml_string(label)} = ""' for label in labels[:50]]
    return "\n".join(lines) + "\n"
