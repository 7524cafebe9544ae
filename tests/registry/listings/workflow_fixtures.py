"""Builders shared by the workflow tests: people, a subject and the cases against it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from stdnum.cn import uscc

from registry.accounts import users as accounts
from registry.actors import Actor
from registry.cases import records as cases
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import Listing
from registry.subjects import records as subjects

BODY = "91440300MA5F00001"
CREDIT_CODE = BODY + uscc.calc_check_digit(BODY)
PATENT = "ZL201710601862.3"


def people(session: Session) -> dict[str, Actor]:
    """A clerk, two reviewers and an auditor."""
    actors = {}
    for name, role in [
        ("clerk", "clerk"),
        ("rev1", "reviewer"),
        ("rev2", "reviewer"),
        ("aud", "auditor"),
    ]:
        user = accounts.create_user(session, name, role, "a long enough secret")
        actors[name] = Actor(name=name, role=role, user_id=user.id)
    return actors


def deliberate_subject(session: Session, clerk: Actor, decided_on: dt.date, suffix: int = 0) -> int:
    """A company with one effective finding of deliberate infringement; returns its id."""
    body = f"{BODY[:-2]}{suffix:02d}"
    code = body + uscc.calc_check_digit(body)
    subject = subjects.record_subject(
        session,
        clerk,
        subjects.SubjectInput(
            kind="legal_person",
            name=f"深圳市华兴科技有限公司{suffix or ''}",
            identifiers=[{"scheme": "cn_uscc", "value": code}],
            legal_representative="王伟",
            region="440300",
        ),
    )
    cases.record_case(
        session,
        clerk,
        cases.CaseInput(
            subject_id=subject.id,
            kind="court_judgment",
            authority="深圳市中级人民法院",
            document_number=f"(2025)粤03民初{suffix + 1}号",
            decided_on=decided_on,
            effective_on=decided_on + dt.timedelta(days=30),
            act_start=decided_on - dt.timedelta(days=200),
            patents=[PATENT],
            deliberate=True,
            punitive_damages=True,
            sectors=["internet"],
        ),
    )
    return subject.id


def approved_listing(
    session: Session, actors: dict[str, Actor], policy: Policy, suffix: int
) -> Listing:
    """A fresh subject's listing walked from proposal to approval in autumn 2026."""
    clerk = actors["clerk"]
    subject_id = deliberate_subject(session, clerk, dt.date(2025, 6, 1), suffix=suffix)
    listing = workflow.propose(
        session, clerk, policy, subject_id, ["deliberate_infringement"], dt.date(2026, 9, 25)
    )
    workflow.notify(session, clerk, policy, listing.id, dt.date(2026, 9, 28))
    workflow.start_review(session, clerk, listing.id, dt.date(2026, 10, 17))
    workflow.approve(
        session, actors["rev1"], policy, listing.id, dt.date(2026, 10, 19), "confirmed"
    )
    return listing
