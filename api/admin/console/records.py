"""Console pages for subjects and cases; a clerk drafts a proposal from the rule explanation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, form_date, form_lines, reported_errors
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required, require_role
from registry.cases.queries import list_cases
from registry.cases.records import CaseInput, record_case, revoke_case
from registry.listings import workflow
from registry.listings.grounds import evaluate_subject
from registry.listings.list_types.loader import CONDUCTS
from registry.models import CASE_KINDS, PERFORMANCE_STATUSES, SECTORS, SUBJECT_KINDS
from registry.subjects.identifiers import SCHEMES
from registry.subjects.queries import list_subjects
from registry.subjects.records import SubjectInput, get_subject, record_subject
from runtime.extensions import db


@bp.get("/subjects")
@login_required
def subjects() -> str:
    """Subjects, with a form to record a new one."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, "read registry records")
    name = request.args.get("name", "").strip() or None
    return render_template(
        "admin/subjects.html",
        actor=actor,
        subjects=list_subjects(db.session(), name, 200, 0),
        kinds=SUBJECT_KINDS,
        schemes=SCHEMES,
        name=name or "",
    )


@bp.post("/subjects")
@login_required
def subject_create() -> Response:
    """Record a subject from the form."""
    form = request.form
    identifiers = []
    if form.get("identifier_value", "").strip():
        identifier = {
            "scheme": form.get("identifier_scheme", ""),
            "value": form.get("identifier_value", ""),
        }
        if form.get("identifier_name"):
            identifier["name"] = form["identifier_name"]
        identifiers.append(identifier)
    data = SubjectInput(
        kind=form.get("kind", ""),
        name=form.get("name", ""),
        identifiers=identifiers,
        aliases=form_lines(form, "aliases"),
        legal_representative=form.get("legal_representative") or None,
        region=form.get("region") or None,
        address=form.get("address") or None,
    )
    with reported_errors():
        subject = record_subject(db.session(), current_actor(), data)
        flash(f"Subject {subject.name} recorded.", "info")
        return redirect(url_for("admin_console.subject_detail", subject_id=subject.id), 303)
    return redirect(url_for("admin_console.subjects"), 303)


@bp.get("/subjects/<int:subject_id>")
@login_required
def subject_detail(subject_id: int) -> str:
    """A subject's cases and which grounds hold today, with the case and proposal forms."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, "read registry records")
    subject = get_subject(db.session(), subject_id)
    on = today()
    with reported_errors():
        on = form_date(request.args, "on", required=False) or on
    evaluation = evaluate_subject(db.session(), subject_id, on, policy())
    return render_template(
        "admin/subject.html",
        actor=actor,
        subject=subject,
        evaluation=evaluation,
        on=on,
        case_kinds=CASE_KINDS,
        statuses=PERFORMANCE_STATUSES,
        sectors=SECTORS,
        conducts=CONDUCTS,
    )


@bp.post("/subjects/<int:subject_id>/cases")
@login_required
def case_create(subject_id: int) -> Response:
    """Record an enforcement case against the subject."""
    form = request.form
    with reported_errors():
        data = CaseInput(
            subject_id=subject_id,
            kind=form.get("kind", ""),
            authority=form.get("authority", ""),
            document_number=form.get("document_number", ""),
            decided_on=form_date(form, "decided_on"),
            effective_on=form_date(form, "effective_on", required=False),
            act_start=form_date(form, "act_start", required=False),
            act_end=form_date(form, "act_end", required=False),
            patents=form_lines(form, "patents"),
            infringement_found="infringement_found" in form,
            deliberate="deliberate" in form,
            punitive_damages="punitive_damages" in form,
            performance_deadline=form_date(form, "performance_deadline", required=False),
            performance_status=form.get("performance_status", "pending"),
            sectors=form.getlist("sectors"),
            conduct=form.get("conduct") or None,
        )
        case = record_case(db.session(), current_actor(), data)
        flash(f"Case {case.document_number} recorded.", "info")
    return redirect(url_for("admin_console.subject_detail", subject_id=subject_id), 303)


@bp.post("/subjects/<int:subject_id>/proposals")
@login_required
def propose(subject_id: int) -> Response:
    """Draft a proposal citing the grounds ticked on the form (only holding ones are offered)."""
    with reported_errors():
        listing = workflow.propose(
            db.session(),
            current_actor(),
            policy(),
            subject_id,
            request.form.getlist("grounds"),
            today(),
            remedy=request.form.get("remedy") or None,
        )
        flash(f"Proposal {listing.id} drafted.", "info")
        return redirect(url_for("admin_console.listing_detail", listing_id=listing.id), 303)
    return redirect(url_for("admin_console.subject_detail", subject_id=subject_id), 303)


@bp.get("/cases")
@login_required
def cases() -> str:
    """Cases, filtered by sector and authority."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, "read registry records")
    sector = request.args.get("sector") or None
    authority = request.args.get("authority") or None
    found = list_cases(
        db.session(), sector=sector if sector in SECTORS else None, authority=authority, limit=200
    )
    return render_template(
        "admin/cases.html",
        actor=actor,
        cases=found,
        sectors=SECTORS,
        sector=sector or "",
        authority=authority or "",
    )


@bp.post("/cases/<int:case_id>/revoke")
@login_required
def case_revoke(case_id: int) -> Response:
    """Record that a case was revoked; listings resting on it are flagged for review."""
    with reported_errors():
        revoked_on = form_date(request.form, "revoked_on")
        assert revoked_on is not None
        flagged = revoke_case(
            db.session(),
            current_actor(),
            case_id,
            revoked_on,
            request.form.get("reason", ""),
            request.form.get("evidence"),
            policy(),
        )
        flash(f"Case revoked; {len(flagged)} listing(s) flagged for review.", "info")
    return redirect(url_for("admin_console.cases"), 303)
