"""A publication run end to end: the feed files, their signatures, and re-runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.jobs import feed_freshness, run_publication
from registry.demo.loader import load_demo
from registry.ledger.checkpoint import parse_and_verify
from registry.listings.policy import Policy
from registry.models import Listing
from registry.signing.signatures import verify_entry, verify_envelope
from runtime.signing_keys import key_store


def _index(feed: Path) -> dict:
    return json.loads((feed / "index.json").read_bytes())


def test_publish_writes_a_signed_verifiable_feed(
    app: Flask, session: Session, runner: FlaskCliRunner
) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    approved = session.scalar(select(func.count()).where(Listing.state == "approved"))
    assert approved == 3
    result = runner.invoke(args=["publish"])
    assert result.exit_code == 0, result.output
    assert "3 published" in result.output
    assert session.scalar(select(func.count()).where(Listing.state == "approved")) == 0

    feed = Path(app.config["FEED_DIR"])
    keys = key_store(app).public_keys()
    envelope = _index(feed)
    verify_envelope("ipl.feed-index/v1", envelope, keys)
    signed = envelope["signed"]
    assert signed["version"] == 1
    vkey = next(k["note_vkey"] for k in keys if k["use"] == "checkpoint")
    checkpoint = parse_and_verify(signed["checkpoint"], vkey)
    assert (feed / "log" / "checkpoint").read_text() == signed["checkpoint"]

    published = session.scalar(select(func.count()).where(Listing.state == "published"))
    snapshot = feed / f"snapshot/{signed['version']}.jsonl"
    lines = snapshot.read_bytes().splitlines()
    assert len(lines) == published
    ids = [json.loads(line)["entry"]["entry_id"] for line in lines]
    assert ids == sorted(ids)
    for line in lines:
        verify_entry(json.loads(line), keys)
    csv_text = (feed / f"snapshot/{signed['version']}.csv").read_bytes()
    assert csv_text.startswith(b"\xef\xbb\xbf")
    for resource in signed["resources"]:
        assert (feed / resource["path"]).stat().st_size == resource["size"]
    assert checkpoint.size == len((feed / "delta" / "0-1.jsonl").read_bytes().splitlines())
    assert feed_freshness(app)[0]

    # A second run with nothing new still re-signs the index with a higher version.
    assert run_publication(app).version == 2
    second = _index(feed)["signed"]
    assert second["version"] == 2
    assert second["checkpoint"] == signed["checkpoint"]
    assert dt.datetime.fromisoformat(second["expires"].replace("Z", "+00:00")) > dt.datetime.now(
        dt.UTC
    )


def test_publish_writes_the_screening_index_the_workers_map(
    app: Flask, session: Session, runner: FlaskCliRunner
) -> None:
    from registry.screening.matching.index_file import IndexFile
    from registry.screening.shared_index import SharedIndex

    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    path = Path(app.config["SCREENING_INDEX"])
    assert not path.exists()
    result = runner.invoke(args=["publish"])
    assert result.exit_code == 0, result.output
    assert "writing the screening index" in result.output
    mapped = IndexFile(path)
    signed = _index(Path(app.config["FEED_DIR"]))["signed"]
    assert mapped.stamp == str(parse_and_verify(signed["checkpoint"], _vkey(app)).size)
    published = session.scalar(select(func.count()).where(Listing.state == "published"))
    assert mapped.count >= published
    assert not str(path).startswith(app.config["FEED_DIR"])  # full identifiers stay private
    assert SharedIndex(path).current() is not None
    assert "screening index: written" in result.output

    status = path.stat()
    again = runner.invoke(args=["publish"])
    assert again.exit_code == 0, again.output
    assert "screening index: kept, 0 changed entries screened from memory" in again.output
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (status.st_ino, status.st_mtime_ns)


def _vkey(app: Flask) -> str:
    return next(k["note_vkey"] for k in key_store(app).public_keys() if k["use"] == "checkpoint")
