"""The admin API's four eyes on accounts: a reviewer or admin waits for a second admin (202)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests import builders
from tests.api.conftest import SignedIn, console_login

API = "/api/v1/admin"


def test_a_second_admin_confirms_a_new_reviewer(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    admin = signed_in["admin"]
    body = {"username": "rita", "role": "reviewer", "password": "long enough password"}
    asked = admin.post(f"{API}/users", body)
    assert asked.status_code == 202
    request_id = asked.get_json()["id"]
    assert asked.get_json()["requested_by"] == "admin" and "password" not in asked.get_data(True)
    waiting = signed_in["auditor"].get(f"{API}/users/requests").get_json()
    assert [r["username"] for r in waiting] == ["rita"]
    own = admin.post(f"{API}/users/requests/{request_id}/confirm")
    assert own.status_code == 409
    assert "another admin must confirm" in own.get_json()["message"]

    builders.user(session, "admin", username="second")
    client = app.test_client()
    assert console_login(client, "second").status_code == 303
    second = SignedIn(client, client.get(f"{API}/session").get_json()["csrf_token"])
    confirmed = second.post(f"{API}/users/requests/{request_id}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["outcome"] == "confirmed"
    assert "rita" in {u["username"] for u in admin.get(f"{API}/users").get_json()}
    assert admin.get(f"{API}/users/requests").get_json() == []
