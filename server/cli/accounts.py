"""`registry admin create`, `registry admin end-sessions`, `registry audit verify` and `anchor`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from registry import clock
from registry.accounts import sessions
from registry.accounts import users as accounts
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import DomainError
from registry.models import ROLES, User
from registry.publication.audit_anchors import check_trail_against_log
from registry.publication.checkpoints import sign_new_checkpoint
from runtime.extensions import db
from runtime.signing_keys import key_store
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
    """Recompute the audit chain, check it against the signed log, report the first bad record."""
    total = audit.count(db.session())
    with click.progressbar(length=total, label="checking audit trail", file=None) as bar:
        report = audit.verify_chain(db.session(), progress=bar.update)
    if not report.intact:
        raise click.ClickException(
            f"audit trail BROKEN at record {report.first_bad_seq}: {report.problem} "
            f"({report.checked} records before it are intact)"
        )
    try:
        vkey = key_store().current("checkpoint").verification_key().note_vkey or ""
    except DomainError as error:
        fail(error)
    anchored = check_trail_against_log(db.session(), vkey)
    if not anchored.intact:
        where = f" at record {anchored.first_bad_seq}" if anchored.first_bad_seq else ""
        raise click.ClickException(
            f"audit trail does NOT MATCH the signed log{where}: {anchored.problem} "
            f"({anchored.confirmed} records confirmed by the log)"
        )
    click.echo(f"audit trail intact: {report.checked} records")
    if anchored.anchors:
        click.echo(
            f"the signed log anchors the first {anchored.confirmed} of them "
            f"({anchored.anchors} anchors checked)"
        )
    else:
        click.echo(f"not yet anchored in a signed checkpoint ({anchored.problem or 'no anchor'})")


@audit_group.command("anchor")
@with_appcontext
def audit_anchor() -> None:
    """Commit the audit trail's head to the transparency log now, and sign a checkpoint."""
    origin = current_app.config["REGISTRY"]["LOG_ORIGIN"]
    try:
        checkpoint = sign_new_checkpoint(db.session(), key_store(), origin)
    except DomainError as error:
        fail(error)
    click.echo(
        f"audit trail of {audit.count(db.session())} records anchored; "
        f"checkpoint signed at log size {checkpoint.tree_size}"
    )
