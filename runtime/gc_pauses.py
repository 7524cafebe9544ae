"""Full garbage collections kept short in a serving worker.

A full collection walks every object the garbage collector tracks: in a worker with the app
loaded (its modules, the ORM's mappers, the schemas, the translations) that is a pause of
every request of the worker, a hundred milliseconds and more on a busy machine, and the
slowest one percent of lookups were made of such pauses. What the app allocates while loading
lives as long as the worker, so `freeze_loaded()` (gunicorn's post_worker_init hook,
gunicorn.conf.py) collects once and moves it out of the collector's reach (gc.freeze): later
full collections walk only what requests left behind. The rows of receipts waiting to be
written are flat tuples the collector does not track (registry.screening.receipt_writer).
"""

from __future__ import annotations

import gc


def freeze_loaded() -> int:
    """Collect what loading left as garbage, then freeze the rest; return how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
