"""Gunicorn settings for `python -m bench.latency_trace`: the project's, and a note of each request.

Loaded with `GUNICORN_CMD_ARGS="--config python:bench.trace_hooks"`. Each worker keeps the
project's settings and hooks (gunicorn.conf.py) and notes, on `time.perf_counter` (the machine's
monotonic clock, the same in every process), when it started and finished each request the
client numbered (its `X-Bench-Seq` header), when its receipt writer's flushes ran, and the
collector's passes. It writes them to `$BENCH_TRACE_DIR/worker-<pid>.json` when it stops.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import time
from pathlib import Path
from typing import Any

_PROJECT = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
logger_class = _PROJECT["logger_class"]

SEQ_HEADER = "X-Bench-Seq"
# Per request: (sequence number, started, finished, when this worker finished its request before).
_requests: list[tuple[int, float, float, float]] = []
_flushes: list[tuple[float, float]] = []
_collections: list[tuple[float, float, int]] = []
_finished = [0.0]
_collecting = [0.0]


def _note_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _collecting[0] = time.perf_counter()
    else:
        _collections.append((_collecting[0], time.perf_counter(), info["generation"]))


def post_worker_init(worker: object) -> None:
    """The project's hook, then the receipt writer's flushes and the collector's passes noted."""
    _PROJECT["post_worker_init"](worker)
    from registry.screening.receipt_writer import ReceiptWriter

    flush = ReceiptWriter.flush

    def noted_flush(writer: ReceiptWriter) -> int:
        started = time.perf_counter()
        try:
            return flush(writer)
        finally:
            _flushes.append((started, time.perf_counter()))

    ReceiptWriter.flush = noted_flush  # type: ignore[method-assign,assignment]
    gc.callbacks.append(_note_collection)


def pre_request(worker: object, req: Any) -> None:
    """Note when the worker starts on a numbered request."""
    wanted = SEQ_HEADER.upper()
    req.bench_seq = next((int(value) for name, value in req.headers if name == wanted), None)
    req.bench_started = time.perf_counter()


def post_request(worker: object, req: Any, environ: object, resp: object) -> None:
    """Note when it finished, and when it had finished the one before."""
    finished = time.perf_counter()
    if req.bench_seq is not None:
        _requests.append((req.bench_seq, req.bench_started, finished, _finished[0]))
    _finished[0] = finished


def worker_exit(server: object, worker: object) -> None:
    """The project's hook (receipts written), then this worker's notes to the trace folder."""
    _PROJECT["worker_exit"](server, worker)
    folder = Path(os.environ["BENCH_TRACE_DIR"])
    notes = {"requests": _requests, "flushes": _flushes, "collections": _collections}
    (folder / f"worker-{os.getpid()}.json").write_text(json.dumps(notes))
