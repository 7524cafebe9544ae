"""A second, small engine for the one statement every screening answer starts with.

The serving version (registry.screening.serving) is read on every lookup. Through the request's
session that costs a pool ping, a BEGIN and a ROLLBACK around the statement: on PostgreSQL,
three round trips besides the one that matters, and SQLAlchemy's statement and result
machinery costs as much CPU again. This engine's connections are in autocommit and are not
reset when returned, and the statement runs on the driver's cursor, so the read is one round
trip; a connection found broken is replaced and the read tried once more. It only ever reads.

On SQLite each connection also keeps its last result with the file's `PRAGMA data_version`,
which changes whenever any other connection (of any process) commits; while it has not
changed the database is as it was, and the kept result is the answer, without the statement.
The engine's own connections never write, so their own commits cannot go unnoticed.

On PostgreSQL each process listens for the registry's change notices instead
(runtime.version_notices): a result is kept until a commit that may change it is heard, for
REGISTRY_SERVING_VERSION_MAX_AGE_MS at most, and read on every request while not listening.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import Dialect, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from runtime.extensions import db
from runtime.version_notices import ChangeListener

EXTENSION = "registry.version_engine"
LISTENER = "registry.change_listener"
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


def read_versioned(read: Callable[[Any, Dialect], T], fallback: Callable[[], T]) -> T:
    """`read(cursor, dialect)` on an autocommit driver connection of the read engine.

    Where there is no read engine (an in-memory SQLite database), `fallback()` answers. A
    connection that turns out to be broken is dropped and the read tried once more. On
    PostgreSQL the result is kept between change notices (runtime.version_notices).
    """
    engine = _version_engine()
    if engine is None:
        return fallback()
    if engine.dialect.name == "sqlite":
        return _read_retrying(engine, read)
    listener = change_listener()
    if listener is None:
        return _read_retrying(engine, read)
    return listener.read(read, lambda: _read_retrying(engine, read))


def change_listener() -> ChangeListener | None:
    """This process's listener for the app's database (PostgreSQL), started on first use.

    None when REGISTRY_SERVING_VERSION_MAX_AGE_MS is 0 (every lookup reads the version).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    listener = app.extensions.get(LISTENER)
    if listener is None or listener.pid != os.getpid():
        max_age = app.config["SERVING_VERSION_MAX_AGE_MS"] / 1000
        if max_age <= 0:
            return None
        with _lock:
            listener = app.extensions.get(LISTENER)
            # A listener inherited through fork has no thread in this process.
            if listener is None or listener.pid != os.getpid():
                engine = create_engine(db.engine.url, poolclass=NullPool)
                listener = ChangeListener(engine, max_age)
                weakref.finalize(app, listener.stop, False)
                app.extensions[LISTENER] = listener
    assert isinstance(listener, ChangeListener)
    return listener


def release(app: Flask) -> None:
    """Stop this process's change listener and close the read engine's connections.

    Gunicorn's master calls this (through runtime.fork_safety) before it forks its workers:
    each worker starts its own listener, on its own connection, when it first reads.
    """
    with _lock:
        listener = app.extensions.pop(LISTENER, None)
        engine = app.extensions.get(EXTENSION)
    if isinstance(listener, ChangeListener) and listener.pid == os.getpid():
        listener.stop()
    if isinstance(engine, Engine):
        engine.dispose()


def _read_retrying(engine: Engine, read: Callable[[Any, Dialect], T]) -> T:
    try:
        return _read(engine, read)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    return _read(engine, read)


def _read(engine: Engine, read: Callable[[Any, Dialect], T]) -> T:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            if engine.dialect.name != "sqlite":
                return read(cursor, engine.dialect)
            return _read_unless_unchanged(connection.info, cursor, engine.dialect, read)
        except engine.dialect.loaded_dbapi.Error as error:
            broken = engine.dialect.is_disconnect(error, connection.dbapi_connection, cursor)
            if broken:
                connection.invalidate(error)
            raise DBAPIError.instance(
                None,
                None,
                error,
                engine.dialect.loaded_dbapi.Error,
                connection_invalidated=broken,
                dialect=engine.dialect,
            ) from error
        finally:
            cursor.close()
    finally:
        connection.close()


def _read_unless_unchanged(
    info: dict[Any, Any], cursor: Any, dialect: Dialect, read: Callable[[Any, Dialect], T]
) -> T:
    """SQLite: the result kept on this connection while no other connection has committed."""
    cursor.execute("PRAGMA data_version")
    data_version = cursor.fetchone()[0]
    kept = info.get(read)
    if kept is not None and kept[0] == data_version:
        return kept[1]  # type: ignore[no-any-return]
    result = read(cursor, dialect)
    info[read] = (data_version, result)
    return result
