"""Server-side sign-in sessions: started at sign-in, ended by logout, expiry or an admin.

The browser's cookie carries a random token; the session itself is a row here, so ending it
takes effect at the next request, whatever the cookie says. A session ends after
`idle` without a request (default 30 minutes) and `absolute` after sign-in (default 12 hours);
logout ends one, a password or role change ends all of that account's, and an admin can end
every session of an account or of the whole registry (ASVS V3.3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.models import AdminSession, User
from registry.transaction import atomic

# Writing last_seen_at on every request would make each page view a write; a minute's
# precision is enough for a 30-minute idle timeout.
_TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    """How long a session may sit idle, and how long it may last at most."""

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, now: dt.datetime) -> str:
    """A new session for `user`; returns the token for the cookie (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    with atomic(session):
        session.add(
            AdminSession(
                token_sha256=_digest(token), user_id=user.id, created_at=now, last_seen_at=now
            )
        )
    return token


def session_user(
    session: Session, token: str, now: dt.datetime, limits: SessionLimits
) -> User | None:
    """The active account behind a live session token, or None (the session is then over)."""
    if not token:
        return None
    found = session.scalar(select(AdminSession).where(AdminSession.token_sha256 == _digest(token)))
    if found is None or found.ended_at is not None:
        return None
    expired = (
        "absolute_timeout"
        if now - found.created_at >= limits.absolute
        else "idle_timeout"
        if now - found.last_seen_at >= limits.idle
        else None
    )
    user = session.get(User, found.user_id)
    with atomic(session):
        if expired or user is None or not user.active:
            found.ended_at, found.end_reason = now, expired or "account_closed"
            return None
        if now - found.last_seen_at >= _TOUCH_EVERY:
            found.last_seen_at = now
    return user


def end_session(session: Session, token: str, now: dt.datetime) -> None:
    """Logout: end the session of this token, if it is still live."""
    with atomic(session):
        session.execute(
            update(AdminSession)
            .where(AdminSession.token_sha256 == _digest(token), AdminSession.ended_at.is_(None))
            .values(ended_at=now, end_reason="logout")
        )


def end_user_sessions(
    session: Session, user_id: int, now: dt.datetime, reason: str, keep_token: str = ""
) -> int:
    """End every live session of one account but `keep_token`'s (caller's transaction); how many."""
    query = update(AdminSession).where(
        AdminSession.user_id == user_id, AdminSession.ended_at.is_(None)
    )
    if keep_token:
        query = query.where(AdminSession.token_sha256 != _digest(keep_token))
    ended = session.execute(query.values(ended_at=now, end_reason=reason))
    return int(getattr(ended, "rowcount", 0) or 0)


def end_all_sessions(
    session: Session, actor: Actor, now: dt.datetime, user_id: int | None = None
) -> int:
    """An admin ends every live session (of one account, or of everyone), audited."""
    actor.require("user.manage")
    with atomic(session):
        query = update(AdminSession).where(AdminSession.ended_at.is_(None))
        if user_id is not None:
            query = query.where(AdminSession.user_id == user_id)
        ended = int(
            getattr(
                session.execute(query.values(ended_at=now, end_reason="ended_by_admin")),
                "rowcount",
                0,
            )
            or 0
        )
        audit.record(
            session,
            actor=actor.name,
            action="session.end_all",
            object_type="user" if user_id is not None else "registry",
            object_id=user_id if user_id is not None else "all",
            after={"sessions_ended": ended},
        )
    return ended
