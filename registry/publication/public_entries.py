"""The public list for the read API: every entry ever published, filtered and paged.

Entries removed because they were listed in error are left out of the list; their address
answers with a removal notice only.

Built on the public read model (registry.publication.public_view), so it shows exactly what
was signed and logged, with the same status every other reader gives. Filters on content
(sector, authority, dates) never match a purged entry: its content is no longer public.

The list is worked out once per list state, and so are the facts its filters compare, as
columns (`FilterColumns`, registry/columns.py): a filter no request asked for before costs a
few comparisons of whole columns in C, not a Python test of every entry. A state moved from
the previous one moves both by the entries that changed.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, overload

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.columns import Column, Names, frozen, moved
from registry.errors import InvalidValue, NotFound
from registry.models import SECTOR_BITS, EntryRevision
from registry.publication.as_of import ListState
from registry.publication.public_view import (
    PUBLIC_STATUSES,
    PublicEntry,
    entry_with_history,
    removal_pending,
    shown_entries,
)
from registry.timestamps import format_timestamp


@dataclass(frozen=True)
class EntryFilter:
    """What the caller asked for; every field optional."""

    status: str | None = None
    sector: str | None = None
    authority: str | None = None
    listed_from: dt.date | None = None
    listed_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in PUBLIC_STATUSES:
            raise InvalidValue(
                "status",
                "must be one of %(expected)s",
                expected=", ".join(PUBLIC_STATUSES),
            )
        if self.listed_from and self.listed_to and self.listed_from > self.listed_to:
            raise InvalidValue("listed_to", "must not be before listed_from")

    @property
    def on_content(self) -> bool:
        """True when a filter looks into the entry content."""
        return any((self.sector, self.authority, self.listed_from, self.listed_to))

    def accepts(self, entry: PublicEntry) -> bool:
        """True when the entry passes every filter."""
        if self.status is not None and entry.status != self.status:
            return False
        if not self.on_content:
            return True
        content = entry.content
        if content is None:
            return False
        if self.sector is not None and self.sector not in content.get("sectors", []):
            return False
        if self.authority is not None:
            authority = (content.get("decision") or {}).get("authority") or ""
            if self.authority.casefold() not in authority.casefold():
                return False
        listed_on = entry.state.listed_on
        if self.listed_from is not None and (listed_on is None or listed_on < self.listed_from):
            return False
        return not (
            self.listed_to is not None and (listed_on is None or listed_on > self.listed_to)
        )


EVERY_ENTRY = EntryFilter()
# Kept with each list state (`ListState.derived`): its shown entries in entry id order, their
# filter columns, and the positions matching the state's recent filters.
SHOWN = "public_entries.shown"
COLUMNS = "public_entries.columns"
MATCHING = "public_entries.matching"
KEPT_FILTERS = 32
# Up to this many changed entries a moved state's list is edited in place; beyond, merged.
PLACED_ONE_BY_ONE = 1_000
# Beyond this many changed entries since the nearest list, the list is worked out whole.
MOVED_AT_MOST = 100_000
ENTRY_ID = attrgetter("entry_id")


def entry_view(entry: PublicEntry) -> dict[str, Any]:
    """One entry as the public list shows it: status, dates, names and the signed bundle.

    An entry removed because it was listed in error keeps only a removal notice: its id, status,
    end date and reason, and no content, name or dates of the listing.

    `removal_pending` is set (by `page_of_entries` and `entry_detail`) while a removal of a
    listed entry awaits its second reviewer, e.g. from the moment its basis was revoked.
    """
    removal = entry.removal
    if entry.removed_in_error:
        return _removal_notice(entry)
    content = entry.content or {}
    subject = content.get("subject") or {}
    listed_on, period_end = entry.state.listed_on, entry.state.period_end
    return {
        "entry_id": entry.entry_id,
        "status": entry.status,
        "revision": entry.revision,
        "seq": entry.state.seq,
        "listed_on": listed_on.isoformat() if listed_on else None,
        "period_end": period_end.isoformat() if period_end else None,
        "ended_on": removal.ended_on.isoformat() if removal else None,
        "end_reason": removal.reason if removal else None,
        "purged": entry.purged,
        "name": subject.get("name"),
        "name_latin": subject.get("name_latin"),
        "sectors": list(content.get("sectors", [])),
        "authority": (content.get("decision") or {}).get("authority"),
        "removal_pending": entry.pending_removal.as_dict() if entry.pending_removal else None,
        "bundle": entry.bundle,
        "removed_in_error": False,
    }


def _removal_notice(entry: PublicEntry) -> dict[str, Any]:
    removal = entry.removal
    assert removal is not None  # only an entry that was removed has a removal notice
    return {
        "entry_id": entry.entry_id,
        "status": entry.status,
        "revision": entry.revision,
        "seq": entry.state.seq,
        "listed_on": None,
        "period_end": None,
        "ended_on": removal.ended_on.isoformat(),
        "end_reason": removal.reason,
        "purged": entry.purged,
        "name": None,
        "name_latin": None,
        "sectors": [],
        "authority": None,
        "bundle": None,
        "removed_in_error": True,
    }


def page_of_entries(
    session: Session, state: ListState, entry_filter: EntryFilter, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of matching entries in entry id order, and how many match in all."""
    if page < 1:
        raise InvalidValue("page", "must be 1 or more")
    if not 1 <= page_size <= 100:
        raise InvalidValue("page_size", "must be from 1 to 100")
    matching = matching_entries(state, entry_filter)
    start = (page - 1) * page_size
    shown = [entry_view(entry) for entry in matching[start : start + page_size]]
    pending = removal_pending(
        session, [item["entry_id"] for item in shown if item["status"] == "published"], state.day
    )
    for item in shown:
        item["removal_pending"] = pending.get(item["entry_id"])
    return shown, len(matching)


def listed_in_order(state: ListState) -> list[PublicEntry]:
    """The state's shown entries in entry id order, worked out once per list state.

    A state moved from one of the same day that still holds its list (`ListState.origin`)
    takes that list over and works out only the entries read again: a new state costs the
    change, not the list.
    """
    kept = state.derived.get(SHOWN)
    if kept is None:
        # Moved from the nearest state holding its list, through any no request asked for.
        nearest = state.moved_since(_holds_list, MOVED_AT_MOST)
        if nearest is None:
            kept = shown_entries(state)
        else:
            kept = _moved_list(state, *nearest)
            _move_columns(state, kept, *nearest)
            # The list is read at the newest state: the earlier one's filters are let go
            # rather than kept as long as its state is (up to 32 of 4 bytes an entry each).
            nearest[0].derived.pop(MATCHING, None)
        state.derived[SHOWN] = kept
    assert isinstance(kept, list)
    return kept


def _holds_list(state: ListState) -> bool:
    return SHOWN in state.derived


def _moved_list(state: ListState, base: ListState, changed: frozenset[str]) -> list[PublicEntry]:
    """The list of `base` with the entries `changed` since worked out again for `state`."""
    previous = base.derived[SHOWN]
    fresh = {
        entry_id: PublicEntry(state.entries[entry_id], state.day)
        for entry_id in changed
        if entry_id in state.entries
    }
    if len(changed) > PLACED_ONE_BY_ONE:
        shown = [entry for entry in previous if entry.entry_id not in changed]
        shown += [entry for entry in fresh.values() if not entry.removed_in_error]
        shown.sort(key=ENTRY_ID)  # two sorted runs: a merge
        return shown
    # A few changes: each found by bisection and replaced, dropped or inserted in a copy.
    moved = list(previous)
    for entry_id in sorted(changed):
        position = bisect_left(moved, entry_id, key=ENTRY_ID)
        present = position < len(moved) and moved[position].entry_id == entry_id
        now = fresh.get(entry_id)
        if now is not None and now.removed_in_error:
            now = None
        if present and now is not None:
            moved[position] = now
        elif present:
            del moved[position]
        elif now is not None:
            moved.insert(position, now)
    return moved


NO_DAY = -1  # the listing day column of an entry listed on no day
STATUS_NUMBER = {status: number for number, status in enumerate(PUBLIC_STATUSES)}
_FACT = [itemgetter(place) for place in range(5)]


def _facts(entry: PublicEntry) -> tuple[int, bool, int, str, int]:
    """What the filters compare of an entry: status, content public, sectors, authority, day."""
    status = STATUS_NUMBER[entry.status]
    content = entry.content
    if content is None:
        return status, False, 0, "", NO_DAY
    sectors = sum(SECTOR_BITS.get(sector, 0) for sector in set(content.get("sectors", [])))
    authority = (content.get("decision") or {}).get("authority") or ""
    listed_on = entry.state.listed_on
    return status, True, sectors, authority, listed_on.toordinal() if listed_on else NO_DAY


@dataclass(frozen=True)
class FilterColumns:
    """The facts `EntryFilter` compares, one column each, in the list's entry id order."""

    status: Column  # int8: the place of the status in PUBLIC_STATUSES
    public: Column  # bool: the content is public (not purged)
    sectors: Column  # uint16: bits of SECTOR_BITS
    authority: Column  # int32: the number of the deciding authority in `authorities`
    listed_on: Column  # int32: the listing day's ordinal, NO_DAY when none
    authorities: Names

    @classmethod
    def of(cls, entries: Sequence[PublicEntry]) -> FilterColumns:
        """The columns of `entries`, each entry read once."""
        facts = list(map(_facts, entries))
        count = len(facts)
        authorities = Names.of(map(_FACT[3], facts))
        return cls(
            frozen(np.fromiter(map(_FACT[0], facts), np.int8, count)),
            frozen(np.fromiter(map(_FACT[1], facts), np.bool_, count)),
            frozen(np.fromiter(map(_FACT[2], facts), np.uint16, count)),
            authorities.column(map(_FACT[3], facts), count),
            frozen(np.fromiter(map(_FACT[4], facts), np.int32, count)),
            authorities,
        )

    def moved(
        self, removed: Sequence[int], added: Sequence[tuple[int, PublicEntry]]
    ) -> FilterColumns:
        """These columns without the entries at the positions `removed`, and with the entries
        `added` at theirs (in order of their positions, those of the moved columns)."""
        at = [position for position, _ in added]
        facts = [_facts(entry) for _, entry in added]
        authorities = self.authorities.extended(map(_FACT[3], facts))
        numbers = map(authorities.number.__getitem__, map(_FACT[3], facts))
        return FilterColumns(
            moved(self.status, removed, at, map(_FACT[0], facts)),
            moved(self.public, removed, at, map(_FACT[1], facts)),
            moved(self.sectors, removed, at, map(_FACT[2], facts)),
            moved(self.authority, removed, at, numbers),
            moved(self.listed_on, removed, at, map(_FACT[4], facts)),
            authorities,
        )

    def accepted(self, entry_filter: EntryFilter) -> Column | None:
        """Whether each entry passes `entry_filter` (`EntryFilter.accepts`), or None for a
        sector the columns do not hold (a caller other than the API, which allows SECTORS)."""
        mask = np.ones(len(self.status), np.bool_)
        if entry_filter.status is not None:
            mask &= self.status == STATUS_NUMBER[entry_filter.status]
        if not entry_filter.on_content:
            return mask
        mask &= self.public
        if entry_filter.sector is not None:
            bit = SECTOR_BITS.get(entry_filter.sector)
            if bit is None:
                return None
            mask &= (self.sectors & bit) != 0
        if entry_filter.authority is not None:
            part = entry_filter.authority.casefold()
            mask &= self.authorities.where(lambda name: part in name.casefold())[self.authority]
        if entry_filter.listed_from is not None:
            mask &= self.listed_on >= entry_filter.listed_from.toordinal()
        if entry_filter.listed_to is not None:
            last = entry_filter.listed_to.toordinal()
            mask &= (self.listed_on != NO_DAY) & (self.listed_on <= last)
        return mask


def filter_columns(state: ListState) -> FilterColumns:
    """The filter columns of the state's list, read from every entry when not moved with it."""
    kept = state.derived.get(COLUMNS)
    if kept is None:
        kept = state.derived[COLUMNS] = FilterColumns.of(listed_in_order(state))
    assert isinstance(kept, FilterColumns)
    return kept


def _move_columns(
    state: ListState, shown: list[PublicEntry], base: ListState, changed: frozenset[str]
) -> None:
    """Keep with `state` the columns of `base`, moved by the entries `changed` since, when
    `base` holds them: `shown` is the list `_moved_list` made."""
    columns, previous = base.derived.get(COLUMNS), base.derived[SHOWN]
    if not isinstance(columns, FilterColumns):
        return
    removed, added = [], []
    for entry_id in sorted(changed):
        before = bisect_left(previous, entry_id, key=ENTRY_ID)
        if before < len(previous) and previous[before].entry_id == entry_id:
            removed.append(before)
        now = bisect_left(shown, entry_id, key=ENTRY_ID)
        if now < len(shown) and shown[now].entry_id == entry_id:
            added.append((now, shown[now]))
    state.derived[COLUMNS] = columns.moved(removed, added)


class Matching(Sequence[PublicEntry]):
    """The entries of a list at some positions, in the list's order."""

    def __init__(self, shown: list[PublicEntry], positions: Column) -> None:
        self.shown, self.positions = shown, positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> PublicEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[PublicEntry]: ...
    def __getitem__(self, index: int | slice) -> PublicEntry | list[PublicEntry]:
        if isinstance(index, slice):
            return [self.shown[position] for position in self.positions[index].tolist()]
        return self.shown[int(self.positions[index])]

    def __iter__(self) -> Iterator[PublicEntry]:
        return map(self.shown.__getitem__, self.positions.tolist())


def matching_entries(state: ListState, entry_filter: EntryFilter) -> Sequence[PublicEntry]:
    """The state's shown entries that pass `entry_filter`, in entry id order.

    Compared on the state's filter columns, and kept for the last `KEPT_FILTERS` filters of
    the state (the lot forgotten when full): a page of the public list costs the page.
    """
    shown = listed_in_order(state)
    if entry_filter == EVERY_ENTRY:
        return shown
    kept: dict[EntryFilter, Matching] = state.derived.setdefault(MATCHING, {})
    found = kept.get(entry_filter)
    if found is None:
        mask = filter_columns(state).accepted(entry_filter)
        if mask is None:
            passing = [entry_filter.accepts(entry) for entry in shown]
            mask = np.array(passing, np.bool_)
        found = Matching(shown, np.flatnonzero(mask).astype(np.int32))
        if len(kept) >= KEPT_FILTERS:
            kept.clear()
        kept[entry_filter] = found
    return found


def entry_detail(session: Session, entry_id: str, today: dt.date) -> dict[str, Any]:
    """One entry now, with every revision and log event; NotFound when never published."""
    found = entry_with_history(session, entry_id, today)
    if found is None:
        raise NotFound(
            "no published entry %(entry_id)r",
            entry_id=entry_id,
        )
    entry, history = found
    revisions = session.scalars(
        select(EntryRevision)
        .where(EntryRevision.entry_id == entry_id)
        .order_by(EntryRevision.revision)
    ).all()
    return entry_view(entry) | {
        "revisions": [
            {
                "revision": revision.revision,
                "published_at": format_timestamp(revision.published_at),
                "content_sha256": revision.content_sha256,
                "purged": revision.bundle is None,
            }
            for revision in revisions
        ],
        "events": [
            {
                "seq": event.seq,
                "event": event.event,
                "revision": event.revision,
                "recorded_at": format_timestamp(event.recorded_at),
                "reason": event.reason,
            }
            for event in history
        ],
    }
