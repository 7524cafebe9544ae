"""Gunicorn settings read from the working directory.

A scrubbed access log, the loaded app kept out of the garbage collector's full collections
(runtime.gc_pauses) and the receipts a worker holds written when it stops.
"""

logger_class = "server.gunicorn_logging.ScrubbingLogger"


def post_worker_init(worker: object) -> None:  # gunicorn calls it once the app is loaded
    """Freeze what loading the app allocated (runtime.gc_pauses)."""
    from runtime.gc_pauses import freeze_loaded

    freeze_loaded()


def worker_exit(server: object, worker: object) -> None:  # gunicorn calls it with these
    """Write the receipts a stopping worker still holds (runtime.receipt_writing)."""
    from runtime.receipt_writing import close_all

    close_all()
