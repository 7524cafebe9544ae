"""Reporting decisions to the national platform: exported once, deadlines, marking, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.errors import Conflict, Forbidden, InvalidValue, NotFound
from registry.listings.calendar import WorkingDayCalendar
from registry.listings.national_reports import (
    Decision,
    entry_decisions,
    exported_through,
    mark_reported,
    new_decisions,
    record_export,
    report_due,
    report_rows,
)
from registry.models import AuditRecord, NationalReport
from registry.publication.as_of import EntryState

CLERK = Actor("clerk", "clerk", 1)
NOW = dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 10, 12)
LISTED = Decision("IPL-2026-000001", "listed", dt.date(2026, 9, 28))
REMOVED = Decision("IPL-2026-000001", "removed", dt.date(2026, 9, 30))


def test_the_deadline_counts_working_days_over_the_national_day_holiday() -> None:
    # 2026-09-30 (Wednesday) + 7 working days: the 1-7 October holiday is not counted, and
    # the make-up working days around it are (State Council holiday notice for 2026).
    calendar = WorkingDayCalendar()
    due = report_due(dt.date(2026, 9, 30), calendar, 7)
    assert calendar.working_days_between(dt.date(2026, 9, 30), due) == 7
    assert due > dt.date(2026, 10, 7)


def test_an_entry_gives_its_listing_decision_and_once_ended_its_removal() -> None:
    content = {"decision": {"decided_on": "2026-09-20"}, "listed_on": "2026-09-28"}
    bundle = {"entry": content}
    live = EntryState("IPL-2026-000001", 1, 0, bundle)
    removed = EntryState("IPL-2026-000001", 1, 3, bundle, NOW, "credit_restored")
    assert entry_decisions(live, TODAY) == [
        Decision("IPL-2026-000001", "listed", dt.date(2026, 9, 20))
    ]
    assert entry_decisions(removed, TODAY)[1] == Decision(
        "IPL-2026-000001", "removed", dt.date(2026, 9, 28)
    )
    assert entry_decisions(EntryState("IPL-2026-000002", 1, 4, None), TODAY) == []


def test_each_decision_is_exported_once_and_reported_once(bare_session: Session) -> None:
    assert exported_through(bare_session) == 0
    record_export(bare_session, [LISTED], NOW, "national-platform-3.csv", 3)
    assert new_decisions(bare_session, [LISTED, REMOVED]) == [REMOVED]
    later = NOW + dt.timedelta(days=2)
    record_export(bare_session, [REMOVED], later, "national-platform-5.csv", 5)
    assert exported_through(bare_session) == 5
    rows = {r.event: r for r in bare_session.scalars(select(NationalReport))}
    assert rows["listed"].export_file == "national-platform-3.csv"
    assert rows["removed"].export_file == "national-platform-5.csv"

    [marked] = mark_reported(
        bare_session, CLERK, dt.date(2026, 10, 9), TODAY, LISTED.entry_id, "listed"
    )
    assert (marked.reported_on, marked.reported_by) == (dt.date(2026, 10, 9), "clerk")
    with pytest.raises(Conflict, match="was reported on 2026-10-09"):
        mark_reported(bare_session, CLERK, TODAY, TODAY, LISTED.entry_id, "listed")
    audit = bare_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "entry.national_report")
    ).one()
    assert audit.object_id == LISTED.entry_id

    # Without an entry: every exported decision still to report.
    assert [r.event for r in mark_reported(bare_session, CLERK, TODAY, TODAY)] == ["removed"]


def test_marking_checks_the_day_the_role_and_the_entry(bare_session: Session) -> None:
    record_export(bare_session, [LISTED], NOW, "national-platform-3.csv", 3)
    with pytest.raises(InvalidValue, match="in the future"):
        mark_reported(bare_session, CLERK, TODAY + dt.timedelta(days=1), TODAY)
    with pytest.raises(InvalidValue, match="before the decision"):
        mark_reported(bare_session, CLERK, dt.date(2026, 9, 1), TODAY, LISTED.entry_id)
    with pytest.raises(Forbidden):
        mark_reported(bare_session, Actor("auditor", "auditor", 2), TODAY, TODAY)
    with pytest.raises(NotFound):
        mark_reported(bare_session, CLERK, TODAY, TODAY, "IPL-2026-000009")
    with pytest.raises(InvalidValue, match="event"):
        mark_reported(bare_session, CLERK, TODAY, TODAY, LISTED.entry_id, "amended")


def test_rows_put_unreported_decisions_first_with_their_deadline_status(
    bare_session: Session,
) -> None:
    record_export(bare_session, [LISTED, REMOVED], NOW, "national-platform-5.csv", 5)
    mark_reported(bare_session, CLERK, TODAY, TODAY, LISTED.entry_id, "listed")
    calendar = WorkingDayCalendar()
    assert [r.status for r in report_rows(bare_session, calendar, 7, TODAY)] == ["ok", None]
    late = report_rows(bare_session, calendar, 7, dt.date(2026, 10, 30))
    assert [(r.report.event, r.status) for r in late] == [("removed", "missed"), ("listed", None)]
