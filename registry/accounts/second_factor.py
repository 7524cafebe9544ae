"""The second factor: TOTP codes (each accepted once), enrolment and re-enrolment (ASVS V2.8).

Reviewers and admins must have one in production; until they enrol, their session reaches the
enrolment page and nothing else. The secret being enrolled is kept on the account row, never
in the cookie, until a code from the authenticator confirms it; enrolment then issues recovery
codes. Replacing an enrolled authenticator needs the password and a current code first, and a
wrong password and a wrong code get the same answer.
"""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from registry.accounts.recovery_codes import issue_recovery_codes, use_recovery_code
from registry.accounts.throttle import record_failure, seconds_to_wait, throttle_keys
from registry.accounts.users import password_matches
from registry.audit import trail as audit
from registry.errors import DomainError, Forbidden, InvalidValue, translatable
from registry.models import User
from registry.transaction import atomic

ISSUER = "Patent Registry"
STEP_SECONDS = 30
# Roles that decide on listings or manage accounts: a second factor is mandatory in production.
SECOND_FACTOR_ROLES = frozenset({"reviewer", "admin"})
REENROL_REFUSED = translatable(
    "re-enrolment refused: check the password and the authentication code"
)


class EnrolmentRefused(DomainError):
    """Re-enrolment refused; the message never says whether the password or the code was wrong."""

    code = "enrolment_refused"


def second_factor_required(role: str, production: bool) -> bool:
    """Whether an account of `role` must have a second factor (reviewers and admins, production)."""
    return production and role in SECOND_FACTOR_ROLES


def needs_enrolment(user: User, production: bool) -> bool:
    """Whether the account must enrol an authenticator before it may do anything else."""
    return second_factor_required(user.role, production) and not user.totp_secret


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code `code` is (one step of clock drift allowed), or None."""
    code = (code or "").replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def totp_matches(secret: str, code: str, now: dt.datetime) -> bool:
    """True when `code` is the TOTP code for `secret` at `now` (one step of clock drift allowed)."""
    return matching_step(secret, code, now) is not None


def accept_code(session: Session, user: User, code: str, now: dt.datetime) -> bool:
    """Spend an authenticator code or a recovery code for `user` (caller's transaction).

    An authenticator code is accepted once: a code of a time step at or before the last one
    accepted is refused, so a code seen over a shoulder or replayed within its window fails.
    """
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is not None:
        return _claim_step(session, user.id, step)
    return use_recovery_code(session, user.id, code, now)


def _claim_step(session: Session, user_id: int, step: int) -> bool:
    # Conditional, so two requests racing with one code cannot both be accepted.
    claimed = session.execute(
        update(User)
        .where(User.id == user_id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return bool(getattr(claimed, "rowcount", 0))


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app imports."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Forbidden("the account no longer exists")
    return user


def pending_secret(session: Session, user_id: int) -> str | None:
    """The secret being enrolled; a first enrolment starts one, a re-enrolment needs approval.

    None when the account already has an authenticator and has not passed `start_reenrolment`.
    """
    with atomic(session):
        user = _account(session, user_id)
        if user.totp_pending_secret is None and not user.totp_secret:
            user.totp_pending_secret = new_totp_secret()
        return user.totp_pending_secret


def start_reenrolment(
    session: Session, user_id: int, password: str, code: str, now: dt.datetime
) -> str:
    """Replace the authenticator: needs the password and a current code; returns the new secret.

    Failures are throttled and audited like sign-in failures, with one answer for both.
    """
    user = _account(session, user_id)
    keys = throttle_keys(user.username, None)
    if seconds_to_wait(session, keys, now):
        raise EnrolmentRefused(REENROL_REFUSED)
    with atomic(session):
        if not (
            password_matches(user.password_hash, password or "")
            and accept_code(session, user, code, now)
        ):
            record_failure(session, keys, now)
            _audit(session, user, "user.totp_reenrol_refused")
            refused = True
        else:
            user.totp_pending_secret = new_totp_secret()
            _audit(session, user, "user.totp_reenrol_started")
            refused = False
    if refused:
        raise EnrolmentRefused(REENROL_REFUSED)
    assert user.totp_pending_secret is not None
    return user.totp_pending_secret


def enable_totp(session: Session, user_id: int, code: str, now: dt.datetime) -> list[str]:
    """Confirm the pending secret with a code from the app; returns fresh recovery codes.

    The confirming code counts as used. The codes are shown once; only their hashes are kept.
    """
    user = _account(session, user_id)
    secret = user.totp_pending_secret
    if secret is None:
        raise InvalidValue("code", "no enrolment is in progress; start again")
    step = matching_step(secret, code, now)
    if step is None:
        raise InvalidValue("code", "the code does not match; check the authenticator's clock")
    with atomic(session):
        user.totp_secret, user.totp_pending_secret, user.totp_last_step = secret, None, step
        codes = issue_recovery_codes(session, user.id, now)
        _audit(session, user, "user.totp_enable")
    return codes


def _audit(session: Session, user: User, action: str) -> None:
    audit.record(session, actor=user.username, action=action, object_type="user", object_id=user.id)
