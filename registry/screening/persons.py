"""Screening responsible persons: who is the legal representative or responsible person of whom.

Joint disciplinary measures reach the legal representative, main responsible person and
directly responsible persons of a listed organisation (2018 memorandum, 联合惩戒对象), so a
lookup by a person's identifier and a screen by a person's name answer with the relation:
"王伟, 法定代表人 of 深圳市华兴科技有限公司, listed IPL-2025-000001", with its own score and
explanation.

The relations are the responsible persons recorded now for the subjects of the entries in a
list state (the persons are not part of the signed entry); the entry's status is the state's.
Names are matched by the same engine as subjects, in an index of their own; identifiers
exactly. A person's identifier is personal data: it is only ever shown masked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from registry.layered import moved_from
from registry.models import Listing, ResponsiblePerson
from registry.publication.as_of import IdentifierKey, ListState, lookup_key
from registry.screening.matching import (
    FeatureExplanation,
    ListedName,
    MatchIndex,
    ScreeningMatch,
    ScreeningQuery,
)
from registry.screening.screen import ScreenRequest, entry_summary
from registry.subjects.identifiers import Identifier, validate_identifier
from registry.subjects.persons import ROLE_NAMES

PERSON_INDEX = "screening.person_index"


@dataclass(frozen=True)
class PersonRelation:
    """A recorded person in a role of the subject of one entry (full identifier: never shown)."""

    entry_id: str
    person_id: int
    role: str
    name: str
    scheme: str
    scheme_name: str
    value: str
    subject_name: str

    @property
    def key(self) -> str:
        """The relation's key in the person index (one per person and entry)."""
        return f"{self.entry_id}/{self.person_id}"

    def public_identifier(self) -> dict[str, str]:
        """The person's identifier as it may be shown: masked."""
        return Identifier(self.scheme, self.value, self.scheme_name or None).as_public_dict(
            natural_person=True
        )

    def wording(self, status: str) -> dict[str, str]:
        """The relation in words, Chinese first: "<role> of <subject>, <status> <entry>"."""
        zh_role, en_role = ROLE_NAMES[self.role]
        zh_status = "列入" if status == "listed" else "曾列入"
        en_status = "listed" if status == "listed" else "previously listed"
        return {
            "zh": f"{self.subject_name}的{zh_role}（{zh_status} {self.entry_id}）",
            "en": f"{en_role} of {self.subject_name}, {en_status} {self.entry_id}",
        }

    def as_public_dict(self, state: ListState) -> dict[str, Any]:
        """The relation as an answer shows it: person (masked), role, subject, entry status."""
        entry = entry_summary(state.entries[self.entry_id], state.day)
        return {
            "person": {"name": self.name, "identifier": self.public_identifier()},
            "role": self.role,
            "subject_name": self.subject_name,
            "relation": self.wording(entry["status"]),
            **entry,
        }


def load_relations(session: Session, state: ListState) -> tuple[PersonRelation, ...]:
    """Every recorded person of the subject of every entry of `state` that has content."""
    rows = session.execute(
        select(Listing.entry_id, ResponsiblePerson)
        .join(ResponsiblePerson, ResponsiblePerson.subject_id == Listing.subject_id)
        .where(Listing.entry_id.is_not(None), ResponsiblePerson.removed_at.is_(None))
        .order_by(Listing.entry_id, ResponsiblePerson.id)
    )
    return tuple(
        relation
        for entry_id, person in rows
        if (relation := _relation(state, entry_id, person)) is not None
    )


def _relation(
    state: ListState, entry_id: str | None, person: ResponsiblePerson
) -> PersonRelation | None:
    """The relation of a recorded person to an entry of `state`; None when there is none (the
    person removed, the entry not in the state or without content)."""
    entry = state.entries.get(entry_id) if entry_id else None
    if entry is None or entry.content is None or person.removed_at is not None:
        return None
    return PersonRelation(
        entry_id=entry.entry_id,
        person_id=person.id,
        role=person.role,
        name=person.name,
        scheme=person.scheme,
        scheme_name=person.scheme_name,
        value=person.value,
        subject_name=str(entry.content["subject"]["name"]),
    )


def _person_names(relations: Iterable[PersonRelation]) -> Iterator[ListedName]:
    for relation in relations:
        yield ListedName(
            entry_id=relation.key,
            kind="natural_person",
            name=relation.name,
            identifiers=((relation.scheme, relation.value),),
        )


@dataclass(frozen=True)
class PersonMatch:
    """A relation found for a query, with the name (or identifier) match that found it."""

    relation: PersonRelation
    match: ScreeningMatch

    def as_dict(self, state: ListState) -> dict[str, Any]:
        """For the response: the relation, the score and every feature, the relation's last."""
        features = [f.as_dict() for f in (*self.match.features, _relation_feature(self.relation))]
        return self.relation.as_public_dict(state) | {
            "score": self.match.score,
            "features": features,
        }

    def receipt_dict(self, state: ListState) -> dict[str, Any]:
        """As a receipt signs it: entry, person, role, score as a decimal string, status."""
        relation = self.relation
        return {
            "entry_id": relation.entry_id,
            "person": relation.name,
            "role": relation.role,
            "score": f"{self.match.score:.4f}",
            "status": entry_summary(state.entries[relation.entry_id], state.day)["status"],
        }


def _relation_feature(relation: PersonRelation) -> FeatureExplanation:
    en_role = ROLE_NAMES[relation.role][1]
    note = f"{relation.name} is recorded as the {en_role} of {relation.subject_name}"
    return FeatureExplanation("relation", 1.0, 0.0, note)


# Changed entries named at a time in the query of a moved person index.
NAMED_ENTRIES = 500


class PersonIndex:
    """The relations of one list state: names in match indexes, identifiers by exact key.

    Built whole from every relation, then moved (`moved`) to the next list state or set of
    recorded persons by re-reading only the relations of the entries that changed and of the
    persons recorded or removed since. A relation that leaves is hidden from the index that
    holds its name, one that comes back is shown again, and new relations' names go into a
    small index of their own. The small indexes are merged as they grow, like the levels of
    a log-structured index, so a name is parsed a few times over the index's life, not once
    per list state; the first, whole index is never parsed again.
    """

    def __init__(
        self, relations: Sequence[PersonRelation], version: tuple[int, int] = (0, 0)
    ) -> None:
        self.version = version
        self.relations: MutableMapping[str, PersonRelation] = {
            relation.key: relation for relation in relations
        }
        by_identifier: dict[IdentifierKey, list[PersonRelation]] = {}
        for relation in relations:
            by_identifier.setdefault(_identifier_key(relation), []).append(relation)
        self.by_identifier: MutableMapping[IdentifierKey, list[PersonRelation]] = by_identifier
        # (index, the keys whose names it holds), the whole one first.
        self._names: tuple[tuple[MatchIndex, frozenset[str]], ...] = (
            (MatchIndex.build(_person_names(relations)), frozenset(self.relations)),
        )
        self._hidden: frozenset[str] = frozenset()

    def moved(
        self,
        session: Session,
        state: ListState,
        entries: Collection[str],
        version: tuple[int, int],
    ) -> PersonIndex:
        """This index for `state` and the persons recorded at `version`, where only `entries`
        differ from the state this index is of (`ListState.origin`), and persons were recorded
        or removed since this index's version."""
        highest, removed = self.version
        chosen = sorted(entries)
        scopes: list[ColumnElement[bool]] = [
            Listing.entry_id.in_(chosen[first : first + NAMED_ENTRIES])
            for first in range(0, len(chosen), NAMED_ENTRIES)
        ]
        if version[0] > highest:
            scopes.append(ResponsiblePerson.id > highest)
        if version[1] != removed:
            scopes.append(ResponsiblePerson.removed_at.is_not(None))
        # One query per scope, each led by its own index; a person in two scopes counts once.
        found: dict[tuple[str, int], ResponsiblePerson] = {}
        for scope in scopes:
            for entry_id, person in session.execute(
                select(Listing.entry_id, ResponsiblePerson)
                .join(ResponsiblePerson, ResponsiblePerson.subject_id == Listing.subject_id)
                .where(Listing.entry_id.is_not(None), scope)
            ):
                if entry_id is not None:
                    found[(entry_id, person.id)] = person
        rows = [(entry_id, found[(entry_id, person_id)]) for entry_id, person_id in sorted(found)]
        moved = object.__new__(PersonIndex)
        moved.version = version
        # Read through this index's dicts, holding only what changes (registry/layered.py).
        moved.relations = moved_from(self.relations)
        moved.by_identifier = moved_from(self.by_identifier)
        hidden, fresh = set(self._hidden), []
        for entry_id, person in rows:
            key = f"{entry_id}/{person.id}"
            relation = _relation(state, entry_id, person)
            before = moved.relations.pop(key, None)
            if before is not None:
                moved._unfile(before)
                if relation is None and self._holds(key):
                    hidden.add(key)
            if relation is None:
                continue
            moved.relations[key] = relation
            moved._file(relation)
            if self._holds(key):
                hidden.discard(key)  # its name is still in the index that held it
            elif before is None:
                fresh.append(relation)
        moved._hidden = frozenset(hidden)
        moved._names = self._names
        if fresh:
            moved._add_names(fresh)
        return moved

    def _unfile(self, relation: PersonRelation) -> None:
        key = _identifier_key(relation)
        rest = [other for other in self.by_identifier[key] if other.key != relation.key]
        if rest:
            self.by_identifier[key] = rest
        else:
            del self.by_identifier[key]

    def _file(self, relation: PersonRelation) -> None:
        key = _identifier_key(relation)
        filed = [*self.by_identifier.get(key, ()), relation]
        self.by_identifier[key] = sorted(filed, key=lambda other: (other.entry_id, other.person_id))

    def _add_names(self, fresh: list[PersonRelation]) -> None:
        """File the names of new relations, merging the small indexes that grew alike."""
        names = list(self._names)
        keys = frozenset(relation.key for relation in fresh)
        while len(names) > 1 and len(names[-1][1]) <= 2 * len(keys):
            _, merged = names.pop()
            keys |= {key for key in merged if key in self.relations}
        relations = [self.relations[key] for key in sorted(keys)]
        names.append((MatchIndex.build(_person_names(relations)), keys))
        self._names = tuple(names)
        self._hidden = frozenset(key for key in self._hidden if self._holds(key))

    def _holds(self, key: str) -> bool:
        """Whether one of the name indexes holds the name of relation `key`."""
        return any(key in held for _, held in self._names)

    def lookup(self, identifier: Identifier) -> list[PersonRelation]:
        """The relations of the person holding exactly this identifier."""
        return list(
            self.by_identifier.get(
                lookup_key(identifier.scheme, identifier.value, identifier.name), []
            )
        )

    def screen_names(
        self, query: ScreeningQuery, threshold: float, limit: int
    ) -> list[ScreeningMatch]:
        """Relations whose person's name scores at least `threshold`, best first (keys as ids)."""
        found = [
            match
            for names, _ in self._names
            for match in names.screen(query, threshold, limit, self._hidden)
        ]
        if len(self._names) > 1:
            found.sort(key=lambda match: (-match.score, match.entry_id))
        return found[:limit]

    def screen(self, request: ScreenRequest) -> list[list[PersonMatch]]:
        """Per query, the relations of persons it matches; queries for organisations match none."""
        excluded = set(request.exclude_entry_ids)
        found: list[list[PersonMatch]] = []
        for query in request.queries:
            if query.kind not in (None, "natural_person") or not self.relations:
                found.append([])
                continue
            matches = self.screen_names(query, request.threshold, request.limit)
            found.append(
                [
                    PersonMatch(self.relations[match.entry_id], match)
                    for match in matches
                    if self.relations[match.entry_id].entry_id not in excluded
                ]
            )
        return found


def _identifier_key(relation: PersonRelation) -> IdentifierKey:
    return lookup_key(relation.scheme, relation.value, relation.scheme_name)


def persons_version(session: Session) -> tuple[int, int]:
    """(highest id, number removed): changes whenever a person is recorded or removed.

    Rows are only ever added or marked removed, never edited or deleted, so this pair names
    one set of recorded persons.
    """
    # Two subqueries, each read from its own index (the primary key's end, the partial index
    # of removed persons): one aggregate of both went through every row (0.1 s at 1M).
    highest = select(func.max(ResponsiblePerson.id)).scalar_subquery()
    removed = (
        select(func.count())
        .select_from(ResponsiblePerson)
        .where(ResponsiblePerson.removed_at.is_not(None))
        .scalar_subquery()
    )
    found, gone = session.execute(select(highest, removed)).one()
    return int(found or 0), int(gone or 0)


def person_index(
    session: Session | Callable[[], Session],
    state: ListState,
    version: tuple[int, int] | None = None,
) -> PersonIndex:
    """The person index of `state`, built once per state and set of recorded persons.

    `version` is the `persons_version` when the caller has just read it; `session` may be a
    function giving the session, asked for only when the database must be read. An index is
    moved from the one this state already holds (persons recorded since), else from that of
    the state it was moved from while that lives, and built whole only without either.
    """
    cached = state.derived.get(PERSON_INDEX)
    if version is not None and isinstance(cached, PersonIndex) and cached.version == version:
        return cached
    if not isinstance(session, Session):
        session = session()
    version = persons_version(session) if version is None else version
    if isinstance(cached, PersonIndex):
        if cached.version == version:
            return cached
        index = cached.moved(session, state, (), version)
    else:
        origin = state.origin
        base = origin.base() if origin is not None else None
        kept = base.derived.get(PERSON_INDEX) if base is not None else None
        if origin is not None and isinstance(kept, PersonIndex):
            index = kept.moved(session, state, origin.changed, version)
        else:
            index = PersonIndex(load_relations(session, state), version)
    state.derived[PERSON_INDEX] = index
    return index


def lookup_relations(
    index: PersonIndex,
    scheme: str,
    value: str,
    name: str | None,
    state: ListState,
    validated: Identifier | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The relations of an identifier looked up: (as the response shows them, as signed).

    The identifier is checked as `registry.screening.screen.lookup` checks it, which has
    already answered any error in it; `validated` is that lookup's identifier, when at hand.
    """
    identifier = validated or validate_identifier(scheme, value, name, field="identifier")
    shown, signed = [], []
    for relation in index.lookup(identifier):
        en_role = ROLE_NAMES[relation.role][1]
        note = f"the identifier is exactly that of the {en_role} of {relation.subject_name}"
        feature = FeatureExplanation("identifier", 1.0, 1.0, note)
        public = relation.as_public_dict(state)
        shown.append(public | {"score": 1.0, "features": [feature.as_dict()]})
        signed.append(
            {
                "entry_id": relation.entry_id,
                "person": relation.name,
                "role": relation.role,
                "status": public["status"],
            }
        )
    return shown, signed
