"""Command-line interface: a thin layer over the public API.

Exit codes: 0 ok, 1 invalid data (or validation issues for ``validate``),
2 usage error. Messages go to stderr; user errors never print a traceback.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd

from . import __version__
from .config import load_config
from .errors import DemandRiskError, InputDataError, OutputError
from .io import write_table
from .readers import SUMMARY_ATTR
from .reference import load_reference
from .result import ScoreResult
from .scoring import score as score_suppliers
from .validation import validate as validate_suppliers

__all__ = ["main"]

EXIT_INVALID = 1
EXIT_USAGE = 2


def _reading_options(command: Any) -> Any:
    """``--encoding``, ``--sheet``, ``--decimal`` and ``--map``: how INPUT is read.

    The same for every command that reads a supplier file, so a file that
    ``score`` reads is read alike by ``validate`` and ``explain``.
    """
    for option in reversed(
        [
            click.option(
                "--encoding", help="Force the text encoding of a CSV (e.g. cp1252)."
            ),
            click.option(
                "--sheet", help="Excel sheet name or 0-based number (default: first)."
            ),
            click.option(
                "--decimal",
                type=click.Choice([".", ","]),
                help="Decimal mark of numbers.",
            ),
            click.option(
                "--map",
                "map_path",
                type=click.Path(path_type=Path),
                help="Column mapping TOML (see `demandrisk init-map`).",
            ),
        ]
    ):
        command = option(command)
    return command


def _reading(
    map_path: Path | None, encoding: str | None, sheet: str | None, decimal: str | None
) -> dict[str, Any]:
    return {
        k: v
        for k, v in {
            "mapping": map_path,
            "encoding": encoding,
            "sheet": sheet,
            "decimal": decimal,
        }.items()
        if v is not None
    }


def _print_summary(result: ScoreResult) -> None:
    """What was read and which header fed each column (stderr: stdout is data)."""
    frame = result.prepared.frame if result.prepared is not None else None
    summary = frame.attrs.get(SUMMARY_ATTR) if frame is not None else None
    if summary:
        click.echo(summary, err=True)


def _fail(error: DemandRiskError) -> None:
    click.echo(f"error: {error}", err=True)
    # An unreadable file or bad data is "invalid data"; a bad config or
    # output path is a usage error.
    code = EXIT_INVALID if isinstance(error, InputDataError) else EXIT_USAGE
    sys.exit(code)


def _print_table(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_colwidth", 80, "display.width", 160):
        click.echo(frame.to_string(index=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="demandrisk")
def cli() -> None:
    """Rate suppliers for exposure to trafficking in persons and forced labour."""


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Scored CSV to write."
)
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), help="Model TOML."
)
@click.option(
    "--top", default=10, show_default=True, help="Riskiest suppliers to print."
)
@_reading_options
@click.option(
    "--chunksize",
    type=click.IntRange(min=1),
    help="Score a large CSV in chunks of N rows (needs -o).",
)
@click.option(
    "--edges",
    "edges_path",
    type=click.Path(path_type=Path),
    help="Supply links supplier_id,buyer_id[,share] (several customers).",
)
@click.option(
    "--sourcing-countries",
    help="Comma-separated ISO3 countries of unmapped inputs (hidden tiers).",
)
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    help="Write a reproducible run folder (scores, issues, manifest, reports).",
)
@click.option(
    "--force", is_flag=True, help="Replace an existing --run-dir (or dask -o folder)."
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="Earlier run folder: the reports show the movers since it.",
)
@click.option(
    "--engine",
    type=click.Choice(["pandas", "dask"]),
    default="pandas",
    show_default=True,
    help="dask: INPUT is a folder or quoted glob of CSV/Parquet files, scored "
    "partition by partition (a file each) into the Parquet folder -o.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler (tcp://HOST:8786) for --engine dask; default: a local "
    "cluster, one worker process per core.",
)
def score(
    input_path: Path,
    output: Path | None,
    config_path: Path | None,
    top: int,
    edges_path: Path | None = None,
    sourcing_countries: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    decimal: str | None = None,
    map_path: Path | None = None,
    chunksize: int | None = None,
    run_dir: Path | None = None,
    force: bool = False,
    previous: Path | None = None,
    engine: str = "pandas",
    scheduler: str | None = None,
) -> None:
    """Score every supplier in INPUT and print a summary."""
    options = _reading(map_path, encoding, sheet, decimal)
    if edges_path is not None:
        options["edges"] = edges_path
    if sourcing_countries:
        options["sourcing_countries"] = [
            c.strip().upper() for c in sourcing_countries.split(",") if c.strip()
        ]
    if engine == "dask":
        unsupported = {
            "--chunksize": chunksize,
            "--run-dir": run_dir,
            "--previous": previous,
        }
        _score_dask(
            input_path, output, config_path, options, force, scheduler, unsupported
        )
        return
    try:
        if scheduler is not None:
            raise OutputError("--scheduler needs --engine dask")
        config = load_config(config_path)
        if run_dir is not None:  # refuse before scoring, not after
            from .audit import start_run

            if chunksize is not None:
                raise OutputError("--run-dir cannot be combined with --chunksize")
            started = start_run(run_dir, force)
        if chunksize is not None:
            if output is None:
                raise OutputError("--chunksize writes its result: give -o OUTPUT")
            from .stream import score_csv

            issues = score_csv(
                input_path,
                output,
                config,
                chunksize=chunksize,
                mapping=map_path,
                encoding=encoding,
                decimal=decimal,
                edges=options.get("edges"),
                sourcing_countries=options.get("sourcing_countries"),
            )
            if issues.attrs.get(SUMMARY_ATTR):
                click.echo(issues.attrs[SUMMARY_ATTR], err=True)
            click.echo(f"Wrote {output} ({len(issues)} data issue(s)).")
            _print_issue_counts(issues, input_path, options)
            return
        result = score_suppliers(input_path, config, **options)
        _print_summary(result)
        if output is not None:
            write_table(result.scores, output, protect=[input_path])
        if run_dir is not None:
            from .audit import write_run

            write_run(
                result,
                run_dir,
                input_path=input_path,
                force=force,
                previous=previous,
                options=options,
                started=started,
            )
            click.echo(f"Wrote run folder {run_dir}", err=True)
    except DemandRiskError as error:
        _fail(error)
    scores = result.scores
    # A model without bands is a user's own index (countries, regions...): its
    # rows are not suppliers in bands and tiers, so the summary says less.
    banded = config.bands is not None
    noun = "suppliers" if banded else "rows"
    click.echo(
        f"Scored {len(scores)} {noun} from {input_path} with model "
        f"{config.name} {config.version}."
    )
    if banded:
        click.echo("\nSuppliers per band:")
        for band, count in result.band_counts().items():
            click.echo(f"  {band:<7} {count:>8}")
    # Our own columns: an input column named risk_score keeps its name.
    ours = {c: result.column(c) for c in ("risk_score", "risk_band", "reason_codes")}
    risk = pd.to_numeric(scores[ours["risk_score"]], errors="coerce")
    riskiest = scores.loc[
        risk.sort_values(ascending=False, kind="stable").head(top).index
    ]
    click.echo(f"\nTop {len(riskiest)} by risk score:")
    shown = pd.DataFrame(
        {
            "supplier_id": riskiest["supplier_id"],
            "risk_score": risk.loc[riskiest.index].round(1),
        }
    )
    if banded:
        shown["risk_band"] = riskiest[ours["risk_band"]]
    for column in [c for c in scores.columns if c.startswith("score_")]:
        shown[column] = riskiest[column].round(1)
    shown["reason_codes"] = riskiest[ours["reason_codes"]]
    _print_table(shown)
    if banded:
        _print_tier_summary(result)
    _print_issue_counts(result.issues, input_path, options)
    if output is not None:
        click.echo(f"\nWrote {output}")


def _print_issue_counts(
    issues: pd.DataFrame, input_path: Path, options: dict[str, Any]
) -> None:
    """Issues per severity and code, and the command that lists them."""
    if not len(issues):
        return
    parts = []
    for severity in ("error", "warning", "note"):
        found = issues[issues["severity"] == severity]
        if len(found):
            counts = found["code"].value_counts()
            codes = ", ".join(f"{code} {n}" for code, n in counts.items())
            parts.append(f"{len(found)} {severity}(s): {codes}")
    flags = {
        "mapping": "--map",
        "encoding": "--encoding",
        "sheet": "--sheet",
        "decimal": "--decimal",
    }
    again = " ".join(
        f"{flags[k]} {shlex.quote(str(v))}" for k, v in options.items() if k in flags
    )
    command = f"demandrisk validate {shlex.quote(str(input_path))} {again}".strip()
    click.echo(
        f"\n{len(issues)} data issue(s): {'; '.join(parts)}. Run `{command}` for "
        "details.",
        err=True,
    )


def _dask_modules() -> tuple[Any, Any]:
    """demandrisk.dask and its file helpers, or exit 2 with the install hint."""
    try:
        import distributed  # noqa: F401  # the clusters; not needed to import dask

        from . import dask as engine
        from . import dask_io
    except ImportError as error:
        click.echo(
            f"error: --engine dask needs Dask ({error}); install it with "
            "pip install 'demandrisk[dask]'",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    return engine, dask_io


def _score_dask(
    input_path: Path,
    output: Path | None,
    config_path: Path | None,
    options: dict[str, Any],
    force: bool,
    scheduler: str | None,
    unsupported: dict[str, Any],
) -> None:
    """``score --engine dask``: files matching INPUT into the Parquet folder -o."""
    try:
        for flag, value in unsupported.items():
            if value is not None:
                raise OutputError(f"{flag} cannot be combined with --engine dask")
        if output is None:
            raise OutputError("--engine dask writes its result: give -o OUTPUT_DIR")
        config = load_config(config_path)
        engine, dask_io = _dask_modules()
        files = dask_io.input_files(input_path)
        dask_io.check_output(output, files, force)  # before a cluster starts
        reading = {k: options.pop(k) for k in ("encoding", "sheet") if k in options}
        with dask_io.connect(scheduler) as client:
            frame = dask_io.read_files(files, **reading)
            result = engine.score_with_issues(frame, config, **options)
            issues = dask_io.write_parquet_folder(
                result.scores,
                result.issues,
                output,
                inputs=files,
                force=force,
                rows=result.partition_rows,
            )
            workers = len(client.scheduler_info().get("workers", {}))
    except DemandRiskError as error:
        _fail(error)
    where = scheduler or "a local cluster"
    click.echo(
        f"Scored {result.rows} suppliers from {len(files)} file(s) with model "
        f"{config.name} {config.version} on {where} ({workers} worker(s))."
    )
    click.echo(
        f"Wrote {output}: {len(files)} Parquet part(s) and {dask_io.ISSUES_FILE} "
        f"({len(issues)} data issue(s))."
    )
    if len(issues):
        counts = issues["code"].value_counts()
        summary = ", ".join(f"{code} {n}" for code, n in counts.items())
        click.echo(f"\n{len(issues)} data issue(s): {summary}.", err=True)


def _print_tier_summary(result: ScoreResult) -> None:
    """Suppliers per tier, spend by chain band and the riskiest paths."""
    if result.company is None:
        return
    scores = result.scores
    tiers = pd.to_numeric(scores[result.column("supply_tier")], errors="coerce")
    tiers = tiers.astype("Int64").value_counts(dropna=False)
    tiers = tiers.sort_index()
    click.echo("\nSuppliers per tier (1 = supplies the company):")
    for tier, count in zip(tiers.index, tiers.to_numpy(), strict=True):
        label = "unmapped" if tier is pd.NA else f"tier {tier}"
        click.echo(f"  {label:<9} {count:>8}")
    spend = result.company.spend_by_band
    if len(spend):
        click.echo("\nSpend by chain band:")
        _print_table(spend.assign(share=spend["share"].round(3)))
    paths = result.company.top_paths.head(5)
    if len(paths):
        click.echo("\nPaths carrying the most risk to the company:")
        _print_table(paths.round(1))


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_reading_options
def validate(
    input_path: Path,
    as_json: bool,
    encoding: str | None = None,
    sheet: str | None = None,
    decimal: str | None = None,
    map_path: Path | None = None,
) -> None:
    """Check INPUT and list every issue (exit 1 if any is an error)."""
    try:
        report = validate_suppliers(
            input_path, **_reading(map_path, encoding, sheet, decimal)
        )
    except DemandRiskError as error:
        _fail(error)
    if as_json:
        click.echo(report.to_json())
    elif not len(report.issues):
        click.echo(f"{input_path}: {report.rows} rows, no issues.")
    else:
        counts = report.issues["severity"].value_counts()
        told = ", ".join(
            f"{counts[s]} {s}(s)" for s in ("error", "warning", "note") if s in counts
        )
        click.echo(
            f"{input_path}: {report.rows} rows, {len(report.issues)} issue(s) ({told}):"
        )
        _print_table(report.issues)
    sys.exit(0 if report.valid else EXIT_INVALID)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--id", "supplier_id", required=True, help="supplier_id to explain.")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), help="Model TOML."
)
@_reading_options
def explain(
    input_path: Path,
    supplier_id: str,
    config_path: Path | None,
    encoding: str | None = None,
    sheet: str | None = None,
    decimal: str | None = None,
    map_path: Path | None = None,
) -> None:
    """Show the full breakdown of one supplier's score."""
    try:
        result = score_suppliers(
            input_path,
            load_config(config_path),
            **_reading(map_path, encoding, sheet, decimal),
        )
        table = result.explain(supplier_id)
    except DemandRiskError as error:
        _fail(error)
    row = result.scores.iloc[result._position(supplier_id)]

    def ours(name: str) -> Any:
        return row[result.column(name)]

    name = f" {row['name']}" if "name" in row and row["name"] else ""
    click.echo(
        f"{supplier_id}{name} - {ours('country_resolved')} - "
        f"sector {ours('sector_resolved')}"
    )
    risk = pd.to_numeric(pd.Series([ours("risk_score")]), errors="coerce").iloc[0]
    coverage = pd.to_numeric(pd.Series([ours("coverage")]), errors="coerce").iloc[0]
    click.echo(
        f"risk {risk:.1f}  {str(ours('risk_band')).upper()}  coverage {coverage:.2f}\n"
    )
    shown = table.drop(columns="label").assign(
        source=table["source"].str.slice(0, 48),
        normalised=table["normalised"].round(3),
        weight=table["weight"].round(4),
        contribution=table["contribution"].round(2),
    )
    _print_table(shown)
    click.echo(f"\nsum of contributions = {table['contribution'].sum():.2f}")
    groups = [
        f"{column.removeprefix('score_')} {row[column]:.1f}"
        for column in result.scores.columns
        if column.startswith("score_") and not pd.isna(row[column])
    ]
    if groups:
        # Group scores are on the same 0-100 scale as the score, before weights.
        click.echo(f"group scores (0-100): {', '.join(groups)}")
    click.echo(f"reasons: {ours('reason_codes')}")
    click.echo(str(ours("explanation")))
    if result.column("chain_score") in row.index:
        tier = ours("supply_tier")
        tier_text = "not connected to the company" if pd.isna(tier) else f"tier {tier}"
        click.echo(
            f"\nchain: {tier_text}; chain score {float(ours('chain_score')):.1f} "
            f"({str(ours('chain_band')).upper()}); path {ours('chain_path')}"
        )
        click.echo(str(ours("chain_explanation")))
        hidden = ours("hidden_upstream_score")
        if not pd.isna(hidden):
            click.echo(
                f"estimated risk of its unmapped inputs (typical inputs of its "
                f"sector, an estimate, not part of the score): {hidden:.1f}"
            )


@cli.command("init-map")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Mapping TOML to write."
)
@click.option("--encoding", help="Force the text encoding of a CSV.")
@click.option("--sheet", help="Excel sheet name or 0-based number.")
def init_map(
    input_path: Path, output: Path | None, encoding: str | None, sheet: str | None
) -> None:
    """Write a column mapping for INPUT, pre-filled with the guesses."""
    from .mapping import guess_columns, mapping_toml
    from .readers import read_table

    try:
        read = read_table(input_path, encoding=encoding, sheet=sheet)
        headers = [str(c) for c in read.frame.columns]
        guesses = guess_columns(headers)
        labels = {}
        for column in ("sector", "country"):
            if column in guesses:
                values = read.frame[guesses[column][0]].astype(str).str.strip()
                labels[column] = values[values != ""].value_counts().index.tolist()
        text = mapping_toml(
            headers, guesses, labels.get("sector", []), labels.get("country", [])
        )
        target = output or input_path.with_name(input_path.stem + ".map.toml")
        if target.exists():
            raise OutputError(f"{target} exists; remove it or give -o another path")
        target.write_text(text, encoding="utf-8")
    except DemandRiskError as error:
        _fail(error)
    click.echo(text)
    click.echo(
        f"Wrote {target}; edit it, then: demandrisk score {input_path} --map {target}",
        err=True,
    )


@cli.command()
def sectors() -> None:
    """List the bundled sector profiles with their sources and quality."""
    try:
        reference = load_reference()
    except DemandRiskError as error:
        _fail(error)
    table = reference.sectors
    columns = ["isic_code", "name"]
    for indicator in ("informality", "margin", "low_pay", "migrant_ratio"):
        columns += [indicator, f"{indicator}_quality"]
    _print_table(
        table[[c for c in columns if c in table.columns]].assign(
            name=table["name"].str.slice(0, 40)
        )
    )
    click.echo(f"\nSources: {reference.folder / 'sources.csv'}")


@cli.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(path_type=Path))
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    help="Supplier file to rerun (default: the path in the manifest).",
)
def verify(run_dir: Path, input_path: Path | None) -> None:
    """Rerun RUN from its manifest; exit 1 unless every score is identical."""
    from .audit import verify_run

    try:
        report = verify_run(run_dir, input_path)
    except DemandRiskError as error:
        _fail(error)
    click.echo(str(report))
    sys.exit(0 if report.identical else EXIT_INVALID)


@cli.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="changes.csv to write."
)
def diff(old: Path, new: Path, output: Path | None) -> None:
    """What changed between run folders OLD and NEW, supplier by supplier, and why."""
    from .diff import diff_runs

    try:
        result = diff_runs(old, new)
        if output is not None:
            write_table(result.changes, output)
    except DemandRiskError as error:
        _fail(error)
    click.echo(result.summary())
    if output is not None:
        click.echo(f"\nWrote {output}")


@cli.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(path_type=Path))
@click.option(
    "--previous", type=click.Path(path_type=Path), help="Earlier run: show movers."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "xlsx", "md"]),
    default="html",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write.")
def report(run_dir: Path, previous: Path | None, fmt: str, output: Path | None) -> None:
    """Re-render the report of RUN from its files (no rescoring)."""
    from .report import render_report

    try:
        path = render_report(
            run_dir,
            previous=previous,
            format=fmt,  # type: ignore[arg-type]
            output=output,
        )
    except DemandRiskError as error:
        _fail(error)
    click.echo(f"Wrote {path}")


@cli.command("sensitivity")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path))
@click.option("--samples", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--spread", default=0.25, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Per-supplier CSV."
)
def sensitivity_command(
    input_path: Path,
    config_path: Path | None,
    samples: int,
    spread: float,
    seed: int,
    output: Path | None,
) -> None:
    """How stable is each band and rank when the weights move?"""
    from .sensitivity import sensitivity as run_sensitivity

    try:
        result = score_suppliers(input_path, load_config(config_path))
        report = run_sensitivity(result, samples=samples, spread=spread, seed=seed)
        if output is not None:
            write_table(report.suppliers, output, protect=[input_path])
    except DemandRiskError as error:
        _fail(error)
    table = report.suppliers
    unstable = int((~table["band_stable"] & table["risk_band"].ne("")).sum())
    click.echo(
        f"{samples} samples, weights x (1 +- {spread}), seed {seed}: "
        f"{unstable} of {len(table)} suppliers keep their band in under 90% of "
        "samples."
    )
    columns = ["node", "weight", "loo_rank_change", "sobol_first", "sobol_total"]
    click.echo("\nWhich weights matter (rank change when left out; Sobol indices):")
    _print_table(report.indicators[columns].round(3))
    if output is not None:
        click.echo(f"\nWrote {output}")


@cli.command("calibrate")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--outcomes",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV: supplier_id, finding (1/0) and optionally date.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="New model TOML to write (never the default).",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path))
@click.option("--shrink", default=1.0, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
def calibrate_command(
    input_path: Path,
    outcomes: Path,
    output: Path,
    config_path: Path | None,
    shrink: float,
    seed: int,
) -> None:
    """Fit weights to audit findings; compare with the expert weights."""
    import warnings

    from .calibrate import calibrate as run_calibrate

    try:
        if output.exists():  # fail before the fit, not after it
            raise OutputError(f"{output} exists; remove it or give another path")
        result = score_suppliers(input_path, load_config(config_path))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fitted = run_calibrate(result, outcomes, shrink=shrink, seed=seed)
        for warning in caught:
            click.echo(f"warning: {warning.message}", err=True)
        fitted.to_toml(output)
    except DemandRiskError as error:
        _fail(error)
    click.echo(fitted.comment())
    click.echo(
        f"\nWrote {output}; score with it: demandrisk score {input_path} "
        f"--config {output}"
    )


def main() -> None:
    """Entry point of the ``demandrisk`` console script."""
    try:
        cli.main(standalone_mode=False, prog_name="demandrisk")
    except click.exceptions.UsageError as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except OutputError as error:
        _fail(error)


if __name__ == "__main__":  # pragma: no cover
    main()
