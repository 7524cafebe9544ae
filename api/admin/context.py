"""What admin views need from the running app: the policy, today's date, the session."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from registry import clock
from registry.listings.dating import not_in_future
from registry.listings.policy import Policy


def policy() -> Policy:
    """The policy configured for the running app."""
    return Policy.from_settings(current_app.config["REGISTRY"])


def today(given: dt.date | None = None, field: str = "on") -> dt.date:
    """The date a user gave (never after today), or today's legal date in Beijing."""
    return not_in_future(field, given) if given else clock.beijing_today()
