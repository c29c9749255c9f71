"""How often do sector descriptions and codes resolve to the right ISIC division?

Three labelled sets, each row a label and its ISIC Rev.4 division (or section):

* **held-out terms**: ``benchmarks/data/sector_heldout.csv``, NAICS 2017 index
  terms and HS descriptions that ``scripts/build_sector_vocabulary.py`` left
  out of the vocabulary (1 in 20 by a hash of the text), labelled with the
  one division their code's concordance links reach;
* **codes**: 100 ISIC classes, 100 NAICS 2017 codes and 100 HS codes whose
  links reach one division, picked by a hash of the code, written as a user
  would (``2420``, ``NAICS 311224``, ``HS 151110``);
* **free text**: ``benchmarks/data/sector_freetext.csv``, the examples of
  issue 12 and other hand-labelled descriptions. Not held out: several
  resolve through curated aliases written with them in view.

Division accuracy counts a label right when it resolves to its division;
section accuracy when it resolves to a code of the right section (a section
result is right at section level only); coverage is the share resolved at
all (not unknown, not ambiguous). Unresolved labels count as wrong.

``--baseline DIR`` also runs the sets through another checkout (e.g. ``git
archive main | tar -x -C /tmp/main``), and the report puts both side by side.
The script then times the index build and one million rows of ~5,000 distinct
sector texts, each in a fresh process. Writes
``benchmarks/results/sector_accuracy.md``::

    python benchmarks/sector_accuracy.py [--baseline /tmp/main] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULT = HERE / "results" / "sector_accuracy.md"


def _bucket(text: str, size: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % size


def _pick(codes: pd.Series, n: int) -> list[str]:
    ranked = sorted(codes.unique(), key=lambda c: (_bucket(c, 10**9), c))
    return ranked[:n]


def labelled_sets(data: Path) -> pd.DataFrame:
    """``set, text, label`` rows of the three sets."""
    heldout = pd.read_csv(HERE / "data" / "sector_heldout.csv", dtype=str)
    freetext = pd.read_csv(HERE / "data" / "sector_freetext.csv", dtype=str)
    isic = pd.read_csv(data / "isic4.csv", dtype=str, keep_default_na=False)
    classes = isic[isic["level"] == "class"]
    division = dict(
        zip(classes["code"], classes["section"] + classes["code"].str[:2], strict=True)
    )
    codes = [(c, division[c]) for c in _pick(classes["code"], 100)]
    for scheme, prefix in (("naics", "NAICS"), ("hs", "HS")):
        links = pd.read_csv(data / f"{scheme}_isic.csv", dtype=str)
        links["target"] = links["isic_code"].map(lambda c: division.get(c))
        reach = links.groupby(f"{scheme}_code")["target"].agg(["nunique", "first"])
        single = reach[reach["nunique"] == 1]
        codes += [
            (f"{prefix} {c}", single.loc[c, "first"])
            for c in _pick(single.index.to_series(), 100)
        ]
    frames = [
        pd.DataFrame(
            {
                "set": "held-out terms",
                "text": heldout["term"],
                "label": heldout["label"],
            }
        ),
        pd.DataFrame(
            {
                "set": "codes",
                "text": [c for c, _ in codes],
                "label": [d for _, d in codes],
            }
        ),
        pd.DataFrame(
            {"set": "free text", "text": freetext["text"], "label": freetext["label"]}
        ),
    ]
    return pd.concat(frames, ignore_index=True)


def predict(items: Path, out: Path) -> None:
    """Resolve the texts of ``items`` with whichever demandrisk is importable."""
    import demandrisk
    from demandrisk.codes import resolve_sectors

    texts = pd.read_csv(items, dtype=str, keep_default_na=False)["text"]
    resolution = resolve_sectors(texts, demandrisk.load_reference())
    codes = [c if isinstance(c, str) else None for c in resolution.codes]
    out.write_text(json.dumps(codes))


def _run_predict(items: Path, src: Path | None) -> list[str | None]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "codes.json"
        subprocess.run(
            [sys.executable, __file__, "--predict", str(items), "--out", str(out)],
            check=True,
            env=env,
        )
        return json.loads(out.read_text())


def scores(frame: pd.DataFrame, codes: list[str | None]) -> pd.DataFrame:
    found = pd.Series(codes, index=frame.index, dtype=object)
    right = found == frame["label"]
    section = found.fillna("").str[:1] == frame["label"].str[:1]
    table = pd.DataFrame(
        {
            "set": frame["set"],
            "division": right,
            "section": section,
            "coverage": found.notna(),
        }
    )
    summary = table.groupby("set", sort=False).mean()
    summary.loc["all"] = table[["division", "section", "coverage"]].mean()
    summary.insert(
        0, "n", table.groupby("set", sort=False).size().reindex(summary.index)
    )
    summary.loc["all", "n"] = len(table)
    return summary


def _timing(rows: int) -> dict[str, float]:
    """Index build and a million-row column, measured in a fresh process."""
    code = f"""
import json, resource, sys, time
t0 = time.perf_counter()
import demandrisk
imported = time.perf_counter() - t0
sklearn_at_import = "sklearn" in sys.modules
import numpy as np, pandas as pd
from demandrisk.codes import resolve_sectors
from demandrisk.sector_labels import sector_resolver
reference = demandrisk.load_reference()
vocabulary = pd.read_csv("{ROOT / "data" / "sector_vocabulary.csv"}", dtype=str)
heldout = pd.read_csv("{HERE / "data" / "sector_heldout.csv"}", dtype=str)["term"]
terms = vocabulary.loc[vocabulary["scheme"] == "naics-index", "term"].drop_duplicates()
# Not exact terms: a supplier's own wording ("... supplier") goes to the text matcher.
extra = (terms.sample(5000 - len(heldout), random_state=0) + " supplier").tolist()
distinct = np.array(heldout.tolist() + extra, dtype=object)
pick = np.random.default_rng(0).integers(0, len(distinct), {rows})
column = pd.Series(distinct[pick])
t0 = time.perf_counter()
sector_resolver(reference).index._fit()
fit = time.perf_counter() - t0
rss_fit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
resolve_sectors(column, reference)
first = time.perf_counter() - t0
t0 = time.perf_counter()
resolve_sectors(column, reference)
again = time.perf_counter() - t0
print(json.dumps(dict(import_s=imported, sklearn_at_import=sklearn_at_import,
    fit_s=fit, rss_after_fit_mb=rss_fit, resolve_s=first, resolve_again_s=again,
    distinct=len(distinct), rows={rows},
    peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _markdown(
    after: pd.DataFrame, before: pd.DataFrame | None, timing: dict, baseline: str
) -> str:
    lines = [
        "# Sector resolution accuracy",
        "",
        "`python benchmarks/sector_accuracy.py"
        + (" --baseline BASELINE" if before is not None else "")
        + "` (see the script's docstring for the sets and the measures).",
        "",
    ]
    head = "| set | n | division | section | coverage |"
    rule = "|---|---:|---:|---:|---:|"
    if before is not None:
        head = (
            "| set | n | division before | division after | section before "
            "| section after | coverage before | coverage after |"
        )
        rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
        lines.append(f"Before: {baseline}; after: this checkout.")
        lines.append("")
    lines += [head, rule]
    for name, row in after.iterrows():
        if before is None:
            cells = [f"{row[m]:.1%}" for m in ("division", "section", "coverage")]
        else:
            cells = [
                f"{v:.1%}"
                for m in ("division", "section", "coverage")
                for v in (before.loc[name, m], row[m])
            ]
        lines.append(f"| {name} | {int(row['n'])} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Cost (after)",
        "",
        f"* `import demandrisk`: {timing['import_s']:.2f} s; scikit-learn imported: "
        f"{'yes' if timing['sklearn_at_import'] else 'no'}.",
        f"* First use, building the text index (importing scikit-learn "
        f"included): {timing['fit_s']:.2f} s; the process's peak RSS "
        f"{timing['rss_after_fit_mb']:.0f} MB after it (the million-row column "
        "already in memory).",
        f"* {timing['rows']:,} rows holding {timing['distinct']:,} distinct sector "
        f"texts, every one through the text matcher: {timing['resolve_s']:.1f} s; "
        f"the same column again (texts remembered per process): "
        f"{timing['resolve_again_s']:.2f} s; peak RSS {timing['peak_rss_mb']:.0f} MB.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare")
    parser.add_argument("--baseline-label", help="how the report names it")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=RESULT)
    parser.add_argument("--predict", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.predict is not None:
        predict(args.predict, args.out)
        return
    frame = labelled_sets(ROOT / "data")
    with tempfile.TemporaryDirectory() as tmp:
        items = Path(tmp) / "items.csv"
        frame.to_csv(items, index=False)
        after = scores(frame, _run_predict(items, None))
        before = (
            scores(frame, _run_predict(items, args.baseline))
            if args.baseline is not None
            else None
        )
    for name, table in (("before", before), ("after", after)):
        if table is not None:
            print(f"{name}:\n{table.to_string(float_format=lambda v: f'{v:.3f}')}\n")
    timing = _timing(args.rows)
    print(json.dumps(timing, indent=1))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    label = args.baseline_label or str(args.baseline)
    args.output.write_text(_markdown(after, before, timing, label))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
