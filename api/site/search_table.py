"""What the site's search and filters read of each shown entry, worked out once per list state.

A search used to read every entry's content for every request: its status, sectors, deciding
authority, listing year, codes and masked ID numbers. The table below holds those facts once
per catalogue, as positions in the catalogue's order (newest listing first), so a request
costs what it finds, not the size of the list: a filter is a set of positions, a code or a
masked number a dictionary look-up, and only the page shown becomes result rows.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter, itemgetter
from typing import Any

from api.site.redaction import compact
from registry.layered import moved_from
from registry.publication.public_view import PublicEntry

LISTED = "listed"
REMOVED = "removed"
# About how many rows of the spreadsheet download are compressed together (spreadsheet.py).
SEGMENT_ROWS = 1024


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
    year: str
    codes: frozenset[str]
    masked_ids: frozenset[tuple[str, str]]
    # Whether the spreadsheet download holds the entry (listed, content not purged), whether
    # its compressed segment ends after this entry (its id's hash; api/site/spreadsheet.py),
    # and its line there by language, written on the first download: rows are shared by the
    # next state's catalogue.
    in_spreadsheet: bool = field(default=False, compare=False, repr=False)
    segment_end: bool = field(default=False, compare=False, repr=False)
    csv_lines: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, entry: PublicEntry) -> Row:
        """The row of `entry`."""
        content = entry.content or {}
        listed_on = str(content.get("listed_on") or "")
        return cls(
            entry=entry,
            order=(listed_on, entry.entry_id),
            listed=entry.listed,
            shown=not entry.removed_in_error,
            searchable=not entry.purged,
            sectors=frozenset(content.get("sectors") or []),
            authority=(content.get("decision") or {}).get("authority") or "",
            year=listed_on[:4],
            codes=frozenset(entry_codes(entry)),
            masked_ids=frozenset(
                masked_id_key(compact(str(identifier.get("value") or "")))
                for identifier in entry_identifiers(entry)
                if identifier.get("scheme") == "cn_ric"
            ),
            in_spreadsheet=entry.listed and entry.content is not None,
            segment_end=zlib.crc32(entry.entry_id.encode()) % SEGMENT_ROWS == 0,
        )


def row_order(row: Row) -> tuple[str, str]:
    """The key the catalogue sorts its rows by, largest first."""
    return row.order


Code = str | tuple[str, str]
"""A compacted code, or the first and last four characters of a masked ID number."""


def _codes_of(row: Row) -> Iterable[Code]:
    yield from row.codes
    yield from row.masked_ids


def _indexed(row: Row) -> bool:
    return row.shown and row.searchable


class SearchTable:
    """The searchable entries in catalogue order, with the indexes a search request reads.

    Positions follow the catalogue's order, which a new entry shifts, so the position of
    each entry is worked out per table; the codes index entry ids instead, and a table
    advanced from the previous one (`advanced`) changes only the codes of the rows that
    changed. Positions, entries and facets are worked out on the table's first search, and
    a filter's positions on its first use, once per value.
    """

    def __init__(
        self, rows: Sequence[Row], codes: Mapping[Code, tuple[str, ...]] | None = None
    ) -> None:
        self.rows = tuple(rows)
        if codes is None:
            found: dict[Code, tuple[str, ...]] = {}
            for row in self.rows:
                for code in _codes_of(row):
                    found[code] = (*found.get(code, ()), row.order[1])
            codes = found
        # Entry ids by code (compacted) and by masked ID number (first and last four).
        self.codes = codes
        self._filters: dict[tuple[str, str], frozenset[int]] = {}
        self._lock = threading.Lock()

    # Worked out on the first search of the state, not with the catalogue: the home page and
    # the statistics of a new state read none of them. Whole passes over a million rows, so
    # through C-level getters rather than Python loops.
    @cached_property
    def entries(self) -> tuple[PublicEntry, ...]:
        """The searchable entries in catalogue order."""
        return tuple(map(attrgetter("entry"), self.rows))

    @cached_property
    def position(self) -> dict[str, int]:
        """Each searchable entry's position, by entry id."""
        ids = map(itemgetter(1), map(attrgetter("order"), self.rows))
        return dict(zip(ids, range(len(self.rows)), strict=True))

    @cached_property
    def facets(self) -> Facets:
        """The values the filters offer."""
        return Facets(
            sorted(set(map(attrgetter("authority"), self.rows)) - {""}),
            sorted(set(map(attrgetter("year"), self.rows)) - {""}, reverse=True),
        )

    @classmethod
    def advanced(
        cls,
        previous: SearchTable,
        rows: Sequence[Row],
        gone: Iterable[Row],
        new: Iterable[Row],
    ) -> SearchTable:
        """The table of `rows`, whose codes differ from `previous` by the rows `gone` and `new`."""
        # Read through the previous table's codes, holding only those that change.
        codes = moved_from(previous.codes)
        for row in gone:
            if _indexed(row):
                for code in _codes_of(row):
                    left = tuple(e for e in codes.get(code, ()) if e != row.order[1])
                    if left:
                        codes[code] = left
                    else:
                        codes.pop(code, None)
        for row in new:
            if _indexed(row):
                for code in _codes_of(row):
                    codes[code] = (*codes.get(code, ()), row.order[1])
        return cls(rows, codes)

    def __len__(self) -> int:
        return len(self.entries)

    def found_by(self, code: Code) -> list[int]:
        """Positions of the entries found by a code, in catalogue order."""
        return sorted(self.position[e] for e in self.codes.get(code, ()) if e in self.position)

    def _filter(self, name: str, value: str) -> frozenset[int]:
        key = (name, value)
        found = self._filters.get(key)
        if found is None:
            rows = enumerate(self.rows)
            if name == "status":
                found = frozenset(i for i, row in rows if row.listed == (value == LISTED))
            elif name == "sector":
                found = frozenset(i for i, row in rows if value in row.sectors)
            elif name == "authority":
                found = frozenset(i for i, row in rows if row.authority == value)
            else:
                found = frozenset(i for i, row in rows if row.year == value)
            with self._lock:
                self._filters[key] = found
        return found

    def allowed(
        self, status: str = "all", sector: str = "", authority: str = "", year: str = ""
    ) -> set[int] | None:
        """Positions passing every filter given; None when no filter is given (every one)."""
        if status not in ("all", LISTED, REMOVED):
            return set()
        given = {
            "status": "" if status == "all" else status,
            "sector": sector,
            "authority": authority,
            "year": year,
        }
        chosen = [self._filter(name, value) for name, value in given.items() if value]
        if not chosen:
            return None
        smallest, *others = sorted(chosen, key=len)
        return set(smallest.intersection(*others))

    def within(self, positions: Iterable[int], allowed: set[int] | None) -> list[int]:
        """`positions` (in catalogue order) that pass the filters."""
        if allowed is None:
            return list(positions)
        return [position for position in positions if position in allowed]

    def shown(self, entry_id: str) -> PublicEntry | None:
        """The searchable entry with this id, or None."""
        position = self.position.get(entry_id)
        return None if position is None else self.entries[position]
