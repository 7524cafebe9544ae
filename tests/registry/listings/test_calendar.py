"""The working-day calendar against the State Council's 2026 holiday arrangement."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.errors import InvalidValue
from registry.listings.calendar import WorkingDayCalendar, add_days, add_years

# 2026 arrangement (State Council notice, as recorded by the `holidays` package):
# Spring Festival 15-23 February off, Saturdays 14 and 28 February worked;
# National Day / Mid-Autumn 1-7 October off, Sunday 20 September and Saturday 10 October worked.
SPRING_FESTIVAL_2026 = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]
NATIONAL_DAY_2026 = [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
MAKE_UP_DAYS_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


@pytest.mark.parametrize("day", SPRING_FESTIVAL_2026 + NATIONAL_DAY_2026)
def test_golden_week_days_are_not_working_days(cal: WorkingDayCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


@pytest.mark.parametrize("day", MAKE_UP_DAYS_2026)
def test_make_up_weekend_days_are_working_days(cal: WorkingDayCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)
    assert cal.is_make_up_workday(day)


def test_ordinary_days() -> None:
    cal = WorkingDayCalendar()
    assert cal.is_working_day(date(2026, 3, 10))  # a Tuesday
    assert not cal.is_working_day(date(2026, 3, 14))  # an ordinary Saturday
    assert not cal.is_make_up_workday(date(2026, 3, 10))
    # Women's Day is a half day off for some people only, never for the authority.
    assert cal.is_working_day(date(2025, 3, 7))
    assert not cal.is_working_day(date(2026, 1, 1))


def test_first_query_on_a_make_up_day_of_an_unloaded_year() -> None:
    # A fresh calendar must know the make-up Saturday even when it is the very first question.
    assert WorkingDayCalendar().is_working_day(date(2026, 2, 28))


def test_add_working_days_across_the_spring_festival(cal: WorkingDayCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # Served Tuesday 10 Feb: 11, 12, 13, 14 (Sat, worked), 24, 25, 26, 27, 28 (Sat, worked), 2 Mar.
    assert cal.add_working_days(date(2026, 2, 10), 10) == date(2026, 3, 2)


def test_add_working_days_across_national_day(cal: WorkingDayCalendar) -> None:
    # From Friday 18 Sep: Sunday 20 is worked, Friday 25 is Mid-Autumn, 1-7 Oct is the break.
    days = [cal.add_working_days(date(2026, 9, 18), n) for n in range(1, 11)]
    assert days == [
        date(2026, 9, 20),
        date(2026, 9, 21),
        date(2026, 9, 22),
        date(2026, 9, 23),
        date(2026, 9, 24),
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
    ]
    # Monday 28 Sep: 29, 30, then the break, then 8, 9, 10 (Saturday, worked), 12.
    assert cal.add_working_days(date(2026, 9, 28), 5) == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 9, 28), 6) == date(2026, 10, 12)


def test_add_zero_working_days_is_the_start(cal: WorkingDayCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 15)


def test_negative_working_days_are_refused(cal: WorkingDayCalendar) -> None:
    with pytest.raises(InvalidValue) as raised:
        cal.add_working_days(date(2026, 2, 15), -1)
    assert raised.value.field == "working_days"


def test_working_days_between(cal: WorkingDayCalendar) -> None:
    assert cal.working_days_between(date(2026, 2, 10), date(2026, 3, 2)) == 10
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 2, 10)) == -10
    assert cal.working_days_between(date(2026, 2, 15), date(2026, 2, 15)) == 0
    assert cal.working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0


def test_extra_days_override_the_package() -> None:
    cal = WorkingDayCalendar(extra_holidays=[date(2026, 3, 10)], extra_workdays=[date(2026, 3, 14)])
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.is_working_day(date(2026, 3, 14))


def test_a_day_cannot_be_both_extra_holiday_and_workday() -> None:
    with pytest.raises(InvalidValue) as raised:
        WorkingDayCalendar(extra_holidays=[date(2026, 3, 10)], extra_workdays=[date(2026, 3, 10)])
    assert raised.value.field == "extra_workdays"
    assert "2026-03-10" in raised.value.reason


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=25),
)
def test_add_and_count_agree(start: date, n: int) -> None:
    cal = WorkingDayCalendar()
    deadline = cal.add_working_days(start, n)
    assert cal.working_days_between(start, deadline) == n
    assert n == 0 or cal.is_working_day(deadline)


def test_add_days() -> None:
    assert add_days(date(2026, 2, 28), 1) == date(2026, 3, 1)
    assert add_days(date(2026, 3, 1), -1) == date(2026, 2, 28)


def test_add_years_handles_29_february() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), -5) == date(2019, 2, 28)
    assert add_years(date(2026, 3, 15), -5) == date(2021, 3, 15)


def test_add_years_outside_the_calendar() -> None:
    with pytest.raises(InvalidValue) as raised:
        add_years(date(9999, 1, 1), 1)
    assert raised.value.field == "years"
