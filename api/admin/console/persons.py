"""Console page for the responsible persons of an organisation subject (identifiers masked)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.admin.console.blueprint import bp, reported_errors
from api.admin.records import RECORD_READERS
from api.auth import current_actor, login_required, require_role
from registry.errors import translatable
from registry.models import PERSON_ROLES
from registry.subjects.persons import (
    PERSON_SCHEMES,
    ROLE_NAMES,
    PersonInput,
    masked_value,
    record_person,
    remove_person,
    subject_persons,
)
from registry.subjects.records import get_subject
from runtime.extensions import db


@bp.get("/subjects/<int:subject_id>/persons")
@login_required
def subject_persons_page(subject_id: int) -> str:
    """The subject's responsible persons, with a form to record one."""
    actor = current_actor()
    require_role(actor, RECORD_READERS, translatable("read registry records"))
    session = db.session()
    persons = subject_persons(session, subject_id)
    return render_template(
        "admin/persons.html",
        actor=actor,
        subject=get_subject(session, subject_id),
        persons=[(person, masked_value(person)) for person in persons],
        roles=PERSON_ROLES,
        role_names=ROLE_NAMES,
        schemes=PERSON_SCHEMES,
    )


@bp.post("/subjects/<int:subject_id>/persons")
@login_required
def person_create(subject_id: int) -> Response:
    """Record a responsible person from the form."""
    form = request.form
    data = PersonInput(
        role=form.get("role", ""),
        name=form.get("name", ""),
        scheme=form.get("scheme", ""),
        value=form.get("value", ""),
        scheme_name=form.get("scheme_name") or None,
    )
    with reported_errors():
        person = record_person(db.session(), current_actor(), subject_id, data)
        flash(f"{ROLE_NAMES[person.role][1].capitalize()} {person.name} recorded.", "info")
    return redirect(url_for("admin_console.subject_persons_page", subject_id=subject_id), 303)


@bp.post("/subjects/<int:subject_id>/persons/<int:person_id>/remove")
@login_required
def person_remove(subject_id: int, person_id: int) -> Response:
    """Remove a responsible person."""
    remove_person(db.session(), current_actor(), subject_id, person_id)
    flash("Responsible person removed.", "info")
    return redirect(url_for("admin_console.subject_persons_page", subject_id=subject_id), 303)
