"""Publication events: signed entry revisions and their leaves in the transparency log.

Every `listed`, `amended` and `removed` transition appends exactly one leaf, in the same
transaction as the state change. Audit anchors (registry.ledger.anchors) are leaves too; their
rows carry `event = "anchor"`, an empty entry id, the trail's length as `revision` and its head
as `content_sha256`. On PostgreSQL an advisory lock serialises appenders; the
primary key on `seq` and the unique (entry, revision, event) refuse a duplicate anywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from registry.canonical import sha256_hex
from registry.errors import Conflict
from registry.ledger.anchors import ANCHOR_EVENT, anchor_leaf
from registry.ledger.events import event_leaf
from registry.ledger.tiled_log import TiledLog
from registry.models import EntryRevision, Listing, LogEvent, LogTile
from registry.publication.entries import build_entry
from registry.signing.keystore import KeyStore
from registry.signing.signatures import new_nonce, sign_entry
from registry.timestamps import format_timestamp

LOG_LOCK_KEY = 0x1A0D18


class DatabaseTileStore:
    """A TileStore in the `log_tiles` table, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def read(self, path: str) -> bytes | None:
        """The tile stored at `path`, or None."""
        return self.session.scalar(select(LogTile.data).where(LogTile.path == path))

    def write(self, path: str, data: bytes) -> None:
        """Store a tile once; different bytes at the same path would fork the log."""
        existing = self.read(path)
        if existing is not None:
            if existing != data:
                raise Conflict(
                    "log tile %(path)s already holds different bytes",
                    path=path,
                )
            return
        self.session.add(LogTile(path=path, data=data))
        self.session.flush()


def log_size(session: Session) -> int:
    """How many leaves the log holds: one past the last leaf's index (a primary key look-up)."""
    top = session.scalar(select(func.max(LogEvent.seq)))
    return 0 if top is None else int(top) + 1


def open_log(session: Session) -> TiledLog:
    """The log at its committed size, backed by the database."""
    return TiledLog(DatabaseTileStore(session), log_size(session))


def _lock_log(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOG_LOCK_KEY})


def append_event(
    session: Session,
    event: str,
    entry_id: str,
    revision: int,
    content_sha256: str,
    recorded_at: dt.datetime,
    reason: str | None,
) -> LogEvent:
    """Append one event leaf; its `seq` is the leaf index."""
    _lock_log(session)
    log = open_log(session)
    seq = log.size
    stamp = format_timestamp(recorded_at, "recorded_at")
    leaf = event_leaf(seq, event, entry_id, revision, content_sha256, stamp, reason)
    _append_leaf(log, seq, leaf)
    row = LogEvent(
        seq=seq,
        event=event,
        entry_id=entry_id,
        revision=revision,
        content_sha256=content_sha256,
        recorded_at=recorded_at,
        reason=reason,
        leaf=leaf,
    )
    session.add(row)
    session.flush()
    return row


def _append_leaf(log: TiledLog, seq: int, leaf: bytes) -> None:
    index = log.append(leaf)
    if index != seq:
        raise Conflict(
            "log append returned index %(index)s, expected %(seq)s",
            index=index,
            seq=seq,
        )
    log.flush()


def append_anchor(
    session: Session, audit_length: int, audit_head: bytes, recorded_at: dt.datetime
) -> LogEvent:
    """Append an audit anchor leaf (registry.ledger.anchors); its row has no entry id."""
    _lock_log(session)
    log = open_log(session)
    seq = log.size
    stamp = format_timestamp(recorded_at, "recorded_at")
    leaf = anchor_leaf(seq, audit_length, audit_head.hex(), stamp)
    _append_leaf(log, seq, leaf)
    row = LogEvent(
        seq=seq,
        event=ANCHOR_EVENT,
        entry_id="",
        revision=audit_length,
        content_sha256=audit_head.hex(),
        recorded_at=recorded_at,
        reason=None,
        leaf=leaf,
    )
    session.add(row)
    session.flush()
    return row


def record_revision(
    session: Session,
    keys: KeyStore,
    listing: Listing,
    event: str,
    now: dt.datetime,
    reason: str | None,
) -> EntryRevision:
    """Sign the listing's current revision and log it as `listed` or `amended`."""
    assert listing.entry_id is not None
    entry = build_entry(listing, "published", new_nonce())
    bundle: dict[str, Any] = sign_entry(entry, keys.current("entry"))
    digest = sha256_hex(entry)
    revision = EntryRevision(
        entry_id=listing.entry_id,
        revision=listing.revision,
        listing_id=listing.id,
        bundle=bundle,
        content_sha256=digest,
        published_at=now,
    )
    session.add(revision)
    append_event(session, event, listing.entry_id, listing.revision, digest, now, reason)
    return revision


def record_removal(session: Session, listing: Listing, reason: str, now: dt.datetime) -> LogEvent:
    """Log the end of a listing (`removed`, with the reason) against its last revision."""
    assert listing.entry_id is not None
    current = session.scalar(
        select(EntryRevision).where(
            EntryRevision.entry_id == listing.entry_id,
            EntryRevision.revision == listing.revision,
        )
    )
    if current is None:
        raise Conflict(
            "%(entry_id)s revision %(revision)s was never published",
            entry_id=listing.entry_id,
            revision=listing.revision,
        )
    return append_event(
        session, "removed", listing.entry_id, listing.revision, current.content_sha256, now, reason
    )


def next_entry_id(session: Session, year: int) -> str:
    """The next `IPL-<year>-<nnnnnn>` entry id (takes the log lock, so ids never collide)."""
    _lock_log(session)
    prefix = f"IPL-{year}-"
    number = _after_newest_listed(session, prefix) or _after_largest_listing(session, prefix)
    return f"{prefix}{number:06d}"


def _after_newest_listed(session: Session, prefix: str) -> int | None:
    """The number after the newest `listed` event's entry, if it has `prefix` and that is free.

    Ids are handed out here only, in increasing order, each logged as `listed` in the same
    transaction: the newest `listed` leaf names the year's largest id. Found from the end of
    the log (its primary key), this costs the same whatever the registry's size; None (ask
    the listings instead) for the first id of a year or anything unexpected.
    """
    newest = session.scalar(
        select(LogEvent.entry_id)
        .where(LogEvent.event == "listed")
        .order_by(LogEvent.seq.desc())
        .limit(1)
    )
    digits = newest.removeprefix(prefix) if newest is not None else ""
    if newest is None or digits == newest or not digits.isdecimal() or not digits.isascii():
        return None
    number = int(digits) + 1
    taken = session.scalar(
        select(Listing.id).where(Listing.entry_id == f"{prefix}{number:06d}").limit(1)
    )
    return None if taken is not None else number


def _after_largest_listing(session: Session, prefix: str) -> int:
    # Reads every id of the year: only for a year's first id, or when the log disagrees.
    # Longest first: past 999999 the numbers grow a digit, and "IPL-2026-1000000" sorts
    # before "IPL-2026-999999" as text.
    last = session.scalar(
        select(Listing.entry_id)
        .where(Listing.entry_id.like(f"{prefix}%"))
        .order_by(func.length(Listing.entry_id).desc(), Listing.entry_id.desc())
        .limit(1)
    )
    return int(last.removeprefix(prefix)) + 1 if last else 1
