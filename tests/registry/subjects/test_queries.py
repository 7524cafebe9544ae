"""The admin read model of subjects."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.models import Subject
from registry.subjects.queries import list_subjects


def test_subjects_are_listed_newest_first_and_found_by_part_of_the_name(
    bare_session: Session,
) -> None:
    names = ["Acme Ltd", "Beta Co", "Acme Trading"]
    bare_session.add_all(Subject(kind="legal_person", name=name) for name in names)
    bare_session.commit()

    assert [s.name for s in list_subjects(bare_session, None, 10, 0)] == names[::-1]
    assert [s.name for s in list_subjects(bare_session, "Acme", 10, 0)] == [
        "Acme Trading",
        "Acme Ltd",
    ]
    assert [s.name for s in list_subjects(bare_session, None, 1, 1)] == ["Beta Co"]
