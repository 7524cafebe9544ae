"""Server-side sign-in sessions: started at sign-in, ended by logout, expiry or an admin.

The browser's cookie carries a random token; the session itself lives on the server (a row of
`admin_sessions`, or a Redis key when `REGISTRY_SESSION_REDIS_URL` is set), so ending it takes
effect at the next request, whatever the cookie says. A session ends after `idle` without a
request (default 30 minutes) and `absolute` after sign-in (default 12 hours); logout ends one, a
password or role change ends all of that account's, and an admin can end every session of an
account or of the whole registry (ASVS V3.3).
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.accounts.session_store import (
    TOUCH_EVERY,
    SessionLimits,
    SessionStore,
    digest,
    expiry_reason,
    store_for,
)
from registry.actors import Actor
from registry.audit import trail as audit
from registry.models import AdminSession, User
from registry.transaction import atomic

__all__ = [
    "DatabaseStore",
    "SessionLimits",
    "end_all_sessions",
    "end_session",
    "end_user_sessions",
    "session_user",
    "start_session",
]


class DatabaseStore:
    """Sessions as rows of `admin_sessions`, which keep why and when each one ended."""

    def start(self, session: Session, user: User, token: str, now: dt.datetime) -> None:
        """Add the session's row."""
        hashed = digest(token)
        session.add(
            AdminSession(token_sha256=hashed, user_id=user.id, created_at=now, last_seen_at=now)
        )

    def user_for(
        self, session: Session, token: str, now: dt.datetime, limits: SessionLimits
    ) -> User | None:
        """The account of a live row; an expired row, or a closed account's, is ended."""
        hashed = digest(token)
        found = session.scalar(select(AdminSession).where(AdminSession.token_sha256 == hashed))
        if found is None or found.ended_at is not None:
            return None
        expired = expiry_reason(found.created_at, found.last_seen_at, now, limits)
        user = session.get(User, found.user_id)
        if expired or user is None or not user.active:
            found.ended_at, found.end_reason = now, expired or "account_closed"
            return None
        if now - found.last_seen_at >= TOUCH_EVERY:
            found.last_seen_at = now
        return user

    def end(self, session: Session, token: str, now: dt.datetime) -> None:
        """Mark the token's live row ended by logout."""
        session.execute(
            update(AdminSession)
            .where(AdminSession.token_sha256 == digest(token), AdminSession.ended_at.is_(None))
            .values(ended_at=now, end_reason="logout")
        )

    def end_user(
        self, session: Session, user_id: int, now: dt.datetime, reason: str, keep_token: str
    ) -> int:
        """Mark one account's live rows (but `keep_token`'s) ended for `reason`."""
        query = update(AdminSession).where(
            AdminSession.user_id == user_id, AdminSession.ended_at.is_(None)
        )
        if keep_token:
            query = query.where(AdminSession.token_sha256 != digest(keep_token))
        return _rowcount(session.execute(query.values(ended_at=now, end_reason=reason)))

    def end_all(self, session: Session, now: dt.datetime, user_id: int | None) -> int:
        """Mark every live row (of one account, or of everyone) ended by an admin."""
        query = update(AdminSession).where(AdminSession.ended_at.is_(None))
        if user_id is not None:
            query = query.where(AdminSession.user_id == user_id)
        return _rowcount(session.execute(query.values(ended_at=now, end_reason="ended_by_admin")))


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


_DATABASE = DatabaseStore()


def _store(session: Session) -> SessionStore:
    return store_for(session, _DATABASE)


def start_session(session: Session, user: User, now: dt.datetime) -> str:
    """A new session for `user`; returns the token for the cookie (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    with atomic(session):
        _store(session).start(session, user, token, now)
    return token


def session_user(
    session: Session, token: str, now: dt.datetime, limits: SessionLimits
) -> User | None:
    """The active account behind a live session token, or None (the session is then over)."""
    if not token:
        return None
    with atomic(session):
        return _store(session).user_for(session, token, now, limits)


def end_session(session: Session, token: str, now: dt.datetime) -> None:
    """Logout: end the session of this token, if it is still live."""
    with atomic(session):
        _store(session).end(session, token, now)


def end_user_sessions(
    session: Session, user_id: int, now: dt.datetime, reason: str, keep_token: str = ""
) -> int:
    """End every live session of one account but `keep_token`'s (caller's transaction); how many."""
    return _store(session).end_user(session, user_id, now, reason, keep_token)


def end_all_sessions(
    session: Session, actor: Actor, now: dt.datetime, user_id: int | None = None
) -> int:
    """An admin ends every live session (of one account, or of everyone), audited."""
    actor.require("user.manage")
    with atomic(session):
        ended = _store(session).end_all(session, now, user_id)
        audit.record(
            session,
            actor=actor.name,
            action="session.end_all",
            object_type="user" if user_id is not None else "registry",
            object_id=user_id if user_id is not None else "all",
            after={"sessions_ended": ended},
        )
    return ended
