"""SIGKILL the publisher at many instants of a run: the feed, the log and the trail survive.

The first kills hit the real `registry publish` command in its own process. Starting that
command costs seconds of imports, so the bulk of the kills hit forked copies of this test
process, each running the same `run_publication` on the same SQLite file, at delays spread
over the measured length of a run. After every kill the feed on disk must be a complete
signed version, the log and audit trail intact, and the next run must finish the work.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from publisher.jobs import run_publication
from registry.demo.loader import DemoBuilder
from registry.listings.policy import Policy
from registry.models import EnforcementCase, FeedVersion, Listing, Subject
from registry.publication.status import RESERVED
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.publisher.feed_checks import (
    assert_feed_complete,
    assert_log_and_trail_intact,
    file_digest,
    snapshot_entry_ids,
)

pytestmark = pytest.mark.slow

FORKED_KILLS = 52
CLI_KILLS = 2
GROUNDS = ("deliberate_infringement", "repeat_infringement", "refusal_to_perform")


class Approvals:
    """Adds freshly approved listings between runs, so there is publication work to interrupt."""

    def __init__(self, app: Flask) -> None:
        session = db.session()
        policy = Policy.from_settings(app.config["REGISTRY"])
        self.builder = DemoBuilder(session, policy, key_store(app), dt.date.today())
        self.builder.rng = random.Random(7)
        self.builder.names = set(session.scalars(select(Subject.name)))
        # Document numbers and subject indexes beyond the demo's, so nothing collides.
        self.builder.documents = 10_000 + (
            session.scalar(select(func.count(EnforcementCase.id))) or 0
        )
        self.index = 1000 + len(self.builder.names)

    def add(self, count: int) -> None:
        """Approve `count` new listings (each with its own subject and cases)."""
        for _ in range(count):
            subject = self.builder.subject(self.index)
            self.builder.listing(subject, GROUNDS[self.index % 3], "approved")
            self.index += 1


def _forked_run(app: Flask) -> None:
    with app.app_context():
        run_publication(app, progress=lambda _message: None)


def _fork_and_kill(app: Flask, delay: float) -> int | None:
    """Run a publication in a forked child, SIGKILL it if still running after `delay`.

    Returns the child's exit code: 0 if it finished first, -SIGKILL if it was killed.
    """
    # No connection may cross the fork: SQLite forbids using one in two processes.
    db.session.remove()
    db.engine.dispose()
    child = multiprocessing.get_context("fork").Process(target=_forked_run, args=(app,))
    child.start()
    child.join(timeout=delay)
    if child.is_alive():
        child.kill()
        child.join()
    return child.exitcode


def _cli_env(app: Flask, tmp_path: Path) -> dict[str, str]:
    return os.environ | {
        "REGISTRY_ENV": "testing",
        "REGISTRY_SCHEDULER": "false",
        "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REGISTRY_KEYS_DIR": app.config["KEYS_DIR"],
        "REGISTRY_FEED_DIR": app.config["FEED_DIR"],
    }


def _cli_publish(app: Flask, tmp_path: Path, kill_after: float | None) -> float:
    """Run `registry publish`; kill it `kill_after` seconds after it starts publishing.

    Returns how long the publishing part took (until exit or kill).
    """
    command = shutil.which("registry", path=str(Path(sys.executable).parent))
    assert command, "the registry console script is not installed in this environment"
    db.session.remove()
    db.engine.dispose()
    process = subprocess.Popen(
        [command, "publish"],
        env=_cli_env(app, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        # Imports and app start-up end when the first step is announced; warnings may precede it.
        seen = []
        while not seen or "applying due transitions" not in seen[-1]:
            line = process.stdout.readline()
            assert line, "".join(seen)
            seen.append(line)
        started = time.perf_counter()
        if kill_after is None:
            output = process.stdout.read()
            assert process.wait(timeout=120) == 0, "".join(seen) + output
        else:
            time.sleep(kill_after)
            process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    return time.perf_counter() - started


def _published_count() -> int:
    return int(db.session.scalar(select(func.count()).where(Listing.state == "published")) or 0)


def _check_after_kill(app: Flask, feed: Path, seen_version: int) -> dict[str, Any]:
    """The feed is the last complete version or a newer complete one; log and trail intact."""
    keys = key_store(app).public_keys()
    signed = assert_feed_complete(feed, keys)
    assert signed["version"] >= seen_version
    assert_log_and_trail_intact(db.session())
    return signed


def _recover(app: Flask, feed: Path, before: dict[str, Any]) -> dict[str, Any]:
    """The next run completes: nothing approved left, snapshot = published listings."""
    report = run_publication(app, progress=lambda _message: None)
    assert report is not None
    session = db.session()
    assert session.scalar(select(func.count()).where(Listing.state == "approved")) == 0
    keys = key_store(app).public_keys()
    signed = assert_feed_complete(feed, keys)
    assert signed["version"] == report.version > before["version"]
    # Consumers follow deltas from the index they saw to the next one, without gaps.
    assert signed["delta"]["from"] == before["version"]
    published = session.scalars(
        select(Listing.entry_id).where(Listing.state == "published").order_by(Listing.entry_id)
    ).all()
    assert snapshot_entry_ids(feed, signed) == list(published)
    row = session.get(FeedVersion, signed["version"])
    assert row is not None and row.index_sha256 == file_digest(feed / "index.json")[0]
    return signed


def test_killed_runs_leave_a_complete_feed_and_the_next_run_finishes(
    demo_app: Flask, tmp_path: Path
) -> None:
    app = demo_app
    feed = Path(app.config["FEED_DIR"])
    approvals = Approvals(app)

    # A first, complete run through the real command: version 1 with the demo's approvals.
    cli_duration = _cli_publish(app, tmp_path, kill_after=None)
    signed = assert_feed_complete(feed, key_store(app).public_keys())
    assert signed["version"] == 1
    kills = 0

    for number in range(CLI_KILLS):
        approvals.add(2)
        _cli_publish(app, tmp_path, kill_after=cli_duration * (number + 0.5) / CLI_KILLS)
        kills += 1
        current = _check_after_kill(app, feed, signed["version"])
        signed = _recover(app, feed, current)

    # Measure forked runs with new work in them, then kill forked runs across the span of the
    # shortest: a single measure taken while the machine was busy would put many kills after
    # the end of a run.
    spans = []
    for _measure in range(3):
        approvals.add(2)
        started = time.perf_counter()
        assert _fork_and_kill(app, delay=120.0) == 0  # finishes long before the kill
        spans.append(time.perf_counter() - started)
        signed = _recover(app, feed, _check_after_kill(app, feed, signed["version"]))
    run_time = min(spans)

    killed_mid_run = 0
    shares = [(n + 0.5) / FORKED_KILLS for n in range(FORKED_KILLS)]
    random.Random(11).shuffle(shares)
    for number, share in enumerate(shares):
        if number % 4:  # every fourth run has no new listing to publish, only a re-sign
            approvals.add(1)
        delay = run_time * share
        started = time.perf_counter()
        exit_code = _fork_and_kill(app, delay)
        if exit_code == 0:
            # It ended before its kill: the machine got quicker than when the runs were
            # measured, so the later kills spread over this shorter run.
            run_time = min(run_time, time.perf_counter() - started)
        kills += 1
        killed_mid_run += exit_code == -signal.SIGKILL
        current = _check_after_kill(app, feed, signed["version"])
        if number % 5 == 4:
            # Sometimes the next run is killed too, before anyone repairs anything.
            _fork_and_kill(app, delay / 2)
            current = _check_after_kill(app, feed, current["version"])
        signed = _recover(app, feed, current)

    assert kills >= 50
    assert_log_and_trail_intact(db.session())
    # Most delays fall inside a run; a loaded machine may stretch or shrink a few runs.
    assert killed_mid_run >= FORKED_KILLS // 2, (killed_mid_run, run_time)
    assert _published_count() >= 22
    reserved = db.session.scalar(select(func.count()).where(FeedVersion.index_sha256 == RESERVED))
    # Interrupted versions stay reserved and unpublished: their numbers are never reused.
    assert reserved is not None and reserved <= kills
