"""Admin console pages for API keys (create, show once, revoke, usage) and a publication run."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.admin.console.blueprint import FormProblem, bp, form_problem, reported_errors
from api.admin.context import today
from api.auth import current_actor, login_required
from api.site.charts import columns
from registry.clients.api_keys import DEFAULT_RATE_LIMIT, SCOPES, create_key, list_keys, revoke_key
from registry.clients.usage import daily_calls
from registry.errors import Conflict, InvalidValue, NotFound
from registry.models import ApiKey
from runtime import publish_now
from runtime.extensions import db
from runtime.receipt_writing import receipt_writer

KEY_FIELDS = ("name", "scopes", "rate_limit")


def _keys_page(
    problem: FormProblem | None = None, typed: Any = None, issued: str | None = None
) -> Response:
    actor = current_actor()
    page = render_template(
        "admin/keys.html",
        actor=actor,
        keys=list_keys(db.session(), actor),
        scopes=SCOPES,
        default_rate=DEFAULT_RATE_LIMIT,
        problem=problem,
        typed=typed if typed is not None else MultiDict(),
        issued=issued,
    )
    response = make_response(page, problem.status if problem else 200)
    # The page may carry a key's secret: never cached, never kept.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/keys")
@login_required
def keys() -> Response:
    """Every API key with its scopes, limits and status; the form to create one (admin)."""
    return _keys_page()


@bp.post("/keys")
@login_required
def key_create() -> Response:
    """Create a key and show its secret this once (it is stored only as a hash)."""
    form = request.form
    try:
        issued = create_key(
            db.session(),
            current_actor(),
            form.get("name", ""),
            form.getlist("scopes"),
            form.get("rate_limit", "").strip() or DEFAULT_RATE_LIMIT,
        )
    except (InvalidValue, Conflict) as error:
        return _keys_page(form_problem(error, KEY_FIELDS), form)
    return _keys_page(issued=issued.secret)


@bp.post("/keys/<int:key_id>/revoke")
@login_required
def key_revoke(key_id: int) -> Response:
    """Revoke a key at once."""
    with reported_errors():
        key = revoke_key(db.session(), current_actor(), key_id, request.form.get("reason", ""))
        flash(gettext("API key %(name)s is revoked.", name=key.name), "info")
    return redirect(url_for("admin_console.keys"), 303)


@bp.get("/keys/<int:key_id>")
@login_required
def key_usage(key_id: int) -> str:
    """A key's calls per day over the last 30 Beijing days, as a chart and a table."""
    actor = current_actor()
    actor.require("apikey.manage")
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(gettext("No API key with number %(number)s.", number=key_id))
    receipt_writer().flush()  # the calls this process has not written yet count too
    usage = daily_calls(db.session(), key_id, today())
    chart = columns([(day.strftime("%m-%d"), count) for day, count in usage])
    return render_template("admin/key.html", actor=actor, key=key, usage=usage, chart=chart)


@bp.route("/publish", methods=["GET", "POST"])
@login_required
def publish() -> str:
    """Start a publication run now and show each of its steps as it reported them."""
    actor = current_actor()
    actor.require("publication.run")
    steps: list[str] = []
    report = None
    ran = request.method == "POST"
    if ran:
        report = publish_now.publish_now(steps.append)
    return render_template(
        "admin/publish.html",
        actor=actor,
        ran=ran,
        steps=steps,
        report=report,
        available=publish_now.available(),
    )
