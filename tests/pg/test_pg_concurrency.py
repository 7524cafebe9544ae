"""Races on PostgreSQL: one approval wins, log appends stay contiguous, the chain holds."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import SYSTEM
from registry.audit import trail as audit
from registry.errors import DomainError
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import AuditRecord, Listing, LogEvent
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests import builders

pytestmark = pytest.mark.pg
D = dt.date


def _race(attempts: list[Callable[[Session], object]]) -> list[str]:
    """Run every attempt in its own thread and session at the same moment."""
    engine = db.engine  # the threads have no app context of their own
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = [""] * len(attempts)

    def run(i: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                attempts[i](session)
                outcomes[i] = "ok"
            except DomainError as error:
                outcomes[i] = f"refused: {error.message}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_racing_approvals_produce_one(pg_app: Flask) -> None:
    policy = Policy.from_settings(pg_app.config["REGISTRY"])
    actors = builders.actors(db.session)
    listing_id = builders.listing(db.session, state="under_review", policy=policy, team=actors).id
    reviewers = [actors["reviewer"], actors["reviewer2"]]
    attempts = [
        (
            lambda s, r=reviewers[i % 2]: workflow.approve(
                s, r, policy, listing_id, D(2026, 10, 19), "race", "演示知信〔2026〕1号"
            )
        )
        for i in range(20)
    ]
    outcomes = _race(attempts)
    assert outcomes.count("ok") == 1, outcomes
    assert all("cannot approve a listing in state 'approved'" in o for o in outcomes if o != "ok")
    db.session.expire_all()
    assert db.session.get(Listing, listing_id).state == "approved"
    approvals = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "listing.approve")
    ).all()
    assert len(approvals) == 1
    assert audit.verify_chain(db.session).intact


def test_concurrent_publications_append_contiguous_leaves(pg_app: Flask) -> None:
    policy = Policy.from_settings(pg_app.config["REGISTRY"])
    keys = key_store(pg_app)
    actors = builders.actors(db.session)
    listing_ids = [builders.listing(db.session, policy=policy, team=actors).id for _ in range(8)]
    attempts = [
        (
            lambda s, lid=lid: workflow.publish_approved(
                s, SYSTEM, keys, policy, lid, D(2026, 10, 20)
            )
        )
        for lid in listing_ids
        for _ in range(2)
    ]
    outcomes = _race(attempts)
    assert outcomes.count("ok") == len(listing_ids), outcomes
    events = db.session.scalars(select(LogEvent).order_by(LogEvent.seq)).all()
    assert [e.seq for e in events] == list(range(len(listing_ids)))
    assert len({e.entry_id for e in events}) == len(listing_ids)
    assert audit.verify_chain(db.session).intact
