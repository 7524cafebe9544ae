"""Liveness and readiness probes, and the security headers they carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from runtime.extensions import db


def test_healthz_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_readyz_reports_each_check(client: FlaskClient) -> None:
    response = client.get("/readyz")
    checks = response.json["checks"]
    assert checks["database"]["ok"] is True
    assert checks["signing_keys"]["ok"] is True
    # Nothing has been published yet, so the feed is not fresh and the service not ready.
    assert checks["feed"] == {"ok": False, "detail": "no feed published yet"}
    assert response.status_code == 503


def test_readyz_is_ready_after_a_publication(app: Flask, client: FlaskClient) -> None:
    from publisher.jobs import run_publication

    run_publication(app)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"


def test_readyz_fails_when_signing_keys_are_unreadable(app: Flask, client: FlaskClient) -> None:
    keys_file = Path(app.config["KEYS_DIR"]) / "keys.json"
    keys_file.write_text("{not json")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "damaged" in response.json["checks"]["signing_keys"]["detail"]


def test_readyz_fails_when_database_is_unreachable(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is False
    assert "unreachable" in response.json["checks"]["database"]["detail"]


def test_unknown_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
    assert response.json["status"] == 404
