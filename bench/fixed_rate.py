"""An open-loop HTTP client: requests sent at a fixed rate, latency measured from when each was due.

wrk2 (fixed-rate wrk) is not packaged in Debian, so this stands in for it. Every request has a
due time on a fixed schedule; a pool of threads sends each at its due time, and latency runs
from the due time, not the send time, so a stalled server shows up as latency instead of
silently lowering the rate (no coordinated omission).

The client shares the machine with the server it measures, so each request costs it as little
as a Python client can: the request's bytes are built once, each request is one connection
(gunicorn's sync workers close it after every response anyway) and the response is read to
its end without parsing more than the status line. With http.client, which parsed every
header into a message object, `/healthz` at half its saturating rate on two cores waited
27–428 ms at the median; with this client, 1.0–1.5 ms (bench/RESULTS.md, 2026-12-07).
"""

from __future__ import annotations

import queue
import socket
import statistics
import threading
import time
from collections.abc import Callable
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


def _message(request: Request, host: str, port: int) -> bytes:
    """The whole HTTP/1.1 request, to be sent as it is on a connection of its own."""
    lines = [
        f"{request.method} {request.path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: close",
        f"Content-Length: {len(request.body)}",
        *(f"{name}: {value}" for name, value in request.headers),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


def exchange(host: str, port: int, message: bytes) -> tuple[float, int | None]:
    """Send `message` on a new connection and read the response to its end.

    Returns when the connection was made (`time.perf_counter`; 0.0 if it was not) and the
    status: None when the connection fails or the answer is not an HTTP status line.
    """
    connected = 0.0
    try:
        with socket.create_connection((host, port), timeout=30) as connection:
            connected = time.perf_counter()
            connection.sendall(message)
            head = b""
            while chunk := connection.recv(65536):
                if len(head) < 12:
                    head += chunk
    except OSError:
        return connected, None
    if not head.startswith(b"HTTP/1.") or len(head) < 12 or not head[9:12].isdigit():
        return connected, None
    return connected, int(head[9:12])


def run_senders(send: Callable[[], None], jobs: queue.Queue[Any]) -> None:
    """Run `send` on `THREADS` threads until each has taken a None from `jobs` (put here last)."""
    threads = [threading.Thread(target=send, daemon=True) for _ in range(THREADS)]
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


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

    messages = {request: _message(request, host, port) for request in requests}

    def send() -> None:
        while (job := due_times.get()) is not None:
            due, request = job
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            _connected, status = exchange(host, port, messages[request])
            failed = status is None or status >= 400
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed)
                errors[0] += failed
                if failed:
                    failures.append(f"{request.method} {request.path} -> {status or 'no answer'}")

    run_senders(send, due_times)
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
