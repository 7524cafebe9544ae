"""Where sign-in sessions live: one interface, kept in the database or in Redis.

`registry.accounts.sessions` finds the store of the database a request works on, so every way
of ending sessions (logout, password change or reset, role change, deactivation, an admin)
reaches the same place without its callers knowing which store it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import weakref
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from registry.models import User

# Writing last_seen_at on every request would make each page view a write; a minute's
# precision is enough for a 30-minute idle timeout.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    """How long a session may sit idle, and how long it may last at most."""

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)


def digest(token: str) -> str:
    """The SHA-256 of a session token: the only form in which a store keeps it."""
    return hashlib.sha256(token.encode()).hexdigest()


def expiry_reason(
    created: dt.datetime, last_seen: dt.datetime, now: dt.datetime, limits: SessionLimits
) -> str | None:
    """Why a session is over at `now` ("absolute_timeout", "idle_timeout"), or None."""
    if now - created >= limits.absolute:
        return "absolute_timeout"
    if now - last_seen >= limits.idle:
        return "idle_timeout"
    return None


class SessionStore(Protocol):
    """Starts, reads and ends sessions; `session` is the caller's database session."""

    def start(self, session: Session, user: User, token: str, now: dt.datetime) -> None:
        """Keep a new session of `user` under the hash of `token`."""

    def user_for(
        self, session: Session, token: str, now: dt.datetime, limits: SessionLimits
    ) -> User | None:
        """The active account behind a live token, renewing it; None ends the session."""

    def end(self, session: Session, token: str, now: dt.datetime) -> None:
        """End the session of this token (logout), if it is still live."""

    def end_user(
        self, session: Session, user_id: int, now: dt.datetime, reason: str, keep_token: str
    ) -> int:
        """End every live session of one account but `keep_token`'s; how many ended."""

    def end_all(self, session: Session, now: dt.datetime, user_id: int | None) -> int:
        """End every live session (of one account, or of everyone); how many ended."""


_STORES: weakref.WeakKeyDictionary[Engine, SessionStore] = weakref.WeakKeyDictionary()


def use_store(engine: Engine, store: SessionStore) -> None:
    """Keep the sessions of the registry on `engine` in `store` instead of the database."""
    _STORES[engine] = store


def store_for(session: Session, default: SessionStore) -> SessionStore:
    """The store chosen for the database `session` works on (`default` if none was chosen)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _STORES.get(engine, default)
