"""The change feed: log events with their entry content, up to the latest signed checkpoint.

Events are served only up to the size of the latest signed checkpoint, so every event a client
reads can be proved in the log it can verify. `seq` is the leaf index and has no gaps, so a page
after `after` of at most `limit` events ends exactly at `min(after + limit, tree_size - 1)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from registry.errors import InvalidValue
from registry.models import EntryRevision, LogEvent, SignedCheckpoint
from registry.publication.stored_json import loads_stored

DEFAULT_PAGE = 100
MAX_PAGE = 10_000


def signed_tree_size(session: Session) -> int:
    """The size of the latest signed checkpoint (0 before the first)."""
    query = select(SignedCheckpoint.tree_size).order_by(SignedCheckpoint.tree_size.desc())
    size = session.scalar(query.limit(1))
    return int(size or 0)


def events_with_content(session: Session, start: int, end: int) -> Iterator[dict[str, Any]]:
    """Events with `start <= seq < end`: leaf fields plus `bundle` (None once purged)."""
    return map(decoded_event, event_texts(session, start, end))


def decoded_event(row: tuple[bytes | str, str | None]) -> dict[str, Any]:
    """An event of `event_texts`, decoded: leaf fields plus `bundle` (None once purged)."""
    leaf, bundle = row
    event: dict[str, Any] = loads_stored(leaf)
    return event | {"bundle": None if bundle is None else loads_stored(bundle)}


def event_texts(session: Session, start: int, end: int) -> Iterator[tuple[bytes, str | None]]:
    """Events with `start <= seq < end` as their leaf bytes and bundle JSON text, undecoded.

    Worker processes decode them (`decoded_event`), so the reading process stays light.
    """
    query = (
        select(LogEvent.leaf, cast(EntryRevision.bundle, Text))
        .outerjoin(
            EntryRevision,
            (EntryRevision.entry_id == LogEvent.entry_id)
            & (EntryRevision.revision == LogEvent.revision),
        )
        .where(LogEvent.seq >= start, LogEvent.seq < end)
        .order_by(LogEvent.seq)
        .execution_options(yield_per=500)
    )
    # Plain tuples: they are pickled to the workers.
    yield from ((leaf, bundle) for leaf, bundle in session.execute(query))


@dataclass(frozen=True)
class ChangePage:
    """One page of the change feed: where it ends and the signed size it is bounded by."""

    after: int
    next_after: int
    tree_size: int

    @property
    def count(self) -> int:
        """How many events the page holds."""
        return self.next_after - self.after

    def events(self, session: Session) -> Iterator[dict[str, Any]]:
        """The page's events in seq order, streamed from the database."""
        return events_with_content(session, self.after + 1, self.next_after + 1)


def change_page(session: Session, after: int, limit: int = DEFAULT_PAGE) -> ChangePage:
    """The page of events with seq > `after`, at most `limit` of them."""
    if isinstance(after, bool) or not isinstance(after, int) or after < -1:
        raise InvalidValue("after", "must be a seq of at least -1 (-1 starts at the beginning)")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(
            "limit",
            "must be a whole number from 1 to %(MAX_PAGE)s",
            MAX_PAGE=MAX_PAGE,
        )
    tree_size = signed_tree_size(session)
    next_after = max(after, min(after + limit, tree_size - 1))
    return ChangePage(after, next_after, tree_size)
