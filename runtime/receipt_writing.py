"""The app's receipt writer (registry.screening.receipt_writer), flushed when the process ends.

One writer per app and process, created on first use with REGISTRY_RECEIPT_FLUSH_MS and
REGISTRY_RECEIPT_BATCH. Every writer of the process is closed (its rows written) at
interpreter exit and from gunicorn's `worker_exit` hook (gunicorn.conf.py), so a worker
stopped normally loses no receipt.
"""

from __future__ import annotations

import atexit
import threading
import weakref

from flask import current_app

from registry.screening.receipt_writer import ReceiptWriter
from runtime.extensions import db

EXTENSION = "registry.receipt_writer"
_writers: weakref.WeakSet[ReceiptWriter] = weakref.WeakSet()
_lock = threading.Lock()


def receipt_writer() -> ReceiptWriter:
    """This app's writer (inside an app context)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    writer = app.extensions.get(EXTENSION)
    if writer is None:
        with _lock:
            writer = app.extensions.get(EXTENSION)
            if writer is None:
                writer = ReceiptWriter(
                    db.engine,
                    app.config["RECEIPT_FLUSH_MS"] / 1000,
                    app.config["RECEIPT_BATCH"],
                )
                app.extensions[EXTENSION] = writer
                _writers.add(writer)
    assert isinstance(writer, ReceiptWriter)
    return writer


def close_all() -> None:
    """Write what every writer of this process holds and stop their threads."""
    for writer in list(_writers):
        writer.close()


atexit.register(close_all)
