"""Full garbage collections kept short in a serving worker and in the publisher.

A full collection walks every object the garbage collector tracks: in a worker with the app
loaded (its modules, the ORM's mappers, the schemas, the translations) that is a pause of
every request of the worker, a hundred milliseconds and more on a busy machine, and the
slowest one percent of lookups were made of such pauses. What the app allocates while loading
lives as long as the worker, so `freeze_loaded()` (gunicorn's post_worker_init hook,
gunicorn.conf.py) collects once and moves it out of the collector's reach (gc.freeze): later
full collections walk only what requests left behind. The rows of receipts waiting to be
written are flat tuples the collector does not track (registry.screening.receipt_writer).

The publisher process (`python -m publisher`) freezes its loaded app the same way, and
`registry publish` does for its run (`frozen_while`). A publication run decodes a million
bundles in batches; each batch's allocations set off collections, and every full one walked
the app again: a sixth of the CPU of the national export step at 100k entries
(bench/RESULTS.md, "Publisher process: the loaded app frozen").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_loaded() -> int:
    """Collect what loading left as garbage, then freeze the rest; return how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@contextmanager
def frozen_while() -> Iterator[None]:
    """`freeze_loaded()` for the block; what was frozen is the collector's again afterwards."""
    freeze_loaded()
    try:
        yield
    finally:
        gc.unfreeze()
