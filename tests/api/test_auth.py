"""Session login: passwords, lockout, TOTP, logout, and CSRF on forms and the admin API."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from flask import Blueprint, Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import csrf_exempt_blueprint
from registry.accounts.login import REFUSED
from registry.accounts.throttle import FREE_ATTEMPTS
from registry.models import AuditRecord, LoginThrottle, User, utcnow
from tests.api.conftest import SignedIn, console_login, csrf_from
from tests.builders import PASSWORD


def test_login_starts_a_session_and_logout_ends_it(client, users):
    response = console_login(client, "clerk")
    assert response.status_code == 303
    assert response.location.endswith("/admin/")
    assert client.get("/api/v1/admin/session").get_json()["role"] == "clerk"

    token = csrf_from(client.get("/admin/"))
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/api/v1/admin/session").status_code == 401


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, users, session):
    response = console_login(client, "clerk", "wrong password!")
    assert response.status_code == 401
    assert REFUSED in response.get_data(as_text=True)
    unknown = console_login(client, "nobody", "wrong password!")
    assert unknown.status_code == 401 and REFUSED in unknown.get_data(as_text=True)
    failed = session.scalars(select(AuditRecord).where(AuditRecord.action == "user.login_failed"))
    assert [record.object_id for record in failed] == ["clerk", "nobody"]


def test_repeated_failures_make_the_next_attempt_wait_and_are_audited(client, users, session):
    for _ in range(FREE_ATTEMPTS):
        assert console_login(client, "clerk", "wrong password!").status_code == 401

    held = console_login(client, "clerk")  # even the right password waits now
    assert held.status_code == 401
    assert "too many failed sign-ins; try again in" in held.get_data(as_text=True)
    failed = session.scalars(select(AuditRecord).where(AuditRecord.action == "user.login_failed"))
    assert len(list(failed)) == FREE_ATTEMPTS


def test_login_works_again_once_the_wait_has_run_out(client, users, session):
    for _ in range(FREE_ATTEMPTS):
        console_login(client, "clerk", "wrong password!")
    for row in session.scalars(select(LoginThrottle)):
        row.retry_after = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    assert console_login(client, "clerk").status_code == 303
    assert session.get(LoginThrottle, "account:clerk") is None


def test_deactivated_account_cannot_sign_in_and_loses_its_session(client, users, session):
    assert console_login(client, "clerk").status_code == 303
    session.get(User, users["clerk"].id).active = False
    session.commit()
    assert client.get("/api/v1/admin/session").status_code == 401
    assert console_login(client, "clerk").status_code == 401


def test_login_redirects_only_inside_the_console(client, users):
    token = csrf_from(client.get("/admin/login"))
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "username": "clerk",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.location.endswith("/admin/")


@pytest.mark.parametrize(
    "target", ["/admin/\r\nSet-Cookie: x=1", "/admin/\nLocation: //evil.example", "/admin\\@evil"]
)
def test_a_next_with_control_characters_is_replaced_not_a_500(client, users, target):
    token = csrf_from(client.get("/admin/login"))
    response = client.post(
        "/admin/login",
        data={"csrf_token": token, "username": "clerk", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 303
    assert response.location.endswith("/admin/")


def _enrol_totp(client) -> str:
    page = client.get("/admin/account/totp").get_data(as_text=True)
    secret = re.search(r"<dd><code>([A-Z2-7]+)</code></dd>", page).group(1)
    token = csrf_from(client.get("/admin/account/totp"))
    wrong = client.post(
        "/admin/account/totp", data={"csrf_token": token, "code": "000000"}, follow_redirects=True
    )
    assert "the code does not match" in wrong.get_data(as_text=True)
    right = client.post(
        "/admin/account/totp", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}
    )
    assert right.status_code == 303
    return secret


def test_totp_once_enabled_is_required_at_sign_in(app: Flask, client, users, session: Session):
    assert console_login(client, "reviewer").status_code == 303
    secret = _enrol_totp(client)
    session.expire_all()
    assert session.get(User, users["reviewer"].id).totp_secret == secret

    fresh = app.test_client()
    missing = console_login(fresh, "reviewer")
    assert missing.status_code == 401
    assert REFUSED in missing.get_data(as_text=True)  # the same answer as a wrong password
    assert console_login(fresh, "reviewer", totp="123456").status_code == 401
    assert console_login(fresh, "reviewer", totp=pyotp.TOTP(secret).now()).status_code == 303


def test_form_post_without_csrf_token_is_refused(client, users):
    response = client.post("/admin/login", data={"username": "clerk", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌缺失或已过期" in response.get_data(as_text=True)  # the console's language


def test_admin_api_needs_the_csrf_header_for_unsafe_requests(signed_in: dict[str, SignedIn]):
    clerk = signed_in["clerk"]
    body = {"kind": "legal_person", "name": "Beta Co"}
    refused = clerk.client.post("/api/v1/admin/subjects", json=body)
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["message"]
    forged = clerk.client.post(
        "/api/v1/admin/subjects", json=body, headers={"X-CSRFToken": "forged"}
    )
    assert forged.status_code == 400
    assert clerk.post("/api/v1/admin/subjects", body).status_code == 201


def test_exempted_blueprint_takes_unsafe_requests_without_a_token(app: Flask):
    keyed = Blueprint("bearer_example", __name__)

    @keyed.post("/api/v1/example")
    def example() -> dict[str, bool]:
        return {"ok": True}

    csrf_exempt_blueprint(keyed)
    app.register_blueprint(keyed)
    assert app.test_client().post("/api/v1/example", json={}).get_json() == {"ok": True}
