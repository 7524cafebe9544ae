"""Signing in at the domain level: password, second factor, one answer, throttling."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import users as accounts
from registry.accounts.login import REFUSED, LoginRefused, authenticate, signed_in_user
from registry.accounts.throttle import (
    FIRST_WAIT,
    FORGET_AFTER,
    FREE_ATTEMPTS,
    LONGEST_WAIT,
    wait_for,
)
from registry.errors import DomainError
from registry.models import AuditRecord, LoginThrottle, User

PASSWORD = "a long enough secret"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def clerk(bare_session: Session) -> User:
    return accounts.create_user(bare_session, "clerk", "clerk", PASSWORD)


def _refusal(
    session: Session, username: str, password: str, totp: str = "", now: dt.datetime = NOW
) -> str:
    """The message a refused login shows."""
    with pytest.raises(LoginRefused) as refused:
        authenticate(session, username, password, totp, now)
    return refused.value.message


def test_the_right_password_signs_in_whatever_the_case_and_spacing_of_the_name(
    bare_session: Session, clerk: User
) -> None:
    assert authenticate(bare_session, "  Clerk ", PASSWORD, "", NOW) is clerk


def _failures(session: Session, name: str) -> list[AuditRecord]:
    query = select(AuditRecord).where(
        AuditRecord.action == "user.login_failed", AuditRecord.object_id == name
    )
    return list(session.scalars(query.order_by(AuditRecord.seq)))


def test_a_wrong_password_is_audited_and_not_named_as_the_wrong_part(
    bare_session: Session, clerk: User
) -> None:
    assert _refusal(bare_session, "clerk", "not the password") == REFUSED
    (record,) = _failures(bare_session, "clerk")
    assert (record.actor, record.reason) == ("system", "wrong password")
    assert record.after == {"failures_in_a_row": 1}


def test_unknown_and_deactivated_accounts_get_the_same_answer(
    bare_session: Session, clerk: User
) -> None:
    assert _refusal(bare_session, "nobody", PASSWORD) == REFUSED
    clerk.active = False
    bare_session.commit()
    assert _refusal(bare_session, "clerk", PASSWORD) == REFUSED
    assert [r.reason for r in _failures(bare_session, "nobody")] == [
        "unknown or deactivated account"
    ]


def _answers(session: Session, name: str, password: str) -> list[str]:
    """What four failures then a fifth attempt a second later get, then one at the wait's end."""
    answers = [_refusal(session, name, "not the password") for _ in range(FREE_ATTEMPTS)]
    later = NOW + dt.timedelta(seconds=1)
    answers.append(_refusal(session, name, password, now=later))
    answers.append(_refusal(session, name, "not the password", now=NOW + FIRST_WAIT))
    answers.append(_refusal(session, name, password, now=NOW + FIRST_WAIT))
    return answers


def test_failures_make_the_next_attempt_wait_longer_and_longer_without_locking_out(
    bare_session: Session, clerk: User
) -> None:
    answers = _answers(bare_session, "clerk", PASSWORD)

    assert answers == [
        REFUSED,
        REFUSED,
        REFUSED,
        "too many failed sign-ins; try again in 29 seconds",  # even the right password waits
        REFUSED,
        "too many failed sign-ins; try again in 60 seconds",  # the wait doubled
    ]
    # Once the wait has run out the right password signs in, and the count starts again.
    assert authenticate(bare_session, "clerk", PASSWORD, "", NOW + 3 * FIRST_WAIT) is clerk
    assert bare_session.get(LoginThrottle, "account:clerk") is None


def test_a_name_that_does_not_exist_is_throttled_exactly_like_a_real_one(
    bare_session: Session, clerk: User
) -> None:
    assert _answers(bare_session, "nobody", "whatever") == _answers(bare_session, "clerk", PASSWORD)


def test_one_address_trying_many_names_is_throttled_by_its_address(
    bare_session: Session, clerk: User
) -> None:
    for name in ("a", "b", "c"):
        with pytest.raises(LoginRefused):
            authenticate(bare_session, name, "x", "", NOW, address="198.51.100.7")
    with pytest.raises(LoginRefused, match="try again in 30 seconds"):
        authenticate(bare_session, "clerk", PASSWORD, "", NOW, address="198.51.100.7")
    # The account itself is not held back for someone else's address.
    assert authenticate(bare_session, "clerk", PASSWORD, "", NOW, address="203.0.113.9") is clerk


def test_the_wait_stops_growing_and_old_failures_are_forgotten() -> None:
    assert wait_for(FREE_ATTEMPTS - 1) == dt.timedelta(0)
    assert wait_for(FREE_ATTEMPTS) == FIRST_WAIT
    assert wait_for(FREE_ATTEMPTS + 1) == 2 * FIRST_WAIT
    assert wait_for(FREE_ATTEMPTS + 10) == LONGEST_WAIT
    assert wait_for(10**6) == LONGEST_WAIT


def test_failures_an_hour_old_no_longer_count(bare_session: Session, clerk: User) -> None:
    for _ in range(FREE_ATTEMPTS - 1):
        _refusal(bare_session, "clerk", "not the password")
    an_hour_later = NOW + FORGET_AFTER + dt.timedelta(seconds=1)
    _refusal(bare_session, "clerk", "not the password", now=an_hour_later)
    row = bare_session.get(LoginThrottle, "account:clerk")
    assert row is not None and row.failures == 1 and row.retry_after is None


def test_a_second_factor_once_enabled_is_required(bare_session: Session, clerk: User) -> None:
    secret = pyotp.random_base32()
    clerk.totp_secret = secret
    bare_session.commit()
    code = pyotp.TOTP(secret).at(NOW)
    stale = pyotp.TOTP(secret).at(NOW - dt.timedelta(minutes=2))

    assert _refusal(bare_session, "clerk", PASSWORD) == REFUSED
    assert _refusal(bare_session, "clerk", PASSWORD, stale) == REFUSED
    assert [r.reason for r in _failures(bare_session, "clerk")] == [
        "missing, wrong or already used authentication code"
    ] * 2
    assert authenticate(bare_session, "clerk", PASSWORD, code, NOW) is clerk


def test_an_authentication_code_signs_in_once(bare_session: Session, clerk: User) -> None:
    secret = pyotp.random_base32()
    clerk.totp_secret = secret
    bare_session.commit()
    code = pyotp.TOTP(secret).at(NOW)
    assert authenticate(bare_session, "clerk", PASSWORD, code, NOW) is clerk
    # The same code, still inside its window, is refused the second time.
    later = NOW + dt.timedelta(seconds=5)
    assert _refusal(bare_session, "clerk", PASSWORD, code, later) == REFUSED
    # An older step's code is refused too, once a later one was accepted.
    earlier = pyotp.TOTP(secret).at(NOW - dt.timedelta(seconds=30))
    assert _refusal(bare_session, "clerk", PASSWORD, earlier, later) == REFUSED
    following = NOW + dt.timedelta(seconds=30)
    next_code = pyotp.TOTP(secret).at(following)
    assert authenticate(bare_session, "clerk", PASSWORD, next_code, following) is clerk


def test_login_refused_is_a_domain_error() -> None:
    assert issubclass(LoginRefused, DomainError)
    assert LoginRefused.code == "login_refused"


def test_a_session_belongs_only_to_an_active_account(bare_session: Session, clerk: User) -> None:
    assert signed_in_user(bare_session, clerk.id) is clerk
    assert signed_in_user(bare_session, clerk.id + 1) is None
    clerk.active = False
    bare_session.commit()
    assert signed_in_user(bare_session, clerk.id) is None
