"""`registry monitor`: follow a published feed from the last checkpoint it verified (for cron).

Like `registry verify` it needs no database and no app. Exit status: 0 the feed verified and
extends what was seen before, 1 problems (named on stdout), 2 a split view (evidence kept).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from registry.errors import InvalidValue
from registry.verifier import SourceUnavailable, open_source
from registry.verifier.monitor import SPLIT_VIEW, MonitorState, monitor_once
from server.cli.verify import StageProgress


@click.command("monitor")
@click.argument("feed")
@click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="directory for the pinned key, the last verified checkpoint, runs and evidence",
)
@click.option("--vkey", help="the log's checkpoint verifier key; pinned from keys.json otherwise")
def monitor(feed: str, state_dir: Path, vkey: str | None) -> None:
    """Verify FEED (directory or URL) and prove it extends the checkpoint seen last time."""
    state = MonitorState(state_dir)
    try:
        source = open_source(feed)
        with StageProgress() as progress:
            result = monitor_once(source, state, vkey=vkey, progress=progress)
    except SourceUnavailable as error:
        raise click.ClickException(error.message) from None
    except InvalidValue as error:
        raise click.ClickException(f"{error.field}: {error.reason}") from None
    report = result.report
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for problem in report.problems():
        click.secho(f"FAILED {problem}", fg="red")
    if result.outcome == SPLIT_VIEW:
        click.secho(
            f"SPLIT VIEW: the feed's log does not extend the checkpoint verified before "
            f"(size {result.previous_size}); both signed checkpoints kept in {result.evidence}",
            fg="red",
        )
    elif report.ok:
        size = report.checkpoint.size if report.checkpoint else 0
        grown = size - (result.previous_size or 0)
        click.echo(f"log size {size} (+{grown} since the last run); {report.summary()}")
    else:
        click.echo(report.summary())
    sys.exit(result.exit_code)
