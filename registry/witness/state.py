"""The witness's own SQLite database: the latest cosigned checkpoint of each log, and evidence.

Checking the old size and storing the new checkpoint happen in one `BEGIN IMMEDIATE`
transaction, so of two submissions racing from the same old size exactly one wins, even
across processes (c2sp.org/tlog-witness asks for this atomicity).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    request TEXT NOT NULL,
    received_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint the witness cosigned for a log, with its cosignature appended."""

    size: int
    root: bytes
    note: str


class WitnessState:
    """The witness database at `path`; each call opens its own connection (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield connection
        finally:
            connection.close()

    def latest(self, origin: str) -> Latest | None:
        """The latest cosigned checkpoint of `origin`, or None if it never cosigned one."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT size, root, note FROM latest WHERE origin = ?", (origin,)
            ).fetchone()
        return None if row is None else Latest(int(row[0]), bytes(row[1]), str(row[2]))

    def advance(self, origin: str, old: int, new: Latest, now: dt.datetime) -> int | None:
        """Store `new` if the stored size is still `old` (0 when none); else return that size."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                row = connection.execute(
                    "SELECT size FROM latest WHERE origin = ?", (origin,)
                ).fetchone()
                current = 0 if row is None else int(row[0])
                if current != old:
                    connection.execute("ROLLBACK")
                    return current
                connection.execute(
                    "INSERT INTO latest (origin, size, root, note, updated_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(origin) DO UPDATE SET "
                    "size = excluded.size, root = excluded.root, note = excluded.note, "
                    "updated_at = excluded.updated_at",
                    (origin, new.size, new.root, new.note, now.isoformat()),
                )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        return None

    def keep_evidence(self, origin: str, reason: str, request: str, now: dt.datetime) -> None:
        """Keep a validly signed but refused checkpoint: it may prove the log misbehaved."""
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO evidence (origin, reason, request, received_at) VALUES (?, ?, ?, ?)",
                (origin, reason, request, now.isoformat()),
            )

    def evidence(self, origin: str) -> list[tuple[str, str]]:
        """The refused checkpoints kept for `origin`, as (reason, request), oldest first."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT reason, request FROM evidence WHERE origin = ? ORDER BY id", (origin,)
            ).fetchall()
        return [(str(reason), str(request)) for reason, request in rows]
