"""Admin API: the responsible persons of an organisation subject (identifiers masked)."""

# flask-smorest ships no types, so @blp.arguments/@blp.response are untyped; only Flask calls these.

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.admin.records import RECORD_READERS
from api.auth import SIGNED_IN, current_actor, require_role
from registry.errors import translatable
from registry.models import PERSON_ROLES, ResponsiblePerson
from registry.subjects.persons import (
    PERSON_SCHEMES,
    PersonInput,
    masked_value,
    record_person,
    remove_person,
    subject_persons,
)
from registry.subjects.records import get_subject
from runtime.extensions import db

blp = Blueprint(
    "admin_persons",
    __name__,
    url_prefix="/api/v1/admin",
    description="Responsible persons of organisation subjects (session + X-CSRFToken)",
)


class PersonInSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(PERSON_ROLES))
    name = fields.String(required=True)
    scheme = fields.String(required=True, validate=validate.OneOf(PERSON_SCHEMES))
    value = fields.String(required=True)
    scheme_name = fields.String(
        load_default=None,
        metadata={"description": "scheme name for 'other'; issuing country for 'passport'"},
    )


class PersonOutSchema(Schema):
    id = fields.Integer()
    subject_id = fields.Integer()
    role = fields.String()
    name = fields.String()
    scheme = fields.String()
    scheme_name = fields.String()
    value = fields.Method("_masked", metadata={"description": "always masked"})

    def _masked(self, person: ResponsiblePerson) -> str:
        return masked_value(person)


@blp.route("/subjects/<int:subject_id>/persons")
class SubjectPersons(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, PersonOutSchema(many=True))
    def get(self, subject_id: int) -> list[ResponsiblePerson]:
        """The subject's legal representative, main and directly responsible persons."""
        require_role(current_actor(), RECORD_READERS, translatable("read registry records"))
        get_subject(db.session(), subject_id)
        return subject_persons(db.session(), subject_id)

    @blp.arguments(PersonInSchema)
    @blp.response(201, PersonOutSchema)
    def post(self, data: dict[str, Any], subject_id: int) -> ResponsiblePerson:
        """Record a responsible person of an organisation subject (clerk)."""
        return record_person(db.session(), current_actor(), subject_id, PersonInput(**data))


@blp.route("/subjects/<int:subject_id>/persons/<int:person_id>")
class SubjectPersonById(MethodView):
    decorators = SIGNED_IN

    @blp.response(204)
    def delete(self, subject_id: int, person_id: int) -> None:
        """Remove a responsible person (clerk)."""
        remove_person(db.session(), current_actor(), subject_id, person_id)
