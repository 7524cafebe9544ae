"""Issue #17, Proof: random sequences of procedural commands cannot shortcut the procedure.

A hypothesis state machine records cases, serves notices (some back-dated, some claiming the
future), lodges objections and restoration requests, decides them, revokes cases, approves,
publishes, amends and advances the clock, against the real services and database. After every
step it checks the invariants of the procedure:
- no listing approved before its defence deadline by the server clock;
- none approved, published or proposed on a revoked basis without its removal under way;
- none restored before its earliest date;
- at most one live listing per subject and case;
- every change in the audit trail (each listing's state is the one its last audit record shows).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import clock
from registry.actors import SYSTEM
from registry.audit import trail as audit
from registry.cases import records as cases
from registry.errors import DomainError
from registry.listings import published as published_listings
from registry.listings import requests as listing_requests
from registry.listings import workflow
from registry.listings.periods import restoration_allowed_from
from registry.listings.policy import Policy
from registry.models import AuditRecord, EnforcementCase, Listing, ListingCase, ListingRequest
from runtime.signing_keys import key_store
from tests import builders

START = dt.date(2026, 9, 25)
LIVE = ("draft", "notified", "under_review", "approved", "published")


def test_random_procedures_keep_the_invariants(app: Flask, session: Session) -> None:
    policy = Policy.from_settings(app.config["REGISTRY"])
    team = builders.actors(session)
    keys = key_store(app)
    counter = iter(range(10_000))
    outcomes: Counter[str] = Counter()

    class Procedure(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.day = START
            number = next(counter)
            with clock.today_is(START):
                self.subject = builders.deliberate_subject(session, number=number)
            self.case_ids = [case.id for case in self.subject.cases]
            self.seen_audit = self._audit_size()

        # --- helpers --------------------------------------------------------------------

        def _audit_size(self) -> int:
            return session.scalar(select(func.count()).select_from(AuditRecord)) or 0

        def _listings(self) -> list[Listing]:
            return list(
                session.scalars(
                    select(Listing)
                    .where(Listing.subject_id == self.subject.id)
                    .order_by(Listing.id)
                )
            )

        def _pick(self, index: int) -> Listing | None:
            found = self._listings()
            return found[index % len(found)] if found else None

        def _try(self, action: Any, *args: Any, **kwargs: Any) -> None:
            before = self._audit_size()
            with clock.today_is(self.day):
                try:
                    action(*args, **kwargs)
                except DomainError:
                    session.rollback()
                    assert self._audit_size() == before, "a refused command changed the trail"
                    outcomes[f"{action.__name__}: refused"] += 1
                    return
            assert self._audit_size() > before, f"{action.__name__} changed nothing audited"
            outcomes[action.__name__] += 1

        # --- commands -------------------------------------------------------------------

        @rule(index=st.integers(0, 5))
        def progress(self, index: int) -> None:
            """The next lawful step of a listing, as a diligent registry would take it."""
            listing = self._pick(index)
            if listing is None or listing.state not in LIVE:
                self._try(
                    workflow.propose,
                    session,
                    team["clerk"],
                    policy,
                    self.subject.id,
                    ["deliberate_infringement"],
                    self.day,
                )
            elif listing.state == "draft":
                self._try(workflow.notify, session, team["clerk"], policy, listing.id, self.day)
            elif listing.state in ("notified", "under_review"):
                assert listing.defence_deadline is not None
                self.day = max(self.day, listing.defence_deadline + dt.timedelta(days=1))
                pending = [r for r in listing.requests if r.decision is None]
                deciders = {r.decided_by for r in listing.requests}
                approver = team["reviewer2"]
                if approver.user_id in deciders:
                    approver = team["reviewer"]
                if pending:
                    self._try(
                        listing_requests.decide_request,
                        session,
                        team["reviewer"],
                        pending[0].id,
                        False,
                        self.day,
                        "dismissed",
                    )
                elif listing.state == "notified":
                    self._try(workflow.start_review, session, team["clerk"], listing.id, self.day)
                else:
                    self._try(
                        workflow.approve,
                        session,
                        approver,
                        policy,
                        listing.id,
                        self.day,
                        "holds",
                        policy.authority.demo_document_number(self.day.year, listing.id),
                    )
            elif listing.state == "approved":
                self._try(
                    workflow.publish_approved, session, SYSTEM, keys, policy, listing.id, self.day
                )

        @rule(days=st.integers(0, 30))
        def advance_clock(self, days: int) -> None:
            self.day += dt.timedelta(days=days)

        @rule(claim=st.integers(-2, 1))
        def propose(self, claim: int) -> None:
            self._try(
                workflow.propose,
                session,
                team["clerk"],
                policy,
                self.subject.id,
                ["deliberate_infringement"],
                self.day + dt.timedelta(days=claim),
            )

        @rule(index=st.integers(0, 5), back=st.integers(-2, 14), evidence=st.booleans())
        def notify(self, index: int, back: int, evidence: bool) -> None:
            listing = self._pick(index)
            if listing is not None:
                served = self.day - dt.timedelta(days=back)
                self._try(
                    workflow.notify,
                    session,
                    team["clerk"],
                    policy,
                    listing.id,
                    served,
                    "EMS1234567890CN" if evidence else None,
                )

        @rule(index=st.integers(0, 5), back=st.integers(-2, 3))
        def object(self, index: int, back: int) -> None:
            listing = self._pick(index)
            if listing is not None:
                self._try(
                    listing_requests.lodge_request,
                    session,
                    team["clerk"],
                    policy,
                    listing.id,
                    "objection",
                    self.day - dt.timedelta(days=back),
                    "the act was licensed",
                    "EMS1" if back > 0 else None,
                )

        @rule(index=st.integers(0, 5), ahead=st.integers(-400, 30))
        def apply_for_restoration(self, index: int, ahead: int) -> None:
            listing = self._pick(index)
            if listing is not None:
                self._try(
                    listing_requests.lodge_request,
                    session,
                    team["clerk"],
                    policy,
                    listing.id,
                    "restoration",
                    self.day + dt.timedelta(days=ahead),
                    "performed in full",
                )

        @rule(index=st.integers(0, 5), accepted=st.booleans(), second=st.booleans())
        def decide(self, index: int, accepted: bool, second: bool) -> None:
            listing = self._pick(index)
            pending = [r for r in listing.requests if r.decision is None] if listing else []
            if pending and pending[0].kind != "removal":
                reviewer = team["reviewer2" if second else "reviewer"]
                self._try(
                    listing_requests.decide_request,
                    session,
                    reviewer,
                    pending[0].id,
                    accepted,
                    self.day,
                    "decided",
                )

        @rule(index=st.integers(0, 5), claim=st.integers(-1, 1))
        def start_review(self, index: int, claim: int) -> None:
            listing = self._pick(index)
            if listing is not None:
                on = self.day + dt.timedelta(days=claim)
                self._try(workflow.start_review, session, team["clerk"], listing.id, on)

        @rule(index=st.integers(0, 5), second=st.booleans())
        def approve(self, index: int, second: bool) -> None:
            listing = self._pick(index)
            if listing is not None:
                reviewer = team["reviewer2" if second else "reviewer"]
                self._try(
                    workflow.approve,
                    session,
                    reviewer,
                    policy,
                    listing.id,
                    self.day,
                    "grounds hold",
                    policy.authority.demo_document_number(self.day.year, listing.id),
                )

        @rule(index=st.integers(0, 5))
        def publish(self, index: int) -> None:
            listing = self._pick(index)
            if listing is not None:
                self._try(
                    workflow.publish_approved, session, SYSTEM, keys, policy, listing.id, self.day
                )

        @rule(index=st.integers(0, 5))
        def amend(self, index: int) -> None:
            listing = self._pick(index)
            if listing is not None:
                self._try(
                    published_listings.amend,
                    session,
                    team["reviewer2"],
                    keys,
                    listing.id,
                    "correction accepted",
                    remedy="Apply to the deciding authority in writing.",
                )

        # Revocation ends every procedure at once; let runs reach publication first.
        @precondition(lambda self: self.day >= START + dt.timedelta(days=40))
        @rule(back=st.integers(-1, 12), evidence=st.booleans())
        def revoke(self, back: int, evidence: bool) -> None:
            self._try(
                cases.revoke_case,
                session,
                team["reviewer"],
                self.case_ids[0],
                self.day - dt.timedelta(days=back),
                "overturned on appeal",
                "(2026)闽民终1号" if evidence else None,
                policy,
            )

        @rule(index=st.integers(0, 5), second=st.booleans())
        def remove(self, index: int, second: bool) -> None:
            listing = self._pick(index)
            if listing is not None:
                self._try(
                    published_listings.remove,
                    session,
                    team["reviewer2" if second else "reviewer"],
                    keys,
                    listing.id,
                    "basis_revoked",
                    self.day,
                    "basis revoked",
                )

        # --- invariants -----------------------------------------------------------------

        @invariant()
        def nothing_approved_before_the_defence_deadline(self) -> None:
            for listing in self._listings():
                if listing.approved_on is not None:
                    assert listing.defence_deadline is not None
                    assert listing.approved_on > listing.defence_deadline
                    assert listing.approved_on <= self.day
                if listing.notice_served_on is not None:
                    assert listing.notice_served_on <= self.day

        @invariant()
        def nothing_rests_on_a_revoked_basis(self) -> None:
            for listing in self._listings():
                if not any(case.revoked_on for case in listing.cases):
                    continue
                assert listing.state not in ("draft", "notified", "under_review", "approved")
                if listing.state == "published":
                    assert any(
                        r.kind == "removal" and r.decision is None for r in listing.requests
                    ), "a published listing on a revoked basis has no removal under way"

        @invariant()
        def no_restoration_before_its_earliest_date(self) -> None:
            for request in session.scalars(
                select(ListingRequest).where(ListingRequest.kind == "restoration")
            ):
                listed_on = request.listing.listed_on
                assert listed_on is not None
                assert request.lodged_on >= restoration_allowed_from(listed_on, policy.periods)
                assert request.lodged_on <= self.day

        @invariant()
        def at_most_one_live_listing_per_case(self) -> None:
            rows = session.execute(
                select(ListingCase.case_id, func.count())
                .join(Listing, Listing.id == ListingCase.listing_id)
                .join(EnforcementCase, EnforcementCase.id == ListingCase.case_id)
                .where(Listing.state.in_(LIVE), EnforcementCase.subject_id == self.subject.id)
                .group_by(ListingCase.case_id)
            ).all()
            assert all(count <= 1 for _case, count in rows)

        @invariant()
        def every_change_is_in_the_audit_trail(self) -> None:
            for listing in self._listings():
                last = session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.object_type == "listing")
                    .where(AuditRecord.object_id == str(listing.id))
                    .order_by(AuditRecord.seq.desc())
                ).first()
                assert last is not None
                assert (last.after or {}).get("state", listing.state) == listing.state
            assert audit.verify_chain(session).intact

    run_state_machine_as_test(
        Procedure,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # The runs reached every stage of the procedure, so the invariants were tested on them.

    for reached in ("propose", "notify", "start_review", "approve", "publish_approved"):
        assert outcomes[reached] > 0, f"no run reached {reached}: {dict(outcomes)}"
