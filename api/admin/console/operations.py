"""Admin console pages for API keys (create, show once, revoke, usage) and publication runs."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.admin.console.blueprint import FormProblem, bp, form_problem, reported_errors
from api.admin.console.publish_steps import shown_steps
from api.admin.context import today
from api.auth import current_actor, login_required
from api.site.charts import columns
from registry.clients.api_keys import DEFAULT_RATE_LIMIT, SCOPES, create_key, list_keys, revoke_key
from registry.clients.usage import daily_calls
from registry.errors import Conflict, InvalidValue, NotFound
from registry.models import ApiKey, PublishRun
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


def _publish_page(run: PublishRun | None) -> str:
    actor = current_actor()
    return render_template(
        "admin/publish.html",
        actor=actor,
        run=run,
        outcome=_outcome(run) if run is not None else "",
        steps=shown_steps(run.steps) if run is not None else [],
        available=publish_now.available(),
    )


def _outcome(run: PublishRun) -> str:
    """How the run ended, in the reader's language ("" while it goes)."""
    message: str = ""
    if run.state == "done" and run.result:
        message = gettext(
            "Done: feed version %(version)s, log size %(size)s; %(published)s published, "
            "%(expired)s expired.",
            version=run.result["version"],
            size=run.result["tree_size"],
            published=run.result["published"],
            expired=run.result["expired"],
        )
    elif run.state == "skipped":
        message = gettext(
            "Another publication run is in progress; nothing was done. Try again in a minute."
        )
    elif run.state == "failed":
        message = gettext("The run failed: %(error)s", error=run.error or "")
    return message


def _publish_run(run_id: int) -> PublishRun:
    current_actor().require("publication.run")
    run = db.session.get(PublishRun, run_id)
    if run is None:
        raise NotFound(gettext("No publication run with number %(number)s.", number=run_id))
    return run


@bp.get("/publish")
@login_required
def publish() -> str:
    """The run going now, or the last one, and the button that starts a run (admin)."""
    current_actor().require("publication.run")
    return _publish_page(publish_now.running() or publish_now.latest())


@bp.post("/publish")
@login_required
def publish_start() -> Response:
    """Start a run in the background, or, while one goes, show that one instead."""
    actor = current_actor()
    actor.require("publication.run")
    if not publish_now.available():
        raise Conflict(gettext("This process cannot publish; run the publisher command instead."))
    run, started = publish_now.start(actor.name)
    if not started:
        flash(gettext("A publication run is already going; here is its progress."), "info")
    return redirect(url_for("admin_console.publish_run", run_id=run.id), 303)


@bp.get("/publish/runs/<int:run_id>")
@login_required
def publish_run(run_id: int) -> str:
    """One run's steps so far; the page follows the run while it goes (static/admin/publish.js)."""
    return _publish_page(_publish_run(run_id))


@bp.get("/publish/runs/<int:run_id>/progress")
@login_required
def publish_progress(run_id: int) -> Response:
    """The run's state, steps so far and outcome as JSON, for the page to poll."""
    run = _publish_run(run_id)
    shown = {"shown_steps": shown_steps(run.steps), "outcome": _outcome(run)}
    response = jsonify(publish_now.progress(run) | shown)
    response.headers["Cache-Control"] = "no-store"
    return response
