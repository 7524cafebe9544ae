"""API keys for banks and procurement systems: created once, stored hashed, scoped, revocable.

A key reads `ipl_<prefix>_<secret>`. The prefix finds the row; only the SHA-256 of the secret
is stored, compared in constant time, so a copy of the database gives no working key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, DomainError, InvalidValue, NotFound
from registry.models import ApiKey, utcnow
from registry.transaction import atomic

SCOPES = ("screen", "watch")
DEFAULT_RATE_LIMIT = "600/minute"
KEY_PREFIX = "ipl"
MAX_NAME = 100
MAX_RATE = 1_000_000
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

_RATE_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_PREFIX = re.compile(r"^[0-9a-f]{12}$")


class KeyRejected(DomainError):
    """A bearer key is missing, malformed, unknown or revoked (the API answers 401)."""

    code = "unauthorized"


@dataclass(frozen=True)
class IssuedKey:
    """A newly created key: the full secret is only ever available here, once."""

    key: ApiKey
    secret: str


@dataclass(frozen=True)
class KeyIdentity:
    """An authenticated key as the request sees it (no ORM object kept across the request)."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    rate_limit: str


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret part: lowercase hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """Return the scopes sorted and deduplicated, or raise InvalidValue naming the bad one."""
    if isinstance(scopes, str):
        scopes = [part for part in scopes.split(",") if part.strip()]
    chosen = sorted({str(scope).strip() for scope in scopes})
    if not chosen:
        raise InvalidValue(
            "scopes",
            "give at least one scope: %(expected)s",
            expected=", ".join(SCOPES),
        )
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown:
        raise InvalidValue(
            "scopes",
            "unknown scope %(unknown)s; expected %(expected)s",
            unknown=", ".join(unknown),
            expected=", ".join(SCOPES),
        )
    return chosen


def check_rate_limit(value: str) -> str:
    """Return a rate limit written `<count>/<second|minute|hour|day>`, normalised."""
    match = _RATE_LIMIT.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidValue(
            "rate_limit",
            "%(value)r must look like 600/minute (count/unit)",
            value=value,
        )
    count = int(match.group(1))
    if not 1 <= count <= MAX_RATE:
        raise InvalidValue(
            "rate_limit",
            "count must be between 1 and %(MAX_RATE)s",
            MAX_RATE=MAX_RATE,
        )
    return f"{count}/{match.group(2)}"


def _check_name(name: str) -> str:
    cleaned = name.strip() if isinstance(name, str) else ""
    if not cleaned:
        raise InvalidValue("name", "name the client, e.g. 'Example Bank credit screening'")
    if len(cleaned) > MAX_NAME:
        raise InvalidValue(
            "name",
            "is longer than %(MAX_NAME)s characters",
            MAX_NAME=MAX_NAME,
        )
    return cleaned


def create_key(
    session: Session,
    actor: Actor,
    name: str,
    scopes: Iterable[str],
    rate_limit: str = DEFAULT_RATE_LIMIT,
) -> IssuedKey:
    """Create a key; the returned secret is shown once and never stored."""
    actor.require("apikey.manage")
    name = _check_name(name)
    chosen = check_scopes(scopes)
    limit = check_rate_limit(rate_limit)
    with atomic(session):
        prefix = secrets.token_hex(6)
        while session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
            prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            name=name,
            prefix=prefix,
            secret_sha256=hash_secret(secret),
            scopes=chosen,
            rate_limit=limit,
            created_at=utcnow(),
            created_by=actor.name,
        )
        session.add(key)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="apikey.create",
            object_type="api_key",
            object_id=key.id,
            after={"name": name, "prefix": prefix, "scopes": chosen, "rate_limit": limit},
        )
    return IssuedKey(key, f"{KEY_PREFIX}_{prefix}_{secret}")


def revoke_key(session: Session, actor: Actor, key_id: int, reason: str = "") -> ApiKey:
    """Revoke a key at once; revoking twice is refused."""
    actor.require("apikey.manage")
    with atomic(session):
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound(
                "no API key with id %(key_id)s",
                key_id=key_id,
            )
        if key.revoked_at is not None:
            raise Conflict(
                "API key %(key_id)s was already revoked at %(revoked_at)s",
                key_id=key_id,
                revoked_at=key.revoked_at.strftime("%Y-%m-%d"),
            )
        key.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor.name,
            action="apikey.revoke",
            object_type="api_key",
            object_id=key.id,
            reason=reason or None,
        )
    _forget_verified_keys()  # after the commit: a re-read now sees the revocation
    return key


def list_keys(session: Session, actor: Actor) -> list[ApiKey]:
    """Every key, newest first (no secrets: only their hashes are stored)."""
    actor.require("apikey.manage")
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def _parse(token: str) -> tuple[str, str]:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not _PREFIX.match(parts[1]) or not parts[2]:
        raise KeyRejected(
            "malformed API key: expected %(KEY_PREFIX)s_<prefix>_<secret>",
            KEY_PREFIX=KEY_PREFIX,
        )
    return parts[1], parts[2]


def authenticate(session: Session, token: str) -> KeyIdentity:
    """Resolve a presented key; KeyRejected when it is malformed, unknown or revoked."""
    prefix, secret = _parse(token)
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    # Compare against a dummy hash when the prefix is unknown, so timing says nothing.
    stored = key.secret_sha256 if key is not None else hash_secret("")
    if not hmac.compare_digest(stored, hash_secret(secret)) or key is None:
        raise KeyRejected("unknown API key: check that it was copied in full")
    if key.revoked_at is not None:
        raise KeyRejected(
            "API key %(prefix)s was revoked on %(revoked_at)s",
            prefix=key.prefix,
            revoked_at=key.revoked_at.strftime("%Y-%m-%d"),
        )
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        with atomic(session):
            key.last_used_at = now
    return KeyIdentity(key.id, key.name, key.prefix, tuple(key.scopes), key.rate_limit)


# Bumped by every revocation in this process: each KeyCache then forgets what it verified.
_revocations = 0


def _forget_verified_keys() -> None:
    global _revocations  # one process-wide counter, read by every cache
    _revocations += 1


class KeyCache:
    """Keys verified recently, trusted for `ttl` seconds without reading them again.

    A revocation made in this process takes effect at once; one made elsewhere (another
    worker, the command line) within `ttl` seconds. Only the SHA-256 of a presented key is
    kept; a key that fails is never cached.
    """

    def __init__(self, ttl: float, capacity: int = 1024) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._verified: dict[str, tuple[float, int, KeyIdentity]] = {}
        self._lock = threading.Lock()

    def authenticate(self, session: Callable[[], Session], token: str) -> KeyIdentity:
        """As `authenticate`, answered from the cache while the key's verification is fresh.

        `session` gives the database session, asked for only when the key must be read.
        """
        if self.ttl <= 0:
            return authenticate(session(), token)
        digest = hash_secret(token)
        now = time.monotonic()
        with self._lock:
            kept = self._verified.get(digest)
        if kept is not None and kept[0] > now and kept[1] == _revocations:
            return kept[2]
        generation = _revocations
        identity = authenticate(session(), token)
        with self._lock:
            if len(self._verified) >= self.capacity:
                self._verified = {d: k for d, k in self._verified.items() if k[0] > now}
                if len(self._verified) >= self.capacity:
                    self._verified.clear()
            self._verified[digest] = (now + self.ttl, generation, identity)
        return identity
