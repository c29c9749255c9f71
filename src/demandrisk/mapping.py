"""From a file's own headers and labels to demandrisk's columns.

A file's columns are never renamed or changed: :func:`prepare_input` builds the
frame demandrisk scores (our canonical column names) *beside* the original one,
and reports what it understood as a table ``[column, header, how]``:

* ``same name``: the file already uses our name;
* ``synonym``: a common header, compared case-, space- and
  punctuation-insensitively (``Vendor No.``, ``Country of Origin``);
* ``mapping``: given in the mapping (``--map columns.toml`` or a dict);
* ``derived``: ``supplier_id`` made up because the file has none.

A mapping file (``demandrisk init-map INPUT`` writes one with the guesses)::

    [columns]            # our name = the file's header ("" = do not use)
    supplier_id = "Vendor No."
    sector = "NAICS"
    sector_scheme = "naics"   # isic | naics | hs: how to read sector codes

    [values.sector]      # the file's label = ISIC Rev.4 code
    "Apparel" = "C14"

    [values.country]     # the file's label = ISO 3166-1 alpha-3
    "Holland" = "NLD"

Sector codes are read as ISIC unless the scheme says otherwise. The scheme is
``sector_scheme`` from the mapping, else the header the sector column came
from: a header that normalises to ``naics...`` means NAICS 2017, ``hs...`` /
``hts...`` / ``tariff...`` / ``commodity code`` means HS; every other header
means ISIC (codes) or text (names).
"""

from __future__ import annotations

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

__all__ = [
    "CANONICAL_COLUMNS",
    "SYNONYMS",
    "ColumnMapping",
    "guess_columns",
    "load_mapping",
    "mapping_toml",
    "normalise_header",
]

CANONICAL_COLUMNS = (
    "supplier_id",
    "name",
    "country",
    "sector",
    "buyer_id",
    "tier",
    "spend",
    "workers",
    "good",
    "migrant_worker_share",
    "agency_worker_share",
    "uses_recruiter",
    "audit_forced_labour_indicators",
)

# Normalised headers (see normalise_header), most specific first. The sector
# entries carry the scheme the header implies.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "supplier_id": (
        "supplierid",
        "supplierno",
        "suppliernumber",
        "suppliercode",
        "supplierref",
        "vendorid",
        "vendorno",
        "vendornumber",
        "vendorcode",
        "vendorref",
        "vendor",
        "factoryid",
        "facilityid",
        "siteid",
        "osid",
        "sapid",
        "erpid",
        "id",
        "suppliernr",
        "lieferantennummer",
        "fournisseurid",
    ),
    "name": (
        "suppliername",
        "vendorname",
        "factoryname",
        "facilityname",
        "companyname",
        "sitename",
        "businessname",
        "legalname",
        "name",
        "supplier",
        "factory",
        "company",
        "facility",
        "producer",
        "lieferant",
        "fournisseur",
    ),
    "country": (
        "country",
        "countryoforigin",
        "origincountry",
        "countryname",
        "countrycode",
        "countryiso",
        "countryiso3",
        "iso3",
        "iso",
        "iso2",
        "sourcingcountry",
        "factorycountry",
        "suppliercountry",
        "vendorcountry",
        "countryregion",
        "location",
        "land",
        "pays",
        "pais",
    ),
    "sector": (
        "sector",
        "isic",
        "isiccode",
        "isicrev4",
        "isic4",
        "industry",
        "industrycode",
        "activity",
        "economicactivity",
        "sectorcode",
        "productcategory",
        "category",
        "naics",
        "naicscode",
        "naics2017",
        "hs",
        "hscode",
        "hs6",
        "hscode6",
        "hts",
        "htscode",
        "tariffcode",
        "commoditycode",
        "branche",
        "secteur",
    ),
    "buyer_id": (
        "buyerid",
        "parentid",
        "parentsupplierid",
        "customerid",
        "suppliesto",
        "tier1supplierid",
        "parent",
        "buyer",
    ),
    "tier": ("tier", "suppliertier", "tierlevel", "level"),
    "spend": (
        "spend",
        "annualspend",
        "spendusd",
        "spendeur",
        "purchasevalue",
        "purchasevolume",
        "amount",
        "value",
    ),
    "workers": (
        "workers",
        "numberofworkers",
        "noofworkers",
        "workercount",
        "employees",
        "numberofemployees",
        "noofemployees",
        "headcount",
        "workforce",
        "totalworkers",
    ),
    "good": ("good", "goods", "product", "products", "commodity", "rawmaterial"),
    "migrant_worker_share": (
        "migrantworkershare",
        "migrantworkerspct",
        "pctmigrantworkers",
        "migrantshare",
        "migrantworkers",
        "shareofmigrantworkers",
        "foreignworkershare",
        "foreignworkerspct",
        "pctforeignworkers",
    ),
    "agency_worker_share": (
        "agencyworkershare",
        "agencyworkerspct",
        "pctagencyworkers",
        "agencyshare",
        "agencyworkers",
        "shareofagencyworkers",
        "temporaryworkershare",
        "contractworkershare",
    ),
    "uses_recruiter": (
        "usesrecruiter",
        "usesrecruitmentagency",
        "recruitmentagency",
        "recruiter",
        "labouragent",
        "labouragency",
        "thirdpartyrecruiter",
    ),
    "audit_forced_labour_indicators": (
        "auditforcedlabourindicators",
        "forcedlabourindicators",
        "iloforcedlabourindicators",
        "iloindicators",
        "auditindicators",
    ),
}
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
    :data:`SYNONYMS` wins; a header is used for one column only.

    Examples
    --------
    >>> guess_columns(["Vendor No.", "Supplier Name", "Country of Origin", "NAICS"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'supplier_id': ('Vendor No.', 'synonym'), 'name': ('Supplier Name', 'synonym'),
     'country': ('Country of Origin', 'synonym'), 'sector': ('NAICS', 'synonym')}
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
    return {c: found[c] for c in CANONICAL_COLUMNS if c in found}


class ColumnMapping:
    """An explicit mapping: columns, value translations and the sector scheme.

    Parameters
    ----------
    columns : our name -> the file's header (``""`` = do not use a guess).
    values : ``{"sector": {label: ISIC}, "country": {label: ISO3}}``.
    sector_scheme : ``isic``, ``naics``, ``hs`` or None (from the header).
    """

    def __init__(
        self,
        columns: Mapping[str, str] | None = None,
        values: Mapping[str, Mapping[str, str]] | None = None,
        sector_scheme: str | None = None,
    ) -> None:
        self.columns = dict(columns or {})
        self.values = {k: dict(v) for k, v in (values or {}).items()}
        self.sector_scheme = sector_scheme

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
        if "columns" not in data and "values" not in data:
            data = {"columns": data}  # flat {ours: theirs}
        columns = dict(data.get("columns") or {})
        scheme = columns.pop("sector_scheme", data.get("sector_scheme"))
        values = data.get("values") or {}
        unknown = sorted(set(columns) - set(CANONICAL_COLUMNS))
        if unknown:
            raise ConfigError(
                f"mapping [columns]: expected our column names "
                f"{list(CANONICAL_COLUMNS)}; got unknown {unknown}"
            )
        bad = sorted(set(values) - {"sector", "country"})
        if bad:
            raise ConfigError(
                f"mapping [values]: expected tables 'sector' and 'country'; got {bad}"
            )
        if scheme is not None and scheme not in SECTOR_SCHEMES:
            raise ConfigError(
                f"mapping sector_scheme: expected one of {list(SECTOR_SCHEMES)}; "
                f"got {scheme!r}"
            )
        for key, table in [("columns", columns), *values.items()]:
            wrong = [k for k, v in table.items() if not isinstance(v, str)]
            if wrong:
                raise ConfigError(
                    f"mapping [{key}]: expected text values; {wrong[:5]} are not text"
                )
        return cls(columns, values, scheme)

    def resolve(self, headers: list[str]) -> dict[str, tuple[str, str]]:
        """Columns to use: the explicit mapping over the guesses."""
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
            if o not in self.columns and o not in explicit
        }
        merged.update(explicit)
        return {c: merged[c] for c in CANONICAL_COLUMNS if c in merged}

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
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigError(f"Mapping file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not a valid TOML mapping: {error}") from None
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
