"""The admin read model of enforcement cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from registry.cases.queries import list_cases
from registry.errors import InvalidValue
from registry.models import EnforcementCase, Subject


def _cases(session: Session) -> list[EnforcementCase]:
    """Three cases against one subject, stored as they are (the query only reads)."""
    subject = Subject(kind="legal_person", name="Acme Ltd")
    session.add(subject)
    session.flush()
    cases = [
        EnforcementCase(
            subject_id=subject.id,
            kind="court_judgment",
            authority=authority,
            document_number=f"No. {number}",
            decided_on=decided_on,
            sectors=sectors,
        )
        for number, (authority, decided_on, sectors) in enumerate(
            [
                ("Court A", dt.date(2026, 1, 10), ["internet"]),
                ("Court B", dt.date(2026, 3, 1), ["exhibition"]),
                ("Court A", dt.date(2026, 2, 1), ["internet", "exhibition"]),
            ]
        )
    ]
    session.add_all(cases)
    session.commit()
    return cases


def test_cases_are_listed_most_recently_decided_first_and_filtered(
    bare_session: Session,
) -> None:
    january, march, february = _cases(bare_session)

    assert list_cases(bare_session) == [march, february, january]
    assert list_cases(bare_session, authority="Court A") == [february, january]
    assert list_cases(bare_session, sector="internet") == [february, january]
    assert list_cases(bare_session, sector="internet", limit=1, offset=1) == [january]
    february_on = dt.date(2026, 2, 1)
    assert list_cases(bare_session, decided_from=february_on) == [march, february]
    assert list_cases(bare_session, decided_to=february_on) == [february, january]


def test_a_date_range_that_ends_before_it_starts_is_refused(bare_session: Session) -> None:
    with pytest.raises(InvalidValue) as refused:
        list_cases(bare_session, decided_from=dt.date(2026, 2, 2), decided_to=dt.date(2026, 1, 1))
    assert refused.value.field == "decided_from"
