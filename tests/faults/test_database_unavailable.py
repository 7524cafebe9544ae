"""PostgreSQL unreachable while the app serves: 503 `database_unavailable`, then recovery.

The machine's PostgreSQL server keeps running (other tests use it): only the test database is
closed to connections (`ALLOW_CONNECTIONS false`) and the app's sessions on it terminated. The
app is never restarted: `pool_pre_ping` replaces the dead connections once the database is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

pytestmark = pytest.mark.pg

DB_BACKED = ["/api/v1/entries", "/api/v1/changes", "/api/v1/log/checkpoint", "/"]


@contextmanager
def database_closed(database_url: str) -> Iterator[None]:
    """Refuse new connections to the database and end the open ones; re-open afterwards."""
    url = make_url(database_url)
    name = url.database
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def test_requests_get_503_while_the_database_is_down_and_recover(
    pg_app: Flask, pg_database: str
) -> None:
    client = pg_app.test_client()
    # Warm the pool first, so the outage hits connections the app believes are alive.
    for path in DB_BACKED:
        assert client.get(path).status_code < 500, path
    assert pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True

    with database_closed(pg_database):
        for path in DB_BACKED:
            response = client.get(path)
            assert response.status_code == 503, (path, response.get_data(as_text=True)[:300])
            body = response.get_json()
            assert body["code"] == "database_unavailable", path
            assert "retry" in body["message"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["database"]["ok"] is False
        assert client.get("/healthz").status_code == 200  # the process itself is alive

    for path in DB_BACKED:
        assert client.get(path).status_code < 500, path
    ready = client.get("/readyz").get_json()
    assert ready["checks"]["database"]["ok"] is True


def test_a_write_during_the_outage_is_503_and_leaves_nothing(
    pg_app: Flask, pg_database: str
) -> None:

    from runtime.extensions import db
    from tests import builders
    from tests.api.conftest import console_login

    builders.user(db.session, "clerk")
    client = pg_app.test_client()
    assert console_login(client, "clerk").status_code == 303
    token = client.get("/api/v1/admin/session").get_json()["csrf_token"]
    body = {"kind": "legal_person", "name": "Outage Trading Ltd"}

    with database_closed(pg_database):
        response = client.post("/api/v1/admin/subjects", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 503
        assert response.get_json()["code"] == "database_unavailable"

    listing = client.get("/api/v1/admin/subjects?name=Outage").get_json()
    assert listing == [], "a request that failed with 503 must not have stored anything"
    retried = client.post("/api/v1/admin/subjects", json=body, headers={"X-CSRFToken": token})
    assert retried.status_code == 201
