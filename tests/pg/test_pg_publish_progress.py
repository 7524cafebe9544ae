"""Publish now on PostgreSQL: the real publisher's steps are readable while its run goes.

The run holds inside the publisher's leader lock, between its transitions and its checkpoint;
the progress row, written in transactions of its own, is read meanwhile from another connection
(as another web worker would), and a second start finds the run going instead of another.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from publisher import jobs
from registry.models import Listing, PublishRun
from runtime import publish_now
from runtime.extensions import db
from tests import builders

pytestmark = pytest.mark.pg

HOLD_AT = "signing the log checkpoint"


def test_the_steps_of_a_real_run_are_readable_while_it_goes(
    pg_app: Flask, pg_database: str
) -> None:
    listing_id = builders.listing(db.session, state="approved").id
    db.session.commit()
    at_hold, go_on = threading.Event(), threading.Event()

    def holding(message: str) -> None:
        if message == HOLD_AT:
            at_hold.set()
            assert go_on.wait(60)

    def run(progress: publish_now.Progress) -> object:
        def both(message: str) -> None:
            progress(message)
            holding(message)

        return jobs.run_publication(pg_app, both)

    publish_now.offer(pg_app, run)
    started, fresh = publish_now.start("admin")
    assert fresh
    try:
        assert at_hold.wait(60)
        other_worker = create_engine(pg_database)
        try:
            with Session(other_worker) as reader:
                row = reader.scalars(select(PublishRun).where(PublishRun.id == started.id)).one()
                assert row.state == "running"
                assert row.steps == ["applying due transitions", HOLD_AT]
        finally:
            other_worker.dispose()
        with pg_app.app_context():
            again, fresh_again = publish_now.start("admin")
            assert (again.id, fresh_again) == (started.id, False)
            db.session.remove()
    finally:
        go_on.set()
        pg_app.extensions[publish_now.THREAD].join()
    db.session.expire_all()
    ended = db.session.get(PublishRun, started.id)
    assert ended is not None and ended.state == "done" and ended.slot is None
    assert ended.result is not None and ended.result["published"] == 1
    assert ended.steps[:2] == ["applying due transitions", HOLD_AT]
    assert db.session.get(Listing, listing_id).state == "published"  # type: ignore[union-attr]
