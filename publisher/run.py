"""One publication run: due transitions, the log checkpoint and tiles, then the feed files.

Order matters for crash safety: database transitions commit first; then immutable files
(tiles, snapshot, delta, FollowTheMoney) are written under their final names only once
complete; then the mutable ones (atom, keys, checkpoint); `index.json` is written last. A run
killed anywhere leaves the previous index pointing at complete files, and the next run
finishes the work (immutable files already written are identical and are kept).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from publisher.writers import (
    build_index,
    write_atom,
    write_atomic,
    write_delta,
    write_ftm,
    write_immutable,
    write_index,
    write_keys,
    write_snapshot_csv,
    write_snapshot_jsonl,
)
from registry import audit, workflow
from registry.actors import SYSTEM
from registry.errors import Conflict
from registry.keys import KeyStore
from registry.ledger.checkpoint import sign_checkpoint
from registry.models import (
    EntryRevision,
    FeedVersion,
    Listing,
    LogEvent,
    LogTile,
    SignedCheckpoint,
    utcnow,
)
from registry.policy import Policy
from registry.publication import open_log
from registry.signing import sign_envelope
from registry.transaction import atomic

Progress = Callable[[str], None]


@dataclass
class RunReport:
    """What one run did."""

    version: int = 0
    tree_size: int = 0
    published: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    reviews_started: int = 0
    purged: int = 0

    def __str__(self) -> str:
        return (
            f"feed version {self.version}, log size {self.tree_size}: "
            f"{len(self.published)} published, {len(self.expired)} expired, "
            f"{self.reviews_started} moved to review, {self.purged} purged"
        )


def apply_due_transitions(
    session: Session, keys: KeyStore, policy: Policy, today: dt.date, report: RunReport
) -> None:
    """Expire ended listings, start due reviews, publish approved listings, purge old content."""
    for listing_id in workflow.due_for_expiry(session, today):
        report.expired.append(workflow.expire(session, SYSTEM, listing_id, today).entry_id or "")
    for listing_id in workflow.due_for_review(session, today):
        workflow.start_review(session, SYSTEM, listing_id, today)
        report.reviews_started += 1
    for listing_id in workflow.approved_waiting(session):
        listing = workflow.publish_approved(session, SYSTEM, keys, policy, listing_id, today)
        report.published.append(listing.entry_id or "")
    report.purged = purge_expired_content(session, policy, today)


def purge_expired_content(session: Session, policy: Policy, today: dt.date) -> int:
    """Drop content and signatures of entries ended longer than the retention period ago."""
    ended = session.scalars(
        select(Listing).where(
            Listing.state.in_(("removed", "expired")), Listing.entry_id.is_not(None)
        )
    ).all()
    purged = 0
    for listing in ended:
        if not workflow.retention_over(listing, policy, today):
            continue
        with atomic(session):
            revisions = session.scalars(
                select(EntryRevision).where(
                    EntryRevision.entry_id == listing.entry_id, EntryRevision.bundle.is_not(None)
                )
            ).all()
            for revision in revisions:
                revision.bundle = None
                revision.purged_at = utcnow()
            if revisions:
                audit.record(
                    session,
                    actor="system",
                    action="entry.purge",
                    object_type="entry",
                    object_id=listing.entry_id or "",
                    reason="retention period over",
                    after={"revisions": [r.revision for r in revisions]},
                )
                purged += 1
    return purged


def sign_new_checkpoint(session: Session, keys: KeyStore, origin: str) -> SignedCheckpoint:
    """Sign the log at its current size, refusing if it contradicts the last signed one."""
    with atomic(session):
        log = open_log(session)
        last = session.scalar(select(SignedCheckpoint).order_by(SignedCheckpoint.tree_size.desc()))
        if last is not None:
            if log.size < last.tree_size:
                raise Conflict(
                    f"the log shrank from {last.tree_size} to {log.size}: refusing to sign"
                )
            if log.root(last.tree_size) != last.root:
                raise Conflict(
                    f"the log at size {last.tree_size} no longer matches its signed root"
                )
            if log.size == last.tree_size:
                return last
        note = sign_checkpoint(
            origin, log.size, log.root(), keys.current("checkpoint"), keys.note_name
        )
        checkpoint = SignedCheckpoint(
            tree_size=log.size, root=log.root(), note=note, signed_at=utcnow()
        )
        session.add(checkpoint)
    return checkpoint


def write_tiles(session: Session, feed_dir: Path) -> int:
    """Copy log tiles to `log/tile/...`; tiles already on disk are left alone (immutable)."""
    written = 0
    for path, data in session.execute(select(LogTile.path, LogTile.data)):
        target = feed_dir / "log" / path
        if not target.exists():
            write_immutable(target, data)
            written += 1
    return written


def _published_bundles(session: Session) -> Iterator[dict[str, Any]]:
    """Current signed bundles of published listings, sorted by entry id, streamed."""
    rows = session.execute(
        select(EntryRevision.bundle)
        .join(Listing, Listing.id == EntryRevision.listing_id)
        .where(Listing.state == "published", EntryRevision.revision == Listing.revision)
        .order_by(EntryRevision.entry_id)
        .execution_options(yield_per=1000)
    )
    for (bundle,) in rows:
        if bundle is not None:
            yield bundle


def _events(session: Session, start: int, end: int | None = None) -> Iterator[dict[str, Any]]:
    """Log events with their entry content (None once purged), in seq order."""
    query = (
        select(LogEvent.leaf, EntryRevision.bundle)
        .outerjoin(
            EntryRevision,
            (EntryRevision.entry_id == LogEvent.entry_id)
            & (EntryRevision.revision == LogEvent.revision),
        )
        .where(LogEvent.seq >= start)
        .order_by(LogEvent.seq)
    )
    if end is not None:
        query = query.where(LogEvent.seq < end)
    for leaf, bundle in session.execute(query.execution_options(yield_per=1000)):
        yield json.loads(leaf) | {"bundle": bundle}


def _latest_version(session: Session, feed_dir: Path) -> tuple[int, int]:
    """The last feed version (database or disk, whichever is newer) and its tree size."""
    row = session.execute(
        select(FeedVersion.version, FeedVersion.tree_size).order_by(FeedVersion.version.desc())
    ).first()
    version, size = (row[0], row[1]) if row else (0, 0)
    index = feed_dir / "index.json"
    if index.exists():
        signed = json.loads(index.read_bytes())["signed"]
        disk_version = int(signed["version"])
        if disk_version > version:
            version = disk_version
            size = int(signed["checkpoint"].split("\n")[1])
    return version, size


def write_feed(
    session: Session,
    keys: KeyStore,
    feed_dir: Path,
    checkpoint: SignedCheckpoint,
    now: dt.datetime,
    interval: dt.timedelta,
    progress: Progress,
) -> int:
    """Write every feed file for a new version, `index.json` last; return the version."""
    previous, previous_size = _latest_version(session, feed_dir)
    version = previous + 1
    progress(f"writing feed version {version}")
    resources = [
        write_snapshot_jsonl(feed_dir, version, _published_bundles(session)),
        write_snapshot_csv(feed_dir, version, _published_bundles(session)),
        write_ftm(feed_dir, version, _published_bundles(session)),
    ]
    delta = write_delta(
        feed_dir, previous, version, _events(session, previous_size, checkpoint.tree_size)
    )
    latest_start = max(0, checkpoint.tree_size - 100)
    resources.append(
        write_atom(feed_dir, _events(session, latest_start, checkpoint.tree_size), updated=now)
    )
    write_keys(feed_dir, keys.public_keys())
    write_atomic(feed_dir / "log" / "checkpoint", checkpoint.note.encode())
    issued = now.replace(microsecond=0)
    signed = build_index(version, issued, issued + 2 * interval, checkpoint.note, resources, delta)
    write_index(feed_dir, sign_envelope("ipl.feed-index/v1", signed, keys.current("index")))
    with atomic(session):
        session.merge(
            FeedVersion(
                version=version,
                issued_at=issued,
                expires=issued + 2 * interval,
                tree_size=checkpoint.tree_size,
                index_sha256="",
            )
        )
    return version


def publish_once(
    session: Session,
    keys: KeyStore,
    policy: Policy,
    feed_dir: str | Path,
    origin: str,
    interval: dt.timedelta,
    now: dt.datetime | None = None,
    progress: Progress = lambda _message: None,
) -> RunReport:
    """Run one publication: transitions, checkpoint, tiles, feed files, signed index."""
    now = now or utcnow()
    feed = Path(feed_dir)
    report = RunReport()
    progress("applying due transitions")
    apply_due_transitions(session, keys, policy, now.date(), report)
    progress("signing the log checkpoint")
    checkpoint = sign_new_checkpoint(session, keys, origin)
    report.tree_size = checkpoint.tree_size
    progress(f"writing log tiles ({checkpoint.tree_size} events)")
    write_tiles(session, feed)
    report.version = write_feed(session, keys, feed, checkpoint, now, interval, progress)
    return report


def publication_lag(session: Session) -> dict[str, Any]:
    """Approved listings waiting for publication, and the oldest approval date."""
    count, oldest = session.execute(
        select(func.count(), func.min(Listing.approved_on)).where(Listing.state == "approved")
    ).one()
    return {
        "approved_waiting": int(count),
        "oldest_approved_on": oldest.isoformat() if oldest else None,
    }
