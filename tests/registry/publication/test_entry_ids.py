"""Entry ids: `IPL-<year>-<n>` numbered per year, never reused, also past six digits."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.listings.policy import Policy
from registry.publication.events import next_entry_id
from tests import builders


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
