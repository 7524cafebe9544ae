"""The second factor: codes, single use, enrolment, recovery codes and re-enrolment."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.login import REFUSED, LoginRefused, authenticate
from registry.accounts.recovery_codes import RECOVERY_CODE_COUNT, unused_recovery_codes
from registry.accounts.second_factor import (
    REENROL_REFUSED,
    EnrolmentRefused,
    enable_totp,
    needs_enrolment,
    new_totp_secret,
    pending_secret,
    second_factor_required,
    start_reenrolment,
    totp_matches,
    totp_uri,
)
from registry.errors import Forbidden, InvalidValue
from registry.models import AuditRecord, RecoveryCode, User

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "a long enough secret"
NOW = dt.datetime(2026, 3, 2, 9, 30, 10, tzinfo=dt.UTC)
STEP = dt.timedelta(seconds=30)


def _code(at: dt.datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(at)


@pytest.fixture
def reviewer(bare_session: Session) -> User:
    return accounts.create_user(bare_session, "reviewer", "reviewer", PASSWORD)


def _enrol(session: Session, user: User, at: dt.datetime = NOW) -> tuple[str, list[str]]:
    secret = pending_secret(session, user.id)
    assert secret is not None
    return secret, enable_totp(session, user.id, _code(at, secret), at)


def test_the_current_code_matches_with_one_step_of_drift_either_way() -> None:
    assert totp_matches(SECRET, _code(NOW), NOW)
    assert totp_matches(SECRET, _code(NOW - STEP), NOW)
    assert totp_matches(SECRET, _code(NOW + STEP), NOW)
    assert not totp_matches(SECRET, _code(NOW - 2 * STEP), NOW)
    assert not totp_matches(SECRET, _code(NOW + 2 * STEP), NOW)


def test_spaces_are_ignored_and_anything_but_six_digits_never_matches() -> None:
    code = _code(NOW)
    assert totp_matches(SECRET, f"{code[:3]} {code[3:]}", NOW)
    assert not totp_matches(SECRET, "", NOW)
    assert not totp_matches(SECRET, "abcdef", NOW)
    assert not totp_matches(SECRET, f"-{code[1:]}", NOW)
    assert not totp_matches(SECRET, f"0{code}", NOW)


def test_new_secrets_are_fresh_base32() -> None:
    first, second = new_totp_secret(), new_totp_secret()
    assert first != second
    assert len(first) == 32 and set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_uri_names_the_registry_and_the_account() -> None:
    uri = urlparse(totp_uri(SECRET, "reviewer"))
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Patent%20Registry:reviewer")
    assert parse_qs(uri.query) == {"secret": [SECRET], "issuer": ["Patent Registry"]}


def test_reviewers_and_admins_need_a_second_factor_in_production_only(
    bare_session: Session, reviewer: User
) -> None:
    roles = ("clerk", "reviewer", "auditor", "admin")
    assert [r for r in roles if second_factor_required(r, production=True)] == ["reviewer", "admin"]
    assert [r for r in roles if second_factor_required(r, production=False)] == []
    assert needs_enrolment(reviewer, production=True)
    assert not needs_enrolment(reviewer, production=False)
    _enrol(bare_session, reviewer)
    assert not needs_enrolment(reviewer, production=True)


def test_the_pending_secret_is_kept_on_the_account_until_a_code_confirms_it(
    bare_session: Session, reviewer: User
) -> None:
    secret = pending_secret(bare_session, reviewer.id)
    assert secret and reviewer.totp_pending_secret == secret and reviewer.totp_secret is None
    assert pending_secret(bare_session, reviewer.id) == secret  # the same until confirmed

    with pytest.raises(InvalidValue) as wrong:
        enable_totp(bare_session, reviewer.id, _code(NOW - 2 * STEP, secret), NOW)
    assert wrong.value.field == "code"
    assert reviewer.totp_secret is None

    codes = enable_totp(bare_session, reviewer.id, _code(NOW, secret), NOW)
    assert (reviewer.totp_secret, reviewer.totp_pending_secret) == (secret, None)
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    record = bare_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "user.totp_enable")
    ).one()
    assert (record.actor, record.object_id) == ("reviewer", str(reviewer.id))
    # Enrolled: no new secret is handed out without the password and a current code.
    assert pending_secret(bare_session, reviewer.id) is None


def test_the_confirming_code_cannot_sign_in_again(bare_session: Session, reviewer: User) -> None:
    secret, _codes = _enrol(bare_session, reviewer)
    with pytest.raises(LoginRefused, match=REFUSED):
        authenticate(bare_session, "reviewer", PASSWORD, _code(NOW, secret), NOW)


def test_recovery_codes_are_stored_hashed_and_each_signs_in_once(
    bare_session: Session, reviewer: User
) -> None:
    _secret, codes = _enrol(bare_session, reviewer)
    stored = bare_session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == RECOVERY_CODE_COUNT
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not {c.replace("-", "") for c in codes} & set(stored)

    later = NOW + dt.timedelta(minutes=5)
    assert authenticate(bare_session, "reviewer", PASSWORD, codes[3].upper(), later) is reviewer
    assert unused_recovery_codes(bare_session, reviewer.id) == RECOVERY_CODE_COUNT - 1
    with pytest.raises(LoginRefused, match=REFUSED):
        authenticate(bare_session, "reviewer", PASSWORD, codes[3], later)


def test_re_enrolment_needs_the_password_and_a_current_code_with_one_answer(
    bare_session: Session, reviewer: User
) -> None:
    old_secret, old_codes = _enrol(bare_session, reviewer)
    later = NOW + dt.timedelta(minutes=1)
    with pytest.raises(EnrolmentRefused) as wrong_password:
        start_reenrolment(
            bare_session, reviewer.id, "not the password", _code(later, old_secret), later
        )
    with pytest.raises(EnrolmentRefused) as wrong_code:
        start_reenrolment(bare_session, reviewer.id, PASSWORD, "000000", later)
    assert wrong_password.value.message == wrong_code.value.message == REENROL_REFUSED
    assert reviewer.totp_pending_secret is None

    new_secret = start_reenrolment(
        bare_session, reviewer.id, PASSWORD, _code(later, old_secret), later
    )
    assert pending_secret(bare_session, reviewer.id) == new_secret != old_secret
    assert reviewer.totp_secret == old_secret  # the old app works until the new one is confirmed
    confirm_at = later + STEP
    new_codes = enable_totp(bare_session, reviewer.id, _code(confirm_at, new_secret), confirm_at)
    assert reviewer.totp_secret == new_secret and not set(new_codes) & set(old_codes)
    actions = bare_session.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.action.like("user.totp%"))
        .order_by(AuditRecord.seq)
    ).all()
    assert actions == [
        "user.totp_enable",
        "user.totp_reenrol_refused",
        "user.totp_reenrol_refused",
        "user.totp_reenrol_started",
        "user.totp_enable",
    ]


def test_an_account_that_is_gone_cannot_enrol(bare_session: Session) -> None:
    with pytest.raises(Forbidden, match="no longer exists"):
        enable_totp(bare_session, 404, _code(NOW), NOW)
    with pytest.raises(Forbidden, match="no longer exists"):
        pending_secret(bare_session, 404)
