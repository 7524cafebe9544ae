"""Console pages for listings: the list, a listing with its transitions, and the review queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, form_date, form_lines, reported_errors
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required, require_role
from registry.actors import Actor
from registry.errors import InvalidValue
from registry.listings import (
    published as published_listings,
)
from registry.listings import (
    requests as listing_requests,
)
from registry.listings import (
    workflow,
)
from registry.listings.published import REMOVAL_REASONS
from registry.listings.queries import get_listing, list_listings, listing_view, review_queue
from registry.listings.requests import REQUEST_KINDS
from registry.models import LISTING_STATES, ListingRequest
from runtime import publish_now
from runtime.extensions import db, session
from runtime.signing_keys import key_store

Form = Any


def _notify(actor: Actor, listing_id: int, form: Form) -> None:
    workflow.notify(
        session(), actor, policy(), listing_id, form_date(form, "served_on"), form.get("evidence")
    )


def _request(actor: Actor, listing_id: int, form: Form) -> None:
    listing_requests.lodge_request(
        session(),
        actor,
        policy(),
        listing_id,
        form.get("kind", ""),
        form_date(form, "lodged_on"),
        form.get("text", ""),
        form.get("evidence"),
        form.get("performance_evidence") or None,
        form.get("credit_commitment") or None,
    )


def _start_review(actor: Actor, listing_id: int, form: Form) -> None:
    workflow.start_review(session(), actor, listing_id, form_date(form, "on", False) or today())


def _approve(actor: Actor, listing_id: int, form: Form) -> None:
    workflow.approve(
        session(),
        actor,
        policy(),
        listing_id,
        form_date(form, "on", False) or today(),
        form.get("reason", ""),
        form.get("document_number"),
    )


def _reject(actor: Actor, listing_id: int, form: Form) -> None:
    workflow.reject(session(), actor, listing_id, form.get("reason", ""))


def _withdraw(actor: Actor, listing_id: int, form: Form) -> None:
    workflow.withdraw(session(), actor, listing_id, form.get("reason", ""))


def _remove(actor: Actor, listing_id: int, form: Form) -> None:
    listing = published_listings.remove(
        session(),
        actor,
        key_store(),
        listing_id,
        form.get("reason_code", ""),
        form_date(form, "on", False) or today(),
        form.get("reason", ""),
    )
    if listing.state == "removed":
        publish_now.request_run(current_app, f"listing {listing.id} removed")


def _amend(actor: Actor, listing_id: int, form: Form) -> None:
    published_listings.amend(
        session(),
        actor,
        key_store(),
        listing_id,
        form.get("reason", ""),
        measures=form_lines(form, "measures") or None,
        remedy=form.get("remedy") or None,
        correction_id=_form_int(form, "correction_id"),
    )


def _form_int(form: Form, name: str) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidValue(name, f"{raw!r} is not a request number")
    return int(raw)


TRANSITIONS: dict[str, tuple[Callable[[Actor, int, Form], None], str]] = {
    "notify": (_notify, "Notice recorded; the defence period is running."),
    "request": (_request, "Request recorded."),
    "start-review": (_start_review, "The listing is under review."),
    "approve": (_approve, "Approved; it will be published at the next run."),
    "reject": (_reject, "Rejected."),
    "withdraw": (_withdraw, "Withdrawn."),
    "remove": (_remove, "Removal recorded."),
    "amend": (_amend, "Correction published as a new revision."),
}


@bp.get("/listings")
@login_required
def listings() -> str:
    """Listings, optionally in one state."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, "read listings")
    state = request.args.get("state") or None
    found = list_listings(session(), state if state in LISTING_STATES else None, None, 200, 0)
    return render_template(
        "admin/listings.html",
        actor=actor,
        states=LISTING_STATES,
        state=state,
        listings=[listing_view(x, policy(), today()) for x in found],
    )


@bp.get("/listings/<int:listing_id>")
@login_required
def listing_detail(listing_id: int) -> str:
    """A listing: grounds, basis, requests, deadlines and the forms for its next steps."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, "read listings")
    listing = get_listing(session(), listing_id)
    return render_template(
        "admin/listing.html",
        actor=actor,
        listing=listing,
        view=listing_view(listing, policy(), today()),
        request_kinds=REQUEST_KINDS,
        removal_reasons=REMOVAL_REASONS,
        authority=policy().authority,
        today=today(),
    )


@bp.post("/listings/<int:listing_id>/<transition>")
@login_required
def listing_transition(listing_id: int, transition: str) -> Response:
    """Carry out one lifecycle transition from its form."""
    if transition not in TRANSITIONS:
        abort(404)
    action, done = TRANSITIONS[transition]
    with reported_errors():
        action(current_actor(), listing_id, request.form)
        flash(done, "info")
    return redirect(url_for("admin_console.listing_detail", listing_id=listing_id), 303)


@bp.post("/requests/<int:request_id>/decision")
@login_required
def request_decision(request_id: int) -> Response:
    """Accept or refuse an objection, defence, correction or restoration request."""
    found = db.session.get(ListingRequest, request_id)
    if found is None:
        abort(404)
    listing_id = found.listing_id
    with reported_errors():
        listing_requests.decide_request(
            session(),
            current_actor(),
            request_id,
            request.form.get("decision") == "accept",
            today(),
            request.form.get("reason", ""),
            policy(),
        )
        flash("Decision recorded.", "info")
    return redirect(url_for("admin_console.listing_detail", listing_id=listing_id), 303)


@bp.get("/queue")
@login_required
def queue() -> str:
    """The reviewer queue with deadlines; near and missed ones are marked in words."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, "read the review queue")
    return render_template(
        "admin/queue.html", actor=actor, queue=review_queue(session(), policy(), today())
    )
