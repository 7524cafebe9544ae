"""RFC 3339 UTC timestamps as the public formats write them: `2026-01-31T08:00:00Z`."""

from __future__ import annotations

import datetime as dt
import re

from registry.errors import InvalidValue

_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z\Z")


def format_timestamp(moment: dt.datetime, field: str = "now") -> str:
    """Return an aware datetime as RFC 3339 UTC with `Z`, to the second."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(field, "must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_timestamp(value: str, field: str) -> str:
    """Return `value` if it is a real RFC 3339 UTC time written `YYYY-MM-DDTHH:MM:SSZ`."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidValue(
            field, "%(value)r must be an RFC 3339 UTC time like 2026-01-31T08:00:00Z", value=value
        )
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:
        raise InvalidValue(
            field,
            "%(value)r is not a real date and time",
            value=value,
        ) from None
    return value


# China Standard Time has no daylight saving: a fixed offset needs no time-zone database.
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")


def beijing_time(moment: dt.datetime) -> dt.datetime:
    """An aware moment (naive ones are read as UTC, as the database stores them) in Beijing time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)


def beijing_date(moment: dt.datetime) -> dt.date:
    """The Beijing calendar date of a moment: legal dates are Beijing dates."""
    return beijing_time(moment).date()
