"""Watchlist webhooks end to end: a run matches new events and a real receiver gets them."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher import jobs, watch_matching, webhooks
from publisher.jobs import run_publication
from registry.actors import Actor
from registry.clients import watchlists
from registry.clients.api_keys import create_key
from registry.clients.egress import EgressPolicy
from registry.clients.watch_items import items_from_json
from registry.clients.webhook_signature import SIGNATURE_HEADER, verify
from registry.models import Listing, Watchlist, WebhookDelivery
from runtime.extensions import db
from tests.api.screening_api.screening_fixtures import demo_app
from tests.publisher.webhook_receiver import Receiver, webhook_receiver

INTERNAL = EgressPolicy(allow_internal=True)  # the test receivers listen on 127.0.0.1

ADMIN = Actor("admin", "admin")


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """A private copy of the demo registry (loaded once per session): 3 listings approved."""
    yield from demo_app(tmp_path, demo_template)


def _approved(session: Session) -> list[Listing]:
    query = select(Listing).where(Listing.state == "approved").order_by(Listing.id)
    return list(session.scalars(query))


def _watch(session: Session, url: str) -> tuple[int, str, dict[str, int]]:
    """A watchlist holding the first approved subject by name, the second by identifier."""
    key_id = create_key(session, ADMIN, "Example Bank", ["watch"]).key.id
    created = watchlists.create_watchlist(session, key_id, "Suppliers", url, policy=INTERNAL)
    first, second, _third = _approved(session)
    identifier = second.subject.identifiers[0]
    items = items_from_json(
        [
            {"name": first.subject.name, "external_ref": "by-name"},
            {
                "name": "Entirely Different Trading Ltd",
                "identifiers": [
                    {
                        "scheme": identifier.scheme,
                        "value": identifier.value,
                        "name": identifier.scheme_name or None,
                    }
                ],
                "external_ref": "by-identifier",
            },
            {"name": "Bäckerei Sonnenschein GmbH", "external_ref": "unrelated"},
        ]
    )
    watchlists.add_items(session, key_id, created.watchlist.id, items)
    subjects = {"by-name": first.id, "by-identifier": second.id}
    return created.watchlist.id, created.secret, subjects


def _publish_with_watchlist(app: Flask, session: Session, receiver: Receiver) -> tuple[int, str]:
    watchlist_id, secret, subjects = _watch(session, receiver.url)
    report = run_publication(app)
    assert report is not None and len(report.published) == 3
    entry_ids = {
        ref: db.session.get(Listing, listing_id).entry_id for ref, listing_id in subjects.items()
    }
    deliveries = _deliveries(watchlist_id)
    by_ref = {
        match["external_ref"]: delivery
        for delivery in deliveries
        for match in delivery.payload["matches"]
    }
    assert by_ref["by-name"].payload["event"]["entry_id"] == entry_ids["by-name"]
    assert by_ref["by-identifier"].payload["event"]["entry_id"] == entry_ids["by-identifier"]
    assert "unrelated" not in by_ref
    identifier_match = next(
        m
        for m in by_ref["by-identifier"].payload["matches"]
        if m["external_ref"] == "by-identifier"
    )
    assert identifier_match["score"] == 1.0
    assert identifier_match["features"][0]["feature"] == "identifier"
    return watchlist_id, secret


def _deliveries(watchlist_id: int) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.watchlist_id == watchlist_id)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id)))


def test_a_new_listing_reaches_the_receiver_signed(app: Flask, session: Session) -> None:
    with webhook_receiver() as receiver:
        watchlist_id, secret = _publish_with_watchlist(app, session, receiver)
    deliveries = _deliveries(watchlist_id)
    assert len(receiver.requests) == len(deliveries) >= 2
    for request in receiver.requests:
        assert request.path == "/hooks/registry"
        assert request.headers["Content-Type"] == "application/json"
        verify(secret, request.headers[SIGNATURE_HEADER], request.body)
        body = json.loads(request.body)
        assert body["type"] == "ipl.watch-match/v1"
        assert body["event"]["event"] == "listed"
        assert body["bundle"]["entry"]["entry_id"] == body["event"]["entry_id"]
        assert request.headers["X-Registry-Delivery"] == str(body["delivery_id"])
    assert all(d.status == "delivered" and d.attempts == 1 for d in deliveries)
    assert all(d.last_status_code == 200 and d.delivered_at for d in deliveries)

    # The watchlist has seen the whole signed log; another run finds nothing new.
    watchlist = db.session.get(Watchlist, watchlist_id)
    last_seq = watchlist.last_seq
    run_publication(app)
    assert db.session.get(Watchlist, watchlist_id).last_seq == last_seq
    assert len(_deliveries(watchlist_id)) == len(deliveries)


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    app: Flask, session: Session
) -> None:
    with webhook_receiver(status=500) as receiver:
        watchlist_id, secret = _publish_with_watchlist(app, session, receiver)
        delivery = _deliveries(watchlist_id)[0]
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending",
            1,
            500,
        )
        assert delivery.last_error == "HTTP 500 from the receiver"
        first_sent = int(receiver.requests[0].headers[SIGNATURE_HEADER].split(",")[0][2:])
        assert delivery.next_attempt_at.timestamp() - first_sent == 30
        delays = []
        while delivery.status == "pending":
            due = delivery.next_attempt_at
            assert not webhooks.deliver_due(db.session, now=due - dt.timedelta(seconds=1)).retrying
            webhooks.deliver_due(db.session, now=due)
            db.session.refresh(delivery)
            if delivery.next_attempt_at is not None:
                delays.append((delivery.next_attempt_at - due).total_seconds())
        assert delays == [60, 120, 240, 480, 960, 1920, 3600][: len(delays)]
        assert delivery.status == "failed" and delivery.attempts == webhooks.MAX_ATTEMPTS
        sent = [r for r in receiver.requests if json.loads(r.body)["delivery_id"] == delivery.id]
        assert len(sent) == webhooks.MAX_ATTEMPTS
        for request in sent:
            timestamp = int(request.headers[SIGNATURE_HEADER].split(",")[0][2:])
            verify(secret, request.headers[SIGNATURE_HEADER], request.body, now=timestamp)

        # Replay: the client fixed its receiver and asks for the delivery again.
        receiver.status = 204
        watchlist = db.session.get(Watchlist, watchlist_id)
        watchlists.replay_delivery(db.session, watchlist.api_key_id, watchlist_id, delivery.id)
        report = webhooks.deliver_due(db.session)
        assert delivery.id in report.delivered
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)


def test_retry_delays_double_up_to_an_hour() -> None:
    delays = [webhooks.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_post_reports_network_errors_and_does_not_follow_redirects() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, error = webhooks.post_json(f"http://127.0.0.1:{port}/", b"{}", {}, INTERNAL)
    assert status is None and error is not None and "refused" in error.lower()
    with webhook_receiver(status=302) as receiver:
        status, error = webhooks.post_json(receiver.url, b"{}", {}, INTERNAL)
    assert (status, error) == (302, None)
    assert len(receiver.requests) == 1


def test_the_item_index_is_rebuilt_only_when_items_change(app: Flask, session: Session) -> None:
    key_id = create_key(session, ADMIN, "Example Bank", ["watch"]).key.id
    created = watchlists.create_watchlist(
        session, key_id, "Suppliers", "http://127.0.0.1:9/", policy=INTERNAL
    )
    watchlist_id = created.watchlist.id
    watchlists.add_items(session, key_id, watchlist_id, items_from_json([{"name": "华兴科技"}]))
    first = watch_matching._watch_index(session, watchlist_id)
    assert watch_matching._watch_index(session, watchlist_id) is first
    watchlists.add_items(session, key_id, watchlist_id, items_from_json([{"name": "博远医药"}]))
    second = watch_matching._watch_index(session, watchlist_id)
    assert second is not first and len(second) == 2


@pytest.mark.parametrize("attempts", [0, 3])
def test_nothing_is_sent_before_it_is_due(app: Flask, session: Session, attempts: int) -> None:
    key_id = create_key(session, ADMIN, "Example Bank", ["watch"]).key.id
    created = watchlists.create_watchlist(
        session, key_id, "Suppliers", "http://127.0.0.1:9/", policy=INTERNAL
    )
    later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    session.add(
        WebhookDelivery(
            watchlist_id=created.watchlist.id,
            event_seq=0,
            payload={"event": {"event": "listed"}},
            attempts=attempts,
            next_attempt_at=later,
        )
    )
    session.commit()
    report = webhooks.deliver_due(session, now=later - dt.timedelta(seconds=1))
    assert (report.delivered, report.retrying, report.failed) == ([], [], [])


def test_the_scheduler_runs_a_delivery_round_every_minute(app: Flask) -> None:
    scheduler = BackgroundScheduler(timezone=dt.UTC)
    jobs.schedule(app, scheduler)
    job = scheduler.get_job("webhook-delivery")
    assert job is not None and job.trigger.interval == dt.timedelta(minutes=1)
    assert job.max_instances == 1
    webhooks.deliver_job(app)  # nothing is due: the round ends quietly


def test_delivery_refuses_a_target_that_is_internal_when_sent(app: Flask, session: Session) -> None:
    # Registered while allowed (or as a name that resolved outward then); refused on delivery.
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    with webhook_receiver() as receiver:
        watchlist_id, _secret, _subjects = _watch(session, receiver.url)
        run_publication(app)
    assert receiver.requests == []
    deliveries = _deliveries(watchlist_id)
    assert deliveries and all(d.status == "pending" and d.attempts == 1 for d in deliveries)
    assert all(d.last_status_code is None for d in deliveries)
    assert all("refused: 127.0.0.1 is a loopback or private" in d.last_error for d in deliveries)
