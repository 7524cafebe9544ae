"""Lifecycle periods and deadlines, with the 2026 Chinese holiday arrangement."""

from __future__ import annotations

from datetime import date

import pytest

from registry.errors import InvalidValue
from registry.listings.calendar import WorkingDayCalendar
from registry.listings.periods import (
    PeriodsConfig,
    correction_publish_due,
    deadline_status,
    defence_deadline,
    objection_decision_due,
    period_end,
    publish_due,
    restoration_allowed_from,
)

CFG = PeriodsConfig()


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


def test_defaults_follow_the_design() -> None:
    assert CFG.defence_working_days == 10
    assert CFG.listing_years == 3
    assert CFG.restoration_min_years == 1
    assert CFG.objection_decision_days == 15
    assert CFG.correction_publish_working_days == 3
    assert CFG.publish_within_working_days == 5


def test_defence_deadline_spans_the_spring_festival(cal: WorkingDayCalendar) -> None:
    # Ten working days after Tuesday 10 Feb 2026, counting the make-up Saturdays 14 and 28 Feb.
    assert defence_deadline(date(2026, 2, 10), cal, CFG) == date(2026, 3, 2)


def test_defence_deadline_on_an_ordinary_fortnight(cal: WorkingDayCalendar) -> None:
    assert defence_deadline(date(2026, 3, 2), cal, CFG) == date(2026, 3, 16)


def test_defence_deadline_follows_configuration(cal: WorkingDayCalendar) -> None:
    assert defence_deadline(date(2026, 3, 2), cal, PeriodsConfig(defence_working_days=1)) == date(
        2026, 3, 3
    )


def test_period_end_and_restoration() -> None:
    assert period_end(date(2026, 3, 1), CFG) == date(2029, 3, 1)
    assert period_end(date(2028, 2, 29), CFG) == date(2031, 2, 28)
    assert restoration_allowed_from(date(2026, 3, 1), CFG) == date(2027, 3, 1)
    assert restoration_allowed_from(date(2028, 2, 29), CFG) == date(2029, 2, 28)


def test_objection_decision_due_counts_calendar_days(cal: WorkingDayCalendar) -> None:
    assert objection_decision_due(date(2026, 9, 28), cal, CFG) == date(2026, 10, 13)


def test_correction_and_publication_deadlines_skip_national_day(cal: WorkingDayCalendar) -> None:
    # 29 and 30 Sep, then 8 Oct (the 1-7 Oct break is skipped).
    assert correction_publish_due(date(2026, 9, 28), cal, CFG) == date(2026, 10, 8)
    # 29, 30 Sep, 8, 9 Oct, then Saturday 10 Oct, a make-up working day.
    assert publish_due(date(2026, 9, 28), cal, CFG) == date(2026, 10, 10)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 1), "ok"),
        (date(2026, 3, 7), "ok"),
        (date(2026, 3, 8), "near"),
        (date(2026, 3, 10), "near"),
        (date(2026, 3, 11), "missed"),
    ],
)
def test_deadline_status(today: date, expected: str) -> None:
    assert deadline_status(date(2026, 3, 10), today) == expected


def test_deadline_status_with_a_wider_warning() -> None:
    assert deadline_status(date(2026, 3, 10), date(2026, 3, 3), near_days=7) == "near"
    assert deadline_status(date(2026, 3, 10), date(2026, 3, 10), near_days=0) == "near"
    assert deadline_status(date(2026, 3, 10), date(2026, 3, 9), near_days=0) == "ok"


def test_negative_near_days_are_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        deadline_status(date(2026, 3, 10), date(2026, 3, 1), near_days=-1)
    assert raised.value.field == "near_days"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("defence_working_days", 0),
        ("listing_years", -1),
        ("objection_decision_days", True),
        ("publish_within_working_days", 2.5),
    ],
)
def test_invalid_configuration_names_the_field(name: str, value: object) -> None:
    with pytest.raises(InvalidValue) as raised:
        PeriodsConfig(**{name: value})  # type: ignore[arg-type]
    assert raised.value.field == name


def test_restoration_cannot_outlast_the_listing() -> None:
    with pytest.raises(InvalidValue) as raised:
        PeriodsConfig(listing_years=2, restoration_min_years=3)
    assert raised.value.field == "restoration_min_years"
