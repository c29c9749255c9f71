"""Command-line interface: a thin layer over the public API.

Exit codes: 0 ok, 1 invalid data (or validation issues for ``validate``),
2 usage error. Messages go to stderr; user errors never print a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from . import __version__
from .config import load_config
from .errors import DemandRiskError, InputDataError, OutputError
from .io import write_table
from .reference import load_reference
from .scoring import score as score_suppliers
from .validation import validate as validate_suppliers

__all__ = ["main"]

EXIT_INVALID = 1
EXIT_USAGE = 2


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
def score(
    input_path: Path, output: Path | None, config_path: Path | None, top: int
) -> None:
    """Score every supplier in INPUT and print a summary."""
    try:
        config = load_config(config_path)
        result = score_suppliers(input_path, config)
        if output is not None:
            write_table(result.scores, output, protect=[input_path])
    except DemandRiskError as error:
        _fail(error)
    scores = result.scores
    click.echo(
        f"Scored {len(scores)} suppliers from {input_path} with model "
        f"{config.name} {config.version}."
    )
    click.echo("\nSuppliers per band:")
    for band, count in result.band_counts().items():
        click.echo(f"  {band:<7} {count:>8}")
    riskiest = scores.sort_values("risk_score", ascending=False, kind="stable").head(
        top
    )
    click.echo(f"\nTop {len(riskiest)} by risk score:")
    columns = ["supplier_id", "risk_score", "risk_band", "reason_codes"]
    shown = riskiest[columns].assign(risk_score=riskiest["risk_score"].round(1))
    _print_table(shown)
    if len(result.issues):
        counts = result.issues["code"].value_counts()
        summary = ", ".join(f"{code} {n}" for code, n in counts.items())
        click.echo(
            f"\n{len(result.issues)} data issue(s): {summary}. "
            f"Run `demandrisk validate {input_path}` for details.",
            err=True,
        )
    if output is not None:
        click.echo(f"\nWrote {output}")


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate(input_path: Path, as_json: bool) -> None:
    """Check INPUT and list every issue (exit 1 if any)."""
    try:
        report = validate_suppliers(input_path)
    except DemandRiskError as error:
        _fail(error)
    if as_json:
        click.echo(report.to_json())
    elif report.valid:
        click.echo(f"{input_path}: {report.rows} rows, no issues.")
    else:
        click.echo(f"{input_path}: {report.rows} rows, {len(report.issues)} issue(s):")
        _print_table(report.issues)
    sys.exit(0 if report.valid else EXIT_INVALID)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--id", "supplier_id", required=True, help="supplier_id to explain.")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), help="Model TOML."
)
def explain(input_path: Path, supplier_id: str, config_path: Path | None) -> None:
    """Show the full breakdown of one supplier's score."""
    try:
        result = score_suppliers(input_path, load_config(config_path))
        table = result.explain(supplier_id)
    except DemandRiskError as error:
        _fail(error)
    row = result.scores.iloc[result._position(supplier_id)]
    name = f" {row['name']}" if "name" in row and row["name"] else ""
    click.echo(
        f"{supplier_id}{name} - {row['country_resolved']} - "
        f"sector {row['sector_resolved']}"
    )
    click.echo(
        f"risk {row['risk_score']:.1f}  {str(row['risk_band']).upper()}  coverage "
        f"{row['coverage']:.2f}\n"
    )
    shown = table.drop(columns="label").assign(
        source=table["source"].str.slice(0, 48),
        normalised=table["normalised"].round(3),
        weight=table["weight"].round(4),
        contribution=table["contribution"].round(2),
    )
    _print_table(shown)
    click.echo(f"\nsum of contributions = {table['contribution'].sum():.2f}")
    click.echo(f"reasons: {row['reason_codes']}")
    click.echo(str(row["explanation"]))


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
