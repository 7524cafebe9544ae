"""An open-loop HTTP client: requests sent at a fixed rate, latency measured from when each was due.

wrk2 (fixed-rate wrk) is not packaged in Debian, so this stands in for it. Every request has a
due time on a fixed schedule; a pool of threads with keep-alive connections sends each at its
due time, and latency runs from the due time, not the send time, so a stalled server shows up
as latency instead of silently lowering the rate (no coordinated omission).
"""

from __future__ import annotations

import http.client
import queue
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

THREADS = 32


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie (nearest rank)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


@dataclass(frozen=True)
class Request:
    """One HTTP request to repeat."""

    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def fixed_rate_latency(
    base_url: str, requests: list[Request], rate: float, seconds: float
) -> dict[str, Any]:
    """Send `rate` requests/s for `seconds`, cycling through `requests`; return latency (ms)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    count = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.2
    due_times: queue.Queue[tuple[float, Request] | None] = queue.Queue()
    for number in range(count):
        due_times.put((start + number / rate, requests[number % len(requests)]))
    latencies: list[float] = []
    errors = [0]
    failures: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        while (job := due_times.get()) is not None:
            due, request = job
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            failed = False
            try:
                connection.request(
                    request.method,
                    request.path,
                    body=request.body or None,
                    headers=dict(request.headers),
                )
                response = connection.getresponse()
                response.read()
                failed = response.status >= 400
                if failed:
                    failures.append(f"{request.method} {request.path} -> {response.status}")
            except (OSError, http.client.HTTPException):
                failed = True
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed)
                errors[0] += failed
        connection.close()

    threads = [threading.Thread(target=send, daemon=True) for _ in range(THREADS)]
    for _ in threads:
        due_times.put(None)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    ordered = sorted(latencies)
    return {
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
        "mean_ms": (statistics.fmean(ordered) if ordered else 0.0) * 1000,
        "achieved_rps": len(ordered) / max(finished - start, 1e-9),
        "errors": float(errors[0]),
        "sent": float(len(ordered)),
        "first_failures": failures[:5],
    }
