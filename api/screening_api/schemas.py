"""Marshmallow schemas of the screening API and the public entry reads."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from registry.clients.api_keys import DEFAULT_RATE_LIMIT, SCOPES
from registry.models import PERSON_ROLES, SECTORS
from registry.publication.public_view import PUBLIC_STATUSES
from registry.screening.matching import DEFAULT_LIMIT, DEFAULT_THRESHOLD, KINDS
from registry.screening.screen import MAX_LIMIT, MAX_QUERIES, MAX_REF
from registry.subjects.identifiers import SCHEMES

ENTRY_ID_EXAMPLE = "IPL-2026-000123"
STATUSES = ("listed", "previously_listed")


class ApiErrorSchema(Schema):
    code = fields.String(metadata={"example": "invalid_value"})
    status = fields.Integer(metadata={"example": 422})
    message = fields.String(metadata={"example": "threshold: must be between 0 and 1"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ReceiptCheckpointSchema(Schema):
    origin = fields.String(metadata={"example": "registry.example/patent-infringers/v1"})
    tree_size = fields.Integer(metadata={"example": 42})
    root = fields.String(metadata={"description": "Merkle root, standard base64"})


class ReceiptSignedSchema(Schema):
    type = fields.String(metadata={"example": "ipl.receipt/v1"})
    receipt_id = fields.String(metadata={"example": "rcpt_3f0c9a1e2b7d4c5e8f90a1b2c3d4e5f6"})
    issued_at = fields.String(metadata={"example": "2026-11-25T08:00:00Z"})
    api_key_id = fields.Integer()
    as_of = fields.String(metadata={"example": "2026-11-25"})
    checkpoint = fields.Nested(ReceiptCheckpointSchema)
    queries = fields.List(
        fields.Dict(), metadata={"description": "the queries, resident ID numbers masked"}
    )
    queries_sha256 = fields.String(
        metadata={"description": "with privacy: hex SHA-256 of JCS(queries) instead of queries"}
    )
    parameters = fields.Dict(
        metadata={"description": "batch screening only: threshold (string), limit, exclusions"}
    )
    results = fields.List(fields.Dict(), metadata={"description": "scores as decimal strings"})


class ReceiptSignatureSchema(Schema):
    kid = fields.String()
    sig = fields.String(metadata={"description": "Ed25519 signature, base64"})


class ReceiptSchema(Schema):
    signed = fields.Nested(ReceiptSignedSchema)
    signatures = fields.List(fields.Nested(ReceiptSignatureSchema))


class RemovalPendingSchema(Schema):
    reason = fields.String(metadata={"example": "basis_revoked"})
    since = fields.String(metadata={"example": "2026-10-30"})
    note = fields.String(metadata={"example": "removal pending — basis revoked on 2026-10-30"})


REMOVAL_PENDING_HELP = (
    "set while a listed entry's removal awaits its second reviewer (e.g. from the moment its "
    "basis case was revoked); null otherwise"
)


class ListedStatusSchema(Schema):
    entry_id = fields.String(metadata={"example": ENTRY_ID_EXAMPLE})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"example": "listed"})
    revision = fields.Integer()
    listed_on = fields.String(allow_none=True, metadata={"example": "2025-06-02"})
    period_end = fields.String(allow_none=True, metadata={"example": "2028-06-02"})
    ended_on = fields.String(allow_none=True)
    end_reason = fields.String(
        allow_none=True,
        metadata={"description": "expired, credit_restored, basis_revoked or error"},
    )
    removal_pending = fields.Nested(
        RemovalPendingSchema, allow_none=True, metadata={"description": REMOVAL_PENDING_HELP}
    )


class LookupQuerySchema(Schema):
    scheme = fields.String(required=True, validate=validate.OneOf(SCHEMES))
    value = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the full identifier (a personal one is never echoed back)"},
    )
    name = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "the foreign scheme's name, required for scheme=other"},
    )
    country = fields.String(
        validate=validate.Length(min=2, max=2),
        metadata={"description": "the issuing country (ISO 3166-1 alpha-2), for scheme=passport"},
    )
    as_of = fields.Date(metadata={"description": "answer for the end of this day (UTC)"})
    privacy = fields.Boolean(
        load_default=False, metadata={"description": "receipt carries queries_sha256 only"}
    )


class LookupIdentifierSchema(Schema):
    scheme = fields.String()
    value = fields.String(
        metadata={"description": "personal identifiers and 'other' masked: 3501**********123X"}
    )
    name = fields.String()
    country = fields.String()


class LookupEntrySchema(ListedStatusSchema):
    name = fields.String(
        allow_none=True,
        metadata={"description": "the subject's published name; null once purged"},
    )
    url = fields.String(metadata={"description": "the entry's page on the public site"})


def proofs_field() -> fields.Dict:
    """The `proofs` of an answer: entry id -> c2sp.org/tlog-proof bundle text."""
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "for each listed entry reported: the c2sp.org/tlog-proof bundle of "
            "its latest log event under the answer's checkpoint (check offline with "
            "`registry verify-proof`)"
        },
    )


class MatchFeatureSchema(Schema):
    feature = fields.String(metadata={"example": "name"})
    score = fields.Float()
    weight = fields.Float()
    note = fields.String()


class RelationPersonSchema(Schema):
    name = fields.String(metadata={"example": "王伟"})
    identifier = fields.Nested(
        LookupIdentifierSchema, metadata={"description": "always masked: personal data"}
    )


class RelationWordingSchema(Schema):
    zh = fields.String(
        metadata={"example": "深圳市华兴科技有限公司的法定代表人（列入 IPL-2025-000001）"}
    )
    en = fields.String(
        metadata={
            "example": "legal representative of 深圳市华兴科技有限公司, listed IPL-2025-000001"
        }
    )


class RelationSchema(ListedStatusSchema):
    person = fields.Nested(RelationPersonSchema)
    role = fields.String(
        validate=validate.OneOf(PERSON_ROLES), metadata={"example": "legal_representative"}
    )
    subject_name = fields.String(metadata={"description": "the listed subject's published name"})
    relation = fields.Nested(RelationWordingSchema)
    score = fields.Float(metadata={"example": 1.0})
    features = fields.List(fields.Nested(MatchFeatureSchema))


def relations_field() -> fields.List[Any]:
    """The `relations` of an answer: responsible persons of listed subjects it matched."""
    return fields.List(
        fields.Nested(RelationSchema),
        metadata={
            "description": "the legal representative, main or directly responsible person of a "
            "listed organisation that the query matched, with the entry's status"
        },
    )


class LookupResponseSchema(Schema):
    query = fields.Nested(LookupIdentifierSchema)
    as_of = fields.String(metadata={"example": "2026-11-25"})
    answer = fields.String(
        validate=validate.OneOf(["listed", "not_listed", "previously_listed"]),
        metadata={"example": "listed"},
    )
    entries = fields.List(fields.Nested(LookupEntrySchema))
    relations = relations_field()
    checkpoint = fields.Nested(ReceiptCheckpointSchema)
    receipt = fields.Nested(ReceiptSchema)
    proofs = proofs_field()


class ScreenIdentifierSchema(Schema):
    scheme = fields.String(
        required=True, validate=validate.Length(min=1, max=40), metadata={"example": "cn_uscc"}
    )
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ScreenQuerySchema(Schema):
    name = fields.String(
        load_default="",
        validate=validate.Length(max=300),
        metadata={"example": "Shenzhen Huaxing Technology"},
    )
    identifiers = fields.List(
        fields.Nested(ScreenIdentifierSchema), load_default=list, validate=validate.Length(max=10)
    )
    kind = fields.String(validate=validate.OneOf(KINDS))
    region = fields.String(validate=validate.Regexp(r"^\d{6}$"), metadata={"example": "440300"})
    ref = fields.String(
        validate=validate.Length(max=MAX_REF),
        metadata={"description": "your own reference, echoed in the result and receipt"},
    )


class ScreenRequestSchema(Schema):
    queries = fields.List(
        fields.Nested(ScreenQuerySchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_QUERIES),
    )
    threshold = fields.Float(
        load_default=DEFAULT_THRESHOLD, validate=validate.Range(min=0.0, max=1.0)
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    exclude_entry_ids = fields.List(
        fields.String(validate=validate.Length(max=20)),
        load_default=list,
        validate=validate.Length(max=1000),
        metadata={"description": "entries already reviewed and cleared: never reported"},
    )
    as_of = fields.Date(metadata={"description": "screen the list as it stood on this day"})
    privacy = fields.Boolean(load_default=False)


class MatchSchema(ListedStatusSchema):
    score = fields.Float(metadata={"example": 0.93})
    name = fields.String(metadata={"description": "the listed name as published"})
    features = fields.List(fields.Nested(MatchFeatureSchema))


class QueryResultSchema(Schema):
    query = fields.Integer(metadata={"description": "position of the query in the batch"})
    ref = fields.String(allow_none=True)
    matches = fields.List(fields.Nested(MatchSchema))
    relations = relations_field()


class ScreenResponseSchema(Schema):
    as_of = fields.String()
    checkpoint = fields.Nested(ReceiptCheckpointSchema)
    results = fields.List(fields.Nested(QueryResultSchema))
    receipt = fields.Nested(ReceiptSchema)
    proofs = proofs_field()


class UsageQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class UsageCallSchema(Schema):
    id = fields.Integer()
    called_at = fields.DateTime(format="iso")
    endpoint = fields.String(metadata={"example": "screen"})
    query_count = fields.Integer()
    tree_size = fields.Integer()
    receipt_id = fields.String(allow_none=True)


class PublicEntriesQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(PUBLIC_STATUSES))
    sector = fields.String(validate=validate.OneOf(SECTORS))
    authority = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "part of the deciding authority's name"},
    )
    listed_from = fields.Date()
    listed_to = fields.Date()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PublicEntrySchema(Schema):
    entry_id = fields.String(metadata={"example": ENTRY_ID_EXAMPLE})
    status = fields.String(validate=validate.OneOf(PUBLIC_STATUSES))
    revision = fields.Integer()
    seq = fields.Integer(metadata={"description": "log index of the entry's latest event"})
    listed_on = fields.String(allow_none=True)
    period_end = fields.String(allow_none=True)
    ended_on = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)
    purged = fields.Boolean()
    name = fields.String(allow_none=True)
    name_latin = fields.String(allow_none=True)
    sectors = fields.List(fields.String())
    authority = fields.String(allow_none=True)
    removal_pending = fields.Nested(
        RemovalPendingSchema, allow_none=True, metadata={"description": REMOVAL_PENDING_HELP}
    )
    bundle = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the signed entry {entry, signature}; null once purged, and for an "
            "entry removed in error"
        },
    )
    removed_in_error = fields.Boolean(
        metadata={
            "description": "the entry was removed because it was listed in error: the list "
            "leaves it out and its address keeps only this removal notice, without content"
        }
    )


class EntryRevisionSchema(Schema):
    revision = fields.Integer()
    published_at = fields.String()
    content_sha256 = fields.String()
    purged = fields.Boolean()


class EntryLogEventSchema(Schema):
    seq = fields.Integer()
    event = fields.String(validate=validate.OneOf(["listed", "amended", "removed"]))
    revision = fields.Integer()
    recorded_at = fields.String()
    reason = fields.String(allow_none=True)


class PublicEntryDetailSchema(PublicEntrySchema):
    revisions = fields.List(fields.Nested(EntryRevisionSchema))
    events = fields.List(fields.Nested(EntryLogEventSchema))


class ApiKeyInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES)),
        required=True,
        validate=validate.Length(min=1),
    )
    rate_limit = fields.String(
        load_default=DEFAULT_RATE_LIMIT, metadata={"example": DEFAULT_RATE_LIMIT}
    )


class ApiKeyOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    scopes = fields.List(fields.String())
    rate_limit = fields.String()
    created_at = fields.DateTime(format="iso")
    created_by = fields.String()
    revoked_at = fields.DateTime(format="iso", allow_none=True)
    last_used_at = fields.DateTime(format="iso", allow_none=True)


class ApiKeyCreatedSchema(ApiKeyOutSchema):
    key = fields.String(
        metadata={"description": "the full key, shown this once: ipl_<prefix>_<secret>"}
    )


class ApiKeyRevokeInSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))
