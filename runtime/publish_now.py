"""A publication run on request: the publisher offers it, the console asks for it.

The HTTP edge does not import the publisher (the layers forbid it); the publisher registers
its run here when the app is assembled, and the admin console calls it through this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

Progress = Callable[[str], None]
Run = Callable[[Progress], Any]
EXTENSION = "registry_publish_now"


def offer(app: Flask, run: Run) -> None:
    """Let the app start a publication run on request (`run(progress)` returns its report)."""
    app.extensions[EXTENSION] = run


def available() -> bool:
    """Whether this app can publish on request."""
    return EXTENSION in current_app.extensions


def publish_now(progress: Progress) -> Any:
    """Run the publisher once, reporting each step to `progress`; its report, or None when
    another publisher holds the lock."""
    run: Run = current_app.extensions[EXTENSION]
    return run(progress)
