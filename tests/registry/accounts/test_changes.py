"""Account changes an admin makes: role changes and deactivation, audited, never on oneself."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.changes import change_role, deactivate
from registry.actors import Actor
from registry.errors import Conflict, Forbidden, InvalidValue, NotFound
from registry.models import AuditRecord, User

PASSWORD = "a long enough secret"


@pytest.fixture
def admin(bare_session: Session) -> Actor:
    user = accounts.create_user(bare_session, "root", "admin", PASSWORD)
    return Actor(name=user.username, role=user.role, user_id=user.id)


@pytest.fixture
def clerk(bare_session: Session) -> User:
    return accounts.create_user(bare_session, "clerk", "clerk", PASSWORD)


def _audited(session: Session, action: str) -> AuditRecord:
    return session.scalars(select(AuditRecord).where(AuditRecord.action == action)).one()


def test_an_admin_gives_an_account_another_role(
    bare_session: Session, admin: Actor, clerk: User
) -> None:
    assert change_role(bare_session, admin, clerk.id, "reviewer").role == "reviewer"
    record = _audited(bare_session, "user.role")
    assert (record.actor, record.object_id) == ("root", str(clerk.id))
    assert (record.before, record.after) == ({"role": "clerk"}, {"role": "reviewer"})


def test_an_unknown_role_is_refused_naming_the_roles(
    bare_session: Session, admin: Actor, clerk: User
) -> None:
    with pytest.raises(InvalidValue, match="expected one of clerk, reviewer") as refused:
        change_role(bare_session, admin, clerk.id, "owner")
    assert refused.value.field == "role"
    assert clerk.role == "clerk"


def test_an_admin_deactivates_an_account_once(
    bare_session: Session, admin: Actor, clerk: User
) -> None:
    assert deactivate(bare_session, admin, clerk.id).active is False
    record = _audited(bare_session, "user.deactivate")
    assert (record.before, record.after) == ({"active": True}, {"active": False})
    with pytest.raises(Conflict, match="already deactivated"):
        deactivate(bare_session, admin, clerk.id)


def test_nobody_changes_their_own_account(bare_session: Session, admin: Actor) -> None:
    assert admin.user_id is not None
    with pytest.raises(Conflict, match="your own account"):
        change_role(bare_session, admin, admin.user_id, "auditor")
    with pytest.raises(Conflict, match="your own account"):
        deactivate(bare_session, admin, admin.user_id)


def test_only_admins_change_accounts_and_only_existing_ones(
    bare_session: Session, admin: Actor, clerk: User
) -> None:
    as_clerk = Actor(name=clerk.username, role=clerk.role, user_id=clerk.id)
    with pytest.raises(Forbidden):
        change_role(bare_session, as_clerk, clerk.id, "admin")
    with pytest.raises(Forbidden):
        deactivate(bare_session, as_clerk, clerk.id)
    with pytest.raises(NotFound, match="user 404 does not exist"):
        deactivate(bare_session, admin, 404)
