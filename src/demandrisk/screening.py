"""Screen suppliers against entity lists the user supplies.

A supplier is compared with every active and inactive entry of the lists
(:func:`demandrisk.watchlist.read_watchlist`) by name and by identifier:

* **Names.** Every name of the supplier (``name``, ``local_name``, the
  ``;``-separated ``aliases``) against every name of the entry (name and
  aliases), after :func:`~demandrisk.screening_names.normalise_name`. The name
  score is the larger of two :func:`rapidfuzz.fuzz.ratio` scores, scaled to
  0-1: on the words sorted (word order does not matter) and on the words
  joined without spaces (``Shen Zhen`` = ``Shenzhen``). That whole-name score
  is then pulled half-way towards the weakest word (each word of the shorter
  name against its best counterpart), never raised: "Sunrise Brick Works" vs
  "Sunset Brick Works" shares most letters (0.92) and less of the word that
  tells them apart (0.77), so it scores 0.84. One-letter differences (Hanul /
  Hanil) look like typos to any string score; the review is for those. A name that adds
  words to another scores below a match ("Golden Textile" vs "Golden Textile
  Dyeing Mills" is 0.70), so it goes to review instead of matching outright.
* **Countries.** When both sides name countries and they share none, the name
  score is multiplied by 0.75: an identical name elsewhere is a potential
  match to review, not a match. Agreement adds nothing, because most listed
  entities sit in a handful of countries and agreement alone says little.
* **Identifiers.** An LEI, DUNS number or OS ID (``lei``, ``duns``, ``os_id``
  columns) equal to one of the entry's identifiers is a match (score 1)
  whatever the names say. Identifiers shorter than 6 characters are ignored,
  since short registry numbers collide across schemes.

Score >= 0.8 is a ``match``; 0.5-0.8 a ``potential`` match for review
(:func:`write_review`, :func:`read_decisions`); a reviewed pair becomes
``confirmed`` or is rejected, and the same decision is reused whenever the
same ``supplier_id``, ``list`` and ``entry_id`` meet again.

The comparison is exhaustive, not blocked: :func:`rapidfuzz.process.cdist`
scores every supplier name against every entry name in chunks (SIMD, on
``workers`` threads), keeping the ``max_candidates`` best entries per name, so
no true match is lost to a blocking key. See ``benchmarks/bench_screening.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .codes import resolve_countries
from .errors import InputDataError
from .readers import read_table
from .reference import ReferenceData, load_reference
from .schema import ISSUE_COLUMNS
from .screening_names import normalise_name
from .watchlist import Watchlist, read_watchlist

__all__ = [
    "MATCH_THRESHOLD",
    "POTENTIAL_THRESHOLD",
    "REVIEW_COLUMNS",
    "ScreeningResult",
    "read_decisions",
    "screen",
    "write_review",
]

MATCH_THRESHOLD = 0.8
POTENTIAL_THRESHOLD = 0.5
COUNTRY_DIFFER_FACTOR = 0.75
IDENTIFIER_COLUMNS = ("lei", "duns", "os_id")
MIN_IDENTIFIER_LENGTH = 6
REASON = "watchlist-match"
REVIEW_COLUMNS = [
    "supplier_id",
    "supplier_name",
    "list",
    "entry_id",
    "entry_name",
    "score",
    "decision",
]
_KEY = ["supplier_id", "list", "entry_id"]
# Cells per score matrix (uint8): ~20 MB, two at a time.
_CHUNK_CELLS = 20_000_000
_RANK = {"confirmed": 0, "match": 1, "potential": 2}


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of :func:`screen`.

    Attributes
    ----------
    suppliers : DataFrame
        One row per supplier, in input order: ``supplier_id, watchlist_match``
        (``confirmed``, ``match``, ``potential`` or ``none``), the best entry
        (``watchlist_list``, ``watchlist_entry_id``, ``watchlist_entry_name``),
        ``watchlist_score``, ``watchlist_basis`` (``name``, ``identifier``),
        ``watchlist_reason`` (``watchlist-match`` unless none),
        ``watchlist_source`` (list, entry id, date) and ``watchlist_note``.
    candidates : DataFrame
        Every supplier-entry pair scoring at least the potential threshold, or
        decided in review, with the names compared, the country check and the
        decision.
    issues : DataFrame
        ``[row, column, code, value, message]`` about the supplier table.
    """

    suppliers: pd.DataFrame
    candidates: pd.DataFrame
    issues: pd.DataFrame

    @property
    def pending(self) -> pd.DataFrame:
        """Potential matches on active entries that have no decision yet."""
        c = self.candidates
        return c[(c["level"] == "potential") & (c["decision"] == "") & c["active"]]


def _split(cells: pd.Series) -> pd.Series:
    return cells.fillna("").astype(str).str.split(";")


def _long_names(pos: np.ndarray, columns: list[pd.Series]) -> pd.DataFrame:
    """``(pos, text, norm)`` for every non-blank name, one row per distinct norm."""
    parts = [pd.DataFrame({"pos": pos, "text": c.to_numpy()}) for c in columns]
    long = pd.concat(parts, ignore_index=True).explode("text").dropna()
    long["text"] = long["text"].astype(str).str.strip()
    long["norm"] = long["text"].map(normalise_name)
    return long[long["norm"] != ""].drop_duplicates(["pos", "norm"])


def _forms(norms: np.ndarray) -> tuple[list[str], list[str]]:
    return [" ".join(sorted(n.split())) for n in norms], [
        n.replace(" ", "") for n in norms
    ]


def _name_pairs(
    left: np.ndarray, right: np.ndarray, cutoff: float, top: int, workers: int
) -> pd.DataFrame:
    """``(s, e, name_score)`` for distinct names scoring at least ``cutoff`` (0-1)."""
    if not len(left) or not len(right):
        return pd.DataFrame({"s": [], "e": [], "name_score": []})
    ls, lc = _forms(left)
    rs, rc = _forms(right)
    # Prefilter on whole points (uint8 halves memory against float32), one
    # point below the cutoff so rounding cannot lose a pair; exact scores of
    # the survivors are computed below.
    rough = max(int(cutoff * 100) - 1, 1)
    chunk = max(1, _CHUNK_CELLS // len(right))
    found = []
    for start in range(0, len(left), chunk):
        stop = start + chunk
        a = process.cdist(
            ls[start:stop], rs, scorer=fuzz.ratio, score_cutoff=rough,
            dtype=np.uint8, workers=workers,
        )  # fmt: skip
        b = process.cdist(
            lc[start:stop], rc, scorer=fuzz.ratio, score_cutoff=rough,
            dtype=np.uint8, workers=workers,
        )  # fmt: skip
        np.maximum(a, b, out=a)
        if a.shape[1] > top:
            cols = np.argpartition(a, -top, axis=1)[:, -top:]
        else:
            cols = np.broadcast_to(np.arange(a.shape[1]), a.shape)
        kept = np.take_along_axis(a, cols, axis=1)
        rows, which = np.nonzero(kept)
        found.append(pd.DataFrame({"s": rows + start, "e": cols[rows, which]}))
    pairs = pd.concat(found, ignore_index=True)
    s, e = pairs["s"].to_numpy(), pairs["e"].to_numpy()
    exact = np.maximum(
        process.cpdist([ls[i] for i in s], [rs[j] for j in e], scorer=fuzz.ratio),
        process.cpdist([lc[i] for i in s], [rc[j] for j in e], scorer=fuzz.ratio),
    )
    pairs = pairs[exact >= cutoff * 100].assign(whole=exact[exact >= cutoff * 100])
    weakest = np.array(
        [
            _weakest_word(left[i], right[j])
            for i, j in zip(pairs["s"], pairs["e"], strict=True)
        ],
        dtype=float,
    )
    whole = pairs["whole"].to_numpy()
    # Only ever lowers the score: a name inside a longer one stays low.
    pairs["name_score"] = np.minimum(whole, (whole + weakest) / 2) / 100.0
    return pairs.loc[pairs["name_score"] >= cutoff, ["s", "e", "name_score"]]


def _weakest_word(a: str, b: str) -> float:
    """Worst, over the words of the shorter name, of its best match in the other.

    "Sunrise Brick Works" and "Sunset Brick Works" agree on most letters, but
    "sunrise" finds nothing better than "sunset" (77): the word that tells
    the companies apart matches least. Words are compared whole and, for
    names split differently (``Shenzhen`` / ``Shen Zhen``), against the
    nearest part, which the whole-name score on joined words makes up for.

    Examples
    --------
    >>> round(_weakest_word("sunrise brick works", "sunset brick works"))
    77
    """
    short, long = sorted((a.split(), b.split()), key=len)
    return min(max(fuzz.ratio(word, other) for other in long) for word in short)


def _clean_identifier(values: pd.Series) -> pd.Series:
    return values.astype(str).str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)


def _identifier_pairs(suppliers: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in IDENTIFIER_COLUMNS if c in suppliers]
    if not columns:
        return pd.DataFrame({"spos": [], "epos": [], "identifier": []})
    left = pd.concat(
        [
            pd.DataFrame({"spos": np.arange(len(suppliers)), "raw": suppliers[c]})
            for c in columns
        ]
    )
    right = pd.DataFrame(
        {"epos": np.arange(len(entries)), "raw": entries["identifiers"].to_numpy()}
    ).explode("raw")
    for side in (left, right):
        side["identifier"] = _clean_identifier(side["raw"].fillna(""))
    left = left[left["identifier"].str.len() >= MIN_IDENTIFIER_LENGTH]
    pairs = left.merge(right, on="identifier")[["spos", "epos", "identifier"]]
    return pairs.drop_duplicates(["spos", "epos"])


def _country_check(
    cands: pd.DataFrame, supplier_iso: np.ndarray, entries: pd.DataFrame
) -> np.ndarray:
    """``agree``, ``differ`` or ``unknown`` per candidate pair (vectorised)."""
    iso = supplier_iso[cands["spos"].to_numpy()]
    listed = entries["countries"].to_numpy()[cands["epos"].to_numpy()]
    has_entry = np.array([len(c) > 0 for c in listed], dtype=bool)
    pairs = pd.DataFrame({"i": np.arange(len(cands)), "c": listed}).explode("c")
    shared = pairs["c"].to_numpy() == iso[pairs["i"].to_numpy()]
    agree = np.zeros(len(cands), dtype=bool)
    agree[pairs["i"].to_numpy()[shared]] = True
    known = has_entry & (iso != "")
    return np.where(agree, "agree", np.where(known, "differ", "unknown"))


def _as_entries(watchlist: Any) -> pd.DataFrame:
    lists = watchlist if isinstance(watchlist, list | tuple) else [watchlist]
    frames = []
    for item in lists:
        if isinstance(item, str | Path):
            item = read_watchlist(item)
        frames.append(item.entries if isinstance(item, Watchlist) else item)
    return pd.concat(frames, ignore_index=True)


def screen(
    suppliers: pd.DataFrame,
    watchlist: Watchlist | pd.DataFrame | str | Path | list,
    *,
    decisions: pd.DataFrame | str | Path | None = None,
    match_threshold: float = MATCH_THRESHOLD,
    potential_threshold: float = POTENTIAL_THRESHOLD,
    max_candidates: int = 20,
    workers: int = 1,
    reference: ReferenceData | None = None,
) -> ScreeningResult:
    """Match suppliers to list entries by name, alias and identifier.

    Parameters
    ----------
    suppliers : DataFrame
        ``supplier_id`` and at least one of ``name``, ``local_name``,
        ``aliases`` (``;``-separated); optional ``country`` and identifier
        columns ``lei``, ``duns``, ``os_id``.
    watchlist : Watchlist, entries frame, path, or a list of them
    decisions : DataFrame or path, optional
        Earlier review decisions (:func:`read_decisions`).
    match_threshold, potential_threshold : float
        Score (0-1) from which a pair is a match, a potential match.
    max_candidates : int
        Entries kept per distinct supplier name (the best-scoring).
    workers : int
        Threads for rapidfuzz (-1: all cores).
    reference : ReferenceData, optional
        Resolves supplier countries to ISO3.

    Examples
    --------
    >>> entries = pd.DataFrame({
    ...     "list": "demo", "entry_id": ["E1", "E2"],
    ...     "name": ["Golden Harvest Foods Co., Ltd.", "Northwind Apparel"],
    ...     "aliases": [(), ()], "countries": [("THA",), ()],
    ...     "identifiers": [(), ("5493001KJTIIGC8Y1R12",)], "date": "2024-01-31",
    ...     "status": "listed", "active": True, "schema": "", "note": "", "row": 2})
    >>> suppliers = pd.DataFrame({
    ...     "supplier_id": ["S1", "S2", "S3"], "country": ["THA", "VNM", "BGD"],
    ...     "name": ["GOLDEN HARVEST FOODS LIMITED", "Golden Textile Co", "Acme"],
    ...     "lei": ["", "", "5493001KJTIIGC8Y1R12"]})
    >>> out = screen(suppliers, entries).suppliers
    >>> out[["supplier_id", "watchlist_match", "watchlist_entry_id",
    ...      "watchlist_basis"]].values.tolist()
    [['S1', 'match', 'E1', 'name'], ['S2', 'none', '', ''], ['S3', 'match', 'E2', 'identifier']]
    >>> out.loc[0, "watchlist_source"]
    'demo, entry E1, dated 2024-01-31'
    """  # noqa: E501
    if "supplier_id" not in suppliers:
        raise InputDataError(
            "screen: expected a supplier_id column; got columns "
            f"{list(suppliers.columns)}"
        )
    name_cols = [c for c in ("name", "local_name") if c in suppliers]
    if not name_cols and "aliases" not in suppliers:
        raise InputDataError(
            "screen: expected a name, local_name or aliases column to match on; "
            f"got columns {list(suppliers.columns)}"
        )
    suppliers = suppliers.reset_index(drop=True)
    entries = _as_entries(watchlist)
    ids = suppliers["supplier_id"].astype(str).str.strip().to_numpy()
    spos = np.arange(len(suppliers))
    s_cols = [suppliers[c].fillna("").astype(str).map(lambda t: [t]) for c in name_cols]
    if "aliases" in suppliers:
        s_cols.append(_split(suppliers["aliases"]))
    s_long = _long_names(spos, s_cols)
    e_cols = [
        entries["name"].map(lambda t: [t]),
        entries["aliases"].map(list),
    ]
    e_long = _long_names(np.arange(len(entries)), e_cols)

    # Score distinct normalised names once, then spread to suppliers/entries.
    s_norm, s_code = np.unique(s_long["norm"].to_numpy(dtype=str), return_inverse=True)
    e_norm, e_code = np.unique(e_long["norm"].to_numpy(dtype=str), return_inverse=True)
    # Join on the codes only: the two tables share the column name "norm".
    s_long = s_long.assign(s=s_code).drop(columns="norm")
    e_long = e_long.assign(e=e_code).drop(columns="norm")
    # Country disagreement scales scores down, never up: the potential cut-off
    # on the raw name score loses nothing.
    pairs = _name_pairs(s_norm, e_norm, potential_threshold, max_candidates, workers)
    named = (
        pairs.merge(s_long.rename(columns={"pos": "spos", "text": "supplier_matched"}))
        .merge(e_long.rename(columns={"pos": "epos", "text": "entry_matched"}))
        .sort_values("name_score", ascending=False, kind="stable")
        .drop_duplicates(["spos", "epos"])
    )
    cands = named[["spos", "epos", "supplier_matched", "entry_matched", "name_score"]]
    cands = cands.merge(_identifier_pairs(suppliers, entries), how="outer")

    iso = np.full(len(suppliers), "", dtype=object)
    if "country" in suppliers:
        codes = resolve_countries(
            suppliers["country"].fillna("").astype(str), reference or load_reference()
        ).codes
        iso = np.array([c or "" for c in codes], dtype=object)
    cands["country"] = _country_check(cands, iso, entries)
    factor = np.where(cands["country"] == "differ", COUNTRY_DIFFER_FACTOR, 1.0)
    by_id = cands["identifier"].notna()
    cands["score"] = np.where(by_id, 1.0, cands["name_score"].fillna(0) * factor)
    cands["basis"] = np.where(by_id, "identifier", "name")
    cands = _apply_decisions(cands, ids, entries, decisions)
    cands["level"] = np.select(
        [
            cands["decision"] == "confirm",
            cands["score"] >= match_threshold,
            cands["score"] >= potential_threshold,
        ],
        ["confirmed", "match", "potential"],
        "none",
    )
    cands = cands[(cands["level"] != "none") | (cands["decision"] != "")]
    candidates = _candidate_table(cands, suppliers, ids, entries)
    return ScreeningResult(
        suppliers=_per_supplier(candidates, ids),
        candidates=candidates.drop(columns=["spos"]),
        issues=_name_issues(s_long, len(suppliers), name_cols),
    )


def _apply_decisions(
    cands: pd.DataFrame,
    ids: np.ndarray,
    entries: pd.DataFrame,
    decisions: pd.DataFrame | str | Path | None,
) -> pd.DataFrame:
    """Join earlier decisions; a decided pair below the cut-off stays visible."""
    cands = cands.assign(
        supplier_id=ids[cands["spos"].to_numpy()],
        list=entries["list"].to_numpy()[cands["epos"].to_numpy()],
        entry_id=entries["entry_id"].to_numpy()[cands["epos"].to_numpy()],
    )
    if decisions is None:
        return cands.assign(decision="")
    if not isinstance(decisions, pd.DataFrame):
        decisions = read_decisions(decisions)
    decided = decisions[_KEY + ["decision"]].astype(str)
    known = (
        decided.merge(pd.DataFrame({"supplier_id": ids, "spos": range(len(ids))}))
        .merge(entries[["list", "entry_id"]].assign(epos=range(len(entries))))
        .merge(cands[_KEY], how="left", indicator=True)
    )
    # Pairs decided last quarter that no longer score: kept with their score 0
    # so a confirmation still stands and a rejection is still on record.
    extra = known.loc[known["_merge"] == "left_only", _KEY + ["spos", "epos"]]
    cands = pd.concat(
        [cands, extra.assign(score=0.0, basis="decision", country="unknown")],
        ignore_index=True,
    )
    cands = cands.merge(decided, on=_KEY, how="left")
    return cands.assign(decision=cands["decision"].fillna(""))


def _candidate_table(
    cands: pd.DataFrame, suppliers: pd.DataFrame, ids: np.ndarray, entries: pd.DataFrame
) -> pd.DataFrame:
    e = entries.iloc[cands["epos"].to_numpy()].reset_index(drop=True)
    first = suppliers.get("name", pd.Series([""] * len(suppliers)))
    table = pd.DataFrame(
        {
            "spos": cands["spos"].to_numpy(),
            "supplier_id": cands["supplier_id"].to_numpy(),
            "supplier_name": first.fillna("").astype(str).to_numpy()[cands["spos"]],
            "supplier_matched": cands["supplier_matched"]
            .astype(object)
            .fillna("")
            .to_numpy(),
            "list": e["list"],
            "entry_id": e["entry_id"],
            "entry_name": e["name"],
            "entry_matched": cands["entry_matched"]
            .astype(object)
            .fillna("")
            .to_numpy(),
            "name_score": cands["name_score"].to_numpy(),
            "country": cands["country"].to_numpy(),
            "identifier": cands["identifier"].astype(object).fillna("").to_numpy(),
            "basis": cands["basis"].to_numpy(),
            "score": cands["score"].round(4).to_numpy(),
            "level": cands["level"].to_numpy(),
            "decision": cands["decision"].to_numpy(),
            "active": e["active"].astype(bool),
            "status": e["status"],
            "date": e["date"],
            "note": e["note"],
        }
    )
    return table.sort_values(
        ["spos", "score", "list", "entry_id"],
        ascending=[True, False, True, True],
        kind="stable",
    ).reset_index(drop=True)


def _per_supplier(candidates: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    live = candidates[candidates["active"] & (candidates["decision"] != "reject")]
    live = live[live["level"] != "none"]
    rank = live["level"].map(_RANK)
    best = (
        live.assign(rank=rank)
        .sort_values(["spos", "rank", "score"], ascending=[True, True, False])
        .drop_duplicates("spos")
        .set_index("spos")
        .reindex(range(len(ids)))
    )
    found = best["level"].notna().to_numpy()
    source = (
        best["list"] + ", entry " + best["entry_id"] + ", dated " + best["date"]
    ).str.replace(", dated $", "", regex=True)
    others = candidates[~candidates["active"] | (candidates["decision"] == "reject")]
    reason = pd.Series(
        np.where(
            others["decision"] == "reject", "rejected in review", others["status"]
        ),
        index=others.index,
        dtype=str,
    )
    why: pd.Series = others["entry_name"] + " (" + reason + ")"
    aside: pd.Series = (
        why.groupby(others["spos"]).agg("; ".join).reindex(range(len(ids)))
    )
    return pd.DataFrame(
        {
            "supplier_id": ids,
            "watchlist_match": best["level"].fillna("none").to_numpy(),
            "watchlist_list": best["list"].fillna("").to_numpy(),
            "watchlist_entry_id": best["entry_id"].fillna("").to_numpy(),
            "watchlist_entry_name": best["entry_name"].fillna("").to_numpy(),
            "watchlist_score": best["score"].to_numpy(dtype=float),
            "watchlist_basis": best["basis"].fillna("").to_numpy(),
            "watchlist_reason": np.where(found, REASON, ""),
            "watchlist_source": source.fillna("").to_numpy(),
            "watchlist_note": np.where(
                aside.notna(), "not counted: " + aside.fillna(""), ""
            ),
        }
    )


def _name_issues(s_long: pd.DataFrame, n: int, name_cols: list[str]) -> pd.DataFrame:
    nameless = np.setdiff1d(np.arange(n), s_long["pos"].to_numpy())
    return pd.DataFrame(
        {
            "row": (nameless + 2).astype("int64"),
            "column": name_cols[0] if name_cols else "aliases",
            "code": "no-name",
            "value": "",
            "message": "the supplier has no name to screen; it is reported as no "
            "match by name (identifiers are still compared)",
        },
        columns=ISSUE_COLUMNS,
    )


def write_review(
    result: ScreeningResult, path: str | Path, *, include_decided: bool = True
) -> Path:
    """Write potential matches for review: fill ``decision`` with confirm/reject.

    Pairs already decided keep their decision (not asked again) and, with
    ``include_decided``, are written too, so the file is the complete record to
    pass as ``decisions`` next quarter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> result = ScreeningResult(pd.DataFrame(), pd.DataFrame({
    ...     "supplier_id": ["S1"], "supplier_name": ["Golden Star"],
    ...     "list": ["demo"], "entry_id": ["E1"], "entry_name": ["Golden Stars Ltd"],
    ...     "score": [0.71], "level": ["potential"], "decision": [""],
    ...     "active": [True]}), pd.DataFrame())
    >>> path = write_review(result, pathlib.Path(tempfile.mkdtemp()) / "r.csv")
    >>> path.read_text().splitlines()[1]
    'S1,Golden Star,demo,E1,Golden Stars Ltd,0.71,'
    """
    c = result.candidates
    keep = c["level"].eq("potential") & c["decision"].eq("") & c["active"]
    if include_decided:
        keep |= c["decision"] != ""
    out = Path(path)
    c.loc[keep, REVIEW_COLUMNS].to_csv(out, index=False)
    return out


def read_decisions(*paths: str | Path) -> pd.DataFrame:
    """Read filled-in review files: ``supplier_id, list, entry_id, decision``.

    Decisions are ``confirm`` or ``reject`` (any case); a blank decision is not
    decided yet and is left out. A later file overrides an earlier one.

    Raises
    ------
    InputDataError
        Naming file, row and value: a missing column, a decision other than
        confirm/reject, or one pair decided both ways in one file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "review.csv"
    >>> _ = path.write_text("supplier_id,list,entry_id,decision\\n"
    ...                     "S1,demo,E1,Confirm\\nS2,demo,E1,\\nS3,demo,E2,maybe\\n")
    >>> read_decisions(path)
    Traceback (most recent call last):
    ...
    demandrisk.errors.InputDataError: ...review.csv: expected decision confirm, reject or blank; got row 4: 'maybe'
    """  # noqa: E501
    frames = []
    for source in paths:
        path = Path(source)
        if not path.is_file():
            raise InputDataError(f"Review file not found: {path}")
        read = read_table(path)
        frame = read.frame.rename(columns=lambda c: str(c).strip().casefold())
        missing = [c for c in _KEY + ["decision"] if c not in frame]
        if missing:
            raise InputDataError(
                f"{path}: expected columns {', '.join(_KEY + ['decision'])}; "
                f"missing {', '.join(missing)} (got {list(read.frame.columns)})"
            )
        frame = frame[_KEY + ["decision"]].astype(str).apply(lambda s: s.str.strip())
        frame["decision"] = frame["decision"].str.casefold()
        frame["row"] = np.arange(len(frame)) + read.header_line + 1
        bad = frame[~frame["decision"].isin(["confirm", "reject", ""])]
        if len(bad):
            shown = ", ".join(
                f"row {r}: {v!r}" for r, v in bad[["row", "decision"]].values[:5]
            )
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            raise InputDataError(
                f"{path}: expected decision confirm, reject or blank; got {shown}{more}"
            )
        frame = frame[frame["decision"] != ""]
        both = frame.groupby(_KEY)["decision"].transform("nunique") > 1
        if both.any():
            rows = ", ".join(str(r) for r in frame.loc[both, "row"][:6])
            raise InputDataError(
                f"{path}: the same supplier_id, list and entry_id is both "
                f"confirmed and rejected (rows {rows}); keep one decision"
            )
        frames.append(frame)
    decided = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if decided.empty:
        return pd.DataFrame(columns=_KEY + ["decision"])
    return decided.drop_duplicates(_KEY, keep="last")[_KEY + ["decision"]]
