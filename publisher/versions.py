"""Feed version numbers: reserved in the database before any file is written, never reused.

A run first commits a `FeedVersion` row with an empty `index_sha256` (reserved), then writes
the version's immutable files, then `index.json`, then records the index hash (published).
A run killed before its index leaves a reserved row and orphan files under a number no index
ever named; the next run takes the next number, so an immutable file is never rewritten with
different content. The published head is whichever is newer: `index.json` on disk (what
consumers see) or the last row with a recorded index hash.

Once a new index is on disk, `prune_feed` deletes the files no recent version lists, so an
hourly feed does not grow without bound (deltas go by age: a consumer further behind
re-fetches the snapshot).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.writers.atomic import file_sha256
from registry.errors import InvalidValue
from registry.models import FeedVersion
from registry.publication.status import RESERVED
from registry.transaction import atomic

INDEX_FILE = "index.json"
_VERSIONED_FILES = (
    ("snapshot", re.compile(r"([0-9]+)\.(?:jsonl|csv)\Z")),
    ("ftm", re.compile(r"([0-9]+)\.ftm\.json\Z")),
)
_DELTA_FILE = re.compile(r"([0-9]+)-([0-9]+)\.jsonl\Z")


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


@dataclass(frozen=True)
class FeedRetention:
    """How long old feed files stay: the newest versions' files, and deltas by age."""

    keep_versions: int = 24
    keep_deltas_days: int = 30

    def __post_init__(self) -> None:
        if self.keep_versions < 1:
            reason = f"must be at least 1 (the current version), got {self.keep_versions}"
            raise InvalidValue("FEED_KEEP_VERSIONS", reason)
        if self.keep_deltas_days < 0:
            reason = f"must be 0 or more days, got {self.keep_deltas_days}"
            raise InvalidValue("FEED_KEEP_DELTAS_DAYS", reason)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FeedRetention:
        """Build the retention from the `REGISTRY` settings mapping."""
        return cls(settings["FEED_KEEP_VERSIONS"], settings["FEED_KEEP_DELTAS_DAYS"])


def _numbered_files(feed_dir: Path) -> Iterator[tuple[Path, int]]:
    """Snapshot, CSV and FollowTheMoney files with the version number in their name."""
    for folder, pattern in _VERSIONED_FILES:
        for path in (feed_dir / folder).glob("*"):
            match = pattern.match(path.name)
            if match and path.is_file():
                yield path, int(match[1])


def _sources(session: Session, feed_dir: Path, newest: int) -> set[int]:
    """The versions whose files the published versions numbered `>= newest` list.

    A version published with no new event lists its predecessor's files (which may list
    theirs): its files are those of the latest version with files on disk at that log size.
    """
    with_files = {version for _path, version in _numbered_files(feed_dir)}
    listed: set[int] = set()
    source: tuple[int, int] | None = None  # (version, tree size) whose files are current
    rows = session.execute(
        select(FeedVersion.version, FeedVersion.tree_size)
        .where(FeedVersion.index_sha256 != RESERVED)
        .order_by(FeedVersion.version)
    )
    for version, tree_size in rows:
        if version in with_files or source is None or source[1] != tree_size:
            source = (version, tree_size)
        if version >= newest:
            listed.add(source[0])
    return listed


def prune_feed(
    session: Session,
    feed_dir: Path,
    current: Mapping[str, Any],
    retention: FeedRetention,
    now: dt.datetime,
) -> list[str]:
    """Delete old snapshot, CSV, FollowTheMoney and delta files; return their paths.

    Call only once the index `current` (its `signed` part) is durably on disk: whatever it
    lists is kept, as are the files of the newest `keep_versions` version numbers (and the
    older files those versions list), and deltas issued within `keep_deltas_days`. Log tiles
    are never touched.
    """
    version = int(current["version"])
    listed = {record["path"] for record in [*current["resources"], current["delta"]]}
    newest = version - retention.keep_versions + 1
    keep = _sources(session, feed_dir, newest)
    removed = []
    for path, number in _numbered_files(feed_dir):
        name = path.relative_to(feed_dir).as_posix()
        if number < newest and number not in keep and name not in listed:
            removed.append(path)
    issued = {
        number: at
        for number, at in session.execute(select(FeedVersion.version, FeedVersion.issued_at))
    }
    cutoff = now - dt.timedelta(days=retention.keep_deltas_days)
    for path in (feed_dir / "delta").glob("*.jsonl"):
        match = _DELTA_FILE.match(path.name)
        name = path.relative_to(feed_dir).as_posix()
        # A delta whose version has no row (a database restored from an older backup) has
        # no known age, so it stays.
        to_issued = issued.get(int(match[2])) if match else None
        if to_issued is not None and to_issued < cutoff and name not in listed:
            removed.append(path)
    for path in removed:
        path.unlink(missing_ok=True)
    return sorted(path.relative_to(feed_dir).as_posix() for path in removed)
