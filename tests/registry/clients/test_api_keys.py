"""API keys: shown once, stored hashed, scoped, rate-limited, revocable, admin-only."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import SYSTEM, Actor
from registry.clients import api_keys
from registry.errors import Conflict, Forbidden, InvalidValue, NotFound
from registry.models import ApiKey, AuditRecord

ADMIN = Actor("alice", "admin", 1)


def test_a_key_is_shown_once_and_stored_only_as_a_hash(session: Session) -> None:
    issued = api_keys.create_key(session, ADMIN, " Example Bank ", ["watch", "screen"])
    marker, prefix, secret = issued.secret.split("_", 2)
    assert marker == "ipl" and prefix == issued.key.prefix and len(prefix) == 12
    stored = session.get(ApiKey, issued.key.id)
    assert stored is not None
    assert stored.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored.__dict__)
    assert stored.name == "Example Bank" and stored.scopes == ["screen", "watch"]
    assert stored.rate_limit == api_keys.DEFAULT_RATE_LIMIT and stored.created_by == "alice"
    actions = session.scalars(select(AuditRecord.action)).all()
    assert actions == ["apikey.create"]


def test_authenticate_returns_the_key_identity(session: Session) -> None:
    issued = api_keys.create_key(session, SYSTEM, "Bank", ["screen"], "10/second")
    identity = api_keys.authenticate(session, issued.secret)
    assert identity.id == issued.key.id and identity.scopes == ("screen",)
    assert identity.rate_limit == "10/second"
    assert session.get(ApiKey, issued.key.id).last_used_at is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "malformed"),
        ("Bearer abc", "malformed"),
        ("ipl_ABCDEF123456_secret", "malformed"),
        ("ipl_0123456789ab_secret", "unknown API key"),
    ],
)
def test_bad_keys_are_rejected(session: Session, token: str, message: str) -> None:
    with pytest.raises(api_keys.KeyRejected, match=message):
        api_keys.authenticate(session, token)


def test_a_wrong_secret_with_a_real_prefix_is_unknown(session: Session) -> None:
    issued = api_keys.create_key(session, SYSTEM, "Bank", ["screen"])
    with pytest.raises(api_keys.KeyRejected, match="unknown API key"):
        api_keys.authenticate(
            session, issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
        )


def test_a_revoked_key_stops_working_and_cannot_be_revoked_twice(session: Session) -> None:
    issued = api_keys.create_key(session, SYSTEM, "Bank", ["screen"])
    api_keys.revoke_key(session, ADMIN, issued.key.id, "contract ended")
    with pytest.raises(api_keys.KeyRejected, match="revoked"):
        api_keys.authenticate(session, issued.secret)
    with pytest.raises(Conflict, match="already revoked"):
        api_keys.revoke_key(session, ADMIN, issued.key.id)
    with pytest.raises(NotFound):
        api_keys.revoke_key(session, ADMIN, 999)


def test_listing_is_newest_first(session: Session) -> None:
    first = api_keys.create_key(session, SYSTEM, "First", ["screen"])
    second = api_keys.create_key(session, SYSTEM, "Second", ["watch"])
    assert [k.id for k in api_keys.list_keys(session, ADMIN)] == [second.key.id, first.key.id]


@pytest.mark.parametrize("role", ["clerk", "reviewer", "auditor"])
def test_only_admins_manage_keys(session: Session, role: str) -> None:
    actor = Actor("bob", role, 2)
    with pytest.raises(Forbidden):
        api_keys.create_key(session, actor, "Bank", ["screen"])
    with pytest.raises(Forbidden):
        api_keys.list_keys(session, actor)
    with pytest.raises(Forbidden):
        api_keys.revoke_key(session, actor, 1)


@pytest.mark.parametrize(
    ("name", "scopes", "rate_limit", "field"),
    [
        ("", ["screen"], "600/minute", "name"),
        ("x" * 101, ["screen"], "600/minute", "name"),
        ("Bank", [], "600/minute", "scopes"),
        ("Bank", ["read"], "600/minute", "scopes"),
        ("Bank", ["screen"], "fast", "rate_limit"),
        ("Bank", ["screen"], "0/minute", "rate_limit"),
        ("Bank", ["screen"], "10/fortnight", "rate_limit"),
    ],
)
def test_invalid_input_names_the_field(
    session: Session, name: str, scopes: list[str], rate_limit: str, field: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        api_keys.create_key(session, ADMIN, name, scopes, rate_limit)
    assert raised.value.field == field


def test_scopes_and_rate_limits_are_normalised() -> None:
    assert api_keys.check_scopes("watch, screen,screen") == ["screen", "watch"]
    assert api_keys.check_rate_limit(" 60 / hour ") == "60/hour"
