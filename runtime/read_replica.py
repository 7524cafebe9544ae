"""Public reads from a PostgreSQL read replica (`REGISTRY_DATABASE_READ_URL`), within a lag bound.

Which reads go there: the GET (and HEAD) requests of the public site and of the keyless
entries API (READ_BLUEPRINTS), and the list state a lookup or batch screen answers from, once
the replica holds the log up to the checkpoint the answer is signed against
(`replica_session_covering`). Everything else uses the primary: every write, the console and
the admin API, API-key checks, receipts and usage records, sessions, the publisher, and the
log API (which signs a checkpoint when the log has grown).

Lag: the replica is used only while it is fresh. Each process samples, at most once a second,
the primary's WAL position and the replica's replay position; the replica's lag is the time
since the primary was at the position the replica has replayed. While that exceeds
`REGISTRY_DATABASE_READ_MAX_LAG` seconds, or the replica cannot be reached, the same reads go
to the primary (logged once when it happens, and once when the replica is back), so a removal
or a purge leaves the public pages within that bound even when the replica falls behind.

The read engine opens every transaction read-only (`default_transaction_read_only`), so even a
read URL that names the primary, or a code path that writes by mistake, cannot write through
it: PostgreSQL refuses the statement.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.publication.events import log_size

log = logging.getLogger(__name__)

# Blueprints whose GET requests only show published state: the public site, the keyless API.
READ_BLUEPRINTS = frozenset({"site", "public_entries"})
READ_METHODS = frozenset({"GET", "HEAD"})
CHECK_INTERVAL = 1.0  # seconds between two lag samples of one process
EXTENSION = "read_replica"
_ENVIRON_KEY = "registry.read_engine"


def _lsn(value: str | None) -> int | None:
    """A PostgreSQL WAL position ('16/B374D848') as a number, comparable across servers."""
    if value is None:
        return None
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass
class ReplicaStatus:
    """The outcome of the latest lag sample."""

    fresh: bool
    detail: str


@dataclass
class ReadReplica:
    """The read engine and the lag bound of one app."""

    engine: sa.Engine
    primary: sa.Engine
    max_lag: float
    status: ReplicaStatus = field(default_factory=lambda: ReplicaStatus(False, "not checked yet"))
    _checked_at: float = -1e9
    _samples_taken: bool = False
    _samples: deque[tuple[float, int]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh(self) -> bool:
        """Whether reads may go to the replica now (sampled at most once per CHECK_INTERVAL)."""
        now = time.monotonic()
        if now - self._checked_at < CHECK_INTERVAL:
            return self.status.fresh
        # One thread samples; the others go on with the last outcome rather than wait for it.
        if self._lock.acquire(blocking=False):
            try:
                if now - self._checked_at >= CHECK_INTERVAL:
                    self._checked_at = now
                    self._record(self._sample(now))
            finally:
                self._lock.release()
        return self.status.fresh

    def _record(self, status: ReplicaStatus) -> None:
        first = not self._samples_taken
        self._samples_taken = True
        if first and status.fresh:
            log.info("public reads go to the read replica: %s", status.detail)
        elif status.fresh != self.status.fresh:
            if status.fresh:
                log.warning("read replica in use again: %s", status.detail)
            else:
                log.warning("public reads go to the primary: %s", status.detail)
        self.status = status

    def _sample(self, now: float) -> ReplicaStatus:
        try:
            with self.primary.connect() as conn:
                primary_lsn = _lsn(conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar())
        except sa.exc.DBAPIError as error:
            return ReplicaStatus(False, f"primary unreachable: {type(error.orig).__name__}")
        try:
            with self.engine.connect() as conn:
                standby, replayed = conn.execute(
                    text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                ).one()
        except sa.exc.DBAPIError as error:
            return ReplicaStatus(False, f"read replica unreachable: {type(error.orig).__name__}")
        if not standby:
            # The read URL names a server that is not a standby (e.g. the primary itself).
            return ReplicaStatus(True, "read URL is not a standby: no replication lag")
        assert primary_lsn is not None
        self._samples.append((now, primary_lsn))
        while len(self._samples) > 1 and now - self._samples[0][0] > 2 * self.max_lag + 1:
            self._samples.popleft()
        position = _lsn(replayed)
        caught_up = [at for at, lsn in self._samples if position is not None and lsn <= position]
        allowed = f"(allowed: {self.max_lag:g} s)"
        if not caught_up:
            oldest = now - self._samples[0][0]
            return ReplicaStatus(False, f"read replica more than {oldest:.1f} s behind {allowed}")
        lag = now - max(caught_up)
        if lag > self.max_lag:
            return ReplicaStatus(False, f"read replica {lag:.1f} s behind {allowed}")
        return ReplicaStatus(True, f"read replica at most {lag + CHECK_INTERVAL:.0f} s behind")


def replica(app: Flask | None = None) -> ReadReplica | None:
    """The app's read replica, or None when no read URL is configured."""
    found = (app or current_app).extensions.get(EXTENSION)
    return found if isinstance(found, ReadReplica) else None


def request_engine() -> sa.Engine | None:
    """The read engine when the current request is a public read and the replica is fresh."""
    if not has_request_context():
        return None
    environ = request.environ
    if _ENVIRON_KEY not in environ:
        found = replica()
        chosen = None
        if (
            found is not None
            and request.method in READ_METHODS
            and request.blueprint in READ_BLUEPRINTS
            and found.fresh()
        ):
            chosen = found.engine
        environ[_ENVIRON_KEY] = chosen
    engine: sa.Engine | None = environ[_ENVIRON_KEY]
    return engine


class RoutingSession(FlaskSession):
    """The app's session: a public read request's statements go to the read replica."""

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: sa.Engine | sa.Connection | None = None,
        **kwargs: Any,
    ) -> sa.Engine | sa.Connection:
        """The read engine for a public read request, else Flask-SQLAlchemy's choice."""
        if bind is None:
            engine = request_engine()
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@contextmanager
def replica_session_covering(tree_size: int) -> Iterator[Session | None]:
    """A replica session whose log holds `tree_size` events, or None (then use the primary).

    For a lookup or screen: the answer is signed against a checkpoint of the primary's log;
    the list state it replays may come from the replica only if the replica has that log.
    """
    found = replica()
    if found is None or not found.fresh():
        yield None
        return
    with Session(found.engine) as session:
        yield session if log_size(session) >= tree_size else None


def init_app(app: Flask, primary: sa.Engine) -> None:
    """Create the read engine when `DATABASE_READ_URL` is set (the app's config says)."""
    url = app.config.get("SQLALCHEMY_READ_DATABASE_URI")
    if not url:
        return
    engine = sa.create_engine(
        url,
        pool_pre_ping=True,
        # A standby that does not answer must not hold a worker: give up connecting after 3 s.
        connect_args={"options": "-c default_transaction_read_only=on", "connect_timeout": 3},
    )
    app.extensions[EXTENSION] = ReadReplica(
        engine, primary, float(app.config["REGISTRY"]["DATABASE_READ_MAX_LAG"])
    )


def readiness(app: Flask) -> tuple[bool, str]:
    """The `/readyz` detail: where public reads go and why.

    A stale or lost replica does not make the node unready: its reads go to the primary.
    """
    found = replica(app)
    if found is None:
        return True, "no read replica configured: every read goes to the primary"
    found.fresh()
    return True, found.status.detail
