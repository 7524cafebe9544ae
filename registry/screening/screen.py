"""Identifier lookups and batch name screening against the list as of a day.

Lookups are answered here; a batch is validated here, answered by registry.screening.batch and
its matches shown and signed as `match_shown` and `match_signed` put them. Both answer from a
`ListState` of the public read model (registry.publication.public_view), replayed up to a
signed checkpoint that includes every committed event; the state and its matching index are
cached, so a batch of 1,000 queries costs one replay at most.
Answers carry only published data: a full resident ID number confirms a match but is never
given back, neither in a result nor in a receipt.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from registry.errors import InvalidValue
from registry.publication.as_of import (
    LISTED,
    PREVIOUSLY_LISTED,
    EntryState,
    ListState,
    lookup_key,
)
from registry.publication.public_view import PublicEntry
from registry.screening.matching import (
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    ScreeningMatch,
    ScreeningQuery,
)
from registry.subjects.identifiers import SCHEMES, Identifier, validate_identifier

MAX_QUERIES = 1000
MAX_LIMIT = 100
MAX_REF = 100
NOT_LISTED = "not_listed"
QUERY_FIELDS = frozenset({"name", "identifiers", "kind", "region", "ref"})


@dataclass(frozen=True)
class CheckpointRef:
    """The signed checkpoint an answer was computed from."""

    origin: str
    tree_size: int
    root: bytes

    def as_dict(self) -> dict[str, Any]:
        """The receipt's `checkpoint` object (root in standard base64)."""
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": base64.b64encode(self.root).decode("ascii"),
        }


def resolve_day(as_of: dt.date | None, today: dt.date) -> dt.date:
    """The day to answer for: `as_of` when given (never in the future), else today."""
    if as_of is None:
        return today
    if as_of > today:
        raise InvalidValue(
            "as_of",
            "%(as_of)s is in the future; the latest day is %(today)s",
            as_of=as_of,
            today=today,
        )
    return as_of


def _public_identifier(scheme: str, value: str, name: str | None = None) -> dict[str, str]:
    # The echo does not know whose identifier it is: an `other` value is masked like a person's.
    return Identifier(scheme, value, name).as_public_dict(natural_person=True)


def entry_summary(state: EntryState, day: dt.date) -> dict[str, Any]:
    """An entry's status on `day`, with its dates and end reason (published data only)."""
    entry = PublicEntry(state, day)
    removal = entry.removal
    listed_on, period_end = state.listed_on, state.period_end
    return {
        "entry_id": state.entry_id,
        "status": entry.screening_status,
        "revision": state.revision,
        "listed_on": listed_on.isoformat() if listed_on else None,
        "period_end": period_end.isoformat() if period_end else None,
        "ended_on": removal.ended_on.isoformat() if removal else None,
        "end_reason": removal.reason if removal else None,
    }


@dataclass(frozen=True)
class LookupAnswer:
    """An exact identifier lookup: listed, not listed or previously listed, and by which entries."""

    query: dict[str, str]
    answer: str
    entries: list[dict[str, Any]]
    # The identifier as validated (a personal one in full: never shown, never in a repr).
    identifier: Identifier | None = field(default=None, repr=False, compare=False)


def lookup(state: ListState, scheme: str, value: str, name: str | None = None) -> LookupAnswer:
    """Look an identifier up exactly; the answer never confuses an ended listing with a live one."""
    try:
        identifier = validate_identifier(scheme, value, name, field="identifier")
    except InvalidValue as error:
        raise error.at(error.field.removeprefix("identifier.")) from None
    key = lookup_key(identifier.scheme, identifier.value, identifier.name)
    found = [state.entries[entry_id] for entry_id in state.by_identifier.get(key, [])]
    entries = [entry_summary(entry, state.day) for entry in sorted(found, key=lambda e: e.entry_id)]
    statuses = {entry["status"] for entry in entries}
    answer = LISTED if LISTED in statuses else PREVIOUSLY_LISTED if statuses else NOT_LISTED
    shown = _public_identifier(identifier.scheme, identifier.value, identifier.name)
    return LookupAnswer(shown, answer, entries, identifier)


@dataclass(frozen=True)
class ScreenRequest:
    """A validated batch: queries (as the matcher takes them), client refs and options."""

    queries: tuple[ScreeningQuery, ...]
    refs: tuple[str | None, ...]
    threshold: float = DEFAULT_THRESHOLD
    limit: int = DEFAULT_LIMIT
    exclude_entry_ids: tuple[str, ...] = ()

    def public_queries(self) -> list[dict[str, Any]]:
        """The queries as a receipt may carry them: resident ID numbers masked."""
        shown = []
        for query, ref in zip(self.queries, self.refs, strict=True):
            item: dict[str, Any] = {"name": query.name}
            if query.identifiers:
                item["identifiers"] = [_public_identifier(s, v) for s, v in query.identifiers]
            for field_name, field_value in (
                ("kind", query.kind),
                ("region", query.region),
                ("ref", ref),
            ):
                if field_value is not None:
                    item[field_name] = field_value
            shown.append(item)
        return shown

    def parameters(self) -> dict[str, Any]:
        """The options a receipt records (the threshold as a decimal string: no floats)."""
        return {
            "threshold": f"{self.threshold:.4f}",
            "limit": self.limit,
            "exclude_entry_ids": sorted(self.exclude_entry_ids),
        }


def _query(raw: Mapping[str, Any], position: int) -> tuple[ScreeningQuery, str | None]:
    # `where` is spelt out only for an error: a batch of 1,000 valid queries never needs it.
    if not isinstance(raw, Mapping):
        raise InvalidValue(
            f"queries[{position}]", "must be an object with a name and optional identifiers"
        )
    if not raw.keys() <= QUERY_FIELDS:
        unknown = sorted(set(raw) - QUERY_FIELDS)
        raise InvalidValue(f"queries[{position}].{unknown[0]}", "unknown field")
    ref = raw.get("ref")
    if ref is not None and (not isinstance(ref, str) or len(ref) > MAX_REF):
        raise InvalidValue(
            f"queries[{position}].ref",
            "must be a string of at most %(MAX_REF)s characters",
            MAX_REF=MAX_REF,
        )
    identifiers = []
    for number, item in enumerate(raw.get("identifiers") or []):
        where = f"queries[{position}].identifiers[{number}]"
        if not isinstance(item, Mapping):
            raise InvalidValue(where, "must be {scheme, value}")
        if item.get("scheme") not in SCHEMES:
            raise InvalidValue(
                f"{where}.scheme",
                "unknown scheme; expected one of %(expected)s",
                expected=", ".join(SCHEMES),
            )
        identifiers.append((item.get("scheme"), item.get("value")))
    try:
        query = ScreeningQuery(
            name=raw.get("name") or "",
            identifiers=tuple(identifiers),  # type: ignore[arg-type]
            kind=raw.get("kind"),
            region=raw.get("region"),
        )
    except InvalidValue as error:
        raise error.at(f"queries[{position}].{error.field}") from None
    return query, ref


def screen_request(
    queries: Sequence[Mapping[str, Any]],
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
    exclude_entry_ids: Iterable[str] = (),
) -> ScreenRequest:
    """Validate a batch; every problem names the query and field at fault."""
    if not isinstance(queries, Sequence) or isinstance(queries, str) or not queries:
        raise InvalidValue("queries", "give between 1 and 1000 queries")
    if len(queries) > MAX_QUERIES:
        raise InvalidValue(
            "queries",
            "%(queries_count)s queries; at most %(MAX_QUERIES)s per call",
            queries_count=len(queries),
            MAX_QUERIES=MAX_QUERIES,
        )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidValue("threshold", "must be a number between 0 and 1")
    if not 0.0 <= threshold <= 1.0:
        raise InvalidValue(
            "threshold",
            "must be between 0 and 1, got %(threshold)s",
            threshold=threshold,
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue(
            "limit",
            "must be a whole number from 1 to %(MAX_LIMIT)s",
            MAX_LIMIT=MAX_LIMIT,
        )
    excluded = tuple(sorted(set(exclude_entry_ids)))
    if not all(isinstance(entry_id, str) for entry_id in excluded):
        raise InvalidValue("exclude_entry_ids", "must be a list of entry ids")
    parsed = [_query(raw, position) for position, raw in enumerate(queries)]
    return ScreenRequest(
        tuple(query for query, _ in parsed),
        tuple(ref for _, ref in parsed),
        float(threshold),
        limit,
        excluded,
    )


def _published_name(entry: EntryState) -> str:
    return str(entry.content["subject"]["name"]) if entry.content else ""


def match_shown(match: ScreeningMatch, entry: EntryState, day: dt.date) -> dict[str, Any]:
    """A match as the API response shows it: score, features, status and the published name.

    `removal_pending` is None here; the answer fills it in for the entries awaiting removal.
    """
    return (
        match.as_dict()
        | entry_summary(entry, day)
        | {"name": _published_name(entry), "removal_pending": None}
    )


def match_signed(match: ScreeningMatch, entry: EntryState, day: dt.date) -> dict[str, Any]:
    """A match as a receipt signs it: entry, score as a decimal string, status."""
    return {
        "entry_id": match.entry_id,
        "score": f"{match.score:.4f}",
        "status": PublicEntry(entry, day).screening_status,
    }
