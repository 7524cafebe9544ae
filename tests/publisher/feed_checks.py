"""Checks shared by the publisher tests: the feed on disk is whole, the log and trail intact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.audit import trail as audit
from registry.ledger.checkpoint import parse_and_verify
from registry.models import Listing, LogEvent
from registry.signing.signatures import verify_envelope


def file_digest(path: Path) -> tuple[str, int]:
    """The sha256 hex and size of a file."""
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def assert_feed_complete(feed: Path, public_keys: list[dict[str, Any]]) -> dict[str, Any]:
    """The index parses and verifies, and every file it lists is there with its hash and size."""
    envelope = json.loads((feed / "index.json").read_bytes())
    verify_envelope("ipl.feed-index/v1", envelope, public_keys)
    signed: dict[str, Any] = envelope["signed"]
    vkey = next(k["note_vkey"] for k in public_keys if k["use"] == "checkpoint")
    checkpoint = parse_and_verify(signed["checkpoint"], vkey)
    for record in [*signed["resources"], signed["delta"]]:
        path = feed / record["path"]
        assert path.is_file(), f"{record['path']} is listed in version {signed['version']}"
        assert file_digest(path) == (record["sha256"], record["size"]), record["path"]
    # The whole snapshot (while it is still published) and each of its chunks.
    for snapshot in signed["resources"]:
        if snapshot["name"] == "snapshot" or snapshot["name"].startswith("snapshot/"):
            lines = (feed / snapshot["path"]).read_bytes().splitlines()
            assert len(lines) == snapshot["count"], snapshot["path"]
    delta_lines = (feed / signed["delta"]["path"]).read_bytes().splitlines()
    if delta_lines:
        assert json.loads(delta_lines[-1])["seq"] == checkpoint.size - 1
    return signed


def snapshot_entry_ids(feed: Path, signed: dict[str, Any]) -> list[str]:
    """The entry ids in the snapshot named by an index."""
    snapshot = next(r for r in signed["resources"] if r["name"] == "snapshot")
    lines = (feed / snapshot["path"]).read_bytes().splitlines()
    return [json.loads(line)["entry"]["entry_id"] for line in lines]


def assert_log_and_trail_intact(session: Session) -> int:
    """Log seqs run 0..n-1, one `listed` event per entry id given out, audit chain intact."""
    seqs = session.scalars(select(LogEvent.seq).order_by(LogEvent.seq)).all()
    assert list(seqs) == list(range(len(seqs))), "log events are not contiguous"
    listed = session.execute(
        select(LogEvent.entry_id, func.count())
        .where(LogEvent.event == "listed")
        .group_by(LogEvent.entry_id)
    ).all()
    assert all(count == 1 for _entry, count in listed), "an entry was listed twice"
    entry_ids = set(session.scalars(select(Listing.entry_id).where(Listing.entry_id.is_not(None))))
    assert {entry for entry, _count in listed} == entry_ids, "a listing lost its listed event"
    report = audit.verify_chain(session)
    assert report.intact, report.problem
    return len(seqs)
