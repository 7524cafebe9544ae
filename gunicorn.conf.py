"""Gunicorn settings read from the working directory.

A scrubbed access log, the read model built before the first request (once, in the master,
for every worker where the app is preloaded: server.warm), the loaded app kept out of the
garbage collector's full collections (runtime.gc_pauses) and the receipts a worker holds
written when it stops.
"""

import os
from typing import Any

from runtime.config import shares_read_model

logger_class = "server.gunicorn_logging.ScrubbingLogger"
# The master loads the app and builds the read model once for all its workers
# (REGISTRY_SHARED_READ_MODEL; server.warm.warm_master).
preload_app = shares_read_model(os.environ)


def when_ready(server: Any) -> None:  # gunicorn calls it in the master, before any fork
    """With the app preloaded, build the read model the workers will be forked with."""
    if server.cfg.preload_app:
        from server.warm import warm_master

        warm_master(server.app.wsgi(), server.log.info)


def on_reload(server: Any) -> None:  # gunicorn calls it in the master on SIGHUP
    """Bring the master's read model up to date before the new workers are forked from it.

    A preloaded app is not loaded again; its model is moved to the current list state, at
    the cost of what changed since it was built (server.warm.warm_master).
    """
    if server.cfg.preload_app:
        from server.warm import warm_master

        warm_master(server.app.wsgi(), server.log.info)


def post_worker_init(worker: Any) -> None:  # gunicorn calls it once the app is loaded
    """Take the master's read model, or build the worker's own (server.warm), then freeze
    what loading and building allocated (runtime.gc_pauses)."""
    from server.warm import start_worker

    start_worker(worker.wsgi, worker.notify, worker.log.info)


def worker_exit(server: object, worker: object) -> None:  # gunicorn calls it with these
    """Write the receipts a stopping worker still holds (runtime.receipt_writing)."""
    from runtime.receipt_writing import close_all

    close_all()
