"""What is public now, and what was public on a day: the one answer every reader asks.

The answer is the log replay of `registry.publication.as_of`: log events decide an entry's
status and content, a period that has ended ends the listing even before the publisher logs
the expiry, and purged entries have no content. The public site, the keyless entries API,
lookups, screening and the watchlist matcher all read it here, so they cannot disagree.

"Now" is the whole committed log at the end of today. Lookups and screening bind it to a
signed checkpoint (`checkpoints.checkpoint_covering_log` signs one when the log has grown),
so a removal reaches a signed receipt as soon as it is committed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session

from registry.ledger.anchors import ANCHOR_EVENT
from registry.models import EntryRevision, Listing, ListingRequest, LogEvent
from registry.publication.as_of import (
    EXPIRED,
    EntryState,
    ListState,
    changed_since,
    end_of_day,
    list_state,
    moved,
)
from registry.publication.events import log_size
from registry.timestamps import beijing_date

PUBLISHED = "published"
REMOVED = "removed"
# An entry removed for this reason should never have been listed: it leaves every listing and
# search, and its address keeps only a short notice.
LISTED_IN_ERROR = "error"
PUBLIC_STATUSES = (PUBLISHED, REMOVED, EXPIRED)


@dataclass(frozen=True)
class Removal:
    """How an entry left the list: the day it ended and why (`expired` when its period ran out)."""

    ended_on: dt.date
    reason: str


# How a pending removal reads, by reason code: "removal pending — basis revoked on D".
PENDING_WORDS = {
    "basis_revoked": "basis revoked",
    "credit_restored": "credit restored",
    "error": "listed in error",
}


@dataclass(frozen=True)
class PendingRemoval:
    """A removal one reviewer proposed and a second reviewer has yet to confirm."""

    proposed_on: dt.date
    reason_code: str

    def as_dict(self) -> dict[str, str]:
        """The `removal_pending` object every public reader reports for a listed entry."""
        words = PENDING_WORDS.get(self.reason_code, self.reason_code)
        return {
            "reason": self.reason_code,
            "since": self.proposed_on.isoformat(),
            "note": f"removal pending — {words} on {self.proposed_on.isoformat()}",
        }


@dataclass(frozen=True)
class PublicEntry:
    """One entry as the public saw it at the end of `day`."""

    state: EntryState
    day: dt.date
    pending_removal: PendingRemoval | None = None

    @property
    def entry_id(self) -> str:
        """The entry's public id."""
        return self.state.entry_id

    @property
    def revision(self) -> int:
        """The revision whose content is public."""
        return self.state.revision

    @property
    def bundle(self) -> dict[str, Any] | None:
        """The signed bundle of that revision, or None once purged."""
        return self.state.bundle

    @property
    def content(self) -> dict[str, Any] | None:
        """The signed entry object of that revision, or None once purged."""
        return self.state.content

    @property
    def content_sha256(self) -> str:
        """The SHA-256 of the revision's canonical content, as the log recorded it."""
        return self.state.content_sha256

    @property
    def purged(self) -> bool:
        """True once the content has been purged from every public output."""
        return self.state.purged

    @property
    def status(self) -> str:
        """`published`, `removed` or `expired`."""
        return self.state.public_status(self.day)

    @property
    def listed(self) -> bool:
        """True while the entry is on the list."""
        return self.status == PUBLISHED

    @property
    def screening_status(self) -> str:
        """The screening wording: `listed` or `previously_listed`."""
        return self.state.status(self.day)

    @property
    def removal(self) -> Removal | None:
        """When and why the entry left the list; None while it is listed."""
        ended = self.state.ended(self.day)
        return Removal(*ended) if ended else None

    @property
    def removed_in_error(self) -> bool:
        """True once the entry was removed because it was listed in error."""
        removal = self.removal
        return removal is not None and removal.reason == LISTED_IN_ERROR


@dataclass(frozen=True)
class HistoryEvent:
    """One log event of an entry, with the revision it concerns."""

    seq: int
    event: str
    revision: int
    recorded_at: dt.datetime
    reason: str | None
    content_sha256: str

    @classmethod
    def of(cls, event: LogEvent) -> HistoryEvent:
        """The history record of a log event row."""
        return cls(
            event.seq,
            event.event,
            event.revision,
            event.recorded_at,
            event.reason,
            event.content_sha256,
        )


def purge_marker(session: Session) -> tuple[int, Any]:
    """Changes whenever content is purged (purges do not grow the log).

    Read from the partial index of purged revisions (migration 0009_lkp), as the serving
    version reads it (registry/screening/serving.py): a few rows, however long the list.
    """
    count, latest = session.execute(
        select(func.count(), func.max(EntryRevision.purged_at)).where(
            EntryRevision.purged_at.is_not(None)
        )
    ).one()
    return int(count), latest


class ListStateCache:
    """The last few list states, keyed by log size, day and purges.

    A new state is moved from the nearest kept state with the same purges (`as_of.moved`:
    only the entries with an event between the two are read again, the others are shared),
    so a run, a removal, a correction, a Beijing midnight or an `as_of` day costs a worker
    what changed, not a replay and a copy of the whole list. The list is replayed whole when
    nothing is kept, after a purge, or when more than half the kept entries would be read
    again (a first publication, a day before most of the list was recorded).
    """

    def __init__(self, capacity: int = 8) -> None:
        self.capacity = capacity
        self._states: OrderedDict[tuple[Any, ...], ListState] = OrderedDict()
        self._lock = threading.Lock()

    def _kept(self, key: tuple[Any, ...]) -> ListState | None:
        with self._lock:
            state = self._states.get(key)
            if state is not None:
                self._states.move_to_end(key)
            return state

    def _base(self, key: tuple[Any, ...]) -> ListState | None:
        """The kept state with the same purges nearest `key`: by day, then by log size."""
        tree_size, day, purges = key
        with self._lock:
            bases = [state for (_, _, purged), state in self._states.items() if purged == purges]
        return min(
            bases,
            key=lambda state: (abs((state.day - day).days), abs(state.tree_size - tree_size)),
            default=None,
        )

    def _moved(
        self, session: Session, base: ListState | None, tree_size: int, day: dt.date
    ) -> ListState | None:
        """The state moved from `base`, or None when a whole replay reads less."""
        if base is None:
            return None
        most = len(base.entries) // 2
        changed = session.scalars(changed_since(base, tree_size, day).limit(most + 1)).all()
        if len(changed) > most:
            return None
        return moved(session, base, tree_size, day, changed)

    def get(
        self,
        session: Session | Callable[[], Session],
        tree_size: int,
        day: dt.date,
        purges: tuple[int, Any] | None = None,
    ) -> ListState:
        """The list state for the first `tree_size` leaves and `day`, replayed once, reused.

        `purges` is the `purge_marker` when the caller has just read it; `session` may be a
        function giving the session, asked for only when the database must be read.
        """
        if not isinstance(session, Session):
            factory = session
            if purges is not None:
                kept = self._kept((tree_size, day, purges))
                if kept is not None:
                    return kept
            session = factory()
        # The log only grows, so within one database its size names its content.
        key = (tree_size, day, purge_marker(session) if purges is None else purges)
        with self._lock:
            state = self._states.get(key)
            if state is not None:
                self._states.move_to_end(key)
                return state
        state = self._moved(session, self._base(key), tree_size, day)
        if state is None:
            state = list_state(session, tree_size, day)
        with self._lock:
            self._states[key] = state
            while len(self._states) > self.capacity:
                self._states.popitem(last=False)
        return state


def state_now(session: Session, cache: ListStateCache, today: dt.date) -> ListState:
    """What is public now: the whole committed log at the end of `today`."""
    return cache.get(session, log_size(session), today)


def public_entries(state: ListState) -> list[PublicEntry]:
    """Every entry the state holds, in entry id order."""
    return [PublicEntry(entry, state.day) for _, entry in sorted(state.entries.items())]


def shown_entries(state: ListState) -> list[PublicEntry]:
    """The entries the public listings, search and statistics show: all but those in error."""
    return [entry for entry in public_entries(state) if not entry.removed_in_error]


def removed_in_error_since(
    session: Session, first_seq: int, tree_size: int, day: dt.date
) -> set[str]:
    """The entries with an event in [first_seq, tree_size) that were removed as listed in error."""
    touched = session.scalars(
        select(LogEvent.entry_id)
        .where(LogEvent.seq >= first_seq, LogEvent.seq < tree_size)
        .distinct()
    ).all()
    if not touched:
        return set()
    state = list_state(session, tree_size, day, list(touched))
    return {
        entry_id
        for entry_id, entry in state.entries.items()
        if PublicEntry(entry, day).removed_in_error
    }


def public_entry(
    session: Session, entry_id: str, today: dt.date, tree_size: int | None = None
) -> PublicEntry | None:
    """One entry now (in the first `tree_size` events if given), with any pending removal."""
    # One entry's replay reads only its own events, so a page view costs no full replay.
    size = log_size(session) if tree_size is None else tree_size
    state = list_state(session, size, today, [entry_id])
    found = state.entries.get(entry_id)
    if found is None:
        return None
    entry = PublicEntry(found, today)
    if not entry.listed:
        return entry
    return PublicEntry(found, today, pending_removals(session, [entry_id]).get(entry_id))


def entry_with_history(
    session: Session, entry_id: str, today: dt.date
) -> tuple[PublicEntry, list[HistoryEvent]] | None:
    """One entry now and its log events, read at one log size; None if never published."""
    tree_size = log_size(session)
    entry = public_entry(session, entry_id, today, tree_size)
    if entry is None:
        return None
    return entry, entry_history(session, entry_id, tree_size)


def pending_removals(
    session: Session, entry_ids: Iterable[str] | None
) -> dict[str, PendingRemoval]:
    """The removals proposed for these entries' listings (None: all) and not yet confirmed.

    Read from the few requests awaiting a decision (their partial index, migration
    `0009_lkp`), never by going through every published listing: every site page and every
    change of the lookups' serving version reads them.
    """
    awaiting = (ListingRequest.kind == "removal", ListingRequest.decision.is_(None))
    query = (
        select(Listing.entry_id, ListingRequest.lodged_on, ListingRequest.text)
        .join(ListingRequest, ListingRequest.listing_id == Listing.id)
        .where(
            Listing.id.in_(select(ListingRequest.listing_id).where(*awaiting)),
            Listing.state == "published",
            *awaiting,
        )
    )
    if entry_ids is not None:
        query = query.where(Listing.entry_id.in_(list(entry_ids)))
    rows = session.execute(query)
    # The proposal's text starts with its reason code ("error: listed in error").
    return {
        entry_id: PendingRemoval(lodged_on, text.split(":", 1)[0])
        for entry_id, lodged_on, text in rows
        if entry_id is not None
    }


def removal_pending(
    session: Session, entry_ids: Iterable[str], day: dt.date
) -> dict[str, dict[str, str]]:
    """The `removal_pending` objects of these entries on `day`, by entry id.

    A removal proposed after `day` is not reported for it: an answer for an earlier day says
    what was known then.
    """
    return {
        entry_id: pending.as_dict()
        for entry_id, pending in pending_removals(session, entry_ids).items()
        if pending.proposed_on <= day
    }


def entry_logged_between(session: Session, entry_id: str, first: int, end: int) -> bool:
    """Whether the entry has a log event from log size `first` to `end` (one index look-up)."""
    found = session.scalar(
        select(LogEvent.seq)
        .where(LogEvent.entry_id == entry_id, LogEvent.seq >= first, LogEvent.seq < end)
        .limit(1)
    )
    return found is not None


def entry_history(session: Session, entry_id: str, tree_size: int) -> list[HistoryEvent]:
    """Every log event of an entry among the first `tree_size`, oldest first."""
    events = session.scalars(
        select(LogEvent)
        .where(LogEvent.entry_id == entry_id, LogEvent.seq < tree_size)
        .order_by(LogEvent.seq)
    )
    return [HistoryEvent.of(event) for event in events]


def recent_events(
    session: Session, state: ListState, event: str, limit: int
) -> list[tuple[HistoryEvent, PublicEntry]]:
    """The latest `limit` events of one kind in `state` ("listed" or "removed"), newest first.

    Events of entries removed in error are left out: those entries are no longer shown.
    """
    events = session.scalars(
        select(LogEvent)
        .where(
            LogEvent.event == event,
            LogEvent.seq < state.tree_size,
            LogEvent.recorded_at < end_of_day(state.day),
        )
        .order_by(LogEvent.seq.desc())
        .execution_options(yield_per=100)
    )
    found: list[tuple[HistoryEvent, PublicEntry]] = []
    # Stopping early leaves the streamed rows unread: close the server-side cursor (PostgreSQL).
    with events:
        for row in events:
            entry = PublicEntry(state.entries[row.entry_id], state.day)
            if entry.removed_in_error:
                continue
            found.append((HistoryEvent.of(row), entry))
            if len(found) == limit:
                break
    return found


def listings_by_month(
    session: Session, state: ListState, shown: Iterable[PublicEntry] | None = None
) -> list[tuple[str, int]]:
    """How many shown entries were listed in each month ("YYYY-MM") by listing date, oldest first.

    The listing date is the entry's `listed_on`; a purged entry, whose content is gone, counts
    in the Beijing month its `listed` event was logged. Gaps are omitted. `shown` gives the
    state's shown entries when the caller holds them already (`shown_entries`).
    """
    months: dict[str, int] = {}
    purged: list[str] = []
    for entry in shown_entries(state) if shown is None else shown:
        listed_on = entry.state.listed_on
        if listed_on is None:
            purged.append(entry.entry_id)
            continue
        key = listed_on.strftime("%Y-%m")
        months[key] = months.get(key, 0) + 1
    if purged:
        first_listed = session.execute(
            select(LogEvent.entry_id, func.min(LogEvent.recorded_at))
            .where(LogEvent.event == "listed", LogEvent.entry_id.in_(purged))
            .group_by(LogEvent.entry_id)
        )
        for _entry_id, recorded_at in first_listed:
            key = beijing_date(recorded_at).strftime("%Y-%m")
            months[key] = months.get(key, 0) + 1
    return sorted(months.items())


def _listed(
    columns: Sequence[Any],
    tree_size: int,
    entry_ids: Sequence[str] | None = None,
    id_prefix: str | None = None,
) -> Select[Any]:
    """The query for `columns` of the entries the first `tree_size` events list, by entry id."""
    last_query = select(LogEvent.entry_id, func.max(LogEvent.seq).label("seq")).where(
        LogEvent.seq < tree_size, LogEvent.event != ANCHOR_EVENT
    )
    if entry_ids is not None:
        last_query = last_query.where(LogEvent.entry_id.in_(entry_ids))
    if id_prefix is not None:
        last_query = last_query.where(LogEvent.entry_id.startswith(id_prefix, autoescape=True))
    last = last_query.group_by(LogEvent.entry_id).subquery()
    return (
        select(*columns)
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


def listed_bundles(
    session: Session,
    tree_size: int,
    entry_ids: Sequence[str] | None = None,
    id_prefix: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Signed bundles of the entries the first `tree_size` events list, by entry id, streamed.

    The feed's form of the same answer, derived from the log alone, so a snapshot is exactly
    the state its checkpoint commits to whatever the web processes do meanwhile. It is bound to
    no day: an ended period counts once its expiry is logged, and a publish run logs every due
    expiry before it writes. Purged entries are left out. With `entry_ids`, only those entries;
    with `id_prefix`, only the entries whose id starts with it.
    """
    rows = session.execute(_listed([EntryRevision.bundle], tree_size, entry_ids, id_prefix))
    for (bundle,) in rows:
        if bundle is not None:
            yield bundle


def listed_bundle_texts(session: Session, tree_size: int) -> Iterator[tuple[str, str]]:
    """(entry_id, JSON text of its bundle) for `listed_bundles`, left for the caller to decode.

    Worker processes decode the text themselves, so the reading process stays light.
    """
    columns = [LogEvent.entry_id, cast(EntryRevision.bundle, Text)]
    for entry_id, text in session.execute(_listed(columns, tree_size)):
        if text is not None and text != "null":  # purged: a JSON null
            yield entry_id, text
