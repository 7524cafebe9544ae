"""The registry's clock: the current UTC time and today's legal date, read in one place.

Legal dates (when a notice was served, a request lodged, a case revoked) are calendar dates in
Beijing (Asia/Shanghai, UTC+8): something done in Beijing at 07:00 happened that day, not the
previous day in UTC. Modules read the time as `clock.utcnow()` or `clock.beijing_today()`.

`today_is` sets the legal date for the code run inside it (the demo loader replays history day
by day, and tests walk a listing through its lifecycle); no request or client can reach it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

_simulated_day: ContextVar[dt.date | None] = ContextVar("registry_simulated_day", default=None)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def legal_date(instant: dt.datetime) -> dt.date:
    """The calendar date in Beijing at `instant` (a naive instant is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(BEIJING).date()


def beijing_today() -> dt.date:
    """Today's legal date: the calendar date in Beijing now (or the simulated day)."""
    simulated = _simulated_day.get()
    return simulated if simulated is not None else legal_date(utcnow())


@contextmanager
def today_is(day: dt.date) -> Iterator[None]:
    """Run the block as if today's legal date were `day`; recorded times stay the server's."""
    token = _simulated_day.set(day)
    try:
        yield
    finally:
        _simulated_day.reset(token)
