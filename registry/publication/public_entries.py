"""The public list for the read API: every entry ever published, filtered and paged.

Entries removed because they were listed in error are left out of the list; their address
answers with a removal notice only.

Built on the public read model (registry.publication.public_view), so it shows exactly what
was signed and logged, with the same status every other reader gives. Filters on content
(sector, authority, dates) never match a purged entry: its content is no longer public.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidValue, NotFound
from registry.models import EntryRevision
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
# Kept with each list state (`ListState.derived`): its shown entries in entry id order, and
# those matching the state's recent filters.
SHOWN = "public_entries.shown"
MATCHING = "public_entries.matching"
KEPT_FILTERS = 32
# Up to this many changed entries a moved state's list is edited in place; beyond, merged.
PLACED_ONE_BY_ONE = 1_000
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
        kept = _moved_list(state)
        if kept is None:
            kept = shown_entries(state)
        state.derived[SHOWN] = kept
    assert isinstance(kept, list)
    return kept


def _moved_list(state: ListState) -> list[PublicEntry] | None:
    origin = state.origin
    base = origin.base() if origin is not None else None
    previous = base.derived.get(SHOWN) if base is not None else None
    if base is None or previous is None or base.day != state.day:
        return None
    assert origin is not None
    changed = origin.changed
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


def matching_entries(state: ListState, entry_filter: EntryFilter) -> list[PublicEntry]:
    """The state's shown entries that pass `entry_filter`, in entry id order.

    Worked out once per state and filter, for the last `KEPT_FILTERS` filters of the state
    (the lot forgotten when full): a page of the public list costs the page.
    """
    shown = listed_in_order(state)
    if entry_filter == EVERY_ENTRY:
        return shown
    kept: dict[EntryFilter, list[PublicEntry]] = state.derived.setdefault(MATCHING, {})
    found = kept.get(entry_filter)
    if found is None:
        found = [entry for entry in shown if entry_filter.accepts(entry)]
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
