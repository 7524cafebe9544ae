"""The demo's responsible persons: legal representatives and main responsible persons.

Recorded on some Chinese enterprises (registry/subjects/persons.py), with identifiers of every
personal scheme in turn, so that a lookup, a screen and the site search show relations. They
draw from a sequence of their own: the subjects, cases and signed entries of the demo do not
change with them (the persons are not part of the signed feed).
"""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.demo.data import PERSONAL_SCHEMES, person_name, personal_identifier
from registry.models import Subject
from registry.subjects.persons import PersonInput, record_person

# Every other enterprise has its legal representative recorded, every fourth also its main
# responsible person; resident ID numbers alternate with the other personal schemes.
REPRESENTATIVE_EVERY = 2
MAIN_RESPONSIBLE_EVERY = 4


class DemoPersons:
    """Records the responsible persons of demo enterprises, deterministically."""

    def __init__(self, session: Session, clerk: Actor, taken_names: set[str]) -> None:
        self.session = session
        self.clerk = clerk
        self.rng = random.Random(20261127)  # noqa: S311 - reproducible demo data, not secrets
        self.taken_names = taken_names  # the subjects' names: read, never added to
        self.names: set[str] = set()
        self.recorded = 0

    def _scheme(self) -> str:
        others = [s for s in PERSONAL_SCHEMES if s != "cn_ric"]
        turn = self.recorded
        return "cn_ric" if turn % 2 == 0 else others[(turn // 2) % len(others)]

    def _record(self, subject: Subject, role: str, name: str) -> None:
        identifier = personal_identifier(self.rng, self._scheme())
        data = PersonInput(
            role, name, identifier["scheme"], identifier["value"], identifier.get("country")
        )
        record_person(self.session, self.clerk, subject.id, data)
        self.recorded += 1

    def record(self, index: int, subject: Subject) -> None:
        """Record the persons of the enterprise made at `index`, where its turn comes."""
        if subject.kind != "legal_person" or index % REPRESENTATIVE_EVERY:
            return
        if subject.legal_representative:
            self._record(subject, "legal_representative", subject.legal_representative)
        if index % MAIN_RESPONSIBLE_EVERY == 0:
            taken = self.taken_names | self.names
            name = person_name(self.rng, taken)
            self.names.add(name)
            self._record(subject, "main_responsible", name)
