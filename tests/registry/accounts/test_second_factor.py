"""The second factor: which codes match, the enrolment URI, and turning TOTP on."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.second_factor import (
    enable_totp,
    new_totp_secret,
    totp_matches,
    totp_uri,
)
from registry.errors import Forbidden, InvalidValue
from registry.models import AuditRecord

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = dt.datetime(2026, 3, 2, 9, 30, 10, tzinfo=dt.UTC)
STEP = dt.timedelta(seconds=30)


def _code(at: dt.datetime) -> str:
    return pyotp.TOTP(SECRET).at(at)


def test_the_current_code_matches_with_one_step_of_drift_either_way() -> None:
    assert totp_matches(SECRET, _code(NOW), NOW)
    assert totp_matches(SECRET, _code(NOW - STEP), NOW)
    assert totp_matches(SECRET, _code(NOW + STEP), NOW)
    assert not totp_matches(SECRET, _code(NOW - 2 * STEP), NOW)
    assert not totp_matches(SECRET, _code(NOW + 2 * STEP), NOW)


def test_spaces_are_ignored_and_anything_but_digits_never_matches() -> None:
    code = _code(NOW)
    assert totp_matches(SECRET, f"{code[:3]} {code[3:]}", NOW)
    assert not totp_matches(SECRET, "", NOW)
    assert not totp_matches(SECRET, "abcdef", NOW)
    assert not totp_matches(SECRET, f"-{code[1:]}", NOW)


def test_new_secrets_are_fresh_base32() -> None:
    first, second = new_totp_secret(), new_totp_secret()
    assert first != second
    assert len(first) == 32 and set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_uri_names_the_registry_and_the_account() -> None:
    uri = urlparse(totp_uri(SECRET, "reviewer"))
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Patent%20Registry:reviewer")
    assert parse_qs(uri.query) == {"secret": [SECRET], "issuer": ["Patent Registry"]}


def test_enabling_needs_a_matching_code_and_is_audited(bare_session: Session) -> None:
    user = accounts.create_user(bare_session, "reviewer", "reviewer", "a long enough secret")

    with pytest.raises(InvalidValue) as wrong:
        enable_totp(bare_session, user.id, SECRET, _code(NOW - 2 * STEP), NOW)
    assert wrong.value.field == "totp"
    assert user.totp_secret is None

    enable_totp(bare_session, user.id, SECRET, _code(NOW), NOW)
    assert user.totp_secret == SECRET
    record = bare_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "user.totp_enable")
    ).one()
    assert (record.actor, record.object_id) == ("reviewer", str(user.id))


def test_an_account_that_is_gone_cannot_enable_it(bare_session: Session) -> None:
    with pytest.raises(Forbidden, match="no longer exists"):
        enable_totp(bare_session, 404, SECRET, _code(NOW), NOW)
