"""The `registry` command line: Flask's CLI with the registry's own commands."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from api.cli_verify import verify
from api.extensions import db
from api.signing_setup import key_store
from registry.accounts import users as accounts
from registry.audit import trail as audit
from registry.errors import DomainError
from registry.listings.policy import Policy
from registry.models import ROLES


def _create_app() -> Flask:
    from api.app import create_app

    # Command-line runs never start the in-process publisher; `registry publish` runs it once.
    return create_app({"CLI": True})


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Patent Dishonesty Disclosure Registry."""


main.add_command(verify)  # on the top-level group: it runs without creating the app

commands = AppGroup("registry")


def policy() -> Policy:
    """The policy configured for the running app."""
    return Policy.from_settings(current_app.config["REGISTRY"])


def fail(error: DomainError) -> None:
    """Print a domain error as a clean command-line failure."""
    raise click.ClickException(error.message)


@commands.group()
def admin() -> None:
    """Administrator accounts."""


@admin.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.option("--display-name", default="")
@click.password_option(envvar="REGISTRY_ADMIN_PASSWORD", help="at least 12 characters")
@with_appcontext
def admin_create(username: str, role: str, display_name: str, password: str) -> None:
    """Create an account (the first admin, or any role)."""
    try:
        user = accounts.create_user(db.session, username, role, password, display_name, "cli")
    except DomainError as error:
        fail(error)
    click.echo(f"created {user.role} {user.username!r}")


@commands.group("audit")
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit chain and report the first broken record."""
    total = audit.count(db.session)
    with click.progressbar(length=total, label="checking audit trail", file=None) as bar:
        report = audit.verify_chain(db.session, progress=bar.update)
    if report.intact:
        click.echo(f"audit trail intact: {report.checked} records")
        return
    raise click.ClickException(
        f"audit trail BROKEN at record {report.first_bad_seq}: {report.problem} "
        f"({report.checked} records before it are intact)"
    )


@commands.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo dataset (idempotent: running it again changes nothing)."""
    from registry.demo.loader import DEMO_STEPS, load_demo

    try:
        with click.progressbar(length=DEMO_STEPS, label="loading demo data") as bar:
            summary = load_demo(db.session, policy(), key_store(), progress=bar.update)
    except DomainError as error:
        fail(error)
    click.echo(summary)


@commands.command("publish")
@with_appcontext
def publish() -> None:
    """Run one publication now: due transitions, checkpoint, tiles, feed files, index."""
    from publisher.jobs import run_publication

    try:
        report = run_publication(current_app._get_current_object(), progress=click.echo)  # type: ignore[attr-defined]
    except DomainError as error:
        fail(error)  # e.g. a signing key missing: say which file and why, without a traceback
    if report is None:
        raise click.ClickException("another publisher is running; try again when it finishes")
    click.echo(report)


def init_app(app: Flask) -> None:
    """Attach the registry's commands to the app's CLI."""
    from api import (
        cli_import,  # noqa: F401
        cli_ledger,  # noqa: F401
        cli_screening,  # noqa: F401
    )
    for command in commands.commands.values():
        app.cli.add_command(command)
