"""Run the verifier's per-chunk work (registry/verifier/work.py) on every core, in order.

Chunks and runs of log tiles are independent, so each is checked in a worker process while
this process reads the next ones and folds the results, in order, into what needs the whole
feed (the Merkle tree, the order across chunks, the lines against the log). A few jobs per
process are in flight at a time, so memory stays flat. With one worker the same functions
run in this process, so the report is the same either way.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

IN_FLIGHT = 3

T = TypeVar("T")
R = TypeVar("R")


def _ready() -> bool:
    """Run once in each worker as the pool starts, so its imports overlap the main work."""
    import registry.verifier.work  # noqa: F401 - imported for its start-up cost

    return True


class Workers:
    """Ordered map over worker processes (`count` > 1) or in this process (`count` 1)."""

    def __init__(self, count: int) -> None:
        self.count = max(count, 1)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        if self.count > 1:
            # Spawned, not forked: the caller may be a long-running monitor with threads.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.count, mp_context=context)
            for _ in range(self.count):
                self._pool.submit(_ready)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def ordered(
        self, function: Callable[..., R], jobs: Iterable[tuple[T, tuple[Any, ...] | None]]
    ) -> Iterator[tuple[T, R | None]]:
        """(tag, function(*arguments)) per job in the order given; None arguments pass as None.

        Jobs are read from `jobs` only a few ahead of the results taken, so a caller that
        stops early has not read everything.
        """
        if self._pool is None:
            for tag, arguments in jobs:
                yield tag, None if arguments is None else function(*arguments)
            return
        pool = self._pool
        pending: deque[tuple[T, Future[R] | None]] = deque()
        for tag, arguments in jobs:
            pending.append((tag, None if arguments is None else pool.submit(function, *arguments)))
            if len(pending) >= IN_FLIGHT * self.count:
                first, future = pending.popleft()
                yield first, None if future is None else future.result()
        while pending:
            first, future = pending.popleft()
            yield first, None if future is None else future.result()
