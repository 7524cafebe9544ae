"""A run copies to the feed only the log tiles written since the checkpoint on disk."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from publisher.jobs import run_publication
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import LogTile
from runtime.signing_keys import key_store
from tests import builders

TILE_ROWS = "SELECT log_tiles.path, log_tiles.data FROM log_tiles"


def _tiles_on_disk(feed: Path) -> dict[str, bytes]:
    log = feed / "log"
    return {
        path.relative_to(log).as_posix(): path.read_bytes()
        for path in (log / "tile").rglob("*")
        if path.is_file()
    }


def _publish_watching_tile_reads(app: Flask, session: Session) -> list[str]:
    reads: list[str] = []

    def record(*args: object) -> None:
        statement = " ".join(str(args[2]).split())
        if statement.startswith(TILE_ROWS):
            reads.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert run_publication(app) is not None
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return reads


def test_a_run_reads_only_the_tiles_written_since_the_last_checkpoint(
    app: Flask, session: Session
) -> None:
    policy = Policy.from_settings(app.config["REGISTRY"])
    load_demo(session, policy, key_store(app))
    first = _publish_watching_tile_reads(app, session)
    assert first == [TILE_ROWS]  # no checkpoint on disk yet: every stored tile
    feed = Path(app.config["FEED_DIR"])
    before = _tiles_on_disk(feed)
    builders.listing(session, state="published", policy=policy)

    reads = _publish_watching_tile_reads(app, session)

    assert reads and all(" WHERE log_tiles.path IN (" in read for read in reads)
    stored = {path: data for path, data in session.execute(select(LogTile.path, LogTile.data))}
    assert _tiles_on_disk(feed) == stored
    assert set(stored) > set(before)


def test_a_feed_without_its_checkpoint_gets_every_tile_again(app: Flask, session: Session) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    run_publication(app)
    feed = Path(app.config["FEED_DIR"])
    (feed / "log" / "checkpoint").unlink()
    lost = next(path for path in (feed / "log" / "tile").rglob("*") if path.is_file())
    lost.unlink()

    assert _publish_watching_tile_reads(app, session) == [TILE_ROWS]

    assert lost.is_file()
    stored = {path: data for path, data in session.execute(select(LogTile.path, LogTile.data))}
    assert _tiles_on_disk(feed) == stored
