"""The due-process path of a listing, from draft to published; each transition is audited.

```
draft --notify--> notified --(defence period ends | objection lodged)--> under_review
under_review --approve (reviewer other than proposer)--> approved --publish--> published
under_review --reject--> rejected            draft|notified --withdraw--> withdrawn
```

Objections, defences and other requests lodged against a listing, and their decisions, are in
`registry.listing_requests`; what may happen to a published listing afterwards is in
`registry.published_listings`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import clock
from registry.actors import Actor
from registry.errors import Conflict, InvalidTransition, InvalidValue, translatable
from registry.listings.allowed import FROM_STATES
from registry.listings.dating import check_occurred_on, not_in_future
from registry.listings.grounds import evaluate_subject
from registry.listings.list_types.loader import ListType
from registry.listings.periods import defence_deadline, period_end
from registry.listings.policy import Policy
from registry.listings.remedy import standard_remedy
from registry.listings.rules import GroundResult, check_proposal_grounds
from registry.listings.state import audit_transition, load_listing, require_state, snapshot
from registry.models import SECTORS, EnforcementCase, Listing, ListingCase
from registry.publication import events as publication
from registry.signing.keystore import KeyStore
from registry.subjects.records import clean_text, get_subject
from registry.transaction import atomic


def propose(
    session: Session,
    actor: Actor,
    policy: Policy,
    subject_id: int,
    grounds: Sequence[str],
    today: dt.date,
    case_ids: Sequence[int] = (),
    sectors: Sequence[str] | None = None,
    measures: Sequence[str] | None = None,
    remedy: str | None = None,
) -> Listing:
    """Draft a proposal citing only grounds that hold today, with their explanations.

    The deciding authority is the registry's configured one (`policy.authority`), never the
    court or office that decided a basis case.
    """
    actor.require("listing.propose")
    not_in_future("on", today)
    requested = list(dict.fromkeys(grounds))
    if not requested:
        raise InvalidValue("grounds", "cite at least one ground")
    with atomic(session):
        subject = get_subject(session, subject_id)
        evaluation = evaluate_subject(session, subject_id, today, policy)
        check_proposal_grounds(set(requested), evaluation)
        cited = {cid for code in requested for cid in evaluation.grounds[code].case_ids}
        basis_ids = list(dict.fromkeys(case_ids)) or sorted(cited)
        own = {case.id: case for case in subject.cases}
        foreign = [cid for cid in basis_ids if cid not in own]
        if foreign:
            raise InvalidValue(
                "case_ids",
                "cases %(foreign)s are not cases against this subject",
                foreign=foreign,
            )
        missing = sorted(cited - set(basis_ids))
        if missing:
            raise InvalidValue(
                "case_ids",
                "the cited grounds rest on cases %(missing)s; include them",
                missing=missing,
            )
        _check_basis_not_used(session, subject.id, basis_ids)
        basis: list[EnforcementCase] = [own[cid] for cid in basis_ids]
        # A revoked case supports nothing, whatever earlier date the proposal claims.
        revoked = [case for case in basis if case.revoked_on is not None]
        if revoked:
            assert revoked[0].revoked_on is not None
            raise InvalidTransition(
                "propose",
                "draft",
                "basis case %(document_number)s was revoked on %(revoked_on)s",
                document_number=revoked[0].document_number,
                revoked_on=revoked[0].revoked_on.isoformat(),
            )
        chosen_sectors = (
            sorted(set(sectors))
            if sectors is not None
            else sorted({s for case in basis for s in case.sectors})
        )
        unknown = sorted(set(chosen_sectors) - set(SECTORS))
        if unknown:
            raise InvalidValue(
                "sectors",
                "unknown sector %(unknown)s",
                unknown=", ".join(unknown),
            )
        types = [policy.rules.list_type(code) for code in requested]
        authority = policy.authority.name
        written_remedy = clean_text(remedy, "remedy", 2000, as_typed=True)
        remedy_zh, remedy_en = (
            (written_remedy, written_remedy)
            if written_remedy
            else (standard_remedy(authority, types, policy.periods_for(requested), policy.remedy))
        )
        listing = Listing(
            subject_id=subject.id,
            state="draft",
            grounds=[_ground_record(t, evaluation.grounds[t.code]) for t in types],
            sectors=chosen_sectors,
            measures=list(measures)
            if measures
            else _unique(m for t in types for m in t.measures_zh),
            measures_en=list(measures)
            if measures
            else _unique(m for t in types for m in t.measures_en),
            remedy=remedy_zh,
            remedy_en=remedy_en,
            decision_authority=policy.authority.name,
            proposed_by=actor.user_id,
            proposed_on=today,
            cases=basis,
        )
        session.add(listing)
        session.flush()
        audit_transition(session, actor, "listing.propose", listing, {}, None, grounds=requested)
    return listing


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _ground_record(list_type: ListType, result: GroundResult) -> dict[str, str]:
    # What a published entry says of the ground: its type's names and citation, and why it
    # holds, Chinese first (ipl.entry/v2).
    return {
        "code": list_type.code,
        "explanation": result.explanation,
        "explanation_zh": result.explanation_zh,
        "name_zh": list_type.name_zh,
        "name_en": list_type.name_en,
        "citation_zh": list_type.citation_zh,
        "citation_en": list_type.citation_en,
    }


def _codes(listing: Listing) -> list[str]:
    return [ground["code"] for ground in listing.grounds]


# A proposal in one of these states is live: a second one on the same cases would list twice.
LIVE_STATES = ("draft", "notified", "under_review", "approved", "published")
# Removals after which the same cases can never support a listing again.
FINAL_REMOVALS = ("credit_restored", "basis_revoked")


def _check_basis_not_used(session: Session, subject_id: int, basis_ids: Sequence[int]) -> None:
    # One live listing per subject and basis; and once a listing was removed because credit
    # was restored or its basis revoked, its cases cannot list the subject again.
    citing = select(ListingCase.listing_id).where(ListingCase.case_id.in_(basis_ids))
    for other in session.scalars(
        select(Listing)
        .where(Listing.subject_id == subject_id, Listing.id.in_(citing))
        .order_by(Listing.id)
    ):
        shared = sorted({case.id for case in other.cases} & set(basis_ids))
        if other.state in LIVE_STATES:
            raise Conflict(
                "listing %(other_id)s (%(state)s) already rests on cases %(shared)s; a "
                "second proposal on the same basis is refused while it is live",
                other_id=other.id,
                state=other.state,
                shared=shared,
            )
        if other.state == "removed" and other.end_reason in FINAL_REMOVALS:
            raise Conflict(
                "listing %(other_id)s on cases %(shared)s was removed (%(end_reason)s) on "
                "%(ended_on)s; the subject cannot be listed again on the same cases",
                other_id=other.id,
                shared=shared,
                end_reason=other.end_reason,
                ended_on=other.ended_on.isoformat() if other.ended_on else "-",
            )


def require_live_basis(listing: Listing, transition: str) -> None:
    """Refuse `transition` when a case the listing rests on has been revoked (on any date)."""
    revoked = [case for case in listing.cases if case.revoked_on is not None]
    if revoked:
        case = revoked[0]
        assert case.revoked_on is not None
        raise InvalidTransition(
            transition,
            listing.state,
            "basis case %(document_number)s was revoked on %(revoked_on)s",
            document_number=case.document_number,
            revoked_on=case.revoked_on.isoformat(),
        )


def notify(
    session: Session,
    actor: Actor,
    policy: Policy,
    listing_id: int,
    served_on: dt.date,
    evidence: str | None = None,
) -> Listing:
    """Record service of the notice; the defence period runs in working days from it.

    A notice recorded after the day it was served must cite its evidence (postal tracking or
    document number) and lie within the back-dating window (registry.listings.dating).
    """
    actor.require("listing.notify")
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "notify", FROM_STATES["notify"])
        require_live_basis(listing, "notify")
        effective = [case.effective_on for case in listing.cases if case.effective_on]
        backdating = check_occurred_on(
            "served_on",
            served_on,
            policy.periods.backdating_window_days,
            evidence,
            not_before=[
                (listing.proposed_on, translatable("the proposal")),
                (max(effective, default=None), translatable("the latest basis case took effect")),
            ],
        )
        before = snapshot(listing)
        listing.state = "notified"
        listing.notice_served_on = served_on
        listing.defence_deadline = defence_deadline(served_on, policy.calendar, policy.periods)
        audit_transition(
            session,
            actor,
            "listing.notify",
            listing,
            before,
            None,
            defence_deadline=listing.defence_deadline.isoformat(),
            **({"backdated": backdating.audit()} if backdating else {}),
        )
    return listing


def start_review(session: Session, actor: Actor, listing_id: int, today: dt.date) -> Listing:
    """Move a notified listing to review once its defence period has ended."""
    actor.require("listing.review")
    not_in_future("on", today)
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "start review of", FROM_STATES["start-review"])
        assert listing.defence_deadline is not None
        if today <= listing.defence_deadline:
            raise InvalidTransition(
                "start review of",
                listing.state,
                "the defence period runs until %(defence_deadline)s",
                defence_deadline=listing.defence_deadline.isoformat(),
            )
        before = snapshot(listing)
        listing.state = "under_review"
        audit_transition(session, actor, "listing.review", listing, before, "defence period ended")
    return listing


def _check_four_eyes(listing: Listing, actor: Actor, transition: str) -> None:
    if actor.user_id is not None and actor.user_id == listing.proposed_by:
        raise InvalidTransition(
            transition, listing.state, "a reviewer cannot decide their own proposal"
        )


def _check_objections_decided(listing: Listing, actor: Actor) -> None:
    # An objection or defence holds the proposal until it is decided; an upheld objection has
    # already ended it. Whoever decided one may not also approve the listing (four eyes).
    for request in listing.requests:
        if request.kind not in ("objection", "defence"):
            continue
        if request.decision is None:
            raise InvalidTransition(
                "approve",
                listing.state,
                "%(request_kind)s #%(request_id)s is not decided yet (due by %(decision_due)s)",
                request_kind=request.kind,
                request_id=request.id,
                decision_due=request.decision_due.isoformat() if request.decision_due else "-",
            )
        if request.kind == "objection" and request.decision == "accepted":
            raise InvalidTransition(
                "approve",
                listing.state,
                "objection #%(request_id)s was upheld",
                request_id=request.id,
            )
        if actor.user_id is not None and request.decided_by == actor.user_id:
            raise InvalidTransition(
                "approve",
                listing.state,
                "you decided %(request_kind)s #%(request_id)s; another reviewer must approve",
                request_kind=request.kind,
                request_id=request.id,
            )


def approve(
    session: Session,
    actor: Actor,
    policy: Policy,
    listing_id: int,
    today: dt.date,
    reason: str,
    document_number: str | None,
) -> Listing:
    """Approve a proposal under review, recording the decision document number issued for it.

    The grounds must still hold today; the number must match the configured authority's
    pattern (nothing is made up when it is missing).
    """
    actor.require("listing.approve")
    reason = clean_text(reason, "reason", 2000, required=True)
    number = policy.authority.check_document_number(document_number)
    not_in_future("on", today)
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "approve", FROM_STATES["approve"])
        _check_four_eyes(listing, actor, "approve")
        require_live_basis(listing, "approve")
        _check_objections_decided(listing, actor)
        # An objection moves a proposal to review early; approval still waits for the whole
        # defence period, counted by the server clock (`today` is never after it).
        if listing.defence_deadline is None or today <= listing.defence_deadline:
            raise InvalidTransition(
                "approve",
                listing.state,
                "the defence period runs until %(defence_deadline)s",
                defence_deadline=listing.defence_deadline,
            )
        evaluation = evaluate_subject(session, listing.subject_id, today, policy)
        check_proposal_grounds({g["code"] for g in listing.grounds}, evaluation)
        _check_number_unused(session, listing, number)
        before = snapshot(listing)
        listing.state = "approved"
        listing.reviewed_by = actor.user_id
        listing.approved_on = today
        listing.review_flag = None
        listing.review_flag_zh = None
        listing.decision_decided_on = today
        listing.decision_authority = policy.authority.name
        listing.decision_document_number = number
        audit_transition(session, actor, "listing.approve", listing, before, reason)
    return listing


def _check_number_unused(session: Session, listing: Listing, number: str) -> None:
    other = session.scalar(
        select(Listing.id).where(
            Listing.decision_document_number == number, Listing.id != listing.id
        )
    )
    if other is not None:
        raise Conflict(
            "document_number: %(number)s is already the decision of listing %(other)s; each "
            "listing decision has its own document number",
            number=number,
            other=other,
        )


def reject(session: Session, actor: Actor, listing_id: int, reason: str) -> Listing:
    """Reject a proposal under review."""
    actor.require("listing.reject")
    reason = clean_text(reason, "reason", 2000, required=True)
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "reject", FROM_STATES["reject"])
        _check_four_eyes(listing, actor, "reject")
        before = snapshot(listing)
        listing.state = "rejected"
        listing.reviewed_by = actor.user_id
        audit_transition(session, actor, "listing.reject", listing, before, reason)
    return listing


def withdraw(session: Session, actor: Actor, listing_id: int, reason: str) -> Listing:
    """Withdraw a proposal before review."""
    actor.require("listing.withdraw")
    reason = clean_text(reason, "reason", 2000, required=True)
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "withdraw", FROM_STATES["withdraw"])
        before = snapshot(listing)
        listing.state = "withdrawn"
        audit_transition(session, actor, "listing.withdraw", listing, before, reason)
    return listing


def publish_approved(
    session: Session, actor: Actor, keys: KeyStore, policy: Policy, listing_id: int, today: dt.date
) -> Listing:
    """Publish an approved listing: entry id, period, signed entry, `listed` log event."""
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "publish", ["approved"])
        before = snapshot(listing)
        listing.state = "published"
        listing.listed_on = today
        listing.period_end = period_end(today, policy.periods_for(_codes(listing)))
        listing.revision = 1
        listing.entry_id = publication.next_entry_id(session, today.year)
        publication.record_revision(session, keys, listing, "listed", clock.utcnow(), None)
        audit_transition(session, actor, "listing.publish", listing, before, None)
    return listing


def due_for_review(session: Session, today: dt.date) -> list[int]:
    """Notified listings whose defence period is over."""
    return list(
        session.scalars(
            select(Listing.id).where(Listing.state == "notified", Listing.defence_deadline < today)
        )
    )


def approved_waiting(session: Session) -> list[int]:
    """Approved listings waiting for the next publication run, oldest first."""
    return list(
        session.scalars(
            select(Listing.id)
            .where(Listing.state == "approved")
            .order_by(Listing.approved_on, Listing.id)
        )
    )
