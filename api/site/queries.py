"""Read-only queries over what has been published: entry revisions and log events.

An entry's public state is its latest revision plus its latest log event: when that event is
`removed`, the entry is no longer listed. Nothing here reads subjects or listings, so a page
can only ever show what the signed (and already masked) bundle says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import EntryRevision, LogEvent


@dataclass(frozen=True)
class Removal:
    """The log event that took an entry off the list."""

    seq: int
    removed_at: dt.datetime
    reason: str | None


@dataclass(frozen=True)
class PublicEntry:
    """An entry as the public may see it now: latest revision, and its removal if any."""

    entry_id: str
    revision: int
    published_at: dt.datetime
    content_sha256: str
    bundle: dict[str, Any] | None
    removal: Removal | None

    @property
    def content(self) -> dict[str, Any] | None:
        """The signed entry object, or None once purged."""
        return self.bundle["entry"] if self.bundle else None

    @property
    def status(self) -> str:
        """ "listed" or "removed"."""
        return "removed" if self.removal else "listed"

    @property
    def purged(self) -> bool:
        """True once the entry's content has been purged from every public output."""
        return self.bundle is None


@dataclass(frozen=True)
class HistoryEvent:
    """One log event of an entry, with the revision it concerns."""

    seq: int
    event: str
    revision: int
    recorded_at: dt.datetime
    reason: str | None
    content_sha256: str


def load_entries(session: Session, entry_ids: Collection[str] | None = None) -> list[PublicEntry]:
    """The current public state of the given entries (all entries when `entry_ids` is None)."""
    latest_revision = select(
        EntryRevision.entry_id, func.max(EntryRevision.revision).label("revision")
    ).group_by(EntryRevision.entry_id)
    latest_event = select(LogEvent.entry_id, func.max(LogEvent.seq).label("seq")).group_by(
        LogEvent.entry_id
    )
    if entry_ids is not None:
        latest_revision = latest_revision.where(EntryRevision.entry_id.in_(entry_ids))
        latest_event = latest_event.where(LogEvent.entry_id.in_(entry_ids))
    revisions_sq = latest_revision.subquery()
    events_sq = latest_event.subquery()

    revisions = session.scalars(
        select(EntryRevision).join(
            revisions_sq,
            (EntryRevision.entry_id == revisions_sq.c.entry_id)
            & (EntryRevision.revision == revisions_sq.c.revision),
        )
    ).all()
    removals = {
        event.entry_id: Removal(event.seq, event.recorded_at, event.reason)
        for event in session.scalars(
            select(LogEvent).join(events_sq, LogEvent.seq == events_sq.c.seq)
        )
        if event.event == "removed"
    }
    return [
        PublicEntry(
            entry_id=row.entry_id,
            revision=row.revision,
            published_at=row.published_at,
            content_sha256=row.content_sha256,
            bundle=row.bundle,
            removal=removals.get(row.entry_id),
        )
        for row in revisions
    ]


def find_entry(session: Session, entry_id: str) -> PublicEntry | None:
    """One entry's current public state, or None when no such entry was ever published."""
    found = load_entries(session, [entry_id])
    return found[0] if found else None


def entry_history(session: Session, entry_id: str) -> list[HistoryEvent]:
    """Every log event of an entry, oldest first."""
    events = session.scalars(
        select(LogEvent).where(LogEvent.entry_id == entry_id).order_by(LogEvent.seq)
    )
    return [
        HistoryEvent(e.seq, e.event, e.revision, e.recorded_at, e.reason, e.content_sha256)
        for e in events
    ]


def recent_entries(
    session: Session, event: str, limit: int
) -> list[tuple[HistoryEvent, PublicEntry]]:
    """The latest `limit` events of one kind ("listed" or "removed"), newest first."""
    events = session.scalars(
        select(LogEvent).where(LogEvent.event == event).order_by(LogEvent.seq.desc()).limit(limit)
    ).all()
    entries = {e.entry_id: e for e in load_entries(session, {e.entry_id for e in events})}
    return [
        (
            HistoryEvent(e.seq, e.event, e.revision, e.recorded_at, e.reason, e.content_sha256),
            entries[e.entry_id],
        )
        for e in events
        if e.entry_id in entries
    ]


def listings_by_month(session: Session) -> list[tuple[str, int]]:
    """How many entries were listed in each month ("YYYY-MM"), oldest first, gaps omitted."""
    months: dict[str, int] = {}
    for recorded_at in session.scalars(
        select(LogEvent.recorded_at).where(LogEvent.event == "listed")
    ):
        key = recorded_at.strftime("%Y-%m")
        months[key] = months.get(key, 0) + 1
    return sorted(months.items())


def catalogue_version(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever anything public changes (new event, revision or purge)."""
    events = session.execute(select(func.max(LogEvent.seq), func.count())).one()
    revisions = session.execute(
        select(func.max(EntryRevision.id), func.count(EntryRevision.purged_at))
    ).one()
    return (*events, *revisions)
