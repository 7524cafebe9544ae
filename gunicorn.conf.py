"""Gunicorn settings read from the working directory.

A scrubbed access log, each worker's read model built before its first request
(server.warm), the loaded app kept out of the garbage collector's full collections
(runtime.gc_pauses) and the receipts a worker holds written when it stops.
"""

from typing import Any

logger_class = "server.gunicorn_logging.ScrubbingLogger"


def post_worker_init(worker: Any) -> None:  # gunicorn calls it once the app is loaded
    """Build the worker's read model (server.warm), then freeze what loading and building
    allocated (runtime.gc_pauses)."""
    from runtime.gc_pauses import freeze_loaded
    from server.warm import warm_worker

    warm_worker(worker.wsgi, worker.notify, worker.log.info)
    freeze_loaded()


def worker_exit(server: object, worker: object) -> None:  # gunicorn calls it with these
    """Write the receipts a stopping worker still holds (runtime.receipt_writing)."""
    from runtime.receipt_writing import close_all

    close_all()
