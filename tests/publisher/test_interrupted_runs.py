"""Runs interrupted at exact points (the kill test's worst cases, made deterministic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher import feed_files, versions
from publisher.jobs import run_publication
from registry.errors import Conflict
from registry.models import FeedVersion
from registry.publication.status import RESERVED
from runtime.signing_keys import key_store
from tests import builders
from tests.publisher.feed_checks import assert_feed_complete, file_digest, snapshot_entry_ids

D = dt.date


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the raise point runs, no handler catches it."""


def test_a_run_killed_before_its_index_never_reuses_its_version(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = Path(app.config["FEED_DIR"])
    keys = key_store(app).public_keys()
    assert run_publication(app).version == 1

    def killed(*_args: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(feed_files, "write_index", killed)
        with pytest.raises(Killed):
            run_publication(app)
    # Nothing changed, so version 2 reused version 1's snapshot: its orphan is its delta.
    orphan = feed / "delta" / "1-2.jsonl"
    orphan_digest = file_digest(orphan)
    assert assert_feed_complete(feed, keys)["version"] == 1
    assert session.get(FeedVersion, 2).index_sha256 == RESERVED

    # New work changes what a snapshot holds; version 2's orphan files must not be rewritten.
    builders.listing(session, state="approved")
    report = run_publication(app)
    signed = assert_feed_complete(feed, keys)
    assert signed["version"] == report.version == 3
    assert signed["delta"]["from"] == 1 and signed["delta"]["path"] == "delta/1-3.jsonl"
    assert snapshot_entry_ids(feed, signed) == report.published
    assert file_digest(orphan) == orphan_digest


def test_a_run_killed_after_its_index_is_settled_by_the_next(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = Path(app.config["FEED_DIR"])
    keys = key_store(app).public_keys()

    def killed(*_args: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(versions, "mark_published", killed)
        with pytest.raises(Killed):
            run_publication(app)
    # The index went out; the database had not yet recorded it.
    assert assert_feed_complete(feed, keys)["version"] == 1
    assert session.get(FeedVersion, 1).index_sha256 == RESERVED
    first_index = file_digest(feed / "index.json")[0]
    assert not (feed / "atom.xml").exists()  # Atom follows the index it matches

    assert run_publication(app).version == 2
    assert session.get(FeedVersion, 1).index_sha256 == first_index
    signed = assert_feed_complete(feed, keys)
    assert signed["delta"]["from"] == 1
    assert (feed / "atom.xml").exists()


def test_a_damaged_index_is_replaced_by_the_next_run(app: Flask) -> None:
    feed = Path(app.config["FEED_DIR"])
    assert run_publication(app).version == 1
    (feed / "index.json").write_bytes(b'{"signed": {"version": 1, "trunc')
    assert run_publication(app).version == 2
    assert assert_feed_complete(feed, key_store(app).public_keys())["version"] == 2


def test_temporary_files_of_a_killed_run_are_cleaned_up(app: Flask) -> None:
    feed = Path(app.config["FEED_DIR"])
    assert run_publication(app).version == 1
    stale = feed / "snapshot" / ".2.jsonl.abc123.tmp"
    stale.write_bytes(b"half a snapsh")
    run_publication(app)
    assert not stale.exists()


def test_a_database_behind_the_published_feed_is_refused(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = Path(app.config["FEED_DIR"])
    builders.listing(session, state="approved")
    assert run_publication(app).tree_size == 2  # the listing and the audit anchor
    before = (feed / "index.json").read_bytes()
    # As if the database were restored from a backup taken before that event.
    monkeypatch.setattr(
        versions, "published_head", lambda _session, _feed: versions.PublishedHead(1, 3)
    )
    with pytest.raises(Conflict, match="refusing to publish a shorter log"):
        run_publication(app)
    assert (feed / "index.json").read_bytes() == before
