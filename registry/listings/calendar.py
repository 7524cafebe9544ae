"""Working days in mainland China, and plain calendar arithmetic for legal periods.

Public holidays and the make-up working days (weekend days the State Council notice turns into
working days, 调休) come from the `holidays` package, which ships each year's official
arrangement as data. A year whose notice is not yet in the installed package only has its
weekends and fixed statutory holidays: deadlines in it are *provisional* and the console says
so. The registry never invents holiday dates: an operator fills such a year from the State
Council notice in the overrides file (`REGISTRY_CALENDAR_OVERRIDES`, see `load_overrides`),
listing the extra holidays and make-up working days and marking the year official.

A period whose last day is not a working day ends on the next working day (Civil Code art. 203).
"""

from __future__ import annotations

import calendar as gregorian
import json
import threading
from collections.abc import Iterable
from datetime import date, timedelta

from holidays import country_holidays
from holidays.constants import PUBLIC
from holidays.countries.china import ChinaStaticHolidays

from registry.errors import InvalidValue


class WorkingDayCalendar:
    """Answers "is this a working day?" and counts working days for deadlines."""

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        official_years: Iterable[int] = (),
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)
        # The years whose State Council arrangement the package ships, plus those an operator
        # has entered from the notice.
        self.official_years = frozenset(ChinaStaticHolidays.special_public_holidays) | frozenset(
            official_years
        )
        clash = self._extra_holidays & self._extra_workdays
        if clash:
            listed = ", ".join(sorted(d.isoformat() for d in clash))
            raise InvalidValue(
                "extra_workdays",
                "dates also given as holidays: %(listed)s",
                listed=listed,
            )
        # Only the PUBLIC category: the package's HALF_DAY category (Women's Day, Youth Day...)
        # covers days off for some groups of people only, not for the authorities.
        self._holidays = country_holidays("CN", categories=(PUBLIC,))
        self._loaded_years: set[int] = set()
        self._lock = threading.Lock()

    def _ensure_years(self, year: int) -> None:
        # The package fills a year on first touch; a make-up working day can belong to the
        # neighbouring year's arrangement (late December before a New Year break), so load
        # both neighbours too. The lock keeps concurrent requests from filling a year twice.
        wanted = {year - 1, year, year + 1}
        if wanted <= self._loaded_years:
            return
        with self._lock:
            for missing in sorted(wanted - self._loaded_years):
                if date.min.year <= missing <= date.max.year:
                    _ = date(missing, 1, 1) in self._holidays
                self._loaded_years.add(missing)

    def is_working_day(self, d: date) -> bool:
        """True when `d` is a working day: not a holiday, and a weekday or a make-up day."""
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        self._ensure_years(d.year)
        return self._holidays.is_working_day(d)

    def is_make_up_workday(self, d: date) -> bool:
        """True when `d` is a weekend day officially turned into a working day."""
        return d.weekday() >= gregorian.SATURDAY and self.is_working_day(d)

    def is_provisional(self, d: date) -> bool:
        """True when `d` falls in a year without an official holiday arrangement yet."""
        return d.year not in self.official_years

    def roll_forward(self, d: date) -> date:
        """`d`, or the next working day when `d` is not one (Civil Code art. 203)."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself not counted); n=0 gives `start`."""
        if n < 0:
            raise InvalidValue(
                "working_days",
                "must be zero or more, got %(n)s",
                n=n,
            )
        current = start
        remaining = n
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(
            self.is_working_day(a + timedelta(days=offset)) for offset in range(1, (b - a).days + 1)
        )


def add_days(d: date, n: int) -> date:
    """The date `n` calendar days after `d` (before it when `n` is negative)."""
    return d + timedelta(days=n)


def add_years(d: date, n: int) -> date:
    """The same day `n` years later; 29 February becomes 28 February in a common year."""
    year = d.year + n
    if not date.min.year <= year <= date.max.year:
        raise InvalidValue(
            "years",
            "%(d)s plus %(n)s years is outside the calendar",
            d=d.isoformat(),
            n=n,
        )
    # Civil Code art. 202: a period counted in years ends on the corresponding day of the
    # final month, or on that month's last day when it has no corresponding day.
    last_day = gregorian.monthrange(year, d.month)[1]
    return date(year, d.month, min(d.day, last_day))


def load_overrides(text: str) -> WorkingDayCalendar:
    """A calendar with an operator's overrides, from the JSON text of the overrides file.

    `{"holidays": ["2027-02-08", ...], "workdays": ["2027-02-06", ...], "official_years": [2027]}`
    — every key optional; dates as YYYY-MM-DD, copied from the State Council notice.
    """
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InvalidValue(
            "calendar_overrides",
            "is not valid JSON: %(error)s",
            error=error,
        ) from error
    if not isinstance(data, dict):
        raise InvalidValue("calendar_overrides", "must be a JSON object")
    unknown = sorted(set(data) - {"holidays", "workdays", "official_years"})
    if unknown:
        raise InvalidValue(
            "calendar_overrides",
            "unknown key %(unknown)s",
            unknown=", ".join(unknown),
        )

    def dates(key: str) -> list[date]:
        values = data.get(key, [])
        if not isinstance(values, list):
            raise InvalidValue(key, "must be a list of YYYY-MM-DD dates")
        found = []
        for value in values:
            try:
                found.append(date.fromisoformat(value))
            except (TypeError, ValueError):
                raise InvalidValue(
                    key,
                    "%(value)r is not a YYYY-MM-DD date",
                    value=value,
                ) from None
        return found

    years = data.get("official_years", [])
    if not isinstance(years, list) or not all(
        isinstance(y, int) and not isinstance(y, bool) for y in years
    ):
        raise InvalidValue("official_years", "must be a list of years, such as [2027]")
    return WorkingDayCalendar(dates("holidays"), dates("workdays"), years)
