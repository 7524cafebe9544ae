"""How much an API key is used: screening and lookup calls per Beijing calendar day."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import ScreeningCall
from registry.timestamps import BEIJING, beijing_date


def daily_calls(
    session: Session, key_id: int, last_day: dt.date, days: int = 30
) -> list[tuple[dt.date, int]]:
    """Calls made with the key on each of the `days` Beijing days up to `last_day`, oldest first."""
    first_day = last_day - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=BEIJING).astimezone(dt.UTC)
    moments = session.scalars(
        select(ScreeningCall.called_at).where(
            ScreeningCall.api_key_id == key_id, ScreeningCall.called_at >= start
        )
    )
    counted = Counter(beijing_date(moment) for moment in moments)
    return [(day, counted[day]) for day in (first_day + dt.timedelta(n) for n in range(days))]
