"""Every issue code demandrisk reports, and how serious each one is.

The issues table has the columns ``[row, column, code, value, message,
severity]``. ``severity`` depends only on the code:

``error``
    Something in the file could not be read as written: a value is left out
    of the score, a row may be misread, or the supply chain cannot be linked.
    ``demandrisk validate`` exits 1 when there is one.
``warning``
    The file was read, but a person should look: a guess was made or
    refused, a look-alike or duplicated name was found, a cell was cleaned.
``note``
    How the file was read: a title row skipped, ids derived, percentages
    converted, a footnote line kept but not scored. Never a failure.

=========================  ========  =================================================
code                       severity  meaning
=========================  ========  =================================================
missing-column             error     a required column is absent (raised, not listed)
missing-value              error     a required cell is blank
duplicate-id               error     two rows share a supplier_id
unknown-sector             error     the sector text or code matches no sector
ambiguous-sector           error     it matches several sectors
unknown-country            error     the country matches no ISO 3166-1 country
unknown-buyer              error     buyer_id names no supplier of the file
type-error                 error     a cell is not the kind of value expected
out-of-range               error     a number outside what the column allows
ambiguous-number           error     ``1,234``: 1234 or 1.234? (give ``--decimal``)
not-finite                 error     a number too large to hold (``1e309``)
self-loop                  error     a supplier names itself as its buyer
cycle                      error     suppliers supply each other in a loop
unknown-supplier           error     an edge names a supplier not in the file
invalid-share              error     an edge share that is not a number in [0, 1]
ragged-row                 error     a line with more fields than the header
undecodable-line           error     a line that is not valid in the file's encoding
formula-without-value      error     an .xlsx formula saved without its value
count-without-workers      error     a head count with no worker total to divide by
ambiguous-good             error     the good resembles several DOL goods
column-clash               warning   an input column has the name of one of ours
unreachable                warning   the chain never reaches the company
tier-mismatch              warning   the tier column contradicts the graph
unknown-good               warning   the good is not on the DOL list (read as such)
short-row                  warning   a line with fewer fields than the header
duplicate-header           warning   two columns have the same header
shared-header              warning   one header feeds two of our columns
lookalike-id               warning   ids that differ only in invisible characters
nul-byte                   warning   NUL bytes in a line (removed)
ambiguous-unit             warning   a share column whose unit cannot be told
refused-column             warning   a guessed column that is not used (and why)
sector-alternatives        warning   a label that can mean several sectors: taken as
                                     their common section (or the first), others named
skipped-rows               note      a title or blank rows above the header
derived-id                 note      no id column: ids derived from the row
converted-percentage       note      a share column read as percentages
converted-count            note      a head-count column divided by the workers
footnote-row               note      a line that holds no supplier (kept, not scored)
trailing-delimiter         note      every line ends with an empty extra field
=========================  ========  =================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ISSUE_CODES", "SEVERITIES", "SEVERITY", "is_failure", "severity_of"]

SEVERITIES = ("error", "warning", "note")

# code -> severity, in the order of the module docstring's table.
SEVERITY: dict[str, str] = {
    "missing-column": "error",
    "missing-value": "error",
    "duplicate-id": "error",
    "unknown-sector": "error",
    "ambiguous-sector": "error",
    "unknown-country": "error",
    "unknown-buyer": "error",
    "type-error": "error",
    "out-of-range": "error",
    "ambiguous-number": "error",
    "not-finite": "error",
    "self-loop": "error",
    "cycle": "error",
    "unknown-supplier": "error",
    "invalid-share": "error",
    "ragged-row": "error",
    "undecodable-line": "error",
    "formula-without-value": "error",
    "count-without-workers": "error",
    "ambiguous-good": "error",
    "column-clash": "warning",
    "unreachable": "warning",
    "tier-mismatch": "warning",
    "unknown-good": "warning",
    "short-row": "warning",
    "duplicate-header": "warning",
    "shared-header": "warning",
    "lookalike-id": "warning",
    "nul-byte": "warning",
    "ambiguous-unit": "warning",
    "refused-column": "warning",
    "sector-alternatives": "warning",
    "skipped-rows": "note",
    "derived-id": "note",
    "converted-percentage": "note",
    "converted-count": "note",
    "footnote-row": "note",
    "trailing-delimiter": "note",
}
ISSUE_CODES = tuple(SEVERITY)


def severity_of(codes: pd.Series | np.ndarray) -> np.ndarray:
    """The severity of each code (``error`` for a code this table lacks).

    An unknown code is a bug of ours, and failing loudly is the safe side.

    Examples
    --------
    >>> severity_of(np.array(["derived-id", "unknown-country", "new"])).tolist()
    ['note', 'error', 'error']
    """
    mapped = pd.Series(np.asarray(codes, dtype=object)).map(SEVERITY)
    return mapped.fillna("error").to_numpy(dtype=object)


def is_failure(issues: pd.DataFrame) -> np.ndarray:
    """True for the issues that make ``validate`` fail (severity ``error``).

    Tables from older run folders have no ``severity``: it is derived from
    the code.

    Examples
    --------
    >>> table = pd.DataFrame({"code": ["derived-id", "duplicate-id"]})
    >>> is_failure(table).tolist()
    [False, True]
    """
    if "severity" in issues.columns:
        severity = issues["severity"].to_numpy(dtype=object)
    else:
        severity = severity_of(issues["code"])
    return np.asarray(severity == "error", dtype=bool)
