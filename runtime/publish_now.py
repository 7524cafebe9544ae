"""Publication runs on request, rather than at the publisher's next scheduled time.

The HTTP edge does not import the publisher (the layers forbid it), so the publisher registers
here, when the app is assembled, two ways in:

- `on_request` / `request_run`: start a run in the background now, with a reason. A confirmed
  removal must reach the feed at once, not at the next hourly run. A publisher in its own
  process cannot be called: it finds removals missing from the feed by itself within seconds
  (`publisher.jobs.removals_waiting_check`).
- `offer` / `publish_now`: run once in the caller's thread, reporting each step, for the
  console's "publish now".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

Progress = Callable[[str], None]
Run = Callable[[Progress], Any]
BACKGROUND = "publish_now"
FOREGROUND = "registry_publish_now"


def on_request(app: Flask, start_run: Callable[[str], None]) -> None:
    """Register the publisher's way of starting a run now (called with the reason)."""
    app.extensions[BACKGROUND] = start_run


def request_run(app: Flask, reason: str) -> bool:
    """Start a publication run now if this process runs the publisher; True if asked."""
    start_run = app.extensions.get(BACKGROUND)
    if start_run is None:
        return False
    start_run(reason)
    return True


def offer(app: Flask, run: Run) -> None:
    """Let the app start a publication run on request (`run(progress)` returns its report)."""
    app.extensions[FOREGROUND] = run


def available() -> bool:
    """Whether this app can publish on request."""
    return FOREGROUND in current_app.extensions


def publish_now(progress: Progress) -> Any:
    """Run the publisher once, reporting each step to `progress`; its report, or None when
    another publisher holds the lock."""
    run: Run = current_app.extensions[FOREGROUND]
    return run(progress)
