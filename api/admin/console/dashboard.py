"""The dashboard: what waits for the signed-in user, deadlines near or missed, recent decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import render_template

from api.admin.console.blueprint import bp
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required
from registry.actors import Actor
from registry.audit.queries import recent_records
from registry.listings.queries import count_by_state, list_listings, listing_view, review_queue
from registry.models import AuditRecord
from runtime.extensions import session

DECISIONS = (
    "listing.approve",
    "listing.reject",
    "listing.withdraw",
    "request.decide.objection",
    "request.decide.defence",
    "request.decide.correction",
    "request.decide.restoration",
    "listing.remove",
    "listing.remove.propose",
    "listing.publish",
    "listing.amend",
)
URGENT = ("near", "missed")


@dataclass
class Waiting:
    """What waits for one user, by kind of work."""

    listings: list[dict[str, Any]] = field(default_factory=list)  # with `why`: the step due
    requests: list[dict[str, Any]] = field(default_factory=list)
    removals: list[dict[str, Any]] = field(default_factory=list)
    # (listing, deadline) pairs
    urgent: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def _reviewer_work(actor: Actor, waiting: Waiting) -> None:
    queue = review_queue(session(), policy(), today())
    for view in queue.under_review:
        if view["proposed_by"] != actor.user_id:
            waiting.listings.append({**view, "why": "approve"})
    waiting.listings += [{**view, "why": "flag"} for view in queue.flagged]
    waiting.requests = queue.open_requests
    # A removal one reviewer proposed waits for another to confirm it.
    waiting.removals = [r for r in queue.pending_removals if r["recorded_by"] != actor.user_id]


def _clerk_work(waiting: Waiting) -> None:
    on = today()
    for state, why in (("draft", "notify"), ("notified", "start-review")):
        for listing in list_listings(session(), state, None, 100, 0):
            view = listing_view(listing, policy(), on)
            defence_over = view["defence_deadline"] is None or view["defence_deadline"] < on
            if why == "notify" or defence_over:
                waiting.listings.append({**view, "why": why})


def waiting_for(actor: Actor) -> Waiting:
    """The work waiting for `actor`'s role, and the deadlines in it that are near or missed."""
    waiting = Waiting()
    if actor.role == "reviewer":
        _reviewer_work(actor, waiting)
    elif actor.role == "clerk":
        _clerk_work(waiting)
    seen: set[int] = set()
    for view in waiting.listings:
        if view["id"] in seen:
            continue
        seen.add(view["id"])
        waiting.urgent += [(view, d) for d in view["deadlines"] if d["status"] in URGENT]
    return waiting


def recent_decisions(limit: int = 10) -> list[AuditRecord]:
    """The newest decisions on listings, for every role that reads the records."""
    return recent_records(session(), DECISIONS, limit)


@bp.get("/")
@login_required
def dashboard() -> str:
    """What waits for me, deadlines near or missed, counts by state and recent decisions."""
    actor = current_actor()
    readers = actor.role in RECORD_READERS
    return render_template(
        "admin/dashboard.html",
        actor=actor,
        counts=count_by_state(session()) if readers else {},
        waiting=waiting_for(actor),
        decisions=recent_decisions() if readers else [],
    )
