"""`registry national-platform`: decisions still to report to the national platform, and marking."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import clock
from registry.accounts.users import account_actor
from registry.errors import DomainError
from registry.listings.national_reports import mark_reported, report_rows
from registry.models import NATIONAL_EVENTS
from runtime.extensions import db
from server.cli.group import commands, fail, policy


@commands.group("national-platform")
def national() -> None:
    """Listing and removal decisions reported to the national platform."""


@national.command("status")
@with_appcontext
def status_command() -> None:
    """List every exported decision with its reporting deadline, unreported first."""
    days = current_app.config["REGISTRY"]["NATIONAL_REPORT_WORKING_DAYS"]
    rows = report_rows(db.session(), policy().calendar, days, clock.beijing_today())
    for row in rows:
        report = row.report
        state = f"reported {report.reported_on}" if report.reported_on else row.status
        click.echo(
            f"{report.entry_id} {report.event:8} decided {report.decided_on} due {row.due} "
            f"{state} ({report.export_file or 'not exported'})"
        )
    if not rows:
        click.echo("no decision exported yet: the next publish run exports them")


@national.command("mark-reported")
@click.option("--clerk", "username", required=True, help="the clerk who uploaded the export")
@click.option("--entry", "entry_id", help="one entry's decision (default: every exported one)")
@click.option("--event", type=click.Choice(NATIONAL_EVENTS), help="listed or removed")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the day it was reported (default: today, Beijing)",
)
@with_appcontext
def mark_reported_command(
    username: str, entry_id: str | None, event: str | None, on: dt.datetime | None
) -> None:
    """Mark decisions as reported to the national platform (audited)."""
    today = clock.beijing_today()
    try:
        actor = account_actor(db.session(), username)
        marked = mark_reported(
            db.session(), actor, on.date() if on else today, today, entry_id, event
        )
    except DomainError as error:
        fail(error)
    click.echo(f"{len(marked)} decision{'' if len(marked) == 1 else 's'} marked reported")
