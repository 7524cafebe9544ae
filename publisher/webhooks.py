"""Watchlist webhooks: after each publication run, match new events, then POST the deliveries.

Each POST goes only to an address the egress policy permits (publisher/egress_http.py), is
signed (`X-Registry-Signature`), times out after 5 s, and counts as delivered on a
2xx answer; otherwise it is retried with exponential backoff until MAX_ATTEMPTS. Delivery is at
least once: a receiver should deduplicate on `delivery_id`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.egress_http import post_pinned
from publisher.watch_matching import match_new_events
from registry.clients.egress import EgressPolicy
from registry.clients.webhook_signature import SIGNATURE_HEADER, sign
from registry.models import Watchlist, WebhookDelivery, utcnow
from registry.transaction import atomic
from runtime.config import webhook_egress
from runtime.extensions import db

log = logging.getLogger("publisher.webhooks")

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=1)

Post = Callable[[str, bytes, dict[str, str]], tuple[int | None, str | None]]


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s doubling, at most an hour."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), MAX_RETRY)


def post_json(
    url: str, body: bytes, headers: dict[str, str], policy: EgressPolicy
) -> tuple[int | None, str | None]:
    """POST `body` to a target the egress policy permits; redirects are not followed."""
    return post_pinned(url, body, headers, policy)


def policy_post(policy: EgressPolicy) -> Post:
    """The POST used by delivery rounds: every target checked against `policy` when sent."""
    return functools.partial(post_json, policy=policy)


@dataclass
class DeliveryReport:
    """What one delivery round did: delivery ids by outcome."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed (and signed): the payload with the delivery id, compact JSON."""
    body = {"delivery_id": delivery.id} | delivery.payload
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _attempt(session: Session, delivery: WebhookDelivery, post: Post, now: dt.datetime) -> str:
    """One POST of a delivery; its new status, next attempt and outcome are recorded."""
    watchlist = session.get(Watchlist, delivery.watchlist_id)
    assert watchlist is not None  # deliveries are deleted with their watchlist
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "patent-dishonesty-registry-webhooks/1",
        "X-Registry-Delivery": str(delivery.id),
        "X-Registry-Event": str(delivery.payload["event"]["event"]),
        SIGNATURE_HEADER: sign(watchlist.webhook_secret, int(now.timestamp()), body),
    }
    status, error = post(watchlist.webhook_url, body, headers)
    delivery.attempts += 1
    delivery.last_status_code = status
    delivery.last_error = error if status is None else None
    if status is not None and 200 <= status < 300:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        return delivery.status
    if status is not None:
        delivery.last_error = f"HTTP {status} from the receiver"
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    return delivery.status


def deliver_due(
    session: Session, now: dt.datetime | None = None, post: Post | None = None
) -> DeliveryReport:
    """Send every pending delivery due at `now` (default: the clock), one transaction each.

    The default `post` checks each target against the app's egress policy when it is sent.
    """
    post = post or policy_post(webhook_egress(current_app.config))
    report = DeliveryReport()
    due = session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= (now or utcnow()),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    ).all()
    for delivery_id in due:
        with atomic(session):
            # Locked and re-checked: a second publisher process skips what this one is sending.
            delivery = session.scalar(
                select(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
                .with_for_update(skip_locked=True)
            )
            if delivery is None:
                continue
            # Read the clock per attempt: the signature's timestamp must be fresh on arrival
            # even when slow receivers make a round last minutes.
            outcome = _attempt(session, delivery, post, now or utcnow())
        if outcome == "delivered":
            report.delivered.append(delivery_id)
        elif outcome == "failed":
            report.failed.append(delivery_id)
        else:
            report.retrying.append(delivery_id)
    return report


def after_publication(session: Session, tree_size: int) -> None:
    """Match the run's new events and send what is due; a webhook problem never fails a run."""
    try:
        matched = match_new_events(session, tree_size)
        sent = deliver_due(session)
    except Exception:
        # The feed is already written and signed; webhooks catch up at the next round.
        session.rollback()
        log.exception("watchlist matching or delivery failed")
        return
    log.info(
        "watchlists: %d checked against %d events, %d new deliveries; "
        "%d delivered, %d to retry, %d failed",
        matched.watchlists,
        matched.events,
        matched.deliveries,
        len(sent.delivered),
        len(sent.retrying),
        len(sent.failed),
    )


def deliver_job(app: Flask) -> None:
    """The scheduled delivery round (every minute): retries and replays that are due."""
    with app.app_context():
        try:
            sent = deliver_due(db.session())
        except Exception:
            db.session.rollback()
            log.exception("webhook delivery round failed")
            return
        finally:
            db.session.remove()
    if sent.delivered or sent.retrying or sent.failed:
        log.info(
            "webhooks: %d delivered, %d to retry, %d failed",
            len(sent.delivered),
            len(sent.retrying),
            len(sent.failed),
        )


def schedule(app: Flask, scheduler: BaseScheduler) -> None:
    """Add the delivery job: every minute, one at a time."""
    scheduler.add_job(
        deliver_job,
        "interval",
        minutes=1,
        args=[app],
        id="webhook-delivery",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
