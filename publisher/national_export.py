"""Each publication run's national platform export, and the decisions it exported.

Runs after the feed is written, on the list as the run's checkpoint holds it: every entry with
content gives its listing record and, once ended, its removal record
(publisher/writers/national_platform.py). The decisions are then recorded as exported in that
file (registry/listings/national_reports.py), so the console can show what is still to report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.writers.national_platform import (
    ExportedEntry,
    NationalExport,
    write_national_export,
)
from registry.clock import legal_date
from registry.listings.national_reports import entry_decisions, record_export
from registry.models import Listing, ResponsiblePerson
from registry.publication.as_of import list_state


def _recorded_representatives(session: Session) -> dict[str, str]:
    """entry id -> the name of a legal representative recorded for the entry's subject."""
    rows = session.execute(
        select(Listing.entry_id, ResponsiblePerson.name)
        .join(ResponsiblePerson, ResponsiblePerson.subject_id == Listing.subject_id)
        .where(
            Listing.entry_id.is_not(None),
            ResponsiblePerson.role == "legal_representative",
            ResponsiblePerson.removed_at.is_(None),
        )
        .order_by(ResponsiblePerson.id)
    )
    found: dict[str, str] = {}
    for entry_id, name in rows:
        found.setdefault(str(entry_id), name)
    return found


def export_national(
    session: Session, directory: Path, tree_size: int, now: dt.datetime
) -> NationalExport:
    """Write the export of the list at `tree_size` and record its decisions as exported."""
    day = legal_date(now)
    state = list_state(session, tree_size, day)
    representatives = _recorded_representatives(session)
    entries = [
        state.entries[entry_id]
        for entry_id in sorted(state.entries)
        if state.entries[entry_id].content is not None
    ]
    export = write_national_export(
        directory,
        day,
        tree_size,
        (
            ExportedEntry(
                entry.content or {}, entry.ended(day), representatives.get(entry.entry_id)
            )
            for entry in entries
        ),
    )
    decisions = [decision for entry in entries for decision in entry_decisions(entry, day)]
    record_export(session, decisions, now, export.csv_path.name)
    return export
