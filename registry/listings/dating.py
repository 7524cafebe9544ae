"""When a procedural fact happened (its legal date) against when it was recorded (the server).

Every procedural fact carries the date it occurred on, a Beijing calendar date given by the
clerk, and the time it was recorded, taken from the server clock and never from a client.
Nothing may occur after today. A fact may be recorded late (a notice served by post and
entered days later) only within the configured back-dating window, never before the step it
follows, and only citing its evidence (postal tracking number or document number); the audit
record of the step then carries the back-dating.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry import clock
from registry.errors import InvalidValue
from registry.subjects.records import clean_text


@dataclass(frozen=True)
class BackDating:
    """A fact recorded after the day it occurred on, and the evidence cited for it."""

    occurred_on: dt.date
    recorded_on: dt.date
    evidence: str

    def audit(self) -> dict[str, Any]:
        """The audit trail's record of the back-dating."""
        return {
            "occurred_on": self.occurred_on.isoformat(),
            "recorded_on": self.recorded_on.isoformat(),
            "days": (self.recorded_on - self.occurred_on).days,
            "evidence": self.evidence,
        }


def not_in_future(field: str, value: dt.date, today: dt.date | None = None) -> dt.date:
    """`value`, refused when it is after today's legal date (server clock, Beijing time)."""
    today = today or clock.beijing_today()
    if value > today:
        raise InvalidValue(
            field,
            "%(day)s is after today (%(today)s, Beijing time): nothing may be recorded as "
            "happening in the future",
            day=value.isoformat(),
            today=today.isoformat(),
        )
    return value


def check_occurred_on(
    field: str,
    occurred_on: dt.date,
    window_days: int,
    evidence: str | None,
    not_before: Iterable[tuple[dt.date | None, str]] = (),
    today: dt.date | None = None,
) -> BackDating | None:
    """Check the legal date of a fact recorded today; the back-dating, if any, to audit.

    `not_before` lists (date, what it is) pairs the fact cannot precede: the step it follows,
    the effective date of the basis.
    """
    today = today or clock.beijing_today()
    not_in_future(field, occurred_on, today)
    for earliest, what in not_before:
        if earliest is not None and occurred_on < earliest:
            raise InvalidValue(
                field,
                "%(occurred_on)s is before %(what)s (%(earliest)s)",
                occurred_on=occurred_on.isoformat(),
                what=what,
                earliest=earliest.isoformat(),
            )
    if occurred_on == today:
        return None
    days = (today - occurred_on).days
    if days > window_days:
        raise InvalidValue(
            field,
            "%(occurred_on)s is %(days)s days before today (%(today)s); a fact may be "
            "recorded at most %(window_days)s days after it occurred",
            occurred_on=occurred_on.isoformat(),
            days=days,
            today=today.isoformat(),
            window_days=window_days,
        )
    cited = clean_text(evidence, "evidence", 200)
    if not cited:
        raise InvalidValue(
            "evidence",
            "%(field)s is %(days)s days before today: cite the evidence of the date (postal "
            "tracking number or document number)",
            field=field,
            days=days,
        )
    return BackDating(occurred_on, today, cited)
