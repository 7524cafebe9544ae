"""A second, small engine for the one statement every screening answer starts with.

The serving version (registry.screening.serving) is read on every lookup. Through the request's
session that costs a pool ping, a BEGIN and a ROLLBACK around the statement: on PostgreSQL,
three round trips besides the one that matters. This engine's connections are in autocommit
and are not reset when returned, so the read is one round trip; a connection found broken is
replaced and the read tried once more. It only ever reads.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError

from runtime.extensions import db

EXTENSION = "registry.version_engine"
T = TypeVar("T")
_lock = threading.Lock()


def _version_engine() -> Engine | None:
    """This app's read engine, or None where a second engine would see another database."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if EXTENSION not in app.extensions:
        with _lock:
            if EXTENSION not in app.extensions:
                url = db.engine.url
                if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
                    app.extensions[EXTENSION] = None
                else:
                    engine = create_engine(
                        url,
                        isolation_level="AUTOCOMMIT",
                        pool_reset_on_return=None,
                        pool_size=2,
                        max_overflow=4,
                    )
                    weakref.finalize(app, engine.dispose)
                    app.extensions[EXTENSION] = engine
    engine = app.extensions[EXTENSION]
    assert engine is None or isinstance(engine, Engine)
    return engine


def read_versioned(read: Callable[[Connection], T], fallback: Callable[[], T]) -> T:
    """`read` on an autocommit connection of the read engine (`fallback` where there is none)."""
    engine = _version_engine()
    if engine is None:
        return fallback()
    try:
        with engine.connect() as connection:
            return read(connection)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with engine.connect() as connection:  # the pool dropped the broken one: once more
        return read(connection)
