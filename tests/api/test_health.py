"""Liveness and readiness probes, and the security headers they carry."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from sqlalchemy.exc import OperationalError

from api.extensions import db


def test_healthz_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_readyz_reports_database(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"]["ok"] is True


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
