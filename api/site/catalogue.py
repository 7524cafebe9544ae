"""Every public entry in memory, with the name index, built once per state of the public list.

Search, facets, totals and statistics all read the same snapshot: the catalogue of the read
model's current list state (registry.publication.public_view), kept with that state, so it is
rebuilt exactly when what is public changes, and says what the API and screening say.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter

from flask import current_app

from api.public_view import list_states, public_now, screening_index
from api.site.name_index import NameIndex
from api.site.search_table import Row, SearchTable, newest_first_position, row_order
from registry.errors import ScreeningIndexPending
from registry.layered import moved_from
from registry.publication.as_of import ListState
from registry.publication.public_view import PublicEntry
from registry.screening.matching.index_file import IndexFile
from runtime.extensions import db

# What whole passes over the rows read, as C-level getters (a million rows each pass).
ROW_ENTRY = attrgetter("entry")
ORDER = attrgetter("order")
ROW_LISTED = attrgetter("listed")
ROW_SEARCHABLE = attrgetter("searchable")

CATALOGUE = "site.catalogue"
LAST_CATALOGUE = "site.last_catalogue"
# Beyond this many entries changed since the last catalogue, its rows are compared whole.
MOVED_AT_MOST = 100_000
# Up to this many places changed, a moved catalogue's order is edited in a copy of the list.
EDITED_IN_PLACE = 64
_rebuilding = threading.Lock()


@dataclass(frozen=True)
class Totals:
    """How many entries are listed now, and how many were removed."""

    listed: int
    removed: int


@dataclass(frozen=True)
class Catalogue:
    """A consistent snapshot of every entry shown publicly, newest listing first.

    Entries removed in error are not in it: the read model leaves them out of every listing.
    """

    state: ListState
    # Every entry of the state as a row (search_table.Row), by entry id, and the shown ones
    # in catalogue order: the next list state's catalogue takes over the unchanged ones.
    rows: Mapping[str, Row] = field(repr=False)
    ordered: tuple[Row, ...] = field(repr=False)
    # What searches and filters read of each searchable entry (search_table.py).
    table: SearchTable = field(repr=False)
    # The names of the list, searched as screening searches them; None while the screening
    # index of a list larger than a worker indexes in memory is first being written, and
    # `names_behind` while the names are those of the index file's earlier list state
    # (SharedIndex.screening_size): a run's new entries are not found by name until then.
    names: NameIndex | None
    names_behind: bool = False
    index_file: IndexFile | None = None
    # When advanced from the previous catalogue: its state (held weakly) and the rows that
    # left and came in, from which the statistics move (api/site/statistics.py).
    moved_from: weakref.ReferenceType[ListState] | None = field(default=None, repr=False)
    gone: tuple[Row, ...] = field(default=(), repr=False)
    new: tuple[Row, ...] = field(default=(), repr=False)

    @cached_property
    def all_entries(self) -> tuple[PublicEntry, ...]:
        """Every shown entry, newest listing first."""
        return tuple(map(ROW_ENTRY, self.ordered))

    @cached_property
    def by_id(self) -> dict[str, PublicEntry]:
        """Every shown entry by id."""
        ids = map(itemgetter(1), map(ORDER, self.ordered))  # (listed on, entry id)
        return dict(zip(ids, map(ROW_ENTRY, self.ordered), strict=True))

    @cached_property
    def counts(self) -> Totals:
        """Counts of listed and removed entries, worked out once (or moved, `current_catalogue`)."""
        listed = sum(map(ROW_LISTED, self.ordered))
        return Totals(listed=listed, removed=len(self.ordered) - listed)

    def find(self, entry_id: str) -> PublicEntry | None:
        """The entry with this id, or None."""
        return self.by_id.get(entry_id)

    def totals(self) -> Totals:
        """Counts of listed and removed entries."""
        return self.counts


def current_catalogue() -> Catalogue:
    """The catalogue of what is public now, built once per list state.

    Built from the last catalogue this app built when it is of the same day: the rows of
    entries whose state did not change are taken over, and only the others worked out.
    """
    state = public_now()
    cached = state.derived.get(CATALOGUE)
    if isinstance(cached, Catalogue) and _current(cached):
        return cached
    with _rebuilding:
        cached = state.derived.get(CATALOGUE)
        if isinstance(cached, Catalogue) and _current(cached):
            return cached  # another thread built it while this one waited
        previous = current_app.extensions.get(LAST_CATALOGUE)
        built = catalogue_rows(state, previous)
        names, behind = _names(state)
        catalogue = Catalogue(
            state,
            built.rows,
            built.ordered,
            built.table(previous),
            names,
            names_behind=behind,
            index_file=screening_index().current(),
            moved_from=weakref.ref(previous.state) if previous and built.advanced else None,
            gone=tuple(built.gone) if built.advanced else (),
            new=tuple(built.new) if built.advanced else (),
        )
        if previous is not None and built.advanced:
            catalogue.__dict__["counts"] = _moved_counts(previous.counts, built.gone, built.new)
        state.derived[CATALOGUE] = catalogue
        current_app.extensions[LAST_CATALOGUE] = catalogue
    return catalogue


def _moved_counts(counts: Totals, gone: Iterable[Row], new: Iterable[Row]) -> Totals:
    """`counts` less the shown rows that left, plus those that came in."""
    listed, removed = counts.listed, counts.removed
    for sign, rows in ((-1, gone), (1, new)):
        for row in rows:
            if row.shown:
                listed += sign * row.listed
                removed += sign * (not row.listed)
    return Totals(listed=listed, removed=removed)


@dataclass(frozen=True)
class Rows:
    """The rows of a list state, and how they differ from those of the previous catalogue."""

    rows: Mapping[str, Row]
    ordered: tuple[Row, ...]
    gone: list[Row]  # rows of the previous catalogue whose entry changed
    new: list[Row]  # rows worked out for this state
    advanced: bool  # taken over from the previous catalogue

    def table(self, previous: Catalogue | None) -> SearchTable:
        """The search table of the searchable rows, advanced from `previous`'s when it can be."""
        searchable: Sequence[Row]
        if (
            previous is not None
            and self.advanced
            and previous.table.rows is previous.ordered
            and all(row.searchable for row in self.new if row.shown)
        ):
            searchable = self.ordered  # every row was searchable, and every new one is
        else:
            searchable = list(filter(ROW_SEARCHABLE, self.ordered))
            if len(searchable) == len(self.ordered):
                # The table then holds the catalogue's own tuple, which the next state's
                # table can take as it is instead of going through a million rows again.
                searchable = self.ordered
        # After a purge the state is replayed whole and every row is new: built in one pass.
        if previous is None or not self.advanced or 2 * len(self.gone) > len(self.rows):
            return SearchTable(searchable, self.rows)
        return SearchTable.advanced(previous.table, searchable, self.rows, self.gone, self.new)


def catalogue_rows(state: ListState, previous: Catalogue | None = None) -> Rows:
    """Every entry of `state` as a row, and the shown ones in catalogue order.

    Rows of `previous` (a catalogue of the same day) are taken over for the entries whose
    state is the same object (`as_of.moved` shares them), and kept in their order; the
    others are worked out and merged in. When `state` was moved from `previous`'s own state,
    directly or through states no page was asked for, only the entries read again on the way
    are looked at (`ListState.moved_since`).
    """
    same_day = previous is not None and previous.state.day == state.day
    if previous is not None and same_day:
        # Through any states between that no page was asked for.
        nearest = state.moved_since(lambda base: base is previous.state, MOVED_AT_MOST)
        if nearest is not None:
            return _moved_rows(state, previous, nearest[1])
    kept = previous.rows if previous is not None and same_day else {}
    rows: dict[str, Row] = {}
    fresh: list[Row] = []
    gone: list[Row] = []
    for entry_id, entry_state in state.entries.items():
        row = kept.get(entry_id)
        if row is None or row.entry.state is not entry_state:
            if row is not None:
                gone.append(row)
            row = Row.of(PublicEntry(entry_state, state.day))
            fresh.append(row)
        rows[entry_id] = row
    fresh_shown = sorted((row for row in fresh if row.shown), key=row_order, reverse=True)
    if previous is None or not same_day:
        return Rows(rows, tuple(fresh_shown), gone, fresh, advanced=False)
    unchanged = [row for row in previous.ordered if rows.get(row.order[1]) is row]
    # Two runs in order: the sort merges them in linear time.
    ordered = tuple(sorted(unchanged + fresh_shown, key=row_order, reverse=True))
    return Rows(rows, ordered, gone, fresh, advanced=True)


def _moved_rows(state: ListState, previous: Catalogue, changed: Iterable[str]) -> Rows:
    """`catalogue_rows` for a state moved from `previous`'s, in which only `changed` entries
    differ: their rows are worked out and placed by bisection; the rest is taken over."""
    rows = moved_from(previous.rows)  # read through the previous rows, holding the changed
    gone: list[Row] = []
    fresh: list[Row] = []
    for entry_id in changed:
        before = rows.pop(entry_id, None)
        entry_state = state.entries.get(entry_id)
        if before is not None and before.entry.state is entry_state:
            rows[entry_id] = before
            continue
        if before is not None:
            gone.append(before)
        if entry_state is not None:
            rows[entry_id] = row = Row.of(PublicEntry(entry_state, state.day))
            fresh.append(row)
    ordered = _reordered(
        previous.ordered,
        [row for row in gone if row.shown],
        [row for row in fresh if row.shown],
    )
    return Rows(rows, ordered, gone, fresh, advanced=True)


def _reordered(
    ordered: tuple[Row, ...], leaving: Iterable[Row], arriving: Iterable[Row]
) -> tuple[Row, ...]:
    """`ordered` (largest order first) without the rows `leaving`, with the rows `arriving`.

    Each change is placed by bisection. A few are made in a copy; more are copied in slices
    between the changes, since each deletion or insertion in a list moves its tail (about
    0.5 ms at 1M). Reversing the order each way cost 67 ms at 1M.
    """
    dropped: set[int] = set()
    for row in leaving:
        position = newest_first_position(ordered, row.order)
        assert ordered[position] is row, row.order
        dropped.add(position)
    # A row goes before the row at its position: the first whose order is at most its own.
    placed: dict[int, list[Row]] = {}
    for row in sorted(arriving, key=row_order, reverse=True):
        placed.setdefault(newest_first_position(ordered, row.order), []).append(row)
    changed = sorted(dropped | placed.keys())
    if len(changed) <= EDITED_IN_PLACE:
        # A few changes: a copy edited from the end, so the positions stay those of `ordered`.
        edited = list(ordered)
        for position in reversed(changed):
            if position in dropped:
                del edited[position]
            edited[position:position] = placed.get(position, ())
        return tuple(edited)
    moved: list[Row] = []
    start = 0
    for position in changed:
        moved += ordered[start:position]
        moved += placed.get(position, ())
        start = position + 1 if position in dropped else position
    moved += ordered[start:]
    return tuple(moved)


def _current(catalogue: Catalogue) -> bool:
    # Names taken from an earlier list state, or none yet, wait for the next index file.
    return not catalogue.names_behind or catalogue.index_file is screening_index().current()


def _names(state: ListState) -> tuple[NameIndex | None, bool]:
    """The name index of `state`, or of the index file's list state while the file lags far.

    As for name screening (api/screening_api/context.py: `screening_checkpoint`), no worker
    indexes more than `REGISTRY_SCREENING_INDEX_MAX_LAG` entries in memory.
    """
    shared = screening_index()
    most = current_app.config["SCREENING_INDEX_MAX_LAG"]
    try:
        size = shared.screening_size(db.session(), state.tree_size, most)
    except ScreeningIndexPending:
        return None, True
    if size == state.tree_size:
        return NameIndex(state, shared), False
    return NameIndex(list_states().get(db.session(), size, state.day), shared), True
