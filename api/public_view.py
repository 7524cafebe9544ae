"""The public read model bound to the app: one list-state cache per app, shared by every reader.

The site, the entries API, lookups and screening all take their list states from here, so a
state replayed for one reader answers the others too (registry.publication.public_view); and
the serving version and what is reused with it (registry.screening.serving), so that the
lookups and the site's entry pages read the same facts once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TypeVar

from flask import current_app

from registry import clock
from registry.publication.as_of import ListState
from registry.publication.public_view import ListStateCache, state_now
from registry.screening.serving import (
    ServingCache,
    ServingVersion,
    serving_version,
    serving_version_raw,
)
from registry.screening.shared_index import SharedIndex
from runtime.extensions import db, session
from runtime.version_reads import read_versioned

CACHE = "public_view.list_states"
SHARED_INDEX = "public_view.screening_index"
SERVING_CACHE = "registry.serving_cache"
Kept = TypeVar("Kept")


def list_states() -> ListStateCache:
    """This app's cache of list states (created on first use)."""
    cache: ListStateCache = current_app.extensions.setdefault(CACHE, ListStateCache())
    return cache


def screening_index() -> SharedIndex:
    """The screening index file the publisher writes, mapped by this worker when it exists."""
    shared = current_app.extensions.get(SHARED_INDEX)
    if shared is None:
        shared = SharedIndex(Path(current_app.config["SCREENING_INDEX"]))
        current_app.extensions[SHARED_INDEX] = shared
    assert isinstance(shared, SharedIndex)
    return shared


def app_kept(name: str, kind: type[Kept]) -> Kept:
    """The `kind` this app keeps under `name`, created on first use (one per app)."""
    kept = current_app.extensions.get(name)
    if kept is None:
        kept = current_app.extensions.setdefault(name, kind())
    assert isinstance(kept, kind)
    return kept


def serving_cache() -> ServingCache:
    """This app's reusable parts of answers (created on first use)."""
    return app_kept(SERVING_CACHE, ServingCache)


def current_version() -> ServingVersion:
    """The serving version now: read once, or kept while no commit can have changed it."""
    return read_versioned(serving_version_raw, lambda: serving_version(session()))


def today() -> dt.date:
    """Today's legal date (Beijing)."""
    return clock.beijing_today()


def public_now() -> ListState:
    """What is public now: the whole committed log, today."""
    return state_now(db.session(), list_states(), today())
