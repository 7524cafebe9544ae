"""Changing a password in the console, and an admin's reset that holds the next sign-in."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import SignedIn, console_login, csrf_from
from tests.builders import PASSWORD

NEW = "another quite long secret"


def _change(client, current: str, new: str, again: str | None = None):
    token = csrf_from(client.get("/admin/account/password"))
    return client.post(
        "/admin/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm_password": new if again is None else again,
        },
    )


def test_a_change_keeps_this_session_and_ends_the_others(app: Flask, users) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    assert console_login(here, "clerk").status_code == 303
    assert console_login(elsewhere, "clerk").status_code == 303

    wrong = _change(here, "not the password!", NEW)
    assert wrong.status_code == 422
    assert "当前密码：与账户密码不符。" in wrong.get_data(as_text=True)
    common = _change(here, PASSWORD, "qwertyuiop123")
    assert common.status_code == 422 and "新密码：属于常见密码" in common.get_data(as_text=True)
    mismatch = _change(here, PASSWORD, NEW, "something else entirely")
    assert mismatch.status_code == 422 and "再次输入新密码" in mismatch.get_data(as_text=True)

    assert _change(here, PASSWORD, NEW).status_code == 303
    assert here.get("/api/v1/admin/session").status_code == 200
    assert elsewhere.get("/api/v1/admin/session").status_code == 401
    assert console_login(app.test_client(), "clerk", NEW).status_code == 303


def test_after_an_admin_reset_the_next_sign_in_must_choose_a_password(
    app: Flask, users, signed_in: dict[str, SignedIn]
) -> None:
    clerk_id = users["clerk"].id
    refused = signed_in["reviewer"].post(f"/api/v1/admin/users/{clerk_id}/reset-password")
    assert refused.status_code == 403
    reset = signed_in["admin"].post(f"/api/v1/admin/users/{clerk_id}/reset-password")
    assert reset.status_code == 200
    temporary = reset.get_json()["temporary_password"]
    assert signed_in["clerk"].get("/api/v1/admin/session").status_code == 401  # sessions ended

    client = app.test_client()
    assert console_login(client, "clerk", temporary).status_code == 303
    held = client.get("/admin/subjects")
    assert held.status_code == 303 and held.location.endswith("/admin/account/password")
    api = client.get("/api/v1/admin/session")
    assert api.status_code == 403 and api.get_json()["code"] == "password_required"
    assert _change(client, temporary, NEW).status_code == 303
    assert client.get("/admin/subjects").status_code == 200


def test_the_console_reset_shows_the_temporary_password_once(
    app: Flask, users, signed_in: dict[str, SignedIn]
) -> None:
    page = signed_in["admin"].form(f"/admin/users/{users['clerk'].id}/reset-password")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "The account clerk now has this temporary password" in page.get_data(as_text=True)
