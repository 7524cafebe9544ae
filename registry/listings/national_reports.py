"""Reporting listing and removal decisions to the national credit information platform.

Every listing decision and every removal must reach the national platform (信用中国) within a
configured number of working days (`REGISTRY_NATIONAL_REPORT_WORKING_DAYS`; its source and
status: docs/national-platform-export.md). Each publication run exports the decisions
(publisher/national_export.py) and records them here with the file they went into; a clerk marks
them reported once the file is uploaded (`registry national-platform mark-reported`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.errors import Conflict, InvalidValue, NotFound
from registry.listings.calendar import WorkingDayCalendar
from registry.listings.periods import DeadlineStatus, deadline_status
from registry.models import NATIONAL_EVENTS, NationalReport
from registry.publication.as_of import EntryState
from registry.transaction import atomic

# Entry ids per query (databases limit the parameters of one statement).
BATCH = 500


@dataclass(frozen=True)
class Decision:
    """A listing or removal decision to report: which entry, which, decided when."""

    entry_id: str
    event: str
    decided_on: dt.date


def entry_decisions(entry: EntryState, day: dt.date) -> list[Decision]:
    """The listing decision of an entry with content and, once it ended, its removal."""
    content = entry.content
    if content is None:
        return []
    decided = (content.get("decision") or {}).get("decided_on") or content.get("listed_on")
    found = [Decision(entry.entry_id, "listed", dt.date.fromisoformat(str(decided)))]
    ended = entry.ended(day)
    if ended is not None:
        found.append(Decision(entry.entry_id, "removed", ended[0]))
    return found


def exported_through(session: Session) -> int:
    """The log size the last export was made at (0 before the first): the next starts there."""
    return int(session.scalar(select(func.max(NationalReport.export_tree_size))) or 0)


def new_decisions(session: Session, decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions no export has carried yet."""
    wanted = list(decisions)
    entry_ids = sorted({decision.entry_id for decision in wanted})
    known: set[tuple[str, str]] = set()
    for first in range(0, len(entry_ids), BATCH):
        query = select(NationalReport.entry_id, NationalReport.event).where(
            NationalReport.entry_id.in_(entry_ids[first : first + BATCH])
        )
        known.update((entry_id, event) for entry_id, event in session.execute(query))
    return [d for d in wanted if (d.entry_id, d.event) not in known]


def add_exported(
    session: Session,
    decisions: Iterable[Decision],
    exported_at: dt.datetime,
    export_file: str,
    tree_size: int,
) -> None:
    """Add new decisions as exported in `export_file`, in the caller's transaction."""
    rows = [
        {
            "entry_id": decision.entry_id,
            "event": decision.event,
            "decided_on": decision.decided_on,
            "exported_at": exported_at,
            "export_file": export_file,
            "export_tree_size": tree_size,
        }
        for decision in decisions
    ]
    if rows:
        # One multi-row insert per batch of entries.
        session.execute(insert(NationalReport), rows)


def record_export(
    session: Session,
    decisions: Iterable[Decision],
    exported_at: dt.datetime,
    export_file: str,
    tree_size: int,
) -> None:
    """Record new decisions as exported in `export_file`, made at log size `tree_size`."""
    with atomic(session):
        add_exported(session, decisions, exported_at, export_file, tree_size)


def report_due(decided_on: dt.date, calendar: WorkingDayCalendar, working_days: int) -> dt.date:
    """The last working day on which a decision taken on `decided_on` is reported on time."""
    return calendar.roll_forward(calendar.add_working_days(decided_on, working_days))


def mark_reported(
    session: Session,
    actor: Actor,
    on: dt.date,
    today: dt.date,
    entry_id: str | None = None,
    event: str | None = None,
) -> list[NationalReport]:
    """Mark one decision (`entry_id`, `event`) or every exported, unreported one as reported."""
    actor.require("listing.national_report")
    if on > today:
        raise InvalidValue(
            "on",
            "%(on)s is in the future; the latest day is %(today)s",
            on=on,
            today=today,
        )
    if event is not None and event not in NATIONAL_EVENTS:
        raise InvalidValue(
            "event",
            "expected one of %(expected)s",
            expected=", ".join(NATIONAL_EVENTS),
        )
    query = select(NationalReport).order_by(NationalReport.entry_id, NationalReport.event)
    if entry_id is not None:
        query = query.where(NationalReport.entry_id == entry_id)
        if event is not None:
            query = query.where(NationalReport.event == event)
    else:
        query = query.where(
            NationalReport.exported_at.is_not(None), NationalReport.reported_on.is_(None)
        )
    with atomic(session):
        rows = list(session.scalars(query))
        if entry_id is not None and not rows:
            raise NotFound(
                "no exported decision of %(entry_id)s is waiting to be reported",
                entry_id=entry_id,
            )
        for row in rows:
            if row.reported_on is not None:
                raise Conflict(
                    "the %(event)s decision of %(entry_id)s was reported on %(reported_on)s",
                    event=row.event,
                    entry_id=row.entry_id,
                    reported_on=row.reported_on,
                )
            if row.exported_at is None:
                raise Conflict(
                    "the %(event)s decision of %(entry_id)s is not exported yet",
                    event=row.event,
                    entry_id=row.entry_id,
                )
            if on < row.decided_on:
                raise InvalidValue(
                    "on",
                    "%(on)s is before the decision of %(decided_on)s",
                    on=on,
                    decided_on=row.decided_on,
                )
            row.reported_on, row.reported_by = on, actor.name
            audit.record(
                session,
                actor=actor.name,
                action="entry.national_report",
                object_type="entry",
                object_id=row.entry_id,
                after={"event": row.event, "reported_on": on.isoformat()},
            )
    return rows


@dataclass(frozen=True)
class ReportRow:
    """A decision as the console lists it: exported, reported, and the deadline."""

    report: NationalReport
    due: dt.date
    status: DeadlineStatus | None  # None once reported


def report_rows(
    session: Session, calendar: WorkingDayCalendar, working_days: int, today: dt.date
) -> list[ReportRow]:
    """Every recorded decision, unreported first, each group by deadline."""
    rows = []
    for report in session.scalars(select(NationalReport)):
        due = report_due(report.decided_on, calendar, working_days)
        status = None if report.reported_on else deadline_status(due, today)
        rows.append(ReportRow(report, due, status))
    rows.sort(key=lambda r: (r.report.reported_on is not None, r.due, r.report.entry_id))
    return rows
