"""Finding 12: the listing decision is the configured authority's, with the number it issued."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.errors import Conflict, InvalidValue
from registry.listings import workflow
from registry.listings.authority import DecisionAuthority
from registry.listings.policy import Policy
from registry.models import Listing
from tests import builders

SetToday = Callable[[dt.date], None]
D = dt.date

CITY_BUREAU = DecisionAuthority(
    name="测试市市场监督管理局",
    code="TEST-AMR",
    document_number_pattern=r"测市监信〔\d{4}〕\d+号",
    objection_contact="测试市信用办，测试路1号",
)


@pytest.fixture
def policy(app: Flask) -> Policy:
    return dataclasses.replace(Policy.from_settings(app.config["REGISTRY"]), authority=CITY_BUREAU)


def _under_review(session: Session, policy: Policy) -> tuple[Listing, dict]:
    team = builders.actors(session)
    listing = builders.listing(session, state="under_review", policy=policy, team=team)
    return listing, team


def test_the_decision_is_the_configured_authoritys_with_the_number_entered(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    listing, team = _under_review(session, policy)
    assert listing.decision_authority == "测试市市场监督管理局"
    # The basis case was decided by a court; nothing of it becomes the listing decision.
    assert all(case.authority != listing.decision_authority for case in listing.cases)
    on = listing.defence_deadline + dt.timedelta(days=2)
    set_today(on)
    workflow.approve(
        session, team["reviewer"], policy, listing.id, on, "confirmed", " 测市监信〔2026〕17号 "
    )
    assert listing.decision_document_number == "测市监信〔2026〕17号"
    assert listing.decision_authority == "测试市市场监督管理局"
    assert listing.decision_decided_on == on


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (None, "enter the decision document number"),
        ("  ", "enter the decision document number"),
        ("DEC-2026-000001", "does not match the document number pattern of 测试市市场监督管理局"),
        ("测市监信〔2026〕17号 extra", "does not match"),
    ],
)
def test_approval_without_a_valid_document_number_is_refused_and_changes_nothing(
    session: Session, policy: Policy, set_today: SetToday, number: str | None, reason: str
) -> None:
    listing, team = _under_review(session, policy)
    on = listing.defence_deadline + dt.timedelta(days=2)
    set_today(on)
    with pytest.raises(InvalidValue, match=reason) as refused:
        workflow.approve(session, team["reviewer"], policy, listing.id, on, "confirmed", number)
    assert refused.value.field == "document_number"
    session.refresh(listing)
    assert listing.state == "under_review"
    assert listing.decision_document_number is None


def test_a_proposal_cannot_name_another_deciding_authority(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    subject_id = builders.deliberate_subject(session).id
    set_today(D(2026, 9, 25))
    with pytest.raises(TypeError):
        workflow.propose(  # type: ignore[call-arg]
            session,
            team["clerk"],
            policy,
            subject_id,
            ["deliberate_infringement"],
            D(2026, 9, 25),
            decision_authority="某某中级人民法院",
        )


def test_a_broken_authority_configuration_names_the_setting() -> None:
    with pytest.raises(InvalidValue, match="not a valid regular expression") as broken:
        DecisionAuthority(document_number_pattern="(")
    assert broken.value.field == "authority_document_pattern"
    with pytest.raises(InvalidValue) as empty:
        DecisionAuthority(name=" ")
    assert empty.value.field == "authority_name"
    assert DecisionAuthority().is_demo and not CITY_BUREAU.is_demo


def test_one_document_number_decides_one_listing(
    session: Session, policy: Policy, set_today: SetToday
) -> None:
    team = builders.actors(session)
    first = builders.listing(session, state="under_review", policy=policy, team=team)
    second = builders.listing(session, state="under_review", policy=policy, team=team)
    on = max(first.defence_deadline, second.defence_deadline) + dt.timedelta(days=2)
    set_today(on)
    number = "测市监信〔2026〕3号"
    workflow.approve(session, team["reviewer"], policy, first.id, on, "confirmed", number)
    with pytest.raises(Conflict, match="already the decision of listing"):
        workflow.approve(session, team["reviewer"], policy, second.id, on, "confirmed", number)
    session.refresh(second)
    assert second.state == "under_review"
