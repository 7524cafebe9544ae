"""`registry verify-proof BUNDLE --entry ENTRY.json --policy POLICY`: fully offline, no app."""

from __future__ import annotations

from pathlib import Path

import click

from registry.errors import DomainError
from registry.verifier.proof_check import verify_entry_proof

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("verify-proof")
@click.argument("bundle", type=_FILE)
@click.option("--entry", "entry", required=True, type=_FILE, help="the entry JSON (signed or bare)")
@click.option(
    "--policy",
    "policy",
    required=True,
    type=_FILE,
    help="a c2sp.org/tlog-policy file: the log key, the witnesses and the quorum you trust",
)
def verify_proof(bundle: Path, entry: Path, policy: Path) -> None:
    """Check that ENTRY is in the log under a witnessed checkpoint, from BUNDLE alone."""
    try:
        proved = verify_entry_proof(bundle.read_bytes(), entry.read_bytes(), policy.read_bytes())
    except DomainError as error:
        raise click.ClickException(f"NOT VERIFIED: {error.message}") from None
    click.echo(f"VERIFIED: {proved}")
