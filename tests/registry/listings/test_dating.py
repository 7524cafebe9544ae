"""Legal dates against the server clock: the pure rules of registry.listings.dating."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import clock
from registry.errors import InvalidValue
from registry.listings.dating import BackDating, check_occurred_on, not_in_future

D = dt.date
TODAY = D(2026, 3, 10)


def test_a_fact_of_today_needs_no_evidence() -> None:
    assert check_occurred_on("served_on", TODAY, 10, None, today=TODAY) is None


def test_tomorrow_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_occurred_on("served_on", D(2026, 3, 11), 10, "EMS1", today=TODAY)
    assert caught.value.field == "served_on"
    assert "nothing may be recorded as happening in the future" in caught.value.reason


def test_back_dating_within_the_window_carries_its_evidence() -> None:
    found = check_occurred_on("lodged_on", D(2026, 2, 28), 10, " EMS1234 ", today=TODAY)
    assert found == BackDating(D(2026, 2, 28), TODAY, "EMS1234")
    assert found.audit()["days"] == 10


@pytest.mark.parametrize(
    ("occurred_on", "evidence", "field", "words"),
    [
        (D(2026, 2, 27), "EMS1", "served_on", "at most 10 days"),
        (D(2026, 3, 9), None, "evidence", "postal tracking number or document number"),
        (D(2026, 3, 9), "  ", "evidence", "cite the evidence"),
        (D(2026, 3, 4), "EMS1", "served_on", "before the proposal (2026-03-05)"),
    ],
)
def test_back_dating_rules(
    occurred_on: dt.date, evidence: str | None, field: str, words: str
) -> None:
    # The window is checked against a proposal made earlier, except where the proposal is the point.
    proposal = D(2026, 3, 5) if "proposal" in words else D(2026, 2, 1)
    with pytest.raises(InvalidValue) as caught:
        check_occurred_on(
            "served_on",
            occurred_on,
            10,
            evidence,
            not_before=[(proposal, "the proposal")],
            today=TODAY,
        )
    assert caught.value.field == field and words in caught.value.reason


def test_the_server_clock_decides_by_default() -> None:
    with clock.today_is(TODAY):
        assert not_in_future("on", TODAY) == TODAY
        with pytest.raises(InvalidValue, match="after today \\(2026-03-10, Beijing time\\)"):
            not_in_future("on", D(2026, 3, 11))
