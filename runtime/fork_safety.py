"""Database connections never cross a fork.

Gunicorn's master builds the read model once and forks its workers from it
(server/warm.py, `warm_master`). A connection is a socket (or a SQLite handle) with its
server-side session: a child that used its parent's would interleave both processes' bytes on
one session. So the master lets go of every connection it opened before the first fork
(`release_connections`), and every pool checks, when a connection is checked out, that it was
made in this process; one inherited through a fork is dropped unclosed (closing it would end
the parent's session too) and a new one is made. This is SQLAlchemy's own recipe for pools
and `os.fork()`, applied to every pool of every engine.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection

from runtime import read_replica, version_reads
from runtime.extensions import db

# Where a pooled connection's record keeps the process that made it.
MADE_IN = "registry.made_in_process"


@event.listens_for(Pool, "connect")
def _made(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[MADE_IN] = os.getpid()


@event.listens_for(Pool, "checkout")
def _taken(
    _dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    here = os.getpid()
    made_in = record.info.get(MADE_IN, here)
    if made_in != here:
        # Forgotten, not closed: the process that made it may still be using its session.
        record.dbapi_connection = proxy.dbapi_connection = None  # type: ignore[misc]
        raise exc.DisconnectionError(
            f"a connection made in process {made_in} was checked out in process {here}"
        )


def release_connections(app: Flask) -> None:
    """Close every connection `app` holds in this process and stop its change listener.

    The engines stay usable: each opens new connections when next asked.
    """
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    version_reads.release(app)
    replica = read_replica.replica(app)
    if replica is not None:
        replica.engine.dispose()
