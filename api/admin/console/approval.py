"""Approval with a preview: the entry as it will be signed, rendered as the site shows it."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from api.admin.console.blueprint import FormProblem, bp
from api.admin.context import policy, today
from api.auth import current_actor, login_required
from api.site.i18n import current_language
from api.site.views import entry_helpers
from registry.errors import Conflict
from registry.listings.allowed import allowed_transitions
from registry.listings.periods import restoration_allowed_from
from registry.listings.preview import approval_preview
from registry.listings.queries import get_listing, listing_view
from runtime.extensions import session


def approval_page(listing_id: int, problem: FormProblem | None = None, typed: Any = None) -> str:
    """The entry approval would publish, with the reason, document number and confirmation."""
    actor = current_actor()
    listing = get_listing(session(), listing_id)
    if "approve" not in allowed_transitions(listing, actor):
        actor.require("listing.approve")
        if listing.proposed_by == actor.user_id:
            raise Conflict(
                gettext("You proposed this listing, so another reviewer must decide it.")
            )
        raise Conflict(gettext("Only a listing under review can be approved."))
    typed = typed if typed is not None else MultiDict()
    the_policy = policy()
    content = approval_preview(listing, the_policy, today(), typed.get("document_number"))
    return render_template(
        "admin/approve.html",
        actor=actor,
        view=listing_view(listing, the_policy, today()),
        content=content,
        periods=the_policy.periods,
        # The entry is this registry's decision: its objection address is the one published.
        objection_contact=the_policy.authority.objection_contact,
        restoration_from=restoration_allowed_from(today(), the_policy.periods).isoformat(),
        problem=problem,
        typed=typed,
        **entry_helpers(current_language()),
    )


@bp.route("/listings/<int:listing_id>/approval", methods=["GET", "POST"])
@login_required
def approval(listing_id: int) -> str:
    """Preview the entry to be signed (POST carries the reason and number typed so far)."""
    return approval_page(listing_id, typed=request.form if request.method == "POST" else None)
