"""Schemathesis over the whole OpenAPI spec, admin routes included: no request gets a 5xx.

One app for the whole run; user and key management is called as an admin, everything else as
a clerk (who records subjects, cases and listings), always with a bearer key holding every
scope, so generated requests reach the views instead of stopping at 401/403.
Bounded: a few examples per operation keep the run around a minute on two cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from registry.clients.api_keys import SCOPES, create_key
from registry.models import Base
from runtime.extensions import db
from tests import builders
from tests.api.conftest import console_login
from tests.conftest import make_app

EXAMPLES_PER_OPERATION = 6


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with an admin, a clerk, one subject with one case, on a fresh SQLite file."""
    tmp_path = Path(tmp_path_factory.mktemp("schemathesis"))
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'api.sqlite3'}", RATELIMIT_ENABLED=False)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        admin = builders.user(db.session, "admin")
        builders.deliberate_subject(db.session)
        app.config["TEST_BEARER"] = create_key(
            db.session, builders.actor(admin), "fuzz", SCOPES
        ).secret
        yield app
        db.session.remove()
        db.engine.dispose()


ADMIN_ONLY = ("/api/v1/admin/users", "/api/v1/admin/api-keys", "/api/v1/admin/audit")


USER_AGENT = "registry-fuzz"  # session protection ties the session to the user agent


def signed_in_client(app: Flask, username: str) -> tuple[FlaskClient, dict[str, str]]:
    """A test client holding `username`'s session cookie, and the headers every request needs."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    assert console_login(client, username).status_code == 303
    token = client.get("/api/v1/admin/session").get_json()["csrf_token"]
    return client, {
        "User-Agent": USER_AGENT,
        "X-CSRFToken": token,
        "Authorization": f"Bearer {app.config['TEST_BEARER']}",
    }


def server_errors(operation: Any, client: FlaskClient, headers: dict[str, str]) -> list[str]:
    """Generate requests for one operation, sent by `client`; describe any that got a 5xx."""
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        response = client.open(**WSGI_TRANSPORT.serialize_case(case, headers=headers))
        if response.status_code >= 500:
            found.append(
                f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.200}"
                f" -> {response.status_code} {response.get_data(as_text=True)[:200]}"
            )

    exercise()
    return found


def test_no_operation_answers_with_a_server_error(served: Flask) -> None:
    signed_in = {name: signed_in_client(served, name) for name in ("admin", "clerk")}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", served)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        user = "admin" if operation.path.startswith(ADMIN_ONLY) else "clerk"
        failures.extend(server_errors(operation, *signed_in[user]))
    assert operations >= 30, "the spec lost most of its operations"
    assert not failures, "\n".join(failures)
