"""The published list as it stood on a day, replayed from the transparency log.

Only the log decides: an entry counts from its `listed` event, takes the content of its last
`listed`/`amended` revision recorded by the end of the day (Beijing time, where legal dates
are kept), and ends with its `removed` event or, when the log has not recorded the expiry yet,
at the end of its `period_end`, the last day listed. The replay reads
the first `tree_size` leaves only, so an answer is bound to one signed checkpoint.

Purged entries keep their place in the log but have no content: they are never matched or
confirmed, by name or by identifier, not even for a day when they were listed.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Select, Text, cast, or_, select
from sqlalchemy.orm import Session

from registry import clock
from registry.layered import moved_from
from registry.ledger.anchors import ANCHOR_EVENT
from registry.models import EntryRevision, Listing, LogEvent, SubjectIdentifier
from registry.publication.stored_json import loads_stored
from registry.subjects.identifiers import identifier_key, public_identifier_value

LISTED = "listed"
PREVIOUSLY_LISTED = "previously_listed"
EXPIRED = "expired"

Identifier = tuple[str, str, str]
"""(scheme, foreign scheme name or "", full value) of a stored subject identifier."""

IdentifierKey = tuple[str, str, str]
"""(scheme, foreign scheme name casefolded, compacted value): how lookups find an entry."""

Scope = Select[str] | list[str] | None
"""Which entries a replay reads: every entry (None), these ids, or the ids a query selects."""


def lookup_key(scheme: str, value: str, name: str | None = None) -> IdentifierKey:
    """The exact-lookup key of an identifier (the scheme name of `other`, a passport's country)."""
    folded, compact = identifier_key(scheme, value)
    qualified = folded in {"other", "passport"}
    return folded, (name or "").strip().casefold() if qualified else "", compact


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after the legal day `day` ends (midnight in Beijing), in UTC."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clock.BEIJING)
    return midnight.astimezone(dt.UTC)


@dataclass(frozen=True)
class EntryState:
    """One entry as the log showed it at the end of a day."""

    entry_id: str
    revision: int
    seq: int
    bundle: dict[str, Any] | None
    removed_at: dt.datetime | None = None
    removal_reason: str | None = None
    # The SHA-256 of this revision's canonical content, as its signed revision records it.
    content_sha256: str = ""

    @property
    def content(self) -> dict[str, Any] | None:
        """The signed entry object of this revision, or None once purged."""
        return self.bundle["entry"] if self.bundle else None

    @property
    def purged(self) -> bool:
        """True when the content of this revision has been purged."""
        return self.content is None

    def _content_date(self, name: str) -> dt.date | None:
        value = self.content.get(name) if self.content else None
        return dt.date.fromisoformat(value) if isinstance(value, str) else None

    # Read once per state: list states advanced from one another share their EntryStates.
    @cached_property
    def listed_on(self) -> dt.date | None:
        """The day the entry was listed (None once purged)."""
        return self._content_date("listed_on")

    @cached_property
    def period_end(self) -> dt.date | None:
        """The day the listing period ends, when it is no longer listed."""
        return self._content_date("period_end")

    def ended(self, day: dt.date) -> tuple[dt.date, str] | None:
        """(ended on, reason) when the entry was no longer listed on `day`, else None."""
        period_end = self.period_end
        if self.removed_at is not None:
            reason = self.removal_reason or "removed"
            if reason == EXPIRED and period_end is not None:
                return period_end, reason
            return clock.legal_date(self.removed_at), reason
        # The publisher records an expiry at its next run; the date alone already ends it.
        # `period_end` is the last day listed: the entry ends at the start of the next day.
        if period_end is not None and period_end < day:
            return period_end, EXPIRED
        return None

    def status(self, day: dt.date) -> str:
        """`listed` or `previously_listed` on `day`."""
        return PREVIOUSLY_LISTED if self.ended(day) else LISTED

    def public_status(self, day: dt.date) -> str:
        """The public list's wording: `published`, `expired` or `removed`."""
        ended = self.ended(day)
        if ended is None:
            return "published"
        return EXPIRED if ended[1] == EXPIRED else "removed"


@dataclass(frozen=True)
class Origin:
    """The state a state was moved from, and the entries read again (`moved`).

    The state is held weakly: a state does not keep those it was moved from alive. A reader's
    index of the earlier state, while it lives, can be carried over to the later one by
    redoing the changed entries alone.
    """

    base: weakref.ReferenceType[ListState]
    changed: frozenset[str]


@dataclass
class ListState:
    """Every entry the log held at the end of `day` (first `tree_size` leaves), indexed."""

    day: dt.date
    tree_size: int
    # Plain dicts when replayed whole, `Layered` ones when moved from another state.
    entries: Mapping[str, EntryState]
    # Full identifiers (cn_ric unmasked) of entries with content, as published in masked form.
    identifiers: Mapping[str, list[Identifier]] = field(default_factory=dict)
    # Indexes readers derive from this state (built once per state, by the reader that needs it).
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    origin: Origin | None = field(default=None, repr=False, compare=False)

    def moved_since(
        self, holds: Callable[[ListState], bool], at_most: int
    ) -> tuple[ListState, frozenset[str]] | None:
        """The nearest state of this day this one was moved from, through the states between,
        for which `holds` is true, with every entry read again on the way.

        None when there is none: a state on the way is gone (origins are held weakly), is of
        another day, or more than `at_most` entries changed on the way. A reader that keeps
        something per state moves it from the last state it was kept for, passing through
        states no request asked it for.
        """
        changed: set[str] = set()
        now = self
        while now.origin is not None:
            changed |= now.origin.changed
            base = now.origin.base()
            if base is None or base.day != self.day or len(changed) > at_most:
                return None
            if holds(base):
                return base, frozenset(changed)
            now = base
        return None

    @cached_property
    def by_identifier(self) -> Mapping[IdentifierKey, list[str]]:
        """Entry ids by exact identifier key, each key's ids sorted."""
        found: dict[IdentifierKey, list[str]] = {}
        for entry_id, identifiers in self.identifiers.items():
            for key in _keys(identifiers):
                found.setdefault(key, []).append(entry_id)
        for ids in found.values():
            ids.sort()
        return found


def _keys(identifiers: Iterable[Identifier]) -> set[IdentifierKey]:
    """The lookup keys of an entry's identifiers."""
    return {lookup_key(scheme, value, name) for scheme, name, value in identifiers}


@dataclass(frozen=True)
class _Replayed:
    """An entry after the replay: its content revision, last seq and removal (when, why)."""

    revision: int
    seq: int
    removal: tuple[dt.datetime, str | None] | None = None


def _events(tree_size: int, until: dt.datetime) -> Select[str]:
    """The entries with an event among the first `tree_size` leaves recorded before `until`."""
    return select(LogEvent.entry_id).where(
        LogEvent.seq < tree_size, LogEvent.recorded_at < until, LogEvent.event != ANCHOR_EVENT
    )


def _replay(
    session: Session, tree_size: int, until: dt.datetime, scope: Scope
) -> dict[str, _Replayed]:
    """entry id -> where the entry stands after the events replayed."""
    # Plain rows, not LogEvent objects: a replay reads every event of the list.
    query = (
        select(
            LogEvent.entry_id,
            LogEvent.event,
            LogEvent.revision,
            LogEvent.seq,
            LogEvent.recorded_at,
            LogEvent.reason,
        )
        .where(
            LogEvent.seq < tree_size,
            LogEvent.recorded_at < until,
            LogEvent.event != ANCHOR_EVENT,
        )
        .order_by(LogEvent.seq)
    )
    if scope is not None:
        query = query.where(LogEvent.entry_id.in_(scope))
    replayed: dict[str, _Replayed] = {}
    rows = session.execute(query.execution_options(yield_per=2000))
    for entry_id, event, revision, seq, recorded_at, reason in rows:
        if event != "removed":
            replayed[entry_id] = _Replayed(revision, seq)
            continue
        # A removal keeps the content of the revision it ends.
        ended = replayed.get(entry_id) or _Replayed(revision, seq)
        replayed[entry_id] = _Replayed(ended.revision, seq, (recorded_at, reason))
    return replayed


def published_by(content: Mapping[str, Any], stored: Iterable[Identifier]) -> list[Identifier]:
    """The stored identifiers (full values) whose public form the entry content published.

    An entry published before every personal scheme was masked may show such a value in full;
    either form counts.
    """
    subject = content["subject"]
    natural_person = subject.get("kind") == "natural_person"
    published = {
        (item.get("scheme"), item.get("name") or item.get("country") or "", item.get("value"))
        for item in subject.get("identifiers", [])
    }
    return [
        (scheme, name, value)
        for scheme, name, value in stored
        if (scheme, name, public_identifier_value(scheme, value, natural_person)) in published
        or (scheme, name, value) in published
    ]


def _published_identifiers(
    session: Session, contents: Mapping[str, Mapping[str, Any]], scope: Scope
) -> dict[str, list[Identifier]]:
    """Each entry's stored identifiers whose public form its content actually published.

    `scope` names the entries whose listings are read (None: every listing); an entry's
    identifiers come in the order they were stored, whichever entries are read.
    """
    query = (
        select(
            Listing.entry_id,
            SubjectIdentifier.scheme,
            SubjectIdentifier.scheme_name,
            SubjectIdentifier.value,
        )
        .join(SubjectIdentifier, SubjectIdentifier.subject_id == Listing.subject_id)
        .where(Listing.entry_id.is_not(None))
        .order_by(SubjectIdentifier.id)
    )
    if scope is not None:
        query = query.where(Listing.entry_id.in_(scope))
    stored: dict[str, list[Identifier]] = {}
    for entry_id, scheme, scheme_name, value in session.execute(query):
        if entry_id is not None and entry_id in contents:
            stored.setdefault(entry_id, []).append((scheme, scheme_name or "", value))
    found = {
        entry_id: published_by(contents[entry_id], identifiers)
        for entry_id, identifiers in stored.items()
    }
    return {entry_id: identifiers for entry_id, identifiers in found.items() if identifiers}


def list_state(
    session: Session,
    tree_size: int,
    day: dt.date,
    entry_ids: Iterable[str] | None = None,
    identifiers: bool = True,
) -> ListState:
    """Replay the first `tree_size` log events recorded by the end of `day`.

    With `identifiers` false the state's `identifiers` stay empty (not read), for a reader
    that only needs the entries.
    """
    scope = None if entry_ids is None else list(entry_ids)
    return _list_state(session, tree_size, day, scope, identifiers)


def changed_since(base: ListState, tree_size: int, day: dt.date) -> Select[str]:
    """The entries whose events differ between `base` and the first `tree_size` leaves
    recorded by the end of `day`: those with an event among the leaves between the two sizes
    or, between two days, one recorded after the earlier day ended.

    The log only grows and records in time order, so every other entry stands as `base` has it.
    """
    low, high = sorted((base.tree_size, tree_size))
    since = LogEvent.seq >= low
    if day != base.day:
        since = or_(since, LogEvent.recorded_at >= end_of_day(min(day, base.day)))
    return (
        select(LogEvent.entry_id)
        .where(since, LogEvent.seq < high, LogEvent.event != ANCHOR_EVENT)
        .distinct()
    )


# Up to this many changed entries are named in the queries; more are selected by a subquery.
NAMED_SCOPE = 500


def moved(
    session: Session,
    base: ListState,
    tree_size: int,
    day: dt.date | None = None,
    changed: Collection[str] | None = None,
) -> ListState:
    """`list_state(session, tree_size, day)`, replaying only the entries that differ from `base`.

    `base` may be of any size and day (default: `base.day`), larger or smaller, later or
    earlier: a state for another checkpoint, a state for the next day, or a list as it stood
    on an earlier `as_of` day. The entries `changed_since` names (`changed` when the caller
    has read them) are replayed, all their events, and read again: an entry with no event
    left drops out (listed after that day), the others take their new state in place. Every
    other entry's EntryState is `base`'s own, shared. `base` must be a state of the same
    database with its identifiers read, and no content purged since (purges do not grow the
    log: `public_view.ListStateCache` keys states by a purge marker). Entries keep the order
    a whole replay gives them, that of their first event; the identifier index is carried
    over when `base` has built it.
    """
    day = base.day if day is None else day
    query = changed_since(base, tree_size, day)
    ids = set(session.scalars(query)) if changed is None else set(changed)
    scope: Scope = sorted(ids) if len(ids) <= NAMED_SCOPE else query
    replayed = _list_state(session, tree_size, day, scope, identifiers=True)
    # Each mapping reads through base's and holds only what changed (registry/layered.py).
    entries = moved_from(base.entries)
    for entry_id in ids - replayed.entries.keys():
        entries.pop(entry_id, None)
    entries.update(replayed.entries)  # in place for those kept, after the others for new ones
    found = moved_from(base.identifiers)
    for entry_id in ids:
        found.pop(entry_id, None)
    found.update(replayed.identifiers)
    state = ListState(
        day, tree_size, entries, found, origin=Origin(weakref.ref(base), frozenset(ids))
    )
    if "by_identifier" in base.__dict__:  # built by a lookup: carried over, not built again
        index = moved_from(base.by_identifier)
        for entry_id in ids:
            for key in _keys(base.identifiers.get(entry_id, ())):
                rest = [other for other in index[key] if other != entry_id]
                if rest:
                    index[key] = rest
                else:
                    del index[key]
            for key in _keys(found.get(entry_id, ())):
                index[key] = sorted([*index.get(key, ()), entry_id])
        state.__dict__["by_identifier"] = index
    return state


def _list_state(
    session: Session, tree_size: int, day: dt.date, scope: Scope, identifiers: bool
) -> ListState:
    replayed = _replay(session, tree_size, end_of_day(day), scope)
    wanted = {(entry_id, found.revision) for entry_id, found in replayed.items()}
    revisions: dict[tuple[str, int], tuple[dict[str, Any] | None, str]] = {}
    # The bundle's JSON text, decoded here (stored_json.py): faster than the column type.
    query = select(
        EntryRevision.entry_id,
        EntryRevision.revision,
        cast(EntryRevision.bundle, Text),
        EntryRevision.content_sha256,
    )
    if isinstance(scope, list):
        query = query.where(EntryRevision.entry_id.in_(list(replayed)))
    elif scope is not None:
        query = query.where(EntryRevision.entry_id.in_(scope))
    elif day < clock.beijing_today() - dt.timedelta(days=1):
        # An earlier `as_of` day: only the entries then listed are read, not the whole list.
        query = query.where(EntryRevision.entry_id.in_(_events(tree_size, end_of_day(day))))
    for entry_id, revision, text, digest in session.execute(
        query.execution_options(yield_per=2000)
    ):
        if (entry_id, revision) in wanted:
            bundle = None if text is None else loads_stored(text)
            revisions[(entry_id, revision)] = (bundle, digest)
    entries = {}
    for entry_id, found in replayed.items():
        removal = found.removal
        bundle, digest = revisions.get((entry_id, found.revision), (None, ""))
        entries[entry_id] = EntryState(
            entry_id=entry_id,
            revision=found.revision,
            seq=found.seq,
            bundle=bundle,
            removed_at=removal[0] if removal else None,
            removal_reason=removal[1] if removal else None,
            content_sha256=digest,
        )
    if not identifiers:
        return ListState(day, tree_size, entries)
    contents = {e.entry_id: e.content for e in entries.values() if e.content is not None}
    if isinstance(scope, list):
        scope = list(contents)
    return ListState(day, tree_size, entries, _published_identifiers(session, contents, scope))
