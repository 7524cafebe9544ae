"""The due-process lifecycle, walked end to end through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import SYSTEM, Actor
from registry.audit import trail as audit
from registry.canonical import sha256_hex
from registry.cases import records as cases
from registry.cases.corrections import correct_case
from registry.errors import Forbidden, InvalidTransition, InvalidValue
from registry.listings import (
    grounds,
    workflow,
)
from registry.listings import (
    published as published_listings,
)
from registry.listings import (
    requests as listing_requests,
)
from registry.listings.policy import Policy
from registry.models import EntryRevision, Listing, LogEvent
from registry.signing.signatures import verify_entry
from runtime.signing_keys import key_store
from tests import builders

SetToday = Callable[[dt.date], None]

NUMBER = "演示知信〔2026〕1号"  # the decision document number entered on approval
D = dt.date


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def _published(session: Session, policy: Policy) -> tuple[Listing, dict[str, Actor]]:
    """A listing approved and published in autumn 2026; returns it and the actors."""
    actors = builders.actors(session)
    listing = builders.listing(session, state="published", policy=policy, team=actors)
    assert listing.listed_on == D(2026, 10, 20)
    return listing, actors


def test_subject_walks_from_cases_to_expiry(
    app: Flask, session: Session, policy: Policy, set_today: SetToday
) -> None:
    actors = builders.actors(session)
    clerk, rev1 = actors["clerk"], actors["reviewer"]
    subject_id = builders.deliberate_subject(session).id

    set_today(D(2026, 9, 25))
    evaluation = grounds.evaluate_subject(session, subject_id, D(2026, 9, 25), policy)
    deliberate = evaluation.grounds["deliberate_infringement"]
    assert deliberate.holds and "(2025)粤03民初1号" in deliberate.explanation
    assert not evaluation.grounds["repeat_infringement"].holds
    with pytest.raises(InvalidValue, match="repeat_infringement does not hold"):
        workflow.propose(
            session, clerk, policy, subject_id, ["repeat_infringement"], D(2026, 9, 25)
        )

    listing = workflow.propose(
        session, clerk, policy, subject_id, ["deliberate_infringement"], D(2026, 9, 25)
    )
    assert listing.state == "draft"
    assert listing.grounds[0]["explanation"] == deliberate.explanation

    # Served on Monday 28 September: National Day (1-7 October) does not count, and
    # Saturday 10 October is a make-up working day, so ten working days end on 16 October.
    set_today(D(2026, 9, 28))
    workflow.notify(session, clerk, policy, listing.id, D(2026, 9, 28))
    assert listing.defence_deadline == D(2026, 10, 16)
    set_today(D(2026, 10, 17))
    with pytest.raises(InvalidTransition, match="defence period runs until 2026-10-16"):
        workflow.start_review(session, clerk, listing.id, D(2026, 10, 16))
    workflow.start_review(session, clerk, listing.id, D(2026, 10, 17))
    assert listing.state == "under_review"

    set_today(D(2026, 10, 19))
    with pytest.raises(Forbidden):
        workflow.approve(session, clerk, policy, listing.id, D(2026, 10, 19), "clerk tries", NUMBER)
    workflow.approve(
        session, rev1, policy, listing.id, D(2026, 10, 19), "grounds confirmed", NUMBER
    )
    assert listing.state == "approved"

    set_today(D(2026, 10, 20))
    keys = key_store(app)
    workflow.publish_approved(session, SYSTEM, keys, policy, listing.id, D(2026, 10, 20))
    assert listing.state == "published"
    assert listing.entry_id == "IPL-2026-000001"
    assert listing.period_end == D(2029, 10, 20)
    revision = session.scalars(select(EntryRevision)).one()
    verify_entry(revision.bundle, keys.public_keys())
    assert revision.content_sha256 == sha256_hex(revision.bundle["entry"])
    listed = session.scalars(select(LogEvent)).one()
    assert (listed.seq, listed.event, listed.entry_id) == (0, "listed", "IPL-2026-000001")

    # 20 October 2029 is the last day listed; the entry expires when 21 October starts.
    with pytest.raises(InvalidTransition, match="period runs until 2029-10-20 inclusive"):
        published_listings.expire(session, SYSTEM, listing.id, D(2029, 10, 20))
    assert published_listings.due_for_expiry(session, D(2029, 10, 20)) == []
    assert published_listings.due_for_expiry(session, D(2029, 10, 21)) == [listing.id]
    published_listings.expire(session, SYSTEM, listing.id, D(2029, 10, 21))
    assert listing.state == "expired"
    removed = session.scalars(select(LogEvent).where(LogEvent.seq == 1)).one()
    assert (removed.event, removed.reason) == ("removed", "expired")

    actions = [r.action for r in session.scalars(select(audit.AuditRecord))]
    for action in (
        "listing.propose",
        "listing.notify",
        "listing.review",
        "listing.approve",
        "listing.publish",
        "listing.expire",
    ):
        assert action in actions
    assert audit.verify_chain(session).intact


# A restoration application meeting the configured conditions (registry.listings.restoration).
RESTORATION = {"performance_evidence": "bank receipt 42", "credit_commitment": "letter 7"}


def _performed(session: Session, listing: Listing, reviewer: Actor) -> None:
    for case in listing.cases:
        correct_case(
            session, reviewer, key_store(), case.id, "paid", performance_status="performed"
        )


def test_early_removal_by_credit_restoration_needs_two_reviewers(
    app: Flask, session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing, actors = _published(session, policy)
    keys = key_store(app)
    rev1, rev2 = actors["reviewer"], actors["reviewer2"]
    set_today(D(2027, 10, 19))
    with pytest.raises(InvalidTransition, match="from 2027-10-20"):
        listing_requests.lodge_request(
            session,
            actors["clerk"],
            policy,
            listing.id,
            "restoration",
            D(2027, 10, 19),
            "performed in full",
        )
    set_today(D(2027, 10, 20))
    request = listing_requests.lodge_request(
        session,
        actors["clerk"],
        policy,
        listing.id,
        "restoration",
        D(2027, 10, 20),
        "performed in full",
        **RESTORATION,
    )
    _performed(session, listing, rev1)
    assert request.decision_due == D(2027, 11, 4)
    set_today(D(2027, 10, 24))
    with pytest.raises(InvalidTransition, match="no accepted credit-restoration"):
        published_listings.remove(
            session, rev1, keys, listing.id, "credit_restored", D(2027, 10, 21), "early"
        )
    listing_requests.decide_request(
        session, rev1, request.id, True, D(2027, 10, 22), "verified", policy
    )
    published_listings.remove(
        session, rev1, keys, listing.id, "credit_restored", D(2027, 10, 23), "restored"
    )
    assert listing.state == "published"
    with pytest.raises(InvalidTransition, match="second, different reviewer"):
        published_listings.remove(
            session, rev1, keys, listing.id, "credit_restored", D(2027, 10, 23), "again"
        )
    published_listings.remove(
        session, rev2, keys, listing.id, "credit_restored", D(2027, 10, 24), "confirmed"
    )
    assert (listing.state, listing.end_reason) == ("removed", "credit_restored")
    last = session.scalars(select(LogEvent).order_by(LogEvent.seq.desc())).first()
    assert (last.event, last.reason) == ("removed", "credit_restored")


def test_a_reviewer_cannot_accept_a_restoration_they_recorded(
    app: Flask, session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing, actors = _published(session, policy)
    set_today(D(2027, 10, 20))
    request = listing_requests.lodge_request(
        session,
        actors["clerk"],
        policy,
        listing.id,
        "restoration",
        D(2027, 10, 20),
        "paid",
        **RESTORATION,
    )
    _performed(session, listing, actors["reviewer"])
    set_today(D(2027, 10, 21))
    # The clerk who recorded it has since been made a reviewer: same user, new role.
    promoted = Actor(name="clerk", role="reviewer", user_id=actors["clerk"].user_id)
    with pytest.raises(InvalidTransition, match="cannot decide a request they recorded"):
        listing_requests.decide_request(session, promoted, request.id, True, D(2027, 10, 21), "ok")
    listing_requests.decide_request(
        session, actors["reviewer"], request.id, True, D(2027, 10, 21), "verified", policy
    )
    assert request.decision == "accepted"


def test_amendment_is_a_new_signed_revision(app: Flask, session: Session, policy: Policy) -> None:
    listing, actors = _published(session, policy)
    published_listings.amend(
        session,
        actors["reviewer2"],
        key_store(app),
        listing.id,
        "typo in remedy",
        remedy="Corrected remedy text.",
    )
    revisions = session.scalars(select(EntryRevision).order_by(EntryRevision.revision)).all()
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[1].bundle["entry"]["remedy"] == "Corrected remedy text."
    events = session.scalars(select(LogEvent).order_by(LogEvent.seq)).all()
    assert [(e.event, e.revision, e.reason) for e in events] == [
        ("listed", 1, None),
        ("amended", 2, "correction"),
    ]


def test_revoked_basis_and_invalid_patent_flag_the_listing(
    app: Flask, session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing, actors = _published(session, policy)
    case_id = listing.cases[0].id
    set_today(D(2026, 11, 2))
    flagged = cases.record_patent_invalidation(
        session, actors["reviewer"], builders.PATENT, "第12345号", D(2026, 11, 1), "whole"
    )
    assert [f.id for f in flagged] == [listing.id]
    assert "declared wholly invalid" in (listing.review_flag or "")
    assert listing.review_flag_zh == (
        f"专利{builders.PATENT}已由决定第12345号于2026-11-01宣告全部无效"
    )
    cases.revoke_case(session, actors["reviewer"], case_id, D(2026, 11, 2), "overturned on appeal")
    assert "revoked" in (listing.review_flag or "")
    document = listing.cases[0].document_number
    assert listing.review_flag_zh == f"基础案件{document}已于2026-11-02撤销：overturned on appeal"


def test_invalid_transitions_say_which_state(app: Flask, session: Session, policy: Policy) -> None:
    listing, actors = _published(session, policy)
    with pytest.raises(InvalidTransition) as caught:
        workflow.withdraw(session, actors["clerk"], listing.id, "late")
    assert "cannot withdraw a listing in state 'published'" in str(caught.value)
    with pytest.raises(InvalidTransition, match="approve"):
        workflow.approve(
            session, actors["reviewer2"], policy, listing.id, D(2026, 11, 1), "again", NUMBER
        )


def test_reviewer_cannot_decide_own_proposal(
    app: Flask, session: Session, policy: Policy, set_today: SetToday
) -> None:
    actors = builders.actors(session)
    listing = builders.listing(session, state="draft", policy=policy, team=actors)
    listing.proposed_by = actors["reviewer"].user_id  # as if rev1 had drafted it
    session.commit()
    set_today(D(2026, 9, 28))
    workflow.notify(session, actors["clerk"], policy, listing.id, D(2026, 9, 28))
    set_today(D(2026, 9, 30))
    listing_requests.lodge_request(
        session,
        actors["clerk"],
        policy,
        listing.id,
        "objection",
        D(2026, 9, 30),
        "the act was licensed",
    )
    assert listing.state == "under_review"
    set_today(D(2026, 10, 2))
    with pytest.raises(InvalidTransition, match="own proposal"):
        workflow.approve(
            session, actors["reviewer"], policy, listing.id, D(2026, 10, 2), "mine", NUMBER
        )
    with pytest.raises(InvalidTransition, match="objection #1 is not decided"):
        workflow.approve(
            session, actors["reviewer2"], policy, listing.id, D(2026, 10, 2), "ok", NUMBER
        )
    listing_requests.decide_request(
        session, actors["reviewer2"], 1, False, D(2026, 10, 2), "licence forged"
    )
    # The reviewer who dismissed the objection cannot also approve.
    with pytest.raises(InvalidTransition, match="another reviewer must approve"):
        workflow.approve(
            session, actors["reviewer2"], policy, listing.id, D(2026, 10, 2), "ok", NUMBER
        )
    assert listing.state == "under_review"
