"""Single leader: only one publisher runs at a time, across processes and web workers.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the run.
SQLite: a file lock next to the database file (every process using that file finds it there),
or in `lock_dir` for an in-memory database. Both locks die with the process that holds them,
so a publisher killed mid-run never blocks the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Engine

PUBLISHER_LOCK_KEY = 0x1A0D19


def sqlite_lock_path(engine: Engine, lock_dir: str) -> Path:
    """Where the SQLite publisher lock lives: beside the database file, else in `lock_dir`."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).resolve()
        return path.with_name(f"{path.name}.publisher.lock")
    Path(lock_dir).mkdir(parents=True, exist_ok=True)
    return Path(lock_dir) / "publisher.lock"


@contextmanager
def leadership(engine: Engine, lock_dir: str) -> Iterator[bool]:
    """Yield True while this process holds the publisher lock, False if another does."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            acquired = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": PUBLISHER_LOCK_KEY}
                ).scalar()
            )
            try:
                yield acquired
            finally:
                if acquired:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PUBLISHER_LOCK_KEY})
                conn.commit()
        return
    lock = FileLock(str(sqlite_lock_path(engine, lock_dir)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
