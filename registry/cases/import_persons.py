"""The optional responsible-person columns of a cases file: one person per row, checked.

A row may name one responsible person of its subject (`person_role`, `person_name`,
`person_scheme`, `person_id_value`, `person_id_name`); a subject with several persons takes
several rows. A person repeated on later rows, or already on record, is recorded once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.cases.import_file import PERSON_COLUMNS, RowError, row_error, row_error_of
from registry.errors import InvalidValue
from registry.models import ResponsiblePerson
from registry.subjects.persons import CheckedPerson, PersonInput, check_person

# check_person names its fields; the file names its columns.
_COLUMN_OF = {
    "person.role": "person_role",
    "person.name": "person_name",
    "person.scheme": "person_scheme",
    "person.identifier.scheme": "person_scheme",
    "person.identifier.value": "person_id_value",
    "person.identifier.name": "person_id_name",
    "person.identifier.country": "person_id_name",
}


def row_person(row: int, values: dict[str, str]) -> tuple[CheckedPerson | None, list[RowError]]:
    """The row's responsible person (None when its columns are empty) and any errors in them."""
    cells = {column: (values.get(column) or "").strip() for column in PERSON_COLUMNS}
    if not any(cells.values()):
        return None, []
    missing = [c for c in PERSON_COLUMNS[:4] if not cells[c]]
    if missing:
        return None, [
            row_error(row, column, "is required when a responsible person is given on the row")
            for column in missing
        ]
    data = PersonInput(
        role=cells["person_role"],
        name=values.get("person_name", ""),
        scheme=cells["person_scheme"],
        value=cells["person_id_value"],
        scheme_name=cells["person_id_name"] or None,
    )
    try:
        return check_person(data), []
    except InvalidValue as error:
        return None, [row_error_of(row, _COLUMN_OF.get(error.field, "person_role"), error)]


def person_key(person: CheckedPerson) -> tuple[str, str, str, str]:
    """What makes two rows name the same person in the same role."""
    identifier = person.identifier
    return person.role, identifier.scheme, identifier.name or "", identifier.value


def recorded(session: Session, subject_id: int, person: CheckedPerson) -> bool:
    """True when the subject already has this person in this role."""
    role, scheme, scheme_name, value = person_key(person)
    found = session.scalar(
        select(ResponsiblePerson.id).where(
            ResponsiblePerson.subject_id == subject_id,
            ResponsiblePerson.role == role,
            ResponsiblePerson.scheme == scheme,
            ResponsiblePerson.scheme_name == scheme_name,
            ResponsiblePerson.value == value,
            ResponsiblePerson.removed_at.is_(None),
        )
    )
    return found is not None
