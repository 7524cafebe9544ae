"""The screening index: listed subjects parsed once, screened by name and by identifier.

A query's candidates come from blocking (registry.matching.blocking) and from an exact lookup
of its identifiers; only those are scored (registry.matching.score).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from registry.errors import InvalidValue
from registry.screening.matching.blocking import Blocker
from registry.screening.matching.records import ListedName, ScreeningQuery
from registry.screening.matching.regions import codes_compatible
from registry.screening.matching.score import (
    IndexedRecord,
    PreparedQuery,
    ScreeningMatch,
    score_record,
)

# Chosen on the benchmark set (python -m bench.screening): recall >= 0.97 and a false-positive
# rate <= 0.01 there, with room on both sides (0.75 to 0.82 would also pass).
DEFAULT_THRESHOLD = 0.8
DEFAULT_LIMIT = 10


def _check_screen_options(threshold: float, limit: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidValue("threshold", "must be a number between 0 and 1")
    if not 0.0 <= threshold <= 1.0:
        raise InvalidValue("threshold", f"must be between 0 and 1, got {threshold}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidValue("limit", "must be a whole number of at least 1")


def _parse_all(listed: Iterable[ListedName]) -> list[IndexedRecord]:
    records: list[IndexedRecord] = []
    seen: set[str] = set()
    for position, item in enumerate(listed):
        if not isinstance(item, ListedName):
            raise InvalidValue(f"records[{position}]", "must be a ListedName")
        if item.entry_id in seen:
            raise InvalidValue(f"records[{position}].entry_id", f"{item.entry_id} is listed twice")
        seen.add(item.entry_id)
        records.append(IndexedRecord.from_listed(item))
    return records


class MatchIndex:
    """Listed subjects, indexed for fast fuzzy screening by name and exact lookup by identifier."""

    def __init__(self, records: Sequence[IndexedRecord], blocker: Blocker) -> None:
        self._records = records
        self._blocker = blocker
        self._identifiers: dict[tuple[str, str], list[int]] = {}
        for position, record in enumerate(records):
            for identifier in record.identifiers:
                self._identifiers.setdefault(identifier, []).append(position)

    @classmethod
    def build(cls, listed: Iterable[ListedName]) -> MatchIndex:
        """Parse and index listed subjects; entry ids must be unique."""
        # Building creates millions of long-lived objects, which the cyclic garbage collector
        # would rescan again and again; pausing it halves the build time.
        collecting = gc.isenabled()
        gc.disable()
        try:
            records = _parse_all(listed)
            return cls(records, Blocker.build(records))
        finally:
            if collecting:
                gc.enable()

    def __len__(self) -> int:
        return len(self._records)

    def entries_in(self, regions: frozenset[str], sector: Iterable[str]) -> set[str]:
        """Entry ids of subjects in one of `regions` (if any) with every industry token."""
        wanted = set(sector)
        found = set()
        for record in self._records:
            places = frozenset().union(*(form.regions for _, _, form in record.forms))
            if regions and not (places and codes_compatible(regions, places)):
                continue
            tokens = set().union(*(form.sector for _, _, form in record.forms))
            if wanted <= tokens:
                found.add(record.listed.entry_id)
        return found

    def screen(
        self,
        query: ScreeningQuery,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        exclude_entry_ids: Iterable[str] = (),
    ) -> list[ScreeningMatch]:
        """Listed subjects scoring at least `threshold` for the query, best first."""
        _check_screen_options(threshold, limit)
        return self._screen(PreparedQuery.prepare(query), threshold, limit, set(exclude_entry_ids))

    def screen_many(
        self,
        queries: Iterable[ScreeningQuery],
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        exclude_entry_ids: Iterable[str] = (),
    ) -> list[list[ScreeningMatch]]:
        """Screen a batch of queries; one result list per query, in order."""
        _check_screen_options(threshold, limit)
        excluded = set(exclude_entry_ids)
        return [
            self._screen(PreparedQuery.prepare(query), threshold, limit, excluded)
            for query in queries
        ]

    def _screen(
        self, query: PreparedQuery, threshold: float, limit: int, excluded: set[str]
    ) -> list[ScreeningMatch]:
        positions = set(self._blocker.candidates(query.form)) if query.form else set()
        for identifier in query.identifiers:
            positions.update(self._identifiers.get(identifier, ()))
        matches = []
        for position in positions:
            record = self._records[position]
            if record.listed.entry_id in excluded:
                continue
            match = score_record(query, record, threshold)
            if match is not None:
                matches.append(match)
        matches.sort(key=lambda match: (-match.score, match.entry_id))
        return matches[:limit]
