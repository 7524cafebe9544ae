"""Bearer keys at the edge: 401, 403 and 429, the admin endpoints and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from registry.models import Base
from runtime.extensions import db
from tests.api.conftest import SignedIn
from tests.api.screening_api.screening_fixtures import bearer, new_key
from tests.conftest import make_app


@pytest.fixture
def key(session: Session) -> str:
    """A key with the screen scope."""
    return new_key(session)


def test_missing_unknown_and_revoked_keys_get_401(
    client: FlaskClient, key: str, signed_in: dict[str, SignedIn]
) -> None:
    body = {"queries": [{"name": "X Ltd"}]}
    missing = client.post("/api/v1/screen", json=body)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert "Authorization: Bearer" in missing.get_json()["message"]
    unknown = client.post("/api/v1/screen", json=body, headers=bearer(key[:-3] + "abc"))
    assert unknown.status_code == 401 and "unknown API key" in unknown.get_json()["message"]
    malformed = client.post("/api/v1/screen", json=body, headers=bearer("not-a-key"))
    assert malformed.status_code == 401 and "malformed" in malformed.get_json()["message"]
    listed = signed_in["admin"].get("/api/v1/admin/api-keys").get_json()
    revoked = signed_in["admin"].post(f"/api/v1/admin/api-keys/{listed[0]['id']}/revoke")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    refused = client.post("/api/v1/screen", json=body, headers=bearer(key))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["message"]


def test_a_key_without_the_scope_gets_403(client: FlaskClient, session: Session) -> None:
    watcher = new_key(session, scopes="watch")
    refused = client.get("/api/v1/lookup?scheme=cn_uscc&value=x", headers=bearer(watcher))
    assert refused.status_code == 403 and "'screen' scope" in refused.get_json()["message"]
    body = {"scheme": "cn_uscc", "value": "x"}
    refused = client.post("/api/v1/lookup", json=body, headers=bearer(watcher))
    assert refused.status_code == 403
    assert client.get("/api/v1/usage", headers=bearer(watcher)).status_code == 200


def test_a_key_over_its_rate_limit_gets_429(client: FlaskClient, session: Session) -> None:
    slow = new_key(session, rate_limit="2/minute")
    for _ in range(2):
        assert client.get("/api/v1/usage", headers=bearer(slow)).status_code == 200
    refused = client.get("/api/v1/usage", headers=bearer(slow))
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "too_many_requests"
    assert "2/minute" in refused.get_json()["message"] and refused.headers["Retry-After"]
    assert client.get("/api/v1/usage", headers=bearer(new_key(session))).status_code == 200


def test_apikey_commands(runner: FlaskCliRunner) -> None:
    created = runner.invoke(
        args=[
            "apikey",
            "create",
            "--name",
            "Bank",
            "--scopes",
            "screen,watch",
            "--rate-limit",
            "60/minute",
        ]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("ipl_")
    listed = runner.invoke(args=["apikey", "list"])
    assert (
        "Bank" in listed.output and "screen,watch" in listed.output and secret not in listed.output
    )
    key_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(args=["apikey", "revoke", key_id]).exit_code == 0
    again = runner.invoke(args=["apikey", "revoke", key_id])
    assert again.exit_code != 0 and "already revoked" in again.output
    bad = runner.invoke(args=["apikey", "create", "--name", "X", "--scopes", "read"])
    assert bad.exit_code != 0 and "unknown scope read" in bad.output


def test_only_admins_manage_keys(signed_in: dict[str, SignedIn]) -> None:
    body = {"name": "Bank", "scopes": ["screen"]}
    assert signed_in["reviewer"].post("/api/v1/admin/api-keys", json=body).status_code == 403
    assert signed_in["auditor"].get("/api/v1/admin/api-keys").status_code == 403
    made = signed_in["admin"].post("/api/v1/admin/api-keys", json=body).get_json()
    listed = signed_in["admin"].get("/api/v1/admin/api-keys").get_json()
    assert listed[0]["prefix"] == made["prefix"] and "key" not in listed[0]


def test_failed_key_attempts_from_one_address_are_rate_limited(
    app, client: FlaskClient, session: Session
) -> None:
    app.config["REGISTRY"]["API_KEY_FAILURES"] = "3/minute"
    good = new_key(session)
    for _ in range(3):
        guessed = client.get("/api/v1/usage", headers=bearer("ipl_abcdefgh_" + "x" * 40))
        assert guessed.status_code == 401
    held = client.get("/api/v1/usage", headers=bearer("ipl_abcdefgh_" + "y" * 40))
    assert held.status_code == 429
    assert "too many failed API-key authentications" in held.get_json()["message"]
    # The wait is per address: another client still gets through.
    other = client.get(
        "/api/v1/usage", headers=bearer(good), environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 200


def test_with_rate_limiting_off_failed_keys_are_plain_401s(tmp_path) -> None:
    from tests.conftest import make_app

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'off.sqlite3'}", RATELIMIT_ENABLED=False)
    with app.app_context():
        from registry.models import Base
        from runtime.extensions import db

        Base.metadata.create_all(db.engine)
        client = app.test_client()
        for _ in range(25):
            guessed = client.get("/api/v1/usage", headers=bearer("ipl_abcdefgh_" + "x" * 40))
            assert guessed.status_code == 401
        db.session.remove()
        db.engine.dispose()


def test_keys_of_two_registries_on_one_limit_store_count_apart(tmp_path: Path) -> None:
    # Web nodes of two registries (say staging and production) may share one Redis: a key's
    # counter is its own, not that of whichever key has the same row id in the other database.
    keys = []
    clients = []
    for name in ("staging", "production"):
        registry_app = make_app(tmp_path / name, f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
        with registry_app.app_context():
            Base.metadata.create_all(db.engine)
            keys.append(new_key(db.session, rate_limit="2/minute"))
            db.session.commit()
        clients.append(registry_app.test_client())
    first, second = clients
    for _ in range(2):
        assert first.get("/api/v1/usage", headers=bearer(keys[0])).status_code == 200
    assert first.get("/api/v1/usage", headers=bearer(keys[0])).status_code == 429
    assert second.get("/api/v1/usage", headers=bearer(keys[1])).status_code == 200
