"""Match new log events against every active watchlist, creating one delivery per match.

Matching runs after the feed is written, over the events up to the signed checkpoint, so every
event a client is told about can be proved in the log. An event's subject is what its revision
published, as every public reader sees it: purged content is never matched. Each watchlist
advances its `last_seq` in the same transaction as the deliveries it creates: a crash never
loses or repeats a match.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.clients.watch_match import (
    EventSubject,
    ItemMatch,
    WatchIndex,
    WatchItem,
    identifier_pairs,
)
from registry.ledger.anchors import is_anchor
from registry.models import Listing, Subject, Watchlist, WatchlistItem, WebhookDelivery, utcnow
from registry.publication.as_of import published_by
from registry.publication.changes import events_with_content
from registry.transaction import atomic

PAYLOAD_TYPE = "ipl.watch-match/v1"
# Indexes kept between runs: building one over 100,000 names takes many seconds, while its
# items change rarely.
CACHED_INDEXES = 4

_index_cache: OrderedDict[int, tuple[str, WatchIndex]] = OrderedDict()


def _watch_index(session: Session, watchlist_id: int) -> WatchIndex:
    """The watchlist's index, rebuilt only when its items changed since the last run."""
    rows = session.execute(
        select(
            WatchlistItem.id,
            WatchlistItem.name,
            WatchlistItem.kind,
            WatchlistItem.region,
            WatchlistItem.identifiers,
        )
        .where(WatchlistItem.watchlist_id == watchlist_id)
        .order_by(WatchlistItem.id)
    ).all()
    items = [
        WatchItem(row.id, row.name, row.kind, row.region, identifier_pairs(row.identifiers))
        for row in rows
    ]
    fingerprint = hashlib.sha256(repr(items).encode()).hexdigest()
    cached = _index_cache.get(watchlist_id)
    if cached is not None and cached[0] == fingerprint:
        _index_cache.move_to_end(watchlist_id)
        return cached[1]
    index = WatchIndex(items)
    _index_cache[watchlist_id] = (fingerprint, index)
    while len(_index_cache) > CACHED_INDEXES:
        _index_cache.popitem(last=False)
    return index


def _subjects(session: Session, entry_ids: set[str]) -> dict[str, Subject]:
    """The subjects of the events' entries, identifiers loaded (full values, never published)."""
    rows = session.execute(
        select(Listing.entry_id, Subject)
        .join(Subject, Subject.id == Listing.subject_id)
        .where(Listing.entry_id.in_(entry_ids))
        .options(selectinload(Subject.identifiers))
    )
    return {entry_id: subject for entry_id, subject in rows if entry_id is not None}


def _event_subject(event: dict[str, Any], subject: Subject | None) -> EventSubject | None:
    """What the event's revision published of its subject; None once the content is purged.

    The same rule as every public reader (registry.publication.public_view): a purged entry is
    never matched, and only identifiers its content published (full values) can match.
    """
    if event["bundle"] is None:
        return None
    content = event["bundle"]["entry"]
    stored = (
        [(i.scheme, i.scheme_name or "", i.value) for i in subject.identifiers]
        if subject is not None
        else []
    )
    identifiers = [
        {"scheme": scheme, "name": name, "value": value}
        for scheme, name, value in published_by(content, stored)
    ]
    return EventSubject.from_entry(content["subject"], identifiers)


@dataclass
class MatchReport:
    """What one matching round did."""

    watchlists: int = 0
    events: int = 0
    deliveries: int = 0


def _payload(
    watchlist_id: int,
    event: dict[str, Any],
    matches: Sequence[ItemMatch],
    items: dict[int, WatchlistItem],
) -> dict[str, Any]:
    leaf = {key: value for key, value in event.items() if key != "bundle"}
    return {
        "type": PAYLOAD_TYPE,
        "watchlist_id": watchlist_id,
        "event": leaf,
        "bundle": event["bundle"],
        "matches": [
            {"external_ref": items[m.item_id].external_ref, "name": items[m.item_id].name}
            | m.as_dict()
            for m in matches
        ],
    }


def match_new_events(session: Session, tree_size: int) -> MatchReport:
    """Create a delivery per (watchlist, event up to `tree_size`) that matches its items."""
    report = MatchReport()
    watchlists = list(
        session.scalars(
            select(Watchlist).where(Watchlist.active, Watchlist.last_seq < tree_size - 1)
        )
    )
    if not watchlists:
        return report
    start = min(watchlist.last_seq for watchlist in watchlists) + 1
    # Audit anchors name no entry, so no watchlist can match them.
    events = [e for e in events_with_content(session, start, tree_size) if not is_anchor(e)]
    subjects = _subjects(session, {event["entry_id"] for event in events})
    queries = {e["seq"]: _event_subject(e, subjects.get(e["entry_id"])) for e in events}
    report.events = len(events)
    for watchlist in watchlists:
        index = _watch_index(session, watchlist.id)
        with atomic(session):
            for event in events:
                subject = queries[event["seq"]]
                if event["seq"] <= watchlist.last_seq or subject is None:
                    continue
                matches = index.matches(subject)
                if not matches:
                    continue
                items = {
                    item.id: item
                    for item in session.scalars(
                        select(WatchlistItem).where(
                            WatchlistItem.id.in_([m.item_id for m in matches])
                        )
                    )
                }
                session.add(
                    WebhookDelivery(
                        watchlist_id=watchlist.id,
                        event_seq=event["seq"],
                        payload=_payload(watchlist.id, event, matches, items),
                        status="pending",
                        attempts=0,
                        next_attempt_at=utcnow(),
                        created_at=utcnow(),
                    )
                )
                report.deliveries += 1
            watchlist.last_seq = tree_size - 1
        report.watchlists += 1
    return report
