"""Marshmallow schemas of the admin API: what goes in, what comes out."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.listings.published import REMOVAL_REASONS
from registry.listings.requests import REQUEST_KINDS
from registry.models import CASE_KINDS, PERFORMANCE_STATUSES, ROLES, SECTORS, SUBJECT_KINDS
from registry.subjects.identifiers import SCHEMES


class IdentifierSchema(Schema):
    scheme = fields.String(required=True, validate=validate.OneOf(SCHEMES))
    value = fields.String(required=True)
    name = fields.String(load_default=None, metadata={"description": "scheme name for 'other'"})
    country = fields.String(
        load_default=None, metadata={"description": "issuing country (ISO 3166-1) for 'passport'"}
    )


class SubjectInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    name = fields.String(required=True)
    name_latin = fields.String(load_default=None)
    aliases = fields.List(fields.String(), load_default=list)
    identifiers = fields.List(fields.Nested(IdentifierSchema), load_default=list)
    legal_representative = fields.String(load_default=None)
    responsible_persons = fields.List(fields.String(), load_default=list)
    region = fields.String(load_default=None)
    address = fields.String(load_default=None)


class SubjectIdentifierOutSchema(Schema):
    scheme = fields.String()
    name = fields.String(attribute="scheme_name")
    value = fields.String()


class SubjectOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    name_latin = fields.String()
    aliases = fields.List(fields.String())
    identifiers = fields.List(fields.Nested(SubjectIdentifierOutSchema))
    legal_representative = fields.String(allow_none=True)
    responsible_persons = fields.List(fields.String())
    region = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    case_ids = fields.Method("_case_ids")

    def _case_ids(self, subject: object) -> list[int]:
        return [case.id for case in getattr(subject, "cases", [])]


class ListQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0))


class SubjectQuerySchema(ListQuerySchema):
    name = fields.String(load_default=None, metadata={"description": "part of the name"})


class CaseInSchema(Schema):
    subject_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CASE_KINDS))
    authority = fields.String(required=True)
    document_number = fields.String(required=True)
    decided_on = fields.Date(required=True)
    effective_on = fields.Date(load_default=None)
    act_start = fields.Date(load_default=None)
    act_end = fields.Date(load_default=None)
    patents = fields.List(fields.String(), load_default=list)
    infringement_found = fields.Boolean(
        load_default=None,
        metadata={
            "description": "default: true for rulings and judgments, false for determinations"
        },
    )
    deliberate = fields.Boolean(load_default=False)
    punitive_damages = fields.Boolean(load_default=False)
    performance_deadline = fields.Date(load_default=None)
    performance_status = fields.String(
        load_default="pending", validate=validate.OneOf(PERFORMANCE_STATUSES)
    )
    sectors = fields.List(fields.String(validate=validate.OneOf(SECTORS)), load_default=list)
    conduct = fields.String(
        load_default=None,
        metadata={"description": "determinations only: the conduct found, e.g. false_documents"},
    )


class CaseOutSchema(Schema):
    id = fields.Integer()
    subject_id = fields.Integer()
    kind = fields.String()
    authority = fields.String()
    document_number = fields.String()
    decided_on = fields.Date()
    effective_on = fields.Date(allow_none=True)
    act_start = fields.Date(allow_none=True)
    act_end = fields.Date(allow_none=True)
    patents = fields.List(fields.String(), attribute="patent_numbers")
    infringement_found = fields.Boolean()
    deliberate = fields.Boolean()
    punitive_damages = fields.Boolean()
    performance_deadline = fields.Date(allow_none=True)
    performance_status = fields.String()
    sectors = fields.List(fields.String())
    conduct = fields.String(allow_none=True)
    revoked_on = fields.Date(allow_none=True)
    revocation_reason = fields.String(allow_none=True)


class CaseQuerySchema(ListQuerySchema):
    sector = fields.String(load_default=None, validate=validate.OneOf(SECTORS))
    authority = fields.String(load_default=None)
    subject_id = fields.Integer(load_default=None)
    decided_from = fields.Date(load_default=None)
    decided_to = fields.Date(load_default=None)


class RevokeInSchema(Schema):
    revoked_on = fields.Date(required=True)
    reason = fields.String(required=True)
    evidence = fields.String(
        load_default=None,
        metadata={"description": "postal tracking or document number; required when back-dated"},
    )


class FlaggedOutSchema(Schema):
    flagged_listing_ids = fields.List(fields.Integer())


class InvalidationInSchema(Schema):
    patent_number = fields.String(required=True)
    decision_number = fields.String(required=True)
    decided_on = fields.Date(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(["whole", "partial"]))


class EvaluationQuerySchema(Schema):
    on = fields.Date(load_default=None, metadata={"description": "YYYY-MM-DD; default today"})


class CitedDateSchema(Schema):
    case_id = fields.Integer()
    field = fields.String()
    on = fields.Date()


class GroundOutSchema(Schema):
    code = fields.String()
    holds = fields.Boolean()
    explanation = fields.String()
    explanation_zh = fields.String(metadata={"description": "published text, when it holds"})
    case_ids = fields.List(fields.Integer())
    dates = fields.List(fields.Nested(CitedDateSchema))


class SetAsideSchema(Schema):
    case_id = fields.Integer()
    reason = fields.String()


class EvaluationOutSchema(Schema):
    subject_id = fields.Integer()
    on = fields.Date()
    grounds = fields.List(fields.Nested(GroundOutSchema))
    set_aside = fields.List(fields.Nested(SetAsideSchema))


class ProposeInSchema(Schema):
    subject_id = fields.Integer(required=True)
    grounds = fields.List(fields.String(), required=True, validate=validate.Length(1))
    case_ids = fields.List(fields.Integer(), load_default=list)
    sectors = fields.List(fields.String(), load_default=None)
    measures = fields.List(fields.String(), load_default=None)
    remedy = fields.String(load_default=None)
    on = fields.Date(load_default=None, metadata={"description": "proposal date; default today"})


class ListingQuerySchema(ListQuerySchema):
    state = fields.String(load_default=None)
    subject_id = fields.Integer(load_default=None)


class NotifyInSchema(Schema):
    served_on = fields.Date(required=True)
    evidence = fields.String(
        load_default=None,
        metadata={"description": "postal tracking or document number; required when back-dated"},
    )


class RequestInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(REQUEST_KINDS))
    lodged_on = fields.Date(required=True)
    text = fields.String(required=True)
    performance_evidence = fields.String(
        load_default=None,
        metadata={"description": "restoration: evidence that the decisions were performed"},
    )
    credit_commitment = fields.String(
        load_default=None,
        metadata={"description": "restoration: the subject's credit commitment (reference)"},
    )
    evidence = fields.String(
        load_default=None,
        metadata={"description": "postal tracking or document number; required when back-dated"},
    )


class OnDateInSchema(Schema):
    on = fields.Date(load_default=None, metadata={"description": "default today"})


class ReasonInSchema(Schema):
    reason = fields.String(required=True)


class ApproveInSchema(ReasonInSchema):
    on = fields.Date(load_default=None)
    document_number = fields.String(
        load_default=None,
        metadata={
            "description": "decision document number issued by the configured authority; "
            "required, must match REGISTRY_AUTHORITY_DOCUMENT_PATTERN"
        },
    )


class RemoveInSchema(ReasonInSchema):
    reason_code = fields.String(required=True, validate=validate.OneOf(REMOVAL_REASONS))
    on = fields.Date(load_default=None)


class SubjectCorrectInSchema(ReasonInSchema):
    name = fields.String(required=True, metadata={"description": "the corrected name"})


class CaseCorrectInSchema(ReasonInSchema):
    effective_on = fields.Date(load_default=None)
    performance_status = fields.String(load_default=None)


class RevisedOutSchema(Schema):
    revised_listing_ids = fields.List(
        fields.Integer(), metadata={"description": "published listings given a new revision"}
    )


class AmendInSchema(ReasonInSchema):
    measures = fields.List(fields.String(), load_default=None)
    remedy = fields.String(load_default=None)
    sectors = fields.List(fields.String(), load_default=None)
    correction_id = fields.Integer(
        load_default=None,
        metadata={"description": "the accepted correction request this revision publishes"},
    )


class DecideInSchema(ReasonInSchema):
    accepted = fields.Boolean(required=True)
    on = fields.Date(load_default=None)


class ConditionSchema(Schema):
    code = fields.String(metadata={"example": "obligations_performed"})
    met = fields.Boolean()
    detail = fields.String()


class RequestOutSchema(Schema):
    id = fields.Integer()
    listing_id = fields.Integer()
    kind = fields.String()
    lodged_on = fields.Date()
    decision_due = fields.Date(allow_none=True)
    text = fields.String()
    decision = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    deadline_status = fields.String(allow_none=True)
    publish_due = fields.Date(
        allow_none=True,
        metadata={"description": "accepted correction: last day to publish it as a revision"},
    )
    published_revision = fields.Integer(
        allow_none=True, metadata={"description": "the entry revision that published it"}
    )
    details = fields.Dict(metadata={"description": "restoration: evidence and commitment"})
    conditions = fields.List(
        fields.Nested(ConditionSchema),
        metadata={"description": "restoration: each configured condition, checked"},
    )
    recorded_by = fields.Integer(allow_none=True, metadata={"description": "user id"})


class DeadlineSchema(Schema):
    name = fields.String()
    due = fields.Date()
    status = fields.String(metadata={"description": "ok, near or missed"})
    provisional = fields.Boolean(
        metadata={"description": "counted without an official holiday arrangement for its year"}
    )


class GroundCitedSchema(Schema):
    code = fields.String()
    explanation = fields.String()
    explanation_zh = fields.String(load_default=None)
    name_zh = fields.String(load_default=None)


class ListingOutSchema(Schema):
    id = fields.Integer()
    entry_id = fields.String(allow_none=True)
    subject_id = fields.Integer()
    subject_name = fields.String()
    state = fields.String()
    grounds = fields.List(fields.Nested(GroundCitedSchema))
    case_ids = fields.List(fields.Integer())
    sectors = fields.List(fields.String())
    measures = fields.List(fields.String())
    remedy = fields.String()
    decision_authority = fields.String()
    decision_document_number = fields.String(allow_none=True)
    proposed_by = fields.Integer(allow_none=True)
    proposed_on = fields.Date()
    notice_served_on = fields.Date(allow_none=True)
    defence_deadline = fields.Date(allow_none=True)
    reviewed_by = fields.Integer(allow_none=True)
    approved_on = fields.Date(allow_none=True)
    listed_on = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    revision = fields.Integer()
    review_flag = fields.String(allow_none=True)
    requests = fields.List(fields.Nested(RequestOutSchema))
    deadlines = fields.List(fields.Nested(DeadlineSchema))


class QueueOutSchema(Schema):
    on = fields.Date()
    under_review = fields.List(fields.Nested(ListingOutSchema))
    flagged = fields.List(fields.Nested(ListingOutSchema))
    open_requests = fields.List(fields.Nested(RequestOutSchema))
    pending_removals = fields.List(
        fields.Nested(RequestOutSchema),
        metadata={"description": "early removals proposed by one reviewer, for a second"},
    )


class UserInSchema(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(required=True, load_only=True)
    display_name = fields.String(load_default="")


class RoleInSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class UserOutSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    active = fields.Boolean()
    totp_enabled = fields.Function(lambda user: bool(user.totp_secret))
    locked_until = fields.DateTime(allow_none=True)
    must_change_password = fields.Boolean()


class AccountRequestOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "create or role"})
    user_id = fields.Integer(allow_none=True)
    username = fields.String()
    role = fields.String()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "confirmed or refused"})


class PasswordResetOutSchema(Schema):
    username = fields.String()
    temporary_password = fields.String(
        metadata={"description": "shown once; the account must replace it at its next sign-in"}
    )


class SessionOutSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    csrf_token = fields.String()


class AuditQuerySchema(ListQuerySchema):
    action = fields.String(load_default=None)
    object_type = fields.String(load_default=None)
    object_id = fields.String(load_default=None)
    actor = fields.String(load_default=None)


class AuditOutSchema(Schema):
    seq = fields.Integer()
    recorded_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)
    prev_hash = fields.Function(lambda record: record.prev_hash.hex())
    record_hash = fields.Function(lambda record: record.record_hash.hex())


class ChainReportSchema(Schema):
    checked = fields.Integer()
    intact = fields.Boolean()
    first_bad_seq = fields.Integer(allow_none=True)
    problem = fields.String()
