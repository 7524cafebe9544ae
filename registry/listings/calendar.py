"""Working days in mainland China, and plain calendar arithmetic for legal periods.

Public holidays and the make-up working days (weekend days the State Council notice turns into
working days, 调休) come from the `holidays` package, which records each year's official
arrangement. A year whose notice is not yet in the installed package only has its statutory
holidays and no make-up days; `extra_holidays` / `extra_workdays` let an operator fill such gaps
until the package is upgraded.
"""

from __future__ import annotations

import calendar as gregorian
import threading
from collections.abc import Iterable
from datetime import date, timedelta

from holidays import country_holidays
from holidays.constants import PUBLIC

from registry.errors import InvalidValue


class WorkingDayCalendar:
    """Answers "is this a working day?" and counts working days for deadlines."""

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)
        clash = self._extra_holidays & self._extra_workdays
        if clash:
            listed = ", ".join(sorted(d.isoformat() for d in clash))
            raise InvalidValue("extra_workdays", f"dates also given as holidays: {listed}")
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

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself not counted); n=0 gives `start`."""
        if n < 0:
            raise InvalidValue("working_days", f"must be zero or more, got {n}")
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
        raise InvalidValue("years", f"{d.isoformat()} plus {n} years is outside the calendar")
    # Civil Code art. 202: a period counted in years ends on the corresponding day of the
    # final month, or on that month's last day when it has no corresponding day.
    last_day = gregorian.monthrange(year, d.month)[1]
    return date(year, d.month, min(d.day, last_day))
