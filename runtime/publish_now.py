"""Publication runs on request, rather than at the publisher's next scheduled time.

The HTTP edge does not import the publisher (the layers forbid it), so the publisher registers
here, when the app is assembled, two ways in:

- `on_request` / `request_run`: start a run in the background now, with a reason. A confirmed
  removal must reach the feed at once, not at the next hourly run. A publisher in its own
  process cannot be called: it finds removals missing from the feed by itself within seconds
  (`publisher.jobs.removals_waiting_check`).
- `offer` / `start`: the console's "publish now". `start` runs the publisher once in a
  background thread of this process and records each step it reports in a `PublishRun` row as
  it goes, so that a page polling any web worker (`progress`) sees the run advance. One run at
  a time: while one goes, `start` answers with it instead of starting another.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from registry.clock import utcnow
from registry.models import RUNNING_SLOT, PublishRun
from runtime.extensions import db

Progress = Callable[[str], None]
Run = Callable[[Progress], Any]
BACKGROUND = "publish_now"
FOREGROUND = "registry_publish_now"
# The thread of the last run this process started (tests wait for it).
THREAD = "publish_now_thread"
# A run that reported nothing for this long is taken as lost (its worker stopped).
ABANDONED_AFTER = dt.timedelta(minutes=15)

log = logging.getLogger(__name__)


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


def running() -> PublishRun | None:
    """The run going now, if any; one whose worker went silent is closed as abandoned."""
    session = db.session
    found = session.scalar(select(PublishRun).where(PublishRun.slot == RUNNING_SLOT))
    if found is None or utcnow() - found.updated_at < ABANDONED_AFTER:
        return found
    found.state, found.slot, found.finished_at = "failed", None, utcnow()
    found.error = f"abandoned: no step reported since {found.updated_at:%Y-%m-%d %H:%M} UTC"
    session.commit()
    return None


def latest() -> PublishRun | None:
    """The run started last, going or ended."""
    return db.session.scalar(select(PublishRun).order_by(PublishRun.id.desc()).limit(1))


def start(started_by: str) -> tuple[PublishRun, bool]:
    """Start a run in a background thread, or find the one going: (the run, started now?)."""
    going = running()
    if going is not None:
        return going, False
    run = PublishRun(started_by=started_by, slot=RUNNING_SLOT, state="running", steps=[])
    session = db.session
    session.add(run)
    try:
        session.commit()
    except IntegrityError:  # another worker started one a moment ago
        session.rollback()
        going = running()
        if going is None:
            raise
        return going, False
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_run_in_background, args=(app, run.id), name=f"publish-now-{run.id}", daemon=True
    )
    app.extensions[THREAD] = thread
    thread.start()
    return run, True


def progress(run: PublishRun) -> dict[str, Any]:
    """The run as the console's progress endpoint answers it."""
    return {
        "id": run.id,
        "state": run.state,
        "steps": list(run.steps),
        "result": run.result,
        "error": run.error,
        "started_by": run.started_by,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def report_summary(report: Any) -> dict[str, int]:
    """What the console shows of a publisher's run report."""
    return {
        "version": report.version,
        "tree_size": report.tree_size,
        "published": len(report.published),
        "expired": len(report.expired),
    }


def _record(run_id: int, **values: Any) -> None:
    """Write to the run's row at once, in a transaction of its own (the run's is separate)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(PublishRun).where(PublishRun.id == run_id).values(updated_at=utcnow(), **values)
        )


def _run_in_background(app: Flask, run_id: int) -> None:
    """Run the publisher once, recording each step and then the outcome."""
    with app.app_context():
        steps: list[str] = []

        def step(message: str) -> None:
            steps.append(message)
            try:
                _record(run_id, steps=list(steps))
            except SQLAlchemyError as error:
                # Progress must not fail the publication: the next write carries every step.
                log.warning("publish-now run %s: step not recorded yet (%s)", run_id, error)

        ended: dict[str, Any] = {"slot": None}
        try:
            report = app.extensions[FOREGROUND](step)
        except Exception as error:
            log.exception("publish-now run %s failed", run_id)
            ended |= {"state": "failed", "error": f"{type(error).__name__}: {error}"}
        else:
            if report is None:
                ended |= {"state": "skipped"}
            else:
                ended |= {"state": "done", "result": report_summary(report)}
        _record(run_id, finished_at=utcnow(), **ended)
