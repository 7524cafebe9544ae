"""Asking the publisher for a run now, rather than at its next scheduled time.

A confirmed removal must reach the feed at once, not at the next hourly run. The web process
cannot import the publisher (the layering forbids it), so the publisher registers how to start
a run (`on_request`) and the admin views ask through `request_run`. A publisher in its own
process cannot be called: it finds removals missing from the feed by itself within seconds
(`publisher.jobs.removals_waiting_check`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

EXTENSION = "publish_now"


def on_request(app: Flask, start_run: Callable[[str], None]) -> None:
    """Register the publisher's way of starting a run now (called with the reason)."""
    app.extensions[EXTENSION] = start_run


def request_run(app: Flask, reason: str) -> bool:
    """Start a publication run now if this process runs the publisher; True if asked."""
    start_run = app.extensions.get(EXTENSION)
    if start_run is None:
        return False
    start_run(reason)
    return True
