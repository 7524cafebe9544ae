"""Gunicorn settings read from the working directory: scrubbed access log, receipts kept on exit."""

logger_class = "server.gunicorn_logging.ScrubbingLogger"


def worker_exit(server: object, worker: object) -> None:  # gunicorn calls it with these
    """Write the receipts a stopping worker still holds (runtime.receipt_writing)."""
    from runtime.receipt_writing import close_all

    close_all()
