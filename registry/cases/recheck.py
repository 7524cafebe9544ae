"""After a case is corrected, the grounds of every live listing resting on it are checked again.

A listing may only cite grounds that hold (DESIGN.md §2, Grounds: the engine decides which
grounds hold; a registry rule, no statutory article claimed). When a corrected effective date or
performance status means a cited ground no longer holds by the rules engine as of today:
- a proposal (draft, notified, under review, approved) is stopped, as revocation stops it, with
  the reason recorded and end reason `basis_corrected`;
- a published listing is flagged for review and its removal (reason `error`) is proposed with a
  removal due in the revocation removal period (working days), for a second reviewer to confirm;
  the entries API and site report it as pending removal from that moment.
A published listing whose refusal-to-perform ground lapses because performance is now recorded
as performed is flagged only: the registry records no date of performance, and performance after
listing is what credit restoration decides (registry/listings/restoration.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import clock
from registry.actors import Actor
from registry.audit import trail as audit
from registry.listings.grounds import evaluate_cases
from registry.listings.policy import Policy
from registry.listings.rules import GroundResult
from registry.listings.state import audit_transition, snapshot
from registry.listings.workflow import LIVE_STATES
from registry.models import EnforcementCase, Listing, ListingRequest

PROPOSAL_STATES = ("draft", "notified", "under_review", "approved")
END_REASON = "basis_corrected"


def failing_grounds(session: Session, listing: Listing, policy: Policy) -> dict[str, str]:
    """The listing's cited grounds that do not hold today on its own basis cases, with why."""
    return {code: result.explanation for code, result in failing_results(session, listing, policy)}


def failing_results(
    session: Session, listing: Listing, policy: Policy
) -> list[tuple[str, GroundResult]]:
    """The listing's cited grounds that do not hold today, each with the engine's result."""
    evaluation = evaluate_cases(session, listing.cases, clock.beijing_today(), policy)
    failing = []
    for ground in listing.grounds:
        result = evaluation.grounds.get(ground["code"])
        if result is not None and not result.holds:
            failing.append((ground["code"], result))
    return failing


def _note(case: EnforcementCase, reason: str, failing: list[tuple[str, GroundResult]]) -> str:
    why = "; ".join(f"{code}: {result.explanation}" for code, result in failing)
    return (
        f"after the correction of case {case.document_number} ({reason}), "
        f"the cited ground no longer holds: {why}"
    )


def _note_zh(
    case: EnforcementCase, reason: str, failing: list[tuple[str, GroundResult]], policy: Policy
) -> str:
    # The engine's Chinese for each ground, or its English where it gives none; the reviewer's
    # reason as typed.
    names = {t.code: t.name_zh for t in policy.rules.list_types}
    why = "；".join(
        f"{names.get(code, code)}：{result.reason_zh or result.explanation}"
        for code, result in failing
    )
    return f"案件{case.document_number}更正后（{reason}），所引依据不再成立：{why}"


def recheck_listings(
    session: Session,
    actor: Actor,
    policy: Policy,
    case: EnforcementCase,
    reason: str,
    performed_only: bool,
) -> list[Listing]:
    """Check the grounds of every live listing resting on `case`; stop or flag those that fail.

    `performed_only` says the correction only recorded the case as performed. Returns the
    listings stopped or flagged.
    """
    resting = session.scalars(
        select(Listing)
        .where(Listing.cases.any(id=case.id), Listing.state.in_(LIVE_STATES))
        .order_by(Listing.id)
    ).all()
    touched = []
    for listing in resting:
        failing = failing_results(session, listing, policy)
        if not failing:
            continue
        note = _note(case, reason, failing)
        _flag(session, actor, listing, note, _note_zh(case, reason, failing, policy))
        if listing.state in PROPOSAL_STATES:
            _stop(session, actor, listing, note)
        elif not (performed_only and {code for code, _ in failing} <= _refusal_codes(policy)):
            _propose_removal(session, actor, policy, listing, note)
        touched.append(listing)
    return touched


def _refusal_codes(policy: Policy) -> set[str]:
    return {t.code for t in policy.rules.list_types if t.rule == "refusal_to_perform"}


def _flag(session: Session, actor: Actor, listing: Listing, note: str, note_zh: str) -> None:
    before = {"review_flag": listing.review_flag}
    listing.review_flag = note
    listing.review_flag_zh = note_zh
    audit.record(
        session,
        actor=actor.name,
        action="listing.flag",
        object_type="listing",
        object_id=listing.id,
        before=before,
        after={"review_flag": note, "review_flag_zh": note_zh},
        reason=note,
    )


def _stop(session: Session, actor: Actor, listing: Listing, note: str) -> None:
    # As revocation stops a proposal: withdrawn before review, rejected once under review.
    before = snapshot(listing)
    listing.state = "withdrawn" if listing.state in ("draft", "notified") else "rejected"
    listing.end_reason = END_REASON
    listing.ended_on = clock.beijing_today()
    audit_transition(session, actor, "listing.stop", listing, before, note, reason_code=END_REASON)


def _propose_removal(
    session: Session, actor: Actor, policy: Policy, listing: Listing, note: str
) -> None:
    # The correcting reviewer proposes the removal; a second reviewer confirms it by the due day.
    if any(r.kind == "removal" and r.decision is None for r in listing.requests):
        return
    before = snapshot(listing)
    today = clock.beijing_today()
    session.add(
        ListingRequest(
            listing=listing,
            kind="removal",
            lodged_on=today,
            decision_due=policy.calendar.add_working_days(
                today, policy.periods.revocation_removal_working_days
            ),
            text=f"error: {note}",
            recorded_by=actor.user_id,
        )
    )
    session.flush()
    audit_transition(
        session, actor, "listing.remove.propose", listing, before, note, reason_code="error"
    )
