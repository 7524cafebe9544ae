"""The registry's clock: the current UTC time, read in one place.

Modules whose timestamps tests must set read it as `clock.utcnow()`, so a test patches
`registry.clock.utcnow` once; `from registry.clock import utcnow` binds the real clock for good.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
