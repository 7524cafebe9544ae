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
from registry.accounts.throttle import FREE_ATTEMPTS
from registry.models import AuditRecord, LoginThrottle, User, utcnow
from tests.api.conftest import SignedIn, console_login, csrf_from
from tests.builders import PASSWORD

# The console's one answer to every refused sign-in, in the default language (Chinese).
REFUSED = "登录被拒绝：请核对用户名、密码和验证码。"


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
    assert "登录失败次数过多：请" in held.get_data(as_text=True)
    english = console_login(client, "clerk", headers={"Accept-Language": "en"})
    assert "Too many failed sign-ins: try again in" in english.get_data(as_text=True)
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


def _enrol_totp(client) -> tuple[str, list[str]]:
    page = client.get("/admin/account/totp").get_data(as_text=True)
    secret = re.search(r"<dd><code>([A-Z2-7]+)</code></dd>", page).group(1)
    token = csrf_from(client.get("/admin/account/totp"))
    wrong = client.post("/admin/account/totp", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 422
    assert "验证码不匹配" in wrong.get_data(as_text=True)
    right = client.post(
        "/admin/account/totp", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}
    )
    assert right.status_code == 200 and right.headers["Cache-Control"] == "no-store"
    codes = re.findall(
        r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", right.get_data(as_text=True)
    )
    return secret, codes


def _next_code(secret: str) -> str:
    """A code of the next time step (the current one was spent confirming the enrolment)."""
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))


def test_totp_once_enabled_is_required_at_sign_in(app: Flask, client, users, session: Session):
    assert console_login(client, "reviewer").status_code == 303
    secret, codes = _enrol_totp(client)
    assert len(codes) == 10
    session.expire_all()
    assert session.get(User, users["reviewer"].id).totp_secret == secret

    fresh = app.test_client()
    missing = console_login(fresh, "reviewer")
    assert missing.status_code == 401
    assert REFUSED in missing.get_data(as_text=True)  # the same answer as a wrong password
    assert console_login(fresh, "reviewer", totp=_next_code(secret)).status_code == 303
    # The same code again, inside its window: refused with the same answer.
    again = console_login(app.test_client(), "reviewer", totp=_next_code(secret))
    assert again.status_code == 401 and REFUSED in again.get_data(as_text=True)
    # A recovery code signs in once (two failures so far: still under the throttle).
    assert console_login(app.test_client(), "reviewer", totp=codes[0]).status_code == 303
    assert console_login(app.test_client(), "reviewer", totp=codes[0]).status_code == 401


@pytest.fixture
def production(app: Flask) -> Flask:
    app.config["REGISTRY_ENV"] = "production"
    return app


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_in_production_reviewers_and_admins_enrol_before_anything_else(
    production: Flask, users, role: str
) -> None:
    client = production.test_client()
    assert console_login(client, role).status_code == 303
    held = client.get("/admin/")
    assert held.status_code == 303 and held.location.endswith("/admin/account/totp")
    assert client.get("/admin/audit").status_code == 303
    api = client.get("/api/v1/admin/session")
    assert api.status_code == 403 and api.get_json()["code"] == "second_factor_required"
    page = client.get("/admin/account/totp").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code of the enrolment link

    _secret, _codes = _enrol_totp(client)
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/admin/session").get_json()["role"] == role


@pytest.mark.parametrize("role", ["clerk", "auditor"])
def test_in_production_other_roles_are_not_held(production: Flask, users, role: str) -> None:
    client = production.test_client()
    assert console_login(client, role).status_code == 303
    assert client.get("/admin/").status_code == 200


def test_the_secret_being_enrolled_never_travels_in_the_cookie(
    app: Flask, client, users, session: Session
) -> None:
    assert console_login(client, "reviewer").status_code == 303
    page = client.get("/admin/account/totp").get_data(as_text=True)
    secret = re.search(r"<dd><code>([A-Z2-7]+)</code></dd>", page).group(1)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    contents = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert secret not in repr(contents)
    session.expire_all()
    assert session.get(User, users["reviewer"].id).totp_pending_secret == secret


def test_replacing_the_authenticator_needs_password_and_code_with_one_answer(
    app: Flask, client, users, session: Session
) -> None:
    assert console_login(client, "reviewer").status_code == 303
    secret, codes = _enrol_totp(client)
    page = client.get("/admin/account/totp")
    text = page.get_data(as_text=True)
    assert "更换验证器" in text and "<dd><code>" not in text  # no secret without the password
    token = csrf_from(page)

    def replace(password: str, code: str):
        return client.post(
            "/admin/account/totp/replace",
            data={"csrf_token": token, "password": password, "code": code},
        )

    wrong_password = replace("not the password!", _next_code(secret))
    wrong_code = replace(PASSWORD, "000000")
    assert wrong_password.status_code == wrong_code.status_code == 401
    assert "已拒绝：请核对密码和验证码。" in wrong_password.get_data(as_text=True)
    assert "已拒绝：请核对密码和验证码。" in wrong_code.get_data(as_text=True)
    assert replace(PASSWORD, codes[1]).status_code == 303
    new_page = client.get("/admin/account/totp").get_data(as_text=True)
    new_secret = re.search(r"<dd><code>([A-Z2-7]+)</code></dd>", new_page).group(1)
    assert new_secret != secret


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
