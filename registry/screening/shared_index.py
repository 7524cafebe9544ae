"""The screening index of a list state, from the file the publisher writes or built in memory.

The publisher writes the index of what is public into one file after each run
(`write_shared_index`); every worker maps that file read-only (`SharedIndex`) and reopens it
when a newer one replaces it, so 100k subjects are parsed once, not once per worker. Each record
carries a stamp of its entry (entry id, content hash and identifiers): a list state that has
moved on since the file was written (a removal or a correction committed after the run) hides
the file's records whose stamp it no longer has and indexes its own new or changed entries in a
small in-memory index beside the file. Without a file the whole state is indexed in memory.

The publisher therefore keeps the file while it lags the list by few entries (`DriftBound`):
each worker screens those from memory. Past the bound it writes the file again, taking the
records of unchanged entries from the old file rather than parsing their names again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.errors import InvalidValue, ScreeningIndexPending
from registry.ledger.anchors import ANCHOR_EVENT
from registry.models import EntryRevision, LogEvent
from registry.publication.as_of import EntryState, ListState, list_state
from registry.screening.matching import (
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    ListedName,
    MatchIndex,
    ScreeningMatch,
    ScreeningQuery,
)
from registry.screening.matching.index_file import (
    IndexFile,
    write_index_file_over,
    write_index_names,
)

DERIVED_KEY = "match_index"


def entry_stamp(entry: EntryState, identifiers: Iterable[Sequence[str]]) -> int:
    """A 64-bit stamp of what the matcher sees of an entry: id, content hash, identifiers."""
    text = "\x1f".join(
        [entry.entry_id, entry.content_sha256, *sorted("\x1e".join(i) for i in identifiers)]
    )
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _listed_name(entry: EntryState, identifiers: Iterable[Sequence[str]]) -> ListedName:
    assert entry.content is not None
    subject = entry.content["subject"]
    region = subject.get("region")
    return ListedName(
        entry_id=entry.entry_id,
        kind=subject["kind"],
        name=subject["name"],
        latin=subject.get("name_latin") or None,
        aliases=tuple(subject.get("aliases") or ()),
        identifiers=tuple((scheme, value) for scheme, _, value in identifiers),
        region=region if isinstance(region, str) and len(region) == 6 else None,
    )


def _indexed_entries(state: ListState) -> list[EntryState]:
    """Every entry of `state` with content, listed or since ended, by entry id."""
    return sorted(
        (entry for entry in state.entries.values() if entry.content is not None),
        key=lambda entry: entry.entry_id,
    )


# A bound given as a percentage is at least this many entries: a small register need not
# rewrite its file for a handful of changes.
DRIFT_FLOOR = 500


@dataclass(frozen=True)
class DriftBound:
    """How many changed entries the publisher leaves the workers to screen from memory.

    Either a number of entries (default 500) or a percentage of the indexed entries with a
    floor of `DRIFT_FLOOR`; the drift is the entries new, changed or gone since the file was
    written. Each worker indexes those entries in memory for every new list state, so the
    cost follows the bound, not the list: about 1.7 ms of CPU to parse a changed name the
    first time, 0.3 ms to index it again for each later state, and up to 27 KiB of memory
    with the parse caches (docs/screening.md). 0 rewrites the file on every run.
    """

    entries: int | None = 500
    percent: float = 2.0

    def limit(self, records: int) -> int:
        """The most changed entries a file of a list of `records` entries may lag by."""
        if self.entries is not None:
            return self.entries
        return max(DRIFT_FLOOR, int(records * self.percent / 100))

    @classmethod
    def parse(cls, text: str) -> DriftBound:
        """`500` (entries) or `2%` (of the indexed entries, at least 500); ValueError if not."""
        text = text.strip()
        if text.endswith("%"):
            try:
                percent = float(text[:-1])
            except ValueError:
                raise ValueError("must be a percentage such as 2% or a count such as 500") from None
            if not 0 <= percent <= 50:
                raise ValueError("a percentage must be from 0% to 50% of the indexed entries")
            return cls(entries=None, percent=percent)
        try:
            entries = int(text)
        except ValueError:
            raise ValueError("must be a count such as 500 or a percentage such as 2%") from None
        if entries < 0:
            raise ValueError("must be 0 or more changed entries")
        return cls(entries=entries)

    def __str__(self) -> str:
        return f"{self.entries}" if self.entries is not None else f"{self.percent:g}%"


@dataclass(frozen=True)
class IndexWrite:
    """What the publisher did with the index file: kept it, or wrote it parsing `parsed` names."""

    records: int
    kept: bool
    changed: int
    parsed: int

    def __str__(self) -> str:
        if self.kept:
            return f"kept, {self.changed:,} changed entries screened from memory"
        return f"written, {self.records:,} records ({self.parsed:,} names parsed)"


def _readable(path: Path) -> IndexFile | None:
    """The index file at `path` if it is one of the current format."""
    try:
        return IndexFile(path)
    except (FileNotFoundError, InvalidValue):
        return None


def write_shared_index(
    path: Path,
    state: ListState,
    progress: Callable[[str], None] = lambda _message: None,
    max_drift: DriftBound | None = None,
    workers: int | None = None,
) -> IndexWrite:
    """Bring the index file at `path` up to `state`: keep it, or write it again.

    The file is kept while it lags `state` by at most `max_drift` changed entries (None:
    write it whatever the drift). A new file takes the records of unchanged entries from the
    old one and parses only new or changed names, over `workers` processes (None: one per
    core); it is the file a write from scratch gives.
    """
    workers = workers or os.cpu_count() or 1
    entries = _indexed_entries(state)
    identifiers = [state.identifiers.get(entry.entry_id, []) for entry in entries]
    stamps = np.fromiter(
        (entry_stamp(e, ids) for e, ids in zip(entries, identifiers, strict=True)),
        dtype="<u8",
        count=len(entries),
    )
    old = _readable(path)
    if old is None:
        # Parsed as the writer files them: the parsed forms are never all held.
        names = (_listed_name(entry, ids) for entry, ids in zip(entries, identifiers, strict=True))
        write_index_names(
            path, names, stamps.tolist(), f"{state.tree_size}", progress, workers=workers
        )
        return IndexWrite(len(entries), kept=False, changed=len(entries), parsed=len(entries))
    old_stamps = old.stamps.copy()
    changed = int(np.count_nonzero(~np.isin(stamps, old_stamps))) + int(
        np.count_nonzero(~np.isin(old_stamps, stamps))
    )
    if max_drift is not None and changed <= max_drift.limit(len(entries)):
        old.close()
        return IndexWrite(old.count, kept=True, changed=changed, parsed=0)
    position_of = {stamp: position for position, stamp in enumerate(old_stamps.tolist())}
    sources: list[int | ListedName] = []
    for entry, ids, stamp in zip(entries, identifiers, stamps.tolist(), strict=True):
        position = position_of.get(stamp)
        sources.append(position if position is not None else _listed_name(entry, ids))
    parsed = sum(1 for source in sources if not isinstance(source, int))
    write_index_file_over(
        path, old, sources, stamps.tolist(), f"{state.tree_size}", workers=workers
    )
    old.close()
    return IndexWrite(len(sources), kept=False, changed=changed, parsed=parsed)


def entries_changed_since(
    session: Session, file: IndexFile, path: Path, tree_size: int
) -> int | None:
    """How many entries may have changed since `file` was written, without reading the list.

    The entries with a log event after the file's tree size (new, corrected or removed; a
    removal keeps the content, so this counts more than changed), plus those purged since
    the file was written; None when the file does not say its tree size or names a longer
    log than this one (a file of another database).
    """
    written_at = file_tree_size(file)
    if written_at is None or written_at > tree_size:
        return None
    changed = entries_logged_between(session, written_at, tree_size)
    # Purge times are kept to the second: count from the second before the file's.
    since = dt.datetime.fromtimestamp(int(os.stat(path).st_mtime) - 1, dt.UTC)
    purged = session.scalar(
        select(func.count(func.distinct(EntryRevision.entry_id))).where(
            EntryRevision.purged_at >= since
        )
    )
    return changed + int(purged or 0)


def file_tree_size(file: IndexFile) -> int | None:
    """The log size the publisher wrote `file` at (its stamp), None if it does not say one."""
    try:
        return int(file.stamp)
    except ValueError:
        return None


def entries_logged_between(session: Session, first: int, end: int) -> int:
    """How many entries have a log event from log size `first` to `end` (anchors aside)."""
    found = session.scalar(
        select(func.count(func.distinct(LogEvent.entry_id))).where(
            LogEvent.seq >= first, LogEvent.seq < end, LogEvent.event != ANCHOR_EVENT
        )
    )
    return int(found or 0)


def update_shared_index(
    session: Session,
    path: Path,
    tree_size: int,
    day: dt.date,
    max_drift: DriftBound,
    progress: Callable[[str], None] = lambda _message: None,
    workers: int | None = None,
) -> IndexWrite:
    """The publisher's step: keep the file while few entries changed since, else write it.

    Keeping it reads no list state (the log events and purges since the file say how many
    entries changed), so a run with a few changes costs the same at 10k as at 1M entries;
    writing it reads the whole state and parses only the names the old file lacks, over
    `workers` processes (None: one per core).
    """
    workers = workers or os.cpu_count() or 1
    file = _readable(path)
    if file is None:
        return _write_in_batches(session, path, tree_size, day, progress, workers)
    changed = entries_changed_since(session, file, path, tree_size)
    count = file.count
    file.close()
    if changed is not None and changed <= max_drift.limit(count):
        return IndexWrite(count, kept=True, changed=changed, parsed=0)
    return write_shared_index(path, list_state(session, tree_size, day), progress, workers=workers)


# Entries read at a time when the file is written from scratch.
SCRATCH_BATCH = 2_000


def _write_in_batches(
    session: Session,
    path: Path,
    tree_size: int,
    day: dt.date,
    progress: Callable[[str], None],
    workers: int,
) -> IndexWrite:
    """Write the file from scratch, reading the list state `SCRATCH_BATCH` entries at a time.

    The file is the one `write_shared_index` writes over the whole state: entries in entry id
    order, each parsed as the writer files it (over `workers` processes). Only a batch of
    entries' contents is held at a time, and the writer spills what it files to scratch
    files, so a first publication of a million entries holds about what one of 10k holds.
    """
    entry_ids = _sorted_entry_ids(session, tree_size)
    stamps: array[int] = array("Q")

    def names() -> Iterator[ListedName]:
        for first in range(0, len(entry_ids), SCRATCH_BATCH):
            batch_ids = [entry_id.decode() for entry_id in entry_ids[first : first + SCRATCH_BATCH]]
            batch = list_state(session, tree_size, day, batch_ids)
            for entry in _indexed_entries(batch):
                ids = batch.identifiers.get(entry.entry_id, [])
                stamps.append(entry_stamp(entry, ids))
                yield _listed_name(entry, ids)

    count = write_index_names(path, names(), stamps, f"{tree_size}", progress, workers)
    return IndexWrite(count, kept=False, changed=count, parsed=count)


def _sorted_entry_ids(session: Session, tree_size: int) -> np.ndarray:
    """The ids of the entries in the first `tree_size` log events, sorted, as UTF-8 bytes.

    Held in one numpy array of fixed-width byte strings: a million ids take about 15 MB, where
    a list of Python strings takes about 70 MB through the whole write. Bytes sort as the ids'
    code points do, the order `write_shared_index` files entries in.
    """
    parts = [
        np.array([entry_id.encode() for entry_id in part], dtype=np.bytes_)
        for part in session.scalars(
            select(LogEvent.entry_id)
            .where(LogEvent.seq < tree_size, LogEvent.event != ANCHOR_EVENT)
            .distinct()
            .execution_options(yield_per=SCRATCH_BATCH * 10)
        ).partitions()
    ]
    if not parts:
        return np.array([], dtype=np.bytes_)
    return np.sort(np.concatenate(parts))


class SharedIndex:
    """The index file at a path, mapped once per process and reopened when it is replaced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity: tuple[int, int, int] | None = None
        self._file: IndexFile | None = None
        self._lock = threading.Lock()
        # How many entries have a log event since the file's log size, for one file and size.
        self._lag: tuple[tuple[IndexFile | None, int], int] | None = None

    def screening_size(self, session: Session, tree_size: int, most_in_memory: int) -> int:
        """The log size to screen names at: `tree_size`, or the file's while it lags far behind.

        Each worker screens the entries the file lacks from an index of its own, in memory
        (`StateIndex.over_file`). A run that brings more new or changed entries than the
        publisher's drift bound rewrites the file, but only after its checkpoint is committed,
        and a list taken over in one run brings them all at once: until the file is rewritten,
        every worker would parse and index them all (about 0.2 ms and 10 KB a name). When more
        than `most_in_memory` entries have a log event since the file's log size, names are
        screened at that size instead, which the publisher signed a checkpoint for before it
        wrote the file; the answer's receipt names that checkpoint. Without a file (before the
        first run that writes one, or one of an earlier format) a list of more entries than that
        cannot be screened yet: ScreeningIndexPending. The count is read once per file and log
        size.
        """
        file = self.current()
        written_at = file_tree_size(file) if file is not None else 0
        if written_at is None or written_at >= tree_size:
            return tree_size
        if tree_size - written_at <= most_in_memory:
            return tree_size  # there are fewer entries than log events
        asked = (file, tree_size)
        lag = self._lag
        if lag is None or lag[0] != asked:
            lag = (asked, entries_logged_between(session, written_at, tree_size))
            self._lag = lag
        entries = lag[1]
        if entries <= most_in_memory:
            return tree_size
        if file is None:
            raise ScreeningIndexPending(
                "the screening index of the list's %(entries)s entries is being written: names"
                " can be screened again in a few minutes (identifier lookups answer meanwhile)",
                entries=entries,
            )
        return written_at

    def current(self) -> IndexFile | None:
        """The newest index file, mapped (None while there is none, or none this code reads).

        A file of another format version (written by an earlier release's publisher) counts as
        no file: the state is indexed in memory until the publisher's next run replaces it.
        """
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        identity = (status.st_ino, status.st_mtime_ns, status.st_size)
        with self._lock:
            if identity != self._identity:
                # The replaced file's mapping goes once no index uses it any more.
                try:
                    self._file = IndexFile(self.path)
                except InvalidValue:
                    self._file = None
                self._identity = identity
            return self._file


class StateIndex:
    """The screening index of one list state: the shared file's records and its own changes."""

    def __init__(
        self,
        base: MatchIndex,
        hidden: frozenset[str] = frozenset(),
        extra: MatchIndex | None = None,
        file: IndexFile | None = None,
        extra_ids: frozenset[str] = frozenset(),
    ) -> None:
        self._base = base
        # Entries whose record in the file the state no longer has as filed.
        self._hidden = hidden
        # The state's entries with content that the file lacks as they stand, indexed here.
        self._extra = extra
        self._extra_ids = extra_ids
        self.file = file

    @classmethod
    def in_memory(cls, state: ListState) -> StateIndex:
        """Index every entry of the state in this process."""
        return cls(MatchIndex.build(_listed_names(state, _indexed_entries(state))))

    @classmethod
    def over_file(cls, state: ListState, file: IndexFile) -> StateIndex:
        """The file's records that the state still has, and the state's others in memory."""
        entries = _indexed_entries(state)
        stamps = np.fromiter(
            (entry_stamp(e, state.identifiers.get(e.entry_id, [])) for e in entries),
            dtype="<u8",
            count=len(entries),
        )
        kept = np.isin(file.stamps, stamps)
        hidden = frozenset(
            file.record(position).listed.entry_id for position in np.flatnonzero(~kept).tolist()
        )
        new = [entries[i] for i in np.flatnonzero(~np.isin(stamps, file.stamps)).tolist()]
        extra = MatchIndex.build(_listed_names(state, new)) if new else None
        extra_ids = frozenset(entry.entry_id for entry in new)
        return cls(MatchIndex.from_file(file), hidden, extra, file, extra_ids)

    def moved(self, state: ListState, changed: Iterable[str]) -> StateIndex:
        """This index, over the same file, for `state`: a state moved from this index's own
        (`as_of.moved`) in which only the `changed` entries differ.

        Only those entries are stamped and looked for in the file, so a worker's index for a
        new list state costs what changed, not a stamp of every entry (`over_file`); it is
        the index `over_file` gives.
        """
        assert self.file is not None
        file = self.file
        hidden, extra_ids = set(self._hidden), set(self._extra_ids)
        for entry_id in changed:
            hidden.discard(entry_id)
            extra_ids.discard(entry_id)
            entry = state.entries.get(entry_id)
            position = _file_position(file, entry_id)
            filed = False
            if entry is not None and entry.content is not None:
                stamp = entry_stamp(entry, state.identifiers.get(entry_id, []))
                filed = position is not None and int(file.stamps[position]) == stamp
                if not filed:
                    extra_ids.add(entry_id)
            if position is not None and not filed:
                hidden.add(entry_id)
        extra = self._extra
        if extra_ids != self._extra_ids:
            new = [state.entries[entry_id] for entry_id in sorted(extra_ids)]
            extra = MatchIndex.build(_listed_names(state, new)) if new else None
        return StateIndex(self._base, frozenset(hidden), extra, file, frozenset(extra_ids))

    def __len__(self) -> int:
        return len(self._base) - len(self._hidden) + (len(self._extra) if self._extra else 0)

    def screen(
        self,
        query: ScreeningQuery,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        exclude_entry_ids: Iterable[str] = (),
    ) -> list[ScreeningMatch]:
        """Listed subjects scoring at least `threshold` for the query, best first."""
        return self.screen_many([query], threshold, limit, exclude_entry_ids)[0]

    def screen_many(
        self,
        queries: Iterable[ScreeningQuery],
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        exclude_entry_ids: Iterable[str] = (),
    ) -> list[list[ScreeningMatch]]:
        """Screen a batch of queries; one result list per query, in order."""
        queries = list(queries)
        excluded = set(exclude_entry_ids)
        found = self._base.screen_many(queries, threshold, limit, excluded | self._hidden)
        if self._extra is None:
            return found
        more = self._extra.screen_many(queries, threshold, limit, excluded)
        return [
            sorted(left + right, key=lambda match: (-match.score, match.entry_id))[:limit]
            for left, right in zip(found, more, strict=True)
        ]

    def entries_in(self, regions: frozenset[str], sector: Iterable[str]) -> set[str]:
        """Entry ids of subjects in one of `regions` (if any) with every industry token."""
        sector = list(sector)
        found = self._base.entries_in(regions, sector) - self._hidden
        if self._extra is not None:
            found |= self._extra.entries_in(regions, sector)
        return found


def _file_position(file: IndexFile, entry_id: str) -> int | None:
    """The position of the entry's record in the file (filed in entry id order), if any."""
    low, high = 0, file.count
    while low < high:
        middle = (low + high) // 2
        if file.record(middle).listed.entry_id < entry_id:
            low = middle + 1
        else:
            high = middle
    if low < file.count and file.record(low).listed.entry_id == entry_id:
        return low
    return None


def _listed_names(state: ListState, entries: Iterable[EntryState]) -> list[ListedName]:
    return [_listed_name(e, state.identifiers.get(e.entry_id, [])) for e in entries]


def match_index(state: ListState, shared: SharedIndex | None = None) -> StateIndex:
    """The screening index of `state`: over the shared file if there is one, else in memory."""
    file = shared.current() if shared is not None else None
    index = state.derived.get(DERIVED_KEY)
    if not isinstance(index, StateIndex) or index.file is not file:
        index = _carried(state, file)
        if index is None:
            index = StateIndex.over_file(state, file) if file else StateIndex.in_memory(state)
        state.derived[DERIVED_KEY] = index
    return index


def _carried(state: ListState, file: IndexFile | None) -> StateIndex | None:
    """The index of the state `state` was moved from, over the same file, carried over."""
    origin = state.origin
    base = origin.base() if origin is not None and file is not None else None
    kept = base.derived.get(DERIVED_KEY) if base is not None else None
    if origin is None or not isinstance(kept, StateIndex) or kept.file is not file:
        return None
    return kept.moved(state, origin.changed)
