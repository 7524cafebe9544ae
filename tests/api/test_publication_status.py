"""GET /api/v1/admin/publication and the dashboard's publication panel."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from api.admin.context import policy
from publisher.jobs import run_publication
from registry.models import User
from tests import builders
from tests.api.conftest import SignedIn

URL = "/api/v1/admin/publication"


def _approve(app: Flask, session: Session, subject_id: int) -> None:
    with app.test_request_context():
        rules = policy()
    builders.listing(
        session,
        subject_id=subject_id,
        proposed_on=dt.date(2026, 1, 5),
        served_on=dt.date(2026, 1, 5),
        reviewed_on=dt.date(2026, 2, 2),
        approved_on=dt.date(2026, 2, 2),
        policy=rules,
    )


def test_publication_status_shows_the_lag_then_the_published_feed(
    app: Flask,
    session: Session,
    users: dict[str, User],
    signed_in: dict[str, SignedIn],
    deliberate_subject: int,
) -> None:
    _approve(app, session, deliberate_subject)
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
