"""Four eyes on power: a reviewer or admin account, or such a role, needs a second admin."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.confirmations import (
    confirm_request,
    create_account,
    refuse_request,
    set_role,
    waiting_requests,
)
from registry.accounts.login import authenticate
from registry.actors import Actor
from registry.errors import Conflict, Forbidden
from registry.models import AccountRequest, AuditRecord, User

PASSWORD = "a long enough secret"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def admins(bare_session: Session) -> tuple[Actor, Actor]:
    first = accounts.create_user(bare_session, "alice", "admin", PASSWORD)
    second = accounts.create_user(bare_session, "bob", "admin", PASSWORD)
    return Actor("alice", "admin", first.id), Actor("bob", "admin", second.id)


def _user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.username == name))


def test_one_admin_cannot_create_a_reviewer_alone(
    bare_session: Session, admins: tuple[Actor, Actor]
) -> None:
    alice, bob = admins
    pending = create_account(bare_session, alice, "rita", "reviewer", PASSWORD, "", NOW)
    assert isinstance(pending, AccountRequest) and _user(bare_session, "rita") is None
    assert pending.password_hash and PASSWORD not in pending.password_hash
    with pytest.raises(Conflict, match="another admin must confirm"):
        confirm_request(bare_session, alice, pending.id, NOW)
    with pytest.raises(Conflict, match="already waiting"):
        create_account(bare_session, alice, "rita", "reviewer", PASSWORD, "", NOW)

    confirm_request(bare_session, bob, pending.id, NOW)
    rita = _user(bare_session, "rita")
    assert rita is not None and rita.role == "reviewer"
    assert authenticate(bare_session, "rita", PASSWORD, "", NOW) is rita
    assert pending.password_hash is None and pending.outcome == "confirmed"
    with pytest.raises(Conflict, match="already confirmed"):
        confirm_request(bare_session, bob, pending.id, NOW)
    actions = bare_session.scalars(
        select(AuditRecord.action).order_by(AuditRecord.seq).where(AuditRecord.seq > 2)
    ).all()
    assert actions == ["user.create_requested", "user.create", "user.change_confirmed"]


def test_clerks_and_auditors_are_created_at_once(
    bare_session: Session, admins: tuple[Actor, Actor]
) -> None:
    made = create_account(bare_session, admins[0], "carl", "clerk", PASSWORD, "", NOW)
    assert isinstance(made, User) and made.role == "clerk"


def test_elevating_waits_and_can_be_refused_or_withdrawn(
    bare_session: Session, admins: tuple[Actor, Actor]
) -> None:
    alice, bob = admins
    clerk = accounts.create_user(bare_session, "carl", "clerk", PASSWORD)
    asked = set_role(bare_session, alice, clerk.id, "admin", NOW)
    assert isinstance(asked, AccountRequest) and clerk.role == "clerk"
    refuse_request(bare_session, bob, asked.id, NOW)
    assert clerk.role == "clerk" and waiting_requests(bare_session) == []

    again = set_role(bare_session, alice, clerk.id, "reviewer", NOW)
    assert isinstance(again, AccountRequest)
    refuse_request(bare_session, alice, again.id, NOW)  # the requester withdraws
    third = set_role(bare_session, alice, clerk.id, "reviewer", NOW)
    assert isinstance(third, AccountRequest)
    confirm_request(bare_session, bob, third.id, NOW)
    assert clerk.role == "reviewer"
    lowered = set_role(bare_session, alice, clerk.id, "auditor", NOW)  # lowering is immediate
    assert isinstance(lowered, User) and lowered.role == "auditor"


def test_only_admins_ask_or_decide(bare_session: Session, admins: tuple[Actor, Actor]) -> None:
    clerk = accounts.create_user(bare_session, "carl", "clerk", PASSWORD)
    as_clerk = Actor("carl", "clerk", clerk.id)
    with pytest.raises(Forbidden):
        create_account(bare_session, as_clerk, "rita", "reviewer", PASSWORD, "", NOW)
    pending = create_account(bare_session, admins[0], "rita", "reviewer", PASSWORD, "", NOW)
    with pytest.raises(Forbidden):
        confirm_request(bare_session, as_clerk, pending.id, NOW)
