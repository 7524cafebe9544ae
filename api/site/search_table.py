"""What the site's search and filters read of each shown entry, worked out once per list state.

A search used to read every entry's content for every request: its status, sectors, deciding
authority, listing year, codes and masked ID numbers. The table below holds those facts once
per catalogue, by position in the catalogue's order (newest listing first), so a request costs
what it finds: a code or a masked number is a dictionary look-up, a filter one comparison of a
column of small integers in C (`Columns`), and only the page shown becomes result rows.

A new list state changes a few rows, so the next table is moved from the last one: its codes
read through the last table's, its columns are the last ones with the changed rows' positions
taken out and put in, and an entry's position is found by bisection in the catalogue's order
rather than held in a dictionary of every entry.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

from api.site.redaction import compact
from registry.columns import Column, Names, frozen, moved
from registry.layered import moved_from
from registry.models import SECTOR_BITS
from registry.publication.public_view import PublicEntry

LISTED = "listed"
REMOVED = "removed"
# About how many rows of the spreadsheet download are compressed together (spreadsheet.py).
SEGMENT_ROWS = 1024
assert len(SECTOR_BITS) <= 16, "sectors are held in 16 bits (Columns.sectors)"
NO_YEAR = -1  # the year column of a row listed on no day
# How many filter combinations a table keeps the answer of (a boolean per row each).
KEPT_FILTERS = 8
_YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Facets:
    """The values the filters offer, taken from the entries that are still public."""

    authorities: list[str]
    years: list[str]


def entry_identifiers(entry: PublicEntry) -> list[dict[str, Any]]:
    """The identifiers the entry published (masked where personal)."""
    subject = (entry.content or {}).get("subject") or {}
    return [i for i in subject.get("identifiers") or [] if isinstance(i, dict)]


def entry_codes(entry: PublicEntry) -> set[str]:
    """Every code an entry can be found by exactly: identifiers, patents, document numbers."""
    content = entry.content or {}
    values: Iterable[Any] = [
        *(identifier.get("value") for identifier in entry_identifiers(entry)),
        *(patent for case in content.get("basis") or [] for patent in case.get("patents") or []),
        *(case.get("document_number") for case in content.get("basis") or []),
        (content.get("decision") or {}).get("document_number"),
    ]
    return {compact(str(value)) for value in values if value}


def masked_id_key(value: str) -> tuple[str, str]:
    """What a masked ID number shows and a search compares: its first and last four characters."""
    return value[:4], value[-4:]


@dataclass(frozen=True)
class Row:
    """One entry of a list state as the site shows and searches it, worked out once.

    A row depends only on the entry's state and the day, so a catalogue built for the next
    list state of the same day takes over the rows of every entry whose state it shares.
    """

    entry: PublicEntry
    order: tuple[str, str]  # (listed_on, entry id): the catalogue lists the largest first
    listed: bool
    shown: bool  # not removed as listed in error
    searchable: bool  # content not purged
    sectors: frozenset[str]
    authority: str
    codes: frozenset[str]
    masked_ids: frozenset[tuple[str, str]]
    # Whether the spreadsheet download holds the entry (listed, content not purged), whether
    # its compressed segment ends after this entry (its id's hash; api/site/spreadsheet.py),
    # and its line there by language, written on the first download: rows are shared by the
    # next state's catalogue.
    in_spreadsheet: bool = field(default=False, compare=False, repr=False)
    segment_end: bool = field(default=False, compare=False, repr=False)
    csv_lines: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # The listing year (NO_YEAR when none) and the sectors as the filters' columns hold them.
    year_number: int = field(default=NO_YEAR, compare=False, repr=False)
    sector_bits: int = field(default=0, compare=False, repr=False)

    @classmethod
    def of(cls, entry: PublicEntry) -> Row:
        """The row of `entry`."""
        content = entry.content or {}
        listed_on = str(content.get("listed_on") or "")
        sectors = frozenset(content.get("sectors") or [])
        return cls(
            entry=entry,
            order=(listed_on, entry.entry_id),
            listed=entry.listed,
            shown=not entry.removed_in_error,
            searchable=not entry.purged,
            sectors=sectors,
            authority=(content.get("decision") or {}).get("authority") or "",
            codes=frozenset(entry_codes(entry)),
            masked_ids=frozenset(
                masked_id_key(compact(str(identifier.get("value") or "")))
                for identifier in entry_identifiers(entry)
                if identifier.get("scheme") == "cn_ric"
            ),
            in_spreadsheet=entry.listed and entry.content is not None,
            segment_end=zlib.crc32(entry.entry_id.encode()) % SEGMENT_ROWS == 0,
            year_number=int(listed_on[:4]) if _YEAR.fullmatch(listed_on[:4]) else NO_YEAR,
            sector_bits=sum(SECTOR_BITS.get(sector, 0) for sector in sectors),
        )


def row_order(row: Row) -> tuple[str, str]:
    """The key the catalogue sorts its rows by, largest first."""
    return row.order


def newest_first_position(rows: Sequence[Row], order: tuple[str, str]) -> int:
    """The first position in `rows` (largest order first) whose row's order is at most
    `order`: where a row of that order is, or goes."""
    low, high = 0, len(rows)
    while low < high:
        middle = (low + high) // 2
        if rows[middle].order > order:
            low = middle + 1
        else:
            high = middle
    return low


Code = str | tuple[str, str]
"""A compacted code, or the first and last four characters of a masked ID number."""


def _codes_of(row: Row) -> Iterable[Code]:
    yield from row.codes
    yield from row.masked_ids


def _indexed(row: Row) -> bool:
    return row.shown and row.searchable


# What whole passes over the rows read, as C-level getters (a million rows each pass).
_ROW_LISTED = attrgetter("listed")
_ROW_YEAR = attrgetter("year_number")
_ROW_SECTORS = attrgetter("sector_bits")
_ROW_AUTHORITY = attrgetter("authority")


@dataclass(frozen=True)
class Columns:
    """The facts the filters compare, one array per fact, in the table's order.

    A filter is one comparison of a whole column in C (about a millisecond at a million
    rows) instead of a Python test of every row (registry/columns.py).
    """

    listed: Column  # bool
    year: Column  # int16; NO_YEAR where the row has no listing day
    sectors: Column  # uint16; bits of SECTOR_BITS
    authority: Column  # int32; the number of the row's authority in `authorities`
    authorities: Names

    @classmethod
    def of(cls, rows: Sequence[Row]) -> Columns:
        """The columns of `rows`, read in one pass each."""
        count = len(rows)
        authorities = Names.of(map(_ROW_AUTHORITY, rows))
        return cls(
            frozen(np.fromiter(map(_ROW_LISTED, rows), np.bool_, count)),
            frozen(np.fromiter(map(_ROW_YEAR, rows), np.int16, count)),
            frozen(np.fromiter(map(_ROW_SECTORS, rows), np.uint16, count)),
            authorities.column(map(_ROW_AUTHORITY, rows), count),
            authorities,
        )

    def moved(self, removed: Sequence[int], added: Sequence[tuple[int, Row]]) -> Columns:
        """These columns without the rows at the positions `removed`, and with the rows
        `added` at theirs; `added` is in order of its positions, which are those of the
        moved columns."""
        if not removed and not added:
            return self
        at = [position for position, _ in added]
        rows = [row for _, row in added]
        authorities = self.authorities.extended(map(_ROW_AUTHORITY, rows))
        numbers = map(authorities.number.__getitem__, map(_ROW_AUTHORITY, rows))
        return Columns(
            moved(self.listed, removed, at, map(_ROW_LISTED, rows)),
            moved(self.year, removed, at, map(_ROW_YEAR, rows)),
            moved(self.sectors, removed, at, map(_ROW_SECTORS, rows)),
            moved(self.authority, removed, at, numbers),
            authorities,
        )


class Allowed:
    """The positions a combination of filters lets through."""

    def __init__(self, mask: Column) -> None:
        self.mask = mask

    def __contains__(self, position: int) -> bool:
        return bool(self.mask[position])

    @cached_property
    def positions(self) -> Column:
        """The positions let through, in catalogue order."""
        return np.flatnonzero(self.mask).astype(np.int32)


class SearchTable:
    """The searchable entries in catalogue order, with the indexes a search request reads.

    Positions follow the catalogue's order, which a new entry shifts: an entry's position is
    found by bisection in `rows` from its row (`by_id`), the codes index entry ids, and the
    columns are moved by the rows that changed. A table advanced from the previous one
    (`advanced`) changes only the codes and columns of those rows. The columns are read on
    the table's first filter or facets when not moved, and a filter's answer on its first use.
    """

    def __init__(
        self,
        rows: Sequence[Row],
        by_id: Mapping[str, Row],
        codes: Mapping[Code, tuple[str, ...]] | None = None,
        columns: Columns | None = None,
    ) -> None:
        self.rows = tuple(rows)
        # Every row of the catalogue's state by entry id (searchable or not).
        self.by_id = by_id
        if codes is None:
            found: dict[Code, tuple[str, ...]] = {}
            for row in self.rows:
                if _indexed(row):
                    for code in _codes_of(row):
                        found[code] = (*found.get(code, ()), row.order[1])
            codes = found
        # Entry ids by code (compacted) and by masked ID number (first and last four).
        self.codes = codes
        self._columns = columns
        self._allowed: dict[tuple[str, str, str, str], Allowed] = {}
        self._lock = threading.Lock()

    @property
    def columns(self) -> Columns:
        """The filters' columns, read from every row the first time when not moved."""
        if self._columns is None:
            with self._lock:
                if self._columns is None:
                    self._columns = Columns.of(self.rows)
        return self._columns

    @cached_property
    def facets(self) -> Facets:
        """The values the filters offer."""
        columns = self.columns
        names = columns.authorities.names
        used = np.bincount(columns.authority, minlength=len(names)).tolist()
        authorities = sorted(name for name, rows in zip(names, used, strict=True) if rows and name)
        years = np.flatnonzero(np.bincount(columns.year.astype(np.int32) - NO_YEAR)) + NO_YEAR
        return Facets(authorities, [f"{year:04d}" for year in years.tolist()[::-1] if year >= 0])

    @classmethod
    def advanced(
        cls,
        previous: SearchTable,
        rows: Sequence[Row],
        by_id: Mapping[str, Row],
        gone: Iterable[Row],
        new: Iterable[Row],
    ) -> SearchTable:
        """The table of `rows`, which differ from `previous`'s by the rows `gone` and `new`."""
        gone = [row for row in gone if _indexed(row)]
        new = [row for row in new if _indexed(row)]
        # Read through the previous table's codes, holding only those that change.
        codes = moved_from(previous.codes)
        for row in gone:
            for code in _codes_of(row):
                left = tuple(e for e in codes.get(code, ()) if e != row.order[1])
                if left:
                    codes[code] = left
                else:
                    codes.pop(code, None)
        for row in new:
            for code in _codes_of(row):
                codes[code] = (*codes.get(code, ()), row.order[1])
        table = cls(rows, by_id, codes)
        if previous._columns is not None:
            removed = sorted(previous._place(row) for row in gone)
            added = sorted(((table._place(row), row) for row in new), key=itemgetter(0))
            table._columns = previous._columns.moved(removed, added)
        # The site searches the newest state: the last one's answers (a boolean per row each,
        # and their positions) are let go rather than kept as long as its state is.
        with previous._lock:
            previous._allowed.clear()
        return table

    def _position_of_row(self, row: Row) -> int | None:
        position = newest_first_position(self.rows, row.order)
        if position < len(self.rows) and self.rows[position] is row:
            return position
        return None

    def _place(self, row: Row) -> int:
        """The position of a row the table holds."""
        position = self._position_of_row(row)
        assert position is not None, row.order
        return position

    def __len__(self) -> int:
        return len(self.rows)

    def entry_at(self, position: int) -> PublicEntry:
        """The searchable entry at `position`."""
        return self.rows[position].entry

    def position_of(self, entry_id: str) -> int | None:
        """The position of the searchable entry with this id, or None."""
        row = self.by_id.get(entry_id)
        return None if row is None or not _indexed(row) else self._position_of_row(row)

    def found_by(self, code: Code) -> list[int]:
        """Positions of the entries found by a code, in catalogue order."""
        found = map(self.position_of, self.codes.get(code, ()))
        return sorted(position for position in found if position is not None)

    def allowed(
        self, status: str = "all", sector: str = "", authority: str = "", year: str = ""
    ) -> Allowed | None:
        """Positions passing every filter given; None when no filter is given (every one)."""
        key = (status, sector, authority, year)
        if key == ("all", "", "", ""):
            return None
        kept = self._allowed.get(key)
        if kept is not None:
            return kept
        columns = self.columns
        mask = np.full(len(self.rows), status in ("all", LISTED, REMOVED))
        if status == LISTED:
            mask &= columns.listed
        elif status == REMOVED:
            mask &= ~columns.listed
        if sector:
            mask &= (columns.sectors & SECTOR_BITS.get(sector, 0)) != 0
        if authority:
            mask &= columns.authority == columns.authorities.number.get(authority, -1)
        if year:
            mask &= columns.year == (int(year) if _YEAR.fullmatch(year) else NO_YEAR - 1)
        found = Allowed(frozen(mask))
        with self._lock:
            while len(self._allowed) >= KEPT_FILTERS:
                del self._allowed[next(iter(self._allowed))]
            self._allowed[key] = found
        return found

    def within(self, positions: Iterable[int], allowed: Allowed | None) -> list[int]:
        """`positions` (in catalogue order) that pass the filters."""
        if allowed is None:
            return list(positions)
        return [position for position in positions if position in allowed]

    def shown(self, entry_id: str) -> PublicEntry | None:
        """The searchable entry with this id, or None."""
        position = self.position_of(entry_id)
        return None if position is None else self.entry_at(position)
