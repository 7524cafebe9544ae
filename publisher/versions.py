"""Feed version numbers: reserved in the database before any file is written, never reused.

A run first commits a `FeedVersion` row with an empty `index_sha256` (reserved), then writes
the version's immutable files, then `index.json`, then records the index hash (published).
A run killed before its index leaves a reserved row and orphan files under a number no index
ever named; the next run takes the next number, so an immutable file is never rewritten with
different content. The published head is whichever is newer: `index.json` on disk (what
consumers see) or the last row with a recorded index hash.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.writers.atomic import file_sha256
from registry.models import FeedVersion
from registry.transaction import atomic

INDEX_FILE = "index.json"
RESERVED = ""  # index_sha256 of a version whose index was never written


@dataclass(frozen=True)
class PublishedHead:
    """The feed version consumers can currently see, and the log size it covers."""

    version: int
    tree_size: int


def read_signed_index(feed_dir: Path) -> dict[str, Any] | None:
    """The `signed` part of `index.json`, or None if it is missing or unreadable."""
    try:
        signed = json.loads((feed_dir / INDEX_FILE).read_bytes())["signed"]
        int(signed["version"])
        _checkpoint_size(signed["checkpoint"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        # A damaged head vouches for nothing; the next complete index replaces it.
        return None
    return signed if isinstance(signed, dict) else None


def _checkpoint_size(note: str) -> int:
    return int(note.split("\n")[1])


def published_head(session: Session, feed_dir: Path) -> PublishedHead:
    """The newest published version (disk or database) and its log size; (0, 0) if none."""
    head = PublishedHead(0, 0)
    row = session.execute(
        select(FeedVersion.version, FeedVersion.tree_size)
        .where(FeedVersion.index_sha256 != RESERVED)
        .order_by(FeedVersion.version.desc())
        .limit(1)
    ).first()
    if row is not None:
        head = PublishedHead(row[0], row[1])
    signed = read_signed_index(feed_dir)
    if signed is not None and int(signed["version"]) >= head.version:
        head = PublishedHead(int(signed["version"]), _checkpoint_size(signed["checkpoint"]))
    return head


def reserve_version(
    session: Session,
    feed_dir: Path,
    tree_size: int,
    issued_at: dt.datetime,
    expires: dt.datetime,
) -> int:
    """Commit a reserved row for the next version number (above every row and the disk index)."""
    with atomic(session):
        top = session.scalar(select(func.max(FeedVersion.version))) or 0
        signed = read_signed_index(feed_dir)
        on_disk = int(signed["version"]) if signed is not None else 0
        version = max(top, on_disk) + 1
        session.add(
            FeedVersion(
                version=version,
                issued_at=issued_at,
                expires=expires,
                tree_size=tree_size,
                index_sha256=RESERVED,
            )
        )
    return version


def mark_published(session: Session, version: int, index_sha256: str) -> None:
    """Record the hash of the index that published `version`."""
    with atomic(session):
        row = session.get(FeedVersion, version)
        assert row is not None, f"feed version {version} was never reserved"
        row.index_sha256 = index_sha256


def settle_interrupted(session: Session, feed_dir: Path) -> int | None:
    """Record the index hash of a version killed between its index and its row; return it."""
    signed = read_signed_index(feed_dir)
    if signed is None:
        return None
    row = session.get(FeedVersion, int(signed["version"]))
    if row is None or row.index_sha256 != RESERVED:
        return None
    written = file_sha256(feed_dir / INDEX_FILE)
    if written is None:
        return None
    mark_published(session, row.version, written[0])
    return row.version
