"""Issue #17, finding 10: an accepted correction is published as a new signed revision, on time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.errors import Conflict, InvalidValue
from registry.listings import published as published_listings
from registry.listings import requests as listing_requests
from registry.listings.policy import Policy
from registry.listings.queries import listing_deadlines, request_view
from registry.models import EntryRevision, Listing, ListingRequest
from runtime.signing_keys import key_store
from tests import builders

SetToday = Callable[[dt.date], None]
D = dt.date


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def _correction(
    session: Session, policy: Policy, listing: Listing, accepted: bool, team: dict
) -> ListingRequest:
    request = listing_requests.lodge_request(
        session,
        team["clerk"],
        policy,
        listing.id,
        "correction",
        D(2026, 10, 28),
        "The measures name a subsidy we never received.",
    )
    return listing_requests.decide_request(
        session, team["reviewer"], request.id, accepted, D(2026, 10, 28), "checked the file"
    )


def _revisions(session: Session, listing: Listing) -> int:
    return (
        session.scalar(select(func.count()).where(EntryRevision.entry_id == listing.entry_id)) or 0
    )


def test_an_accepted_correction_is_due_within_three_working_days_then_published(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    set_today(D(2026, 10, 28))
    request = _correction(session, policy, listing, True, team)
    # Decided on Wednesday 28 October: three working days end on Monday 2 November.
    due = {d["name"]: d["due"] for d in listing_deadlines(listing, policy, D(2026, 10, 28))}
    assert due[f"publish correction #{request.id} by"] == D(2026, 11, 2)
    assert request_view(request, D(2026, 10, 28))["publish_due"] == D(2026, 11, 2)

    published_listings.amend(
        session,
        team["reviewer2"],
        key_store(),
        listing.id,
        "correction accepted: subsidy measure removed",
        measures=["restricted access to government procurement"],
        correction_id=request.id,
    )
    assert listing.revision == 2 and _revisions(session, listing) == 2
    assert request.published_revision == 2
    assert request_view(request, D(2026, 10, 28))["publish_due"] is None
    names = [d["name"] for d in listing_deadlines(listing, policy, D(2026, 10, 28))]
    assert f"publish correction #{request.id} by" not in names


@pytest.mark.parametrize("case", ["refused", "undecided", "other listing", "published"])
def test_an_amendment_cites_only_an_accepted_unpublished_correction_of_its_listing(
    session: Session, policy: Policy, set_today: SetToday, case: str
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    set_today(D(2026, 10, 28))
    if case == "undecided":
        request = listing_requests.lodge_request(
            session, team["clerk"], policy, listing.id, "correction", D(2026, 10, 28), "typo"
        )
    else:
        request = _correction(session, policy, listing, case != "refused", team)
    target = listing
    if case == "other listing":
        target = builders.listing(session, state="published", policy=policy, team=team)
    if case == "published":
        published_listings.amend(
            session,
            team["reviewer2"],
            key_store(),
            listing.id,
            "fix",
            remedy="Fixed text.",
            correction_id=request.id,
        )
    revision = target.revision
    with pytest.raises(Conflict, match=f"correction #{request.id}"):
        published_listings.amend(
            session,
            team["reviewer2"],
            key_store(),
            target.id,
            "again",
            remedy="Other text.",
            correction_id=request.id,
        )
    session.refresh(target)
    assert target.revision == revision


def test_an_amendment_must_change_published_content(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    with pytest.raises(InvalidValue, match="changes nothing") as refused:
        published_listings.amend(
            session, team["reviewer"], key_store(), listing.id, "no-op", remedy=listing.remedy
        )
    assert refused.value.field == "remedy"
    session.refresh(listing)
    assert listing.revision == 1
