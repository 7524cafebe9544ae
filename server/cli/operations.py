"""`registry demo` and `registry publish`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from publisher.jobs import run_publication
from registry.demo.loader import DEMO_STEPS, load_demo
from registry.errors import DomainError
from runtime.extensions import session
from runtime.gc_pauses import frozen_while
from runtime.signing_keys import key_store
from server.cli.group import commands, fail, policy


@commands.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo dataset (idempotent: running it again changes nothing).

    Refused in production: the demo accounts share a password printed in the README.
    """
    if current_app.config.get("REGISTRY_ENV") == "production":
        raise click.ClickException(
            "registry demo refuses REGISTRY_ENV=production: the demo accounts' password is "
            "published; load the demo into a development instance"
        )
    try:
        with click.progressbar(length=DEMO_STEPS, label="loading demo data") as bar:
            summary = load_demo(session(), policy(), key_store(), progress=bar.update)
    except DomainError as error:
        fail(error)
    click.echo(summary)


@commands.command("publish")
@with_appcontext
def publish() -> None:
    """Run one publication now: due transitions, checkpoint, tiles, feed files, index."""
    try:
        with frozen_while():  # the loaded app outlives the run (runtime.gc_pauses)
            report = run_publication(current_app._get_current_object(), progress=click.echo)  # type: ignore[attr-defined]
    except DomainError as error:
        fail(error)  # e.g. a signing key missing: say which file and why, without a traceback
    if report is None:
        raise click.ClickException("another publisher is running; try again when it finishes")
    click.echo(report)
