"""`registry import-cases FILE.csv`: bulk import of enforcement cases, all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from publisher.writers.snapshot import neutralise_formula
from registry.accounts.users import account_actor
from registry.actors import Actor
from registry.cases.import_file import ImportLimits, RowError, read_cases_file
from registry.cases.importer import ImportReport, apply_import, plan_import
from registry.errors import DomainError
from runtime.extensions import db, session
from server.cli.group import commands, fail

ERROR_COLUMNS = ("row", "column", "reason")


def write_error_report(path: Path, errors: tuple[RowError, ...] | list[RowError]) -> None:
    """Write the errors as CSV (row, column, reason), neutralised for spreadsheets."""
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(ERROR_COLUMNS)
        for error in errors:
            writer.writerow(
                [error.row, neutralise_formula(error.column), neutralise_formula(error.reason)]
            )


def _run(
    actor: Actor, path: Path, limits: ImportLimits, dry_run: bool, skip_bad_rows: bool
) -> ImportReport:
    cases_file = read_cases_file(path.read_bytes(), limits)
    with click.progressbar(length=len(cases_file.rows), label="checking rows ") as bar:
        plan = plan_import(session(), actor, cases_file, progress=bar.update)
    if (plan.errors and not skip_bad_rows) or dry_run:
        return apply_import(session(), actor, plan, dry_run, skip_bad_rows=skip_bad_rows)
    with click.progressbar(length=len(plan.cases), label="importing rows") as bar:
        return apply_import(
            session(), actor, plan, progress=bar.update, skip_bad_rows=skip_bad_rows
        )


@commands.command("import-cases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--clerk",
    "username",
    envvar="REGISTRY_IMPORT_CLERK",
    required=True,
    help="the clerk account the cases are recorded under (audit trail)",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="write every error to this CSV file (row, column, reason)",
)
@click.option("--dry-run", is_flag=True, help="check every row, import nothing")
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="import the rows without errors, report the others (default: one bad row refuses all)",
)
@click.option(
    "--max-rows", type=click.IntRange(1), default=ImportLimits.max_rows, show_default=True
)
@click.option(
    "--max-bytes", type=click.IntRange(1), default=ImportLimits.max_bytes, show_default=True
)
@with_appcontext
def import_cases_command(
    file: Path,
    username: str,
    errors_path: Path | None,
    dry_run: bool,
    skip_bad_rows: bool,
    max_rows: int,
    max_bytes: int,
) -> None:
    """Import enforcement cases from a CSV file: every row, or none when any row is wrong."""
    try:
        clerk = account_actor(db.session(), username)
        limits = ImportLimits(max_bytes, max_rows)
        report = _run(clerk, file, limits, dry_run, skip_bad_rows)
    except DomainError as error:
        fail(error)
    for problem in report.errors[:20]:
        click.echo(f"row {problem.row}, {problem.column}: {problem.reason}", err=True)
    if len(report.errors) > 20:
        click.echo(f"... and {len(report.errors) - 20} more errors", err=True)
    if errors_path is not None:
        write_error_report(errors_path, report.errors)
        click.echo(f"error report written to {errors_path}")
    click.echo(report.summary())
    if report.refused:
        raise SystemExit(1)
