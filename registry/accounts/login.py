"""Signing in: password and second-factor checks, one answer for every refusal, throttling."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.passwords import is_demo_password
from registry.accounts.second_factor import accept_code
from registry.accounts.throttle import clear, record_failure, seconds_to_wait, throttle_keys
from registry.accounts.users import hash_password, password_matches
from registry.audit import trail as audit
from registry.errors import DomainError, translatable
from registry.models import User
from registry.transaction import atomic

# One answer for every refusal, so that it tells nobody which part was wrong or which names exist.
REFUSED = translatable(
    "sign-in refused: check the username, the password and the authentication code"
)
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = hash_password("not-a-real-password-0000")


class LoginRefused(DomainError):
    """Login failed; `message` is safe to show (never says which part was wrong)."""

    code = "login_refused"

    def __init__(self, message: str, wait_seconds: int = 0, /, **params: object) -> None:
        super().__init__(message, None, **params)
        self.wait_seconds = wait_seconds


def authenticate(
    session: Session,
    username: str,
    password: str,
    totp_code: str,
    now: dt.datetime,
    production: bool = False,
    address: str | None = None,
) -> User:
    """Check password and, once enrolled, a second-factor code (each accepted once), throttled.

    Every refusal gives the same answer and is recorded in the audit trail; an account or an
    address with too many failures in a row waits before it may try again (registry.accounts.
    throttle), and the wait is the same for a name that does not exist. In production the
    published demo password never signs anyone in, whatever account holds it.
    """
    name = (username or "").strip().lower()
    keys = throttle_keys(name, address)
    wait = seconds_to_wait(session, keys, now)
    if wait:
        raise LoginRefused(
            "too many failed sign-ins; try again in %(wait)s seconds",
            wait,
            wait=wait,
        )
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    if user is None or not user.active:
        password_matches(_DUMMY_HASH, password or "")
        _refuse(session, keys, name, now, "unknown or deactivated account")
    elif production and is_demo_password(password or ""):
        _refuse(session, keys, name, now, "the published demo password is refused in production")
    elif not password_matches(user.password_hash, password or ""):
        _refuse(session, keys, name, now, "wrong password")
    elif user.totp_secret and not accept_code(session, user, totp_code, now):
        _refuse(session, keys, name, now, "missing, wrong or already used authentication code")
    assert user is not None  # every other path raised
    with atomic(session):
        clear(session, keys[0])
        user.failed_logins = 0
        user.locked_until = None
    return user


def _refuse(session: Session, keys: list[str], name: str, now: dt.datetime, why: str) -> NoReturn:
    """Count the failure, record it in the audit trail, and refuse with the one answer."""
    with atomic(session):
        failures = record_failure(session, keys, now)
        audit.record(
            session,
            actor="system",
            action="user.login_failed",
            object_type="login",
            object_id=name[:64] or "(empty)",
            after={"failures_in_a_row": failures},
            reason=why,
        )
    raise LoginRefused(REFUSED)


def signed_in_user(session: Session, user_id: int) -> User | None:
    """The account a session belongs to, or None once it is gone or deactivated."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return user
