"""Lifecycle periods (defence, listing, restoration, corrections) and their deadlines.

Periods counted in days start the day after the triggering event (Civil Code art. 201), so a
deadline is the last day on which the act is still on time; a deadline whose last day is not a
working day ends on the next working day (Civil Code art. 203). The listing period is not a
time limit for an act but the duration of a measure: its end does not move (a listing that
lasted longer because of a holiday would harm the subject).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

from registry.errors import InvalidValue
from registry.listings.calendar import WorkingDayCalendar, add_days, add_years

DeadlineStatus = Literal["ok", "near", "missed"]


@dataclass(frozen=True)
class PeriodsConfig:
    """How long each lifecycle period lasts; every value must be a positive whole number."""

    defence_working_days: int = 10
    listing_years: int = 3
    restoration_min_years: int = 1
    objection_decision_days: int = 15
    correction_publish_working_days: int = 3
    publish_within_working_days: int = 5
    backdating_window_days: int = 10
    revocation_removal_working_days: int = 3

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            # bool is an int subclass; True as "1 year" would be a configuration slip.
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidValue(
                    item.name,
                    "must be a whole number of 1 or more, got %(value)r",
                    value=value,
                )
        if self.restoration_min_years > self.listing_years:
            raise InvalidValue(
                "restoration_min_years",
                "%(restoration_min_years)s years is longer than the listing period of "
                "%(listing_years)s years",
                restoration_min_years=self.restoration_min_years,
                listing_years=self.listing_years,
            )


def defence_deadline(served_on: date, cal: WorkingDayCalendar, cfg: PeriodsConfig) -> date:
    """The last working day on which the subject may lodge a defence against a notice."""
    return cal.roll_forward(cal.add_working_days(served_on, cfg.defence_working_days))


def period_end(listed_on: date, cfg: PeriodsConfig) -> date:
    """The last day of the listing period; the listing expires after this day."""
    return add_years(listed_on, cfg.listing_years)


def restoration_allowed_from(listed_on: date, cfg: PeriodsConfig) -> date:
    """The first day on which the subject may apply for credit restoration."""
    return add_years(listed_on, cfg.restoration_min_years)


def objection_decision_due(lodged_on: date, cal: WorkingDayCalendar, cfg: PeriodsConfig) -> date:
    """The last day by which an objection or correction request must be decided (art. 203)."""
    return cal.roll_forward(add_days(lodged_on, cfg.objection_decision_days))


def correction_publish_due(decided_on: date, cal: WorkingDayCalendar, cfg: PeriodsConfig) -> date:
    """The last working day by which a decided correction must be published."""
    return cal.add_working_days(decided_on, cfg.correction_publish_working_days)


def publish_due(approved_on: date, cal: WorkingDayCalendar, cfg: PeriodsConfig) -> date:
    """The last working day by which an approved listing must be published."""
    return cal.add_working_days(approved_on, cfg.publish_within_working_days)


def deadline_status(due: date, today: date, near_days: int = 2) -> DeadlineStatus:
    """Classify a deadline: "missed" after `due`, "near" within `near_days` days, else "ok"."""
    if near_days < 0:
        raise InvalidValue(
            "near_days",
            "must be zero or more, got %(near_days)s",
            near_days=near_days,
        )
    if today > due:
        return "missed"
    if (due - today).days <= near_days:
        return "near"
    return "ok"
