"""`registry screening-index pull`: a web node's copy of the screening index file.

On a web node on a machine of its own, the screening index file the publisher writes comes from the
private bucket it uploads the file to (runtime/index_store.py). `pull` downloads it when the
bucket's file differs from the node's; with `--watch` it keeps doing so, as a service beside
the node's workers (docs/operations.md).
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app

from registry.errors import InvalidValue
from runtime.feed_store import ObjectStoreError
from runtime.index_store import IndexBucket, index_store_settings
from server.cli.group import commands, fail


@commands.group("screening-index")
def screening_index() -> None:
    """The screening index file of this node."""


@screening_index.command("pull")
@click.option(
    "--watch",
    type=click.IntRange(min=5),
    default=None,
    metavar="SECONDS",
    help="keep pulling, every SECONDS seconds (at least 5), and report failures without stopping",
)
def pull(watch: int | None) -> None:
    """Download the publisher's screening index file from its private bucket when it changed."""
    try:
        store = index_store_settings(current_app.config["REGISTRY"])
    except InvalidValue as error:
        fail(error)
        return
    if store is None:
        raise click.ClickException(
            "REGISTRY_SCREENING_INDEX_S3_BUCKET is not set: there is no bucket to pull the "
            "screening index file from"
        )
    path = Path(current_app.config["SCREENING_INDEX"])
    bucket = IndexBucket(store)
    while True:
        try:
            click.echo(bucket.pull(path, lambda message: click.echo(message, err=True)))
        except (ObjectStoreError, InvalidValue) as error:
            if watch is None:
                raise click.ClickException(str(error)) from None
            click.echo(f"screening index: {error}", err=True)
        if watch is None:
            return
        time.sleep(watch)
