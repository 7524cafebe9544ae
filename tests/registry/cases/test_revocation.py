"""Issue #17, finding 9: revoking a case stops every listing resting on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.cases import records as cases
from registry.errors import Forbidden, InvalidTransition
from registry.listings import published as published_listings
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import Listing
from registry.publication.public_view import PendingRemoval, pending_removals
from runtime.signing_keys import key_store
from tests import builders

SetToday = Callable[[dt.date], None]


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


@pytest.mark.parametrize(
    ("state", "stopped"),
    [
        ("draft", "withdrawn"),
        ("notified", "withdrawn"),
        ("under_review", "rejected"),
        ("approved", "rejected"),
    ],
)
def test_a_proposal_on_a_revoked_case_is_stopped(
    session: Session, policy: Policy, set_today: SetToday, state: str, stopped: str
) -> None:
    listing = builders.listing(session, state=state, policy=policy)
    team = builders.actors(session)
    set_today(dt.date(2026, 11, 2))
    with pytest.raises(Forbidden):
        cases.revoke_case(session, team["clerk"], listing.cases[0].id, dt.date(2026, 11, 2), "x")
    flagged = cases.revoke_case(
        session,
        team["reviewer"],
        listing.cases[0].id,
        dt.date(2026, 11, 2),
        "overturned",
        policy=policy,
    )
    assert [f.id for f in flagged] == [listing.id]
    assert (listing.state, listing.end_reason) == (stopped, "basis_revoked")


def test_a_published_listing_gets_a_removal_due_in_three_working_days(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing = builders.listing(session, state="published", policy=policy)
    team = builders.actors(session)
    # Friday 30 October 2026: three working days end on Wednesday 4 November.
    set_today(dt.date(2026, 10, 30))
    cases.revoke_case(
        session,
        team["reviewer"],
        listing.cases[0].id,
        dt.date(2026, 10, 30),
        "overturned",
        policy=policy,
    )
    removal = next(r for r in listing.requests if r.kind == "removal")
    assert removal.decision_due == dt.date(2026, 11, 4)
    assert listing.state == "published" and listing.review_flag
    assert listing.entry_id is not None
    # The public read model knows the removal is pending from the moment of revocation.
    assert pending_removals(session, [listing.entry_id]) == {
        listing.entry_id: PendingRemoval(dt.date(2026, 10, 30), "basis_revoked")
    }
    # The revoking reviewer proposed the removal; a second reviewer confirms it.
    keys = key_store()
    with pytest.raises(InvalidTransition, match="second, different reviewer"):
        published_listings.remove(
            session, team["reviewer"], keys, listing.id, "basis_revoked", dt.date(2026, 10, 30), "x"
        )
    published_listings.remove(
        session, team["reviewer2"], keys, listing.id, "basis_revoked", dt.date(2026, 10, 30), "ok"
    )
    assert (listing.state, listing.end_reason) == ("removed", "basis_revoked")
    deadlines = [r for r in listing.requests if r.kind == "removal"]
    assert deadlines[0].decision == "accepted"


def test_a_proposal_dated_before_a_revocation_cannot_rest_on_the_revoked_case(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    # Found by the procedure state machine: revoke today, then propose "two days ago".
    team = builders.actors(session)
    subject = builders.deliberate_subject(session)
    set_today(dt.date(2026, 11, 4))
    cases.revoke_case(
        session,
        team["reviewer"],
        subject.cases[0].id,
        dt.date(2026, 11, 4),
        "overturned",
        policy=policy,
    )
    with pytest.raises(InvalidTransition, match="was revoked on 2026-11-04"):
        workflow.propose(
            session,
            team["clerk"],
            policy,
            subject.id,
            ["deliberate_infringement"],
            dt.date(2026, 11, 2),
            case_ids=[subject.cases[0].id],
        )
    assert session.scalars(select(Listing).where(Listing.subject_id == subject.id)).all() == []
