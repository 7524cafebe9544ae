"""The demo's cases: infringement decisions and determinations, recorded through the services."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.cases import records as cases
from registry.demo.data import AUTHORITIES, CNIPA, PROVINCES, REGIONS, patent_number
from registry.listings.policy import Policy
from registry.models import SECTORS, EnforcementCase, Subject


class DemoCases:
    """Records the cases that make a ground hold; the builder supplies session, rng and clerk."""

    session: Session
    policy: Policy
    rng: random.Random
    clerk: Actor
    documents: int

    def case(
        self,
        subject: Subject,
        decided_on: dt.date,
        kind: str = "administrative_ruling",
        act_start: dt.date | None = None,
        deliberate: bool = False,
        refused: bool = False,
        patents: list[str] | None = None,
    ) -> EnforcementCase:
        """One decision against `subject`, effective 30 days after it was made."""
        rng = self.rng
        self.documents += 1
        city = (
            rng.choice(REGIONS)[0]
            if subject.region is None
            else next((c for c, code in REGIONS if code == subject.region), REGIONS[0][0])
        )
        prefix = {
            "administrative_ruling": "知裁",
            "administrative_penalty": "市监罚",
            "court_judgment": "知民初",
        }[kind]
        act = act_start or decided_on - dt.timedelta(days=rng.randrange(90, 300))
        # Drawn even when `patents` is given, so that the rest of the demo stays the same.
        drawn = [patent_number(rng) for _ in range(rng.choice((1, 1, 2)))]
        data = cases.CaseInput(
            subject_id=subject.id,
            kind=kind,
            authority=AUTHORITIES[kind].format(city=city.removesuffix("市")),
            document_number=f"{prefix}〔{decided_on.year}〕{self.documents:04d}号",
            decided_on=decided_on,
            effective_on=decided_on + dt.timedelta(days=30),
            act_start=act,
            patents=patents or drawn,
            infringement_found=True,
            deliberate=deliberate,
            punitive_damages=deliberate and rng.random() < 0.5,
            performance_deadline=decided_on + dt.timedelta(days=60)
            if kind != "court_judgment"
            else None,
            performance_status="refused" if refused else rng.choice(("performed", "pending")),
            sectors=rng.sample(SECTORS, rng.choice((1, 1, 2))),
        )
        return cases.record_case(self.session, self.clerk, data)

    def qualifying_cases(self, subject: Subject, ground: str, anchor: dt.date) -> None:
        """Cases that make `ground` hold on `anchor` (plus some that do not matter)."""
        first = anchor - dt.timedelta(days=self.rng.randrange(500, 700))
        if self.rng.random() < 0.75:  # an older, unrelated decision that was performed
            self.case(subject, first - dt.timedelta(days=1200), "administrative_penalty")
        if ground == "deliberate_infringement":
            self.case(subject, first, "court_judgment", deliberate=True)
            self.case(subject, first - dt.timedelta(days=400), "administrative_penalty")
        elif ground == "repeat_infringement":
            earlier = self.case(subject, first)
            assert earlier.effective_on is not None
            act = earlier.effective_on + dt.timedelta(days=60)
            # A repeat infringes the same patent again (国知发保字〔2019〕52号).
            self.case(
                subject,
                act + dt.timedelta(days=120),
                "administrative_penalty",
                act_start=act,
                patents=list(earlier.patent_numbers),
            )
            if self.rng.random() < 0.5:
                self.case(subject, first - dt.timedelta(days=900), "court_judgment")
        elif ground == "refusal_to_perform":
            self.case(subject, first, "administrative_ruling", refused=True)
            self.case(subject, first + dt.timedelta(days=100), "court_judgment")
        else:
            self.determination(subject, first, ground)

    def determination(self, subject: Subject, decided_on: dt.date, conduct: str) -> EnforcementCase:
        """A determination of `conduct` by CNIPA or the subject's provincial office."""
        self.documents += 1
        kinds = self.policy.rules.list_type(conduct).basis_kinds
        province = PROVINCES.get((subject.region or "")[:2])
        provincial = "provincial_determination" in kinds and province and self.rng.random() < 0.5
        kind = "provincial_determination" if provincial else "cnipa_determination"
        data = cases.CaseInput(
            subject_id=subject.id,
            kind=kind,
            authority=f"{province}知识产权局" if provincial else CNIPA,
            document_number=f"知保认〔{decided_on.year}〕{self.documents:04d}号",
            decided_on=decided_on,
            effective_on=decided_on,
            conduct=conduct,
            sectors=self.rng.sample(SECTORS, 1),
        )
        return cases.record_case(self.session, self.clerk, data)
