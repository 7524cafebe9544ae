"""Entry ids: `IPL-<year>-<n>` numbered per year, never reused, also past six digits."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from registry.listings.policy import Policy
from registry.publication.events import append_event, next_entry_id
from tests import builders

RECORDED_AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def test_numbers_start_at_one_each_year(session: Session, policy: Policy) -> None:
    assert next_entry_id(session, 2026) == "IPL-2026-000001"
    listing = builders.listing(session, policy=policy)
    listing.entry_id = "IPL-2026-000041"
    session.flush()
    assert next_entry_id(session, 2026) == "IPL-2026-000042"
    assert next_entry_id(session, 2027) == "IPL-2027-000001"


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (["IPL-2026-999999"], "IPL-2026-1000000"),
        (["IPL-2026-999999", "IPL-2026-1000000"], "IPL-2026-1000001"),
        (["IPL-2026-999998", "IPL-2026-1000009", "IPL-2026-999999"], "IPL-2026-1000010"),
    ],
)
def test_numbers_past_six_digits_keep_counting(
    session: Session, policy: Policy, taken: list[str], expected: str
) -> None:
    for entry_id in taken:
        builders.listing(session, policy=policy).entry_id = entry_id
    session.flush()
    assert next_entry_id(session, 2026) == expected


def _listed(session: Session, policy: Policy, entry_id: str) -> None:
    # A listing holding `entry_id`, logged as `listed` the way publication logs it.
    listing = builders.listing(session, policy=policy)
    listing.entry_id = entry_id
    append_event(session, "listed", entry_id, 1, "0" * 64, RECORDED_AT, None)


def _statements(session: Session) -> list[str]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(session.get_bind(), "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (["IPL-2026-000001", "IPL-2026-000002"], "IPL-2026-000003"),
        (["IPL-2026-999998", "IPL-2026-999999"], "IPL-2026-1000000"),
        (["IPL-2026-999999", "IPL-2026-1000000"], "IPL-2026-1000001"),
    ],
)
def test_the_newest_listed_event_numbers_the_next_id_without_reading_every_listing(
    session: Session, policy: Policy, listed: list[str], expected: str
) -> None:
    for entry_id in listed:
        _listed(session, policy, entry_id)
    statements = _statements(session)
    assert next_entry_id(session, 2026) == expected
    # Only the end of the log and one id were looked up: the year's ids were not all read.
    assert not any("LIKE" in statement for statement in statements)


def test_a_new_year_or_a_log_that_disagrees_falls_back_to_the_listings(
    session: Session, policy: Policy
) -> None:
    _listed(session, policy, "IPL-2026-000007")
    assert next_entry_id(session, 2027) == "IPL-2027-000001"
    # An id taken without its event (never done by publication) is still never handed out.
    builders.listing(session, policy=policy).entry_id = "IPL-2026-000008"
    builders.listing(session, policy=policy).entry_id = "IPL-2026-000011"
    session.flush()
    assert next_entry_id(session, 2026) == "IPL-2026-000012"
