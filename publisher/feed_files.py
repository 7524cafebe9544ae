"""The feed files of one version, pinned to one signed checkpoint (DESIGN.md section 5).

Order is what makes a kill at any instant harmless: the version number is reserved first
(publisher/versions.py), then the immutable files of that version are written (snapshot, CSV,
FollowTheMoney, delta), then `keys.json` and `log/checkpoint`, then `index.json`, and only
then `atom.xml`. The index lists only immutable files, so the index on disk always names
complete files with the hashes it states; the mutable Atom feed follows the index it matches.

A run that finds no new log event lists the previous version's snapshot, CSV and
FollowTheMoney files again instead of writing identical copies (only the empty delta is new).
Files no recent version lists are pruned after the index is written, never before.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher import versions
from publisher.writers import (
    Resource,
    build_index,
    write_atom,
    write_atomic,
    write_delta,
    write_ftm,
    write_index,
    write_keys,
    write_snapshot_csv,
    write_snapshot_jsonl,
)
from publisher.writers.atomic import file_sha256
from registry.errors import Conflict
from registry.keys import KeyStore
from registry.models import EntryRevision, FeedVersion, LogEvent, SignedCheckpoint
from registry.signing import sign_envelope

Progress = Callable[[str], None]
ATOM_EVENTS = 100
REUSABLE = ("snapshot", "snapshot_csv", "ftm")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\Z")


def snapshot_bundles(session: Session, tree_size: int) -> Iterator[dict[str, Any]]:
    """Signed bundles of the entries published as of log size `tree_size`, by entry id.

    Derived from the log rather than from listing states, so the snapshot is exactly the
    state the version's checkpoint commits to, whatever the web processes do meanwhile.
    """
    last = (
        select(LogEvent.entry_id, func.max(LogEvent.seq).label("seq"))
        .where(LogEvent.seq < tree_size)
        .group_by(LogEvent.entry_id)
        .subquery()
    )
    rows = session.execute(
        select(EntryRevision.bundle)
        .select_from(LogEvent)
        .join(last, last.c.seq == LogEvent.seq)
        .join(
            EntryRevision,
            (EntryRevision.entry_id == LogEvent.entry_id)
            & (EntryRevision.revision == LogEvent.revision),
        )
        .where(LogEvent.event != "removed")
        .order_by(LogEvent.entry_id)
        .execution_options(yield_per=1000)
    )
    for (bundle,) in rows:
        if bundle is not None:
            yield bundle


def log_events(session: Session, start: int, end: int) -> Iterator[dict[str, Any]]:
    """Log events `start <= seq < end` with their entry content (None once purged)."""
    query = (
        select(LogEvent.leaf, EntryRevision.bundle)
        .outerjoin(
            EntryRevision,
            (EntryRevision.entry_id == LogEvent.entry_id)
            & (EntryRevision.revision == LogEvent.revision),
        )
        .where(LogEvent.seq >= start, LogEvent.seq < end)
        .order_by(LogEvent.seq)
        .execution_options(yield_per=1000)
    )
    for leaf, bundle in session.execute(query):
        yield json.loads(leaf) | {"bundle": bundle}


def _read_back(path: Path) -> Iterator[dict[str, Any]]:
    # The CSV and FollowTheMoney files are made from the JSONL just written, so all three
    # hold the same entries without querying (and decoding) the database three times.
    with path.open("rb") as stream:
        for line in stream:
            yield json.loads(line)


@contextmanager
def timed(steps: dict[str, float] | None, name: str) -> Iterator[None]:
    """Add the block's duration to `steps[name]` (seconds), when timing is wanted."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if steps is not None:
            steps[name] = steps.get(name, 0.0) + time.perf_counter() - started


def reusable_files(feed_dir: Path, head: versions.PublishedHead, size: int) -> list[Resource]:
    """The published index's snapshot, CSV and FollowTheMoney records, if still valid at `size`.

    Empty (write afresh) when the log grew, when `index.json` is not the published head, or
    when a listed file is missing or no longer has the stated hash (say, rewritten by hand).
    """
    if size != head.tree_size:
        return []
    signed = versions.read_signed_index(feed_dir)
    if signed is None or int(signed["version"]) != head.version:
        return []
    records = signed.get("resources")
    if not isinstance(records, list) or sorted(
        str(record.get("name")) for record in records if isinstance(record, dict)
    ) != sorted(REUSABLE):
        return []
    for record in records:
        # Hashing is far cheaper than rewriting, and a reused record must still be true.
        on_disk = file_sha256(feed_dir / str(record["path"]))
        if on_disk != (record.get("sha256"), record.get("size")):
            return []
    return [
        {
            "name": record["name"],
            "path": record["path"],
            "sha256": record["sha256"],
            "size": record["size"],
            "count": record["count"],
        }
        for record in records
    ]


def write_version_files(
    session: Session,
    feed_dir: Path,
    version: int,
    size: int,
    public_url: str | None,
    steps: dict[str, float] | None,
) -> list[Resource]:
    """Write the snapshot, CSV and FollowTheMoney files of `version` at log size `size`."""
    with timed(steps, "snapshot"):
        snapshot = write_snapshot_jsonl(feed_dir, version, snapshot_bundles(session, size))
    snapshot_file = feed_dir / snapshot["path"]
    with timed(steps, "snapshot_csv"):
        csv = write_snapshot_csv(feed_dir, version, _read_back(snapshot_file))
    with timed(steps, "ftm"):
        ftm = write_ftm(feed_dir, version, _read_back(snapshot_file), base_url=public_url)
    return [snapshot, csv, ftm]


def tag_authority(public_url: str | None) -> str:
    """The RFC 4151 tag authority for Atom ids: the public host, if it is a domain name."""
    host = urlsplit(public_url).hostname if public_url else None
    # RFC 4151 authorities are DNS names or e-mail addresses; an IP address is neither.
    if host and _DOMAIN.match(host) and any(c.isalpha() for c in host.rsplit(".", 1)[-1]):
        return host
    return "registry.invalid"


def write_feed(
    session: Session,
    keys: KeyStore,
    feed_dir: Path,
    checkpoint: SignedCheckpoint,
    now: dt.datetime,
    interval: dt.timedelta,
    progress: Progress = lambda _message: None,
    public_url: str | None = None,
    steps: dict[str, float] | None = None,
    retention: versions.FeedRetention | None = None,
) -> int:
    """Write a new feed version, `index.json` last but for Atom, then prune; return it."""
    versions.settle_interrupted(session, feed_dir)
    head = versions.published_head(session, feed_dir)
    if checkpoint.tree_size < head.tree_size:
        raise Conflict(
            f"the log holds {checkpoint.tree_size} events but feed version {head.version} "
            f"already published {head.tree_size}; refusing to publish a shorter log (was the "
            "database restored from an older backup?)"
        )
    # A clock set back must not date this index before the last one (consumers would read a
    # decreasing issued_at as a rollback): it is issued with the last issued_at instead.
    last_issued = session.scalar(select(func.max(FeedVersion.issued_at)))
    issued = max(now.replace(microsecond=0), last_issued or now.replace(microsecond=0))
    expires = issued + 2 * interval
    size = checkpoint.tree_size
    version = versions.reserve_version(session, feed_dir, size, issued, expires)
    progress(f"writing feed version {version} (log size {size})")
    resources = reusable_files(feed_dir, head, size)
    if resources:
        progress(f"no new log event: version {version} lists the files of {head.version}")
    else:
        resources = write_version_files(session, feed_dir, version, size, public_url, steps)
    with timed(steps, "delta"):
        events = log_events(session, head.tree_size, size)
        delta = write_delta(feed_dir, head.version, version, events)
    with timed(steps, "index"):
        write_keys(feed_dir, keys.public_keys())
        write_atomic(feed_dir / "log" / "checkpoint", checkpoint.note.encode())
        signed = build_index(version, issued, expires, checkpoint.note, resources, delta)
        envelope = sign_envelope("ipl.feed-index/v1", signed, keys.current("index"))
        index_sha256, _size = write_index(feed_dir, envelope)
        versions.mark_published(session, version, index_sha256)
    with timed(steps, "atom"):
        write_atom(
            feed_dir,
            log_events(session, max(0, size - ATOM_EVENTS), size),
            updated=now,
            base_url=public_url,
            tag_authority=tag_authority(public_url),
            limit=ATOM_EVENTS,
        )
    with timed(steps, "prune"):
        # Only now: index.json is fsynced and names none of the files about to go.
        removed = versions.prune_feed(
            session, feed_dir, signed, retention or versions.FeedRetention(), issued
        )
    if removed:
        progress(f"pruned {len(removed)} old feed files")
    return version
