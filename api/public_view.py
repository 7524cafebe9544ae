"""The public read model bound to the app: one list-state cache per app, shared by every reader.

The site, the entries API, lookups and screening all take their list states from here, so a
state replayed for one reader answers the others too (registry.publication.public_view).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from registry import clock
from registry.publication.as_of import ListState
from registry.publication.public_view import ListStateCache, state_now
from runtime.extensions import db

CACHE = "public_view.list_states"


def list_states() -> ListStateCache:
    """This app's cache of list states (created on first use)."""
    cache: ListStateCache = current_app.extensions.setdefault(CACHE, ListStateCache())
    return cache


def today() -> dt.date:
    """Today's legal date (Beijing)."""
    return clock.beijing_today()


def public_now() -> ListState:
    """What is public now: the whole committed log, today."""
    return state_now(db.session(), list_states(), today())
