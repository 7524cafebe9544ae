"""Issue #17, finding 9: from the moment a basis is revoked every reader says the removal is
pending, and the confirmed removal is published by a run started at once, not the next hour's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.jobs import schedule
from registry import clock
from registry.actors import Actor
from registry.cases import records as cases
from registry.clients import watchlists
from registry.clients.api_keys import create_key
from registry.clients.egress import EgressPolicy
from registry.clients.watch_items import items_from_json
from registry.listings import published as published_listings
from registry.listings.policy import Policy
from registry.models import FeedVersion, Listing, WebhookDelivery, utcnow
from registry.publication.events import log_size
from registry.publication.public_view import removal_pending
from registry.publication.status import removals_not_in_feed
from runtime.signing_keys import key_store
from tests import builders
from tests.api.conftest import SignedIn
from tests.api.screening_api.screening_fixtures import bearer, new_key

SetToday = Callable[[dt.date], None]
PUBLISHED = dt.date(2026, 10, 20)
# The read model answers for the end of today by the server clock, so the revocation is today's.
REVOKED = clock.beijing_today()
NOTE = f"removal pending — basis revoked on {REVOKED.isoformat()}"


@dataclass
class RecordingScheduler:
    """Stands in for APScheduler: keeps the jobs added, to run them by hand."""

    jobs: list[tuple[Callable[..., Any], dict[str, Any]]] = field(default_factory=list)

    def add_job(self, func: Callable[..., Any], trigger: Any, **options: Any) -> None:
        self.jobs.append((func, options))

    def job(self, job_id: str) -> tuple[Callable[..., Any], dict[str, Any]] | None:
        return next(((f, o) for f, o in reversed(self.jobs) if o.get("id") == job_id), None)

    def run(self, job_id: str) -> None:
        found = self.job(job_id)
        assert found is not None, f"no job {job_id}"
        func, options = found
        func(*options.get("args", ()))


def _published_and_revoked(
    session: Session, app: Flask, set_today: SetToday
) -> tuple[Listing, dict[str, Actor]]:
    team = builders.actors(session)
    policy = Policy.from_settings(app.config["REGISTRY"])
    listing = builders.listing(session, state="published", policy=policy, team=team)
    assert listing.listed_on == PUBLISHED
    cases.revoke_case(
        session, team["reviewer"], listing.cases[0].id, REVOKED, "ruling set aside", policy=policy
    )
    return listing, team


def test_every_reader_reports_the_removal_pending_from_the_moment_of_revocation(
    app: Flask, session: Session, set_today: SetToday
) -> None:
    listing, _team = _published_and_revoked(session, app, set_today)
    entry_id = listing.entry_id
    identifier = listing.subject.identifiers[0]
    client = app.test_client()
    key = bearer(new_key(session, "screen"))

    query = {
        "scheme": identifier.scheme,
        "value": identifier.value,
        "name": identifier.scheme_name or None,
    }
    query = {name: value for name, value in query.items() if value}
    looked_up = client.post("/api/v1/lookup", json=query, headers=key).get_json()
    assert looked_up["answer"] == "listed"
    assert looked_up["entries"][0]["removal_pending"] == {
        "reason": "basis_revoked",
        "since": REVOKED.isoformat(),
        "note": NOTE,
    }
    # The signed receipt keeps its contract fields only.
    assert "removal_pending" not in str(looked_up["receipt"]["signed"])

    screened = client.post(
        "/api/v1/screen", json={"queries": [{"name": listing.subject.name}]}, headers=key
    ).get_json()
    match = screened["results"][0]["matches"][0]
    assert (match["entry_id"], match["removal_pending"]["note"]) == (entry_id, NOTE)
    # An answer for a day before the revocation does not report it.
    assert removal_pending(session, [entry_id], REVOKED - dt.timedelta(days=1)) == {}

    listed = client.get("/api/v1/entries").get_json()
    assert [(e["entry_id"], e["removal_pending"]["note"]) for e in listed] == [(entry_id, NOTE)]
    detail = client.get(f"/api/v1/entries/{entry_id}").get_json()
    assert detail["status"] == "published" and detail["removal_pending"]["note"] == NOTE

    page = client.get(f"/entries/{entry_id}?lang=en").get_data(as_text=True)
    assert "Removal pending" in page
    assert f"Since {REVOKED.isoformat()} this entry is being removed." in page
    assert "the decision it was based on was revoked" in page
    # The list pages mark the entry too: the search results and the home page's latest.
    badge = f"Removal pending ({REVOKED.isoformat()})"
    assert badge in client.get("/search?lang=en").get_data(as_text=True)
    assert badge in client.get("/?lang=en").get_data(as_text=True)
    chinese = client.get(f"/entries/{entry_id}?lang=zh").get_data(as_text=True)
    assert "移出待确认" in chinese and f"自 {REVOKED.isoformat()} 起，本条目正在办理移出" in chinese


def test_an_entry_without_a_pending_removal_reports_none(
    app: Flask, session: Session, set_today: SetToday
) -> None:
    listing = builders.listing(session, state="published")
    client = app.test_client()
    assert client.get("/api/v1/entries").get_json()[0]["removal_pending"] is None
    assert client.get(f"/api/v1/entries/{listing.entry_id}").get_json()["removal_pending"] is None
    assert "Removal pending" not in client.get(f"/entries/{listing.entry_id}?lang=en").text
    assert "Removal pending" not in client.get("/search?lang=en").text


def _watch(session: Session, listing: Listing) -> int:
    key_id = create_key(session, Actor("admin", "admin"), "Example Bank", ["watch"]).key.id
    created = watchlists.create_watchlist(
        session,
        key_id,
        "Suppliers",
        "http://127.0.0.1:9/hook",
        policy=EgressPolicy(allow_internal=True),
    )
    identifier = listing.subject.identifiers[0]
    item = {
        "name": listing.subject.name,
        "identifiers": [{"scheme": identifier.scheme, "value": identifier.value}],
    }
    watchlists.add_items(session, key_id, created.watchlist.id, items_from_json([item]))
    return created.watchlist.id


def test_a_confirmed_removal_starts_a_publication_run_at_once(
    app: Flask,
    session: Session,
    set_today: SetToday,
    signed_in: dict[str, SignedIn],
) -> None:
    listing, _team = _published_and_revoked(session, app, set_today)
    watchlist_id = _watch(session, listing)
    scheduler = RecordingScheduler()
    schedule(app, scheduler)  # type: ignore[arg-type]
    assert scheduler.job("publish-now") is None

    confirmed = signed_in["reviewer2"].post(
        f"/api/v1/admin/listings/{listing.id}/remove",
        {
            "reason_code": "basis_revoked",
            "reason": "the ruling was set aside",
            "on": REVOKED.isoformat(),
        },
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["state"] == "removed"
    assert removals_not_in_feed(session) == 1
    # The admin view asked the publisher for a run now, not at the next scheduled time.
    job = scheduler.job("publish-now")
    assert job is not None and job[1]["run_date"] <= utcnow()
    scheduler.run("publish-now")

    session.expire_all()
    assert removals_not_in_feed(session) == 0
    version = session.scalars(select(FeedVersion).order_by(FeedVersion.version.desc())).first()
    assert version is not None and version.tree_size == log_size(session)
    # Watchlist subscribers get the change from that same run.
    deliveries = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.watchlist_id == watchlist_id)
    ).all()
    assert [(d.payload["event"]["entry_id"], d.payload["event"]["event"]) for d in deliveries] == [
        (listing.entry_id, "removed")
    ]


def test_a_publisher_in_its_own_process_finds_the_removal_within_seconds(
    app: Flask, session: Session, set_today: SetToday
) -> None:
    listing, team = _published_and_revoked(session, app, set_today)
    scheduler = RecordingScheduler()
    schedule(app, scheduler)  # type: ignore[arg-type]
    check = scheduler.job("publish-removals")
    assert check is not None and check[1]["seconds"] <= 15
    scheduler.run("publish-removals")
    assert scheduler.job("publish-now") is None, "nothing removed yet: no extra run"

    published_listings.remove(
        session, team["reviewer2"], key_store(), listing.id, "basis_revoked", REVOKED, "set aside"
    )
    assert listing.state == "removed"
    # After a failed run the check leaves the retry to its backoff.
    app.extensions["publisher_status"] = {"failures": 1}
    scheduler.run("publish-removals")
    assert scheduler.job("publish-now") is None
    app.extensions["publisher_status"] = {"failures": 0}
    scheduler.run("publish-removals")
    assert scheduler.job("publish-now") is not None
    scheduler.run("publish-now")
    session.expire_all()
    assert removals_not_in_feed(session) == 0
