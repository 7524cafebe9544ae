"""One signed-in clerk per test: cheaper than the five accounts of tests/api's `signed_in`."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests import builders
from tests.api.conftest import SignedIn, console_login


@pytest.fixture
def clerk(app: Flask, session: Session) -> SignedIn:
    """A client signed in as a clerk, holding its CSRF token."""
    builders.user(session, "clerk")
    client = app.test_client()
    assert console_login(client, "clerk").status_code == 303
    return SignedIn(client, client.get("/api/v1/admin/session").get_json()["csrf_token"])
