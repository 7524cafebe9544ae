"""Races on PostgreSQL: one approval wins, log appends stay contiguous, the chain holds."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import SYSTEM, Actor
from registry.audit import trail as audit
from registry.errors import DomainError
from registry.listings import workflow
from registry.listings.policy import Policy
from registry.models import AuditRecord, Listing, LogEvent
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.registry.listings.workflow_fixtures import approved_listing, deliberate_subject, people

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


def _under_review(session: Session, policy: Policy) -> tuple[int, dict[str, Actor]]:
    actors = people(session)
    subject_id = deliberate_subject(session, actors["clerk"], D(2025, 6, 1))
    listing = workflow.propose(
        session, actors["clerk"], policy, subject_id, ["deliberate_infringement"], D(2026, 9, 25)
    )
    workflow.notify(session, actors["clerk"], policy, listing.id, D(2026, 9, 28))
    workflow.start_review(session, actors["clerk"], listing.id, D(2026, 10, 17))
    return listing.id, actors


def test_twenty_racing_approvals_produce_one(pg_app: Flask) -> None:
    policy = Policy.from_settings(pg_app.config["REGISTRY"])
    listing_id, actors = _under_review(db.session, policy)
    reviewers = [actors["rev1"], actors["rev2"]]
    attempts = [
        (
            lambda s, r=reviewers[i % 2]: workflow.approve(
                s, r, policy, listing_id, D(2026, 10, 19), "race"
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
    listing_ids = []
    actors = people(db.session)
    for n in range(8):
        listing_ids.append(approved_listing(db.session, actors, policy, n).id)
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
