"""Benchmark ``demandrisk`` scoring against the cost of plain CSV I/O.

For each requested size the script writes a synthetic supplier file (same
schema and mix as ``data/examples/suppliers.csv``) in a work directory, then
measures, each in a fresh child process:

1. **Input frame** - ``pandas.read_csv(input, dtype=str,
   keep_default_na=False)`` and ``DataFrame.memory_usage(deep=True).sum()``:
   the size of the loaded input, the yardstick of the memory target.
2. **CLI** - ``demandrisk score INPUT -o OUTPUT [--score-args]``.
3. **I/O floor** - read the input with ``pandas.read_csv``, add columns of
   the kinds and mean widths of those the CLI just added (:func:`floor_shape`)
   and write it with ``to_csv``: the same input, an output of about the same
   bytes. The CLI has to do at least this much work, so
   ``score_s / io_floor_s`` is the overhead of scoring itself.
4. **API** - ``demandrisk.score(df)`` on an already-loaded DataFrame, timed
   with :func:`time.perf_counter` inside the child. Skipped above
   ``--api-max-rows``: the API returns the whole scored table in memory.
5. **Tiers** - the supply-graph step alone (``build_graph`` + ``infer_tiers``
   + ``chain_exposure``) on the graph of the same file, with seeded random own
   scores, timed inside the child.

A measurement that fails, times out or is killed (out of memory) is recorded
as ``-`` with the reason in the notes, and the run goes on; so is one whose
projected peak memory would not fit in the memory available.

Wall time is measured around each subprocess (or inside it, for the API and
the tiers). Peak RSS comes from the kernel: each child is reaped with
:func:`os.wait4`, whose ``ru_maxrss`` belongs to that child alone (unlike
``getrusage(RUSAGE_CHILDREN)``, which keeps the maximum over all children ever
waited for and so cannot be differenced). Running every measurement in a new
process also keeps the generator's memory out of the figures; the generator
itself runs in a child too, so its own peak is logged.

Usage::

    python benchmarks/bench_score.py --sizes 10000 100000 --plot scaling.svg
    python benchmarks/bench_score.py --output results.md --json results.json
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "data" / "examples" / "suppliers.csv"
DEFAULT_SIZES = [10_000, 100_000, 1_000_000, 5_000_000]
# The in-memory API keeps the input, every intermediate and the scored table
# (~5 KB per row when this was written), so 5M rows would need ~24 GB.
DEFAULT_API_MAX_ROWS = 1_000_000
# Fallback for the memory projection when no smaller size has been measured.
API_BYTES_PER_ROW = 5_000

COLUMNS = [
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
]
EVIDENCE_COLUMNS = [
    "migrant_worker_share",
    "agency_worker_share",
    "uses_recruiter",
    "audit_forced_labour_indicators",
]
# Columns copied verbatim from the template row behind each output row.
TEMPLATE_TEXT_COLUMNS = [
    "name",
    "country",
    "sector",
    "good",
    "uses_recruiter",
    "audit_forced_labour_indicators",
]
SHARE_COLUMNS = [c for c in EVIDENCE_COLUMNS if c.endswith("_share")]

# Shape of the columns ``demandrisk score`` adds to each row, for the I/O
# floor: decimals of each numeric column (-1: a one-digit integer), mean
# length of each text column, and whether text cells are quoted (demandrisk's
# Arrow writer quotes every text cell, ~7 % of its bytes). Each size is scored
# first and the floor is then shaped like that scored output
# (:func:`floor_shape`), so both write about the same bytes however the
# output evolves (the table shows both sizes). This default, from a 10k-row
# synthetic file scored on 2026-11-28 (20 numeric and 23 text columns, about
# 1 KB per row with the input columns), is used only when no scored output is
# at hand (``--io-floor-only``, or the CLI failed at this size and every
# smaller one).
DEFAULT_FLOOR_SHAPE: dict[str, Any] = {
    "float_decimals": [1, 9, 4, 4, 9, 2, 12, 5, 4, 1, -1, 5, 5, 2, -1, 1, -1, -1, 9, 3],
    "text_lengths": [3, 4, 3, 5, *([12] * 5), 13, 10, 13, 7, 7, 7, 8, 7, 60, 404]
    + [5, 7, 18, 82],
    "quote_strings": True,
}
# Rows of the scored output read to shape the floor.
SHAPE_SAMPLE_ROWS = 20_000

# The I/O floor: read, add columns of the scored file's shape, write.
# Run as ``python -c IO_FLOOR_CODE INPUT OUTPUT SHAPE_JSON``.
# Text cells come from a few random templates per column (vectorised, no
# per-row Python) so pandas writes realistic, non-constant strings.
IO_FLOOR_CODE = """
import csv
import json
import sys
import numpy as np
import pandas as pd
df = pd.read_csv(sys.argv[1])
n = len(df)
shape = json.loads(sys.argv[3])
quoting = csv.QUOTE_NONNUMERIC if shape["quote_strings"] else csv.QUOTE_MINIMAL
rng = np.random.default_rng(0)
for i, decimals in enumerate(shape["float_decimals"]):
    if decimals < 0:
        df[f"number_{i:02d}"] = rng.integers(0, 10, n)
    else:
        df[f"number_{i:02d}"] = np.round(rng.random(n) * 100, decimals)
letters = np.array(list("abcdefghijklmnopqrstuvwxyz ;-"), dtype=object)
for i, length in enumerate(shape["text_lengths"]):
    templates = np.array(
        ["".join(rng.choice(letters, length)) for _ in range(8)], dtype=object
    )
    df[f"text_{i:02d}"] = templates[rng.integers(0, 8, n)]
df.to_csv(sys.argv[2], index=False, quoting=quoting)
"""

# Size of the loaded input frame, the yardstick of the memory target. Every
# column as text, blanks kept as "" (no NaN guessing): the input as given,
# before any parsing. Under pandas >= 3 with pyarrow, ``dtype=str`` stores
# Arrow strings, so deep memory is close to the bytes of the text itself.
FRAME_CODE = """
import json, sys
import pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
print(json.dumps({"rows": len(df), "bytes": int(df.memory_usage(deep=True).sum())}))
"""

# The API measurement, in a fresh process so RSS reflects only this work.
# Prints one JSON line: score time, RSS high-water mark before and after.
API_CODE = """
import json, resource, sys, time
import pandas as pd
import demandrisk
scale = 1 if sys.platform == "darwin" else 1024
df = pd.read_csv(sys.argv[1])
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
t0 = time.perf_counter()
result = demandrisk.score(df)
elapsed = time.perf_counter() - t0
rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
print(json.dumps({"api_s": elapsed, "rss_loaded": rss_loaded, "rss_peak": rss_peak}))
"""

# Tier propagation alone, as ``demandrisk.chain`` runs it: build the graph
# from the ids, buyers, spend and declared tiers, infer tiers, propagate
# seeded random own scores. The graph modules are being reworked, so the
# imports are guarded as in bench_tiers.py and a changed signature fails this
# child only (recorded as a note), not the whole benchmark.
# Run as ``python -c TIERS_CODE INPUT SEED``; prints one JSON line.
TIERS_CODE = """
import json, resource, sys, time
import numpy as np
import pandas as pd
try:
    from demandrisk.config import load_config
    from demandrisk.graph import build_graph, infer_tiers
    from demandrisk.tiers import chain_exposure
except ImportError as exc:
    sys.exit(f"demandrisk graph functions not importable: {exc}")
scale = 1 if sys.platform == "darwin" else 1024
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
df = pd.read_csv(sys.argv[1], usecols=["supplier_id", "buyer_id", "spend", "tier"],
                 dtype=str, keep_default_na=False)
n = len(df)
# The same inputs chain._graph passes: stripped ids as object arrays, floats.
ids = df["supplier_id"].str.strip().to_numpy(dtype=object)
buyers = df["buyer_id"].str.strip().to_numpy(dtype=object)
spend = pd.to_numeric(df["spend"], errors="coerce").to_numpy(dtype=float)
declared = pd.to_numeric(df["tier"], errors="coerce").to_numpy(dtype=float)
del df
own = np.random.default_rng(int(sys.argv[2])).uniform(0, 100, n)
config = load_config()
rss_loaded = peak()
t0 = time.perf_counter()
graph = build_graph(ids, buyers, spend=spend, declared_tiers=declared)
t1 = time.perf_counter()
tiers = infer_tiers(graph)
t2 = time.perf_counter()
chain = chain_exposure(graph, own, config.tiers, config.bands, tiers=tiers)
t3 = time.perf_counter()
supply = getattr(graph, "supply", None)
# Links stored in the graph, those to the company (tier 1) included.
edges = int(supply.nnz) if supply is not None else n
print(json.dumps({"tiers_s": t3 - t0, "build_s": t1 - t0, "infer_s": t2 - t1,
                  "chain_s": t3 - t2, "edges": edges, "rss_loaded": rss_loaded,
                  "rss_peak": peak()}))
"""

MB = 1024 * 1024


@dataclass
class Run:
    """Outcome of one measured subprocess."""

    wall_s: float
    peak_rss_bytes: int
    stdout: str

    def json(self) -> dict[str, Any]:
        """The last stdout line, parsed (the children print one JSON line)."""
        return json.loads(self.stdout.strip().splitlines()[-1])


class MeasurementError(RuntimeError):
    """A measured child failed, was killed or timed out."""


@dataclass
class Settings:
    """Options shared by every size (see :func:`main` for their meaning)."""

    cli: list[str] | None
    seed: int = 0
    repeat: int = 1
    timeout: float | None = None
    score_args: list[str] = field(default_factory=list)
    api_max_rows: int = DEFAULT_API_MAX_ROWS
    memory_guard: bool = True
    keep_files: bool = False
    # Shape of the I/O floor's added columns and the size whose scored
    # output it came from (None: DEFAULT_FLOOR_SHAPE); updated after each
    # successful CLI run, see floor_shape.
    floor_shape: dict[str, Any] = field(
        default_factory=lambda: dict(DEFAULT_FLOOR_SHAPE)
    )
    floor_shape_rows: int | None = None


@dataclass
class Draws:
    """Everything random about a synthetic file, one entry per output row.

    ``buyer_num`` is the 1-based number in the buyer's id (``S-000042`` is
    42), 0 for a direct (tier-1) supplier; ``shares`` holds the jittered
    evidence shares, rounded to 2 decimals, NaN for blank.
    """

    base: pd.DataFrame
    src: np.ndarray
    tier: np.ndarray
    buyer_num: np.ndarray
    spend: np.ndarray
    workers: np.ndarray
    shares: dict[str, np.ndarray]
    width: int


def _draw(n: int, seed: int, template: Path) -> Draws:
    """Draw a synthetic file of ``n`` rows; see :func:`make_suppliers`.

    Only numpy arrays of ``n`` numbers are built here (no per-row Python
    strings): a dozen int64/float64 arrays at most, ~100 bytes per row. The
    order of the random draws is part of the output:
    changing it changes every generated file.
    """
    if not template.exists():
        raise SystemExit(
            f"template {template} not found: run "
            "`python scripts/make_example_suppliers.py` first"
        )
    rng = np.random.default_rng(seed)
    base = pd.read_csv(template, dtype=str, keep_default_na=False)

    # One draw per row for everything, so spend, headcount and evidence stay
    # tied to a site of the right kind (no 600-worker cotton farm in the UK).
    # Draws are sorted by tier so each tier is a contiguous block; buyers are
    # then random positions in the previous tier's block.
    base_tier = base["tier"].astype(int).to_numpy()
    idx = rng.integers(0, len(base), n)
    idx = idx[np.argsort(base_tier[idx], kind="stable")]
    tier = base_tier[idx]
    counts = np.bincount(tier, minlength=4)
    if counts[1] == 0:
        raise SystemExit(f"template {template} has no tier-1 rows")
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]  # start of tier t block
    buyer = np.full(n, -1, dtype=np.int64)
    for t in (2, 3):
        rows = tier == t
        parent_tier = t - 1 if counts[t - 1] else 1
        buyer[rows] = starts[parent_tier] + rng.integers(
            0, counts[parent_tier], int(rows.sum())
        )
    # A tier-3 row whose tier 2 was empty points at tier 1: it is tier 2.
    tier = np.where(buyer >= 0, tier[np.maximum(buyer, 0)] + 1, 1)

    # Shuffle rows and number ids in file order, as a real export would look:
    # output row i is tier-sorted row perm[i], whose id number is i + 1.
    perm = rng.permutation(n)
    new_pos = np.empty(n, dtype=np.int64)
    new_pos[perm] = np.arange(n)
    buyer_sorted = buyer[perm]
    buyer_num = np.where(buyer_sorted >= 0, new_pos[np.maximum(buyer_sorted, 0)] + 1, 0)
    del buyer, buyer_sorted, new_pos

    src = idx[perm]  # template row behind each output row
    spend = base["spend"].astype(float).to_numpy()[src] * rng.lognormal(0.0, 0.3, n)
    workers = base["workers"].astype(float).to_numpy()[src] * rng.lognormal(0.0, 0.3, n)
    shares = {}
    for column in SHARE_COLUMNS:
        # Jitter reported shares so 1M rows are not ~300 repeated values;
        # blanks stay blank (NaN is written as an empty cell).
        share = pd.to_numeric(base[column], errors="coerce").to_numpy()[src]
        share = np.clip(share * rng.lognormal(0.0, 0.2, n), 0.0, 1.0)
        shares[column] = np.round(share, 2)
    return Draws(
        base=base,
        src=src,
        tier=tier[perm],
        buyer_num=buyer_num,
        spend=np.maximum(100, np.round(spend, -2)).astype(np.int64),
        workers=np.maximum(3, np.rint(workers)).astype(np.int64),
        shares=shares,
        width=max(4, len(str(n))),
    )


def make_suppliers(n: int, seed: int = 0, template: Path = TEMPLATE) -> pd.DataFrame:
    """Generate ``n`` synthetic suppliers with the example file's mix.

    Sites (name, country, sector, good, tier) and supplier evidence are
    bootstrapped from the bundled example, so country spellings, sector code
    forms, goods and evidence sparsity keep the same proportions; spend and
    headcount are jittered lognormally. Buyers are drawn so that tier-2 rows
    point at tier-1 rows and tier-3 at tier-2. Fully vectorised.

    The benchmark itself writes files with :func:`write_suppliers`, which
    gives the same bytes as ``make_suppliers(n).to_csv(path, index=False)``
    without building millions of Python strings.

    Parameters
    ----------
    n : int
        Number of rows.
    seed : int, default 0
        Seed for :func:`numpy.random.default_rng`.
    template : pathlib.Path
        Example supplier file to resample.

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`COLUMNS`, rows in shuffled order.
    """
    d = _draw(n, seed, template)
    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(d.width).radd("S-")
    ids = ids.to_numpy()
    df = pd.DataFrame(
        {
            "supplier_id": ids,
            "name": d.base["name"].to_numpy()[d.src],
            "country": d.base["country"].to_numpy()[d.src],
            "sector": d.base["sector"].to_numpy()[d.src],
            "buyer_id": np.where(
                d.buyer_num > 0, ids[np.maximum(d.buyer_num - 1, 0)], ""
            ),
            "tier": d.tier,
            "spend": d.spend,
            "workers": d.workers,
            "good": d.base["good"].to_numpy()[d.src],
        }
    )
    for column in EVIDENCE_COLUMNS:
        if column in d.shares:
            df[column] = d.shares[column]
        else:
            df[column] = d.base[column].to_numpy()[d.src]
    return df[COLUMNS]


def _csv_cell(text: str) -> str:
    """Quote ``text`` as pandas' ``to_csv`` does (``csv.QUOTE_MINIMAL``)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _take_text(texts: np.ndarray | list[str], codes: np.ndarray) -> pa.Array:
    """``texts[codes]`` as an Arrow string array; code -1 gives an empty cell."""
    taken = pa.array(texts, type=pa.string()).take(pa.array(codes, mask=codes < 0))
    return pc.fill_null(taken, "")


def _ids(numbers: np.ndarray, width: int) -> pa.Array:
    """``S-`` + zero-padded ``numbers``; 0 gives an empty cell (no buyer)."""
    digits = pa.array(numbers, mask=numbers == 0).cast(pa.string())
    padded = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.fill_null(pc.binary_join_element_wise("S-", padded, ""), "")


def _string_bytes(array: pa.Array) -> memoryview:
    """The concatenated characters of an Arrow string array, without copying."""
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=offset_type)
    first, last = offsets[array.offset], offsets[array.offset + len(array)]
    return memoryview(array.buffers()[2])[first:last]


def write_suppliers(
    n: int,
    path: Path,
    seed: int = 0,
    template: Path = TEMPLATE,
    chunk_rows: int = 500_000,
) -> None:
    """Write :func:`make_suppliers` ``(n, seed)`` to ``path`` as CSV, fast.

    The bytes are those of ``make_suppliers(n, seed).to_csv(path,
    index=False)`` (pandas' quoting and float formatting, ``\\n`` line ends),
    but lines are assembled with Arrow's string kernels a chunk of rows at a
    time: pandas ``to_csv`` builds a Python string per cell, so 5M rows took
    minutes and several GB. Cells that come from
    the template (names, countries...) are quoted once per template value.
    ``pyarrow.csv`` is not used because it quotes every string cell.

    Measured: 1M rows in ~5 s with a peak of ~450 MB (about 220 bytes per
    row beyond the first chunk, so ~1.3 GB for 5M rows); pandas needed 2.5 KB
    per row and ~20 s per million rows for the same file.

    Parameters
    ----------
    n : int
        Number of rows.
    path : pathlib.Path
        CSV file to write.
    seed : int, default 0
        Seed for :func:`numpy.random.default_rng`.
    template : pathlib.Path
        Example supplier file to resample.
    chunk_rows : int, default 500000
        Rows formatted at a time; bounds the text held in memory.
    """
    d = _draw(n, seed, template)
    text = {
        column: [_csv_cell(v) for v in d.base[column]]
        for column in TEMPLATE_TEXT_COLUMNS
    }
    # Shares take ~100 distinct values: format each once, as pandas would
    # (``str`` of a float64: 0.4, 1.0), and index. NaN codes are -1: blank.
    share_codes = {}
    for column, values in d.shares.items():
        codes, uniques = pd.factorize(values)
        share_codes[column] = (codes, np.asarray(uniques).astype(str))
    with open(path, "wb") as out:
        out.write((",".join(COLUMNS) + "\n").encode())
        for start in range(0, n, chunk_rows):
            rows = slice(start, min(n, start + chunk_rows))
            src = d.src[rows]
            cells = {
                "supplier_id": _ids(np.arange(rows.start + 1, rows.stop + 1), d.width),
                "buyer_id": _ids(d.buyer_num[rows], d.width),
                "tier": pa.array(d.tier[rows]).cast(pa.string()),
                "spend": pa.array(d.spend[rows]).cast(pa.string()),
                "workers": pa.array(d.workers[rows]).cast(pa.string()),
            }
            for column in TEMPLATE_TEXT_COLUMNS:
                cells[column] = _take_text(text[column], src)
            for column, (codes, uniques) in share_codes.items():
                cells[column] = _take_text(uniques, codes[rows])
            lines = pc.binary_join_element_wise(*(cells[c] for c in COLUMNS), ",")
            lines = pc.binary_join_element_wise(lines, "", "\n")
            out.write(_string_bytes(lines))


def floor_shape(scored: Path, rows: int = SHAPE_SAMPLE_ROWS) -> dict[str, Any]:
    """Shape of the columns a scored file adds, for the I/O floor.

    A column whose non-blank cells all parse as numbers is numeric; the floor
    writes random floats with enough decimals to match its mean width
    (``xx.`` plus decimals), or one-digit integers for narrow ones such as the
    tier. Other columns are text of their mean length. Blank cells count in
    the means, so sparse columns stay narrow. A quoted header means text
    cells are quoted; the floor then writes with ``csv.QUOTE_NONNUMERIC``.

    Parameters
    ----------
    scored : pathlib.Path
        CSV written by ``demandrisk score``.
    rows : int
        Rows read from its top.

    Returns
    -------
    dict
        ``{"float_decimals": [...], "text_lengths": [...], "quote_strings":
        bool}``, as :data:`DEFAULT_FLOOR_SHAPE`.
    """
    with open(scored, "rb") as f:
        quoted = f.read(1) == b'"'
    sample = pd.read_csv(scored, nrows=rows, dtype=str, keep_default_na=False)
    decimals, lengths = [], []
    for column in sample.columns.difference(COLUMNS, sort=False):
        text = sample[column]
        width = float(text.str.len().mean())
        filled = text[text != ""]
        if len(filled) and pd.to_numeric(filled, errors="coerce").notna().all():
            decimals.append(-1 if width < 2.5 else max(1, round(width - 3)))
        else:
            lengths.append(max(1, round(width)))
    return {
        "float_decimals": decimals,
        "text_lengths": lengths,
        "quote_strings": quoted,
    }


def run_measured(cmd: list[str], timeout: float | None = None) -> Run:
    """Run ``cmd``, returning wall time, its own peak RSS and its stdout.

    Parameters
    ----------
    cmd : list of str
        Command and arguments.
    timeout : float, optional
        Seconds before the child is killed.

    Returns
    -------
    Run

    Raises
    ------
    MeasurementError
        If the command times out or exits non-zero (its stderr tail is in the
        message), so the caller can record the failure and go on.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        deadline = None if timeout is None else start + timeout
        # Poll with WNOHANG instead of Popen.wait(): wait4 must reap the child
        # itself to receive its rusage.
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -signal.SIGKILL  # reaped: keep Popen quiet
                raise MeasurementError(f"timed out after {timeout:g} s")
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        raise MeasurementError(f"killed by {name}{hint}")
    if proc.returncode != 0:
        # The last lines of stderr, without tqdm's carriage-return redraws.
        lines = [line.split("\r")[-1] for line in stderr.strip().splitlines()]
        tail = " | ".join(line for line in lines[-6:] if line.strip())
        raise MeasurementError(f"exit code {proc.returncode}: {tail}")
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return Run(wall, usage.ru_maxrss * scale, stdout)


def best_of(
    cmd: list[str], repeat: int, timeout: float | None, key: str | None = None
) -> Run:
    """Run ``cmd`` ``repeat`` times and keep the fastest run.

    The minimum is reported because noise on a shared machine only ever adds
    time; the peak RSS shown is that of the same run. ``key`` ranks runs by
    that field of their JSON output (a time taken inside the child) instead
    of the wall time around it.
    """
    runs = [run_measured(cmd, timeout) for _ in range(repeat)]
    if key is None:
        return min(runs, key=lambda r: r.wall_s)
    return min(runs, key=lambda r: r.json()[key])


def find_cli(explicit: str | None) -> list[str]:
    """Locate the ``demandrisk`` console script, preferring this interpreter's.

    The script beside ``sys.executable`` wins over ``PATH`` so that a benchmark
    run from a virtualenv measures that environment's install.
    """
    if explicit:
        return shlex.split(explicit)
    local = Path(sys.executable).parent / "demandrisk"
    if local.exists():
        return [str(local)]
    found = shutil.which("demandrisk")
    if found:
        return [found]
    # Fall back to ``python -m demandrisk``; fails clearly if there is no
    # ``__main__`` module.
    return [sys.executable, "-m", "demandrisk"]


def require_demandrisk() -> None:
    """Exit with an install hint if ``demandrisk`` cannot be imported."""
    if importlib.util.find_spec("demandrisk") is None:
        raise SystemExit(
            f"demandrisk is not importable from {sys.executable}.\n"
            "Install it first, from the repository root:  pip install -e .\n"
            "(or run with --io-floor-only to measure only the I/O floor)"
        )


def available_mb() -> float | None:
    """``MemAvailable`` from ``/proc/meminfo`` in MiB; ``None`` off Linux."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def projected_mb(history: list[dict[str, Any]], key: str, n: int) -> float | None:
    """Peak memory ``key`` at ``n`` rows, scaled linearly from the largest
    smaller size measured so far; ``None`` if there is none."""
    known = [r for r in history if key in r and r["rows"] < n]
    if not known:
        return None
    last = max(known, key=lambda r: r["rows"])
    return last[key] / last["rows"] * n


def too_big(
    history: list[dict[str, Any]], key: str, n: int, settings: Settings
) -> str | None:
    """Why a run of ``n`` rows should be skipped for memory, or ``None``.

    A run whose linear projection exceeds 90 % of the memory available now
    would only be killed by the OOM killer after pushing everything else on
    a shared machine out of memory, so it is not started.
    """
    if not settings.memory_guard:
        return None
    need, free = projected_mb(history, key, n), available_mb()
    if need is None or free is None or need < 0.9 * free:
        return None
    return (
        f"projected peak {need / 1024:.1f} GB (linear from the smaller sizes) "
        f"> 90 % of the {free / 1024:.1f} GB available; --no-memory-guard "
        "runs it anyway"
    )


def bench_size(
    n: int,
    workdir: Path,
    settings: Settings,
    history: list[dict[str, Any]],
    notes: list[str],
) -> dict[str, Any]:
    """Generate one input of ``n`` rows and measure it.

    Parameters
    ----------
    n : int
        Rows in the synthetic input.
    workdir : pathlib.Path
        Where the input and the outputs are written.
    settings : Settings
        Options shared by every size; ``settings.cli is None`` measures the
        input frame and the I/O floor only.
    history : list of dict
        Rows of the smaller sizes already measured, for memory projections.
    notes : list of str
        Failures and skipped measurements are appended here.

    Returns
    -------
    dict of str to float
        One table row, keyed by the names in :data:`TABLES`; a figure that
        could not be measured is absent (shown as ``-``).
    """
    tag = f"[{n:>9,} rows]"

    def log(message: str) -> None:
        print(f"{tag} {message}", file=sys.stderr, flush=True)

    def measure(
        what: str, cmd: list[str], key: str | None = None, repeat: int | None = None
    ) -> Run | None:
        try:
            return best_of(cmd, repeat or settings.repeat, settings.timeout, key)
        except MeasurementError as exc:
            notes.append(f"{n:,} rows: {what} failed, {exc}")
            log(f"{what} FAILED: {exc}")
            return None

    src = workdir / f"suppliers_{n}.csv"
    # The generator runs in a child too, so its peak is its own and the
    # parent stays small however large the file.
    gen_cmd = [sys.executable, str(Path(__file__).resolve()), "--write-input"]
    try:
        gen = run_measured([*gen_cmd, str(n), str(src), "--seed", str(settings.seed)])
    except MeasurementError as exc:
        raise SystemExit(f"generating {n:,} rows failed: {exc}") from None
    row: dict[str, Any] = {"rows": n, "input_mb": src.stat().st_size / MB}
    log(
        f"generated {src.name} ({row['input_mb']:.1f} MB) in {gen.wall_s:.1f} s, "
        f"generator peak {gen.peak_rss_bytes / MB:.0f} MB"
    )
    outputs = []
    try:
        # Deterministic: measured once whatever --repeat says.
        frame_cmd = [sys.executable, "-c", FRAME_CODE, str(src)]
        frame = measure("input frame", frame_cmd, repeat=1)
        if frame is not None:
            row["input_frame_mb"] = frame.json()["bytes"] / MB
            log(f"input frame {row['input_frame_mb']:.1f} MB")

        # The CLI runs before the floor so that the floor can be shaped like
        # its output (see floor_shape); the input is in the page cache for
        # both, having just been written.
        if settings.cli is not None:
            scored = workdir / f"scored_{n}.csv"
            outputs.append(scored)
            reason = too_big(history, "peak_rss_mb", n, settings)
            cli_cmd = [*settings.cli, "score", str(src), "-o", str(scored)]
            cli_run = None
            if reason:
                notes.append(f"{n:,} rows: demandrisk score not run, {reason}")
                log(f"demandrisk score skipped: {reason}")
            else:
                cli_run = measure("demandrisk score", [*cli_cmd, *settings.score_args])
            if cli_run is not None:
                if not scored.exists() or scored.stat().st_size == 0:
                    raise SystemExit(f"demandrisk score wrote no output to {scored}")
                row["score_s"] = cli_run.wall_s
                row["us_per_row"] = cli_run.wall_s / n * 1e6
                row["peak_rss_mb"] = cli_run.peak_rss_bytes / MB
                row["output_mb"] = scored.stat().st_size / MB
                settings.floor_shape = floor_shape(scored)
                settings.floor_shape_rows = n
                log(f"demandrisk score {cli_run.wall_s:.2f} s")

        floor_out = workdir / f"floor_{n}.csv"
        outputs.append(floor_out)
        floor_cmd = [
            sys.executable,
            "-c",
            IO_FLOOR_CODE,
            str(src),
            str(floor_out),
            json.dumps(settings.floor_shape),
        ]
        floor = measure("I/O floor", floor_cmd)
        if floor is not None:
            row["io_floor_s"] = floor.wall_s
            row["io_floor_rss_mb"] = floor.peak_rss_bytes / MB
            row["io_floor_output_mb"] = floor_out.stat().st_size / MB
            row["io_floor_shape_rows"] = settings.floor_shape_rows
            if settings.cli is not None and settings.floor_shape_rows != n:
                notes.append(
                    f"{n:,} rows: no scored output, I/O floor shaped like "
                    + (
                        f"the scored output of {settings.floor_shape_rows:,} rows"
                        if settings.floor_shape_rows
                        else "DEFAULT_FLOOR_SHAPE"
                    )
                )
            log(f"io floor {floor.wall_s:.2f} s")
        if settings.cli is None:
            return row

        reason = None
        if n > settings.api_max_rows:
            projected = projected_mb(history, "api_peak_rss_mb", n)
            need = (projected * MB if projected else API_BYTES_PER_ROW * n) / 1024**3
            reason = (
                f"{n:,} > --api-max-rows {settings.api_max_rows:,}: the API "
                f"holds the whole scored table in memory (~{need:.1f} GB "
                "projected)"
            )
        reason = reason or too_big(history, "api_peak_rss_mb", n, settings)
        api = None
        if reason:
            notes.append(f"{n:,} rows: API not run, {reason}")
            log(f"demandrisk.score skipped: {reason}")
        else:
            api_cmd = [sys.executable, "-c", API_CODE, str(src)]
            api = measure("demandrisk.score", api_cmd, key="api_s")
        if api is not None:
            figures = api.json()
            row["api_s"] = figures["api_s"]
            row["api_us_per_row"] = figures["api_s"] / n * 1e6
            row["api_peak_rss_mb"] = figures["rss_peak"] / MB
            # Memory that scoring adds on top of the loaded DataFrame.
            row["api_extra_rss_mb"] = (figures["rss_peak"] - figures["rss_loaded"]) / MB
            log(f"demandrisk.score {figures['api_s']:.2f} s")

        tiers = None
        reason = too_big(history, "tiers_peak_rss_mb", n, settings)
        if reason:
            notes.append(f"{n:,} rows: tier propagation not run, {reason}")
            log(f"tiers skipped: {reason}")
        else:
            tiers_cmd = [sys.executable, "-c", TIERS_CODE, str(src), str(settings.seed)]
            tiers = measure("tier propagation", tiers_cmd, key="tiers_s")
        if tiers is not None:
            figures = tiers.json()
            edges = figures["edges"]
            row["edges"] = edges
            row["tiers_s"] = figures["tiers_s"]
            row["edges_per_s"] = edges / figures["tiers_s"]
            row["tiers_peak_rss_mb"] = figures["rss_peak"] / MB
            row["tiers_bytes_per_edge"] = figures["rss_peak"] / edges
            row["tiers_extra_bytes_per_edge"] = (
                figures["rss_peak"] - figures["rss_loaded"]
            ) / edges
            log(
                f"tiers {figures['tiers_s']:.2f} s (build {figures['build_s']:.2f}, "
                f"infer {figures['infer_s']:.2f}, chain {figures['chain_s']:.2f})"
            )

        frame_mb = row.get("input_frame_mb")
        if frame_mb:
            for peak, ratio in (
                ("peak_rss_mb", "mem_ratio"),
                ("api_peak_rss_mb", "api_mem_ratio"),
            ):
                if peak in row:
                    row[ratio] = row[peak] / frame_mb
        if "score_s" in row and "io_floor_s" in row:
            row["ratio"] = row["score_s"] / row["io_floor_s"]
        return row
    finally:
        # Outputs reach GBs at 5M rows: without --workdir drop them as soon
        # as their size is recorded, so only one size is on disk at a time.
        if not settings.keep_files:
            for path in [src, *outputs]:
                path.unlink(missing_ok=True)


# (title, [(column, format)]) of each printed table; every table starts with
# the row count. Missing figures show as "-".
TABLES = [
    (
        "End to end: `demandrisk score` vs the I/O floor",
        [
            ("rows", "{:,.0f}"),
            ("input_mb", "{:.1f}"),
            ("input_frame_mb", "{:.1f}"),
            ("io_floor_s", "{:.2f}"),
            ("score_s", "{:.2f}"),
            ("ratio", "{:.2f}"),
            ("us_per_row", "{:.1f}"),
            ("peak_rss_mb", "{:.0f}"),
            ("mem_ratio", "{:.1f}"),
            ("io_floor_rss_mb", "{:.0f}"),
            ("output_mb", "{:.0f}"),
            ("io_floor_output_mb", "{:.0f}"),
        ],
    ),
    (
        "Python API, no I/O: `demandrisk.score(df)`",
        [
            ("rows", "{:,.0f}"),
            ("api_s", "{:.2f}"),
            ("api_us_per_row", "{:.1f}"),
            ("api_peak_rss_mb", "{:.0f}"),
            ("api_mem_ratio", "{:.1f}"),
            ("api_extra_rss_mb", "{:.0f}"),
        ],
    ),
    (
        "Tier propagation on the same graph: build_graph + infer_tiers + "
        "chain_exposure",
        [
            ("rows", "{:,.0f}"),
            ("edges", "{:,.0f}"),
            ("tiers_s", "{:.2f}"),
            ("edges_per_s", "{:,.0f}"),
            ("tiers_peak_rss_mb", "{:.0f}"),
            ("tiers_bytes_per_edge", "{:,.0f}"),
            ("tiers_extra_bytes_per_edge", "{:,.0f}"),
        ],
    ),
]


def markdown_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """Render one table as Markdown; missing figures show as ``-``."""
    names = [name for name, _ in columns]
    lines = [
        "| " + " | ".join(names) + " |",
        "|" + "|".join("---:" for _ in names) + "|",
    ]
    for row in rows:
        cells = [fmt.format(row[name]) if name in row else "-" for name, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def slopes(rows: list[dict[str, Any]], key: str) -> list[str]:
    """Log-log slopes of ``key`` against rows between consecutive sizes.

    1.0 is linear; below 1 a fixed cost (start-up) still dominates, above 1
    the cost per row grows with the file.
    """
    pts = [(r["rows"], r[key]) for r in rows if r.get(key)]
    return [
        f"{n0:,}->{n1:,}: {math.log(t1 / t0) / math.log(n1 / n0):.2f}"
        for (n0, t0), (n1, t1) in zip(pts, pts[1:], strict=False)
    ]


def summary_notes(rows: list[dict[str, Any]]) -> list[str]:
    """Lines on the issue's targets and on linearity, from the measured rows."""
    lines = []
    at_1m = [r for r in rows if r["rows"] == 1_000_000 and "ratio" in r]
    if at_1m:
        ratio = at_1m[0]["ratio"]
        verdict = "met" if ratio <= 1.5 else "NOT met"
        lines.append(
            f"target end-to-end <= 1.5x I/O floor at 1M rows: {ratio:.2f}x, {verdict}"
        )
    mem = [f"{r['rows']:,}: {r['mem_ratio']:.1f}x" for r in rows if "mem_ratio" in r]
    if mem:
        worst = max(r["mem_ratio"] for r in rows if "mem_ratio" in r)
        verdict = "met" if worst <= 3 else "NOT met"
        lines.append(
            f"target CLI peak RSS <= 3x input frame: {', '.join(mem)}; {verdict}"
        )
    for key in ("io_floor_s", "score_s", "api_s", "tiers_s"):
        found = slopes(rows, key)
        if found:
            lines.append(
                f"log-log slope of {key} vs rows (1.00 = linear): {', '.join(found)}"
            )
    tiers = [r for r in rows if "tiers_extra_bytes_per_edge" in r]
    free = available_mb()
    if tiers and free:
        last = max(tiers, key=lambda r: r["rows"])
        per_edge = last["tiers_extra_bytes_per_edge"]
        if per_edge > 0:
            lines.append(
                f"tier propagation at {per_edge:,.0f} bytes per edge (largest size): "
                f"the {free / 1024:.1f} GB available now carry "
                f"~{free * MB / per_edge / 1e6:,.0f}M edges"
            )
    return lines


def environment(settings: Settings) -> list[str]:
    """Header lines: versions, machine and the exact commands measured."""

    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        pass
    machine = f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores"
    if total:
        machine += f", {total:.0f} GiB RAM"
    lines = [
        f"date {date.today().isoformat()}; {machine}",
        f"Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, pyarrow {pa.__version__}, "
        f"demandrisk {version('demandrisk')}",
        f"best of --repeat {settings.repeat}; seed {settings.seed}",
    ]
    if settings.cli is not None:
        extra = " " + shlex.join(settings.score_args) if settings.score_args else ""
        lines.append(f"CLI run: `demandrisk score INPUT -o OUTPUT{extra}`")
        lines.append("I/O floor shaped like the scored output of the same size")
    else:
        lines.append("I/O floor shaped like DEFAULT_FLOOR_SHAPE (no scored output)")
    return lines


def render(rows: list[dict[str, Any]], settings: Settings, notes: list[str]) -> str:
    """The whole report as Markdown: environment, tables, notes."""
    parts = ["\n".join(f"- {line}" for line in environment(settings)) + "\n"]
    tables = TABLES if settings.cli is not None else TABLES[:1]
    for title, columns in tables:
        parts.append(f"**{title}**\n\n" + markdown_table(rows, columns))
    lines = summary_notes(rows) + notes
    if lines:
        parts.append("Notes:\n\n" + "\n".join(f"- {line}" for line in lines) + "\n")
    return "\n".join(parts)


def plot_scaling(rows: list[dict[str, Any]], path: Path, settings: Settings) -> None:
    """Draw time against rows on log-log axes, with a linear guide.

    On log-log axes a cost linear in rows is a line of slope 1, parallel to
    the dotted guide; start-up makes the small sizes flatter.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    # Text as <text> elements, not glyph paths: a third of the SVG's size.
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    series = [
        ("io_floor_s", "I/O floor (pandas read + write)"),
        ("score_s", "demandrisk score (CLI)"),
        ("api_s", "demandrisk.score(df) (API, no I/O)"),
        ("tiers_s", "tier propagation"),
    ]
    for key, label in series:
        pts = [(r["rows"], r[key]) for r in rows if key in r]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=label)
    anchor = [r for r in rows if "score_s" in r] or [
        r for r in rows if "io_floor_s" in r
    ]
    if anchor:
        last = max(anchor, key=lambda r: r["rows"])
        t = last.get("score_s", last.get("io_floor_s"))
        xs = np.array([min(r["rows"] for r in rows), last["rows"]], dtype=float)
        ax.plot(xs, t * xs / last["rows"], ":", color="grey", label="linear (slope 1)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows")
    ax.set_ylabel("seconds")
    extra = " " + shlex.join(settings.score_args) if settings.score_args else ""
    ax.set_title(f"demandrisk scaling{extra}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        description="Benchmark demandrisk scoring against plain pandas CSV I/O."
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=DEFAULT_SIZES,
        help="row counts to benchmark, run smallest first "
        "(default: 10000 100000 1000000 5000000)",
    )
    parser.add_argument(
        "--output", type=Path, help="also write the Markdown report to this file"
    )
    parser.add_argument(
        "--json", type=Path, help="also write the raw figures as JSON to this file"
    )
    parser.add_argument(
        "--plot", type=Path, help="draw time vs rows (log-log) to this file (.svg)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per measurement; the fastest is reported",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--timeout", type=float, help="seconds allowed for each measured run"
    )
    parser.add_argument(
        "--cli",
        help="command to run instead of the demandrisk "
        "console script, e.g. 'python -m demandrisk'",
    )
    parser.add_argument(
        "--score-args",
        default="",
        help="extra arguments for every `demandrisk score` run, given with "
        "'=' since they start with a dash: --score-args='--chunksize 200000' "
        "(recorded in the report)",
    )
    parser.add_argument(
        "--api-max-rows",
        type=int,
        default=DEFAULT_API_MAX_ROWS,
        help="skip the in-memory API above this many rows "
        f"(default: {DEFAULT_API_MAX_ROWS:,})",
    )
    parser.add_argument(
        "--no-memory-guard",
        action="store_true",
        help="run even when the projected peak exceeds the available memory",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep generated and scored files here "
        "(default: a temporary directory, each size removed once measured)",
    )
    parser.add_argument(
        "--io-floor-only",
        action="store_true",
        help="measure only the input frame and the I/O floor (demandrisk not needed)",
    )
    parser.add_argument(
        "--write-input",
        nargs=2,
        metavar=("ROWS", "PATH"),
        help="only write one synthetic input file and exit "
        "(the benchmark runs this in a child)",
    )
    args = parser.parse_args(argv)
    if args.write_input:
        write_suppliers(int(args.write_input[0]), Path(args.write_input[1]), args.seed)
        return 0
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")

    cli = None
    if not args.io_floor_only:
        require_demandrisk()
        cli = find_cli(args.cli)
    settings = Settings(
        cli=cli,
        seed=args.seed,
        repeat=args.repeat,
        timeout=args.timeout,
        score_args=shlex.split(args.score_args),
        api_max_rows=args.api_max_rows,
        memory_guard=not args.no_memory_guard,
        keep_files=args.workdir is not None,
    )

    # Smallest first: each size's memory projection uses the smaller ones.
    sizes = sorted(set(args.sizes))
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="demandrisk-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            results.append(bench_size(n, workdir, settings, results, notes))

    report = render(results, settings, notes)
    print(report, end="")
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    if args.json:
        payload = {
            "environment": environment(settings),
            "score_args": settings.score_args,
            "rows": results,
            "notes": summary_notes(results) + notes,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot_scaling(results, args.plot, settings)
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
