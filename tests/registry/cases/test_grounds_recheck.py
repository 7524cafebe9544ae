"""Issue #17, corrections: a corrected case re-runs the grounds check on every live listing
resting on it; a ground that no longer holds stops a proposal or flags a published entry."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import clock
from registry.cases.corrections import correct_case
from registry.listings.policy import Policy
from registry.models import AuditRecord, Listing, Subject
from registry.publication.public_view import removal_pending
from runtime.signing_keys import key_store
from tests import builders


def _repeat_listing(app: Flask, session: Session, state: str) -> tuple[Listing, dict, Policy]:
    team = builders.actors(session)
    policy = Policy.from_settings(app.config["REGISTRY"])
    listing = builders.listing(
        session, state=state, ground="repeat_infringement", policy=policy, team=team
    )
    return listing, team, policy


def _break_repetition(session: Session, listing: Listing, team: dict, policy: Policy) -> None:
    # The earlier finding took effect after the later act began: no repetition is left.
    first, second = sorted(listing.cases, key=lambda c: c.decided_on)
    assert second.act_start is not None
    correct_case(
        session,
        team["reviewer"],
        key_store(),
        first.id,
        "effective date misread",
        effective_on=second.act_start + dt.timedelta(days=1),
        policy=policy,
    )


def _actions(session: Session, listing: Listing) -> list[str]:
    return list(
        session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.object_type == "listing", AuditRecord.object_id == str(listing.id))
            .order_by(AuditRecord.seq)
        )
    )


def test_a_published_entry_whose_ground_fails_after_a_correction_gets_its_removal_due(
    app: Flask, session: Session
) -> None:
    listing, team, policy = _repeat_listing(app, session, "published")
    _break_repetition(session, listing, team, policy)
    today = clock.beijing_today()
    assert listing.state == "published"
    assert listing.review_flag is not None
    assert "repeat_infringement" in listing.review_flag
    (removal,) = [r for r in listing.requests if r.kind == "removal"]
    assert removal.decision is None and removal.text.startswith("error: ")
    assert removal.decision_due == policy.calendar.add_working_days(
        today, policy.periods.revocation_removal_working_days
    )
    assert removal_pending(session, [listing.entry_id], today)[listing.entry_id]["reason"] == (
        "error"
    )
    assert _actions(session, listing)[-2:] == ["listing.flag", "listing.remove.propose"]


def test_the_entries_api_reports_the_pending_removal(app: Flask, session: Session) -> None:
    listing, team, policy = _repeat_listing(app, session, "published")
    _break_repetition(session, listing, team, policy)
    detail = app.test_client().get(f"/api/v1/entries/{listing.entry_id}").get_json()
    assert detail["status"] == "published"
    assert detail["removal_pending"]["note"] == (
        f"removal pending — listed in error on {clock.beijing_today().isoformat()}"
    )


def test_a_proposal_whose_ground_fails_after_a_correction_is_stopped(
    app: Flask, session: Session
) -> None:
    for state, ended in (("notified", "withdrawn"), ("under_review", "rejected")):
        listing, team, policy = _repeat_listing(app, session, state)
        _break_repetition(session, listing, team, policy)
        assert (listing.state, listing.end_reason) == (ended, "basis_corrected")
        assert listing.ended_on == clock.beijing_today()
        assert listing.review_flag is not None
        assert _actions(session, listing)[-2:] == ["listing.flag", "listing.stop"]


def test_a_correction_that_leaves_the_grounds_holding_flags_nothing(
    app: Flask, session: Session
) -> None:
    listing, team, policy = _repeat_listing(app, session, "published")
    first = min(listing.cases, key=lambda c: c.decided_on)
    assert first.effective_on is not None
    correct_case(
        session,
        team["reviewer"],
        key_store(),
        first.id,
        "one day later",
        effective_on=first.effective_on + dt.timedelta(days=1),
        policy=policy,
    )
    assert listing.review_flag is None
    assert not [r for r in listing.requests if r.kind == "removal"]


def _refusal_listing(app: Flask, session: Session, state: str) -> tuple[Listing, dict, Policy]:
    team = builders.actors(session)
    policy = Policy.from_settings(app.config["REGISTRY"])
    number = session.scalar(select(func.count(Subject.id))) or 0
    company = builders.enterprise(session, number=number)
    effective = builders.DECIDED + dt.timedelta(days=30)
    builders.case(
        session,
        company.id,
        performance_deadline=effective + dt.timedelta(days=15),
        performance_status="refused",
    )
    listing = builders.listing(
        session,
        state=state,
        subject_id=company.id,
        ground="refusal_to_perform",
        policy=policy,
        team=team,
    )
    return listing, team, policy


def _performance(
    session: Session, listing: Listing, team: dict, policy: Policy, status: str
) -> None:
    correct_case(
        session,
        team["reviewer"],
        key_store(),
        listing.cases[0].id,
        "performance record corrected",
        performance_status=status,
        policy=policy,
    )


def test_a_refusal_recorded_in_error_stops_the_proposal_and_flags_the_entry(
    app: Flask, session: Session
) -> None:
    proposal, team, policy = _refusal_listing(app, session, "approved")
    _performance(session, proposal, team, policy, "pending")
    assert (proposal.state, proposal.end_reason) == ("rejected", "basis_corrected")

    entry, team, policy = _refusal_listing(app, session, "published")
    _performance(session, entry, team, policy, "pending")
    assert entry.state == "published" and entry.review_flag is not None
    assert [r.text.split(":")[0] for r in entry.requests if r.kind == "removal"] == ["error"]


def test_performance_recorded_after_listing_flags_the_entry_for_restoration_only(
    app: Flask, session: Session
) -> None:
    listing, team, policy = _refusal_listing(app, session, "published")
    _performance(session, listing, team, policy, "performed")
    # No date of performance is recorded: restoration decides, not a removal for error.
    assert listing.state == "published"
    assert listing.review_flag is not None and "refusal_to_perform" in listing.review_flag
    assert not [r for r in listing.requests if r.kind == "removal"]
    assert _actions(session, listing)[-1] == "listing.flag"

    proposal, team, policy = _refusal_listing(app, session, "notified")
    _performance(session, proposal, team, policy, "performed")
    assert (proposal.state, proposal.end_reason) == ("withdrawn", "basis_corrected")
