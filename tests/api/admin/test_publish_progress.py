"""The console's "publish now" runs in the background and its page follows the run step by step."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.admin.console.publish_steps import shown_steps
from registry import clock
from registry.models import PublishRun
from runtime import publish_now

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Report:
    """What the publisher's run report holds of interest to the console."""

    version: int = 46
    tree_size: int = 52
    published: list[int] = field(default_factory=lambda: [7])
    expired: list[int] = field(default_factory=list)


class HeldRun:
    """A publication run that reports one step, then waits for the test before going on."""

    def __init__(self, outcome: Any = None, failure: Exception | None = None) -> None:
        self.at_first_step = threading.Event()
        self.go_on = threading.Event()
        self.outcome = Report() if outcome is None else outcome
        self.failure = failure
        self.calls = 0

    def __call__(self, progress: publish_now.Progress) -> Any:
        self.calls += 1
        progress("applying due transitions")
        self.at_first_step.set()
        assert self.go_on.wait(30), "the test never let the run go on"
        progress("signing the log checkpoint")
        if self.failure is not None:
            raise self.failure
        progress("writing the feed files")
        return self.outcome if self.outcome != "skipped" else None


@pytest.fixture
def held(app: Flask) -> Iterator[HeldRun]:
    run = HeldRun()
    publish_now.offer(app, run)
    yield run
    run.go_on.set()
    thread = app.extensions.get(publish_now.THREAD)
    if thread is not None:
        thread.join()


def _start(signed_in, app: Flask, held: HeldRun) -> tuple[str, str]:
    """Start a run as admin and wait until it has reported its first step; (page, progress)."""
    started = signed_in["admin"].form("/admin/publish")
    assert started.status_code == 303
    page = started.headers["Location"]
    assert held.at_first_step.wait(30)
    return page, f"{page}/progress"


def _finish(app: Flask, held: HeldRun) -> None:
    held.go_on.set()
    app.extensions[publish_now.THREAD].join()


def test_the_progress_endpoint_shows_each_step_while_the_run_goes(
    signed_in, app: Flask, held: HeldRun
) -> None:
    admin = signed_in["admin"]
    page, progress_url = _start(signed_in, app, held)
    going = admin.get(progress_url)
    assert going.status_code == 200
    assert going.headers["Cache-Control"] == "no-store"
    body = going.get_json()
    assert body["state"] == "running"
    assert body["steps"] == ["applying due transitions"]
    assert body["result"] is None and body["outcome"] == ""
    assert body["started_by"] == "admin"
    html = admin.get(page).get_data(as_text=True)
    assert "<li>applying due transitions</li>" in html
    assert 'data-state="running"' in html and "admin/publish.js" in html
    assert "<script>" not in html  # the page follows the run from a static file (CSP)
    assert "Start a publication run now" not in html
    _finish(app, held)
    done = admin.get(progress_url).get_json()
    assert done["state"] == "done"
    assert done["steps"] == [
        "applying due transitions",
        "signing the log checkpoint",
        "writing the feed files",
    ]
    assert done["result"] == {"version": 46, "tree_size": 52, "published": 1, "expired": 0}
    assert done["outcome"].startswith("Done: feed version 46, log size 52; 1 published")
    assert done["finished_at"] is not None
    ended = admin.get(page).get_data(as_text=True)
    assert "admin/publish.js" not in ended and "Start a publication run now" in ended


def test_a_second_click_while_a_run_goes_shows_that_run(
    signed_in, app: Flask, session: Session, held: HeldRun
) -> None:
    page, _progress = _start(signed_in, app, held)
    again = signed_in["admin"].form("/admin/publish")
    assert again.status_code == 303 and again.headers["Location"] == page
    followed = signed_in["admin"].get(page).get_data(as_text=True)
    assert "already going" in followed
    assert "publish now" in signed_in["admin"].get("/admin/publish").get_data(as_text=True).lower()
    assert 'data-state="running"' in signed_in["admin"].get("/admin/publish").get_data(as_text=True)
    _finish(app, held)
    assert held.calls == 1
    assert session.query(PublishRun).count() == 1
    assert signed_in["admin"].form("/admin/publish").headers["Location"] != page


@pytest.mark.parametrize("name", ["clerk", "reviewer", "auditor"])
def test_only_admins_start_or_follow_runs(signed_in, app: Flask, held: HeldRun, name: str) -> None:
    page, progress_url = _start(signed_in, app, held)
    other = signed_in[name]
    assert other.get("/admin/publish").status_code == 403
    assert other.form("/admin/publish").status_code == 403
    assert other.get(page).status_code == 403
    assert other.get(progress_url).status_code == 403
    _finish(app, held)
    assert held.calls == 1


def test_starting_a_run_needs_the_csrf_token(signed_in, app: Flask, held: HeldRun) -> None:
    refused = signed_in["admin"].client.post("/admin/publish", data={})
    assert refused.status_code == 400
    assert held.calls == 0 and publish_now.THREAD not in app.extensions


def test_an_unknown_run_is_404(signed_in) -> None:
    assert signed_in["admin"].get("/admin/publish/runs/99/progress").status_code == 404


def test_a_failed_run_shows_its_error_and_frees_the_slot(signed_in, app: Flask) -> None:
    failing = HeldRun(failure=RuntimeError("the witnesses did not answer"))
    publish_now.offer(app, failing)
    _page, progress_url = _start(signed_in, app, failing)
    _finish(app, failing)
    body = signed_in["admin"].get(progress_url).get_json()
    assert body["state"] == "failed"
    assert body["error"] == "RuntimeError: the witnesses did not answer"
    assert "the witnesses did not answer" in body["outcome"]
    assert body["steps"][-1] == "signing the log checkpoint"
    assert publish_now.running() is None


def test_a_run_another_publisher_blocked_says_so(signed_in, app: Flask) -> None:
    blocked = HeldRun(outcome="skipped")
    publish_now.offer(app, blocked)
    page, progress_url = _start(signed_in, app, blocked)
    _finish(app, blocked)
    assert signed_in["admin"].get(progress_url).get_json()["state"] == "skipped"
    assert "Another publication run is in progress" in signed_in["admin"].get(page).get_data(
        as_text=True
    )


def test_a_run_silent_for_too_long_is_taken_as_lost(
    signed_in, app: Flask, session: Session, held: HeldRun
) -> None:
    silent_since = clock.utcnow() - publish_now.ABANDONED_AFTER - dt.timedelta(minutes=1)
    lost = PublishRun(
        started_by="admin",
        slot="running",
        state="running",
        steps=["a step"],
        started_at=silent_since,
        updated_at=silent_since,
    )
    session.add(lost)
    session.commit()
    started = signed_in["admin"].form("/admin/publish")
    assert started.headers["Location"].endswith(f"/runs/{lost.id + 1}")
    assert held.at_first_step.wait(30)
    session.expire_all()
    assert session.get(PublishRun, lost.id).state == "failed"
    assert "abandoned" in (session.get(PublishRun, lost.id).error or "")


def test_the_progress_page_reads_in_chinese(signed_in, app: Flask, held: HeldRun) -> None:
    page, _progress = _start(signed_in, app, held)
    admin = signed_in["admin"]
    admin.client.set_cookie("lang", "zh")
    html = admin.get(page).get_data(as_text=True)
    assert "运行" in html and "Steps of the run" not in html
    assert "<li>执行到期的状态变更</li>" in html
    _finish(app, held)
    body = admin.get(f"{page}/progress").get_json()
    assert "完成" in body["outcome"]
    assert body["shown_steps"][:2] == ["执行到期的状态变更", "签署日志检查点"]
    # An unknown step is shown as the publisher said it; the record keeps its words.
    assert body["shown_steps"][2] == "writing the feed files"
    assert body["steps"][0] == "applying due transitions"


def test_every_step_the_publisher_reports_has_words_in_chinese(app: Flask) -> None:
    said = [
        "applying due transitions",
        "signing the log checkpoint",
        "asking the witnesses to cosign",
        "writing log tiles (1,045 events)",
        "writing feed version 46 (log size 1,045)",
        "no new log event: version 47 lists the files of 46",
        "pruned 12 old feed files",
        "writing the national platform export",
        "writing the screening index",
        "screening index: 1,000 of 2,500 records",
        "screening index: 40,000 records",
        "screening index: sorting 1,137 postings",
        "screening index: parsed 500 of 800 names",
        "screening index: kept, 12 changed entries screened from memory",
        "screening index: written, 10,010 records (510 names parsed)",
        "uploading 9 new feed objects to s3://feed-bucket/registry/",
    ]
    with app.test_request_context(), force_locale("zh"):
        shown = shown_steps(said)
    assert all(CHINESE.search(step) for step in shown), shown
    assert "1,045" in shown[3] and "46" in shown[4] and "s3://feed-bucket/registry/" in shown[-1]
    assert "12" in shown[-3] and "10,010" in shown[-2] and "510" in shown[-2]


def test_a_step_that_cannot_be_recorded_does_not_fail_the_run(
    signed_in, app: Flask, held: HeldRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_record = publish_now._record
    refused: list[list[str]] = []

    def flaky(run_id: int, **values: Any) -> None:
        if values.get("steps") == ["applying due transitions"]:
            refused.append(values["steps"])
            raise OperationalError("UPDATE publish_runs", {}, Exception("database is locked"))
        real_record(run_id, **values)

    monkeypatch.setattr(publish_now, "_record", flaky)
    _page, progress_url = _start(signed_in, app, held)
    _finish(app, held)
    body = signed_in["admin"].get(progress_url).get_json()
    assert refused and body["state"] == "done"
    assert body["steps"][0] == "applying due transitions" and len(body["steps"]) == 3
