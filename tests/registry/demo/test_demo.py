"""The demo dataset: every lifecycle state, idempotent, with an intact audit trail and log."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import clock
from registry.audit import trail as audit
from registry.demo.data import PERSONAL_SCHEMES
from registry.demo.loader import load_demo
from registry.listings.policy import Policy
from registry.models import (
    LISTING_STATES,
    EnforcementCase,
    EntryRevision,
    Listing,
    LogEvent,
    ResponsiblePerson,
    Subject,
    SubjectIdentifier,
)
from registry.publication.as_of import list_state
from registry.publication.events import open_log
from registry.screening.persons import load_relations
from registry.subjects.identifiers import validate_identifier
from runtime.signing_keys import key_store


def _fingerprint(session: Session) -> tuple[int, ...]:
    models = (Subject, EnforcementCase, Listing, LogEvent, EntryRevision)
    counts = [session.scalar(select(func.count()).select_from(model)) or 0 for model in models]
    return (*counts, audit.count(session))


def test_demo_loads_every_state_once(app: Flask, session: Session) -> None:
    policy = Policy.from_settings(app.config["REGISTRY"])
    first = load_demo(session, policy, key_store(app))
    assert first.loaded
    assert first.subjects >= 60
    assert first.cases >= 120  # a determination type rests on one document
    assert set(first.listings_by_state) == set(LISTING_STATES)
    kinds = dict(session.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all())
    assert kinds["natural_person"] >= 5
    assert session.scalar(select(func.count()).where(SubjectIdentifier.scheme == "other")) >= 5
    sectors = {s for case in session.scalars(select(EnforcementCase)) for s in case.sectors}
    assert len(sectors) == 7
    # Every shipped list type is listed on, every personal scheme appears on a natural person.
    cited = {g["code"] for listing in session.scalars(select(Listing)) for g in listing.grounds}
    assert cited == {t.code for t in policy.list_types}
    kinds_of_case = set(session.scalars(select(EnforcementCase.kind)))
    assert {"cnipa_determination", "provincial_determination"} <= kinds_of_case
    person_schemes = set(
        session.scalars(
            select(SubjectIdentifier.scheme).join(Subject).where(Subject.kind == "natural_person")
        )
    )
    assert person_schemes == set(PERSONAL_SCHEMES)
    published = session.scalars(select(EntryRevision)).all()
    assert {r.bundle["entry"]["type"] for r in published if r.bundle} == {"ipl.entry/v2"}

    before = _fingerprint(session)
    second = load_demo(session, policy, key_store(app))
    assert not second.loaded
    assert _fingerprint(session) == before

    assert audit.verify_chain(session).intact
    events = session.scalars(select(LogEvent).order_by(LogEvent.seq)).all()
    assert [e.seq for e in events] == list(range(len(events)))
    assert open_log(session).size == len(events)
    reasons = {e.reason for e in events if e.event == "removed"}
    assert reasons == {"expired", "credit_restored", "basis_revoked", "error"}


def test_the_demo_records_responsible_persons_that_screen_as_relations(
    app: Flask, session: Session
) -> None:
    load_demo(session, Policy.from_settings(app.config["REGISTRY"]), key_store(app))
    persons = session.scalars(select(ResponsiblePerson).order_by(ResponsiblePerson.id)).all()
    assert {p.role for p in persons} == {"legal_representative", "main_responsible"}
    subjects = {p.subject_id: session.get(Subject, p.subject_id) for p in persons}
    assert {s.kind for s in subjects.values() if s} == {"legal_person"}
    assert len({p.scheme for p in persons}) >= 3 and set(p.scheme for p in persons) <= set(
        PERSONAL_SCHEMES
    )
    for person in persons:
        validate_identifier(person.scheme, person.value, country=person.scheme_name or None)
        if person.role == "legal_representative":
            assert person.name == getattr(subjects[person.subject_id], "legal_representative")

    state = list_state(session, open_log(session).size, clock.beijing_today())
    relations = load_relations(session, state)
    listed = [r for r in relations if state.entries[r.entry_id].status(state.day) == "listed"]
    assert {r.role for r in listed} == {"legal_representative", "main_responsible"}
    shown = json.dumps([r.as_public_dict(state) for r in relations], ensure_ascii=False)
    assert all(p.value not in shown for p in persons)
