"""Sign-in throttling: waits that grow with failures, per account name and per client address.

OWASP ASVS 2.2.1: no hard lockout that anyone could use to lock a reviewer out. The first
`FREE_ATTEMPTS` failures cost nothing; after that each failure makes the next attempt wait,
30 seconds doubling up to 15 minutes. A success clears the account's count; any count starts
again once its last failure is `FORGET_AFTER` old.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy.orm import Session

from registry.models import LoginThrottle

FREE_ATTEMPTS = 3
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)
MAX_KEY_LENGTH = 200


def throttle_keys(username: str, address: str | None) -> list[str]:
    """The counters a sign-in attempt is charged to: its account name and its client address."""
    keys = [f"account:{username}"[:MAX_KEY_LENGTH]]
    if address:
        keys.append(f"address:{address}"[:MAX_KEY_LENGTH])
    return keys


def wait_for(failures: int) -> dt.timedelta:
    """The wait earned by `failures` failures in a row (none for the first few)."""
    if failures < FREE_ATTEMPTS:
        return dt.timedelta(0)
    doublings = failures - FREE_ATTEMPTS
    if doublings > 16:  # far beyond the longest wait; keeps the power small
        return LONGEST_WAIT
    wait: dt.timedelta = min(FIRST_WAIT * (2**doublings), LONGEST_WAIT)
    return wait


def seconds_to_wait(session: Session, keys: list[str], now: dt.datetime) -> int:
    """Whole seconds until every counter of `keys` lets an attempt through (0: now)."""
    waits = [
        (row.retry_after - now).total_seconds()
        for key in keys
        if (row := session.get(LoginThrottle, key)) is not None and row.retry_after is not None
    ]
    return max([0, *(math.ceil(w) for w in waits)])


def record_failure(session: Session, keys: list[str], now: dt.datetime) -> int:
    """Count a failure against every key; return the account's failures in a row."""
    counts = []
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0  # an old run of failures no longer counts
        row.failures += 1
        row.last_failure_at = now
        wait = wait_for(row.failures)
        row.retry_after = now + wait if wait else None
        counts.append(row.failures)
    return counts[0]


def clear(session: Session, key: str) -> None:
    """Forget the failures counted against `key` (after a successful sign-in)."""
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
