"""Is publication keeping up: approvals and removals waiting, the last feed version, its expiry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import FeedVersion, Listing, LogEvent
from registry.timestamps import format_timestamp

# The `index_sha256` of a feed version whose number is reserved but whose index is not written.
RESERVED = ""


def publication_lag(session: Session) -> dict[str, Any]:
    """Approved listings waiting for publication, the oldest approval, the last feed version."""
    count, oldest = session.execute(
        select(func.count(), func.min(Listing.approved_on)).where(Listing.state == "approved")
    ).one()
    last = session.scalar(
        select(FeedVersion)
        .where(FeedVersion.index_sha256 != RESERVED)
        .order_by(FeedVersion.version.desc())
        .limit(1)
    )
    return {
        "approved_waiting": int(count),
        "oldest_approved_on": oldest,
        "feed_version": last.version if last else None,
        "feed_issued_at": format_timestamp(last.issued_at) if last else None,
        "feed_expires": format_timestamp(last.expires) if last else None,
        "tree_size": last.tree_size if last else None,
    }


def removals_not_in_feed(session: Session) -> int:
    """`removed` log events the last written feed version does not contain yet."""
    last = session.scalar(
        select(FeedVersion.tree_size)
        .where(FeedVersion.index_sha256 != RESERVED)
        .order_by(FeedVersion.version.desc())
        .limit(1)
    )
    return int(
        session.scalar(
            select(func.count())
            .select_from(LogEvent)
            .where(LogEvent.event == "removed", LogEvent.seq >= (last or 0))
        )
        or 0
    )
