"""`python -m bench` (`make bench`): run every benchmark, print their tables, keep the results.

Each benchmark prints its own side-by-side table (ratios measured in the same run); this
runner shows them one after another, ends with a summary of what ran and how to rerun each,
and writes everything to `bench/results.json`.
"""

from __future__ import annotations

import contextlib
import io
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import (
    api_inprocess,
    api_load,
    feed_bucket,
    latency_trace,
    ledger,
    list_states,
    node_start,
    publish,
    screening,
    screening_index,
    site_pages,
    verify,
    witness,
)

BENCHMARKS: list[tuple[str, str, Callable[[list[str]], object]]] = [
    ("ledger", "python -m bench.ledger", ledger.main),
    ("screening", "python -m bench.screening", screening.main),
    ("screening_index", "python -m bench.screening_index", screening_index.main),
    ("publish", "python -m bench.publish", publish.main),
    ("verify", "python -m bench.verify", verify.main),
    ("witness", "python -m bench.witness", witness.main),
    ("api_load", "python -m bench.api_load", api_load.main),
    ("api_inprocess", "python -m bench.api_inprocess", api_inprocess.main),
    ("site_pages", "python -m bench.site_pages", site_pages.main),
    ("list_states", "python -m bench.list_states", list_states.main),
    ("node_start", "python -m bench.node_start", node_start.main),
    ("latency_trace", "python -m bench.latency_trace", latency_trace.main),
    ("feed_bucket", "python -m bench.feed_bucket", feed_bucket.main),
]
RESULTS = Path(__file__).resolve().parent / "results.json"


class _Tee(io.StringIO):
    """Collects what a benchmark prints while still showing it."""

    def write(self, text: str) -> int:
        sys.__stdout__.write(text)
        sys.__stdout__.flush()
        return super().write(text)


def main() -> None:
    """Run every benchmark with the given flags (e.g. --quick) and record the results."""
    flags = sys.argv[1:]
    results = []
    for name, command, run in BENCHMARKS:
        print(f"\n=== {name}: {command} {' '.join(flags)}".rstrip(), flush=True)
        captured = _Tee()
        started = time.perf_counter()
        with contextlib.redirect_stdout(captured):
            run(flags)
        seconds = time.perf_counter() - started
        results.append(
            {
                "name": name,
                "command": f"{command} {' '.join(flags)}".strip(),
                "seconds": round(seconds, 1),
                "output": captured.getvalue(),
            }
        )
    print("\nbenchmark   seconds  rerun with")
    for result in results:
        print(f"{result['name']:<10} {result['seconds']:>8}  {result['command']}")
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "flags": flags,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.write_text(json.dumps({"machine": machine, "benchmarks": results}, indent=2) + "\n")
    print(f"results written to {RESULTS}")


if __name__ == "__main__":
    main()
