"""GET /api/v1/admin/publication and the dashboard's publication panel."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from api.admin.context import policy
from publisher.jobs import run_publication
from registry.listings import workflow
from registry.models import User
from tests.api.conftest import SignedIn, actor_for

URL = "/api/v1/admin/publication"


def _approve(app: Flask, session: Session, users: dict[str, User], subject_id: int) -> None:
    clerk, reviewer = actor_for(users["clerk"]), actor_for(users["reviewer"])
    with app.test_request_context():
        rules = policy()
    proposed = dt.date(2026, 1, 5)
    listing = workflow.propose(
        session, clerk, rules, subject_id, ["deliberate_infringement"], proposed
    )
    workflow.notify(session, clerk, rules, listing.id, proposed)
    workflow.start_review(session, clerk, listing.id, dt.date(2026, 2, 2))
    workflow.approve(session, reviewer, rules, listing.id, dt.date(2026, 2, 2), "confirmed")


def test_publication_status_shows_the_lag_then_the_published_feed(
    app: Flask,
    session: Session,
    users: dict[str, User],
    signed_in: dict[str, SignedIn],
    deliberate_subject: int,
) -> None:
    _approve(app, session, users, deliberate_subject)
    body = signed_in["reviewer"].get(URL).get_json()
    assert body["approved_waiting"] == 1
    assert body["oldest_approved_on"] == "2026-02-02"
    assert body["oldest_waiting_days"] >= 0
    assert body["feed_version"] is None
    assert body["feed_fresh"] is False and body["feed_detail"] == "no feed published yet"

    report = run_publication(app)
    assert report is not None
    for role in ("auditor", "admin"):
        body = signed_in[role].get(URL).get_json()
        assert body["approved_waiting"] == 0 and body["oldest_approved_on"] is None
        assert body["feed_version"] == report.version and body["tree_size"] == report.tree_size
        assert body["feed_fresh"] is True
        assert body["feed_expires"] > body["feed_issued_at"]
        assert body["last_run"]["failures"] == 0
        assert body["last_run"]["last_version"] == report.version

    page = signed_in["auditor"].get("/admin/").get_data(as_text=True)
    assert "Approved, waiting for the next run" in page
    assert f"{report.version}, issued" in page


def test_publication_status_is_refused_to_clerks_and_strangers(
    signed_in: dict[str, SignedIn], anonymous: SignedIn
) -> None:
    assert signed_in["clerk"].get(URL).status_code == 403
    assert anonymous.get(URL).status_code == 401
    assert "Approved, waiting" not in signed_in["clerk"].get("/admin/").get_data(as_text=True)
