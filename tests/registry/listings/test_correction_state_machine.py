"""Issue #17, Proof (corrections and edits): random sequences cannot leave an entry stale.

A hypothesis state machine starts from published listings and drives correction requests,
their decisions, amendments citing them (or not), corrections of the subject's name and of
case effective dates and performance, restoration applications with and without their
evidence, grants, and clock advances, against the real services and database. After every
step it checks:
- every published entry's latest signed revision says what the records say now (name,
  effective dates): an edit that changes published content produced a new revision;
- an accepted correction is either published in a revision that exists, or still due;
- no credit restoration granted without its configured conditions;
- no live listing cites a ground that does not hold after a correction: a proposal whose
  ground a corrected case voided is stopped, a published entry is flagged with its removal
  proposed (a repeat-infringement entry and proposal ride along for that);
- a refused command changes nothing in the audit trail, and the hash chain verifies.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import clock
from registry.audit import trail as audit
from registry.cases.corrections import correct_case, rename_subject
from registry.cases.recheck import failing_grounds
from registry.errors import DomainError
from registry.listings import published as published_listings
from registry.listings import requests as listing_requests
from registry.listings.policy import Policy
from registry.listings.queries import correction_due
from registry.listings.workflow import LIVE_STATES
from registry.models import AuditRecord, EnforcementCase, EntryRevision, Listing, ListingRequest
from runtime.signing_keys import key_store
from tests import builders

START = dt.date(2027, 10, 20)  # one year after the builders' listings: restoration is open
STATUSES = ("performed", "pending", "refused")


def test_random_corrections_keep_published_entries_true(app: Flask, session: Session) -> None:
    policy = Policy.from_settings(app.config["REGISTRY"])
    team = builders.actors(session)
    keys = key_store(app)
    counter = iter(range(10_000))
    outcomes: Counter[str] = Counter()

    class Corrections(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.day = START
            listing = builders.listing(session, state="published", policy=policy, team=team)
            self.listing_id = listing.id
            self.subject_id = listing.subject_id
            # A repetition breaks when its earlier finding is corrected to after the later act.
            others = [
                builders.listing(
                    session, state=state, ground="repeat_infringement", policy=policy, team=team
                )
                for state in ("published", "notified")
            ]
            self.listing_ids = [listing.id] + [other.id for other in others]
            self.case_ids = [case.id for one in (listing, *others) for case in one.cases]

        def _listing(self) -> Listing:
            found = session.get(Listing, self.listing_id)
            assert found is not None
            return found

        def _audit_size(self) -> int:
            return session.scalar(select(func.count()).select_from(AuditRecord)) or 0

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

        def _open(self, kind: str) -> ListingRequest | None:
            return next(
                (r for r in self._listing().requests if r.kind == kind and r.decision is None),
                None,
            )

        # --- commands -------------------------------------------------------------------

        @rule(days=st.integers(0, 6))
        def advance(self, days: int) -> None:
            self.day += dt.timedelta(days=days)

        @rule()
        def request_correction(self) -> None:
            self._try(
                listing_requests.lodge_request,
                session,
                team["clerk"],
                policy,
                self.listing_id,
                "correction",
                self.day,
                "the measures are misstated",
            )

        @rule(accepted=st.booleans(), kind=st.sampled_from(["correction", "restoration"]))
        def decide(self, accepted: bool, kind: str) -> None:
            request = self._open(kind)
            if request is not None:
                self._try(
                    listing_requests.decide_request,
                    session,
                    team["reviewer"],
                    request.id,
                    accepted,
                    self.day,
                    "decided",
                    policy,
                )

        @rule(cite=st.booleans(), same=st.booleans())
        def amend(self, cite: bool, same: bool) -> None:
            listing = self._listing()
            cited = next((r.id for r in listing.requests if r.kind == "correction"), None)
            remedy = listing.remedy if same else f"Corrected remedy {next(counter)}."
            self._try(
                published_listings.amend,
                session,
                team["reviewer2"],
                keys,
                self.listing_id,
                "correction published",
                remedy=remedy,
                correction_id=cited if cite else None,
            )

        @rule(same=st.booleans())
        def rename(self, same: bool) -> None:
            name = self._listing().subject.name if same else f"更正名称公司{next(counter)}"
            self._try(
                rename_subject, session, team["reviewer"], keys, self.subject_id, name, "renamed"
            )

        @rule(index=st.integers(0, 5), shift=st.integers(-5, 150), status=st.sampled_from(STATUSES))
        def correct(self, index: int, shift: int, status: str) -> None:
            case_id = self.case_ids[index % len(self.case_ids)]
            case = session.get(EnforcementCase, case_id)
            assert case is not None
            decided = case.decided_on
            effective = decided + dt.timedelta(days=shift) if shift % 2 else None
            self._try(
                correct_case,
                session,
                team["reviewer"],
                keys,
                case_id,
                "record corrected",
                effective_on=effective,
                performance_status=None if effective else status,
                policy=policy,
            )

        @rule(evidence=st.booleans(), commitment=st.booleans())
        def apply_for_restoration(self, evidence: bool, commitment: bool) -> None:
            self._try(
                listing_requests.lodge_request,
                session,
                team["clerk"],
                policy,
                self.listing_id,
                "restoration",
                self.day,
                "performed",
                performance_evidence="receipt 1" if evidence else None,
                credit_commitment="letter 1" if commitment else None,
            )

        # --- invariants -----------------------------------------------------------------

        @invariant()
        def the_published_entry_says_what_the_records_say(self) -> None:
            listing = self._listing()
            latest = session.scalars(
                select(EntryRevision)
                .where(EntryRevision.entry_id == listing.entry_id)
                .order_by(EntryRevision.revision.desc())
            ).first()
            assert latest is not None and latest.revision == listing.revision
            entry = latest.bundle["entry"]
            assert entry["subject"]["name"] == listing.subject.name
            assert entry["remedy"] == listing.remedy
            assert [b["effective_on"] for b in entry["basis"]] == [
                c.effective_on.isoformat() if c.effective_on else None for c in listing.cases
            ]

        @invariant()
        def accepted_corrections_are_published_or_due(self) -> None:
            listing = self._listing()
            for request in listing.requests:
                if request.kind != "correction" or request.decision != "accepted":
                    assert request.published_revision is None
                elif request.published_revision is not None:
                    assert 2 <= request.published_revision <= listing.revision
                else:
                    assert correction_due(request, policy) is not None

        @invariant()
        def no_restoration_granted_without_its_conditions(self) -> None:
            for request in self._listing().requests:
                if request.kind == "restoration" and request.decision == "accepted":
                    details = request.details or {}
                    assert details.get("performance_evidence")
                    assert details.get("credit_commitment")

        @invariant()
        def no_live_listing_cites_a_ground_that_does_not_hold(self) -> None:
            for listing_id in self.listing_ids:
                listing = session.get(Listing, listing_id)
                assert listing is not None
                if listing.state not in LIVE_STATES:
                    # Only a correction ends a proposal here; it says why, and is flagged.
                    assert listing.end_reason == "basis_corrected" and listing.review_flag
                    outcomes["stopped"] += 1
                    continue
                with clock.today_is(self.day):
                    failing = failing_grounds(session, listing, policy)
                if failing:
                    assert listing.state == "published", f"{listing.state} cites {failing}"
                    assert listing.review_flag
                    assert any(r.kind == "removal" and r.decision is None for r in listing.requests)
                    outcomes["flagged for removal"] += 1

        @invariant()
        def the_trail_is_intact(self) -> None:
            assert audit.verify_chain(session).intact

    run_state_machine_as_test(
        Corrections,
        # Derandomised: the same examples every run, so the check below that runs reached each
        # outcome is a fact about this test, not a matter of luck on a given day.
        settings=settings(
            max_examples=12,
            derandomize=True,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # The runs reached every kind of correction, so the invariants were tested on them.
    for reached in ("lodge_request", "decide_request", "amend", "rename_subject", "correct_case"):
        assert outcomes[reached] > 0, f"no run reached {reached}: {dict(outcomes)}"
    for reached in ("flagged for removal", "stopped"):
        assert outcomes[reached] > 0, f"no correction voided a ground: {dict(outcomes)}"
