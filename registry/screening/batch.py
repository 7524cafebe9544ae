"""A batch screen's answer, query by query, each part built once and reused while it holds.

What one query contributes to a batch answer (its matches and the responsible persons it
finds, as the response shows them and as the receipt signs them) depends only on the list
state (log size, day, purges), the screening index over it, the recorded persons, the options
(threshold, limit, excluded entries) and the query. `answer_batch` screens the queries of a
batch not answered before under those facts (each distinct query once, against subjects and
responsible persons) and keeps their parts with the list state, so that a query screened
again, in the same batch or a later one, costs a dictionary look-up. A new list state, a
replaced index file or a person recorded or removed starts afresh.

Queries carrying a personal identifier (registry.subjects.personal_ids), and every query of a
batch sent with `privacy`, are answered but never kept.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from registry.publication.as_of import ListState
from registry.screening.matching import ScreeningQuery
from registry.screening.persons import PersonIndex
from registry.screening.screen import ScreenRequest, match_shown, match_signed
from registry.screening.shared_index import StateIndex
from registry.subjects.personal_ids import PERSONAL_SCHEMES

KEPT_ANSWERS = "screening.query_answers"
QUERY_ANSWER_CAPACITY = 4096


@dataclass(frozen=True)
class QueryAnswer:
    """One query's part of a batch answer, without its position and ref (shared: read only)."""

    matches: list[dict[str, Any]]
    relations: list[dict[str, Any]]
    signed_matches: list[dict[str, Any]]
    signed_relations: list[dict[str, Any]]
    # Entry ids of the matches (not the relations), best first: pending removals and proofs.
    entry_ids: tuple[str, ...]

    def shown(
        self, position: int, ref: str | None, pending: Mapping[str, dict[str, str]]
    ) -> dict[str, Any]:
        """The result as the response shows it, with `pending` removals by entry id."""
        matches = self.matches
        if pending and any(entry_id in pending for entry_id in self.entry_ids):
            matches = [
                match | {"removal_pending": pending.get(match["entry_id"])} for match in matches
            ]
        return {"query": position, "ref": ref, "matches": matches, "relations": self.relations}

    def signed(self, position: int, ref: str | None) -> dict[str, Any]:
        """The result as the receipt signs it."""
        signed: dict[str, Any] = {"query": position}
        if ref is not None:
            signed["ref"] = ref
        signed["matches"] = self.signed_matches
        if self.signed_relations:
            signed["relations"] = self.signed_relations
        return signed


# The answer of every query that finds nothing (most of a bank's customers): one object, kept
# as often as wanted at the cost of a dictionary entry.
NOTHING_FOUND = QueryAnswer([], [], [], [], ())


class _KeptAnswers:
    """The answers kept for one list state, over one index and one set of recorded persons."""

    def __init__(self, index: StateIndex, persons: PersonIndex) -> None:
        self.index = index
        self.persons = persons
        self.lock = threading.Lock()
        # By query and options; emptied when full (a dictionary look-up is all a hit costs).
        self.answers: dict[Hashable, QueryAnswer] = {}


def _kept(state: ListState, index: StateIndex, persons: PersonIndex) -> _KeptAnswers:
    kept = state.derived.get(KEPT_ANSWERS)
    if not isinstance(kept, _KeptAnswers) or kept.index is not index or kept.persons is not persons:
        kept = _KeptAnswers(index, persons)
        state.derived[KEPT_ANSWERS] = kept
    return kept


def may_keep(query: ScreeningQuery) -> bool:
    """Whether a query's answer may be kept: not when it carries a personal identifier."""
    return not any(scheme in PERSONAL_SCHEMES for scheme, _value in query.identifiers)


def answer_batch(
    state: ListState,
    request: ScreenRequest,
    index: StateIndex,
    persons: PersonIndex,
    keep: bool = True,
) -> list[QueryAnswer]:
    """Each query's answer, in order; those not kept are screened now, each distinct one once.

    `index` is the screening index of `state` and `persons` its person index. With `keep`
    false (a batch sent with `privacy`) nothing of the batch is looked up or kept.
    """
    options = (request.threshold, request.limit, request.exclude_entry_ids)
    kept = _kept(state, index, persons)
    answers: list[QueryAnswer | None] = [None] * len(request.queries)
    if keep:
        found = kept.answers.get  # a read of a dict needs no lock
        answers = [found((query, options)) for query in request.queries]
    missing: dict[ScreeningQuery, list[int]] = {}
    for position, answer in enumerate(answers):
        if answer is None:
            missing.setdefault(request.queries[position], []).append(position)
    if missing:
        built = _screen(state, request, tuple(missing), index, persons)
        for query, positions in missing.items():
            for position in positions:
                answers[position] = built[query]
        if keep:
            with kept.lock:
                if len(kept.answers) + len(built) > QUERY_ANSWER_CAPACITY:
                    kept.answers.clear()
                for query, answer in built.items():
                    if may_keep(query):
                        kept.answers[(query, options)] = answer
    return [answer for answer in answers if answer is not None]  # all filled by now


def _screen(
    state: ListState,
    request: ScreenRequest,
    queries: tuple[ScreeningQuery, ...],
    index: StateIndex,
    persons: PersonIndex,
) -> dict[ScreeningQuery, QueryAnswer]:
    """Screen distinct queries against subjects and persons, and build their answers."""
    subset = ScreenRequest(
        queries, (None,) * len(queries), request.threshold, request.limit, request.exclude_entry_ids
    )
    subjects = index.screen_many(
        queries, request.threshold, request.limit, request.exclude_entry_ids
    )
    related = persons.screen(subset)
    day = state.day
    answers = {}
    for query, matches, relations in zip(queries, subjects, related, strict=True):
        if not matches and not relations:
            answers[query] = NOTHING_FOUND
            continue
        entries = [state.entries[match.entry_id] for match in matches]
        answers[query] = QueryAnswer(
            matches=[match_shown(m, e, day) for m, e in zip(matches, entries, strict=True)],
            relations=[relation.as_dict(state) for relation in relations],
            signed_matches=[match_signed(m, e, day) for m, e in zip(matches, entries, strict=True)],
            signed_relations=[relation.receipt_dict(state) for relation in relations],
            entry_ids=tuple(match.entry_id for match in matches),
        )
    return answers
