"""The admin read model of listings: lists, counts per state, details and requests."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from registry.errors import InvalidValue, NotFound
from registry.listings.queries import (
    count_by_state,
    get_listing,
    list_listings,
    request_view,
)
from registry.models import Listing, ListingRequest, Subject

PROPOSED = dt.date(2026, 1, 5)


def _listings(session: Session, *states: str) -> list[Listing]:
    """Listings of one subject in `states`, stored as they are (the queries only read)."""
    subject = Subject(kind="legal_person", name="Acme Ltd")
    session.add(subject)
    session.flush()
    listings = [Listing(subject_id=subject.id, state=s, proposed_on=PROPOSED) for s in states]
    session.add_all(listings)
    session.commit()
    return listings


def test_listings_are_counted_per_state_leaving_out_empty_states(bare_session: Session) -> None:
    assert count_by_state(bare_session) == {}
    _listings(bare_session, "draft", "published", "draft", "removed")
    assert count_by_state(bare_session) == {"draft": 2, "published": 1, "removed": 1}


def test_listings_are_listed_newest_first_and_filtered_by_state(bare_session: Session) -> None:
    draft, published, later_draft = _listings(bare_session, "draft", "published", "draft")

    assert list_listings(bare_session, None, None, 10, 0) == [later_draft, published, draft]
    assert list_listings(bare_session, "draft", None, 10, 0) == [later_draft, draft]
    assert list_listings(bare_session, None, draft.subject_id, 1, 1) == [published]
    with pytest.raises(InvalidValue, match="unknown state 'live'") as refused:
        list_listings(bare_session, "live", None, 10, 0)
    assert refused.value.field == "state"


def test_a_missing_listing_is_not_found(bare_session: Session) -> None:
    (listing,) = _listings(bare_session, "draft")
    assert get_listing(bare_session, listing.id) is listing
    with pytest.raises(NotFound, match=f"listing {listing.id + 1} does not exist"):
        get_listing(bare_session, listing.id + 1)


def test_an_open_request_shows_how_its_deadline_stands() -> None:
    request = ListingRequest(
        id=7,
        listing_id=3,
        kind="objection",
        lodged_on=PROPOSED,
        decision_due=dt.date(2026, 2, 2),
        text="not us",
    )
    assert request_view(request, dt.date(2026, 1, 31))["deadline_status"] == "near"
    assert request_view(request, dt.date(2026, 2, 3))["deadline_status"] == "missed"
    request.decision_due = None
    assert request_view(request, dt.date(2026, 2, 3))["deadline_status"] is None
