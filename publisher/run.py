"""One publication run: due transitions, the log checkpoint and tiles, then the feed files.

Order matters for crash safety: database transitions commit first (each in its own
transaction, so a kill loses none and doubles none); the checkpoint is signed and the tiles
written under their final names only once complete; then the feed files of a new version
(publisher/feed_files.py), `index.json` last; then, side by side, the national platform export
and the screening index file the web workers map (registry/screening/shared_index.py), replaced
atomically. A run killed anywhere leaves the previous index pointing at complete files, and the
next run finishes the work under a fresh version number.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from publisher.feed_files import timed, write_feed
from publisher.national_export import export_national
from publisher.redaction import redact_feed_files
from publisher.settings import PublishSettings
from publisher.witnessing import QuorumNotMet, record_outcome, witness_checkpoint
from publisher.writers.atomic import write_new_files
from registry import clock
from registry.actors import SYSTEM
from registry.audit import trail as audit
from registry.clock import legal_date
from registry.ledger.tiles import tiles_written_since
from registry.listings import published as published_listings
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import (
    EntryRevision,
    LogTile,
    utcnow,
)
from registry.publication.checkpoints import sign_new_checkpoint
from registry.screening.shared_index import update_shared_index
from registry.signing.keystore import KeyStore
from registry.transaction import atomic
from runtime.index_store import IndexBucket

Progress = Callable[[str], None]
# Past this many new leaves a run reads every stored tile instead of naming the new ones (the
# names grow with the leaves; the first publication of a large log is a full copy anyway).
TILE_CATCH_UP = 4096
TILE_BATCH = 500

__all__ = ["RunReport", "publish_once", "write_feed"]


@dataclass
class RunReport:
    """What one run did, and how long each step took (seconds)."""

    version: int = 0
    tree_size: int = 0
    published: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    reviews_started: int = 0
    purged: int = 0
    # What the screening index step did: kept the file, or wrote it (and how many names).
    screening_index: str = ""
    steps: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"feed version {self.version}, log size {self.tree_size}: "
            f"{len(self.published)} published, {len(self.expired)} expired, "
            f"{self.reviews_started} moved to review, {self.purged} purged"
        )

    def step(self, name: str) -> AbstractContextManager[None]:
        """Time the block as step `name`."""
        return timed(self.steps, name)


def apply_due_transitions(
    session: Session,
    keys: KeyStore,
    policy: Policy,
    today: dt.date,
    report: RunReport,
    feed_dir: Path | None = None,
) -> None:
    """Expire ended listings, start due reviews, publish approved listings, purge old content."""
    for listing_id in published_listings.due_for_expiry(session, today):
        report.expired.append(
            published_listings.expire(session, SYSTEM, listing_id, today).entry_id or ""
        )
    for listing_id in workflow.due_for_review(session, today):
        workflow.start_review(session, SYSTEM, listing_id, today)
        report.reviews_started += 1
    for listing_id in workflow.approved_waiting(session):
        listing = workflow.publish_approved(session, SYSTEM, keys, policy, listing_id, today)
        report.published.append(listing.entry_id or "")
    report.purged = purge_expired_content(session, policy, today, feed_dir)


def purge_expired_content(
    session: Session, policy: Policy, today: dt.date, feed_dir: Path | None = None
) -> int:
    """Drop content and signatures of entries ended longer than the retention period ago.

    With `feed_dir`, the feed files already published lose the content too, before the
    purge commits: a purge recorded in the database is always a purge on disk as well.
    """
    purged = 0
    for entry_id in published_listings.due_for_purge(session, policy, today):
        with atomic(session):
            revisions = session.scalars(
                select(EntryRevision).where(
                    EntryRevision.entry_id == entry_id, EntryRevision.purged_at.is_(None)
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
                    object_id=entry_id,
                    reason="retention period over",
                    after={"revisions": [r.revision for r in revisions]},
                )
                if feed_dir is not None:
                    redact_feed_files(feed_dir, {entry_id}, current=())
                purged += 1
    return purged


def write_tiles(session: Session, feed_dir: Path, tree_size: int) -> int:
    """Copy log tiles to `log/tile/...`; tiles already on disk are left alone (immutable).

    Only the tiles the log may have written since the size of `log/checkpoint` on disk are
    looked at, that checkpoint having gone to disk after its tiles; without one, or past
    TILE_CATCH_UP new leaves, every stored tile is.
    """
    on_disk = _checkpoint_size_on_disk(feed_dir)
    if on_disk is None or not 0 <= tree_size - on_disk <= TILE_CATCH_UP:
        rows = session.execute(
            select(LogTile.path, LogTile.data).execution_options(yield_per=TILE_BATCH)
        )
        # Written TILE_BATCH at a time, their syncs shared (write_new_files).
        return sum(
            write_new_files([(feed_dir / "log" / path, data) for path, data in batch])
            for batch in rows.partitions()
        )
    candidates = [ref.path for ref in tiles_written_since(on_disk, tree_size)]
    missing = [path for path in candidates if not (feed_dir / "log" / path).exists()]
    written = 0
    for first in range(0, len(missing), TILE_BATCH):
        batch = missing[first : first + TILE_BATCH]
        rows = session.execute(select(LogTile.path, LogTile.data).where(LogTile.path.in_(batch)))
        written += write_new_files([(feed_dir / "log" / path, data) for path, data in rows])
    return written


def _checkpoint_size_on_disk(feed_dir: Path) -> int | None:
    try:
        return int((feed_dir / "log" / "checkpoint").read_text(encoding="utf-8").split("\n")[1])
    except (OSError, ValueError, IndexError):
        return None


def remove_stale_temporaries(feed_dir: Path) -> int:
    """Delete temporary files left by a killed run (only the lock holder writes here)."""
    removed = 0
    for directory, _subdirectories, names in os.walk(feed_dir):
        for name in names:
            if name.startswith(".") and name.endswith(".tmp"):
                (Path(directory) / name).unlink(missing_ok=True)
                removed += 1
    return removed


def publish_once(
    session: Session,
    keys: KeyStore,
    policy: Policy,
    settings: PublishSettings,
    now: dt.datetime | None = None,
    progress: Progress = lambda _message: None,
) -> RunReport:
    """Run one publication: transitions, checkpoint, tiles, feed files, signed index."""
    now = now or utcnow()
    feed = settings.feed_dir
    report = RunReport()
    remove_stale_temporaries(feed)
    progress("applying due transitions")
    with report.step("transitions"), clock.today_is(legal_date(now)):
        apply_due_transitions(session, keys, policy, legal_date(now), report, feed)
    progress("signing the log checkpoint")
    with report.step("checkpoint"):
        checkpoint = sign_new_checkpoint(session, keys, settings.origin)
        if settings.witness_policy is not None:
            progress("asking the witnesses to cosign")
            outcome = witness_checkpoint(
                session, checkpoint, settings.witness_policy, settings.witness_timeout
            )
            record_outcome(feed, outcome)
            if not outcome.quorum_met:  # the feed keeps its previous, witnessed checkpoint
                raise QuorumNotMet(outcome.summary())
        else:
            record_outcome(feed, None)
    report.tree_size = checkpoint.tree_size
    progress(f"writing log tiles ({checkpoint.tree_size} events)")
    with report.step("tiles"):
        write_tiles(session, feed, checkpoint.tree_size)
    with report.step("feed"):
        report.version = write_feed(
            session, keys, settings, checkpoint, now, progress, steps=report.steps
        )
    # The national export (this process) and the screening index (its names parsed in one
    # process per core) read the list at the checkpoint and write apart, so they run side by
    # side: the index in a thread with a session of its own, the export in this one. The
    # thread runs in a copy of this one's context, so that `progress` works there as here (it
    # may record steps through the app, as "publish now" does).
    with ThreadPoolExecutor(1, thread_name_prefix="screening-index") as alongside:
        indexed = (
            alongside.submit(
                contextvars.copy_context().run,
                _screening_index_step,
                session.get_bind(),
                settings,
                checkpoint.tree_size,
                now,
                report,
                progress,
            )
            if settings.screening_index is not None
            else None
        )
        if settings.national_dir is not None:
            progress("writing the national platform export")
            with report.step("national"):
                export_national(
                    session,
                    settings.national_dir,
                    checkpoint.tree_size,
                    now,
                    policy.rules.list_types,
                )
    if indexed is not None:
        indexed.result()  # the index step's failure is the run's
    return report


def _screening_index_step(
    bind: Engine | Connection,
    settings: PublishSettings,
    tree_size: int,
    now: dt.datetime,
    report: RunReport,
    progress: Progress,
) -> None:
    """Bring the screening index file up to log size `tree_size`, in a session of its own.

    It runs in a thread beside the national export: it is given plain values, never the run's
    session or its objects, which that export's commit expires.
    """
    assert settings.screening_index is not None
    # Every web worker maps this one file instead of indexing the list itself.
    progress("writing the screening index")
    with Session(bind) as session, report.step("screening_index"):
        written = update_shared_index(
            session,
            settings.screening_index,
            tree_size,
            legal_date(now),
            settings.screening_index_max_drift,
            progress,
            workers=settings.workers,
        )
    report.screening_index = str(written)
    progress(f"screening index: {written}")
    if settings.index_store is not None:
        # For the web nodes of other machines (`registry screening-index pull`).
        progress("uploading the screening index to its private bucket")
        with report.step("screening_index_upload"):
            uploaded = IndexBucket(settings.index_store).put(settings.screening_index, progress)
        report.screening_index += f"; {uploaded}"
        progress(f"screening index: {uploaded}")
