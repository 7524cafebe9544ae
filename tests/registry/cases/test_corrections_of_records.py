"""Issue #17, finding 10: subjects and cases are corrected with a reason, audited, and an edit
that changes published content publishes a new revision."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.audit import trail as audit
from registry.cases.corrections import correct_case, rename_subject
from registry.errors import Conflict, Forbidden, InvalidValue
from registry.listings.policy import Policy
from registry.models import AuditRecord, EntryRevision, Listing
from registry.signing.signatures import verify_entry
from runtime.signing_keys import key_store
from tests import builders

D = dt.date


@pytest.fixture
def published(app: Flask, session: Session) -> tuple[Listing, dict]:
    team = builders.actors(session)
    policy = Policy.from_settings(app.config["REGISTRY"])
    return builders.listing(session, state="published", policy=policy, team=team), team


def _latest(session: Session, listing: Listing) -> EntryRevision:
    found = session.scalars(
        select(EntryRevision)
        .where(EntryRevision.entry_id == listing.entry_id)
        .order_by(EntryRevision.revision.desc())
    ).first()
    assert found is not None
    return found


def _audits(session: Session, action: str) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_a_name_change_publishes_a_new_signed_revision_and_keeps_the_former_name(
    session: Session, published: tuple[Listing, dict]
) -> None:
    listing, team = published
    former = listing.subject.name
    revised = rename_subject(
        session, team["reviewer"], key_store(), listing.subject_id, "新名称科技有限公司", "renamed"
    )
    assert [r.id for r in revised] == [listing.id] and listing.revision == 2
    latest = _latest(session, listing)
    assert latest.revision == 2
    assert latest.bundle["entry"]["subject"]["name"] == "新名称科技有限公司"
    assert former in latest.bundle["entry"]["subject"]["aliases"]
    verify_entry(latest.bundle, key_store().public_keys())  # raises if the signature is wrong
    (record,) = _audits(session, "subject.correct")
    assert (record.before["name"], record.after["name"], record.reason) == (
        former,
        "新名称科技有限公司",
        "renamed",
    )
    assert audit.verify_chain(session).intact


def test_an_effective_date_correction_revises_the_entries_resting_on_the_case(
    session: Session, published: tuple[Listing, dict]
) -> None:
    listing, team = published
    case = listing.cases[0]
    corrected = case.decided_on + dt.timedelta(days=20)
    assert corrected != case.effective_on
    revised = correct_case(
        session, team["reviewer"], key_store(), case.id, "date misread", effective_on=corrected
    )
    assert [r.id for r in revised] == [listing.id]
    basis = _latest(session, listing).bundle["entry"]["basis"][0]
    assert basis["effective_on"] == corrected.isoformat()


def test_a_performance_status_correction_is_audited_without_a_new_revision(
    session: Session, published: tuple[Listing, dict]
) -> None:
    listing, team = published
    case = listing.cases[0]
    new_status = "performed" if case.performance_status != "performed" else "refused"
    assert (
        correct_case(
            session, team["reviewer"], key_store(), case.id, "paid", performance_status=new_status
        )
        == []
    )
    assert case.performance_status == new_status and listing.revision == 1
    (record,) = _audits(session, "case.correct")
    assert record.after["performance_status"] == new_status and record.reason == "paid"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"reason": ""}, "reason", "must not be empty"),
        ({}, "effective_on", "give the corrected effective_on or performance_status"),
        ({"performance_status": "maybe"}, "performance_status", "unknown status"),
        ({"effective_on": D(2099, 1, 1)}, "effective_on", "in the future"),
        ({"effective_on": D(2000, 1, 1)}, "effective_on", "before the decision"),
    ],
)
def test_a_bad_case_correction_names_the_field_and_changes_nothing(
    session: Session, published: tuple[Listing, dict], change: dict, field: str, rule: str
) -> None:
    listing, team = published
    case = listing.cases[0]
    before = (case.effective_on, case.performance_status, listing.revision)
    arguments = {"reason": "fix"} | change
    with pytest.raises(InvalidValue, match=rule) as refused:
        correct_case(session, team["reviewer"], key_store(), case.id, **arguments)
    assert refused.value.field == field
    session.refresh(case)
    assert (case.effective_on, case.performance_status, listing.revision) == before
    assert _audits(session, "case.correct") == []


def test_corrections_are_reserved_to_reviewers_and_refused_on_revoked_cases(
    session: Session, published: tuple[Listing, dict]
) -> None:
    listing, team = published
    with pytest.raises(Forbidden):
        rename_subject(session, team["clerk"], key_store(), listing.subject_id, "X公司", "x")
    with pytest.raises(InvalidValue, match="already the subject's name"):
        rename_subject(
            session, team["reviewer"], key_store(), listing.subject_id, listing.subject.name, "x"
        )
    case = listing.cases[0]
    case.revoked_on = D(2026, 11, 1)
    session.commit()
    with pytest.raises(Conflict, match="was revoked"):
        correct_case(
            session, team["reviewer"], key_store(), case.id, "x", performance_status="performed"
        )
    count = session.scalar(select(func.count()).select_from(EntryRevision))
    assert count == 1
