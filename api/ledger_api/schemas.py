"""Query and response schemas of the public log and keys API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.ledger_api.proofs import MAX_ENTRIES

_B64 = {"description": "standard base64"}


class InclusionQuerySchema(Schema):
    index = fields.Integer(validate=validate.Range(min=0), load_default=None)
    entry_id = fields.String(validate=validate.Length(min=1, max=20), load_default=None)
    revision = fields.Integer(validate=validate.Range(min=1), load_default=None)
    tree_size = fields.Integer(
        validate=validate.Range(min=1),
        load_default=None,
        metadata={"description": "default: the latest signed checkpoint's size"},
    )

    @validates_schema
    def _one_leaf(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data["index"] is None) == (data["entry_id"] is None):
            reason = "give either index or entry_id (with an optional revision), not both"
            raise ValidationError(reason, "index")
        if data["revision"] is not None and data["entry_id"] is None:
            raise ValidationError("revision only goes with entry_id", "revision")


class ConsistencyQuerySchema(Schema):
    first = fields.Integer(required=True, validate=validate.Range(min=1))
    second = fields.Integer(
        validate=validate.Range(min=1),
        load_default=None,
        metadata={"description": "default: the latest signed checkpoint's size"},
    )


class EntriesQuerySchema(Schema):
    start = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_ENTRIES))


class CheckpointSchema(Schema):
    note = fields.String(metadata={"description": "the signed checkpoint note (c2sp.org)"})
    origin = fields.String()
    tree_size = fields.Integer()
    root = fields.String(metadata=_B64)


class InclusionSchema(Schema):
    index = fields.Integer()
    tree_size = fields.Integer()
    root = fields.String(metadata=_B64)
    leaf = fields.String(metadata={"description": "base64 of the leaf bytes (JCS event)"})
    leaf_hash = fields.String(metadata=_B64)
    event = fields.Dict(metadata={"description": "the leaf, parsed"})
    proof = fields.List(fields.String(), metadata=_B64)
    checkpoint = fields.String(allow_none=True, metadata={"description": "note at tree_size"})


class ConsistencySchema(Schema):
    first = fields.Integer()
    second = fields.Integer()
    first_root = fields.String(metadata=_B64)
    second_root = fields.String(metadata=_B64)
    proof = fields.List(fields.String(), metadata=_B64)
    checkpoint = fields.String(allow_none=True, metadata={"description": "note at second"})


class LogEntrySchema(Schema):
    index = fields.Integer()
    leaf = fields.String(metadata=_B64)
    leaf_hash = fields.String(metadata=_B64)
    event = fields.Dict()


class LogEntriesSchema(Schema):
    tree_size = fields.Integer()
    start = fields.Integer()
    entries = fields.List(fields.Nested(LogEntrySchema))


class PublicKeySchema(Schema):
    kid = fields.String()
    alg = fields.String()
    public_key = fields.String(metadata=_B64)
    note_vkey = fields.String(allow_none=True)
    use = fields.String()
    valid_from = fields.String()
    valid_until = fields.String(allow_none=True)


class KeysSchema(Schema):
    keys = fields.List(fields.Nested(PublicKeySchema))
