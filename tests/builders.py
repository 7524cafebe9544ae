"""Builders for test data: accounts, subjects, cases and listings, made through the services.

Each builder takes keyword arguments with defaults, so a test names only what it cares about.
Everything goes through the domain services (records, workflow, published listings), so the
audit trail and the transparency log a test reads are the ones the registry itself writes.
Accounts are looked up by name before they are created: builders called one after another
share one clerk and one pair of reviewers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from registry import clock
from registry.accounts import users as accounts
from registry.actors import SYSTEM, Actor
from registry.cases import records as cases
from registry.listings import published as published_listings
from registry.listings import requests as listing_requests
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import EnforcementCase, Listing, Subject, User
from registry.signing.keystore import KeyStore
from registry.subjects import records as subjects
from registry.subjects.credit_codes import organisation_check_character
from runtime.signing_keys import key_store

PASSWORD = "correct horse battery"
# The staff of a test registry: account name -> role (two reviewers, for the four-eyes rules).
STAFF = {
    "clerk": "clerk",
    "reviewer": "reviewer",
    "reviewer2": "reviewer",
    "auditor": "auditor",
    "admin": "admin",
}
PATENT = "ZL201710601862.3"
DECIDED = dt.date(2025, 6, 1)
PROPOSED = dt.date(2026, 9, 25)
# Listing states a listing can be built in, in the order the workflow reaches them.
STATES = (
    "draft",
    "withdrawn",
    "notified",
    "under_review",
    "rejected",
    "approved",
    "published",
    "removed",
    "expired",
)


# Accounts


def user(
    session: Session, role: str = "clerk", *, username: str | None = None, password: str = PASSWORD
) -> User:
    """The account `username` (default: the role's name), created with `role` if missing."""
    name = username or role
    existing = session.scalar(select(User).where(User.username == name))
    if existing is not None:
        assert existing.role == role, f"{name} is already a {existing.role}, not a {role}"
        return existing
    return accounts.create_user(session, name, role, password)


def actor(account: User) -> Actor:
    """The domain actor for an account."""
    return Actor(name=account.username, role=account.role, user_id=account.id)


def users(session: Session) -> dict[str, User]:
    """Every account in STAFF, by name."""
    return {name: user(session, role, username=name) for name, role in STAFF.items()}


def actors(session: Session) -> dict[str, Actor]:
    """Every account in STAFF as a domain actor, by name."""
    return {name: actor(account) for name, account in users(session).items()}


def _clerk(session: Session, by: Actor | None) -> Actor:
    return by or actor(user(session, "clerk"))


# Subjects


def credit_code(number: int = 0) -> str:
    """A valid unified social credit code, one per `number`."""
    organisation = f"MA5F{number + 1:04d}"
    body = f"91440300{organisation}{organisation_check_character(organisation)}"
    return body + uscc.calc_check_digit(body)


def id_number(number: int = 0) -> str:
    """A valid resident ID number of a fictitious person, one per `number`."""
    body = f"35010019800118{number + 123:03d}"
    return body + ric.calc_check_digit(body + "0")


def subject(
    session: Session,
    *,
    kind: str = "legal_person",
    name: str = "深圳市华兴科技有限公司",
    by: Actor | None = None,
    **fields: Any,
) -> Subject:
    """A subject recorded by the clerk; `fields` are any other SubjectInput fields."""
    data = subjects.SubjectInput(kind=kind, name=name, **fields)
    return subjects.record_subject(session, _clerk(session, by), data)


def enterprise(
    session: Session, *, number: int = 0, name: str | None = None, **fields: Any
) -> Subject:
    """A Chinese company with a valid credit code; `number` keeps codes and names apart."""
    fields.setdefault("identifiers", [{"scheme": "cn_uscc", "value": credit_code(number)}])
    fields.setdefault("legal_representative", "王伟")
    fields.setdefault("region", "440300")
    return subject(
        session, kind="legal_person", name=name or f"深圳市华兴科技有限公司{number or ''}", **fields
    )


def natural_person(
    session: Session, *, number: int = 0, name: str = "张伟", **fields: Any
) -> Subject:
    """A person identified by a valid resident ID number."""
    fields.setdefault("identifiers", [{"scheme": "cn_ric", "value": id_number(number)}])
    fields.setdefault("region", "350100")
    return subject(session, kind="natural_person", name=name, **fields)


def foreign_company(
    session: Session,
    *,
    name: str = "Acme Trading Ltd",
    register: str = "UK Companies House",
    number: str = "01234567",
    **fields: Any,
) -> Subject:
    """A company registered abroad, identified by its foreign register number."""
    fields.setdefault("identifiers", [{"scheme": "other", "name": register, "value": number}])
    return subject(session, kind="legal_person", name=name, **fields)


# Cases


def case(
    session: Session,
    subject_id: int,
    *,
    kind: str = "administrative_ruling",
    decided_on: dt.date = DECIDED,
    by: Actor | None = None,
    **fields: Any,
) -> EnforcementCase:
    """An infringement decision, effective 30 days later; `fields` are other CaseInput fields."""
    recorded = session.scalar(select(func.count(EnforcementCase.id))) or 0
    if kind == "court_judgment":
        fields.setdefault("authority", "深圳市中级人民法院")
        fields.setdefault("document_number", f"({decided_on.year})粤03民初{recorded + 1}号")
    else:
        fields.setdefault("authority", "福州市知识产权局")
        fields.setdefault("document_number", f"闽知裁字〔{decided_on.year}〕{recorded + 1}号")
    fields.setdefault("effective_on", decided_on + dt.timedelta(days=30))
    fields.setdefault("patents", [PATENT])
    fields.setdefault("sectors", ["internet"])
    data = cases.CaseInput(subject_id=subject_id, kind=kind, decided_on=decided_on, **fields)
    return cases.record_case(session, _clerk(session, by), data)


def deliberate_case(
    session: Session, subject_id: int, *, decided_on: dt.date = DECIDED, **fields: Any
) -> EnforcementCase:
    """A court judgment finding deliberate infringement, with punitive damages."""
    fields.setdefault("kind", "court_judgment")
    fields.setdefault("act_start", decided_on - dt.timedelta(days=200))
    fields.setdefault("punitive_damages", True)
    return case(session, subject_id, decided_on=decided_on, deliberate=True, **fields)


def repeat_cases(
    session: Session, subject_id: int, *, decided_on: dt.date = DECIDED, **fields: Any
) -> tuple[EnforcementCase, EnforcementCase]:
    """A decision, then a second one for an act begun after the first took effect."""
    first = case(session, subject_id, decided_on=decided_on, **fields)
    assert first.effective_on is not None
    act = first.effective_on + dt.timedelta(days=60)
    second = case(
        session, subject_id, decided_on=act + dt.timedelta(days=120), act_start=act, **fields
    )
    return first, second


def deliberate_subject(
    session: Session, *, number: int = 0, decided_on: dt.date = DECIDED
) -> Subject:
    """A company with one effective finding of deliberate infringement."""
    company = enterprise(session, number=number)
    deliberate_case(session, company.id, decided_on=decided_on)
    return company


def repeat_subject(session: Session, *, number: int = 0, decided_on: dt.date = DECIDED) -> Subject:
    """A company that infringed again after an earlier decision took effect."""
    company = enterprise(session, number=number)
    repeat_cases(session, company.id, decided_on=decided_on)
    return company


_SUBJECT_FOR_GROUND = {
    "deliberate_infringement": deliberate_subject,
    "repeat_infringement": repeat_subject,
}


# Listings


def listing(
    session: Session,
    *,
    state: str = "approved",
    subject_id: int | None = None,
    ground: str = "deliberate_infringement",
    proposed_on: dt.date = PROPOSED,
    served_on: dt.date | None = None,
    objection: str | None = None,
    reviewed_on: dt.date | None = None,
    approved_on: dt.date | None = None,
    published_on: dt.date | None = None,
    policy: Policy | None = None,
    keys: KeyStore | None = None,
    team: dict[str, Actor] | None = None,
) -> Listing:
    """A listing walked through the workflow to `state`, one step after another.

    Without a subject a new company is made for which `ground` holds. The notice is served
    three days after the proposal; review starts the day after the defence period (or at once,
    on an `objection`); approval follows two days later, publication the day after.
    """
    assert state in STATES, f"unknown state {state!r}; expected one of {', '.join(STATES)}"
    assert objection is None or state == "under_review", "an objection leaves it under review"
    policy = policy or Policy.from_settings(current_app.config["REGISTRY"])
    team = team or actors(session)
    clerk, reviewer = team["clerk"], team["reviewer"]
    if subject_id is None:
        number = session.scalar(select(func.count(Subject.id))) or 0
        subject_id = _SUBJECT_FOR_GROUND[ground](session, number=number).id
    # Each step runs with the registry's clock on its own day, as a clerk working live would.
    with clock.today_is(proposed_on):
        made = workflow.propose(session, clerk, policy, subject_id, [ground], proposed_on)
        if state == "draft":
            return made
        if state == "withdrawn":
            return workflow.withdraw(session, clerk, made.id, "duplicate of another proposal")
    served_on = served_on or proposed_on + dt.timedelta(days=3)
    with clock.today_is(served_on):
        workflow.notify(session, clerk, policy, made.id, served_on)
        if state == "notified":
            return made
        if objection is not None:
            listing_requests.lodge_request(
                session, clerk, policy, made.id, "objection", served_on, objection
            )
    if objection is None:
        assert made.defence_deadline is not None
        reviewed_on = reviewed_on or made.defence_deadline + dt.timedelta(days=1)
        with clock.today_is(reviewed_on):
            workflow.start_review(session, clerk, made.id, reviewed_on)
    if state == "under_review":
        return made
    if state == "rejected":
        with clock.today_is(reviewed_on or served_on):
            return workflow.reject(session, reviewer, made.id, "the grounds are not made out")
    approved_on = approved_on or (reviewed_on or served_on) + dt.timedelta(days=2)
    with clock.today_is(approved_on):
        number = policy.authority.demo_document_number(approved_on.year, made.id)
        workflow.approve(session, reviewer, policy, made.id, approved_on, "confirmed", number)
    if state == "approved":
        return made
    keys = keys or key_store()
    published_on = published_on or approved_on + dt.timedelta(days=1)
    with clock.today_is(published_on):
        workflow.publish_approved(session, SYSTEM, keys, policy, made.id, published_on)
    if state == "removed":
        removed_on = published_on + dt.timedelta(days=1)
        pair = (reviewer, team["reviewer2"])
        return remove(session, made.id, on=removed_on, keys=keys, reviewers=pair)
    if state == "expired":
        assert made.period_end is not None
        with clock.today_is(made.period_end + dt.timedelta(days=1)):
            return published_listings.expire(
                session, SYSTEM, made.id, made.period_end + dt.timedelta(days=1)
            )
    return made


def remove(
    session: Session,
    listing_id: int,
    *,
    on: dt.date,
    reason_code: str = "error",
    keys: KeyStore | None = None,
    reviewers: tuple[Actor, Actor] | None = None,
) -> Listing:
    """Remove a published listing: one reviewer proposes it, a second one confirms."""
    if reviewers is None:
        team = actors(session)
        reviewers = (team["reviewer"], team["reviewer2"])
    keys = keys or key_store()
    for reviewer in reviewers:
        with clock.today_is(on):
            removed = published_listings.remove(
                session, reviewer, keys, listing_id, reason_code, on, "listed in error"
            )
    return removed
