"""Changing a password (with the current one) and an admin's reset that forces a change.

ASVS V2.1.5/V2.1.6 and V3.3.3: a new password follows the policy (registry.accounts.passwords);
changing it ends the account's other sessions; a reset ends them all and holds the next sign-in
until the account chooses its own password. Every change is audited, never the password itself.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.orm import Session

from registry.accounts.passwords import check_password
from registry.accounts.sessions import end_user_sessions
from registry.accounts.throttle import record_failure, seconds_to_wait, throttle_keys
from registry.accounts.users import hash_password, password_matches
from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, Forbidden, InvalidValue, NotFound
from registry.models import User
from registry.transaction import atomic


def change_password(
    session: Session,
    user_id: int,
    current: str,
    new: str,
    now: dt.datetime,
    keep_token: str = "",
) -> None:
    """Replace the account's password, proven by the current one; end its other sessions.

    A wrong current password is throttled and audited like a failed sign-in.
    """
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Forbidden("the account no longer exists")
    keys = throttle_keys(user.username, None)
    if wait := seconds_to_wait(session, keys, now):
        raise Conflict(
            "too many wrong passwords; try again in %(wait)s seconds",
            wait=wait,
        )
    if not password_matches(user.password_hash, current or ""):
        with atomic(session):
            record_failure(session, keys, now)
            _audit(session, user.username, user, "user.password_change_refused")
        raise InvalidValue("current_password", "does not match the account's password")
    if new == current:
        raise InvalidValue("new_password", "must differ from the current password")
    check_password(new, user.username, field="new_password")
    with atomic(session):
        user.password_hash = hash_password(new)
        user.must_change_password = False
        ended = end_user_sessions(session, user.id, now, "password_changed", keep_token)
        _audit(session, user.username, user, "user.password_change", {"sessions_ended": ended})


def reset_password(
    session: Session, actor: Actor, user_id: int, now: dt.datetime
) -> tuple[str, str]:
    """An admin gives an account a random temporary password: (username, password), shown once.

    The account's sessions end, and its next sign-in is held until it sets its own password.
    """
    actor.require("user.manage")
    with atomic(session):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(
                "user %(user_id)s does not exist",
                user_id=user_id,
            )
        if actor.user_id == user.id:
            raise Conflict("you cannot reset your own password; change it with the current one")
        if not user.active:
            raise Conflict(
                "user %(username)r is deactivated",
                username=user.username,
            )
        temporary = secrets.token_urlsafe(12)
        user.password_hash = hash_password(temporary)
        user.must_change_password = True
        ended = end_user_sessions(session, user.id, now, "password_reset")
        _audit(session, actor.name, user, "user.password_reset", {"sessions_ended": ended})
    return user.username, temporary


def _audit(
    session: Session, actor: str, user: User, action: str, after: dict[str, int] | None = None
) -> None:
    audit.record(
        session, actor=actor, action=action, object_type="user", object_id=user.id, after=after
    )
