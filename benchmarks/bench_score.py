"""Benchmark ``demandrisk`` scoring against the cost of plain CSV I/O.

For each requested size the script generates a synthetic supplier file (same
schema and mix as ``data/examples/suppliers.csv``) in a temporary directory,
then measures:

1. **I/O floor** - a fresh ``python -c`` process that reads the input with
   ``pandas.read_csv``, adds 35 float and text columns shaped like those of a
   scored file (:data:`FLOOR_TEXT_LENGTHS`) and writes it with ``to_csv``. The
   CLI has to do at least this much work, so ``score_s / io_floor_s`` is the
   overhead of scoring itself.
2. **CLI** - ``demandrisk score INPUT -o OUTPUT`` as a subprocess.
3. **API** - ``demandrisk.score(df)`` on an already-loaded DataFrame, timed
   with :func:`time.perf_counter` inside a fresh Python process.

Wall time is measured around each subprocess. Peak RSS comes from the kernel:
each child is reaped with :func:`os.wait4`, whose ``ru_maxrss`` belongs to that
child alone (unlike ``getrusage(RUSAGE_CHILDREN)``, which keeps the maximum over
all children ever waited for and so cannot be differenced). Running every
measurement in a new process also keeps the generator's memory out of the
figures.

Usage::

    python benchmarks/bench_score.py --sizes 100000 1000000 --output results.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "data" / "examples" / "suppliers.csv"

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

# Shape of what ``demandrisk score`` adds to each row, measured on the example
# file when this script was written: 16 float columns (score, coverage,
# contributions) and 19 text columns with these mean lengths (resolved codes,
# band, 13 basis tags, reason codes, a ~400-character explanation). The floor
# writes about the same bytes per row (floats rounded to 4 decimals, as the
# scores are), so the ratio compares like with like; update these if the
# scored output grows.
FLOOR_FLOAT_COLUMNS = 16
FLOOR_TEXT_LENGTHS = [3, 4, 3, 5, *([11] * 13), 60, 400]

# The I/O floor: read, add columns of the scored file's shape, write.
# Run as ``python -c IO_FLOOR_CODE INPUT OUTPUT N_FLOAT TEXT_LENGTHS_JSON``.
# Text cells come from a few random templates per column (vectorised, no
# per-row Python) so pandas writes realistic, non-constant strings.
IO_FLOOR_CODE = """
import json
import sys
import numpy as np
import pandas as pd
df = pd.read_csv(sys.argv[1])
n = len(df)
rng = np.random.default_rng(0)
for i in range(int(sys.argv[3])):
    df[f"float_{i:02d}"] = np.round(rng.random(n) * 100, 4)
letters = np.array(list("abcdefghijklmnopqrstuvwxyz ;-"), dtype=object)
for i, length in enumerate(json.loads(sys.argv[4])):
    templates = np.array(
        ["".join(rng.choice(letters, length)) for _ in range(8)], dtype=object
    )
    df[f"text_{i:02d}"] = templates[rng.integers(0, 8, n)]
df.to_csv(sys.argv[2], index=False)
"""

# The API measurement, in a fresh process so RSS reflects only this work.
# Prints one JSON line: load time, score time, RSS before and after scoring.
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

MB = 1024 * 1024


@dataclass
class Run:
    """Outcome of one measured subprocess."""

    wall_s: float
    peak_rss_bytes: int
    stdout: str


def make_suppliers(n: int, seed: int = 0, template: Path = TEMPLATE) -> pd.DataFrame:
    """Generate ``n`` synthetic suppliers with the example file's mix.

    Sites (name, country, sector, good, tier) and supplier evidence are
    bootstrapped from the bundled example, so country spellings, sector code
    forms, goods and evidence sparsity keep the same proportions; spend and
    headcount are jittered lognormally. Buyers are drawn so that tier-2 rows
    point at tier-1 rows and tier-3 at tier-2. Fully vectorised.

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

    # Shuffle rows and assign ids in file order, as a real export would look:
    # output row i is tier-sorted row perm[i].
    perm = rng.permutation(n)
    new_pos = np.empty(n, dtype=np.int64)
    new_pos[perm] = np.arange(n)
    width = max(4, len(str(n)))
    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width).radd("S-")
    id_of_sorted = ids.to_numpy()[new_pos]
    buyer_ids = np.where(buyer >= 0, id_of_sorted[np.maximum(buyer, 0)], "")

    src = idx[perm]  # template row behind each output row
    spend = base["spend"].astype(float).to_numpy()[src] * rng.lognormal(0.0, 0.3, n)
    workers = base["workers"].astype(float).to_numpy()[src] * rng.lognormal(0.0, 0.3, n)
    df = pd.DataFrame(
        {
            "supplier_id": ids.to_numpy(),
            "name": base["name"].to_numpy()[src],
            "country": base["country"].to_numpy()[src],
            "sector": base["sector"].to_numpy()[src],
            "buyer_id": buyer_ids[perm],
            "tier": tier[perm],
            "spend": np.maximum(100, np.round(spend, -2)).astype(np.int64),
            "workers": np.maximum(3, np.rint(workers)).astype(np.int64),
            "good": base["good"].to_numpy()[src],
        }
    )
    for column in EVIDENCE_COLUMNS:
        values = base[column].to_numpy()[src]
        if column.endswith("_share"):
            # Jitter reported shares so 1M rows are not ~300 repeated values;
            # blanks stay blank (NaN is written as an empty cell).
            share = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
            share = np.clip(share * rng.lognormal(0.0, 0.2, n), 0.0, 1.0)
            values = np.round(share, 2)
        df[column] = values
    return df[COLUMNS]


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
    SystemExit
        If the command exits non-zero; its stderr tail is shown.
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
                pid, status, usage = os.wait4(proc.pid, 0)
                raise SystemExit(f"timed out after {timeout:.0f} s: {cmd[0]} ...")
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise SystemExit(
            f"command failed with exit code {proc.returncode}: "
            f"{' '.join(cmd[:3])} ...\n{tail}"
        )
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return Run(wall, usage.ru_maxrss * scale, stdout)


def best_of(cmd: list[str], repeat: int, timeout: float | None) -> Run:
    """Run ``cmd`` ``repeat`` times and keep the fastest run.

    The minimum is reported because noise on a shared machine only ever adds
    time; the peak RSS shown is that of the same run.
    """
    return min(
        (run_measured(cmd, timeout) for _ in range(repeat)), key=lambda r: r.wall_s
    )


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


def bench_size(
    n: int,
    workdir: Path,
    cli: list[str] | None,
    seed: int,
    repeat: int,
    timeout: float | None = None,
) -> dict[str, float]:
    """Generate one input of ``n`` rows and measure it.

    Parameters
    ----------
    n : int
        Rows in the synthetic input.
    workdir : pathlib.Path
        Where the input and the outputs are written.
    cli : list of str or None
        Command that runs the CLI; ``None`` measures the I/O floor only.
    seed : int
        Seed for :func:`make_suppliers`.
    repeat : int
        Runs per measurement; the fastest is kept (see :func:`best_of`).
    timeout : float, optional
        Seconds allowed for each run.

    Returns
    -------
    dict of str to float
        One table row, keyed by the names in :data:`TABLE_COLUMNS`.
    """
    src = workdir / f"suppliers_{n}.csv"
    t0 = time.perf_counter()
    make_suppliers(n, seed=seed).to_csv(src, index=False)
    print(
        f"[{n:>9,} rows] generated {src.name} "
        f"({src.stat().st_size / MB:.1f} MB) in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    row: dict[str, float] = {"rows": n}

    floor_cmd = [
        sys.executable,
        "-c",
        IO_FLOOR_CODE,
        str(src),
        str(workdir / f"floor_{n}.csv"),
        str(FLOOR_FLOAT_COLUMNS),
        json.dumps(FLOOR_TEXT_LENGTHS),
    ]
    floor = best_of(floor_cmd, repeat, timeout)
    row["io_floor_s"] = floor.wall_s
    row["io_floor_rss_mb"] = floor.peak_rss_bytes / MB
    print(f"[{n:>9,} rows] io floor {floor.wall_s:.2f} s", file=sys.stderr)
    if cli is None:
        return row

    scored_path = workdir / f"scored_{n}.csv"
    cli_run = best_of(
        [*cli, "score", str(src), "-o", str(scored_path)], repeat, timeout
    )
    if not scored_path.exists() or scored_path.stat().st_size == 0:
        raise SystemExit(f"demandrisk score wrote no output to {scored_path}")
    row["score_s"] = cli_run.wall_s
    row["ratio"] = cli_run.wall_s / floor.wall_s
    row["peak_rss_mb"] = cli_run.peak_rss_bytes / MB
    print(f"[{n:>9,} rows] demandrisk score {cli_run.wall_s:.2f} s", file=sys.stderr)

    api_runs = []
    for _ in range(repeat):
        api_runs.append(
            json.loads(
                run_measured([sys.executable, "-c", API_CODE, str(src)], timeout)
                .stdout.strip()
                .splitlines()[-1]
            )
        )
    api = min(api_runs, key=lambda r: r["api_s"])
    row["api_s"] = api["api_s"]
    row["api_peak_rss_mb"] = api["rss_peak"] / MB
    # Memory that scoring adds on top of the loaded DataFrame.
    row["api_extra_rss_mb"] = (api["rss_peak"] - api["rss_loaded"]) / MB
    print(f"[{n:>9,} rows] demandrisk.score {api['api_s']:.2f} s", file=sys.stderr)
    return row


TABLE_COLUMNS = [
    ("rows", "{:,.0f}"),
    ("io_floor_s", "{:.2f}"),
    ("score_s", "{:.2f}"),
    ("ratio", "{:.2f}"),
    ("api_s", "{:.2f}"),
    ("peak_rss_mb", "{:.0f}"),
    ("io_floor_rss_mb", "{:.0f}"),
    ("api_peak_rss_mb", "{:.0f}"),
    ("api_extra_rss_mb", "{:.0f}"),
]


def markdown_table(rows: list[dict[str, float]]) -> str:
    """Render results as a Markdown table; missing figures show as ``-``."""
    names = [name for name, _ in TABLE_COLUMNS]
    lines = [
        "| " + " | ".join(names) + " |",
        "|" + "|".join("---:" for _ in names) + "|",
    ]
    for row in rows:
        cells = [
            fmt.format(row[name]) if name in row else "-" for name, fmt in TABLE_COLUMNS
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        description="Benchmark demandrisk scoring against plain pandas CSV I/O."
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="row counts to benchmark (default: 100000 1000000)",
    )
    parser.add_argument(
        "--output", type=Path, help="also write the Markdown table to this file"
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
        "--workdir",
        type=Path,
        help="keep generated and scored files here "
        "(default: a temporary directory, removed afterwards)",
    )
    parser.add_argument(
        "--io-floor-only",
        action="store_true",
        help="measure only the I/O floor (demandrisk not needed)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")

    cli = None
    if not args.io_floor_only:
        require_demandrisk()
        cli = find_cli(args.cli)

    with tempfile.TemporaryDirectory(prefix="demandrisk-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = [
            bench_size(n, workdir, cli, args.seed, args.repeat, args.timeout)
            for n in args.sizes
        ]

    table = markdown_table(results)
    print(table, end="")
    if args.output:
        args.output.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
