"""What the screening answers reuse between requests, checked against one small query each time.

Everything an identifier lookup reads besides its own query depends only on a few facts of
the database: the log's size, the latest signed checkpoint, purges, the recorded persons and
the removals awaiting confirmation. `serving_version` reads all of them in one statement of
indexed maxima and small counts; `ServingCache` keeps, per process, what was computed for
them (the checkpoint reference, the pending removals, the proof bundles by event and tree
size, and whole answers keyed by the version and the query) and recomputes a part as soon
as its fact changes. A removal proposed or decided, a purge, a new person or a new
checkpoint is therefore seen by the very next request.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Integer, column, text
from sqlalchemy.orm import Session

from registry.models import UTCDateTime
from registry.publication.proof_bundles import bundles_at
from registry.publication.public_view import PendingRemoval, pending_removals
from registry.screening.screen import CheckpointRef

# Maxima of primary keys are index look-ups; each count and the purge maximum reads a partial
# index holding only the few rows it counts (purged revisions, removed persons, removals
# awaiting a decision; migration 0009_lkp), so the statement stays small as the list grows.
_VERSION_TEXT = (
    "SELECT"
    " (SELECT MAX(seq) FROM log_events) AS top_seq,"
    " (SELECT MAX(tree_size) FROM signed_checkpoints) AS checkpoint,"
    " (SELECT COUNT(*) FROM entry_revisions WHERE purged_at IS NOT NULL) AS purged,"
    " (SELECT MAX(purged_at) FROM entry_revisions WHERE purged_at IS NOT NULL) AS last_purge,"
    " (SELECT MAX(id) FROM responsible_persons) AS person,"
    " (SELECT COUNT(*) FROM responsible_persons WHERE removed_at IS NOT NULL) AS removed,"
    " (SELECT COUNT(*) FROM listing_requests WHERE kind = 'removal' AND decision IS NULL)"
    " AS pending,"
    " (SELECT MAX(id) FROM listing_requests WHERE kind = 'removal' AND decision IS NULL)"
    " AS last_pending"
)
_VERSION_SQL = text(_VERSION_TEXT).columns(
    column("top_seq", Integer),
    column("checkpoint", Integer),
    column("purged", Integer),
    column("last_purge", UTCDateTime),
    column("person", Integer),
    column("removed", Integer),
    column("pending", Integer),
    column("last_pending", Integer),
)
PROOF_CAPACITY = 4096
ANSWER_CAPACITY = 4096

Built = TypeVar("Built")


@dataclass(frozen=True)
class ServingVersion:
    """The facts an answer's reusable parts depend on, read in one statement."""

    log_size: int
    checkpoint_size: int | None
    purges: tuple[int, Any]
    persons: tuple[int, int]
    pending: tuple[int, int, int]

    @property
    def log_covered(self) -> bool:
        """Whether the latest signed checkpoint covers every committed event."""
        return self.checkpoint_size is not None and self.checkpoint_size >= self.log_size


def serving_version(reader: Session | Connection) -> ServingVersion:
    """Read the current facts, in one statement (on a session or a plain connection)."""
    return _version(reader.execute(_VERSION_SQL).one())


def serving_version_raw(cursor: Any, dialect: Dialect) -> ServingVersion:
    """Read the current facts with a driver cursor: no statement compiled, no result objects."""
    cursor.execute(_VERSION_TEXT)
    row = list(cursor.fetchone())
    if row[3] is not None:
        row[3] = _timestamp_reader(dialect)(row[3])
    return _version(row)


@cache
def _timestamp_reader(dialect: Dialect) -> Callable[[Any], Any]:
    processor = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    return processor if processor is not None else (lambda value: value)


def _version(row: Sequence[Any]) -> ServingVersion:
    top_seq, checkpoint, purged, last_purge, person, removed, pending, last_pending = row
    log_size = 0 if top_seq is None else int(top_seq) + 1
    return ServingVersion(
        log_size=log_size,
        checkpoint_size=None if checkpoint is None else int(checkpoint),
        purges=(int(purged or 0), last_purge),
        persons=(int(person or 0), int(removed or 0)),
        # A removal proposed adds a row with a higher id; one decided drops out of the count.
        pending=(log_size, int(pending or 0), int(last_pending or 0)),
    )


_MISSING = object()


class ServingCache:
    """Per-process reusable parts of screening answers, each kept for the facts it came from."""

    def __init__(self, proof_capacity: int = PROOF_CAPACITY) -> None:
        self._lock = threading.Lock()
        self._checkpoint: CheckpointRef | None = None
        self._pending: tuple[tuple[int, int, int], dict[str, PendingRemoval]] | None = None
        self._proofs: OrderedDict[tuple[str, int, int], str] = OrderedDict()
        self._proof_capacity = proof_capacity
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._answer_capacity = ANSWER_CAPACITY

    def answer(self, key: Hashable, build: Callable[[], Built]) -> Built:
        """What `build` gives for `key`, built once while `key` is among the recent ones.

        `key` must hold every fact the result depends on (the serving version, the tree size,
        the day, the query); the result is shared between requests and must not be changed.
        A `build` that raises keeps nothing.
        """
        with self._lock:
            kept = self._answers.get(key, _MISSING)
            if kept is not _MISSING:
                self._answers.move_to_end(key)
                return kept  # type: ignore[no-any-return]
        built = build()
        with self._lock:
            self._answers[key] = built
            while len(self._answers) > self._answer_capacity:
                self._answers.popitem(last=False)
        return built

    def answers_kept(self) -> list[Hashable]:
        """The keys of the answers kept now, least recently used first."""
        with self._lock:
            return list(self._answers)

    def checkpoint(
        self, version: ServingVersion, sign: Callable[[], CheckpointRef]
    ) -> CheckpointRef:
        """The checkpoint covering the log: the one kept, unless the log grew past it."""
        kept = self._checkpoint
        if kept is not None and version.log_covered and kept.tree_size == version.checkpoint_size:
            return kept
        fresh = sign()
        self._checkpoint = fresh
        return fresh

    def removal_pending(
        self,
        session: Callable[[], Session],
        version: ServingVersion,
        entry_ids: list[str],
        day: dt.date,
    ) -> dict[str, dict[str, str]]:
        """`removal_pending` objects of these entries on `day` (as public_view.removal_pending).

        `session` gives the database session, asked for only when the pending set changed.
        """
        if not entry_ids:
            return {}
        pending = self.pending(session, version)
        return {
            entry_id: pending[entry_id].as_dict()
            for entry_id in entry_ids
            if entry_id in pending and pending[entry_id].proposed_on <= day
        }

    def pending(
        self, session: Callable[[], Session], version: ServingVersion
    ) -> dict[str, PendingRemoval]:
        """Every removal awaiting confirmation, by entry id: read again when the set changed.

        `session` gives the database session, asked for only when the pending set changed.
        """
        kept = self._pending
        if kept is None or kept[0] != version.pending:
            kept = (version.pending, pending_removals(session(), None))
            self._pending = kept
        return kept[1]

    def bundles(
        self, session: Callable[[], Session], seq_by_entry: Mapping[str, int], size: int
    ) -> dict[str, str]:
        """Proof bundles as `bundles_at` gives them; each (entry, event, size) is built once.

        `session` gives the database session, asked for only when a bundle must be built.
        """
        found: dict[str, str] = {}
        missing: dict[str, int] = {}
        with self._lock:
            for entry_id, seq in seq_by_entry.items():
                bundle = self._proofs.get((entry_id, seq, size))
                if bundle is None:
                    missing[entry_id] = seq
                else:
                    found[entry_id] = bundle
        if missing:
            built = bundles_at(session(), missing, size)
            with self._lock:
                for entry_id, bundle in built.items():
                    self._proofs[(entry_id, missing[entry_id], size)] = bundle
                while len(self._proofs) > self._proof_capacity:
                    self._proofs.popitem(last=False)
            found.update(built)
        return dict(sorted(found.items()))
