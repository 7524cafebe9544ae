"""Read-side queries of listings for the admin surface: lists, details and the review queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from registry.errors import InvalidValue, NotFound
from registry.listings.periods import correction_publish_due, deadline_status, publish_due
from registry.listings.policy import Policy
from registry.listings.requests import REQUEST_KINDS
from registry.listings.restoration import check_conditions
from registry.models import LISTING_STATES, Listing, ListingRequest, Subject

# The fields of a listing the admin surface shows as they are stored.
LISTING_FIELDS = (
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
    "review_flag_zh",
)


# What `listing_view` reads of each listing, loaded for a page of listings at once (one
# statement each, not three per listing).
VIEWED_WITH = (
    selectinload(Listing.subject),
    selectinload(Listing.cases),
    selectinload(Listing.requests),
)


def list_listings(
    session: Session,
    state: str | None,
    subject_id: int | None,
    limit: int,
    offset: int,
    name: str | None = None,
) -> list[Listing]:
    """Listings, newest first, optionally in one state, of one subject, or whose name has `name`."""
    if state is not None and state not in LISTING_STATES:
        raise InvalidValue(
            "state",
            "unknown state %(state)r; expected %(expected)s",
            state=state,
            expected=", ".join(LISTING_STATES),
        )
    query = select(Listing).options(*VIEWED_WITH).order_by(Listing.id.desc())
    if state:
        query = query.where(Listing.state == state)
    if subject_id is not None:
        query = query.where(Listing.subject_id == subject_id)
    if name:
        query = query.join(Subject, Listing.subject_id == Subject.id).where(
            Subject.name.contains(name)
        )
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_by_state(session: Session) -> dict[str, int]:
    """How many listings are in each state (states without listings are left out)."""
    rows = session.execute(select(Listing.state, func.count()).group_by(Listing.state))
    return {state: number for state, number in rows}


def get_listing(session: Session, listing_id: int) -> Listing:
    """The listing, or NotFound."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(
            "listing %(listing_id)s does not exist",
            listing_id=listing_id,
        )
    return listing


def correction_due(request: ListingRequest, policy: Policy) -> dt.date | None:
    """The last day to publish an accepted correction; None once published or not accepted."""
    if (
        request.kind != "correction"
        or request.decision != "accepted"
        or request.decided_on is None
        or request.published_revision is not None
    ):
        return None
    return correction_publish_due(request.decided_on, policy.calendar, policy.periods)


def request_view(
    request: ListingRequest, today: dt.date, policy: Policy | None = None
) -> dict[str, Any]:
    """A request with the status of its decision deadline while it is open.

    An accepted correction also shows `publish_due` (None once a revision published it).
    """
    due = request.decision_due
    status = deadline_status(due, today) if request.decision is None and due is not None else None
    return {
        "id": request.id,
        "listing_id": request.listing_id,
        "kind": request.kind,
        "lodged_on": request.lodged_on,
        "decision_due": due,
        "text": request.text,
        "decision": request.decision,
        "decided_on": request.decided_on,
        "decision_reason": request.decision_reason,
        "deadline_status": status,
        "publish_due": correction_due(request, policy or Policy()),
        "published_revision": request.published_revision,
        "details": request.details or {},
        "conditions": [
            check.as_dict()
            for check in check_conditions(
                request.listing, request, (policy or Policy()).restoration_conditions
            )
        ]
        if request.kind == "restoration"
        else [],
        "recorded_by": request.recorded_by,
    }


def listing_deadlines(listing: Listing, policy: Policy, today: dt.date) -> list[dict[str, Any]]:
    """The deadlines that are running for the listing in its current state."""
    # (kind, English name, due, request); the console words each kind, the API keeps the name.
    running: list[tuple[str, str, dt.date, ListingRequest | None]] = []
    if listing.state == "notified" and listing.defence_deadline:
        running.append(("defence", "defence period ends", listing.defence_deadline, None))
    if listing.state == "approved" and listing.approved_on:
        due = publish_due(listing.approved_on, policy.calendar, policy.periods)
        running.append(("publish", "publish by", due, None))
    if listing.state == "published" and listing.period_end:
        running.append(("period_end", "listing period ends", listing.period_end, None))
    running += [
        ("request", f"decide {r.kind} #{r.id}", r.decision_due, r)
        for r in listing.requests
        if r.decision is None and r.decision_due is not None
    ]
    for r in listing.requests:
        correction_publish_by = correction_due(r, policy)
        if correction_publish_by is not None:
            running.append(
                ("correction_publish", f"publish correction #{r.id} by", correction_publish_by, r)
            )
    return [
        {
            "kind": kind,
            "name": name,
            "due": due,
            "status": deadline_status(due, today),
            "provisional": policy.calendar.is_provisional(due),
            "request_kind": request.kind if request else None,
            "request_id": request.id if request else None,
        }
        for kind, name, due, request in running
    ]


def listing_view(listing: Listing, policy: Policy, today: dt.date) -> dict[str, Any]:
    """A listing with its subject, basis, requests and running deadlines."""
    view = {name: getattr(listing, name) for name in LISTING_FIELDS}
    view["subject_name"] = listing.subject.name
    view["case_ids"] = [case.id for case in listing.cases]
    view["requests"] = [request_view(r, today, policy) for r in listing.requests]
    view["deadlines"] = listing_deadlines(listing, policy, today)
    return view


@dataclass
class ReviewQueue:
    """What a reviewer has to look at today."""

    on: dt.date
    under_review: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    open_requests: list[dict[str, Any]] = field(default_factory=list)
    # Early removals one reviewer proposed, waiting for a second reviewer to confirm.
    pending_removals: list[dict[str, Any]] = field(default_factory=list)


def review_queue(session: Session, policy: Policy, today: dt.date) -> ReviewQueue:
    """Listings under review, flagged listings, undecided requests and proposed removals."""
    queue = ReviewQueue(on=today)
    for listing in session.scalars(
        select(Listing)
        .options(*VIEWED_WITH)
        .where(Listing.state == "under_review")
        .order_by(Listing.id)
    ):
        queue.under_review.append(listing_view(listing, policy, today))
    for listing in session.scalars(
        select(Listing)
        .options(*VIEWED_WITH)
        .where(Listing.review_flag.is_not(None))
        .order_by(Listing.id)
    ):
        queue.flagged.append(listing_view(listing, policy, today))
    requests = session.scalars(
        select(ListingRequest)
        .where(ListingRequest.decision.is_(None), ListingRequest.kind.in_(REQUEST_KINDS))
        .order_by(ListingRequest.decision_due, ListingRequest.id)
    )
    queue.open_requests = [request_view(r, today, policy) for r in requests]
    removals = session.scalars(
        select(ListingRequest)
        .where(ListingRequest.decision.is_(None), ListingRequest.kind == "removal")
        .order_by(ListingRequest.lodged_on, ListingRequest.id)
    )
    queue.pending_removals = [request_view(r, today, policy) for r in removals]
    return queue
