"""Responsible persons of organisation subjects: checks, masking, audit, permissions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.errors import Conflict, Forbidden, InvalidValue, NotFound
from registry.models import AuditRecord, Subject
from registry.subjects.persons import (
    PersonInput,
    check_person,
    masked_value,
    record_person,
    remove_person,
    subject_persons,
)
from tests.builders import id_number

CLERK = Actor("clerk", "clerk", 1)
RIC = id_number(7)


def _company(session: Session, kind: str = "legal_person") -> Subject:
    company = Subject(kind=kind, name="深圳市华兴科技有限公司")
    session.add(company)
    session.commit()
    return company


def test_a_legal_representative_is_recorded_with_a_canonical_identifier_and_audited_masked(
    bare_session: Session,
) -> None:
    company = _company(bare_session)
    data = PersonInput("legal_representative", " 王伟 ", "cn_ric", RIC)
    person = record_person(bare_session, CLERK, company.id, data)

    assert (person.name, person.value) == ("王伟", RIC)
    assert masked_value(person) == RIC[:4] + "*" * 10 + RIC[-4:]
    audit = bare_session.scalars(select(AuditRecord)).one()
    assert audit.action == "subject.person.record"
    assert RIC not in json.dumps(audit.after, ensure_ascii=False)
    assert audit.after["value"] == masked_value(person)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (PersonInput("chairman", "王伟", "cn_ric", RIC), "person.role", "unknown role"),
        (PersonInput("legal_representative", "  ", "cn_ric", RIC), "person.name", "empty"),
        (PersonInput("main_responsible", "王伟", "cn_uscc", RIC), "person.scheme", "natural"),
        (
            PersonInput("main_responsible", "王伟", "cn_ric", RIC[:-1] + "0"),
            "person.identifier.value",
            "",
        ),
        (PersonInput("directly_responsible", "Li", "passport", "E12345678"), "person", "country"),
        (PersonInput("directly_responsible", "Li", "other", "A1"), "person.identifier.name", ""),
    ],
)
def test_every_field_is_checked_and_named(data: PersonInput, field: str, words: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_person(data)
    assert caught.value.field.startswith(field)
    assert words in caught.value.reason


def test_foreign_and_hkmo_persons_are_accepted_with_their_country_or_scheme() -> None:
    passport = check_person(
        PersonInput("main_responsible", "John Smith", "passport", "123456789", "GB")
    )
    permit = check_person(PersonInput("directly_responsible", "陈大文", "hkmo_permit", "h12345678"))
    assert (passport.identifier.name, passport.identifier.value) == ("GB", "123456789")
    assert permit.identifier.value == "H12345678"


def test_a_natural_person_has_no_responsible_persons_and_duplicates_conflict(
    bare_session: Session,
) -> None:
    person = _company(bare_session, kind="natural_person")
    data = PersonInput("legal_representative", "王伟", "cn_ric", RIC)
    with pytest.raises(Conflict, match="natural person"):
        record_person(bare_session, CLERK, person.id, data)

    company = _company(bare_session)
    record_person(bare_session, CLERK, company.id, data)
    with pytest.raises(Conflict, match="already recorded"):
        record_person(bare_session, CLERK, company.id, data)
    # The same person may hold a second role.
    second = PersonInput("main_responsible", "王伟", "cn_ric", RIC)
    record_person(bare_session, CLERK, company.id, second)
    assert [p.role for p in subject_persons(bare_session, company.id)] == [
        "legal_representative",
        "main_responsible",
    ]


def test_only_a_clerk_records_and_removal_is_audited(bare_session: Session) -> None:
    company = _company(bare_session)
    data = PersonInput("legal_representative", "王伟", "cn_ric", RIC)
    with pytest.raises(Forbidden):
        record_person(bare_session, Actor("auditor", "auditor", 2), company.id, data)
    person = record_person(bare_session, CLERK, company.id, data)
    with pytest.raises(NotFound):
        remove_person(bare_session, CLERK, company.id + 1, person.id)

    remove_person(bare_session, CLERK, company.id, person.id)

    assert subject_persons(bare_session, company.id) == []
    removal = bare_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "subject.person.remove")
    ).one()
    assert removal.before is not None and RIC not in json.dumps(removal.before)
    with pytest.raises(NotFound):
        remove_person(bare_session, CLERK, company.id, person.id)
    # Recorded again after a removal: a new row, shown again.
    again = record_person(bare_session, CLERK, company.id, data)
    assert again.id != person.id
    assert subject_persons(bare_session, company.id) == [again]
