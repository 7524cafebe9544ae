"""The second factor: TOTP secrets, the codes an authenticator app shows, and enrolment."""

from __future__ import annotations

import datetime as dt

import pyotp
from sqlalchemy.orm import Session

from registry.audit import trail as audit
from registry.errors import Forbidden, InvalidValue
from registry.models import User
from registry.transaction import atomic

ISSUER = "Patent Registry"


def totp_matches(secret: str, code: str, now: dt.datetime) -> bool:
    """True when `code` is the TOTP code for `secret` at `now` (one step of clock drift allowed)."""
    code = (code or "").replace(" ", "")
    return code.isdigit() and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app imports."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def enable_totp(session: Session, user_id: int, secret: str, code: str, now: dt.datetime) -> None:
    """Turn on the second factor once the user proves their authenticator shows `code`."""
    if not totp_matches(secret, code, now):
        raise InvalidValue("totp", "the code does not match; check the authenticator's clock")
    with atomic(session):
        user = session.get(User, user_id)
        if user is None:
            raise Forbidden("the account no longer exists")
        user.totp_secret = secret
        audit.record(
            session,
            actor=user.username,
            action="user.totp_enable",
            object_type="user",
            object_id=user.id,
        )
