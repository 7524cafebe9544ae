"""Worker processes that encode feed files on every core while this process reads the database.

A full build's chunks are independent, and so are runs of delta lines: each is a job whose
result (written chunk records, or rendered bytes) comes back in submission order, with only a
few jobs per process in flight, so memory stays flat however long the list grows.

The processes are forked from a server process started once (multiprocessing's `forkserver`)
with the feed writers already imported, and the screening index writer too whichever pool
starts it (registry.worker_processes): a new pool starts without importing anything, and
the workers inherit neither this process's database connections nor its threads. The pool
itself is started only when a run has more than a few jobs (an incremental run starts none).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from registry.errors import InvalidValue
from registry.worker_processes import forkserver_context, preload_in_workers

R = TypeVar("R")
# Jobs done here before the pool is started (starting it costs more than a small run), and
# jobs queued per process.
INLINE_JOBS = 2
IN_FLIGHT = 3
preload_in_workers("publisher.chunked_files", "publisher.writers.delta")


@dataclass(frozen=True)
class _Failure:
    """An InvalidValue raised in a worker, in parts (domain errors do not pickle as they are)."""

    field: str
    template: str
    params: dict[str, Any]


def _run(job: Callable[..., R], args: tuple[Any, ...]) -> R | _Failure:
    try:
        return job(*args)
    except InvalidValue as error:
        return _Failure(error.field, error.template, error.params)


def _result(future: Future[Any]) -> Any:
    result = future.result()
    if isinstance(result, _Failure):
        raise InvalidValue(result.field, result.template, **result.params)
    return result


class WorkerPool:
    """Up to `workers` processes, started on first need; with one worker, jobs run here."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=forkserver_context())
        return self._pool

    def ordered(self, job: Callable[..., R], arguments: Iterable[tuple[Any, ...]]) -> Iterator[R]:
        """`job(*args)` for each tuple of arguments, results in order; the first few run here."""
        pending: deque[Future[Any]] = deque()
        for number, args in enumerate(arguments):
            if self.workers <= 1 or number < INLINE_JOBS:
                yield job(*args)
                continue
            pending.append(self._started().submit(_run, job, args))
            # A bounded queue keeps memory flat: a few jobs per process in flight.
            while len(pending) >= IN_FLIGHT * self.workers:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())

    def close(self) -> None:
        """Stop the processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        _kind: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()
