"""Console pages for listings: the list, a listing with the steps allowed, and the review queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.admin.console.approval import approval_page
from api.admin.console.blueprint import (
    FormProblem,
    bp,
    form_date,
    form_lines,
    form_problem,
    reported_errors,
)
from api.admin.console.paging import PAGE_SIZE, offset, page_number, paged
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required, require_role
from registry.actors import Actor
from registry.errors import Conflict, InvalidValue, translatable
from registry.listings import published as published_listings
from registry.listings import requests as listing_requests
from registry.listings import workflow
from registry.listings.allowed import allowed_transitions
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
    workflow.start_review(session(), actor, listing_id, today(form_date(form, "on", False)))


def _approve(actor: Actor, listing_id: int, form: Form) -> None:
    if not form.get("confirm"):
        raise InvalidValue("confirm", gettext("Confirm that the entry shown is what to sign."))
    workflow.approve(
        session(),
        actor,
        policy(),
        listing_id,
        today(form_date(form, "on", False)),
        form.get("reason", ""),
        document_number=form.get("document_number") or None,
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
        today(form_date(form, "on", False)),
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
        raise InvalidValue(
            name,
            "%(raw)r is not a request number",
            raw=raw,
        )
    return int(raw)


# transition -> (service call, message when done, the form's fields)
TRANSITIONS: dict[str, tuple[Callable[[Actor, int, Form], None], LazyString, tuple[str, ...]]] = {
    "notify": (
        _notify,
        _l("Notice recorded; the defence period is running."),
        ("served_on", "evidence"),
    ),
    "request": (
        _request,
        _l("Request recorded."),
        ("kind", "lodged_on", "evidence", "text", "performance_evidence", "credit_commitment"),
    ),
    "start-review": (_start_review, _l("The listing is under review."), ()),
    "approve": (
        _approve,
        _l("Approved; it will be published at the next run."),
        ("reason", "document_number", "confirm"),
    ),
    "reject": (_reject, _l("Rejected."), ("reason",)),
    "withdraw": (_withdraw, _l("Withdrawn."), ("reason",)),
    "remove": (_remove, _l("Removal recorded."), ("reason_code", "reason")),
    "amend": (
        _amend,
        _l("Correction published as a new revision."),
        ("measures", "remedy", "reason", "correction_id"),
    ),
}


@bp.get("/listings")
@login_required
def listings() -> str:
    """Listings, optionally in one state, a page at a time."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read listings"))
    state = request.args.get("state") or None
    if state is not None and state not in LISTING_STATES:
        raise InvalidValue("state", gettext("Choose a state from the list."))
    name = request.args.get("name", "").strip() or None
    number = page_number()
    found = list_listings(session(), state, None, PAGE_SIZE + 1, offset(number), name=name)
    rows, page = paged(found, number)
    return render_template(
        "admin/listings.html",
        actor=actor,
        states=LISTING_STATES,
        state=state,
        name=name or "",
        page=page,
        listings=[listing_view(x, policy(), today()) for x in rows],
    )


def listing_page(
    listing_id: int,
    problem: FormProblem | None = None,
    failed: str | None = None,
    typed: Any = None,
) -> str:
    """A listing's page; after a refused form, `failed` names it and its problem is shown."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read listings"))
    listing = get_listing(session(), listing_id)
    return render_template(
        "admin/listing.html",
        actor=actor,
        listing=listing,
        view=listing_view(listing, policy(), today()),
        allowed=allowed_transitions(listing, actor),
        request_kinds=REQUEST_KINDS,
        removal_reasons=REMOVAL_REASONS,
        authority=policy().authority,
        today=today(),
        problem=problem,
        failed=failed,
        typed=typed if typed is not None else MultiDict(),
    )


@bp.get("/listings/<int:listing_id>")
@login_required
def listing_detail(listing_id: int) -> str:
    """A listing: grounds, basis, requests, deadlines and the forms for the steps allowed."""
    return listing_page(listing_id)


@bp.post("/listings/<int:listing_id>/<transition>")
@login_required
def listing_transition(listing_id: int, transition: str) -> Response | tuple[str, int]:
    """Carry out one lifecycle transition; a refused form comes back as typed beside its errors."""
    if transition not in TRANSITIONS:
        abort(404)
    action, done, fields = TRANSITIONS[transition]
    try:
        action(current_actor(), listing_id, request.form)
    except (InvalidValue, Conflict) as error:
        problem = form_problem(error, fields)
        if transition == "approve":
            return approval_page(listing_id, problem, request.form), problem.status
        return listing_page(listing_id, problem, transition, request.form), problem.status
    flash(str(done), "info")
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
        flash(gettext("Decision recorded."), "info")
    return redirect(url_for("admin_console.listing_detail", listing_id=listing_id), 303)


@bp.get("/queue")
@login_required
def queue() -> str:
    """The reviewer queue with deadlines; near and missed ones are marked in words."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read the review queue"))
    return render_template(
        "admin/queue.html", actor=actor, queue=review_queue(session(), policy(), today())
    )
