"""Where the slowest requests at half rate wait: each request traced from the client to a worker.

`python -m bench.api_load` gives the identifier lookup's p50 and p99 at half its saturating
rate; this says where each of the slowest 1 % spent its time. The client sends numbered
requests at a fixed rate (one connection each, as bench/fixed_rate.py does) and notes when each
was due, sent, connected and answered; the server's workers (bench/trace_hooks.py) note when
they started and finished each one, their receipt writer's flushes and the collector's passes,
all on the machine's one monotonic clock. Each request's time splits into:

    sent late   from when it was due to when the client sent it (the client's own delay)
    connect     the TCP handshake
    waiting     from the connection to a worker starting on it (accept queue, busy workers)
    in worker   the request in the worker, from its headers read to its answer written
    back        from the answer written to the client having read it

Run `python -m bench.latency_trace` (SQLite, lookup, half the saturating rate found by wrk,
8 s; `--quick`: 3 s windows); `--rate N` skips the saturating run, `--target healthz`
traces `/healthz`, `--backend postgresql` uses REGISTRY_TEST_PG_URL or the local server.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.api_load import LOCAL_POSTGRES, ensure_wrk, postgres_url, saturating_rate, targets
from bench.fixed_rate import exchange, percentile, run_senders
from bench.served import WORKERS, Served, pg_database, serve
from bench.trace_hooks import SEQ_HEADER

PHASES = ("sent late", "connect", "waiting", "in worker", "back")
# Of "waiting", the part after the worker that took the request was free: (0, waiting].
FREE = "worker free"
SLOWEST = 0.01
# The warm-up requests are numbered from here, so that no worker's note of one is taken for a
# measured request's.
WARM_UP_FIRST = 1_000_000_000
# Client side, per request: due, sent, connected, answered (perf_counter seconds), HTTP status.
Sent = tuple[float, float, float, float, int | None]
# Worker side, per request: started, finished, when that worker had finished the one before.
Noted = tuple[float, float, float]


def traced_requests(
    base_url: str, path: str, headers: dict[str, str], rate: float, seconds: float, first: int = 0
) -> dict[int, Sent]:
    """Send `rate` GET requests a second for `seconds`, numbered from `first`: as the client saw
    each one."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + f"\r\n{SEQ_HEADER}: ").encode("latin-1")
    count = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.2
    numbers: queue.Queue[int | None] = queue.Queue()
    for number in range(first, first + count):
        numbers.put(number)
    seen: dict[int, Sent] = {}

    def send() -> None:
        while (number := numbers.get()) is not None:
            due = start + (number - first) / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            connected, status = exchange(host, int(port), head + b"%d\r\n\r\n" % number)
            seen[number] = (due, sent, connected, time.perf_counter(), status)

    run_senders(send, numbers)
    return seen


def read_notes(
    folder: Path,
) -> tuple[dict[int, Noted], list[tuple[float, float]], list[tuple[float, float]]]:
    """The workers' notes: numbered requests, receipt flushes, collector passes (start, end)."""
    served: dict[int, Noted] = {}
    flushes: list[tuple[float, float]] = []
    passes: list[tuple[float, float]] = []
    for path in sorted(folder.glob("worker-*.json")):
        notes = json.loads(path.read_text())
        for number, started, finished, before in notes["requests"]:
            served[number] = (started, finished, before)
        flushes += [(begin, end) for begin, end in notes["flushes"]]
        passes += [(begin, end) for begin, end, _generation in notes["collections"]]
    return served, flushes, passes


def within(spans: list[tuple[float, float]], first: float, last: float) -> list[float]:
    """How long each of the spans that overlap [first, last] lasted."""
    return [end - begin for begin, end in spans if begin < last and end > first]


def phases(sent: Sent, served: Noted) -> dict[str, float]:
    """A request's time, split (seconds)."""
    due, sent_at, connected, answered, _status = sent
    started, finished, before = served
    return {
        "sent late": sent_at - due,
        "connect": connected - sent_at,
        "waiting": started - connected,
        "in worker": finished - started,
        "back": answered - finished,
        # The part of the wait after the worker that took it had finished its request before:
        # it was free, yet had not started (off the CPU, or its own threads held the interpreter).
        "worker free": started - max(connected, before),
    }


def breakdown(
    sent: dict[int, Sent], served: dict[int, Noted], flushes: list[tuple[float, float]]
) -> dict[str, Any]:
    """Latency percentiles, and each phase's median over every request and the slowest 1 %.

    Also, among the slowest: how many spent longest in each phase, and how many were in
    flight (connected to answered) while some worker's receipt writer was flushing.
    """
    answered = {n: row for n, row in sent.items() if row[4] is not None and n in served}
    latency = sorted((row[3] - row[0], n) for n, row in answered.items())
    if not latency:
        raise SystemExit("no request was answered and noted by a worker")
    values = [seconds for seconds, _ in latency]
    slowest = [n for _, n in latency[-max(1, round(len(latency) * SLOWEST)) :]]
    split = {n: phases(answered[n], served[n]) for n in answered}

    def medians(numbers: list[int]) -> dict[str, float]:
        return {
            phase: statistics.median(split[n][phase] for n in numbers) for phase in (*PHASES, FREE)
        }

    longest = dict.fromkeys(PHASES, 0)
    for n in slowest:
        longest[max(PHASES, key=split[n].__getitem__)] += 1
    free = sum(split[n][FREE] > split[n]["waiting"] / 2 for n in slowest)
    during_flush = sum(
        any(begin < answered[n][3] and end > answered[n][2] for begin, end in flushes)
        for n in slowest
    )
    return {
        "requests": len(latency),
        "unanswered": len(sent) - len(answered),
        # A worker cannot start on a request before its connection: this counts notes joined
        # to the wrong request (none, unless numbers were reused).
        "misjoined": sum(split[n]["waiting"] < 0 for n in answered),
        "p50": percentile(values, 0.50),
        "p99": percentile(values, 0.99),
        "every": medians(list(answered)),
        "slowest": medians(slowest),
        "slowest_count": len(slowest),
        "longest_in": longest,
        "during_flush": during_flush,
        "mostly_free": free,
    }


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir}/registry.db"
        return
    server = postgres_url()
    if not server:
        raise SystemExit(f"no PostgreSQL at REGISTRY_TEST_PG_URL or {LOCAL_POSTGRES}")
    with pg_database(server) as url:
        yield url


def _half_rate(served: Served, name: str, quick: bool) -> float:
    """Half the saturating rate of target `name`, found with wrk as bench.api_load does."""
    target = next(t for t in targets(served) if t.name == name)
    seconds, levels = (3, (4, 16)) if quick else (8, (4, 16, 64))
    with tempfile.TemporaryDirectory() as scripts:
        best = saturating_rate(ensure_wrk(), served, target, Path(scripts), seconds, levels)
    print(f"[{served.backend}] {name}: {best['rps']:.0f} req/s (c={best['connections']})")
    return float(best["rps"]) / 2


def trace(
    backend: str,
    target: str,
    rate: float | None,
    seconds: float,
    workers: int,
    quick: bool = False,
) -> dict[str, Any]:
    """Serve the demo, send the numbered requests, stop the server, join both sides' notes."""
    with tempfile.TemporaryDirectory() as scratch:
        workdir, notes = Path(scratch), Path(scratch) / "trace"
        notes.mkdir()
        with (
            _database(backend, workdir) as url,
            serve(
                backend,
                workdir,
                url,
                workers,
                BENCH_TRACE_DIR=str(notes),
                GUNICORN_CMD_ARGS="--config python:bench.trace_hooks",
            ) as served,
        ):
            rate = rate or _half_rate(served, target, quick)
            path, headers = "/healthz", {}
            if target == "lookup":
                value = served.identifier["value"]
                path = f"/api/v1/lookup?scheme=cn_uscc&value={value}"
                headers = {"Authorization": f"Bearer {served.api_key}"}
            # Warm the workers, with numbers apart from the measured requests' own.
            traced_requests(served.base_url, path, headers, rate, 1.0, first=WARM_UP_FIRST)
            sent = traced_requests(served.base_url, path, headers, rate, seconds)
        # The workers wrote their notes as gunicorn stopped them.
        answered, flushes, passes = read_notes(notes)
        answered = {n: row for n, row in answered.items() if n in sent}
        # The flushes and passes during the traced window (not the saturating run's).
        first, last = min(row[0] for row in sent.values()), max(row[3] for row in sent.values())
        flushed, paused = within(flushes, first, last), within(passes, first, last)
        return breakdown(sent, answered, flushes) | {
            "rate": rate,
            "flushes": len(flushed),
            "flush_p50": statistics.median(flushed) if flushed else 0.0,
            "flush_max": max(flushed, default=0.0),
            "collection_max": max(paused, default=0.0),
        }


def report(backend: str, target: str, found: dict[str, Any]) -> None:
    """Print the breakdown."""
    ms = 1000
    print(
        f"[{backend}] {target} at {found['rate']:.0f}/s: {found['requests']} answered, "
        f"{found['unanswered']} not; p50 {found['p50'] * ms:.2f} ms, "
        f"p99 {found['p99'] * ms:.2f} ms ({found['p99'] / found['p50']:.1f}x)"
    )
    if found["misjoined"]:
        print(f"  {found['misjoined']} worker notes precede their request's connection: not joined")
    print(f"  {'median (ms)':<26}" + "".join(f"{phase:>11}" for phase in PHASES))
    for label, key in (("every request", "every"), ("slowest 1 %", "slowest")):
        values = found[key]
        print(f"  {label:<26}" + "".join(f"{values[p] * ms:>11.2f}" for p in PHASES))
    print(
        f"  {'longest in, of the slowest':<26}"
        + "".join(f"{found['longest_in'][p]:>11}" for p in PHASES)
    )
    print(
        f"  waiting while the worker that took it was already free (median, slowest): "
        f"{found['slowest'][FREE] * ms:.2f} ms; more than half the wait for "
        f"{found['mostly_free']} of {found['slowest_count']}"
    )
    print(
        f"  slowest in flight during a receipt flush: {found['during_flush']} of "
        f"{found['slowest_count']}; flushes {found['flushes']} (p50 "
        f"{found['flush_p50'] * ms:.2f} ms, max {found['flush_max'] * ms:.2f} ms); longest "
        f"collector pass {found['collection_max'] * ms:.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    """Trace one target on one backend and print where its slowest requests waited."""
    parser = argparse.ArgumentParser(prog="python -m bench.latency_trace", description=__doc__)
    parser.add_argument("--target", choices=("lookup", "healthz"), default="lookup")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rate", type=float, help="requests/s (default: half the saturating)")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument(
        "--quick", action="store_true", help="3-second windows (as make bench --quick runs it)"
    )
    args = parser.parse_args(argv)
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be above 0")
    if args.seconds <= 0 or args.workers < 1:
        parser.error("--seconds must be above 0 and --workers at least 1")
    seconds = min(args.seconds, 3.0) if args.quick else args.seconds
    found = trace(args.backend, args.target, args.rate, seconds, args.workers, args.quick)
    report(args.backend, args.target, found)


if __name__ == "__main__":
    main()
