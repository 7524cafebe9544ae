"""Issue #17, finding 4: deadlines roll over to the next working day (Civil Code art. 203)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from registry.errors import InvalidValue
from registry.listings.calendar import WorkingDayCalendar, load_overrides
from registry.listings.periods import PeriodsConfig, defence_deadline, objection_decision_due
from registry.listings.policy import Policy
from runtime.config import load_config

CFG = PeriodsConfig()


@pytest.fixture(scope="module")
def cal() -> WorkingDayCalendar:
    return WorkingDayCalendar()


def test_a_deadline_falling_on_a_sunday_ends_on_monday(cal: WorkingDayCalendar) -> None:
    # Lodged Saturday 7 March 2026: fifteen days end on Sunday 22 March, so Monday 23 March.
    assert objection_decision_due(date(2026, 3, 7), cal, CFG) == date(2026, 3, 23)


def test_a_deadline_inside_the_spring_festival_ends_after_it(cal: WorkingDayCalendar) -> None:
    # Lodged 1 February 2026: 16 February is in the Spring Festival break (15-23 February).
    assert objection_decision_due(date(2026, 2, 1), cal, CFG) == date(2026, 2, 24)


def test_roll_forward_keeps_a_working_day_and_skips_a_break(
    cal: WorkingDayCalendar,
) -> None:
    assert cal.roll_forward(date(2026, 3, 10)) == date(2026, 3, 10)
    # A period ending during the National Day break (1-7 October 2026) ends on Thursday 8.
    assert cal.roll_forward(date(2026, 10, 4)) == date(2026, 10, 8)
    assert defence_deadline(date(2026, 9, 28), cal, CFG) == date(2026, 10, 16)


def test_a_year_without_an_official_arrangement_is_provisional(cal: WorkingDayCalendar) -> None:
    assert not cal.is_provisional(date(2026, 6, 1))
    future_year = max(cal.official_years) + 1
    assert cal.is_provisional(date(future_year, 6, 1))
    # Weekends and the fixed statutory days are still known; nothing else is invented.
    assert not cal.is_working_day(date(future_year, 1, 1))
    assert not cal.is_working_day(date(future_year, 5, 1))


def test_an_operator_enters_next_year_from_the_notice() -> None:
    year = max(WorkingDayCalendar().official_years) + 1
    saturday = next(date(year, 2, d) for d in range(1, 8) if date(year, 2, d).weekday() == 5)
    monday = date(year, 3, 1)
    while monday.weekday() != 0:
        monday = date(year, 3, monday.day + 1)
    cal = load_overrides(
        f'{{"holidays": ["{monday}"], "workdays": ["{saturday}"], "official_years": [{year}]}}'
    )
    assert not cal.is_provisional(monday)
    assert not cal.is_working_day(monday) and cal.is_make_up_workday(saturday)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[]", "calendar_overrides"),
        ("{", "calendar_overrides"),
        ('{"holiday": []}', "calendar_overrides"),
        ('{"holidays": ["2027-02-30"]}', "holidays"),
        ('{"workdays": "2027-02-06"}', "workdays"),
        ('{"official_years": ["2027"]}', "official_years"),
        ('{"holidays": ["2027-02-06"], "workdays": ["2027-02-06"]}', "extra_workdays"),
    ],
)
def test_a_broken_overrides_file_names_the_key(text: str, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        load_overrides(text)
    assert caught.value.field == field


def test_the_overrides_file_is_read_from_the_configuration(tmp_path: Path) -> None:
    overrides = tmp_path / "calendar.json"
    overrides.write_text('{"holidays": ["2026-03-10"]}', encoding="utf-8")
    config = load_config(str(tmp_path), {"REGISTRY_CALENDAR_OVERRIDES": str(overrides)})
    policy = Policy.from_settings(config["REGISTRY"])
    assert not policy.calendar.is_working_day(date(2026, 3, 10))
    default = Policy.from_settings(load_config(str(tmp_path), {})["REGISTRY"])
    assert default.calendar.is_working_day(date(2026, 3, 10))
