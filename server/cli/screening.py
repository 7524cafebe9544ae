"""`registry apikey ...` to manage API keys and `registry verify-receipt` to check a receipt."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import click

from registry.actors import SYSTEM
from registry.clients import api_keys
from registry.errors import DomainError
from registry.screening.receipts import verify_receipt
from registry.signing.signatures import SignatureInvalid
from runtime.extensions import session
from runtime.signing_keys import key_store
from server.cli.group import commands, fail


@commands.group("apikey")
def apikey() -> None:
    """API keys for banks and procurement systems."""


@apikey.command("create")
@click.option("--name", required=True, help="who the key is for")
@click.option("--scopes", required=True, help="comma-separated: screen, watch")
@click.option("--rate-limit", default=api_keys.DEFAULT_RATE_LIMIT, show_default=True)
def apikey_create(name: str, scopes: str, rate_limit: str) -> None:
    """Create a key and print it once: store it now, it cannot be shown again."""
    try:
        issued = api_keys.create_key(session(), SYSTEM, name, scopes.split(","), rate_limit)
    except DomainError as error:
        fail(error)
    key = issued.key
    click.echo(
        f"created API key {key.id} ({key.name}): scopes {','.join(key.scopes)}, "
        f"rate limit {key.rate_limit}"
    )
    click.echo(issued.secret)


@apikey.command("list")
def apikey_list() -> None:
    """List keys: id, prefix, scopes, rate limit, state, last use."""
    for key in api_keys.list_keys(session(), SYSTEM):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        click.echo(
            f"{key.id}\t{key.prefix}\t{key.name}\t{','.join(key.scopes)}\t{key.rate_limit}\t"
            f"{state}\tlast used {used}"
        )


@apikey.command("revoke")
@click.argument("key_id", type=int)
@click.option("--reason", default="")
def apikey_revoke(key_id: int, reason: str) -> None:
    """Revoke a key at once."""
    try:
        key = api_keys.revoke_key(session(), SYSTEM, key_id, reason)
    except DomainError as error:
        fail(error)
    click.echo(f"revoked API key {key.id} ({key.name})")


def _read_keys(source: str) -> list[dict[str, Any]]:
    """Public keys from a keys.json file or URL (the feed's keys.json, or a list of records)."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - http(s) only
            raw = response.read()
    else:
        raw = Path(source).read_bytes()
    document = json.loads(raw)
    records = document.get("keys") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise click.ClickException(f"{source}: expected keys.json ({{'keys': [...]}}) or a list")
    return records


@commands.command("verify-receipt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--keys", "keys_source", default=None, help="keys.json file or URL (default: this registry)"
)
def verify_receipt_command(file: str, keys_source: str | None) -> None:
    """Verify a screening receipt's signature offline."""
    try:
        # Not loads_strict: a saved API response has float scores beside the receipt.
        document = json.loads(Path(file).read_bytes())
    except ValueError as error:
        raise click.ClickException(f"{file} is not JSON: {error}") from None
    # A full API response holds the receipt under "receipt"; a saved receipt is the envelope.
    envelope = document.get("receipt", document) if isinstance(document, dict) else document
    public_keys = _read_keys(keys_source) if keys_source else key_store().public_keys()
    try:
        signed = verify_receipt(envelope, public_keys)
    except (SignatureInvalid, DomainError) as error:
        raise click.ClickException(f"receipt NOT valid: {error.message}") from None
    checkpoint = signed["checkpoint"]
    click.echo(
        f"receipt {signed['receipt_id']} is valid: issued {signed['issued_at']} to API key "
        f"{signed['api_key_id']}, as of {signed['as_of']}, log {checkpoint['origin']} at size "
        f"{checkpoint['tree_size']}"
    )
