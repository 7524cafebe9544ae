"""The national export and the screening index of a run go side by side (publisher/run.py).

The export runs in the run's thread, the index in a thread of its own with its own session;
a failure of either fails the run, and neither undoes what the other wrote.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from publisher import run as publisher_run
from publisher.jobs import run_publication
from registry.models import NationalReport
from registry.screening.matching.index_file import IndexFile
from runtime.extensions import db

WAIT_SECONDS = 30


def test_the_export_and_the_index_run_at_the_same_time(
    demo_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_started, index_started = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}
    export, index = publisher_run.export_national, publisher_run.update_shared_index

    def exporting(*args: Any, **kwargs: Any) -> Any:
        export_started.set()
        seen["export saw the index going"] = index_started.wait(WAIT_SECONDS)
        return export(*args, **kwargs)

    def indexing(*args: Any, **kwargs: Any) -> Any:
        index_started.set()
        seen["index saw the export going"] = export_started.wait(WAIT_SECONDS)
        seen["index thread"] = threading.current_thread().name
        return index(*args, **kwargs)

    monkeypatch.setattr(publisher_run, "export_national", exporting)
    monkeypatch.setattr(publisher_run, "update_shared_index", indexing)
    messages: list[str] = []
    report = run_publication(demo_app, progress=messages.append)

    assert report is not None
    assert seen["export saw the index going"] and seen["index saw the export going"]
    assert str(seen["index thread"]).startswith("screening-index")
    assert {"national", "screening_index"} <= set(report.steps)
    assert report.screening_index.startswith("written")
    # The index thread's progress reaches the run's callback.
    assert "writing the screening index" in messages
    assert f"screening index: {report.screening_index}" in messages
    assert IndexFile(Path(demo_app.config["SCREENING_INDEX"])).count > 0


def _national_reports() -> int:
    return int(db.session.scalar(select(func.count()).select_from(NationalReport)) or 0)


def _run_with_a_full_disk_in(app: Flask, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """A run in which publisher/run.py's `step` fails as a full disk would; the run fails."""

    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", step)

    with monkeypatch.context() as patched:
        patched.setattr(publisher_run, step, failing)
        with pytest.raises(OSError, match="No space left on device"):
            run_publication(app)


def test_a_failed_index_fails_the_run_and_keeps_the_export(
    demo_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_with_a_full_disk_in(demo_app, monkeypatch, "update_shared_index")
    status = demo_app.extensions["publisher_status"]
    assert status["failures"] == 1 and "No space left on device" in status["last_error"]
    assert _national_reports() > 0  # the export committed beside the failed index
    assert not Path(demo_app.config["SCREENING_INDEX"]).exists()

    report = run_publication(demo_app)  # the next run catches up
    assert report is not None and report.screening_index.startswith("written")
    assert IndexFile(Path(demo_app.config["SCREENING_INDEX"])).count > 0


def test_a_failed_export_fails_the_run_and_keeps_the_index(
    demo_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_with_a_full_disk_in(demo_app, monkeypatch, "export_national")
    assert _national_reports() == 0
    # The index thread finished its file before the run reported the failure.
    assert IndexFile(Path(demo_app.config["SCREENING_INDEX"])).count > 0

    report = run_publication(demo_app)
    assert report is not None
    assert _national_reports() > 0
