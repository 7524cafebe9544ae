"""The screening index: listed subjects parsed once, screened by name and by identifier.

A query's candidates come from blocking (registry.matching.blocking) and from an exact lookup
of its identifiers; only those are scored (registry.matching.score).
"""

from __future__ import annotations

import gc
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import partial

import numpy as np

from registry.errors import InvalidValue
from registry.screening.matching.blocking import (
    NO_PLACE_KEY,
    Blocker,
    DictPostings,
    Postings,
    every_key,
    identifier_posting_key,
    places_keyed,
    query_place_keys,
)
from registry.screening.matching.index_file import IndexFile, MappedPostings, MappedRecords
from registry.screening.matching.records import ListedName, ScreeningQuery
from registry.screening.matching.score import (
    IndexedRecord,
    PreparedQuery,
    ScreeningMatch,
    score_record,
)
from registry.screening.matching.similarity import OTHER_PLACE_CEILING

# Chosen on the benchmark set (python -m bench.screening): recall >= 0.97 and a false-positive
# rate <= 0.01 there, with room on both sides (0.75 to 0.82 would also pass).
DEFAULT_THRESHOLD = 0.8
DEFAULT_LIMIT = 10


def _check_screen_options(threshold: float, limit: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidValue("threshold", "must be a number between 0 and 1")
    if not 0.0 <= threshold <= 1.0:
        raise InvalidValue(
            "threshold",
            "must be between 0 and 1, got %(threshold)s",
            threshold=threshold,
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidValue("limit", "must be a whole number of at least 1")


def _parse_all(listed: Iterable[ListedName]) -> list[IndexedRecord]:
    records: list[IndexedRecord] = []
    seen: set[str] = set()
    for position, item in enumerate(listed):
        if not isinstance(item, ListedName):
            raise InvalidValue(f"records[{position}]", "must be a ListedName")
        if item.entry_id in seen:
            raise InvalidValue(
                f"records[{position}].entry_id",
                "%(entry_id)s is listed twice",
                entry_id=item.entry_id,
            )
        seen.add(item.entry_id)
        records.append(IndexedRecord.from_listed(item))
    return records


class MatchIndex:
    """Listed subjects, indexed for fast fuzzy screening by name and exact lookup by identifier.

    The records and key tables are held in memory (`build`) or mapped from an index file
    (`from_file`, registry.screening.matching.index_file); both answer alike.
    """

    def __init__(self, records: Sequence[IndexedRecord], postings: Postings) -> None:
        self._records = records
        self._postings = postings
        self._blocker = Blocker(postings, len(records))

    @classmethod
    def build(cls, listed: Iterable[ListedName]) -> MatchIndex:
        """Parse and index listed subjects; entry ids must be unique."""
        # Building creates millions of long-lived objects, which the cyclic garbage collector
        # would rescan again and again; pausing it halves the build time.
        collecting = gc.isenabled()
        gc.disable()
        try:
            records = _parse_all(listed)
            postings: defaultdict[str, array[int]] = defaultdict(partial(array, "i"))
            for position, record in enumerate(records):
                for key in every_key(record):
                    postings[key].append(position)
            return cls(records, DictPostings(dict(postings)))
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def from_file(cls, file: IndexFile) -> MatchIndex:
        """The index of a mapped index file (records decoded as candidates need them)."""
        return cls(MappedRecords(file), MappedPostings(file))

    def __len__(self) -> int:
        return len(self._records)

    def entries_in(self, regions: frozenset[str], sector: Iterable[str]) -> set[str]:
        """Entry ids of subjects in one of `regions` (if any) with every industry token."""
        wanted = ["t" + token for token in set(sector)]
        place_keys_wanted = query_place_keys(regions)
        found = self._postings.get_many([*wanted, *place_keys_wanted])
        positions: set[int] | None = None
        if regions:
            positions = set().union(*(found.get(key, ()) for key in place_keys_wanted))
        for key in wanted:
            tokens = set(found.get(key, ()))
            positions = tokens if positions is None else positions & tokens
        if positions is None:
            positions = set(range(len(self._records)))
        return {self._records[position].listed.entry_id for position in positions}

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
        if (
            query.form is not None
            and query.form.regions
            and places_keyed(query.form.regions)
            and not query.identifiers
            and threshold > OTHER_PLACE_CEILING
        ):
            # Without an identifier to decide, a record whose every name holds another place
            # than the query name's scores below the threshold: it is not read or scored.
            positions = self._in_or_around(positions, query.form.regions)
        wanted = [identifier_posting_key(*identifier) for identifier in query.identifiers]
        for found in self._postings.get_many(wanted).values():
            positions.update(found)
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

    def _in_or_around(self, positions: set[int], regions: frozenset[str]) -> set[int]:
        """Those of `positions` whose records hold a place in or around `regions`, or none.

        Found from the place keys' positions (each list sorted), without reading a record.
        """
        if not positions:
            return positions
        candidates = np.array(sorted(positions), dtype=np.int32)
        kept = np.zeros(len(candidates), dtype=bool)
        keys = [*query_place_keys(regions), NO_PLACE_KEY]
        for found in self._postings.get_many(keys).values():
            listed = np.frombuffer(found, dtype=np.int32)  # type: ignore[call-overload]
            where = np.searchsorted(listed, candidates).clip(max=len(listed) - 1)
            kept |= listed[where] == candidates
        return set(candidates[kept].tolist())
