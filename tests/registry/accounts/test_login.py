"""Signing in at the domain level: password, second factor, lockout and its end."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.login import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    LoginRefused,
    authenticate,
    signed_in_user,
)
from registry.errors import DomainError
from registry.models import AuditRecord, User

PASSWORD = "a long enough secret"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
WRONG = "unknown username or wrong password"


@pytest.fixture
def clerk(bare_session: Session) -> User:
    return accounts.create_user(bare_session, "clerk", "clerk", PASSWORD)


def _refusal(
    session: Session, username: str, password: str, totp: str = "", now: dt.datetime = NOW
) -> str:
    """The message a refused login shows."""
    with pytest.raises(LoginRefused) as refused:
        authenticate(session, username, password, totp, now)
    return refused.value.message


def test_the_right_password_signs_in_whatever_the_case_and_spacing_of_the_name(
    bare_session: Session, clerk: User
) -> None:
    assert authenticate(bare_session, "  Clerk ", PASSWORD, "", NOW) is clerk


def test_a_wrong_password_is_counted_and_not_named_as_the_wrong_part(
    bare_session: Session, clerk: User
) -> None:
    assert _refusal(bare_session, "clerk", "not the password") == WRONG
    assert clerk.failed_logins == 1
    assert clerk.locked_until is None


def test_unknown_and_deactivated_accounts_get_the_same_answer(
    bare_session: Session, clerk: User
) -> None:
    assert _refusal(bare_session, "nobody", PASSWORD) == WRONG
    clerk.active = False
    bare_session.commit()
    assert _refusal(bare_session, "clerk", PASSWORD) == WRONG
    assert clerk.failed_logins == 0


def test_repeated_failures_lock_the_account_for_a_while_and_are_audited(
    bare_session: Session, clerk: User
) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert _refusal(bare_session, "clerk", "not the password") == WRONG

    assert clerk.locked_until == NOW + LOCKOUT
    assert clerk.failed_logins == 0
    lock = bare_session.scalars(select(AuditRecord).where(AuditRecord.action == "user.lock")).one()
    assert (lock.actor, lock.object_id) == ("system", str(clerk.id))
    assert lock.after == {"locked_until": (NOW + LOCKOUT).isoformat()}
    assert lock.reason == f"{MAX_FAILED_LOGINS} failed logins in a row"
    still_locked = NOW + LOCKOUT - dt.timedelta(seconds=1)
    assert _refusal(bare_session, "clerk", PASSWORD, now=still_locked) == (
        "account locked after repeated failed logins; try again after 09:45 UTC"
    )


def test_the_lock_runs_out_and_a_good_login_clears_the_count(
    bare_session: Session, clerk: User
) -> None:
    clerk.failed_logins = 3
    clerk.locked_until = NOW
    bare_session.commit()

    assert authenticate(bare_session, "clerk", PASSWORD, "", NOW) is clerk
    assert clerk.failed_logins == 0
    assert clerk.locked_until is None


def test_a_second_factor_once_enabled_is_required(bare_session: Session, clerk: User) -> None:
    secret = pyotp.random_base32()
    clerk.totp_secret = secret
    bare_session.commit()
    code = pyotp.TOTP(secret).at(NOW)
    stale = pyotp.TOTP(secret).at(NOW - dt.timedelta(minutes=2))
    missing = "the authentication code is missing or wrong"

    assert _refusal(bare_session, "clerk", PASSWORD) == missing
    assert _refusal(bare_session, "clerk", PASSWORD, stale) == missing
    assert clerk.failed_logins == 2
    assert authenticate(bare_session, "clerk", PASSWORD, code, NOW) is clerk
    assert clerk.failed_logins == 0


def test_login_refused_is_a_domain_error() -> None:
    assert issubclass(LoginRefused, DomainError)
    assert LoginRefused.code == "login_refused"


def test_a_session_belongs_only_to_an_active_account(bare_session: Session, clerk: User) -> None:
    assert signed_in_user(bare_session, clerk.id) is clerk
    assert signed_in_user(bare_session, clerk.id + 1) is None
    clerk.active = False
    bare_session.commit()
    assert signed_in_user(bare_session, clerk.id) is None
