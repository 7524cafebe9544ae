"""The password policy, changing a password with the current one, and an admin's reset."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import sessions
from registry.accounts import users as accounts
from registry.accounts.login import authenticate
from registry.accounts.password_changes import change_password, reset_password
from registry.accounts.passwords import check_password, common_passwords
from registry.actors import Actor
from registry.errors import Conflict, Forbidden, InvalidValue
from registry.models import AdminSession, AuditRecord, User

PASSWORD = "a long enough secret"
NEW = "another quite long secret"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def clerk(bare_session: Session) -> User:
    return accounts.create_user(bare_session, "clerk", "clerk", PASSWORD)


def _reason(password: str, username: str = "") -> str:
    with pytest.raises(InvalidValue) as refused:
        check_password(password, username)
    return refused.value.reason


def test_the_policy_refuses_short_common_and_username_passwords() -> None:
    assert _reason("eleven-char") == "must be at least 12 characters long"
    assert "common passwords" in _reason("Password123456")  # compared regardless of case
    assert "common passwords" in _reason("qwertyuiop123")
    assert _reason("my name is Carol.Smith!", "carol.smith") == "must not contain the username"
    check_password("correct horse battery", "carol")
    assert len(common_passwords()) > 100 and all(len(p) >= 12 for p in common_passwords())


def test_creating_an_account_with_a_common_password_is_refused(bare_session: Session) -> None:
    with pytest.raises(InvalidValue, match="common passwords"):
        accounts.create_user(bare_session, "dave", "clerk", "welcome12345")


def test_a_change_needs_the_current_password_and_ends_the_other_sessions(
    bare_session: Session, clerk: User
) -> None:
    kept = sessions.start_session(bare_session, clerk, NOW)
    sessions.start_session(bare_session, clerk, NOW)
    with pytest.raises(InvalidValue) as wrong:
        change_password(bare_session, clerk.id, "not the password", NEW, NOW, kept)
    assert wrong.value.field == "current_password"
    with pytest.raises(InvalidValue) as weak:
        change_password(bare_session, clerk.id, PASSWORD, "password123456", NOW, kept)
    assert weak.value.field == "new_password"

    change_password(bare_session, clerk.id, PASSWORD, NEW, NOW, kept)
    assert authenticate(bare_session, "clerk", NEW, "", NOW) is clerk
    live = bare_session.scalars(select(AdminSession).where(AdminSession.ended_at.is_(None))).all()
    assert len(live) == 1 and sessions.session_user(
        bare_session, kept, NOW, sessions.SessionLimits()
    )
    ended = bare_session.scalars(select(AdminSession.end_reason)).all()
    assert sorted(map(str, ended)) == ["None", "password_changed"]
    actions = bare_session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_type == "user")
    ).all()
    assert actions[-2:] == ["user.password_change_refused", "user.password_change"]


def test_wrong_current_passwords_are_throttled(bare_session: Session, clerk: User) -> None:
    for _ in range(3):
        with pytest.raises(InvalidValue):
            change_password(bare_session, clerk.id, "not the password", NEW, NOW)
    with pytest.raises(Conflict, match="too many wrong passwords"):
        change_password(bare_session, clerk.id, PASSWORD, NEW, NOW)


def test_an_admin_reset_forces_a_change_and_ends_every_session(
    bare_session: Session, clerk: User
) -> None:
    admin = accounts.create_user(bare_session, "root", "admin", PASSWORD)
    sessions.start_session(bare_session, clerk, NOW)
    actor = Actor(admin.username, "admin", admin.id)
    with pytest.raises(Forbidden):
        reset_password(bare_session, Actor("clerk", "clerk", clerk.id), clerk.id, NOW)
    with pytest.raises(Conflict, match="your own password"):
        reset_password(bare_session, actor, admin.id, NOW)

    username, temporary = reset_password(bare_session, actor, clerk.id, NOW)
    assert username == "clerk" and len(temporary) >= 16
    assert clerk.must_change_password
    assert bare_session.scalars(select(AdminSession.end_reason)).all() == ["password_reset"]
    assert authenticate(bare_session, "clerk", temporary, "", NOW) is clerk
    change_password(bare_session, clerk.id, temporary, NEW, NOW)
    assert not clerk.must_change_password
    record = bare_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "user.password_reset")
    ).one()
    assert (record.actor, record.object_id) == ("root", str(clerk.id))
    assert temporary not in repr((record.before, record.after, record.reason))
