"""`registry verify`: check a published feed offline; needs no database and no app.

It is added to the top-level `registry` group (not the app's command group), so Flask never
creates the app for it: a bank can run it against a feed URL with only this package installed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from registry.errors import InvalidValue
from registry.verifier import (
    SourceUnavailable,
    check_vkey,
    open_source,
    parse_keys_document,
    verify_feed,
)


class StageProgress:
    """One progress bar per verification stage, on stderr so stdout stays the report."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        """Finish the bar of the current stage."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> StageProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_key_file(path: Path | None) -> list[Any] | None:
    if path is None:
        return None
    try:
        return parse_keys_document(path.read_bytes())
    except InvalidValue as error:
        raise click.BadParameter(f"{path}: {error.message}", param_hint="--key-file") from None


@click.command("verify")
@click.argument("feed")
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="keys.json obtained from the registry out of band (pins every key)",
)
@click.option("--vkey", help="the checkpoint verifier key '<name>+<id>+<key>' (pins the log key)")
@click.option(
    "--since",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a checkpoint saved by an earlier run; proves the log only grew since",
)
@click.option(
    "--save-checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the verified checkpoint here, for the next run's --since",
)
def verify(
    feed: str,
    key_file: Path | None,
    vkey: str | None,
    since: Path | None,
    save_checkpoint: Path | None,
) -> None:
    """Verify a published feed (directory or URL): signatures, file hashes, log, consistency."""
    pinned = _read_key_file(key_file)
    if vkey is not None:
        try:
            check_vkey(vkey)
        except InvalidValue as error:
            raise click.BadParameter(error.reason, param_hint="--vkey") from None
    try:
        source = open_source(feed)
        with StageProgress() as progress:
            report = verify_feed(
                source,
                pinned_keys=pinned,
                vkey=vkey,
                since_note=since.read_bytes() if since else None,
                since_name=str(since),
                progress=progress,
            )
    except SourceUnavailable as error:
        raise click.ClickException(error.message) from None
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for problem in report.problems():
        click.secho(f"FAILED {problem}", fg="red")
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)
    if save_checkpoint is not None and report.checkpoint_note is not None:
        save_checkpoint.write_text(report.checkpoint_note, encoding="utf-8")
        click.echo(f"checkpoint saved to {save_checkpoint}; pass it as --since next time")
