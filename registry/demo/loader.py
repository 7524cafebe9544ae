"""The demo dataset: subjects, cases and listings in every lifecycle state.

Everything goes through the real services (rules, workflow, signing, log), with dates in the
past, so the demo's audit trail and transparency log are genuine. Loading is idempotent: a
`demo.loaded` audit record marks a complete load.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import clock
from registry.accounts import users as accounts
from registry.accounts.passwords import DEMO_PASSWORD
from registry.actors import SYSTEM, Actor
from registry.audit import trail as audit
from registry.cases import corrections
from registry.cases import records as cases
from registry.demo.cases import DemoCases
from registry.demo.data import (
    FOREIGN,
    PERSONAL_SCHEMES,
    REGIONS,
    credit_code,
    enterprise_name,
    person_name,
    personal_identifier,
)
from registry.demo.persons import DemoPersons
from registry.errors import Conflict
from registry.listings import (
    published as published_listings,
)
from registry.listings import (
    requests as listing_requests,
)
from registry.listings import (
    workflow,
)
from registry.listings.policy import Policy
from registry.models import AuditRecord, EnforcementCase, Listing, Subject, User
from registry.signing.keystore import KeyStore
from registry.subjects import records as subjects
from registry.transaction import atomic

DEMO_USERS = [
    ("demo-clerk", "clerk"),
    ("demo-reviewer", "reviewer"),
    ("demo-reviewer2", "reviewer"),
    ("demo-auditor", "auditor"),
    ("demo-admin", "admin"),
]
# (final state, number of subjects); the rest of the 62 subjects have cases but no listing.
SCENARIOS = [
    ("published", 22),
    ("amended", 2),
    ("expired", 4),
    ("removed:credit_restored", 2),
    ("removed:basis_revoked", 1),
    ("removed:error", 1),
    ("approved", 3),
    ("under_review", 3),
    ("notified", 3),
    ("draft", 3),
    ("rejected", 2),
    ("withdrawn", 2),
]
UNLISTED_SUBJECTS = 14
# Every shipped list type in turn: the infringement types, then the determination types.
GROUND_CYCLE = [
    "deliberate_infringement",
    "repeat_infringement",
    "refusal_to_perform",
    "abnormal_application",
    "agency_violation",
    "false_documents",
    "certificate_lending",
]
DEMO_STEPS = sum(n for _, n in SCENARIOS) + UNLISTED_SUBJECTS


@dataclass(frozen=True)
class DemoSummary:
    """What the demo load did."""

    loaded: bool
    subjects: int
    cases: int
    listings_by_state: dict[str, int]

    def __str__(self) -> str:
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.listings_by_state.items()))
        verb = "loaded" if self.loaded else "already loaded, nothing changed"
        return f"demo data {verb}: {self.subjects} subjects, {self.cases} cases; listings: {states}"


class DemoBuilder(DemoCases):
    """Creates subjects, cases and listings through the services."""

    def __init__(self, session: Session, policy: Policy, keys: KeyStore, today: dt.date) -> None:
        self.session = session
        self.policy = policy
        self.keys = keys
        self.today = today
        self.rng = random.Random(20261125)  # noqa: S311 - reproducible demo data, not secrets
        # Subjects draw from their own sequence, so that the cases of one list type or another
        # do not change the names and identifiers of the subjects that follow.
        self.subject_rng = random.Random(20261126)  # noqa: S311
        self.names: set[str] = set()
        self.documents = 0
        self.persons = 0
        users = {u.username: u for u in session.scalars(select(User))}
        self.clerk = _actor(users["demo-clerk"])
        self.reviewer = _actor(users["demo-reviewer"])
        self.reviewer2 = _actor(users["demo-reviewer2"])
        self.responsible = DemoPersons(session, self.clerk, self.names)

    def subject(self, index: int) -> Subject:
        """A subject: mostly enterprises, every seventh a person, every ninth foreign.

        Some Chinese enterprises also get their responsible persons recorded (demo/persons.py).
        """
        rng = self.subject_rng
        if index % 9 == 4:
            name, scheme_name, value = FOREIGN[(index // 9) % len(FOREIGN)]
            if name in self.names:
                name = name.replace(" ", f" {index} ", 1)
            self.names.add(name)
            data = subjects.SubjectInput(
                kind="legal_person",
                name=name,
                identifiers=[{"scheme": "other", "name": scheme_name, "value": f"{value}-{index}"}],
                legal_representative="J. Demo",
            )
        elif index % 7 == 3:
            self.persons += 1
            _, region = rng.choice(REGIONS)
            data = subjects.SubjectInput(
                kind="natural_person",
                name=person_name(rng, self.names),
                identifiers=[
                    personal_identifier(
                        rng, PERSONAL_SCHEMES[(self.persons - 1) % len(PERSONAL_SCHEMES)]
                    )
                ],
                region=region,
                address=f"北京市朝阳区建国路{rng.randrange(1, 400)}号院{rng.randrange(1, 30)}室",
            )
        else:
            name, city, region = enterprise_name(rng, self.names)
            trade = name.removeprefix(city)[:2]
            data = subjects.SubjectInput(
                kind="legal_person",
                name=name,
                identifiers=[{"scheme": "cn_uscc", "value": credit_code(rng, region)}],
                aliases=[f"{trade}公司"] if index % 3 == 0 else [],
                legal_representative=person_name(rng, self.names),
                region=region,
                address=f"{city}高新区科技路{rng.randrange(1, 300)}号",
            )
            enterprise = subjects.record_subject(self.session, self.clerk, data)
            self.responsible.record(index, enterprise)
            return enterprise
        return subjects.record_subject(self.session, self.clerk, data)

    def listing(self, subject: Subject, ground: str, target: str) -> Listing:
        """Walk a proposal through the lifecycle up to `target`."""
        anchors = {
            "expired": self.today - dt.timedelta(days=3 * 365 + 60),
            "removed:credit_restored": self.today - dt.timedelta(days=480),
        }
        anchor = anchors.get(target, self.today - dt.timedelta(days=self.rng.randrange(60, 700)))
        if target in ("approved", "under_review", "rejected"):
            anchor = self.today - dt.timedelta(days=45)
        if target in ("notified", "draft", "withdrawn"):
            anchor = self.today - dt.timedelta(days=3)
        self.qualifying_cases(subject, ground, anchor)
        s, pol = self.session, self.policy
        # Each step runs on its own legal day, as the clerks and reviewers would have worked.
        with clock.today_is(anchor):
            listing = workflow.propose(s, self.clerk, pol, subject.id, [ground], anchor)
            if target == "draft":
                return listing
            if target == "withdrawn":
                return workflow.withdraw(s, self.clerk, listing.id, "duplicate of another proposal")
        served = anchor + dt.timedelta(days=1)
        with clock.today_is(served):
            workflow.notify(s, self.clerk, pol, listing.id, served)
        if target == "notified":
            return listing
        assert listing.defence_deadline is not None
        review_day = listing.defence_deadline + dt.timedelta(days=1)
        if target == "under_review" and self.rng.random() < 0.7:
            with clock.today_is(served + dt.timedelta(days=3)):
                listing_requests.lodge_request(
                    s,
                    self.clerk,
                    pol,
                    listing.id,
                    "objection",
                    served + dt.timedelta(days=3),
                    "The subject disputes that the second act infringed the patent.",
                )
            return listing
        with clock.today_is(review_day):
            workflow.start_review(s, self.clerk, listing.id, review_day)
            if target == "under_review":
                return listing
            if target == "rejected":
                return workflow.reject(
                    s, self.reviewer, listing.id, "the infringement was remedied before notice"
                )
            workflow.approve(
                s,
                self.reviewer,
                pol,
                listing.id,
                review_day,
                "grounds confirmed on review",
                pol.authority.demo_document_number(review_day.year, listing.id),
            )
        if target == "approved":
            return listing
        with clock.today_is(review_day + dt.timedelta(days=1)):
            workflow.publish_approved(
                s, SYSTEM, self.keys, pol, listing.id, review_day + dt.timedelta(days=1)
            )
        if target == "amended":
            published_listings.amend(
                s,
                self.reviewer,
                self.keys,
                listing.id,
                "corrected the remedy text",
                remedy=listing.remedy + "信用修复申请向作出列入决定的部门的信用管理机构提出。",
                remedy_en=listing.remedy_en
                + " Credit restoration is applied for at the listing authority's credit office.",
            )
        elif target == "expired":
            published_listings.expire(s, SYSTEM, listing.id, self.today)
        elif target.startswith("removed:"):
            self.remove(listing, target.removeprefix("removed:"))
        return listing

    def remove(self, listing: Listing, reason_code: str) -> None:
        """Early removal by two reviewers, after restoration or revocation where needed."""
        s, pol = self.session, self.policy
        if reason_code == "credit_restored":
            request = listing_requests.lodge_request(
                s,
                self.clerk,
                pol,
                listing.id,
                "restoration",
                self.today,
                "The decision has been performed in full.",
                performance_evidence="bank transfer receipt for the damages awarded",
                credit_commitment="signed credit commitment letter on file",
            )
            # The performance is recorded on each basis case before the conditions are checked.
            for case in listing.cases:
                if case.performance_status != "performed":
                    corrections.correct_case(
                        s,
                        self.reviewer,
                        self.keys,
                        case.id,
                        "performance verified",
                        performance_status="performed",
                        policy=pol,
                    )
            listing_requests.decide_request(
                s, self.reviewer, request.id, True, self.today, "performance verified", pol
            )
        if reason_code == "basis_revoked":
            # The revoking reviewer's decision proposes the removal; a second one confirms.
            basis = listing.cases[-1]
            cases.revoke_case(
                s, self.reviewer, basis.id, self.today, "overturned on appeal", policy=pol
            )
        else:
            published_listings.remove(
                s, self.reviewer, self.keys, listing.id, reason_code, self.today, "removal proposed"
            )
        published_listings.remove(
            s, self.reviewer2, self.keys, listing.id, reason_code, self.today, "removal confirmed"
        )


def _actor(user: User) -> Actor:
    return Actor(name=user.username, role=user.role, user_id=user.id)


def _summary(session: Session, loaded: bool) -> DemoSummary:
    by_state = dict(
        session.execute(select(Listing.state, func.count()).group_by(Listing.state)).all()
    )
    return DemoSummary(
        loaded=loaded,
        subjects=session.scalar(select(func.count()).select_from(Subject)) or 0,
        cases=session.scalar(select(func.count()).select_from(EnforcementCase)) or 0,
        listings_by_state={str(k): int(v) for k, v in by_state.items()},
    )


def load_demo(
    session: Session,
    policy: Policy,
    keys: KeyStore,
    today: dt.date | None = None,
    progress: Callable[[int], None] = lambda _n: None,
) -> DemoSummary:
    """Load the demo dataset once; later calls change nothing."""
    if session.scalar(select(AuditRecord.seq).where(AuditRecord.action == "demo.loaded")):
        return _summary(session, loaded=False)
    if session.scalar(select(User.id).where(User.username == "demo-clerk")):
        raise Conflict("a previous demo load was interrupted; load the demo into a fresh database")
    for username, role in DEMO_USERS:
        accounts.create_user(
            session, username, role, DEMO_PASSWORD, actor="demo", allow_demo_password=True
        )
    builder = DemoBuilder(session, policy, keys, today or clock.beijing_today())
    index = 0
    for target, count in SCENARIOS:
        for _ in range(count):
            subject = builder.subject(index)
            with clock.today_is(builder.today):
                builder.listing(subject, GROUND_CYCLE[index % len(GROUND_CYCLE)], target)
            index += 1
            progress(1)
    for _ in range(UNLISTED_SUBJECTS):
        subject = builder.subject(index)
        decided = builder.today - dt.timedelta(days=builder.rng.randrange(100, 900))
        builder.case(subject, decided)
        if index % 3:
            builder.case(subject, decided - dt.timedelta(days=30), "administrative_penalty")
        index += 1
        progress(1)
    with atomic(session):
        audit.record(session, actor="demo", action="demo.loaded", object_type="demo", object_id=1)
    return _summary(session, loaded=True)
