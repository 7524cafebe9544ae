"""A person index moved to a new list state or set of persons is the index built whole.

Screening workers keep the person index of each list state (registry.screening.persons). It
used to be built whole, every recorded person's name parsed, for each new list state and for
each person a clerk recorded or removed. These tests drive a register through listings,
corrections, removals and persons recorded and removed, move the index along with the list
state (and back to an earlier day), and compare it each time with the index built whole:
the same relations, the same identifier lookups and the same name matches.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actors import SYSTEM
from registry.models import Listing, ResponsiblePerson
from registry.publication.as_of import ListState, list_state, moved
from registry.publication.events import log_size
from registry.screening import persons
from registry.screening.matching import ScreeningQuery
from registry.screening.persons import (
    PersonIndex,
    load_relations,
    person_index,
    persons_version,
)
from registry.subjects.persons import PersonInput, record_person, remove_person
from tests.api.site.site_fixtures import Publisher
from tests.builders import id_number
from tests.query_plans import plans

GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _same(found: PersonIndex, whole: PersonIndex, names: list[str], rics: list[str]) -> None:
    assert found.relations == whole.relations
    assert {key: [r.key for r in found.by_identifier[key]] for key in found.by_identifier} == {
        key: [r.key for r in whole.by_identifier[key]] for key in whole.by_identifier
    }
    for name in names:
        query = ScreeningQuery(name=name)
        assert found.screen_names(query, 0.7, 10) == whole.screen_names(query, 0.7, 10)
    for ric in rics:
        assert [r.key for r in found.by_identifier.get(("cn_ric", "", ric), [])] == [
            r.key for r in whole.by_identifier.get(("cn_ric", "", ric), [])
        ]


def _record(session: Session, entry_id: str, name: str, ric: str) -> None:
    subject_id = session.scalar(select(Listing.subject_id).where(Listing.entry_id == entry_id))
    assert subject_id is not None
    record_person(
        session, SYSTEM, subject_id, PersonInput("legal_representative", name, "cn_ric", ric)
    )


def test_a_moved_person_index_is_the_index_built_whole(app: Flask, session: Session) -> None:
    rng = random.Random(11)
    publisher = Publisher(session)
    listed: list[str] = []  # live listings
    numbers = iter(range(1, 1000))
    names: list[str] = []
    rics = [id_number(number) for number in range(8)]  # each in several companies
    for number in range(12):
        entry_id = f"IPL-2026-{next(numbers):06d}"
        publisher.publish(entry_id, f"福州第{number}电子有限公司")
        listed.append(entry_id)
        names.append(_name(rng))
        _record(session, entry_id, names[-1], rics[number % 8])  # some in two companies
    day = publisher.clock.date() + dt.timedelta(days=60)
    state = list_state(session, log_size(session), day)
    index = PersonIndex(load_relations(session, state), persons_version(session))
    first_day = publisher.clock.date()
    for step in range(40):
        choice = rng.random()
        if choice < 0.25:
            entry_id = f"IPL-2026-{next(numbers):06d}"
            publisher.publish(entry_id, f"厦门第{step}机械有限公司")
            listed.append(entry_id)
            names.append(_name(rng))
            _record(session, entry_id, names[-1], rics[step % 8])
        elif choice < 0.45:
            names.append(_name(rng))
            rics.append(id_number(100 + step))
            _record(session, rng.choice(listed), names[-1], rics[-1])
        elif choice < 0.6:
            person = rng.choice(
                session.scalars(
                    select(ResponsiblePerson).where(ResponsiblePerson.removed_at.is_(None))
                ).all()
            )
            remove_person(session, SYSTEM, person.subject_id, person.id)
        elif choice < 0.8:
            publisher.amend(rng.choice(listed), name=f"福州更正{step}电子有限公司")
        elif len(listed) > 1:
            publisher.remove(listed.pop(rng.randrange(len(listed))))
        state = moved(session, state, log_size(session), day)
        assert state.origin is not None
        index = index.moved(session, state, state.origin.changed, persons_version(session))
        whole = PersonIndex(load_relations(session, state), persons_version(session))
        _same(index, whole, names[::3] + names[-3:], rics)
    # Back to the list of the first day: later entries leave, their persons with them.
    earlier = moved(session, state, log_size(session), first_day)
    assert earlier.origin is not None
    back = index.moved(session, earlier, earlier.origin.changed, persons_version(session))
    _same(back, PersonIndex(load_relations(session, earlier)), names[::2], rics)
    assert back.relations.keys() < index.relations.keys()
    # And forward again: the names hidden on the way back are shown again, not parsed again.
    again = moved(session, earlier, log_size(session), day)
    assert again.origin is not None
    forward = back.moved(session, again, again.origin.changed, persons_version(session))
    _same(forward, PersonIndex(load_relations(session, again)), names, rics)


def test_person_index_is_moved_not_built_whole_for_a_new_state_or_person(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Publisher(session)
    for number in range(10):
        entry_id = f"IPL-2026-{number + 1:06d}"
        publisher.publish(entry_id, f"福州第{number}电子有限公司")
        _record(session, entry_id, f"王{GIVEN[number]}", id_number(number))
    day = publisher.clock.date() + dt.timedelta(days=60)
    state = list_state(session, log_size(session), day)
    first = person_index(session, state)
    built: list[int] = []
    whole = PersonIndex.__init__

    def counted(self: PersonIndex, relations: list, version: tuple[int, int] = (0, 0)) -> None:
        built.append(len(relations))
        whole(self, relations, version)

    monkeypatch.setattr(PersonIndex, "__init__", counted)
    _record(session, "IPL-2026-000003", "欧阳娜娜", id_number(99))
    again = person_index(session, state)  # same state, one person more
    assert again is not first and len(again.relations) == 11
    publisher.remove("IPL-2026-000004")
    later: ListState = moved(session, state, log_size(session), day)
    found = person_index(session, later)
    assert built == []
    assert [m.entry_id for m in found.screen_names(ScreeningQuery(name="欧阳娜娜"), 0.8, 5)] == [
        next(
            key
            for key in found.relations
            if key.startswith("IPL-2026-000003/") and found.relations[key].name == "欧阳娜娜"
        )
    ]
    assert persons.PERSON_INDEX in later.derived


def test_the_persons_version_is_read_from_indexes_not_every_person(
    app: Flask, session: Session
) -> None:
    """Read for every new list state's person index: the highest id from the primary key's
    end and the removed persons from their partial index (one aggregate of both went through
    every recorded person, 0.1 s at 1M)."""
    publisher = Publisher(session)
    publisher.publish("IPL-2026-000001", "福州第一电子有限公司")
    subject_id = session.scalar(select(Listing.subject_id))
    assert subject_id is not None
    first = record_person(
        session,
        SYSTEM,
        subject_id,
        PersonInput("legal_representative", "张三", "cn_ric", id_number(1)),
    )
    record_person(
        session, SYSTEM, subject_id, PersonInput("main_responsible", "李四", "cn_ric", id_number(2))
    )
    remove_person(session, SYSTEM, subject_id, first.id)
    highest = session.scalar(select(func.max(ResponsiblePerson.id)))
    assert persons_version(session) == (highest, 1)
    read = plans(session, lambda: persons_version(session))
    assert len(read) == 1
    assert "INDEX ix_responsible_persons_removed" in read[0], read[0]
    assert "SCAN responsible_persons" not in read[0], read[0]
