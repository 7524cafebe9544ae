"""A publisher process for the scale-out test: production runs back to back, each one logged.

`python -m publisher` fires on a cron schedule, a minute apart at the finest; this process runs
the same `jobs.run_publication` (the leader lock around `publish_once`) in a loop with a short
pause, configured from the same REGISTRY_* variables, and appends one JSON line per event to
the file named by its first argument: a run starting inside the lock, a run ending with the
version it published, a run skipped because another publisher holds the lock, or a failure.

Usage: `python -m tests.pg.publisher_loop RUNS.jsonl NAME`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from publisher import jobs
from runtime.app import create_base_app

PAUSE_SECONDS = 0.1


def append(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line; O_APPEND writes of a short line are atomic across processes."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, (json.dumps(record) + "\n").encode())
    finally:
        os.close(descriptor)


def main(log_path: Path, name: str) -> None:
    """Publish until killed."""
    os.environ["REGISTRY_SCHEDULER"] = "false"  # this process is the scheduler
    app = create_base_app("publisher")
    real_publish_once = jobs.publish_once

    def logged(*args: Any, **kwargs: Any) -> Any:
        started = time.time()
        append(log_path, {"publisher": name, "start": started})
        report = real_publish_once(*args, **kwargs)
        append(
            log_path,
            {"publisher": name, "start": started, "end": time.time(), "version": report.version},
        )
        return report

    jobs.publish_once = logged  # this process only
    while True:
        try:
            if jobs.run_publication(app, progress=lambda _message: None) is None:
                append(log_path, {"publisher": name, "skipped": time.time()})
        except Exception as error:  # logged by run_publication; the next turn retries
            append(log_path, {"publisher": name, "failed": f"{type(error).__name__}: {error}"})
        time.sleep(PAUSE_SECONDS)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
