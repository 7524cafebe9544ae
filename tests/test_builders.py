"""The test builders reach what they promise through the services, with a genuine audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit import trail as audit
from registry.listings import grounds
from registry.listings.policy import Policy
from registry.models import AuditRecord, LogEvent
from registry.subjects.records import subject_identifiers
from tests import builders

# What each state has put in the transparency log.
LOG_EVENTS = {
    "published": ["listed"],
    "removed": ["listed", "removed"],
    "expired": ["listed", "removed"],
}


@pytest.mark.parametrize("state", builders.STATES)
def test_a_listing_is_walked_to_each_state(session: Session, state: str) -> None:
    listing = builders.listing(session, state=state)
    assert listing.state == state
    assert audit.verify_chain(session).intact
    events = [e.event for e in session.scalars(select(LogEvent).order_by(LogEvent.seq))]
    assert events == LOG_EVENTS.get(state, [])


def test_each_ground_holds_for_the_subject_made_for_it(session: Session) -> None:
    for ground in ("deliberate_infringement", "repeat_infringement"):
        listing = builders.listing(session, state="draft", ground=ground)
        assert [g["code"] for g in listing.grounds] == [ground]
        evaluation = grounds.evaluate_subject(
            session, listing.subject_id, builders.PROPOSED, Policy()
        )
        assert evaluation.grounds[ground].holds


def test_subjects_carry_valid_identifiers_of_their_kind(session: Session) -> None:
    made = [
        builders.enterprise(session),
        builders.enterprise(session, number=1),
        builders.natural_person(session),
        builders.foreign_company(session),
    ]
    schemes = [[i.scheme for i in subject_identifiers(s)] for s in made]
    assert schemes == [["cn_uscc"], ["cn_uscc"], ["cn_ric"], ["other"]]
    assert made[2].kind == "natural_person"
    actions = session.scalars(select(AuditRecord.action)).all()
    assert actions.count("subject.record") == len(made)


def test_accounts_are_made_once_and_shared(session: Session) -> None:
    first = builders.users(session)
    assert builders.users(session) == first
    assert {name: u.role for name, u in first.items()} == builders.STAFF
    assert builders.user(session, "clerk") is first["clerk"]
    with pytest.raises(AssertionError, match="already a clerk"):
        builders.user(session, "reviewer", username="clerk")
