"""Corrections of recorded facts: a subject's name, a case's effective date and performance.

Errors in a record are corrected, never worked around with a second record. Every correction
states its reason and is audited with the values before and after. A correction that changes
what a published entry says (the subject's name, a basis case's effective date) publishes a
new signed revision of every published listing it touches, in the same transaction, so the
public never reads a stale entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import clock
from registry.actors import Actor
from registry.audit import trail as audit
from registry.cases.recheck import recheck_listings
from registry.cases.records import get_case
from registry.errors import Conflict, InvalidValue
from registry.listings.dating import not_in_future
from registry.listings.policy import Policy
from registry.listings.state import audit_transition, snapshot
from registry.models import PERFORMANCE_STATUSES, Listing
from registry.publication import events as publication
from registry.signing.keystore import KeyStore
from registry.subjects.records import clean_text, get_subject, latin_form
from registry.transaction import atomic


def rename_subject(
    session: Session, actor: Actor, keys: KeyStore, subject_id: int, name: str, reason: str
) -> list[Listing]:
    """Correct a subject's name (e.g. after a registered name change); returns listings revised.

    The former name becomes an alias, so screening still finds the subject under it.
    """
    actor.require("record.correct")
    reason = clean_text(reason, "reason", 2000, required=True)
    new_name = clean_text(name, "name", 200, required=True)
    with atomic(session):
        subject = get_subject(session, subject_id)
        if new_name == subject.name:
            raise InvalidValue("name", "is already the subject's name")
        before = {"name": subject.name, "name_latin": subject.name_latin}
        former = subject.name
        subject.name = new_name
        if not subject.name_latin_edited:
            subject.name_latin = latin_form(new_name, subject.kind)
        if former not in subject.aliases:
            subject.aliases = [*subject.aliases, former]
        audit.record(
            session,
            actor=actor.name,
            action="subject.correct",
            object_type="subject",
            object_id=subject.id,
            before=before,
            after={"name": subject.name, "name_latin": subject.name_latin},
            reason=reason,
        )
        listings = session.scalars(
            select(Listing).where(Listing.subject_id == subject.id).order_by(Listing.id)
        )
        return _revise(session, actor, keys, listings, reason)


def correct_case(
    session: Session,
    actor: Actor,
    keys: KeyStore,
    case_id: int,
    reason: str,
    effective_on: dt.date | None = None,
    performance_status: str | None = None,
    policy: Policy | None = None,
) -> list[Listing]:
    """Correct a case's effective date or performance status; returns listings revised.

    The grounds of every live listing resting on the case are then checked again
    (`recheck_listings`): a proposal whose cited ground no longer holds is stopped, a published
    listing is flagged and its removal proposed.
    """
    actor.require("record.correct")
    reason = clean_text(reason, "reason", 2000, required=True)
    if effective_on is None and performance_status is None:
        raise InvalidValue("effective_on", "give the corrected effective_on or performance_status")
    if performance_status is not None and performance_status not in PERFORMANCE_STATUSES:
        raise InvalidValue(
            "performance_status",
            "unknown status %(performance_status)r; expected %(expected)s",
            performance_status=performance_status,
            expected=", ".join(PERFORMANCE_STATUSES),
        )
    if effective_on is not None:
        not_in_future("effective_on", effective_on)
    with atomic(session):
        case = get_case(session, case_id)
        if case.revoked_on is not None:
            raise Conflict(
                "case %(case_id)s was revoked on %(revoked_on)s; a revoked case is not corrected",
                case_id=case_id,
                revoked_on=case.revoked_on.isoformat(),
            )
        if effective_on is not None and effective_on < case.decided_on:
            raise InvalidValue(
                "effective_on",
                "%(effective_on)s is before the decision of %(decided_on)s",
                effective_on=effective_on.isoformat(),
                decided_on=case.decided_on.isoformat(),
            )
        before = {
            "effective_on": case.effective_on.isoformat() if case.effective_on else None,
            "performance_status": case.performance_status,
        }
        changes_entry = effective_on is not None and effective_on != case.effective_on
        if effective_on is not None:
            case.effective_on = effective_on
        if performance_status is not None:
            case.performance_status = performance_status
        after = {
            "effective_on": case.effective_on.isoformat() if case.effective_on else None,
            "performance_status": case.performance_status,
        }
        if after == before:
            raise InvalidValue(
                "effective_on" if effective_on is not None else "performance_status",
                "changes nothing: it is what the case already records",
            )
        audit.record(
            session,
            actor=actor.name,
            action="case.correct",
            object_type="case",
            object_id=case.id,
            before=before,
            after=after,
            reason=reason,
        )
        # The performance status is not published; the effective date is, in each basis.
        revised: list[Listing] = []
        if changes_entry:
            resting = session.scalars(
                select(Listing).where(Listing.cases.any(id=case.id)).order_by(Listing.id)
            )
            revised = _revise(session, actor, keys, resting, reason)
        performed_only = not changes_entry and case.performance_status == "performed"
        recheck_listings(session, actor, policy or Policy(), case, reason, performed_only)
        return revised


def _revise(
    session: Session, actor: Actor, keys: KeyStore, listings: Iterable[Listing], reason: str
) -> list[Listing]:
    # A new signed revision of each published listing, as an amendment would publish it.
    revised = []
    for listing in listings:
        if listing.state != "published":
            continue
        before = snapshot(listing)
        listing.revision += 1
        publication.record_revision(session, keys, listing, "amended", clock.utcnow(), "correction")
        audit_transition(session, actor, "listing.amend", listing, before, reason)
        revised.append(listing)
    return revised
