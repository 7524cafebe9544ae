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

A waiting receipt is kept as one flat tuple of strings and numbers, made in the request that
signed it in the form the database's driver takes: its JSON encoded (by orjson, a tenth of the
cost of the standard library's for a 100-query receipt) and its timestamps as stored text; on
PostgreSQL, the lines of COPY's text format. The garbage collector stops tracking such tuples,
so receipts waiting through a collection (the signed dictionaries: dozens of containers each)
are not moved into the oldest generation, where they would count towards the next full
collection, a pause of every request of the worker (runtime.gc_pauses).

The writer's thread then only hands the rows over: on PostgreSQL both tables' lines are copied
in (COPY ... FROM STDIN), the cheapest write for the server; on SQLite each table gets one
executemany insert of the ready rows, the binding done by the driver. The thread holds the
interpreter only for that hand-over, not for turning each row into what the driver takes (a
request arriving meanwhile waited for it: bench/RESULTS.md, "Receipt rows made in the request
that signs them").

With `interval` 0 every receipt is written at once, in the request that signed it. A receipt
issued by one process is therefore readable from another within `interval` seconds (plus the
time of one write); in the process that issued it, at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from registry.screening.receipts import IssuedReceipt

log = logging.getLogger(__name__)

# Beyond this many waiting rows (the database refusing writes for a while), answers stop
# being buffered and each request writes its own rows, so the failure reaches the client.
MAX_WAITING = 10_000


# The tables of registry.models.Receipt and ScreeningCall; the columns in the order of the rows.
_RECEIPTS_COPY = "COPY receipts (receipt_id, api_key_id, issued_at, envelope) FROM STDIN"
_CALLS_COPY = (
    "COPY screening_calls (api_key_id, called_at, endpoint, query_count, tree_size, receipt_id) "
    "FROM STDIN"
)
_RECEIPTS_INSERT = (
    "INSERT INTO receipts (receipt_id, api_key_id, issued_at, envelope) VALUES (?, ?, ?, ?)"
)
_CALLS_INSERT = (
    "INSERT INTO screening_calls "
    "(api_key_id, called_at, endpoint, query_count, tree_size, receipt_id) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)

# A waiting receipt and its call, made in the request that signed them in the form the
# database's driver takes, so that a flush only hands them over:
# - PostgreSQL: the two rows' lines of COPY's text format (receipts, then calls);
# - SQLite: receipt_id, api_key_id, issued_at, envelope, called_at, endpoint, query_count,
#   tree_size, the timestamps as the text SQLAlchemy stores them (naive UTC, microseconds).
# A plain tuple of strings and numbers (not a named tuple or a dataclass), which the garbage
# collector untracks.
Waiting = tuple[str | int, ...]

# COPY's text format: a backslash, and the characters it would read as the ends of a field or
# a row, escaped (PostgreSQL, "COPY", File Formats).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _stored_time(moment: dt.datetime) -> str:
    """As registry.models.UTCDateTime stores a timestamp: naive UTC, here as its text."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _copy_line(values: tuple[str | int, ...]) -> str:
    return "\t".join(str(value).translate(_COPY_ESCAPES) for value in values) + "\n"


def waiting_row(issued: IssuedReceipt, copy: bool) -> Waiting:
    """The flat row a signed receipt waits as (for COPY if `copy`): nothing else is kept."""
    receipt, call = issued.receipt_row, issued.call_row
    receipt_values = (
        receipt["receipt_id"],
        receipt["api_key_id"],
        _stored_time(receipt["issued_at"]),
        orjson.dumps(receipt["envelope"]).decode("utf-8"),
    )
    call_values = (
        call["called_at"],
        call["endpoint"],
        call["query_count"],
        call["tree_size"],
    )
    if not copy:
        return (*receipt_values, _stored_time(call_values[0]), *call_values[1:])
    receipt_id, api_key_id = receipt_values[:2]
    return (
        _copy_line(receipt_values),
        _copy_line((api_key_id, _stored_time(call_values[0]), *call_values[1:], receipt_id)),
    )


def _copy(connection: Connection, rows: list[Waiting]) -> None:
    """PostgreSQL: both tables filled with COPY, in the connection's transaction."""
    driver: Any = connection.connection.dbapi_connection
    with driver.cursor() as cursor:
        for statement, part in ((_RECEIPTS_COPY, 0), (_CALLS_COPY, 1)):
            with cursor.copy(statement) as copy:
                copy.write("".join([str(row[part]) for row in rows]))


def _insert(connection: Connection, rows: list[Waiting]) -> None:
    """SQLite: one executemany insert per table, in the connection's transaction."""
    connection.exec_driver_sql(_RECEIPTS_INSERT, [row[:4] for row in rows])
    connection.exec_driver_sql(
        _CALLS_INSERT, [(row[1], row[4], row[5], row[6], row[7], row[0]) for row in rows]
    )


class ReceiptWriter:
    """A per-process buffer of receipt and call rows, flushed in one transaction."""

    def __init__(self, engine: Engine, interval: float, batch: int) -> None:
        if interval < 0:
            raise ValueError("the flush interval is 0 (write at once) or more seconds")
        if batch < 1:
            raise ValueError("a batch holds at least one receipt")
        self.engine = engine
        self._copies = engine.dialect.name == "postgresql"
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
        row = waiting_row(issued, self._copies)
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
                    if self._copies:
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
