"""Read-side queries of the admin surface: filtered lists, listing details and the review queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidValue, NotFound
from registry.listings.periods import deadline_status, publish_due
from registry.listings.policy import Policy
from registry.listings.requests import REQUEST_KINDS
from registry.models import (
    LISTING_STATES,
    AuditRecord,
    EnforcementCase,
    Listing,
    ListingRequest,
    Subject,
    User,
)

# Anyone signed in except the admin (users, keys) reads the registry's records.
RECORD_READERS = frozenset({"clerk", "reviewer", "auditor"})
USER_READERS = frozenset({"admin", "auditor"})


def list_subjects(session: Session, name: str | None, limit: int, offset: int) -> list[Subject]:
    """Subjects, newest first, optionally those whose name contains `name`."""
    query = select(Subject).order_by(Subject.id.desc())
    if name:
        query = query.where(Subject.name.contains(name))
    return list(session.scalars(query.limit(limit).offset(offset)))


def list_cases(
    session: Session,
    *,
    sector: str | None = None,
    authority: str | None = None,
    subject_id: int | None = None,
    decided_from: dt.date | None = None,
    decided_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EnforcementCase]:
    """Cases matching every filter given, most recently decided first."""
    if decided_from and decided_to and decided_from > decided_to:
        raise InvalidValue("decided_from", "is after decided_to")
    query = select(EnforcementCase).order_by(EnforcementCase.decided_on.desc(), EnforcementCase.id)
    if authority:
        query = query.where(EnforcementCase.authority == authority)
    if subject_id is not None:
        query = query.where(EnforcementCase.subject_id == subject_id)
    if decided_from:
        query = query.where(EnforcementCase.decided_on >= decided_from)
    if decided_to:
        query = query.where(EnforcementCase.decided_on <= decided_to)
    if not sector:
        return list(session.scalars(query.limit(limit).offset(offset)))
    # Sectors are a JSON list, filtered here so the query stays portable across databases.
    matching = [case for case in session.scalars(query) if sector in case.sectors]
    return matching[offset : offset + limit]


def list_listings(
    session: Session, state: str | None, subject_id: int | None, limit: int, offset: int
) -> list[Listing]:
    """Listings, newest first, optionally in one state or of one subject."""
    if state is not None and state not in LISTING_STATES:
        raise InvalidValue(
            "state", f"unknown state {state!r}; expected {', '.join(LISTING_STATES)}"
        )
    query = select(Listing).order_by(Listing.id.desc())
    if state:
        query = query.where(Listing.state == state)
    if subject_id is not None:
        query = query.where(Listing.subject_id == subject_id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_listing(session: Session, listing_id: int) -> Listing:
    """The listing, or NotFound."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"listing {listing_id} does not exist")
    return listing


def request_view(request: ListingRequest, today: dt.date) -> dict[str, Any]:
    """A request with the status of its decision deadline while it is open."""
    open_due = request.decision is None and request.decision_due is not None
    return {
        "id": request.id,
        "listing_id": request.listing_id,
        "kind": request.kind,
        "lodged_on": request.lodged_on,
        "decision_due": request.decision_due,
        "text": request.text,
        "decision": request.decision,
        "decided_on": request.decided_on,
        "decision_reason": request.decision_reason,
        "deadline_status": deadline_status(request.decision_due, today) if open_due else None,
    }


def listing_deadlines(listing: Listing, policy: Policy, today: dt.date) -> list[dict[str, Any]]:
    """The deadlines that are running for the listing in its current state."""
    running: list[tuple[str, dt.date]] = []
    if listing.state == "notified" and listing.defence_deadline:
        running.append(("defence period ends", listing.defence_deadline))
    if listing.state == "approved" and listing.approved_on:
        running.append(
            ("publish by", publish_due(listing.approved_on, policy.calendar, policy.periods))
        )
    if listing.state == "published" and listing.period_end:
        running.append(("listing period ends", listing.period_end))
    running += [
        (f"decide {r.kind} #{r.id}", r.decision_due)
        for r in listing.requests
        if r.decision is None and r.decision_due is not None
    ]
    return [{"name": n, "due": due, "status": deadline_status(due, today)} for n, due in running]


def listing_view(listing: Listing, policy: Policy, today: dt.date) -> dict[str, Any]:
    """A listing with its subject, basis, requests and running deadlines."""
    names = [
        "id",
        "entry_id",
        "subject_id",
        "state",
        "grounds",
        "sectors",
        "measures",
        "remedy",
        "decision_authority",
        "decision_document_number",
        "proposed_by",
        "proposed_on",
        "notice_served_on",
        "defence_deadline",
        "reviewed_by",
        "approved_on",
        "listed_on",
        "period_end",
        "ended_on",
        "end_reason",
        "revision",
        "review_flag",
    ]
    view = {name: getattr(listing, name) for name in names}
    view["subject_name"] = listing.subject.name
    view["case_ids"] = [case.id for case in listing.cases]
    view["requests"] = [request_view(r, today) for r in listing.requests]
    view["deadlines"] = listing_deadlines(listing, policy, today)
    return view


@dataclass
class ReviewQueue:
    """What a reviewer has to look at today."""

    on: dt.date
    under_review: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    open_requests: list[dict[str, Any]] = field(default_factory=list)


def review_queue(session: Session, policy: Policy, today: dt.date) -> ReviewQueue:
    """Listings under review, flagged listings and undecided requests, most urgent first."""
    queue = ReviewQueue(on=today)
    for listing in session.scalars(
        select(Listing).where(Listing.state == "under_review").order_by(Listing.id)
    ):
        queue.under_review.append(listing_view(listing, policy, today))
    for listing in session.scalars(
        select(Listing).where(Listing.review_flag.is_not(None)).order_by(Listing.id)
    ):
        queue.flagged.append(listing_view(listing, policy, today))
    requests = session.scalars(
        select(ListingRequest)
        .where(ListingRequest.decision.is_(None), ListingRequest.kind.in_(REQUEST_KINDS))
        .order_by(ListingRequest.decision_due, ListingRequest.id)
    )
    queue.open_requests = [request_view(r, today) for r in requests]
    return queue


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def audit_records(
    session: Session,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditRecord]:
    """Audit records matching every filter given, newest first."""
    query = select(AuditRecord).order_by(AuditRecord.seq.desc())
    if action:
        query = query.where(AuditRecord.action == action)
    if object_type:
        query = query.where(AuditRecord.object_type == object_type)
    if object_id:
        query = query.where(AuditRecord.object_id == object_id)
    if actor:
        query = query.where(AuditRecord.actor == actor)
    return list(session.scalars(query.limit(limit).offset(offset)))
