"""Screening in the shape of yente's match API (OpenSanctions), so tools built for it work here.

In: `{"queries": {key: {"schema": "Company", "properties": {"name": [...], ...}}}}`, each
query a FollowTheMoney entity. Out: `{"responses": {key: {"status", "results", "total",
"query"}}}`, each result the FtM subject entity of a listed entry (as in the feed's FtM export)
with `score`, `match` (score at or above the threshold), `features` (score per feature) and
`explanations` (score, weight and a sentence per feature). The mapping is in docs/screening.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from followthemoney.util import make_entity_id

from registry.errors import InvalidValue
from registry.publication.as_of import ListState
from registry.publication.ftm_entities import SUBJECT_ID_PREFIX, subject_entity
from registry.publication.public_view import PublicEntry
from registry.screening.matching import DEFAULT_THRESHOLD, ScreeningMatch, ScreeningQuery
from registry.screening.persons import PersonIndex
from registry.screening.screen import MAX_QUERIES
from registry.screening.shared_index import SharedIndex, match_index
from registry.screening.yente_persons import PersonResult, person_results
from registry.subjects.personal_ids import mask_personal

KIND_BY_SCHEMA = {
    "Company": "legal_person",
    "Person": "natural_person",
    "Organization": "other_org",
    "LegalEntity": None,
}
# FtM properties read from a query: names, and identifiers by the scheme they carry.
NAME_PROPERTIES = ("name", "alias", "previousName", "weakAlias")
IDENTIFIER_PROPERTIES = {
    "uscCode": "cn_uscc",
    "registrationNumber": "cn_uscc",
    "idNumber": "cn_ric",
}
# Properties that identify a natural person: masked in the answer's echo of the query.
PERSONAL_PROPERTIES = ("idNumber", "passportNumber")
MAX_KEY = 100
MAX_LIMIT = 100


@dataclass(frozen=True)
class MatchQuery:
    """One yente query, as the engine takes it, and as it was sent (for the `query` echo)."""

    key: str
    schema: str
    queries: tuple[ScreeningQuery, ...]  # one per name (a query may carry several names)
    properties: dict[str, list[str]]

    def echo(self) -> dict[str, Any]:
        """The query as the answer repeats it: a natural person's identifiers masked."""
        shown = {
            name: [mask_personal(v) for v in values] if name in PERSONAL_PROPERTIES else values
            for name, values in self.properties.items()
        }
        return {"schema": self.schema, "properties": shown}


def parse_match_request(body: Mapping[str, Any]) -> list[MatchQuery]:
    """Validate the queries; every problem names `queries.<key>.<field>`."""
    queries = body.get("queries")
    if not isinstance(queries, Mapping) or not queries:
        raise InvalidValue("queries", "give an object of 1 to 1000 FollowTheMoney entities")
    if len(queries) > MAX_QUERIES:
        raise InvalidValue(
            "queries",
            "%(queries_count)s queries; at most %(MAX_QUERIES)s per call",
            queries_count=len(queries),
            MAX_QUERIES=MAX_QUERIES,
        )
    return [_parse_query(str(key), raw) for key, raw in queries.items()]


def _parse_query(key: str, raw: Any) -> MatchQuery:
    where = f"queries.{key}"
    if len(key) > MAX_KEY:
        raise InvalidValue(
            where,
            "the key is longer than %(MAX_KEY)s characters",
            MAX_KEY=MAX_KEY,
        )
    if not isinstance(raw, Mapping):
        raise InvalidValue(where, "must be a FollowTheMoney entity {schema, properties}")
    schema = raw.get("schema")
    if schema not in KIND_BY_SCHEMA:
        raise InvalidValue(
            f"{where}.schema",
            "unknown schema; expected one of %(expected)s",
            expected=", ".join(KIND_BY_SCHEMA),
        )
    properties = raw.get("properties")
    if not isinstance(properties, Mapping):
        raise InvalidValue(f"{where}.properties", "must be an object of lists of strings")
    cleaned: dict[str, list[str]] = {}
    for name, values in properties.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidValue(f"{where}.properties.{name}", "must be a list of strings")
        cleaned[str(name)] = values
    names = [v for prop in NAME_PROPERTIES for v in cleaned.get(prop, []) if v.strip()]
    identifiers = tuple(
        (scheme, value)
        for prop, scheme in IDENTIFIER_PROPERTIES.items()
        for value in cleaned.get(prop, [])
        if value.strip()
    )
    if not names and not identifiers:
        raise InvalidValue(f"{where}.properties.name", "give a name or an identifier to match")
    kind = KIND_BY_SCHEMA[schema]
    try:
        built = tuple(
            ScreeningQuery(name=name, identifiers=identifiers, kind=kind) for name in names
        ) or (ScreeningQuery(identifiers=identifiers, kind=kind),)
    except InvalidValue as error:
        field = "properties.name" if error.field == "name" else error.field
        raise error.at(f"{where}.{field}") from None
    return MatchQuery(key, schema, built, cleaned)


def check_options(threshold: Any, limit: Any) -> tuple[float, int]:
    """The threshold in [0, 1] and the limit from 1 to MAX_LIMIT."""
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
    return float(threshold), limit


def match(
    state: ListState,
    queries: list[MatchQuery],
    dataset: str,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
    cutoff: float = 0.5,
    shared: SharedIndex | None = None,
    persons: PersonIndex | None = None,
) -> MatchAnswer:
    """Answer every query: candidates scoring at least `cutoff`, `match` at `threshold`.

    With `persons`, a person query also finds the responsible persons of listed organisations
    (registry/screening/yente_persons.py), ranked with the subjects within `limit`.
    """
    index = match_index(state, shared)
    responses = {}
    signed: list[dict[str, Any]] = []
    for query in queries:
        best: dict[str, ScreeningMatch] = {}
        for found in index.screen_many(query.queries, threshold=cutoff, limit=limit):
            for candidate in found:
                if (
                    candidate.entry_id not in best
                    or candidate.score > best[candidate.entry_id].score
                ):
                    best[candidate.entry_id] = candidate
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.entry_id))[:limit]
        related = (
            person_results(persons, query.queries, state, dataset, (threshold, cutoff, limit))
            if persons is not None
            else []
        )
        # Subjects and persons by score (a subject first on a tie), cut to the limit together.
        both = sorted(
            [(-m.score, 0, m.entry_id, m) for m in ranked]
            + [(-p.score, 1, p.key, p) for p in related]
        )[:limit]
        ranked = [m for *_, m in both if isinstance(m, ScreeningMatch)]
        related = [p for *_, p in both if isinstance(p, PersonResult)]
        results = [
            _result(state, m, dataset, threshold) if isinstance(m, ScreeningMatch) else m.shown
            for *_, m in both
        ]
        receipt: dict[str, Any] = {
            "query": query.key,
            "matches": [_signed(state, m) for m in ranked],
        }
        if related:  # receipts without persons keep their old shape
            receipt["relations"] = [p.signed for p in related]
        signed.append(receipt)
        responses[query.key] = {
            "status": 200,
            "results": results,
            "total": {"value": len(results), "relation": "eq"},
            "query": query.echo(),
        }
    return MatchAnswer({"responses": responses, "limit": limit}, signed)


@dataclass(frozen=True)
class MatchAnswer:
    """yente's response body, and per query what a receipt signs (entry, score, status)."""

    body: dict[str, Any]
    receipt_results: list[dict[str, Any]]


def _signed(state: ListState, match: ScreeningMatch) -> dict[str, Any]:
    entry = state.entries[match.entry_id]
    status = PublicEntry(entry, state.day).screening_status
    return {"entry_id": match.entry_id, "score": f"{match.score:.4f}", "status": status}


def _result(
    state: ListState, candidate: ScreeningMatch, dataset: str, threshold: float
) -> dict[str, Any]:
    entry = state.entries[candidate.entry_id]
    assert entry.content is not None  # the index holds only entries with content
    proxy = subject_entity(entry.content, "entry", None)
    return {
        **proxy.to_dict(),
        "caption": proxy.caption,
        "datasets": [dataset],
        "referents": [],
        "target": True,
        "score": candidate.score,
        "match": candidate.score >= threshold,
        "features": {f.feature: f.score for f in candidate.features},
        "explanations": {
            f.feature: {"score": f.score, "weight": f.weight, "description": f.note}
            for f in candidate.features
        },
    }


# A subject entity's id is a function of its entry id alone (ftm_entities.subject_values), so
# a worker works each out once, whatever the list state: entity id -> entry id.
_ENTRY_BY_SUBJECT_ID: dict[str, str] = {}
_WITH_SUBJECT_ID: set[str] = set()
SUBJECT_IDS = "yente.subject_ids"


def _subject_ids(state: ListState) -> dict[str, str]:
    """Entry ids by subject entity id, for every entry of `state` (and of states before it).

    A state moved from one already mapped (`ListState.origin`) maps only the entries read
    again; another state maps the entries no state mapped before.
    """
    if not state.derived.get(SUBJECT_IDS):
        origin = state.origin
        base = origin.base() if origin is not None else None
        if origin is not None and base is not None and base.derived.get(SUBJECT_IDS):
            new = set(origin.changed - _WITH_SUBJECT_ID)
        else:
            new = state.entries.keys() - _WITH_SUBJECT_ID
        for entry_id in new:
            subject_id = make_entity_id(SUBJECT_ID_PREFIX, entry_id)
            if subject_id is not None:  # None only for an empty entry id
                _ENTRY_BY_SUBJECT_ID[subject_id] = entry_id
            _WITH_SUBJECT_ID.add(entry_id)
        state.derived[SUBJECT_IDS] = True
    return _ENTRY_BY_SUBJECT_ID


def entity_by_id(state: ListState, entity_id: str, dataset: str) -> dict[str, Any] | None:
    """The FtM subject entity with this id (as in the feed's FtM export), or None."""
    entry_id = _subject_ids(state).get(entity_id)
    entry = None if entry_id is None else state.entries.get(entry_id)
    if entry is None or entry.content is None:
        return None
    proxy = subject_entity(entry.content, "entry", None)
    return {**proxy.to_dict(), "caption": proxy.caption, "datasets": [dataset], "referents": []}
