"""`registry keys list|rotate` and `registry purge`: the signing keys and content redaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from publisher.run import purge_expired_content
from registry.actors import Actor
from registry.audit.queries import appended_since, last_seq
from registry.clock import beijing_today
from registry.errors import DomainError
from registry.models import utcnow
from registry.signing.keystore import KEY_USES
from registry.signing.rotation import rotate_key
from runtime.extensions import db
from runtime.signing_keys import key_store
from server.cli.group import commands, fail, policy

# Work done from the command line is recorded under this name in the audit trail.
CLI = Actor(name="cli", role="system")


@commands.group("keys")
def keys_group() -> None:
    """Signing keys: list them, rotate one."""


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """List every signing key, current and retired."""
    try:
        keys = key_store().verification_keys()
    except DomainError as error:
        fail(error)
    for key in sorted(keys, key=lambda k: (k.use, k.valid_from)):
        state = f"retired {key.valid_until}" if key.valid_until else "current"
        click.echo(f"{key.use:<10} {key.kid}  from {key.valid_from}  {state}")


@keys_group.command("vkey")
@with_appcontext
def keys_vkey() -> None:
    """Print the log's checkpoint verifier key (what witnesses and monitors pin)."""
    try:
        vkey = key_store().current("checkpoint").verification_key().note_vkey
    except DomainError as error:
        fail(error)
    click.echo(vkey)


@keys_group.command("rotate")
@click.option("--use", type=click.Choice(KEY_USES), required=True, help="which key to replace")
@with_appcontext
def keys_rotate(use: str) -> None:
    """Retire the current key for USE and start signing with a new one; print its kid."""
    try:
        rotation = rotate_key(
            db.session(), key_store(), use, CLI, utcnow(), "rotated from the command line"
        )
    except DomainError as error:
        fail(error)
    retired = rotation.retired_kid
    click.echo(f"retired {use} key {retired}" if retired else f"no previous {use} key")
    click.echo(rotation.key.kid)


@commands.command("purge")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the date to purge as of (default: today, Beijing time)",
)
@with_appcontext
def purge(today: dt.datetime | None) -> None:
    """Purge the content of entries whose retention period is over (their log leaves stay)."""
    day = today.date() if today else beijing_today()
    rules = policy()
    click.echo(f"purging entries ended on or before {day - dt.timedelta(rules.retention_days)}")
    session = db.session()
    before = last_seq(session)
    feed_dir = Path(current_app.config["FEED_DIR"])
    count = purge_expired_content(session, rules, day, feed_dir)
    for record in appended_since(session, before, "entry.purge"):
        revisions = ", ".join(str(r) for r in (record.after or {}).get("revisions", []))
        click.echo(f"purged {record.object_id} (revisions {revisions}; audit record {record.seq})")
    click.echo(
        f"{count} entries purged; their log leaves and proofs stay valid. The feed files "
        "already published no longer carry their content; run `registry publish` to sign "
        "an index over the redacted files."
    )
