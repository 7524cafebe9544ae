"""Responsible persons of organisation subjects: recording, removal, and their public form.

The 2018 joint-punishment memorandum (发改财金〔2018〕1702号, 联合惩戒对象) extends joint
disciplinary measures to the legal representative, the main responsible person and the
directly responsible persons of a listed organisation. Each is recorded with one identifier of a
natural person; its value is stored in full and shown only masked, in public output, in the
admin API and in the audit trail alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.audit import trail as audit
from registry.clock import utcnow
from registry.errors import Conflict, InvalidValue, NotFound
from registry.models import PERSON_ROLES, ResponsiblePerson, Subject
from registry.subjects.identifiers import Identifier, validate_identifier
from registry.subjects.personal_ids import PERSONAL_SCHEMES
from registry.subjects.records import clean_text, get_subject
from registry.transaction import atomic

PERSON_SCHEMES = (*sorted(PERSONAL_SCHEMES), "other")
ROLE_NAMES = {
    "legal_representative": ("法定代表人", "legal representative"),
    "main_responsible": ("主要负责人", "main responsible person"),
    "directly_responsible": ("直接责任人", "directly responsible person"),
}


@dataclass(frozen=True)
class PersonInput:
    """What a clerk records about a responsible person."""

    role: str
    name: str
    scheme: str
    value: str
    # The foreign scheme's name for "other"; the issuing country for "passport".
    scheme_name: str | None = None


@dataclass(frozen=True)
class CheckedPerson:
    """A responsible person with every field checked and the identifier canonical."""

    role: str
    name: str
    identifier: Identifier


def check_person(data: PersonInput, field: str = "person") -> CheckedPerson:
    """Check role, name and identifier; every error names the field at fault."""
    if data.role not in PERSON_ROLES:
        raise InvalidValue(
            f"{field}.role",
            "unknown role %(data_role)r; expected %(expected)s",
            data_role=data.role,
            expected=", ".join(PERSON_ROLES),
        )
    name = clean_text(data.name, f"{field}.name", 100, required=True)
    if data.scheme not in PERSON_SCHEMES:
        raise InvalidValue(
            f"{field}.scheme",
            "%(scheme)r does not identify a natural person; expected one of %(expected)s",
            scheme=data.scheme,
            expected=", ".join(PERSON_SCHEMES),
        )
    identifier = validate_identifier(
        data.scheme, data.value, data.scheme_name, f"{field}.identifier", country=data.scheme_name
    )
    return CheckedPerson(data.role, name, identifier)


def masked_value(person: ResponsiblePerson) -> str:
    """The person's identifier as it may be shown: always masked (a natural person's)."""
    return Identifier(person.scheme, person.value).public_value(natural_person=True)


def _audit_view(person: ResponsiblePerson) -> dict[str, object]:
    return {
        "subject_id": person.subject_id,
        "role": person.role,
        "name": person.name,
        "scheme": person.scheme,
        "value": masked_value(person),
    }


def add_person(
    session: Session, actor: Actor, subject: Subject, person: CheckedPerson
) -> ResponsiblePerson:
    """Insert a checked person inside the caller's transaction, with its audit record."""
    if subject.kind == "natural_person":
        raise Conflict(
            "subject %(subject_id)s is a natural person; only organisations have them",
            subject_id=subject.id,
        )
    identifier = person.identifier
    duplicate = session.scalar(
        select(ResponsiblePerson.id).where(
            ResponsiblePerson.subject_id == subject.id,
            ResponsiblePerson.role == person.role,
            ResponsiblePerson.scheme == identifier.scheme,
            ResponsiblePerson.scheme_name == (identifier.name or ""),
            ResponsiblePerson.value == identifier.value,
            ResponsiblePerson.removed_at.is_(None),
        )
    )
    if duplicate is not None:
        raise Conflict(
            "this person is already recorded as %(person_role)s of subject %(subject_id)s",
            person_role=person.role,
            subject_id=subject.id,
        )
    row = ResponsiblePerson(
        subject_id=subject.id,
        role=person.role,
        name=person.name,
        scheme=identifier.scheme,
        scheme_name=identifier.name or "",
        value=identifier.value,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.name,
        action="subject.person.record",
        object_type="subject",
        object_id=subject.id,
        after=_audit_view(row),
    )
    return row


def record_person(
    session: Session, actor: Actor, subject_id: int, data: PersonInput
) -> ResponsiblePerson:
    """Record a responsible person of an organisation subject (clerk)."""
    actor.require("subject.record")
    person = check_person(data)
    with atomic(session):
        row = add_person(session, actor, get_subject(session, subject_id), person)
    return row


def remove_person(session: Session, actor: Actor, subject_id: int, person_id: int) -> None:
    """Remove a responsible person recorded by mistake or no longer in the role (clerk).

    The row stays, marked removed: it no longer shows or screens.
    """
    actor.require("subject.record")
    with atomic(session):
        row = session.get(ResponsiblePerson, person_id)
        if row is None or row.subject_id != subject_id or row.removed_at is not None:
            raise NotFound(
                "subject %(subject_id)s has no responsible person %(person_id)s",
                subject_id=subject_id,
                person_id=person_id,
            )
        before = _audit_view(row)
        row.removed_at = utcnow()
        audit.record(
            session,
            actor=actor.name,
            action="subject.person.remove",
            object_type="subject",
            object_id=subject_id,
            before=before,
        )


def subject_persons(session: Session, subject_id: int) -> list[ResponsiblePerson]:
    """The subject's responsible persons, by role then as recorded."""
    return list(
        session.scalars(
            select(ResponsiblePerson)
            .where(
                ResponsiblePerson.subject_id == subject_id, ResponsiblePerson.removed_at.is_(None)
            )
            .order_by(ResponsiblePerson.role, ResponsiblePerson.id)
        )
    )
