"""Receipts and usage rows written in batches: one transaction for many answers.

Every lookup and screening answer is signed before it is sent (registry.screening.receipts);
keeping its receipt and its call record is what a write buffer can postpone. `ReceiptWriter`
collects the rows of signed receipts and inserts them together, one batched insert per table
in one transaction, from a background thread of the process:

- every `interval` seconds,
- at once when `batch` rows are waiting (the request that added the last one wakes the
  thread and goes on: no request waits for a batch's transaction, its lock or its commit),
- whenever a reader of receipts or usage in this process asks (`flush()` before reading, in
  that reader's request),
- when the process ends (`close()`, called at exit and from gunicorn's worker_exit hook).

A waiting receipt is kept as one flat tuple of strings, numbers and timestamps, its JSON
already encoded (by orjson, a tenth of the cost of the standard library's for a 100-query
receipt) in the request that signed it. The garbage collector stops tracking such tuples, so
receipts waiting through a collection (the signed dictionaries: dozens of containers each)
are not moved into the oldest generation, where they would count towards the next full
collection, a pause of every request of the worker (runtime.gc_pauses).

On PostgreSQL the batch is copied in (COPY ... FROM STDIN), the cheapest write for the server;
elsewhere each table gets one executemany insert.

With `interval` 0 every receipt is written at once, in the request that signed it. A receipt
issued by one process is therefore readable from another within `interval` seconds (plus the
time of one write); in the process that issued it, at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, Text, column, insert, table

from registry.models import Receipt, ScreeningCall
from registry.screening.receipts import IssuedReceipt

log = logging.getLogger(__name__)

# Beyond this many waiting rows (the database refusing writes for a while), answers stop
# being buffered and each request writes its own rows, so the failure reaches the client.
MAX_WAITING = 10_000


_RECEIPT_COLUMNS = ("receipt_id", "api_key_id", "issued_at", "envelope")
_CALL_COLUMNS = ("api_key_id", "called_at", "endpoint", "query_count", "tree_size", "receipt_id")


# The receipts table with its JSON column as the text it is stored as (SQLite), so that the
# envelope is encoded once, by orjson, instead of by the column type's json.dumps.
_RECEIPTS_AS_TEXT = table(
    Receipt.__tablename__,
    column("receipt_id"),
    column("api_key_id"),
    column("issued_at", Receipt.__table__.c.issued_at.type),
    column("envelope", Text()),
)


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    # As registry.models.UTCDateTime stores a timestamp: naive, in UTC.
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


# A waiting receipt and its call: receipt_id, api_key_id, issued_at, envelope (JSON text),
# called_at, endpoint, query_count, tree_size. A plain tuple of atoms (not a named tuple or a
# dataclass), which the garbage collector untracks.
Waiting = tuple[str, int, dt.datetime, str, dt.datetime, str, int, int]


class _Fields(NamedTuple):
    receipt_id: str
    api_key_id: int
    issued_at: dt.datetime
    envelope: str
    called_at: dt.datetime
    endpoint: str
    query_count: int
    tree_size: int


def waiting_row(issued: IssuedReceipt) -> Waiting:
    """The flat row a signed receipt waits as: its JSON encoded now, nothing else kept."""
    receipt, call = issued.receipt_row, issued.call_row
    return (
        receipt["receipt_id"],
        receipt["api_key_id"],
        receipt["issued_at"],
        orjson.dumps(receipt["envelope"]).decode("utf-8"),
        call["called_at"],
        call["endpoint"],
        call["query_count"],
        call["tree_size"],
    )


def _copy(connection: Connection, rows: list[Waiting]) -> None:
    """PostgreSQL: both tables filled with COPY, in the connection's transaction."""
    driver: Any = connection.connection.dbapi_connection
    with driver.cursor() as cursor:
        receipts = f"COPY {Receipt.__tablename__} ({', '.join(_RECEIPT_COLUMNS)}) FROM STDIN"
        with cursor.copy(receipts) as copy:
            for row in map(_Fields._make, rows):
                copy.write_row(
                    (row.receipt_id, row.api_key_id, _naive_utc(row.issued_at), row.envelope)
                )
        calls = f"COPY {ScreeningCall.__tablename__} ({', '.join(_CALL_COLUMNS)}) FROM STDIN"
        with cursor.copy(calls) as copy:
            for row in map(_Fields._make, rows):
                copy.write_row(
                    (
                        row.api_key_id,
                        _naive_utc(row.called_at),
                        row.endpoint,
                        row.query_count,
                        row.tree_size,
                        row.receipt_id,
                    )
                )


def _insert(connection: Connection, rows: list[Waiting]) -> None:
    """Elsewhere: one executemany insert per table, in the connection's transaction."""
    fields = [_Fields._make(row) for row in rows]
    connection.execute(
        insert(_RECEIPTS_AS_TEXT),
        [
            {
                "receipt_id": row.receipt_id,
                "api_key_id": row.api_key_id,
                "issued_at": row.issued_at,
                "envelope": row.envelope,
            }
            for row in fields
        ],
    )
    connection.execute(
        insert(ScreeningCall),
        [
            {
                "api_key_id": row.api_key_id,
                "called_at": row.called_at,
                "endpoint": row.endpoint,
                "query_count": row.query_count,
                "tree_size": row.tree_size,
                "receipt_id": row.receipt_id,
            }
            for row in fields
        ],
    )


class ReceiptWriter:
    """A per-process buffer of receipt and call rows, flushed in one transaction."""

    def __init__(self, engine: Engine, interval: float, batch: int) -> None:
        if interval < 0:
            raise ValueError("the flush interval is 0 (write at once) or more seconds")
        if batch < 1:
            raise ValueError("a batch holds at least one receipt")
        self.engine = engine
        self.interval = interval
        self.batch = batch
        self._waiting: list[Waiting] = []
        self._lock = threading.Lock()  # guards _waiting
        self._writing = threading.Lock()  # one flush at a time, in order
        self._stop = threading.Event()
        self._due = threading.Event()  # a full batch waits: write it now
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.written = 0

    def add(self, issued: IssuedReceipt) -> None:
        """Keep a signed receipt's rows; they are written within `interval` seconds."""
        self._after_fork()
        row = waiting_row(issued)
        with self._lock:
            self._waiting.append(row)
            waiting = len(self._waiting)
        if self.interval == 0 or waiting > MAX_WAITING:
            # Written in the request: if that fails, the request fails and its answer is not
            # sent, so its receipt must not be written later either.
            try:
                self.flush()
            except Exception:
                with self._lock:
                    self._waiting = [kept for kept in self._waiting if kept is not row]
                raise
            return
        self._start()
        if waiting >= self.batch:
            self._due.set()  # the writer's thread takes it; this request does not wait

    def pending(self) -> int:
        """How many receipts wait to be written."""
        with self._lock:
            return len(self._waiting)

    def flush(self) -> int:
        """Write every waiting receipt now, in one transaction; return how many were written."""
        with self._writing:
            with self._lock:
                rows, self._waiting = self._waiting, []
            if not rows:
                return 0
            try:
                with self.engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        _copy(connection, rows)
                    else:
                        _insert(connection, rows)
            except Exception:
                # Put them back in front, in order, to be written by the next flush.
                with self._lock:
                    self._waiting[:0] = rows
                raise
            self.written += len(rows)
            return len(rows)

    def close(self) -> None:
        """Stop the background thread and write what waits."""
        self._stop.set()
        self._due.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=max(self.interval * 2, 1.0))
        self._thread = None
        if os.getpid() == self._pid:
            self.flush()

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="receipt-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._due.wait(self.interval)
            self._due.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except Exception as error:  # the rows stay queued; the next tick retries
                log.warning(
                    "receipt writer: %d receipts not yet written (%s); retrying",
                    self.pending(),
                    type(error).__name__,
                )
                # Not before the next tick, however many full batches wait meanwhile.
                if self._stop.wait(self.interval):
                    return

    def _after_fork(self) -> None:
        # A forked child inherits the parent's rows (the parent writes them) but not its thread.
        if os.getpid() != self._pid:
            with self._lock:
                self._pid = os.getpid()
                self._waiting = []
                self._thread = None
                self._stop = threading.Event()
                self._due = threading.Event()
