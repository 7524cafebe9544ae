"""Responsible persons in the yente-compatible match API: results of their own.

A Person or LegalEntity query that matches a recorded legal representative, main responsible
person or directly responsible person of a listed organisation (registry/screening/persons.py)
finds that person as an FtM `Person` entity: name, masked identifier, `position` (the role) and
`notes` (the relation to the listed organisation, Chinese then English), with the relation as a
feature of its own. The person is not a target: the listed organisation is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from followthemoney import EntityProxy, model

from registry.publication.as_of import ListState
from registry.screening.matching import ScreeningQuery
from registry.screening.persons import PersonIndex, PersonMatch, PersonRelation
from registry.screening.screen import ScreenRequest
from registry.subjects.persons import ROLE_NAMES


@dataclass(frozen=True)
class PersonResult:
    """One person found for a query: its score, the result as shown, and as a receipt signs it."""

    score: float
    key: str
    shown: dict[str, Any]
    signed: dict[str, Any]


def person_entity(relation: PersonRelation, wording: dict[str, str]) -> EntityProxy:
    """The FtM Person of a relation; its id derives from the entry and the recorded person."""
    proxy = model.make_entity("Person")
    proxy.make_id("ipl-person", relation.entry_id, str(relation.person_id))
    proxy.add("name", relation.name)
    identifier = relation.public_identifier()
    if identifier["scheme"] == "passport":
        proxy.add("passportNumber", identifier["value"])
    else:
        proxy.add("idNumber", identifier["value"])
    zh_role, en_role = ROLE_NAMES[relation.role]
    proxy.add("position", f"{zh_role} ({en_role})")
    proxy.add("notes", [wording["zh"], wording["en"]])
    return proxy


def _result(state: ListState, found: PersonMatch, dataset: str, threshold: float) -> dict[str, Any]:
    public = found.as_dict(state)
    proxy = person_entity(found.relation, public["relation"])
    features = public["features"]
    return {
        **proxy.to_dict(),
        "caption": proxy.caption,
        "datasets": [dataset],
        "referents": [],
        "target": False,
        "score": found.match.score,
        "match": found.match.score >= threshold,
        "features": {f["feature"]: f["score"] for f in features},
        "explanations": {
            f["feature"]: {"score": f["score"], "weight": f["weight"], "description": f["note"]}
            for f in features
        },
        "relation": public["relation"],
        "entry_id": found.relation.entry_id,
        "status": public["status"],
    }


def person_results(
    persons: PersonIndex,
    queries: tuple[ScreeningQuery, ...],
    state: ListState,
    dataset: str,
    options: tuple[float, float, int],
) -> list[PersonResult]:
    """The persons any of `queries` (one per name) finds, best score per person, best first.

    `options` are (threshold, cutoff, limit) as the match request gave them.
    """
    threshold, cutoff, limit = options
    request = ScreenRequest(queries, (None,) * len(queries), cutoff, limit)
    best: dict[str, PersonMatch] = {}
    for found in persons.screen(request):
        for candidate in found:
            key = candidate.relation.key
            if key not in best or candidate.match.score > best[key].match.score:
                best[key] = candidate
    ranked = sorted(best.values(), key=lambda m: (-m.match.score, m.relation.key))[:limit]
    return [
        PersonResult(
            m.match.score,
            m.relation.key,
            _result(state, m, dataset, threshold),
            m.receipt_dict(state),
        )
        for m in ranked
    ]
