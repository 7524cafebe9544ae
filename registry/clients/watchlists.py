"""Watchlists of API clients: create, read, delete, bulk items, and the delivery log.

Every function takes the id of the API key acting; a watchlist belonging to another key is
reported as not found, so a client cannot even learn that it exists. A new watchlist watches
from the current end of the log: it is told about changes after it was created.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from registry.clients.egress import EgressPolicy
from registry.clients.watch_items import check_upload_size, check_webhook_url
from registry.errors import Conflict, InvalidValue, NotFound
from registry.models import Watchlist, WatchlistItem, WebhookDelivery, utcnow
from registry.publication.events import log_size
from registry.subjects.records import clean_text
from registry.transaction import atomic

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret
DELIVERY_STATUSES = ("pending", "delivered", "failed")
MAX_PAGE = 1000
# Rows per INSERT statement: large enough to be fast, small enough for every driver's limits.
INSERT_BATCH = 5000

# The most active watchlists one API key may hold (REGISTRY_MAX_WATCHLISTS_PER_KEY).
DEFAULT_MAX_WATCHLISTS = 20


@dataclass(frozen=True)
class CreatedWatchlist:
    """A new watchlist and its webhook secret, shown to the client this once."""

    watchlist: Watchlist
    secret: str


def create_watchlist(
    session: Session,
    api_key_id: int,
    name: str,
    webhook_url: str,
    policy: EgressPolicy,
    most: int = DEFAULT_MAX_WATCHLISTS,
) -> CreatedWatchlist:
    """Create a watchlist that reports changes after now to `webhook_url`; `most` per key."""
    name = clean_text(name if isinstance(name, str) else "", "name", 100, required=True)
    url = check_webhook_url(webhook_url, policy)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with atomic(session):
        held = session.scalar(
            select(func.count())
            .select_from(Watchlist)
            .where(Watchlist.api_key_id == api_key_id, Watchlist.active)
        )
        if (held or 0) >= most:
            raise Conflict(
                "this API key already has %(held)s watchlists, the most allowed; delete one "
                "before creating another",
                held=held,
            )
        watchlist = Watchlist(
            api_key_id=api_key_id,
            name=name,
            webhook_url=url,
            webhook_secret=secret,
            last_seq=log_size(session) - 1,
            active=True,
            created_at=utcnow(),
        )
        session.add(watchlist)
    return CreatedWatchlist(watchlist, secret)


def list_watchlists(session: Session, api_key_id: int) -> list[Watchlist]:
    """The key's watchlists, oldest first."""
    query = select(Watchlist).where(Watchlist.api_key_id == api_key_id).order_by(Watchlist.id)
    return list(session.scalars(query))


def get_watchlist(session: Session, api_key_id: int, watchlist_id: int) -> Watchlist:
    """The key's watchlist, or NotFound (also when another key owns it)."""
    watchlist = session.get(Watchlist, watchlist_id)
    if watchlist is None or watchlist.api_key_id != api_key_id:
        raise NotFound(
            "watchlist %(watchlist_id)s does not exist",
            watchlist_id=watchlist_id,
        )
    return watchlist


def delete_watchlist(session: Session, api_key_id: int, watchlist_id: int) -> None:
    """Delete a watchlist with its items and delivery log."""
    with atomic(session):
        get_watchlist(session, api_key_id, watchlist_id)
        # Bulk deletes: the ORM cascade would load 100,000 items one object at a time.
        session.execute(delete(WatchlistItem).where(WatchlistItem.watchlist_id == watchlist_id))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.watchlist_id == watchlist_id))
        session.execute(delete(Watchlist).where(Watchlist.id == watchlist_id))


def item_count(session: Session, watchlist_id: int) -> int:
    """How many items a watchlist holds."""
    query = select(func.count()).where(WatchlistItem.watchlist_id == watchlist_id)
    return int(session.scalar(query) or 0)


def add_items(
    session: Session, api_key_id: int, watchlist_id: int, items: Sequence[dict[str, Any]]
) -> int:
    """Add validated items (from `registry.watch`) in one transaction; return the new total."""
    with atomic(session):
        get_watchlist(session, api_key_id, watchlist_id)
        existing = item_count(session, watchlist_id)
        check_upload_size(len(items), existing)
        rows = [item | {"watchlist_id": watchlist_id} for item in items]
        for start in range(0, len(rows), INSERT_BATCH):
            session.execute(insert(WatchlistItem), rows[start : start + INSERT_BATCH])
    return existing + len(items)


def _page(limit: int, after_id: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(
            "limit",
            "must be a whole number from 1 to %(MAX_PAGE)s",
            MAX_PAGE=MAX_PAGE,
        )
    if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
        raise InvalidValue("after_id", "must be 0 or the id of the last item of the previous page")


def list_items(
    session: Session, api_key_id: int, watchlist_id: int, after_id: int = 0, limit: int = 100
) -> list[WatchlistItem]:
    """Items with id > `after_id`, by id (keyset pages stay fast deep into large lists)."""
    _page(limit, after_id)
    get_watchlist(session, api_key_id, watchlist_id)
    query = (
        select(WatchlistItem)
        .where(WatchlistItem.watchlist_id == watchlist_id, WatchlistItem.id > after_id)
        .order_by(WatchlistItem.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def delete_item(session: Session, api_key_id: int, watchlist_id: int, item_id: int) -> None:
    """Remove one item from a watchlist."""
    with atomic(session):
        get_watchlist(session, api_key_id, watchlist_id)
        item = session.get(WatchlistItem, item_id)
        if item is None or item.watchlist_id != watchlist_id:
            raise NotFound(
                "item %(item_id)s is not on watchlist %(watchlist_id)s",
                item_id=item_id,
                watchlist_id=watchlist_id,
            )
        session.delete(item)


def list_deliveries(
    session: Session,
    api_key_id: int,
    watchlist_id: int,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """The watchlist's deliveries with id > `after_id`, oldest first, optionally by status."""
    _page(limit, after_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidValue(
            "status",
            "must be one of %(expected)s",
            expected=", ".join(DELIVERY_STATUSES),
        )
    get_watchlist(session, api_key_id, watchlist_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.watchlist_id == watchlist_id, WebhookDelivery.id > after_id)
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.scalars(query))


def replay_delivery(
    session: Session, api_key_id: int, watchlist_id: int, delivery_id: int
) -> WebhookDelivery:
    """Queue a delivery to be sent again at the next delivery round, with fresh retries."""
    with atomic(session):
        get_watchlist(session, api_key_id, watchlist_id)
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.watchlist_id != watchlist_id:
            raise NotFound(
                "delivery %(delivery_id)s does not belong to watchlist %(watchlist_id)s",
                delivery_id=delivery_id,
                watchlist_id=watchlist_id,
            )
        delivery.status = "pending"
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
    return delivery
