"""One publisher at a time on PostgreSQL: two processes started together never overlap.

Each process wraps `publish_once` to log when it starts and ends (inside the leader lock)
and tries several runs; the intervals of the runs that published must not overlap, the
feed versions must be consecutive without a duplicate, and a refused run is reported as
"another publisher is running".
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from publisher import jobs
from publisher.leader import leadership
from registry.models import FeedVersion
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.conftest import make_app
from tests.publisher.feed_checks import assert_feed_complete

pytestmark = pytest.mark.pg

RUNS_PER_PROCESS = 4


def _publisher_process(
    tmp_path: Path, database_url: str, start: Any, log_path: Path, number: int
) -> None:
    app = make_app(tmp_path, database_url)
    real_publish_once = jobs.publish_once

    def logged(*args: Any, **kwargs: Any) -> Any:
        started = time.time()
        report = real_publish_once(*args, **kwargs)
        _log(
            log_path,
            {"process": number, "start": started, "end": time.time(), "version": report.version},
        )
        return report

    jobs.publish_once = logged  # this forked process only
    start.wait()
    for _ in range(RUNS_PER_PROCESS):
        with app.app_context():
            if jobs.run_publication(app, progress=lambda _message: None) is None:
                _log(log_path, {"process": number, "skipped": time.time()})
        time.sleep(0.01)


def _log(path: Path, record: dict[str, Any]) -> None:
    # O_APPEND writes of one short line are atomic, so two processes can share the file.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, (json.dumps(record) + "\n").encode())
    finally:
        os.close(descriptor)


def test_two_publisher_processes_never_publish_at_once(
    pg_app: Flask, pg_database: str, tmp_path: Path
) -> None:
    db.session.remove()
    db.engine.dispose()  # no connection crosses the fork
    context = multiprocessing.get_context("fork")
    start = context.Event()
    log_path = tmp_path / "runs.jsonl"
    processes = [
        context.Process(
            target=_publisher_process, args=(tmp_path, pg_database, start, log_path, number)
        )
        for number in (1, 2)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)  # both have built their app and wait at the start line
    start.set()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0

    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    runs = sorted((r for r in records if "version" in r), key=lambda r: r["start"])
    skipped = [r for r in records if "skipped" in r]
    assert len(runs) + len(skipped) == 2 * RUNS_PER_PROCESS
    for earlier, later in itertools.pairwise(runs):
        assert earlier["end"] <= later["start"], f"runs overlap: {earlier} {later}"
    assert [r["version"] for r in runs] == list(range(1, len(runs) + 1))
    with pg_app.app_context():
        versions = db.session.scalars(select(FeedVersion.version).order_by(FeedVersion.version))
        assert list(versions) == list(range(1, len(runs) + 1))
        signed = assert_feed_complete(Path(pg_app.config["FEED_DIR"]), key_store().public_keys())
    assert signed["version"] == len(runs)


def test_leadership_in_two_threads_admits_one(pg_app: Flask) -> None:
    engine = db.engine
    held = threading.Event()
    release = threading.Event()
    outcome: list[bool] = []

    def leader() -> None:
        with leadership(engine, pg_app.instance_path) as acquired:
            outcome.append(acquired)
            held.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=leader)
    thread.start()
    assert held.wait(timeout=30)
    with leadership(engine, pg_app.instance_path) as second:
        assert second is False  # the other thread's session holds the advisory lock
    release.set()
    thread.join()
    assert outcome == [True]
    with leadership(engine, pg_app.instance_path) as third:
        assert third is True  # released when the first leader finished
