"""What admin views need from the running app: the policy, today's date, the session."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from registry.listings.policy import Policy
from registry.models import utcnow


def policy() -> Policy:
    """The policy configured for the running app."""
    return Policy.from_settings(current_app.config["REGISTRY"])


def today(given: dt.date | None = None) -> dt.date:
    """The date a user gave, or today's UTC date."""
    return given or utcnow().date()
