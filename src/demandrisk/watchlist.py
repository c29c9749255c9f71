"""Read an entity list the user downloaded, in the format it came in.

Two formats are understood, detected from the header:

``opensanctions``
    OpenSanctions ``targets.simple.csv``: ``id, schema, name, aliases,
    birth_date, countries, addresses, identifiers, sanctions, phones, emails,
    dataset, first_seen, last_seen, last_change``. Multi-valued cells are
    separated by ``;``; countries are lower-case ISO 3166-1 alpha-2 codes.
``cbp-wro``
    US CBP "Withhold Release Orders and Findings": ``Country, Entity,
    Merchandise/Industry, Status, Effective Date, Date Modified/Notes``.
    Header spelling and case vary between downloads, so headers are compared
    case- and punctuation-blind, with a few synonyms.

Both become one frame, :data:`ENTRY_COLUMNS`. Nothing is dropped silently:
a row that cannot be screened (no name) is left out of ``entries`` and listed
in ``issues`` with the reason, and every other problem (an unknown country, a
date that does not parse, an unknown CBP status) is an issue on a row that
stays in.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import resolve_countries
from .errors import InputDataError
from .readers import read_table
from .reference import ReferenceData, load_reference
from .schema import ISSUE_COLUMNS, merge_issues

__all__ = ["ENTRY_COLUMNS", "FORMATS", "Watchlist", "read_watchlist"]

ENTRY_COLUMNS = [
    "list",
    "entry_id",
    "name",
    "aliases",
    "countries",
    "identifiers",
    "date",
    "status",
    "active",
    "schema",
    "note",
    "row",
]
FORMATS = ("opensanctions", "cbp-wro")

_OS_REQUIRED = ("id", "schema", "name", "aliases", "countries", "identifiers")
# Our field -> header spellings seen in CBP downloads (compared after _key()).
_CBP_HEADERS: dict[str, tuple[str, ...]] = {
    "country": ("country", "countries", "countryoforigin"),
    "entity": ("entity", "entities", "entityname", "company", "manufacturer"),
    "merchandise": (
        "merchandiseindustry",
        "merchandise",
        "industry",
        "product",
        "products",
        "merchandiseproduct",
    ),
    "status": ("status", "wrostatus"),
    "date": ("effectivedate", "dateeffective", "date", "dateissued", "issuedate"),
    "notes": ("datemodifiednotes", "notes", "datemodified", "modifiednotes"),
}
_CBP_REQUIRED = ("country", "entity", "status")
# CBP status -> (still in force?, what we say about it). "Modified" orders stay
# in force for what the modification did not release, so they are screened.
_CBP_STATUS: dict[str, tuple[bool, str]] = {
    "active": (True, ""),
    "finding": (True, "a finding: goods are subject to seizure"),
    "modified": (True, "modified: in force except what the modification released"),
    "partially revoked": (True, "partially revoked: in force for the rest"),
    "revoked": (False, "revoked: not in force; kept for the record"),
    "inactive": (False, "inactive: not in force; kept for the record"),
}
# "X (a.k.a. Y)", "X (formerly Y)", "X, also known as Y": Y is an alias.
_AKA = re.compile(
    r"\s*[,(]?\s*\b(?:a\.?k\.?a\.?|also known as|formerly(?: known as)?|f\.?k\.?a\.?)"
    r"\s*:?\s*([^()]+?)\s*\)?\s*(?=$|[,;(])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Watchlist:
    """An entity list, normalised, with every problem found while reading it.

    Attributes
    ----------
    entries : DataFrame
        One row per screenable entry, columns :data:`ENTRY_COLUMNS`;
        ``aliases``, ``countries`` (ISO3) and ``identifiers`` hold tuples.
    issues : DataFrame
        ``[row, column, code, value, message]``; ``row`` is the line in the file.
    format : str
        One of :data:`FORMATS`.
    origin : str
        Where the list was read from.
    rows : int
        Data rows read; ``rows == len(entries) + `` rows with code ``no-name``.
    """

    entries: pd.DataFrame
    issues: pd.DataFrame
    format: str
    origin: str
    rows: int


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).casefold())


def _split(cells: pd.Series) -> pd.Series:
    """``"a; b;;c"`` -> ``("a", "b", "c")``, order kept, duplicates removed."""
    return cells.map(
        lambda cell: tuple(
            dict.fromkeys(p.strip() for p in str(cell).split(";") if p.strip())
        )
    )


def _issue(row: int, column: str, code: str, value: str, message: str) -> dict:
    return {
        "row": row,
        "column": column,
        "code": code,
        "value": value,
        "message": message,
    }


def _parse_dates(
    cells: pd.Series, rows: np.ndarray, column: str
) -> tuple[pd.Series, list[dict]]:
    """ISO dates (``2021-09-30``, ``2021-09-30T12:00:00``) or US ``9/30/2021``."""
    text = cells.astype(str).str.strip()
    iso = pd.to_datetime(text.str[:10], format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    us_short = pd.to_datetime(text, format="%m/%d/%y", errors="coerce")
    parsed = iso.fillna(us).fillna(us_short)
    bad = (text != "") & parsed.isna()
    issues = [
        _issue(
            int(rows[i]),
            column,
            "bad-date",
            text.iloc[i],
            f"expected a date like 2021-09-30 or 9/30/2021; got {text.iloc[i]!r}; "
            "the entry is kept without a date",
        )
        for i in np.flatnonzero(bad.to_numpy())
    ]
    return parsed.dt.strftime("%Y-%m-%d").fillna(""), issues


def _resolve_countries(
    labels: pd.Series,
    rows: np.ndarray,
    column: str,
    reference: ReferenceData,
) -> tuple[pd.Series, list[dict]]:
    """Tuples of labels -> tuples of ISO3 codes; unknown labels become issues."""
    flat = labels.explode().dropna()
    if flat.empty:
        return labels.map(lambda _: ()), []
    distinct = pd.Series(flat.unique())
    codes = dict(
        zip(distinct, resolve_countries(distinct, reference).codes, strict=True)
    )
    issues = [
        _issue(
            int(rows[position]),
            column,
            "unknown-country",
            label,
            f"expected an ISO 3166-1 code or a country name; got {label!r}; the "
            "entry is kept and matched without this country",
        )
        for position, label in zip(flat.index, flat, strict=True)
        if codes[label] is None
    ]
    resolved = labels.map(
        lambda ls: tuple(dict.fromkeys(codes[x] for x in ls if codes[x] is not None))
    )
    return resolved, issues


def _detect(columns: list[str], origin: str) -> tuple[str, dict[str, str]]:
    keys = {_key(c): c for c in columns}
    if set(_OS_REQUIRED) <= set(keys):
        return "opensanctions", {k: keys[k] for k in keys}
    found = {
        field: next((keys[s] for s in spellings if s in keys), None)
        for field, spellings in _CBP_HEADERS.items()
    }
    if all(found[f] for f in _CBP_REQUIRED):
        return "cbp-wro", {f: c for f, c in found.items() if c}
    shown = ", ".join(repr(c) for c in columns[:12])
    more = f" and {len(columns) - 12} more" if len(columns) > 12 else ""
    raise InputDataError(
        f"{origin}: not a list format demandrisk reads. Expected the header of "
        f"OpenSanctions targets.simple.csv (columns {', '.join(_OS_REQUIRED)}, ...) "
        "or of the CBP Withhold Release Orders and Findings CSV (columns Country, "
        f"Entity, Status, Effective Date, ...); got columns {shown}{more}."
    )


def _opensanctions(
    frame: pd.DataFrame, cols: dict[str, str], rows: np.ndarray
) -> tuple[dict[str, Any], list[dict]]:
    def col(name: str) -> pd.Series:
        return frame[cols[name]] if name in cols else pd.Series([""] * len(frame))

    # Keys are headers folded by _key(): "first_seen" is "firstseen".
    dates, issues = _parse_dates(col("firstseen"), rows, cols.get("firstseen", ""))
    return {
        "entry_id": col("id").astype(str).str.strip(),
        "name": col("name").astype(str).str.strip(),
        "aliases": _split(col("aliases")),
        "countries": _split(col("countries")),
        "identifiers": _split(col("identifiers")),
        "date": dates,
        "status": "listed",
        "active": True,
        "schema": col("schema").astype(str).str.strip(),
        "note": col("dataset").astype(str).str.strip(),
    }, issues


def _cbp_aliases(entity: pd.Series) -> tuple[pd.Series, pd.Series]:
    names = entity.map(lambda text: _AKA.sub("", text).strip(" ,;"))
    aliases = entity.map(lambda text: tuple(m.strip() for m in _AKA.findall(text)))
    return names, aliases


def _cbp(
    frame: pd.DataFrame, cols: dict[str, str], rows: np.ndarray
) -> tuple[dict[str, Any], list[dict]]:
    def col(name: str) -> pd.Series:
        if name in cols:
            return frame[cols[name]].astype(str).str.strip()
        return pd.Series([""] * len(frame))

    issues: list[dict] = []
    dates, date_issues = _parse_dates(col("date"), rows, cols.get("date", ""))
    issues += date_issues
    status = col("status").str.casefold().str.replace(r"\s+", " ", regex=True)
    known = status.map(_CBP_STATUS)
    for i in np.flatnonzero(known.isna().to_numpy()):
        issues.append(
            _issue(
                int(rows[i]),
                cols["status"],
                "unknown-status",
                col("status").iloc[i],
                "expected one of "
                + ", ".join(s.title() for s in _CBP_STATUS)
                + f"; got {col('status').iloc[i]!r}; treated as active so the "
                "entry is still screened",
            )
        )
    active = known.map(lambda k: True if pd.isna(k) else k[0]).astype(bool)
    said = known.map(lambda k: "" if pd.isna(k) else k[1])
    names, aliases = _cbp_aliases(col("entity"))
    # CBP publishes no ids; derive one from what identifies the order, so the
    # same order keeps its id (and its review decision) in next quarter's file.
    basis = col("country") + "|" + names.str.casefold() + "|" + dates
    entry_id = "wro-" + basis.map(lambda b: hashlib.sha1(b.encode()).hexdigest()[:10])
    note = (said + "; " + col("merchandise") + "; " + col("notes")).str.strip("; ")
    return {
        "entry_id": entry_id,
        "name": names,
        "aliases": aliases,
        "countries": col("country").map(lambda c: (c,) if c else ()),
        "identifiers": pd.Series([()] * len(frame)),
        "date": dates,
        "status": status.replace("", "unknown"),
        "active": active,
        "schema": "",
        "note": note.str.replace(r"(; )+", "; ", regex=True),
    }, issues


def _deduplicate(
    ids: pd.Series, rows: np.ndarray, column: str
) -> tuple[pd.Series, list[dict]]:
    """Suffix repeated ids (``-2``, ``-3``) and say so; return ids and issues."""
    repeat = ids.groupby(ids).cumcount()
    again = repeat.to_numpy() > 0
    unique = ids.where(~again, ids + "-" + (repeat + 1).astype(str))
    issues = [
        _issue(
            int(rows[i]),
            column,
            "duplicate-id",
            ids.iloc[i],
            f"entry id {ids.iloc[i]!r} appears before in the file; this row "
            f"is kept as {unique.iloc[i]!r}",
        )
        for i in np.flatnonzero(again)
    ]
    return unique, issues


def read_watchlist(
    source: str | Path,
    *,
    list_name: str | None = None,
    encoding: str | None = None,
    reference: ReferenceData | None = None,
) -> Watchlist:
    """Read an OpenSanctions or CBP list file into one normalised frame.

    Parameters
    ----------
    source : path
        A CSV (or Excel) file as downloaded.
    list_name : str, optional
        The ``list`` value of every entry; defaults to the format name
        (``opensanctions``, ``cbp-wro``). Review decisions are keyed on it, so
        keep it the same from one quarter to the next.
    encoding : str, optional
        Force a text encoding; detected when None.
    reference : ReferenceData, optional
        Used to resolve country names and codes to ISO3.

    Returns
    -------
    Watchlist

    Raises
    ------
    InputDataError
        If the file is missing, or its header is neither format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wro.csv"
    >>> _ = path.write_text(
    ...     "Country,Entity,Merchandise/Industry,Status,Effective Date\\n"
    ...     "Malaysia,Example Gloves Sdn Bhd,Gloves,Revoked,9/30/2021\\n"
    ...     "Narnia,Example Fishing Co,Tuna,Active,2022-01-05\\n"
    ... )
    >>> wl = read_watchlist(path)
    >>> wl.format, wl.rows
    ('cbp-wro', 2)
    >>> wl.entries[["name", "countries", "date", "status", "active"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['Example Gloves Sdn Bhd', ('MYS',), '2021-09-30', 'revoked', False],
     ['Example Fishing Co', (), '2022-01-05', 'active', True]]
    >>> wl.issues[["row", "column", "code", "value"]].values.tolist()
    [[3, 'Country', 'unknown-country', 'Narnia']]
    """
    path = Path(source)
    if not path.is_file():
        raise InputDataError(f"Watchlist file not found: {path}")
    read = read_table(path, encoding=encoding)
    frame = read.frame.reset_index(drop=True).astype(str)
    fmt, cols = _detect([str(c) for c in frame.columns], str(path))
    # Line in the file of each data row: header line + 1 + position.
    rows = np.arange(len(frame)) + read.header_line + 1
    parse = _opensanctions if fmt == "opensanctions" else _cbp
    fields, issues = parse(frame, cols, rows)
    entries = pd.DataFrame(fields, index=frame.index)
    entries.insert(0, "list", list_name or fmt)
    entries["row"] = rows
    country_col = cols["countries" if fmt == "opensanctions" else "country"]
    entries["countries"], country_issues = _resolve_countries(
        entries["countries"], rows, country_col, reference or load_reference()
    )
    issues += country_issues
    id_col = cols["id"] if fmt == "opensanctions" else ""
    entries["entry_id"], id_issues = _deduplicate(entries["entry_id"], rows, id_col)
    issues += id_issues
    nameless = (entries["name"] == "") & (entries["aliases"].map(len) == 0)
    name_col = cols["name"] if fmt == "opensanctions" else cols["entity"]
    for i in np.flatnonzero(nameless.to_numpy()):
        issues.append(
            _issue(
                int(rows[i]),
                name_col,
                "no-name",
                "",
                "the row has no name to screen against; it is left out of the "
                "entries (a region- or product-wide order names no company)",
            )
        )
    # An entry known only by aliases is screened under its first alias.
    first_alias = entries["aliases"].map(lambda a: a[0] if a else "")
    entries["name"] = entries["name"].where(entries["name"] != "", first_alias)
    issue_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS).astype({"row": "int64"})
    return Watchlist(
        entries=entries.loc[~nameless, ENTRY_COLUMNS].reset_index(drop=True),
        issues=merge_issues(read.issues, issue_frame),
        format=fmt,
        origin=str(path),
        rows=len(frame),
    )
