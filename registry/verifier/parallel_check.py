"""The costly part of checking snapshot chunks (signatures, content hashes) on every core.

Chunks are independent, so each one's lines are parsed, their signatures checked and their
entries hashed in a worker process, while this process reads and hashes the next chunks
and then runs the checks that need the whole feed (order across chunks, the log) in order.
A few chunks per process are in flight at a time, so memory stays flat.
"""

from __future__ import annotations

import io
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from registry.signing.keys import VerificationKey
from registry.verifier.feed_check import LineCheck, jsonl_records, line_check
from registry.verifier.report import VerificationReport

IN_FLIGHT = 3


def signature_checks(data: bytes, keys: tuple[VerificationKey, ...]) -> dict[int, LineCheck]:
    """The signature check and content hash of each line of a snapshot chunk, by line number."""
    # Malformed lines are reported by the caller, which reads the same bytes again.
    ignored = VerificationReport("")
    return {
        number: line_check(bundle, keys)
        for number, bundle in jsonl_records("", io.BytesIO(data), ignored)
    }


def checked_in_processes(
    chunks: Iterable[tuple[dict[str, Any], bytes | None]],
    keys: tuple[VerificationKey, ...],
    workers: int,
) -> Iterator[tuple[dict[str, Any], bytes | None, dict[int, LineCheck] | None]]:
    """(record, data, line checks) per chunk, in the order given, the checks from `workers`."""
    # Spawned, not forked: the caller may be a long-running monitor with threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[tuple[dict[str, Any], bytes | None, Future[dict[int, LineCheck]] | None]]
        pending = deque()

        def submit(data: bytes | None) -> Future[dict[int, LineCheck]] | None:
            return None if data is None else pool.submit(signature_checks, data, keys)

        def ready() -> tuple[dict[str, Any], bytes | None, dict[int, LineCheck] | None]:
            record, data, future = pending.popleft()
            return record, data, None if future is None else future.result()

        for record, data in chunks:
            pending.append((record, data, submit(data)))
            if len(pending) >= IN_FLIGHT * workers:
                yield ready()
        while pending:
            yield ready()
