"""What publication writes: signed entry revisions, the transparency log and feed versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base, UTCDateTime


class EntryRevision(Base):
    """One signed revision of a published entry; `bundle` is None once purged."""

    __tablename__ = "entry_revisions"
    __table_args__ = (
        UniqueConstraint("entry_id", "revision"),
        # Only the few purged revisions: every lookup counts them (registry/screening/serving).
        Index(
            "ix_entry_revisions_purged",
            "purged_at",
            sqlite_where=text("purged_at IS NOT NULL"),
            postgresql_where=text("purged_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(20), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    bundle: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LogEvent(Base):
    """One leaf of the transparency log: a listed, amended or removed event, or an audit anchor.

    An anchor's row has `event = "anchor"`, entry id "", the audit trail's length as `revision`
    and its head hash as `content_sha256` (registry.ledger.anchors).
    """

    __tablename__ = "log_events"
    __table_args__ = (
        UniqueConstraint("entry_id", "revision", "event"),
        # The latest events of one kind (public_view.recent_events: the home page's latest
        # listings and removals), read back from the log's end: migration 0013_evt.
        Index("ix_log_events_event_seq", "event", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[str] = mapped_column(String(20), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Indexed for the events since a day (publication.as_of.changed_since), migration 0011_rec.
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str | None] = mapped_column(String(20))
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class LogTile(Base):
    """A tlog-tiles tile (hashes or entry bundle) of the log, stored by its path."""

    __tablename__ = "log_tiles"

    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SignedCheckpoint(Base):
    """Every checkpoint the log has signed, so no inconsistent one is ever signed."""

    __tablename__ = "signed_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FeedVersion(Base):
    """One published version of the disclosure feed."""

    __tablename__ = "feed_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    tree_size: Mapped[int] = mapped_column(Integer)
    index_sha256: Mapped[str] = mapped_column(String(64))
