"""The feed files of one version, pinned to one signed checkpoint (DESIGN.md section 5).

Order is what makes a kill at any instant harmless: the version number is reserved first
(publisher/versions.py), then the immutable files of that version are written (snapshot, CSV,
FollowTheMoney, delta), then `keys.json` and `log/checkpoint`, then `index.json`, and only
then `atom.xml`. The index lists only immutable files, so the index on disk always names
complete files with the hashes it states; the mutable Atom feed follows the index it matches.

A run that finds no new log event lists the previous version's snapshot, CSV and
FollowTheMoney files again instead of writing identical copies (only the empty delta is new).
A run with new events merges those three files from the previous version's, re-encoding only
the entries the new events touched (publisher/incremental.py), and rebuilds a file in full
when its predecessor is missing, damaged or unexpected. The same three files are published as
immutable chunks too (publisher/chunked_files.py), of which a run writes only the changed
ones; the whole files are written for this release only (REGISTRY_FEED_WHOLE_FILES).
Files no recent version lists are pruned after the index is written, never before.
With object storage configured, the version is then uploaded to the bucket in the same order
(publisher/object_store.py), and files are pruned locally and in the bucket only after that.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher import chunked_files, incremental, versions
from publisher.chunk_retention import archive_index, prune_chunks
from publisher.object_store import FeedBucket, upload_feed
from publisher.settings import PublishSettings
from publisher.worker_pool import WorkerPool
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
from publisher.writers.atomic import write_immutable
from publisher.writers.index import Counter, check_version, describe
from publisher.writers.snapshot import UTF8_BOM, in_entry_order
from registry.canonical import canonical_bytes
from registry.errors import Conflict
from registry.ledger.anchors import ANCHOR_EVENT
from registry.models import FeedVersion, LogEvent, SignedCheckpoint
from registry.publication.changes import decoded_event, event_texts, events_with_content
from registry.publication.public_view import listed_bundles, removed_in_error_since
from registry.signing.keystore import KeyStore
from registry.signing.signatures import sign_envelope
from registry.timestamps import beijing_date

Progress = Callable[[str], None]
ATOM_EVENTS = 100
REUSABLE = incremental.REUSABLE
# Entries re-read per query, and the most changed entries worth merging (beyond, a full
# rebuild is as cheap and simpler).
CHANGED_BATCH = 500
MAX_CHANGED = 20_000
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\Z")


def snapshot_bundles(
    session: Session, tree_size: int, entry_ids: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Signed bundles of the entries listed at log size `tree_size`, by entry id (read model)."""
    return listed_bundles(session, tree_size, entry_ids)


def changed_entries(session: Session, start: int, end: int) -> list[tuple[str, Any]]:
    """Entries touched by log events `start <= seq < end`: (entry_id, bundle at `end` or None).

    Sorted by entry_id; None marks an entry no longer published (removed, or purged).
    """
    entry_ids = session.scalars(
        select(LogEvent.entry_id)
        .where(LogEvent.seq >= start, LogEvent.seq < end, LogEvent.event != ANCHOR_EVENT)
        .distinct()
        .order_by(LogEvent.entry_id)
    ).all()
    bundles: dict[str, Any] = {}
    for first in range(0, len(entry_ids), CHANGED_BATCH):
        batch = entry_ids[first : first + CHANGED_BATCH]
        for bundle in in_entry_order(snapshot_bundles(session, end, batch)):
            bundles[bundle["entry"]["entry_id"]] = bundle
    if set(bundles) - set(entry_ids):
        raise incremental.NotIncremental("a re-read bundle names an entry that did not change")
    return [(entry_id, bundles.get(entry_id)) for entry_id in entry_ids]


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
    # Hashing is far cheaper than rewriting, and a reused record must still be true.
    return [
        {
            "name": record["name"],
            "path": record["path"],
            "sha256": record["sha256"],
            "size": record["size"],
            "count": record["count"],
        }
        for record in incremental.verified_previous(feed_dir, head)
    ]


def write_version_files(
    session: Session,
    feed_dir: Path,
    version: int,
    size: int,
    public_url: str | None,
    steps: dict[str, float] | None,
    head: versions.PublishedHead | None = None,
) -> list[Resource]:
    """Write the snapshot, CSV and FollowTheMoney files of `version` at log size `size`.

    Given the published `head`, whose files are intact, only the entries its newer log
    events touched are re-encoded (publisher/incremental.py); otherwise, or when a previous
    file turns out unusable, a file is written from scratch. Both give the same bytes.
    """
    previous = _previous_paths(feed_dir, head, size)
    changed: list[tuple[str, Any]] | None = None
    if previous is not None and head is not None:
        with timed(steps, "snapshot"):
            try:
                changed = changed_entries(session, head.tree_size, size)
            except incremental.NotIncremental:
                changed = None
        if changed is not None and len(changed) > MAX_CHANGED:
            changed = None
    snapshot = csv = ftm = None
    if changed is not None and previous is not None:
        snapshot, csv, ftm = _write_merged(feed_dir, version, previous, changed, public_url, steps)
    with timed(steps, "snapshot"):
        if snapshot is None:
            snapshot = write_snapshot_jsonl(feed_dir, version, snapshot_bundles(session, size))
    snapshot_file = feed_dir / snapshot["path"]
    with timed(steps, "snapshot_csv"):
        if csv is None:
            csv = write_snapshot_csv(feed_dir, version, _read_back(snapshot_file))
    with timed(steps, "ftm"):
        if ftm is None:
            ftm = write_ftm(feed_dir, version, _read_back(snapshot_file), base_url=public_url)
    return [snapshot, csv, ftm]


def write_chunks(
    session: Session,
    feed_dir: Path,
    size: int,
    public_url: str | None,
    head: versions.PublishedHead,
    pool: WorkerPool | None = None,
) -> list[Resource]:
    """The chunk records of the version at `size`: only the changed keys' chunks are written."""
    previous = chunked_files.previous_chunks(feed_dir, head)
    if previous is not None and size >= head.tree_size:
        try:
            changed = changed_entries(session, head.tree_size, size)
        except incremental.NotIncremental:
            changed = None
        if changed is not None and len(changed) <= MAX_CHANGED:
            return chunked_files.write_changed_chunks(
                session, feed_dir, size, previous, changed, public_url
            )
    return chunked_files.write_all_chunks(session, feed_dir, size, public_url, pool=pool)


def _previous_paths(
    feed_dir: Path, head: versions.PublishedHead | None, size: int
) -> dict[str, Path] | None:
    if head is None or head.version < 1 or size <= head.tree_size:
        return None
    records = incremental.verified_previous(feed_dir, head)
    if not records:
        return None
    return {str(record["name"]): feed_dir / str(record["path"]) for record in records}


def _write_merged(
    feed_dir: Path,
    version: int,
    previous: dict[str, Path],
    changed: list[tuple[str, Any]],
    public_url: str | None,
    steps: dict[str, float] | None,
) -> tuple[Resource | None, Resource | None, Resource | None]:
    """Merge each file from its previous version; None for a file that must be rebuilt."""
    snapshot = csv = ftm = None
    entry_ids: list[str] = []
    with timed(steps, "snapshot"):
        try:
            snapshot = _write_merged_file(
                feed_dir / "snapshot" / f"{check_version(version)}.jsonl",
                "snapshot",
                _recording(incremental.previous_entries(previous["snapshot"]), entry_ids),
                changed,
                incremental.jsonl_line,
            )
        except incremental.NotIncremental:
            return None, None, None
    with timed(steps, "snapshot_csv"):
        try:
            csv = _write_merged_file(
                feed_dir / "snapshot" / f"{check_version(version)}.csv",
                "snapshot_csv",
                incremental.previous_csv_rows(previous["snapshot_csv"], iter(entry_ids)),
                changed,
                incremental.csv_line,
                header=UTF8_BOM + incremental.csv_header(),
            )
        except incremental.NotIncremental:
            csv = None
    with timed(steps, "ftm"):
        try:
            ftm = _write_merged_file(
                feed_dir / "ftm" / f"{check_version(version)}.ftm.json",
                "ftm",
                incremental.previous_ftm_entities(previous["ftm"], iter(entry_ids), public_url),
                changed,
                partial(incremental.ftm_lines, base_url=public_url),
                per_entry=2,
            )
        except incremental.NotIncremental:
            ftm = None
    return snapshot, csv, ftm


def _recording(
    entries: Iterator[tuple[str, bytes]], entry_ids: list[str]
) -> Iterator[tuple[str, bytes]]:
    # The CSV and FTM merges check their previous rows against the previous snapshot's ids.
    for entry_id, line in entries:
        entry_ids.append(entry_id)
        yield entry_id, line


def _write_merged_file(
    path: Path,
    name: str,
    previous: Iterator[tuple[str, bytes]],
    changed: list[tuple[str, Any]],
    render: Callable[[Mapping[str, Any]], bytes],
    header: bytes = b"",
    per_entry: int = 1,
) -> Resource:
    counter = Counter()

    def count(entries: int) -> None:
        counter.value += entries * per_entry

    content = itertools.chain([header], incremental.merged(previous, changed, render, count))
    # A NotIncremental raised mid-stream removes the temporary file: nothing is installed.
    written = write_immutable(path, content)
    return describe(path.parents[1], path, name, written, counter.value)


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
    settings: PublishSettings,
    checkpoint: SignedCheckpoint,
    now: dt.datetime,
    progress: Progress = lambda _message: None,
    steps: dict[str, float] | None = None,
) -> int:
    """Write a new feed version, `index.json` last but for Atom, then prune; return it."""
    feed_dir, public_url = settings.feed_dir, settings.public_url
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
    expires = issued + 2 * settings.interval
    size = checkpoint.tree_size
    version = versions.reserve_version(session, feed_dir, size, issued, expires)
    progress(f"writing feed version {version} (log size {size})")
    resources: list[Resource] = []
    if settings.whole_files:
        resources = reusable_files(feed_dir, head, size)
        if resources:
            progress(f"no new log event: version {version} lists the files of {head.version}")
        else:
            resources = write_version_files(
                session, feed_dir, version, size, public_url, steps, head=head
            )
    # The chunks and the delta are encoded by worker processes (a full build's, at least);
    # both are written before the index that names them.
    with WorkerPool(settings.workers) as pool:
        with timed(steps, "chunks"):
            resources += write_chunks(session, feed_dir, size, public_url, head, pool)
        with timed(steps, "delta"):
            events = event_texts(session, head.tree_size, size)
            delta = write_delta(feed_dir, head.version, version, events, pool, decoded_event)
    with timed(steps, "index"):
        write_keys(feed_dir, keys.public_keys(), settings.witness_policy_text)
        write_atomic(feed_dir / "log" / "checkpoint", checkpoint.note.encode())
        signed = build_index(version, issued, expires, checkpoint.note, resources, delta)
        envelope = sign_envelope("ipl.feed-index/v1", signed, keys.current("index"))
        archive_index(feed_dir, version, canonical_bytes(envelope) + b"\n")
        index_sha256, _size = write_index(feed_dir, envelope)
        versions.mark_published(session, version, index_sha256)
    with timed(steps, "atom"):
        first = max(0, size - ATOM_EVENTS)
        write_atom(
            feed_dir,
            events_with_content(session, first, size),
            updated=now,
            base_url=public_url,
            tag_authority=tag_authority(public_url),
            limit=ATOM_EVENTS,
            removed_in_error=removed_in_error_since(session, first, size, beijing_date(now)),
        )
    bucket = FeedBucket(settings.object_store) if settings.object_store else None
    if bucket is not None:
        with timed(steps, "upload"):
            upload_feed(feed_dir, bucket, expires, now, progress)
    with timed(steps, "prune"):
        # Only now: index.json is fsynced (and uploaded) and names none of the files to go.
        removed = versions.prune_feed(session, feed_dir, signed, settings.retention, issued)
        removed += prune_chunks(feed_dir, signed, version - settings.retention.keep_versions + 1)
        if bucket is not None and removed:
            bucket.delete(removed)
    if removed:
        progress(f"pruned {len(removed)} old feed files")
    return version
