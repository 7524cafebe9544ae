"""The password policy and the published demo password."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.login import LoginRefused, authenticate
from registry.accounts.passwords import DEMO_PASSWORD, check_password
from registry.errors import InvalidValue
from registry.models import AuditRecord

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 12 characters"),
        (DEMO_PASSWORD, "the published demo password"),
        ("my-name-is-Alice-ok", "must not contain the username"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason) as refused:
        check_password(password, "alice")
    assert refused.value.field == "password"


def test_only_the_demo_loader_may_use_the_demo_password(bare_session: Session) -> None:
    with pytest.raises(InvalidValue, match="published demo password"):
        accounts.create_user(bare_session, "real-admin", "admin", DEMO_PASSWORD)
    demo = accounts.create_user(
        bare_session, "demo-admin", "admin", DEMO_PASSWORD, allow_demo_password=True
    )
    assert authenticate(bare_session, "demo-admin", DEMO_PASSWORD, "", NOW) is demo


def test_production_refuses_the_demo_password_at_sign_in(bare_session: Session) -> None:
    accounts.create_user(
        bare_session, "demo-admin", "admin", DEMO_PASSWORD, allow_demo_password=True
    )
    with pytest.raises(LoginRefused, match="sign-in refused"):
        authenticate(bare_session, "demo-admin", DEMO_PASSWORD, "", NOW, production=True)
    refused = bare_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "user.login_failed")
    ).one()
    assert refused.object_id == "demo-admin"
    assert "demo password" in (refused.reason or "")
