"""The publish job's schedule: coalesced catch-up after downtime, retries with backoff, failures."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from flask.testing import FlaskClient

from publisher import jobs
from publisher.writers import FeedWriteError
from registry.models import utcnow
from runtime.signing_keys import key_store
from tests.publisher.feed_checks import assert_feed_complete


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    """A scheduler with an in-memory job store, not started."""
    instance = BackgroundScheduler(timezone=dt.UTC, jobstores={"default": MemoryJobStore()})
    yield instance
    if instance.running:
        instance.shutdown(wait=True)


def test_publish_job_coalesces_and_sets_misfire_grace_explicitly(
    app: Flask, scheduler: BackgroundScheduler
) -> None:
    jobs.schedule(app, scheduler)
    job = scheduler.get_job("publish")
    assert job.coalesce is True
    assert job.max_instances == 1
    hour = dt.timedelta(hours=1)
    assert jobs.publish_interval(app) == hour
    assert job.misfire_grace_time == hour.total_seconds()


def test_missed_runs_after_downtime_run_once(
    app: Flask, scheduler: BackgroundScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[dt.datetime] = []
    monkeypatch.setattr(jobs, "run_publication", lambda _app: runs.append(utcnow()))
    app.config["REGISTRY"]["PUBLISH_CRON"] = "*/5 * * * *"
    jobs.schedule(app, scheduler)
    scheduler.start(paused=True)
    # As if the process had been down for ten hours: 120 slots of five minutes missed.
    scheduler.modify_job("publish", next_run_time=utcnow() - dt.timedelta(hours=10))
    scheduler.resume()
    deadline = time.monotonic() + 10
    while not runs and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # room for any further (wrong) catch-up runs to show up
    assert len(runs) == 1
    next_run = scheduler.get_job("publish").next_run_time
    assert utcnow() < next_run <= utcnow() + dt.timedelta(minutes=5)


def test_retry_delay_doubles_up_to_the_cap() -> None:
    delays = [jobs.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)]
    assert delays == [30, 60, 120, 240]
    assert jobs.retry_delay(30) == jobs.MAX_BACKOFF


def test_failed_runs_back_off_and_readyz_reports_them(
    app: Flask,
    client: FlaskClient,
    scheduler: BackgroundScheduler,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database restarting")

    scheduler.start(paused=True)  # jobs are stored (and replaced) but never run here
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "publish_once", fail)
        for failures, delay in ((1, 30), (2, 60)):
            before = utcnow()
            jobs._scheduled_run(app, scheduler)
            status = app.extensions["publisher_status"]
            assert status["failures"] == failures
            retry = scheduler.get_job("publish-retry")
            expected = before + dt.timedelta(seconds=delay)
            assert expected <= retry.trigger.run_date <= expected + dt.timedelta(seconds=5)

    response = client.get("/readyz")
    assert response.status_code == 503
    detail = response.get_json()["checks"]["feed"]["detail"]
    assert "last 2 run(s) failed (RuntimeError: database restarting)" in detail
    assert "retrying at" in detail

    jobs._scheduled_run(app, scheduler)  # the cause went away: the retry succeeds
    assert app.extensions["publisher_status"]["failures"] == 0
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert "failed" not in response.get_json()["checks"]["feed"]["detail"]


def test_unwritable_feed_keeps_the_previous_index(app: Flask) -> None:
    feed = Path(app.config["FEED_DIR"])
    keys = key_store(app).public_keys()
    assert jobs.run_publication(app).version == 1
    previous = (feed / "index.json").read_bytes()

    # A directory where the publisher must put a file: the rename over it fails.
    (feed / "keys.json").unlink()
    (feed / "keys.json").mkdir()
    with pytest.raises(FeedWriteError, match=r"could not write .*keys\.json"):
        jobs.run_publication(app)
    assert (feed / "index.json").read_bytes() == previous
    assert assert_feed_complete(feed, keys)["version"] == 1
    status = app.extensions["publisher_status"]
    assert status["failures"] == 1
    assert "previous version of the file is unchanged" in status["last_error"]
    assert not list(feed.rglob(".*.tmp")), "a failed write left a temporary file behind"

    (feed / "keys.json").rmdir()
    report = jobs.run_publication(app)
    signed = assert_feed_complete(feed, keys)
    # Version 2 was reserved by the failed run and is never reused.
    assert signed["version"] == report.version == 3
    assert signed["delta"]["from"] == 1
