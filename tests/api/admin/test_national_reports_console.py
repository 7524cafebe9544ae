"""The console page and the CLI for reporting decisions to the national platform."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.listings.national_reports import Decision, record_export
from registry.models import NationalReport

NOW = dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC)
LISTED = Decision("IPL-2026-000001", "listed", dt.date(2026, 9, 28))
REMOVED = Decision("IPL-2026-000002", "removed", dt.date(2026, 9, 30))


def test_the_page_shows_export_and_deadline_and_a_clerk_marks_a_decision_reported(
    signed_in, session: Session, set_today
) -> None:
    set_today(dt.date(2026, 10, 30))
    record_export(session, [LISTED, REMOVED], NOW, "national-platform-5.csv", 5)

    page = signed_in["auditor"].get("/admin/national-platform").get_data(as_text=True)
    assert "IPL-2026-000001" in page and "national-platform-5.csv" in page
    assert "MISSED" in page and "within\n7 working days" in page
    assert "Mark reported" not in page  # only a clerk marks

    clerk = signed_in["clerk"]
    assert "Mark reported" in clerk.get("/admin/national-platform").get_data(as_text=True)
    sent = clerk.form(
        "/admin/national-platform/reported",
        {"entry_id": LISTED.entry_id, "event": "listed", "reported_on": "2026-10-09"},
    )
    assert sent.status_code == 303
    after = clerk.get("/admin/national-platform").get_data(as_text=True)
    assert "2026-10-09 by clerk" in after

    future = clerk.form(
        "/admin/national-platform/reported",
        {"entry_id": REMOVED.entry_id, "event": "removed", "reported_on": "2026-11-30"},
    )
    assert future.status_code == 303
    assert "in the future" in clerk.get("/admin/national-platform").get_data(as_text=True)


def test_the_cli_lists_deadlines_and_marks_every_exported_decision(
    runner: FlaskCliRunner, session: Session, users, set_today
) -> None:
    set_today(dt.date(2026, 10, 30))
    empty = runner.invoke(args=["national-platform", "status"])
    assert "no decision exported yet" in empty.output
    record_export(session, [LISTED, REMOVED], NOW, "national-platform-5.csv", 5)

    status = runner.invoke(args=["national-platform", "status"])
    assert status.exit_code == 0, status.output
    assert "IPL-2026-000002 removed  decided 2026-09-30" in status.output
    assert "missed" in status.output

    refused = runner.invoke(args=["national-platform", "mark-reported", "--clerk", "auditor"])
    assert refused.exit_code != 0 and "may not perform" in refused.output
    marked = runner.invoke(args=["national-platform", "mark-reported", "--clerk", "clerk"])
    assert marked.exit_code == 0, marked.output
    assert "2 decisions marked reported" in marked.output
    assert all(r.reported_on for r in session.scalars(select(NationalReport)))
