"""Server-side sessions, in the database and in Redis: every way of ending one reaches them."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry import clock
from registry.accounts.session_redis import RedisStore
from registry.accounts.session_store import store_for
from registry.accounts.sessions import DatabaseStore, end_all_sessions
from registry.models import AdminSession, Base, User
from runtime.extensions import db
from tests import builders
from tests.api.conftest import SignedIn, console_login
from tests.api.session_stores import redis_keys
from tests.builders import PASSWORD, actor
from tests.conftest import make_app

# A test about Redis itself runs on that store alone.
ON_REDIS = pytest.mark.parametrize("app_on_each_store", ["redis"], indirect=True)


@pytest.fixture
def app(app_on_each_store: Flask) -> Flask:
    """Every test here runs once with sessions in the database and once in Redis."""
    return app_on_each_store


def _stolen_copy(app: Flask, signed: SignedIn) -> FlaskClient:
    """A second client holding the same session cookie, as a thief who copied it would."""
    cookie = signed.client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    return copy


def test_logout_ends_the_session_for_every_copy_of_the_cookie(
    app: Flask, signed_in: dict[str, SignedIn]
) -> None:
    clerk = signed_in["clerk"]
    copy = _stolen_copy(app, clerk)
    assert copy.get("/api/v1/admin/subjects").status_code == 200
    assert clerk.form("/admin/logout").status_code == 303
    assert copy.get("/api/v1/admin/subjects").status_code == 401


@pytest.fixture
def clock_at(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The registry's clock, set by assigning to `clock_at[0]`."""
    now = [dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(clock, "utcnow", lambda: now[0])
    return now


def test_a_session_ends_after_30_idle_minutes(
    app: Flask, users: dict[str, User], clock_at: list[dt.datetime]
) -> None:
    client = app.test_client()
    assert console_login(client, "clerk").status_code == 303
    clock_at[0] += dt.timedelta(minutes=29, seconds=59)
    assert client.get("/api/v1/admin/subjects").status_code == 200
    clock_at[0] += dt.timedelta(minutes=30)
    assert client.get("/api/v1/admin/subjects").status_code == 401


def test_a_busy_session_ends_12_hours_after_sign_in(
    app: Flask, users: dict[str, User], clock_at: list[dt.datetime]
) -> None:
    start = clock_at[0]
    client = app.test_client()
    assert console_login(client, "clerk").status_code == 303
    while clock_at[0] < start + dt.timedelta(hours=11, minutes=40):
        clock_at[0] += dt.timedelta(minutes=20)
        assert client.get("/api/v1/admin/subjects").status_code == 200
    clock_at[0] = start + dt.timedelta(hours=12)
    assert client.get("/api/v1/admin/subjects").status_code == 401


def test_a_role_change_ends_the_accounts_sessions(
    app: Flask, signed_in: dict[str, SignedIn], users: dict[str, User]
) -> None:
    clerk = signed_in["clerk"]
    changed = signed_in["admin"].post(
        f"/api/v1/admin/users/{users['clerk'].id}/role", json={"role": "auditor"}
    )
    assert changed.status_code == 200, changed.get_json()
    assert clerk.get("/api/v1/admin/subjects").status_code == 401
    assert signed_in["admin"].get("/api/v1/admin/users").status_code == 200


def test_an_admin_ends_every_session(
    app: Flask, session: Session, signed_in: dict[str, SignedIn], users: dict[str, User]
) -> None:
    ended = end_all_sessions(session, actor(users["admin"]), clock.utcnow())
    assert ended == len(signed_in)
    assert all(s.get("/api/v1/admin/subjects").status_code == 401 for s in signed_in.values())
    assert redis_keys(app) == []
    if not app.config["SESSION_REDIS_URL"]:
        reasons = {row.end_reason for row in session.query(AdminSession)}
        assert reasons == {"ended_by_admin"}


def test_the_operator_ends_sessions_from_the_command_line(
    app: Flask, signed_in: dict[str, SignedIn]
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["admin", "end-sessions", "--user", "clerk"])
    assert result.exit_code == 0 and "ended 1 session(s)" in result.output
    assert signed_in["clerk"].get("/api/v1/admin/subjects").status_code == 401
    assert signed_in["admin"].get("/api/v1/admin/users").status_code == 200
    result = runner.invoke(args=["admin", "end-sessions"])
    assert result.exit_code == 0 and f"ended {len(signed_in) - 1} session(s)" in result.output
    unknown = runner.invoke(args=["admin", "end-sessions", "--user", "nobody"])
    assert unknown.exit_code != 0 and "--user: no account named 'nobody'" in unknown.output


def test_an_admin_ends_every_session_from_the_console(signed_in) -> None:
    refused = signed_in["clerk"].form("/admin/sessions/end-all")
    assert refused.status_code == 403
    assert signed_in["reviewer"].get("/api/v1/admin/session").status_code == 200

    ended = signed_in["admin"].form("/admin/sessions/end-all")
    assert ended.status_code == 303 and ended.location.endswith("/admin/login")
    for name in ("clerk", "reviewer", "auditor", "admin"):
        assert signed_in[name].get("/api/v1/admin/session").status_code == 401


def test_an_admin_ends_one_accounts_sessions_from_the_console(signed_in, users) -> None:
    done = signed_in["admin"].form(f"/admin/users/{users['clerk'].id}/end-sessions")
    assert done.status_code == 303
    assert signed_in["clerk"].get("/api/v1/admin/session").status_code == 401
    assert signed_in["auditor"].get("/api/v1/admin/session").status_code == 200
    assert signed_in["admin"].get("/api/v1/admin/session").status_code == 200


def test_a_password_change_and_an_admin_reset_end_the_accounts_sessions(
    app: Flask, users: dict[str, User], signed_in: dict[str, SignedIn]
) -> None:
    elsewhere = app.test_client()
    assert console_login(elsewhere, "clerk").status_code == 303
    changed = signed_in["clerk"].form(
        "/admin/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "another quite long secret",
            "confirm_password": "another quite long secret",
        },
    )
    assert changed.status_code == 303
    assert elsewhere.get("/api/v1/admin/session").status_code == 401
    assert signed_in["clerk"].get("/api/v1/admin/session").status_code == 200

    reset = signed_in["admin"].post(f"/api/v1/admin/users/{users['clerk'].id}/reset-password")
    assert reset.status_code == 200
    assert signed_in["clerk"].get("/api/v1/admin/session").status_code == 401


def test_deactivating_an_account_ends_its_sessions(
    app: Flask, users: dict[str, User], signed_in: dict[str, SignedIn]
) -> None:
    closed = signed_in["admin"].post(f"/api/v1/admin/users/{users['auditor'].id}/deactivate")
    assert closed.status_code == 200, closed.get_json()
    assert signed_in["auditor"].get("/api/v1/admin/session").status_code == 401
    assert signed_in["clerk"].get("/api/v1/admin/session").status_code == 200


@ON_REDIS
def test_redis_keeps_only_the_token_hash_with_a_ttl_renewed_on_use(
    app: Flask, users: dict[str, User], clock_at: list[dt.datetime]
) -> None:
    client = app.test_client()
    assert console_login(client, "clerk").status_code == 303
    token = _cookie_token(app, client)
    (key,) = redis_keys(app, "token:*")
    assert key.endswith(hashlib.sha256(token.encode()).hexdigest()) and token not in key
    assert redis_keys(app, f"user:{users['clerk'].id}") != []
    store = redis.Redis.from_url(app.config["SESSION_REDIS_URL"], decode_responses=True)
    assert 0 < store.ttl(key) <= 30 * 60

    store.expire(key, 60)  # as if time had passed; a request after a minute renews it
    clock_at[0] += dt.timedelta(minutes=5)
    assert client.get("/api/v1/admin/session").status_code == 200
    assert store.ttl(key) > 29 * 60
    assert store.hget(key, "last_seen_at") == clock_at[0].isoformat()

    # Near the absolute limit the TTL is what is left of the 12 hours, not 30 minutes.
    clock_at[0] += dt.timedelta(hours=11, minutes=40)
    store.hset(key, "last_seen_at", (clock_at[0] - dt.timedelta(minutes=2)).isoformat())
    assert client.get("/api/v1/admin/session").status_code == 200
    assert 0 < store.ttl(key) <= 15 * 60

    assert client.post("/admin/logout", data={"csrf_token": _csrf(client)}).status_code == 303
    assert redis_keys(app) == []


def _cookie_token(app: Flask, client: FlaskClient) -> str:
    """The session token the signed cookie carries."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.loads(cookie.value)["sid"])


def _csrf(client: FlaskClient) -> str:
    return str(client.get("/api/v1/admin/session").get_json()["csrf_token"])


def test_an_unreachable_redis_answers_503_not_500(tmp_path: Path) -> None:
    down = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'down.sqlite3'}",
        SESSION_REDIS_URL="redis://127.0.0.1:1/0",
    )
    with down.app_context():
        Base.metadata.create_all(db.engine)
        builders.user(db.session(), "clerk")
        answer = console_login(down.test_client(), "clerk")
        assert answer.status_code == 503
        assert answer.get_json()["code"] == "session_store_unavailable"
        chinese = console_login(down.test_client(), "clerk", headers={"Accept-Language": "zh"})
        assert chinese.status_code == 503
        assert chinese.get_json()["message"] == "会话存储暂不可用，请稍后重试。"
        db.session.remove()
        db.engine.dispose()


@ON_REDIS
def test_a_session_ended_while_in_use_is_not_written_back(
    app: Flask, users: dict[str, User]
) -> None:
    client = app.test_client()
    assert console_login(client, "clerk").status_code == 303
    hashed = hashlib.sha256(_cookie_token(app, client).encode()).hexdigest()
    store = store_for(db.session(), DatabaseStore())
    assert isinstance(store, RedisStore)
    assert store.renew(hashed, clock.utcnow(), 60) is True
    end_all_sessions(db.session(), actor(users["admin"]), clock.utcnow())
    assert store.renew(hashed, clock.utcnow(), 60) is False
    assert redis_keys(app) == []
