"""Each publication run's national platform export, and the decisions it exported.

Runs after the feed is written, on the list as the run's checkpoint holds it. The entries with
log events since the last export are read; each listing decision and removal that no export has
carried yet becomes a record (publisher/writers/national_platform.py), and is then recorded as
exported in that file (registry/listings/national_reports.py), so the console can show what is
still to report. Like the feed, a run costs what changed, not the size of the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.writers.national_platform import (
    ExportedEntry,
    NationalExport,
    export_paths,
    write_national_export,
)
from registry.clock import legal_date
from registry.listings.list_types.loader import ListType
from registry.listings.national_reports import (
    BATCH,
    add_exported,
    entry_decisions,
    exported_through,
    new_decisions,
)
from registry.models import Listing, LogEvent, ResponsiblePerson
from registry.publication.as_of import list_state
from registry.transaction import atomic


def _recorded_representatives(session: Session, entry_ids: list[str]) -> dict[str, str]:
    """entry id -> the name of a legal representative recorded for the entry's subject."""
    found: dict[str, str] = {}
    for first in range(0, len(entry_ids), BATCH):
        rows = session.execute(
            select(Listing.entry_id, ResponsiblePerson.name)
            .join(ResponsiblePerson, ResponsiblePerson.subject_id == Listing.subject_id)
            .where(
                Listing.entry_id.in_(entry_ids[first : first + BATCH]),
                ResponsiblePerson.role == "legal_representative",
                ResponsiblePerson.removed_at.is_(None),
            )
            .order_by(ResponsiblePerson.id)
        )
        for entry_id, name in rows:
            found.setdefault(str(entry_id), name)
    return found


def _exported_batches(
    session: Session, changed: Sequence[str], tree_size: int, now: dt.datetime, export_file: str
) -> Iterator[list[ExportedEntry]]:
    """Per batch of changed entries, the ones with new decisions, which are added as exported."""
    day = legal_date(now)
    for first in range(0, len(changed), BATCH):
        batch = changed[first : first + BATCH]
        state = list_state(session, tree_size, day, batch, identifiers=False)
        found = [
            decision
            for entry_id in sorted(state.entries)
            for decision in entry_decisions(state.entries[entry_id], day)
        ]
        decisions = new_decisions(session, found)
        if not decisions:
            continue
        add_exported(session, decisions, now, export_file, tree_size)
        events: dict[str, set[str]] = {}
        for decision in decisions:
            events.setdefault(decision.entry_id, set()).add(decision.event)
        representatives = _recorded_representatives(session, sorted(events))
        yield [
            ExportedEntry(
                state.entries[entry_id].content or {},
                state.entries[entry_id].ended(day),
                representatives.get(entry_id),
                frozenset(wanted),
            )
            for entry_id, wanted in sorted(events.items())
        ]


def export_national(
    session: Session,
    directory: Path,
    tree_size: int,
    now: dt.datetime,
    types: Sequence[ListType] | None = None,
) -> NationalExport | None:
    """Export the decisions new since the last export, up to log size `tree_size`.

    `types` are the configured list types, which name the grounds of v1 entries.

    Only entries with log events since the last export are read, `BATCH` at a time, and the
    files are written as the batches go, so memory stays flat however many changed. The
    decisions are recorded in one transaction, committed once both files are written. None
    when there is nothing new to report (no file is written).
    """
    # Streamed, not buffered: the ids alone are what the first export holds (72 MB at 1M).
    changed = sorted(
        session.scalars(
            select(LogEvent.entry_id)
            .where(LogEvent.seq >= exported_through(session), LogEvent.seq < tree_size)
            .distinct()
            .execution_options(yield_per=10_000)
        )
    )
    csv_path, _json_path = export_paths(directory, tree_size)
    with atomic(session):
        batches = _exported_batches(session, changed, tree_size, now, csv_path.name)
        first = next(batches, None)
        if first is None:
            return None
        entries = chain.from_iterable(chain([first], batches))
        return write_national_export(directory, legal_date(now), tree_size, entries, types)
