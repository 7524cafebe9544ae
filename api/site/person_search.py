"""Site search over responsible persons: a name or a masked ID number finds their relation.

A visitor who types the name of a listed company's legal representative, main or directly
responsible person, or that person's ID number (compared masked: first and last four
characters), is shown the relation and the entry it leads to. Identifiers stay masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from api.site.catalogue import Catalogue
from api.site.name_index import SEARCH_THRESHOLD
from api.site.redaction import compact
from api.site.search_query import SearchRequest
from registry.screening.matching import ScreeningQuery
from registry.screening.persons import PersonRelation, person_index
from runtime.extensions import db

MAX_PERSON_HITS = 20
ROLE_LABELS: Mapping[str, LazyString] = {
    "legal_representative": _l("legal representative"),
    "main_responsible": _l("main responsible person"),
    "directly_responsible": _l("directly responsible person"),
}


def person_role_label(role: str) -> str:
    """The role in the page's language."""
    return str(ROLE_LABELS.get(role, role))


@dataclass(frozen=True)
class PersonHit:
    """A responsible person found, in a role of the subject of a shown entry."""

    relation: PersonRelation
    listed: bool

    @property
    def masked_identifier(self) -> str:
        """The person's identifier, masked."""
        return self.relation.public_identifier()["value"]


def _masked_match(relation: PersonRelation, masked: str) -> bool:
    value = compact(relation.public_identifier()["value"])
    return len(value) == len(masked) and (value[:4], value[-4:]) == (masked[:4], masked[-4:])


def person_hits(catalogue: Catalogue, request: SearchRequest) -> list[PersonHit]:
    """Relations of persons matching the search term whose entry the search may show."""
    term = request.term
    if term.kind not in ("text", "id_number"):
        return []
    index = person_index(db.session(), catalogue.state)
    if term.kind == "id_number":
        found = [r for r in index.relations.values() if _masked_match(r, term.key)]
    else:
        matches = index.screen_names(
            ScreeningQuery(name=term.text), SEARCH_THRESHOLD, MAX_PERSON_HITS
        )
        found = [index.relations[match.entry_id] for match in matches]
    hits = []
    for relation in found:
        entry = catalogue.table.shown(relation.entry_id)
        if entry is None:
            continue
        side = "listed" if entry.listed else "removed"
        if request.status in ("all", side):
            hits.append(PersonHit(relation, entry.listed))
    return hits[:MAX_PERSON_HITS]
