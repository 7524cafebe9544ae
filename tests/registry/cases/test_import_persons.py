"""Responsible persons in the cases file: optional columns, checked per row, recorded once."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.cases import importer
from registry.cases.import_file import RowError
from registry.models import AuditRecord, ResponsiblePerson
from tests.builders import id_number
from tests.registry.cases.test_importer import CLERK, ROW, counts, csv_bytes

RIC = id_number(9)
PERSON = {
    "person_role": "legal_representative",
    "person_name": "王伟",
    "person_scheme": "cn_ric",
    "person_id_value": RIC,
}


def test_a_person_repeated_on_rows_of_one_subject_is_recorded_once(session: Session) -> None:
    rows = [
        {**ROW, **PERSON},
        {**ROW, **PERSON, "document_number": "A-2"},
        {
            **ROW,
            "document_number": "A-3",
            "person_role": "main_responsible",
            "person_name": "John Smith",
            "person_scheme": "passport",
            "person_id_value": "123456789",
            "person_id_name": "GB",
        },
    ]
    report = importer.import_cases(session, CLERK, csv_bytes(rows))

    assert report.errors == ()
    persons = session.scalars(select(ResponsiblePerson).order_by(ResponsiblePerson.id)).all()
    assert [(p.role, p.name, p.scheme_name) for p in persons] == [
        ("legal_representative", "王伟", ""),
        ("main_responsible", "John Smith", "GB"),
    ]
    audits = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "subject.person.record")
    ).all()
    assert len(audits) == 2 and all(RIC not in json.dumps(a.after) for a in audits)

    again = importer.import_cases(
        session, CLERK, csv_bytes([{**ROW, **PERSON, "document_number": "A-9"}])
    )
    assert again.errors == ()
    assert len(session.scalars(select(ResponsiblePerson)).all()) == 2


def test_person_errors_are_reported_by_column_and_nothing_is_imported(session: Session) -> None:
    rows = [
        {**ROW, **PERSON, "person_id_value": RIC[:-1] + ("0" if RIC[-1] != "0" else "1")},
        {**ROW, **PERSON, "document_number": "A-2", "person_role": "chairman"},
        {**ROW, "document_number": "A-3", "person_name": "王伟"},
        {**ROW, **PERSON, "document_number": "A-4", "person_scheme": "cn_uscc"},
    ]
    report = importer.import_cases(session, CLERK, csv_bytes(rows))

    where = [(e.row, e.column) for e in report.errors]
    assert where == [
        (2, "person_id_value"),
        (3, "person_role"),
        (4, "person_role"),
        (4, "person_scheme"),
        (4, "person_id_value"),
        (5, "person_scheme"),
    ]
    assert all(isinstance(e, RowError) and e.reason for e in report.errors)
    assert report.imported == 0 and counts(session) == (0, 0)


def test_a_natural_person_row_may_not_name_responsible_persons(session: Session) -> None:
    row = {
        **ROW,
        **PERSON,
        "subject_scheme": "cn_ric",
        "subject_id_value": id_number(1),
        "subject_kind": "natural_person",
        "subject_name": "张伟",
    }
    report = importer.import_cases(session, CLERK, csv_bytes([row]))
    assert [(e.column, e.reason) for e in report.errors] == [
        ("person_role", "a natural person has no responsible persons")
    ]
