"""Watchlists API (scope `watch`): lists of counterparties, their items and webhook deliveries.

Only the key that created a watchlist sees it; any other key gets 404. Bulk item uploads are
read straight from the request (a JSON array, or a CSV file) and validated in `registry.watch`,
because a 100,000-row upload through marshmallow would take far longer than the insert itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import Flask, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.api_key_auth import BEARER_SECURITY, api_key_required, current_key
from api.auth import csrf_exempt_blueprint
from api.rest import register_blueprint
from registry.clients import watchlists
from registry.clients.watch_items import (
    CSV_COLUMNS,
    MAX_ITEMS,
    items_from_csv,
    items_from_json,
    public_identifiers,
)
from registry.errors import InvalidValue
from registry.models import Watchlist, WatchlistItem, WebhookDelivery
from runtime.config import webhook_egress
from runtime.extensions import session

blp = Blueprint(
    "watchlists",
    __name__,
    url_prefix="/api/v1/watchlists",
    description="Watchlists: be told by signed webhook when a counterparty is listed, "
    "amended or removed (API key with the 'watch' scope)",
)
csrf_exempt_blueprint(blp)
WATCH = api_key_required("watch")


class WatchView(MethodView):
    """An endpoint for API keys with the `watch` scope."""

    decorators: ClassVar[list[Callable[..., Any]]] = [WATCH]


class WatchlistInSchema(Schema):
    name = fields.String(required=True, metadata={"example": "Suppliers 2026"})
    webhook_url = fields.String(
        required=True, metadata={"example": "https://bank.example/hooks/registry"}
    )


class WatchlistOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    webhook_url = fields.String()
    active = fields.Boolean()
    last_seq = fields.Integer(metadata={"description": "last log event matched (seq)"})
    item_count = fields.Integer()
    created_at = fields.DateTime()


class WatchlistCreatedSchema(WatchlistOutSchema):
    webhook_secret = fields.String(
        metadata={"description": "HMAC key of X-Registry-Signature; shown only in this answer"}
    )


class WatchItemIdentifierSchema(Schema):
    scheme = fields.String()
    value = fields.String(metadata={"description": "ID card numbers are masked"})
    name = fields.String()


class WatchItemOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    identifiers = fields.List(fields.Nested(WatchItemIdentifierSchema))
    external_ref = fields.String()


class WatchPageQuerySchema(Schema):
    after_id = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(
        load_default=100, validate=validate.Range(min=1, max=watchlists.MAX_PAGE)
    )


class WatchItemPageSchema(Schema):
    items = fields.List(fields.Nested(WatchItemOutSchema))
    next_after_id = fields.Integer(
        allow_none=True, metadata={"description": "pass as after_id for the next page"}
    )


class WatchUploadOutSchema(Schema):
    added = fields.Integer()
    item_count = fields.Integer()


class WebhookDeliveryQuerySchema(WatchPageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(watchlists.DELIVERY_STATUSES))


class WebhookDeliveryOutSchema(Schema):
    id = fields.Integer()
    event_seq = fields.Integer()
    event = fields.String(metadata={"description": "listed, amended or removed"})
    entry_id = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    payload = fields.Dict(metadata={"description": "the JSON POSTed, without delivery_id"})


class WebhookDeliveryPageSchema(Schema):
    deliveries = fields.List(fields.Nested(WebhookDeliveryOutSchema))
    next_after_id = fields.Integer(allow_none=True)


_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "description": f"Up to {MAX_ITEMS} items per watchlist: a JSON array of "
        "{name, kind, region, identifiers: [{scheme, value, name}], external_ref}, or a CSV "
        f"file (text/csv body or multipart field 'file') with the columns {', '.join(CSV_COLUMNS)}"
        "; identifiers as 'cn_uscc:<code>;other:<scheme name>:<value>'. Errors name the row "
        "(items[i] for JSON, row[n] for CSV with the header as row 1) and the field.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def _watchlist_view(watchlist: Watchlist) -> dict[str, Any]:
    return {
        "id": watchlist.id,
        "name": watchlist.name,
        "webhook_url": watchlist.webhook_url,
        "active": watchlist.active,
        "last_seq": watchlist.last_seq,
        "item_count": watchlists.item_count(session(), watchlist.id),
        "created_at": watchlist.created_at,
    }


def _item_view(item: WatchlistItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "kind": item.kind,
        "region": item.region,
        "identifiers": public_identifiers(item.identifiers),
        "external_ref": item.external_ref,
    }


def _delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    event = delivery.payload.get("event", {})
    return {
        "id": delivery.id,
        "event_seq": delivery.event_seq,
        "event": event.get("event"),
        "entry_id": event.get("entry_id"),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
        "payload": delivery.payload,
    }


def _uploaded_items() -> list[dict[str, Any]]:
    """The upload's items, validated, whichever form it came in."""
    if "file" in request.files:
        return items_from_csv(request.files["file"].read())
    if request.mimetype == "text/csv":
        return items_from_csv(request.get_data())
    if request.mimetype == "application/json":
        return items_from_json(request.get_json(silent=True))
    raise InvalidValue(
        "Content-Type",
        "send application/json (an array of items), text/csv, or multipart/form-data with 'file'",
    )


@blp.route("")
class Watchlists(WatchView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, WatchlistOutSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """This key's watchlists."""
        found = watchlists.list_watchlists(session(), current_key().id)
        return [_watchlist_view(watchlist) for watchlist in found]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(WatchlistInSchema)
    @blp.response(201, WatchlistCreatedSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a watchlist; its webhook secret is returned this once."""
        created = watchlists.create_watchlist(
            session(),
            current_key().id,
            data["name"],
            data["webhook_url"],
            webhook_egress(current_app.config),
            most=current_app.config["REGISTRY"]["MAX_WATCHLISTS_PER_KEY"],
        )
        return _watchlist_view(created.watchlist) | {"webhook_secret": created.secret}


@blp.route("/<int:watchlist_id>")
class WatchlistById(WatchView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, WatchlistOutSchema)
    def get(self, watchlist_id: int) -> dict[str, Any]:
        """One watchlist of this key."""
        return _watchlist_view(watchlists.get_watchlist(session(), current_key().id, watchlist_id))

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    def delete(self, watchlist_id: int) -> None:
        """Delete a watchlist, its items and its delivery log."""
        watchlists.delete_watchlist(session(), current_key().id, watchlist_id)


@blp.route("/<int:watchlist_id>/items")
class Items(WatchView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(WatchPageQuerySchema, location="query")
    @blp.response(200, WatchItemPageSchema)
    def get(self, query: dict[str, Any], watchlist_id: int) -> dict[str, Any]:
        """A page of items, by id; pass `next_after_id` as `after_id` for the next one."""
        found = watchlists.list_items(
            session(), current_key().id, watchlist_id, query["after_id"], query["limit"]
        )
        full = len(found) == query["limit"]
        return {
            "items": [_item_view(item) for item in found],
            "next_after_id": found[-1].id if found and full else None,
        }

    @blp.doc(security=BEARER_SECURITY, **_UPLOAD_DOC)
    @blp.response(201, WatchUploadOutSchema)
    def post(self, watchlist_id: int) -> dict[str, Any]:
        """Add items in bulk (JSON array or CSV); all rows are validated before any is stored."""
        key_id = current_key().id
        watchlists.get_watchlist(session(), key_id, watchlist_id)
        items = _uploaded_items()
        total = watchlists.add_items(session(), key_id, watchlist_id, items)
        return {"added": len(items), "item_count": total}


@blp.route("/<int:watchlist_id>/items/<int:item_id>")
class ItemById(WatchView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    def delete(self, watchlist_id: int, item_id: int) -> None:
        """Remove one item."""
        watchlists.delete_item(session(), current_key().id, watchlist_id, item_id)


@blp.route("/<int:watchlist_id>/deliveries")
class Deliveries(WatchView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(WebhookDeliveryQuerySchema, location="query")
    @blp.response(200, WebhookDeliveryPageSchema)
    def get(self, query: dict[str, Any], watchlist_id: int) -> dict[str, Any]:
        """The delivery log: each match, its attempts, last HTTP status or error, next retry."""
        found = watchlists.list_deliveries(
            session(),
            current_key().id,
            watchlist_id,
            query["status"],
            query["after_id"],
            query["limit"],
        )
        full = len(found) == query["limit"]
        return {
            "deliveries": [_delivery_view(delivery) for delivery in found],
            "next_after_id": found[-1].id if found and full else None,
        }


@blp.route("/<int:watchlist_id>/deliveries/<int:delivery_id>/replay")
class Replay(WatchView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.response(202, WebhookDeliveryOutSchema)
    def post(self, watchlist_id: int, delivery_id: int) -> dict[str, Any]:
        """Send a delivery again at the next delivery round (within a minute)."""
        delivery = watchlists.replay_delivery(
            session(), current_key().id, watchlist_id, delivery_id
        )
        return _delivery_view(delivery)


def init_app(app: Flask) -> None:
    """Register the watchlists blueprint."""
    register_blueprint(app, blp)
