"""`registry admin create`, `registry admin end-sessions` and `registry audit verify`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from registry import clock
from registry.accounts import sessions
from registry.accounts import users as accounts
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import DomainError
from registry.models import ROLES, User
from runtime.extensions import db
from server.cli.group import commands, fail

# The operator at the server's shell acts with admin rights, as for `admin create`.
CLI_ADMIN = Actor("cli", "admin")


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
        user = accounts.create_user(db.session(), username, role, password, display_name, "cli")
    except DomainError as error:
        fail(error)
    click.echo(f"created {user.role} {user.username!r}")


@admin.command("end-sessions")
@click.option("--user", "username", default="", help="only this account's sessions")
@with_appcontext
def admin_end_sessions(username: str) -> None:
    """End every signed-in session (or one account's): everyone signs in again."""
    name = username.strip().lower()
    user_id = None
    if name:
        user = db.session.scalar(select(User).where(User.username == name))
        if user is None:
            raise click.ClickException(f"--user: no account named {name!r}")
        user_id = user.id
    ended = sessions.end_all_sessions(db.session(), CLI_ADMIN, clock.utcnow(), user_id)
    click.echo(f"ended {ended} session(s)")


@commands.group("audit")
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Recompute the audit chain and report the first broken record."""
    total = audit.count(db.session())
    with click.progressbar(length=total, label="checking audit trail", file=None) as bar:
        report = audit.verify_chain(db.session(), progress=bar.update)
    if report.intact:
        click.echo(f"audit trail intact: {report.checked} records")
        return
    raise click.ClickException(
        f"audit trail BROKEN at record {report.first_bad_seq}: {report.problem} "
        f"({report.checked} records before it are intact)"
    )
