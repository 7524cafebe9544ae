"""Admin API: listings through their lifecycle, requests, and the reviewer queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, ClassVar

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.admin import schemas
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required, require_role
from registry.errors import translatable
from registry.listings import (
    published as published_listings,
)
from registry.listings import (
    requests as listing_requests,
)
from registry.listings import (
    workflow,
)
from registry.listings.queries import (
    get_listing,
    list_listings,
    listing_view,
    request_view,
    review_queue,
)
from registry.models import Listing
from runtime import publish_now
from runtime.extensions import session
from runtime.signing_keys import key_store

blp = Blueprint(
    "admin_listings",
    __name__,
    url_prefix="/api/v1/admin",
    description="Listings, their due-process transitions and the review queue",
)


class StaffView(MethodView):
    """An endpoint for signed-in staff; each method checks the role it needs."""

    decorators: ClassVar[list[Callable[..., Any]]] = [login_required]


def _view(listing: Listing, on: dt.date | None = None) -> dict[str, Any]:
    return listing_view(listing, policy(), today(on))


@blp.route("/listings")
class Listings(StaffView):
    @blp.arguments(schemas.ListingQuerySchema, location="query")
    @blp.response(200, schemas.ListingOutSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """List listings, optionally in one state."""
        require_role(current_actor(), RECORD_READERS, translatable("read listings"))
        found = list_listings(
            session(), query["state"], query["subject_id"], query["limit"], query["offset"]
        )
        return [_view(listing) for listing in found]

    @blp.arguments(schemas.ProposeInSchema)
    @blp.response(201, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Draft a proposal citing grounds that hold today (clerk)."""
        on = today(data.pop("on"))
        listing = workflow.propose(session(), current_actor(), policy(), today=on, **data)
        return _view(listing, on)


@blp.route("/listings/<int:listing_id>")
class ListingById(StaffView):
    @blp.response(200, schemas.ListingOutSchema)
    def get(self, listing_id: int) -> dict[str, Any]:
        """One listing with its requests and running deadlines."""
        require_role(current_actor(), RECORD_READERS, translatable("read listings"))
        return _view(get_listing(session(), listing_id))


@blp.route("/listings/<int:listing_id>/notify")
class Notify(StaffView):
    @blp.arguments(schemas.NotifyInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Record service of the notice; the defence period starts (clerk)."""
        listing = workflow.notify(
            session(), current_actor(), policy(), listing_id, data["served_on"], data["evidence"]
        )
        return _view(listing)


@blp.route("/listings/<int:listing_id>/requests")
class Requests(StaffView):
    @blp.arguments(schemas.RequestInSchema)
    @blp.response(201, schemas.RequestOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Record an objection, defence, correction or restoration request (clerk)."""
        request = listing_requests.lodge_request(
            session(),
            current_actor(),
            policy(),
            listing_id,
            data["kind"],
            data["lodged_on"],
            data["text"],
            data["evidence"],
            data["performance_evidence"],
            data["credit_commitment"],
        )
        return request_view(request, today(), policy())


@blp.route("/listings/<int:listing_id>/start-review")
class StartReview(StaffView):
    @blp.arguments(schemas.OnDateInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Move a notified listing to review once its defence period has ended."""
        on = today(data["on"])
        return _view(workflow.start_review(session(), current_actor(), listing_id, on), on)


@blp.route("/listings/<int:listing_id>/approve")
class Approve(StaffView):
    @blp.arguments(schemas.ApproveInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Approve a proposal under review (a reviewer other than the proposer)."""
        on = today(data["on"])
        listing = workflow.approve(
            session(),
            current_actor(),
            policy(),
            listing_id,
            on,
            data["reason"],
            data["document_number"],
        )
        return _view(listing, on)


@blp.route("/listings/<int:listing_id>/reject")
class Reject(StaffView):
    @blp.arguments(schemas.ReasonInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Reject a proposal under review (reviewer)."""
        return _view(workflow.reject(session(), current_actor(), listing_id, data["reason"]))


@blp.route("/listings/<int:listing_id>/withdraw")
class Withdraw(StaffView):
    @blp.arguments(schemas.ReasonInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Withdraw a draft or notified proposal."""
        return _view(workflow.withdraw(session(), current_actor(), listing_id, data["reason"]))


@blp.route("/listings/<int:listing_id>/remove")
class Remove(StaffView):
    @blp.arguments(schemas.RemoveInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Propose or confirm early removal of a published listing (two distinct reviewers)."""
        on = today(data["on"])
        listing = published_listings.remove(
            session(),
            current_actor(),
            key_store(),
            listing_id,
            data["reason_code"],
            on,
            data["reason"],
        )
        if listing.state == "removed":
            publish_now.request_run(current_app, f"listing {listing.id} removed")
        return _view(listing, on)


@blp.route("/listings/<int:listing_id>/amend")
class Amend(StaffView):
    @blp.arguments(schemas.AmendInSchema)
    @blp.response(200, schemas.ListingOutSchema)
    def post(self, data: dict[str, Any], listing_id: int) -> dict[str, Any]:
        """Correct a published listing: a new signed revision (reviewer)."""
        listing = published_listings.amend(
            session(), current_actor(), key_store(), listing_id, **data
        )
        return _view(listing)


@blp.route("/requests/<int:request_id>/decision")
class Decide(StaffView):
    @blp.arguments(schemas.DecideInSchema)
    @blp.response(200, schemas.RequestOutSchema)
    def post(self, data: dict[str, Any], request_id: int) -> dict[str, Any]:
        """Decide an objection, defence, correction or restoration request (reviewer)."""
        on = today(data["on"])
        request = listing_requests.decide_request(
            session(),
            current_actor(),
            request_id,
            data["accepted"],
            on,
            data["reason"],
            policy(),
        )
        return request_view(request, on, policy())


@blp.route("/queue")
class Queue(StaffView):
    @blp.arguments(schemas.OnDateInSchema, location="query")
    @blp.response(200, schemas.QueueOutSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The reviewer queue: under review, flagged, and open requests with deadline status."""
        require_role(current_actor(), RECORD_READERS, translatable("read the review queue"))
        return asdict(review_queue(session(), policy(), today(query["on"])))
