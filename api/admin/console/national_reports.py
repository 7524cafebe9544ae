"""Console page: each listing and removal decision, its export and its reporting deadline."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, form_date, reported_errors
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required, require_role
from registry.errors import InvalidValue, translatable
from registry.listings.national_reports import mark_reported, report_rows
from runtime.extensions import db


def _working_days() -> int:
    days: int = current_app.config["REGISTRY"]["NATIONAL_REPORT_WORKING_DAYS"]
    return days


@bp.get("/national-platform")
@login_required
def national_reports() -> str:
    """Decisions to report to the national platform: exported when, due when, reported when."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read registry records"))
    on = today()
    return render_template(
        "admin/national_reports.html",
        actor=actor,
        rows=report_rows(db.session(), policy().calendar, _working_days(), on),
        working_days=_working_days(),
        on=on,
    )


@bp.post("/national-platform/reported")
@login_required
def national_mark_reported() -> Response:
    """Mark one exported decision as reported (clerk)."""
    form = request.form
    with reported_errors():
        entry_id = form.get("entry_id", "").strip()
        if not entry_id:
            raise InvalidValue("entry_id", "name the entry whose decision was reported")
        reported_on = form_date(form, "reported_on", required=False) or today()
        marked = mark_reported(
            db.session(),
            current_actor(),
            reported_on,
            today(),
            entry_id,
            form.get("event") or None,
        )
        flash(f"{len(marked)} decision(s) marked reported on {reported_on}.", "info")
    return redirect(url_for("admin_console.national_reports"), 303)
