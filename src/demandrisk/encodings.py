"""Which encoding a text file is in, and its lines that are not in it.

:func:`choose_encoding`: a byte-order mark (UTF-8, UTF-16 LE/BE); NUL bytes
in every other position (UTF-16 without BOM); UTF-8; cp1252 (Windows
exports); latin-1, which reads any byte. A UTF-8 file with a few lines that
are not UTF-8 (one pasted from a Windows tool) stays UTF-8: those lines are
read with U+FFFD in place of the bad bytes and reported
(``undecodable-line``), never the whole file re-decoded as cp1252. A file
counts as UTF-8 when it holds valid multi-byte UTF-8 characters; one with
only ASCII and bytes that are not UTF-8 is cp1252.

The bytes come in blocks, so a file larger than memory is judged whole
(``--chunksize``) exactly as a file read at once. NUL bytes are not text:
:func:`nul_issues` reports the lines holding them (``nul-byte``); the
readers remove them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "MAX_LISTED",
    "choose_encoding",
    "nul_issues",
    "nul_lines",
    "undecodable_issues",
]

MAX_LISTED = 1000  # per-line reading issues reported before "and N more"
_CP1252_UNDEFINED = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D])


def _issue(row: int, code: str, value: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": "", "code": code, "value": value, "message": message}


def _bad_lines(segment: bytes, first_line: int) -> tuple[list[int], bool]:
    """Lines (1-based) of a line-aligned segment that are not UTF-8.

    Also says whether a line that is UTF-8 holds non-ASCII text (evidence that
    the file is UTF-8).
    """
    bad, evidence = [], False
    for number, line in enumerate(segment.split(b"\n"), start=first_line):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
            continue
        evidence = evidence or not line.isascii()
    return bad, evidence


def choose_encoding(
    blocks: Callable[[], Iterable[bytes]], head: bytes
) -> tuple[str, str, list[int]]:
    """Return ``(encoding, errors, lines that are not UTF-8)`` of a file.

    ``blocks`` gives the file's bytes in blocks (called once or twice; the
    file may be larger than memory); ``head`` is its first bytes.

    Examples
    --------
    >>> text = "Công ty\\nSoci".encode() + b"\\xe9t\\xe9\\nok\\n"
    >>> choose_encoding(lambda: [text], text)
    ('utf-8', 'replace', [2])
    >>> choose_encoding(lambda: [b"Soci\\xe9t\\xe9\\n"], b"Soci\\xe9t\\xe9\\n")
    ('cp1252', 'strict', [])
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "strict", []
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "strict", []
    sample = head[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * len(sample[1::2]):
        return "utf-16-le", "strict", []
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * len(sample[0::2]):
        return "utf-16-be", "strict", []
    bad: list[int] = []
    evidence = False
    line, carry = 1, b""
    for block in (*blocks(), b"\n"):
        data = carry + block
        cut = data.rfind(b"\n") + 1  # decode whole lines only
        segment, carry = data[: cut - 1] if cut else b"", data[cut:]
        if not cut:
            continue
        try:
            segment.decode("utf-8")
            evidence = evidence or not segment.isascii()
        except UnicodeDecodeError:
            found, seen = _bad_lines(segment, line)
            bad += found
            evidence = evidence or seen
        line += segment.count(b"\n") + 1
    if not bad:
        return "utf-8", "strict", []
    if evidence:
        return "utf-8", "replace", bad
    if not any(any(b in block for b in _CP1252_UNDEFINED) for block in blocks()):
        return "cp1252", "strict", []
    return "latin-1", "strict", []


def undecodable_issues(
    bad: list[int], line_text: Callable[[int], bytes], encoding: str
) -> list[dict[str, Any]]:
    """One ``undecodable-line`` issue per line that is not ``encoding``."""
    issues = []
    for number in bad[:MAX_LISTED]:
        raw = line_text(number)
        shown = raw.decode(encoding, errors="replace").strip()[:80]
        as_cp1252 = raw.decode("cp1252", errors="replace").strip()[:80]
        issues.append(
            _issue(
                number,
                "undecodable-line",
                shown,
                f"expected {encoding.upper()} text (the rest of the file is); line "
                f"{number} is not, and its undecodable bytes are read as U+FFFD. "
                f"As cp1252 it would read {as_cp1252!r}: fix the line, or give "
                "--encoding if the whole file is cp1252",
            )
        )
    if len(bad) > MAX_LISTED:
        issues.append(
            _issue(
                bad[MAX_LISTED],
                "undecodable-line",
                str(len(bad)),
                f"and {len(bad) - MAX_LISTED} more lines that are not "
                f"{encoding.upper()}",
            )
        )
    return issues


def nul_lines(lines: Iterable[str]) -> list[int]:
    """Physical lines (1-based) holding NUL characters."""
    return [i for i, line in enumerate(lines, start=1) if "\x00" in line]


def nul_issues(found: list[int], origin: str) -> list[dict[str, Any]]:
    """One ``nul-byte`` issue per line holding NUL characters."""
    issues = [
        _issue(
            number,
            "nul-byte",
            "NUL",
            f"line {number} of {origin} holds NUL bytes (not text); they are "
            "removed from its cells",
        )
        for number in found[:MAX_LISTED]
    ]
    if len(found) > MAX_LISTED:
        issues.append(
            _issue(
                found[MAX_LISTED],
                "nul-byte",
                str(len(found)),
                f"and {len(found) - MAX_LISTED} more lines with NUL bytes",
            )
        )
    return issues
