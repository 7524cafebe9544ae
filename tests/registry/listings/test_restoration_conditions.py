"""Issue #17, finding 11: restoration checks every configured condition, not only the time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.cases.corrections import correct_case
from registry.errors import Conflict, InvalidValue
from registry.listings import requests as listing_requests
from registry.listings.policy import Policy
from registry.listings.queries import request_view
from registry.listings.restoration import parse_conditions
from registry.models import Listing, ListingRequest
from runtime.signing_keys import key_store
from tests import builders

SetToday = Callable[[dt.date], None]
D = dt.date
ONE_YEAR_ON = D(2027, 10, 20)


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def _apply(
    session: Session, policy: Policy, listing: Listing, team: dict, **details: str
) -> ListingRequest:
    return listing_requests.lodge_request(
        session,
        team["clerk"],
        policy,
        listing.id,
        "restoration",
        ONE_YEAR_ON,
        "The decisions have been performed.",
        **details,
    )


def _conditions(request: ListingRequest, policy: Policy) -> dict[str, bool]:
    return {c["code"]: c["met"] for c in request_view(request, ONE_YEAR_ON, policy)["conditions"]}


def test_each_condition_is_checked_shown_and_holds_the_grant_until_met(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    set_today(ONE_YEAR_ON)
    bare = _apply(session, policy, listing, team)
    assert _conditions(bare, policy) == {
        "obligations_performed": False,
        "credit_commitment": False,
        "no_new_case": True,
    }
    with pytest.raises(Conflict, match=r"obligations_performed .*credit_commitment"):
        listing_requests.decide_request(
            session, team["reviewer"], bare.id, True, ONE_YEAR_ON, "ok", policy
        )
    assert bare.decision is None
    # Refusing needs no condition.
    listing_requests.decide_request(
        session, team["reviewer"], bare.id, False, ONE_YEAR_ON, "not performed", policy
    )

    complete = _apply(
        session,
        policy,
        listing,
        team,
        performance_evidence="bank transfer 2027-09-30, receipt 123",
        credit_commitment="commitment letter 2027-10-18",
    )
    assert _conditions(complete, policy)["obligations_performed"] is False  # cases pending
    for case in listing.cases:
        correct_case(
            session, team["reviewer"], key_store(), case.id, "paid", performance_status="performed"
        )
    assert all(_conditions(complete, policy).values())
    granted = listing_requests.decide_request(
        session, team["reviewer"], complete.id, True, ONE_YEAR_ON, "conditions met", policy
    )
    assert granted.decision == "accepted"


def test_a_new_case_since_the_listing_blocks_restoration(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    builders.case(
        session,
        listing.subject_id,
        document_number="(2027)新案1号",
        decided_on=D(2027, 3, 1),
    )
    set_today(ONE_YEAR_ON)
    request = _apply(session, policy, listing, team)
    checks = request_view(request, ONE_YEAR_ON, policy)["conditions"]
    new_case = next(c for c in checks if c["code"] == "no_new_case")
    assert not new_case["met"] and "(2027)新案1号" in new_case["detail"]


def test_the_conditions_come_from_configuration(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    set_today(ONE_YEAR_ON)
    only_commitment = dataclasses.replace(
        policy, restoration_conditions=parse_conditions("credit_commitment")
    )
    request = _apply(session, policy, listing, team, credit_commitment="letter 7")
    assert _conditions(request, only_commitment) == {"credit_commitment": True}
    listing_requests.decide_request(
        session, team["reviewer"], request.id, True, ONE_YEAR_ON, "ok", only_commitment
    )
    assert request.decision == "accepted"
    with pytest.raises(InvalidValue, match="unknown condition good_mood"):
        parse_conditions("credit_commitment, good_mood")


def test_restoration_details_belong_to_restoration_applications_only(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=team)
    set_today(D(2026, 10, 28))
    with pytest.raises(InvalidValue, match="only with a credit-restoration") as refused:
        listing_requests.lodge_request(
            session,
            team["clerk"],
            policy,
            listing.id,
            "correction",
            D(2026, 10, 28),
            "typo",
            credit_commitment="letter",
        )
    assert refused.value.field == "credit_commitment"
    assert listing.requests == []
