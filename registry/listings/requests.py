"""Requests lodged against a listing and their decisions; each is audited.

```
notified|under_review --objection|defence--> under_review (held until decided, 15 days)
published --correction | restoration (after the waiting period)--> published
pending request --decide--> accepted | refused
under_review --objection upheld--> rejected
```

Removal requests are decided by two reviewers in `registry.published_listings.remove`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.errors import Conflict, InvalidTransition, InvalidValue, NotFound, translatable
from registry.listings.allowed import FROM_STATES
from registry.listings.dating import check_occurred_on, not_in_future
from registry.listings.periods import objection_decision_due, restoration_allowed_from
from registry.listings.policy import Policy
from registry.listings.restoration import check_conditions
from registry.listings.state import audit_transition, load_listing, require_state, snapshot
from registry.models import ListingRequest
from registry.subjects.records import clean_text
from registry.transaction import atomic

REQUEST_KINDS = ("objection", "defence", "correction", "restoration")
# The states in which an objection or defence holds the proposal until it is decided.
HELD_STATES = ("notified", "under_review")


def lodge_request(
    session: Session,
    actor: Actor,
    policy: Policy,
    listing_id: int,
    kind: str,
    lodged_on: dt.date,
    text: str,
    evidence: str | None = None,
    performance_evidence: str | None = None,
    credit_commitment: str | None = None,
) -> ListingRequest:
    """Record an objection, defence, correction or restoration request from the subject.

    An objection or defence during the defence period moves the listing to review at once.
    `lodged_on` is the legal date the subject lodged it: never in the future, and when earlier
    than today, within the back-dating window and citing `evidence` (registry.listings.dating).
    A restoration application may cite the evidence of performance and the subject's credit
    commitment (registry.listings.restoration).
    """
    if kind not in REQUEST_KINDS:
        raise InvalidValue(
            "kind",
            "unknown request %(kind)r; expected %(expected)s",
            kind=kind,
            expected=", ".join(REQUEST_KINDS),
        )
    details = {
        name: clean_text(value, name, 500)
        for name, value in (
            ("performance_evidence", performance_evidence),
            ("credit_commitment", credit_commitment),
        )
        if value is not None
    }
    if details and kind != "restoration":
        raise InvalidValue(
            next(iter(details)), "is recorded only with a credit-restoration application"
        )
    actor.require("listing.objection" if kind in ("objection", "defence") else "listing.request")
    body = clean_text(text, "text", 10_000, required=True, as_typed=True)
    with atomic(session):
        listing = load_listing(session, listing_id)
        preceding = (
            (listing.notice_served_on, translatable("service of the notice"))
            if kind in ("objection", "defence")
            else (listing.listed_on, translatable("the listing"))
        )
        backdating = check_occurred_on(
            "lodged_on",
            lodged_on,
            policy.periods.backdating_window_days,
            evidence,
            not_before=[preceding],
        )
        if kind in ("objection", "defence"):
            require_state(listing, f"lodge an {kind} against", FROM_STATES[kind])
        elif kind == "correction":
            require_state(listing, "request a correction of", FROM_STATES["correction"])
        else:
            require_state(listing, "apply for credit restoration of", FROM_STATES["restoration"])
            assert listing.listed_on is not None
            periods = policy.periods_for(g["code"] for g in listing.grounds)
            earliest = restoration_allowed_from(listing.listed_on, periods)
            if lodged_on < earliest:
                raise InvalidTransition(
                    "apply for credit restoration of",
                    listing.state,
                    "restoration may be applied for from %(earliest)s",
                    earliest=earliest.isoformat(),
                )
        request = ListingRequest(
            listing=listing,
            kind=kind,
            lodged_on=lodged_on,
            decision_due=objection_decision_due(lodged_on, policy.calendar, policy.periods),
            text=body,
            recorded_by=actor.user_id,
            details={k: v for k, v in details.items() if v} or None,
        )
        session.add(request)
        before = snapshot(listing)
        if listing.state == "notified":
            listing.state = "under_review"
        session.flush()
        audit_transition(
            session,
            actor,
            f"listing.{kind}",
            listing,
            before,
            None,
            request_id=request.id,
            **({"backdated": backdating.audit()} if backdating else {}),
        )
    return request


def decide_request(
    session: Session,
    actor: Actor,
    request_id: int,
    accepted: bool,
    today: dt.date,
    reason: str,
    policy: Policy | None = None,
) -> ListingRequest:
    """Decide an objection, defence, correction or restoration request.

    Credit restoration is granted only when every configured condition is met
    (`policy.restoration_conditions`, registry.listings.restoration).
    """
    actor.require("listing.decide")
    reason = clean_text(reason, "reason", 2000, required=True)
    not_in_future("on", today)
    with atomic(session):
        request = session.get(ListingRequest, request_id, with_for_update=True)
        if request is None:
            raise NotFound(
                "request %(request_id)s does not exist",
                request_id=request_id,
            )
        if request.kind not in REQUEST_KINDS:
            raise InvalidTransition(
                "decide", request.kind, "removals are decided through the two-reviewer removal"
            )
        if request.decision is not None:
            raise InvalidTransition(
                "decide",
                request.decision,
                "request %(request_id)s is already decided",
                request_id=request_id,
            )
        recorder = request.recorded_by
        if (
            accepted
            and request.kind == "restoration"
            and recorder is not None
            and recorder == actor.user_id
        ):
            raise InvalidTransition(
                "decide", "pending", "a reviewer cannot decide a request they recorded"
            )
        listing = request.listing
        if accepted and request.kind == "restoration":
            conditions = (policy or Policy()).restoration_conditions
            unmet = [c for c in check_conditions(listing, request, conditions) if not c.met]
            if unmet:
                raise Conflict(
                    "request %(request_id)s: credit restoration cannot be granted, conditions "
                    "not met: %(unmet)s",
                    request_id=request.id,
                    unmet="; ".join(f"{c.code} ({c.detail})" for c in unmet),
                )
        before = snapshot(listing)
        request.decision = "accepted" if accepted else "refused"
        request.decided_on = today
        request.decided_by = actor.user_id
        request.decision_reason = reason
        if accepted and request.kind == "objection" and listing.state in HELD_STATES:
            # An upheld objection ends the proposal; the decision is its reason.
            listing.state = "rejected"
            listing.reviewed_by = actor.user_id
        audit_transition(
            session,
            actor,
            f"request.decide.{request.kind}",
            listing,
            before,
            reason,
            request_id=request.id,
            decision=request.decision,
        )
    return request
