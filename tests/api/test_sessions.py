"""Server-side sessions: logout, timeouts, role changes and an admin end them."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry import clock
from registry.accounts.sessions import end_all_sessions
from registry.models import AdminSession, User
from tests.api.conftest import SignedIn, console_login
from tests.builders import actor


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
    session: Session, signed_in: dict[str, SignedIn], users: dict[str, User]
) -> None:
    ended = end_all_sessions(session, actor(users["admin"]), clock.utcnow())
    assert ended == len(signed_in)
    assert all(s.get("/api/v1/admin/subjects").status_code == 401 for s in signed_in.values())
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
