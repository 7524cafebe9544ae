"""Fixtures for the admin surface: accounts per role and signed-in clients (API and console)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from registry.models import User
from tests import builders
from tests.api.session_stores import app_on_each_store  # noqa: F401 (a fixture)
from tests.builders import PASSWORD, STAFF

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def users(session: Session) -> dict[str, User]:
    """One account per role (two reviewers), all with PASSWORD."""
    return builders.users(session)


def csrf_from(page: TestResponse) -> str:
    """The CSRF token embedded in a rendered form."""
    found = _CSRF_RE.search(page.get_data(as_text=True))
    assert found, "the page has no CSRF token field"
    return found.group(1)


def console_login(
    client: FlaskClient,
    username: str,
    password: str = PASSWORD,
    totp: str = "",
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """Sign in through the console form, CSRF token included."""
    token = csrf_from(client.get("/admin/login"))
    return client.post(
        "/admin/login",
        headers=headers,
        data={
            "csrf_token": token,
            "username": username,
            "password": password,
            "totp": totp,
        },
    )


@dataclass
class SignedIn:
    """A test client signed in as one user, sending the CSRF token on unsafe requests."""

    client: FlaskClient
    csrf_token: str

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(self, path: str, json: Any = None) -> TestResponse:
        return self.client.post(
            path, json=json if json is not None else {}, headers={"X-CSRFToken": self.csrf_token}
        )

    def form(self, path: str, data: dict[str, Any] | None = None) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.csrf_token, **(data or {})})


@pytest.fixture
def signed_in(app: Flask, users: dict[str, User]) -> Iterator[dict[str, SignedIn]]:
    """A signed-in client per account name in STAFF, reading the console in English."""
    clients = {}
    for name in STAFF:
        client = app.test_client()
        client.set_cookie("lang", "en")
        assert console_login(client, name).status_code == 303
        token = client.get("/api/v1/admin/session").get_json()["csrf_token"]
        clients[name] = SignedIn(client, token)
    yield clients


@pytest.fixture
def anonymous(app: Flask) -> SignedIn:
    """A client that never signed in but holds a valid CSRF token."""
    client = app.test_client()
    return SignedIn(client, csrf_from(client.get("/admin/login")))


@pytest.fixture
def deliberate_subject(session: Session, users: dict[str, User]) -> int:
    """A foreign company with one effective, deliberate infringement finding (case 1)."""
    company = builders.foreign_company(session)
    builders.case(
        session,
        company.id,
        authority="Fuzhou IP Office",
        document_number="FZ-2025-001",
        decided_on=dt.date(2025, 3, 1),
        effective_on=dt.date(2025, 4, 1),
        kind="court_judgment",
        deliberate=True,
    )
    return company.id
