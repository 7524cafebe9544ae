"""Signing in: password and second-factor checks, and the lockout after repeated failures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.passwords import is_demo_password
from registry.accounts.second_factor import totp_matches
from registry.accounts.users import hash_password, password_matches
from registry.audit import trail as audit
from registry.errors import DomainError
from registry.models import User
from registry.transaction import atomic

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = hash_password("not-a-real-password-0000")


class LoginRefused(DomainError):
    """Login failed; `message` is safe to show (never says which part was wrong)."""

    code = "login_refused"


def authenticate(
    session: Session,
    username: str,
    password: str,
    totp_code: str,
    now: dt.datetime,
    production: bool = False,
) -> User:
    """Check password (and TOTP when enabled); lock the account after repeated failures.

    In production the published demo password never signs anyone in, whatever account holds it.
    """
    name = (username or "").strip().lower()
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    if user is None or not user.active:
        password_matches(_DUMMY_HASH, password or "")
        raise LoginRefused("unknown username or wrong password")
    if production and is_demo_password(password or ""):
        with atomic(session):
            audit.record(
                session,
                actor="system",
                action="user.login_refused",
                object_type="user",
                object_id=user.id,
                reason="the published demo password is refused in production",
            )
        raise LoginRefused("unknown username or wrong password")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(
            f"account locked after repeated failed logins; try again after "
            f"{user.locked_until.strftime('%H:%M')} UTC"
        )
    if not password_matches(user.password_hash, password or ""):
        _refuse(session, user, now)
        raise LoginRefused("unknown username or wrong password")
    if user.totp_secret and not totp_matches(user.totp_secret, totp_code, now):
        _refuse(session, user, now)
        raise LoginRefused("the authentication code is missing or wrong")
    if user.failed_logins or user.locked_until:
        with atomic(session):
            user.failed_logins = 0
            user.locked_until = None
    return user


def _refuse(session: Session, user: User, now: dt.datetime) -> None:
    """Count a failed attempt and lock the account after too many in a row."""
    with atomic(session):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            audit.record(
                session,
                actor="system",
                action="user.lock",
                object_type="user",
                object_id=user.id,
                after={"locked_until": user.locked_until.isoformat()},
                reason=f"{MAX_FAILED_LOGINS} failed logins in a row",
            )


def signed_in_user(session: Session, user_id: int) -> User | None:
    """The account a session belongs to, or None once it is gone or deactivated."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return user
