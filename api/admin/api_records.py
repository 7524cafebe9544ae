"""Admin API: the session, subjects, enforcement cases, patent invalidations and rule evaluation."""

# flask-smorest ships no types, so @blp.arguments/@blp.response are untyped; only Flask calls these.

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from api.admin import schemas
from api.admin.context import policy, today
from api.admin.records import RECORD_READERS
from api.auth import SIGNED_IN, current_actor, require_role
from registry.cases.corrections import correct_case, rename_subject
from registry.cases.queries import list_cases
from registry.cases.records import (
    CaseInput,
    get_case,
    record_case,
    record_patent_invalidation,
    revoke_case,
)
from registry.errors import translatable
from registry.listings.grounds import evaluate_subject
from registry.models import EnforcementCase, Subject
from registry.subjects.queries import list_subjects
from registry.subjects.records import SubjectInput, get_subject, record_subject
from runtime.extensions import db
from runtime.signing_keys import key_store

blp = Blueprint(
    "admin_records",
    __name__,
    url_prefix="/api/v1/admin",
    description="Subjects, enforcement cases and rule evaluation (session + X-CSRFToken)",
)


def _read_access() -> None:
    require_role(current_actor(), RECORD_READERS, translatable("read registry records"))


@blp.route("/session")
class SessionResource(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.SessionOutSchema)
    def get(self) -> dict[str, Any]:
        """Who is signed in, and the CSRF token to send as X-CSRFToken."""
        actor = current_actor()
        return {
            "id": actor.user_id,
            "username": actor.name,
            "role": actor.role,
            "csrf_token": generate_csrf(),
        }


@blp.route("/subjects")
class Subjects(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.SubjectQuerySchema, location="query")
    @blp.response(200, schemas.SubjectOutSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[Subject]:
        """List subjects, newest first."""
        _read_access()
        return list_subjects(db.session(), query["name"], query["limit"], query["offset"])

    @blp.arguments(schemas.SubjectInSchema)
    @blp.response(201, schemas.SubjectOutSchema)
    def post(self, data: dict[str, Any]) -> Subject:
        """Record a subject (clerk)."""
        return record_subject(db.session(), current_actor(), SubjectInput(**data))


@blp.route("/subjects/<int:subject_id>")
class SubjectById(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.SubjectOutSchema)
    def get(self, subject_id: int) -> Subject:
        """One subject."""
        _read_access()
        return get_subject(db.session(), subject_id)


@blp.route("/subjects/<int:subject_id>/evaluation")
class SubjectEvaluation(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.EvaluationQuerySchema, location="query")
    @blp.response(200, schemas.EvaluationOutSchema)
    def get(self, query: dict[str, Any], subject_id: int) -> dict[str, Any]:
        """Which grounds hold for the subject on a day, why, and on which cases and dates."""
        _read_access()
        evaluation = evaluate_subject(db.session(), subject_id, today(query["on"]), policy())
        return {
            "subject_id": subject_id,
            "on": evaluation.on,
            "grounds": list(evaluation.grounds.values()),
            "set_aside": list(evaluation.set_aside),
        }


@blp.route("/cases")
class Cases(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.CaseQuerySchema, location="query")
    @blp.response(200, schemas.CaseOutSchema(many=True))
    def get(self, query: dict[str, Any]) -> list[EnforcementCase]:
        """List cases, filtered by sector, authority, subject and decision dates."""
        _read_access()
        return list_cases(db.session(), **query)

    @blp.arguments(schemas.CaseInSchema)
    @blp.response(201, schemas.CaseOutSchema)
    def post(self, data: dict[str, Any]) -> EnforcementCase:
        """Record an enforcement case (clerk)."""
        return record_case(db.session(), current_actor(), CaseInput(**data))


@blp.route("/cases/<int:case_id>")
class CaseById(MethodView):
    decorators = SIGNED_IN

    @blp.response(200, schemas.CaseOutSchema)
    def get(self, case_id: int) -> EnforcementCase:
        """One case."""
        _read_access()
        return get_case(db.session(), case_id)


@blp.route("/cases/<int:case_id>/revoke")
class CaseRevoke(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.RevokeInSchema)
    @blp.response(200, schemas.FlaggedOutSchema)
    def post(self, data: dict[str, Any], case_id: int) -> dict[str, Any]:
        """Record that a case was revoked or overturned; listings resting on it are flagged."""
        flagged = revoke_case(
            db.session(),
            current_actor(),
            case_id,
            data["revoked_on"],
            data["reason"],
            data["evidence"],
            policy(),
        )
        return {"flagged_listing_ids": [listing.id for listing in flagged]}


@blp.route("/subjects/<int:subject_id>/correct")
class SubjectCorrect(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.SubjectCorrectInSchema)
    @blp.response(200, schemas.RevisedOutSchema)
    def post(self, data: dict[str, Any], subject_id: int) -> dict[str, Any]:
        """Correct a subject's name, with a reason (reviewer); published entries are revised."""
        revised = rename_subject(
            db.session(), current_actor(), key_store(), subject_id, data["name"], data["reason"]
        )
        return {"revised_listing_ids": [listing.id for listing in revised]}


@blp.route("/cases/<int:case_id>/correct")
class CaseCorrect(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.CaseCorrectInSchema)
    @blp.response(200, schemas.RevisedOutSchema)
    def post(self, data: dict[str, Any], case_id: int) -> dict[str, Any]:
        """Correct a case's effective date or performance status, with a reason (reviewer)."""
        revised = correct_case(
            db.session(), current_actor(), key_store(), case_id, **data, policy=policy()
        )
        return {"revised_listing_ids": [listing.id for listing in revised]}


@blp.route("/patent-invalidations")
class PatentInvalidations(MethodView):
    decorators = SIGNED_IN

    @blp.arguments(schemas.InvalidationInSchema)
    @blp.response(201, schemas.FlaggedOutSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record a patent invalidation decision; listings resting on the patent are flagged."""
        flagged = record_patent_invalidation(db.session(), current_actor(), **data)
        return {"flagged_listing_ids": [listing.id for listing in flagged]}
