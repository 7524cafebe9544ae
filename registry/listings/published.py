"""Transitions of a published listing: amendment, early removal by two reviewers, expiry.

```
published --amend (correction)--> published (new revision)
published --remove (two distinct reviewers)--> removed
published --(period ends)--> expired
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from registry import clock
from registry.actors import Actor
from registry.errors import Conflict, InvalidTransition, InvalidValue
from registry.listings.allowed import FROM_STATES
from registry.listings.calendar import add_days
from registry.listings.dating import not_in_future
from registry.listings.policy import Policy
from registry.listings.state import audit_transition, load_listing, require_state, snapshot
from registry.models import SECTORS, EntryRevision, Listing, ListingRequest
from registry.publication import events as publication
from registry.signing.keystore import KeyStore
from registry.subjects.records import clean_text
from registry.transaction import atomic

REMOVAL_REASONS = ("credit_restored", "basis_revoked", "error")


def _pending_removal(listing: Listing) -> ListingRequest | None:
    return next((r for r in listing.requests if r.kind == "removal" and r.decision is None), None)


def remove(
    session: Session,
    actor: Actor,
    keys: KeyStore,
    listing_id: int,
    reason_code: str,
    today: dt.date,
    reason: str,
) -> Listing:
    """Remove a published listing early: the first reviewer proposes, a second confirms."""
    actor.require("listing.remove")
    if reason_code not in REMOVAL_REASONS:
        raise InvalidValue(
            "reason_code",
            "expected one of %(expected)s",
            expected=", ".join(REMOVAL_REASONS),
        )
    reason = clean_text(reason, "reason", 2000, required=True)
    not_in_future("on", today)
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "remove", FROM_STATES["remove"])
        if reason_code == "credit_restored" and not any(
            r.kind == "restoration" and r.decision == "accepted" for r in listing.requests
        ):
            raise InvalidTransition(
                "remove", listing.state, "no accepted credit-restoration application"
            )
        before = snapshot(listing)
        pending = _pending_removal(listing)
        if pending is None:
            session.add(
                ListingRequest(
                    listing=listing,
                    kind="removal",
                    lodged_on=today,
                    text=f"{reason_code}: {reason}",
                    recorded_by=actor.user_id,
                )
            )
            session.flush()
            audit_transition(
                session,
                actor,
                "listing.remove.propose",
                listing,
                before,
                reason,
                reason_code=reason_code,
            )
            return listing
        if pending.recorded_by == actor.user_id:
            raise InvalidTransition(
                "remove", listing.state, "a second, different reviewer must confirm"
            )
        first_code = pending.text.split(":", 1)[0]
        if first_code != reason_code:
            raise InvalidTransition(
                "remove",
                listing.state,
                "the first reviewer proposed removal for %(first_code)s",
                first_code=first_code,
            )
        pending.decision = "accepted"
        pending.decided_on = today
        pending.decided_by = actor.user_id
        pending.decision_reason = reason
        listing.state = "removed"
        listing.ended_on = today
        listing.end_reason = reason_code
        listing.review_flag = None
        listing.review_flag_zh = None
        publication.record_removal(session, listing, reason_code, clock.utcnow())
        audit_transition(
            session, actor, "listing.remove", listing, before, reason, reason_code=reason_code
        )
    return listing


def amend(
    session: Session,
    actor: Actor,
    keys: KeyStore,
    listing_id: int,
    reason: str,
    measures: Sequence[str] | None = None,
    remedy: str | None = None,
    sectors: Sequence[str] | None = None,
    correction_id: int | None = None,
    remedy_en: str | None = None,
) -> Listing:
    """Correct a published listing: a new signed revision and an `amended` log event.

    `correction_id` names the accepted correction request this revision publishes; it is then
    closed (its publication deadline stops running). An amendment must change the entry.
    New measures or remedy are published as written, in every language, unless `remedy_en`
    gives the English remedy alongside.
    """
    actor.require("listing.amend")
    reason = clean_text(reason, "reason", 2000, required=True)
    given = [n for n, v in (("measures", measures), ("remedy", remedy), ("sectors", sectors)) if v]
    if not given:
        raise InvalidValue("measures", "give the corrected measures, remedy or sectors")
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "amend", FROM_STATES["amend"])
        correction = _open_correction(listing, correction_id)
        before = snapshot(listing)
        published = (list(listing.measures), listing.remedy, list(listing.sectors))
        if measures is not None:
            listing.measures = [
                clean_text(m, f"measures[{i}]", 300, True, as_typed=True)
                for i, m in enumerate(measures)
            ]
            listing.measures_en = list(listing.measures)
        if remedy is not None:
            listing.remedy = clean_text(remedy, "remedy", 2000, required=True, as_typed=True)
            listing.remedy_en = listing.remedy
        if remedy_en is not None:
            listing.remedy_en = clean_text(
                remedy_en, "remedy_en", 2000, required=True, as_typed=True
            )
        if sectors is not None:
            unknown = sorted(set(sectors) - set(SECTORS))
            if unknown:
                raise InvalidValue(
                    "sectors",
                    "unknown sector %(unknown)s",
                    unknown=", ".join(unknown),
                )
            listing.sectors = sorted(set(sectors))
        if (list(listing.measures), listing.remedy, list(listing.sectors)) == published:
            raise InvalidValue(given[0], "changes nothing: it is what the entry already says")
        listing.revision += 1
        publication.record_revision(session, keys, listing, "amended", clock.utcnow(), "correction")
        if correction is not None:
            correction.published_revision = listing.revision
        audit_transition(
            session,
            actor,
            "listing.amend",
            listing,
            before,
            reason,
            **({"correction_id": correction.id} if correction is not None else {}),
        )
    return listing


def _open_correction(listing: Listing, correction_id: int | None) -> ListingRequest | None:
    # The correction an amendment publishes: accepted, of this listing, not yet published.
    if correction_id is None:
        return None
    found = next((r for r in listing.requests if r.id == correction_id), None)
    problem = (
        "is not a correction request of this listing"
        if found is None or found.kind != "correction"
        else "is not accepted"
        if found.decision != "accepted"
        else f"was already published in revision {found.published_revision}"
        if found.published_revision is not None
        else None
    )
    if problem is not None:
        raise Conflict(
            "correction_id: correction #%(correction_id)s %(problem)s",
            correction_id=correction_id,
            problem=problem,
        )
    return found


def expire(session: Session, actor: Actor, listing_id: int, today: dt.date) -> Listing:
    """End a published listing whose period is over (`removed` event, reason `expired`)."""
    with atomic(session):
        listing = load_listing(session, listing_id)
        require_state(listing, "expire", ["published"])
        assert listing.period_end is not None
        # `period_end` is the last day listed; the entry expires when the next day starts.
        if today <= listing.period_end:
            raise InvalidTransition(
                "expire",
                listing.state,
                "the period runs until %(period_end)s inclusive",
                period_end=listing.period_end,
            )
        before = snapshot(listing)
        listing.state = "expired"
        listing.ended_on = listing.period_end
        listing.end_reason = "expired"
        publication.record_removal(session, listing, "expired", clock.utcnow())
        audit_transition(session, actor, "listing.expire", listing, before, "listing period ended")
    return listing


def due_for_expiry(session: Session, today: dt.date) -> list[int]:
    """Published listings whose last listed day (`period_end`) is before `today`."""
    return list(
        session.scalars(
            select(Listing.id).where(Listing.state == "published", Listing.period_end < today)
        )
    )


def due_for_purge(session: Session, policy: Policy, today: dt.date) -> list[str]:
    """Entry ids of removed or expired listings past the retention period still holding content.

    Listings purged in an earlier run are left out by the query itself, so a run reads no
    listing it has nothing to do for.
    """
    # `purged_at`, not `bundle`: a purged bundle is stored as JSON null, not as SQL NULL.
    holding = exists().where(
        EntryRevision.entry_id == Listing.entry_id, EntryRevision.purged_at.is_(None)
    )
    return [
        entry_id
        for entry_id in session.scalars(
            select(Listing.entry_id)
            .where(
                Listing.state.in_(("removed", "expired")),
                Listing.entry_id.is_not(None),
                Listing.ended_on <= add_days(today, -policy.retention_days),
                holding,
            )
            .order_by(Listing.id)
        )
        if entry_id is not None
    ]
