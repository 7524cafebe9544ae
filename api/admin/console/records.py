"""Console pages for subjects and cases; a clerk drafts a proposal from the rule explanation."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

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
from registry.cases.queries import list_cases, recorded_authorities
from registry.cases.records import CaseInput, record_case, revoke_case
from registry.errors import Conflict, InvalidValue, translatable
from registry.listings import workflow
from registry.listings.grounds import evaluate_subject
from registry.listings.list_types.loader import CONDUCTS
from registry.models import CASE_KINDS, PERFORMANCE_STATUSES, SECTORS, SUBJECT_KINDS
from registry.subjects.identifiers import SCHEMES
from registry.subjects.queries import list_subjects
from registry.subjects.records import SubjectInput, get_subject, record_subject
from runtime.extensions import db

SUBJECT_FIELDS = (
    "kind",
    "name",
    "identifier_value",
    "identifier_name",
    "aliases",
    "legal_representative",
    "region",
    "address",
)
CASE_FIELDS = (
    "kind",
    "authority",
    "document_number",
    "decided_on",
    "effective_on",
    "act_start",
    "act_end",
    "patents",
    "conduct",
    "findings",
    "performance_deadline",
    "performance_status",
    "sectors",
)
NOTHING_TYPED: MultiDict[str, str] = MultiDict()


def authorities() -> dict[str, Any]:
    """The authorities a case may name: the configured list, else those already recorded."""
    configured = current_app.config["REGISTRY"].get("AUTHORITIES") or ""
    names = [name.strip() for name in configured.split("|") if name.strip()]
    if names:
        return {"configured": True, "names": names}
    return {"configured": False, "names": recorded_authorities(db.session())}


def _subjects_page(problem: FormProblem | None = None, typed: Any = NOTHING_TYPED) -> str:
    name = request.args.get("name", "").strip() or None
    number = page_number()
    found = list_subjects(db.session(), name, PAGE_SIZE + 1, offset(number))
    rows, page = paged(found, number)
    return render_template(
        "admin/subjects.html",
        actor=current_actor(),
        subjects=rows,
        page=page,
        kinds=SUBJECT_KINDS,
        schemes=SCHEMES,
        name=name or "",
        problem=problem,
        typed=typed,
    )


@bp.get("/subjects")
@login_required
def subjects() -> str:
    """Subjects, with a form to record a new one."""
    require_role(current_actor(), RECORD_READERS, translatable("read registry records"))
    return _subjects_page()


@bp.post("/subjects")
@login_required
def subject_create() -> Response | tuple[str, int]:
    """Record a subject from the form; a refused form comes back as typed, errors beside fields."""
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
    try:
        subject = record_subject(db.session(), current_actor(), data)
    except (InvalidValue, Conflict) as error:
        problem = form_problem(error, SUBJECT_FIELDS)
        return _subjects_page(problem, form), problem.status
    flash(gettext("Subject %(name)s recorded.", name=subject.name), "info")
    return redirect(url_for("admin_console.subject_detail", subject_id=subject.id), 303)


def _subject_page(
    subject_id: int, problem: FormProblem | None = None, typed: Any = NOTHING_TYPED
) -> str:
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read registry records"))
    subject = get_subject(db.session(), subject_id)
    on = today()
    with reported_errors():
        on = today(form_date(request.args, "on", required=False))
    evaluation = evaluate_subject(db.session(), subject_id, on, policy())
    return render_template(
        "admin/subject.html",
        actor=actor,
        subject=subject,
        evaluation=evaluation,
        on=on,
        today=today(),
        case_kinds=CASE_KINDS,
        statuses=PERFORMANCE_STATUSES,
        sectors=SECTORS,
        authorities=authorities(),
        problem=problem,
        typed=typed,
        conducts=CONDUCTS,
    )


@bp.get("/subjects/<int:subject_id>")
@login_required
def subject_detail(subject_id: int) -> str:
    """A subject's cases and which grounds hold today, with the case and proposal forms."""
    return _subject_page(subject_id)


@bp.post("/subjects/<int:subject_id>/cases")
@login_required
def case_create(subject_id: int) -> Response | tuple[str, int]:
    """Record an enforcement case; a refused form comes back as typed, errors beside fields."""
    form = request.form
    try:
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
    except (InvalidValue, Conflict) as error:
        problem = form_problem(error, CASE_FIELDS)
        return _subject_page(subject_id, problem, form), problem.status
    flash(gettext("Case %(number)s recorded.", number=case.document_number), "info")
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
        flash(gettext("Proposal %(number)s drafted.", number=listing.id), "info")
        return redirect(url_for("admin_console.listing_detail", listing_id=listing.id), 303)
    return redirect(url_for("admin_console.subject_detail", subject_id=subject_id), 303)


@bp.get("/cases")
@login_required
def cases() -> str:
    """Cases, filtered by sector and authority."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read registry records"))
    sector = request.args.get("sector") or None
    authority = request.args.get("authority") or None
    if sector is not None and sector not in SECTORS:
        raise InvalidValue("sector", gettext("Choose a sector from the list."))
    number = page_number()
    found = list_cases(
        db.session(),
        sector=sector,
        authority=authority,
        limit=PAGE_SIZE + 1,
        offset=offset(number),
    )
    rows, page = paged(found, number)
    return render_template(
        "admin/cases.html",
        actor=actor,
        cases=rows,
        page=page,
        authorities=authorities(),
        sectors=SECTORS,
        sector=sector or "",
        authority=authority or "",
        today=today(),
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
        flash(
            gettext("Case revoked; %(count)s listing(s) flagged for review.", count=len(flagged)),
            "info",
        )
    return redirect(url_for("admin_console.cases"), 303)
