"""Console page for clerks to import enforcement cases from a CSV file, all or nothing."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext

from api.admin.console.blueprint import bp, reported_errors
from api.auth import current_actor, login_required
from api.error_language import row_reason
from registry.actors import Actor
from registry.cases.import_file import COLUMNS, REQUIRED_COLUMNS, ImportLimits
from registry.cases.importer import ImportReport, import_cases
from registry.errors import InvalidValue
from runtime.extensions import session


def import_limits() -> ImportLimits:
    """The limits for uploads: IMPORT_MAX_BYTES / IMPORT_MAX_ROWS in the app config, if set."""
    config = current_app.config
    return ImportLimits(
        max_bytes=int(config.get("IMPORT_MAX_BYTES", ImportLimits.max_bytes)),
        max_rows=int(config.get("IMPORT_MAX_ROWS", ImportLimits.max_rows)),
    )


def _page(actor: Actor, report: ImportReport | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "admin/import.html",
        actor=actor,
        report=report,
        limits=import_limits(),
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        row_reason=row_reason,
    )
    return page, status


@bp.get("/import")
@login_required
def import_form() -> tuple[str, int]:
    """The upload form and the columns a file may have (clerks only)."""
    actor = current_actor()
    actor.require("case.record")
    return _page(actor)


@bp.post("/import")
@login_required
def import_upload() -> tuple[str, int]:
    """Check and import the uploaded file; show every error, or what was imported."""
    actor = current_actor()
    actor.require("case.record")
    upload = request.files.get("file")
    limits = import_limits()
    with reported_errors():
        if upload is None or not upload.filename:
            raise InvalidValue("file", gettext("choose a CSV file to upload"))
        # One byte past the limit is enough to refuse the file without reading all of it.
        data = upload.stream.read(limits.max_bytes + 1)
        report = import_cases(
            session(),
            actor,
            data,
            limits,
            dry_run="dry_run" in request.form,
            skip_bad_rows="skip_bad_rows" in request.form,
        )
        return _page(actor, report, 422 if report.refused else 200)
    return _page(actor, status=422)
