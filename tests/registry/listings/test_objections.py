"""Issue #17, finding 7: an objection holds the proposal until it is decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit.trail import AuditRecord
from registry.errors import InvalidTransition
from registry.listings import requests as listing_requests
from registry.listings import workflow
from registry.listings.policy import Policy
from tests import builders

NUMBER = "演示知信〔2026〕1号"  # the decision document number entered on approval
D = dt.date
SetToday = Callable[[dt.date], None]


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def _objected(session: Session, policy: Policy) -> tuple[int, int]:
    listing = builders.listing(
        session, state="under_review", objection="the act was licensed", policy=policy
    )
    return listing.id, listing.requests[0].id


def test_a_pending_objection_holds_the_proposal_past_the_defence_period(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing_id, request_id = _objected(session, policy)
    listing = workflow.load_listing(session, listing_id)
    assert listing.defence_deadline is not None
    request = listing.requests[0]
    assert request.decision_due == D(2026, 10, 13)  # served 28 September, 15 days
    after = listing.defence_deadline + dt.timedelta(days=5)
    set_today(after)
    reviewer = builders.actors(session)["reviewer"]
    with pytest.raises(InvalidTransition, match=f"objection #{request_id} is not decided yet"):
        workflow.approve(session, reviewer, policy, listing_id, after, "period is over", NUMBER)
    assert listing.state == "under_review"


def test_an_upheld_objection_ends_the_proposal(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing_id, request_id = _objected(session, policy)
    set_today(D(2026, 10, 5))
    team = builders.actors(session)
    request = listing_requests.decide_request(
        session, team["reviewer"], request_id, True, D(2026, 10, 5), "the licence is genuine"
    )
    listing = request.listing
    assert (listing.state, request.decision) == ("rejected", "accepted")
    record = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "request.decide.objection")
    ).one()
    assert record.reason == "the licence is genuine"
    assert (record.before or {})["state"] == "under_review"
    assert (record.after or {})["state"] == "rejected"
    with pytest.raises(InvalidTransition, match="only possible from under_review"):
        workflow.approve(
            session, team["reviewer2"], policy, listing_id, D(2026, 10, 5), "ok", NUMBER
        )


def test_a_dismissed_objection_lets_another_reviewer_approve(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing_id, request_id = _objected(session, policy)
    set_today(D(2026, 10, 5))
    team = builders.actors(session)
    listing_requests.decide_request(
        session, team["reviewer"], request_id, False, D(2026, 10, 5), "licence forged"
    )
    with pytest.raises(InvalidTransition, match="another reviewer must approve"):
        workflow.approve(
            session, team["reviewer"], policy, listing_id, D(2026, 10, 5), "ok", NUMBER
        )
    # The objection moved it to review early; approval still waits for the defence period.
    with pytest.raises(InvalidTransition, match="defence period runs until 2026-10-16"):
        workflow.approve(
            session, team["reviewer2"], policy, listing_id, D(2026, 10, 5), "ok", NUMBER
        )
    set_today(D(2026, 10, 17))
    approved = workflow.approve(
        session,
        team["reviewer2"],
        policy,
        listing_id,
        D(2026, 10, 17),
        "grounds made out",
        "演示知信〔2026〕5号",
    )
    assert approved.state == "approved"
