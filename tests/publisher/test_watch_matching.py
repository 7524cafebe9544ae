"""Watch matching sees what the public sees: published identifiers only, never purged content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.watch_matching import match_new_events
from registry.actors import Actor
from registry.clients import watchlists
from registry.clients.api_keys import create_key
from registry.clients.egress import EgressPolicy
from registry.clients.watch_items import items_from_json
from registry.listings import published as published_listings
from registry.models import EntryRevision, Listing, SubjectIdentifier, WebhookDelivery, utcnow
from registry.publication.events import log_size
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import demo_app, demo_reviewers, published

INTERNAL = EgressPolicy(allow_internal=True)  # the test receivers listen on 127.0.0.1

ADMIN = Actor("admin", "admin")
UNPUBLISHED_USCC = "91350100M000100Y43"


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """A private copy of the demo registry."""
    yield from demo_app(tmp_path, demo_template)


def _watch_identifiers(session: Session, identifiers: list[SubjectIdentifier]) -> int:
    """A new watchlist holding each identifier, under unrelated names."""
    key_id = create_key(session, ADMIN, "Example Bank", ["watch"]).key.id
    created = watchlists.create_watchlist(
        session, key_id, "Suppliers", "http://127.0.0.1:9/hook", policy=INTERNAL
    )
    items = [
        {
            "name": f"Entirely Different Trading {number} Ltd",
            "identifiers": [
                {
                    "scheme": identifier.scheme,
                    "value": identifier.value,
                    "name": identifier.scheme_name or None,
                }
            ],
        }
        for number, identifier in enumerate(identifiers)
    ]
    watchlists.add_items(session, key_id, created.watchlist.id, items_from_json(items))
    return created.watchlist.id


def _remove(session: Session, listing: Listing) -> None:
    for reviewer in demo_reviewers(session):
        published_listings.remove(
            session, reviewer, key_store(), listing.id, "error", utcnow().date(), "in error"
        )


def _matched_entries(session: Session, watchlist_id: int) -> list[str]:
    deliveries = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.watchlist_id == watchlist_id)
    )
    return sorted(delivery.payload["event"]["entry_id"] for delivery in deliveries)


def test_events_of_purged_entries_are_never_matched(session: Session) -> None:
    kept, purged = published(session, "legal_person")[:2]
    watchlist_id = _watch_identifiers(
        session, [kept.subject.identifiers[0], purged.subject.identifiers[0]]
    )
    _remove(session, kept)
    _remove(session, purged)
    for revision in session.scalars(
        select(EntryRevision).where(EntryRevision.entry_id == purged.entry_id)
    ):
        revision.bundle = None
        revision.purged_at = utcnow()
    session.commit()

    match_new_events(session, log_size(session))
    assert _matched_entries(session, watchlist_id) == [kept.entry_id]


def test_only_identifiers_the_entry_published_can_match(session: Session) -> None:
    listing = published(session, "legal_person")[0]
    # Recorded after publication: the registry knows it, the signed entry never showed it.
    unpublished = SubjectIdentifier(
        subject_id=listing.subject_id, scheme="cn_uscc", value=UNPUBLISHED_USCC
    )
    session.add(unpublished)
    session.commit()
    watchlist_id = _watch_identifiers(session, [unpublished])
    _remove(session, listing)

    match_new_events(session, log_size(session))
    assert _matched_entries(session, watchlist_id) == []
