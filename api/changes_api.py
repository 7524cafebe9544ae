"""The public change feed: log events after a seq, with entry content, up to the signed size.

`Accept: application/x-ndjson` streams one event per line (any page size up to the maximum
without holding it in memory); otherwise a JSON page. Both carry `X-Next-After` (the `after`
of the next call) and `X-Tree-Size` (the signed checkpoint size bounding the feed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from flask import Flask, Response, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.api_key_auth import public_rate_limit
from api.auth import csrf_exempt_blueprint
from api.rest import register_blueprint
from registry.publication.changes import DEFAULT_PAGE, MAX_PAGE, ChangePage, change_page
from runtime.extensions import db

NDJSON = "application/x-ndjson"

blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/api/v1/changes",
    description="The change feed: listed, amended and removed events with entry content",
)
csrf_exempt_blueprint(blp)


class ChangesQuerySchema(Schema):
    after = fields.Integer(
        load_default=-1,
        validate=validate.Range(min=-1),
        metadata={"description": "return events with seq greater than this (-1: from the start)"},
    )
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))


class ChangePageSchema(Schema):
    events = fields.List(
        fields.Dict(),
        metadata={
            "description": "ipl.event/v1 leaf fields plus bundle (null once purged), or an "
            "ipl.audit_anchor/v1 leaf with bundle null"
        },
    )
    after = fields.Integer()
    next_after = fields.Integer(metadata={"description": "pass as after for the next page"})
    tree_size = fields.Integer(metadata={"description": "size of the latest signed checkpoint"})


def _ndjson(page: ChangePage) -> Iterator[bytes]:
    for event in page.events(db.session()):
        yield json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _page_headers(page: ChangePage) -> dict[str, str]:
    return {"X-Next-After": str(page.next_after), "X-Tree-Size": str(page.tree_size)}


@blp.route("")
class Changes(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [public_rate_limit]

    @blp.arguments(ChangesQuerySchema, location="query")
    @blp.response(200, ChangePageSchema)
    def get(self, query: dict[str, Any]) -> Response | tuple[dict[str, Any], int, dict[str, str]]:
        """Events after `after`, in seq order, bounded by the latest signed checkpoint.

        With `Accept: application/x-ndjson` the events stream one per line instead.
        """
        page = change_page(db.session(), query["after"], query["limit"])
        if request.accept_mimetypes.best_match(["application/json", NDJSON]) == NDJSON:
            return Response(
                stream_with_context(_ndjson(page)), mimetype=NDJSON, headers=_page_headers(page)
            )
        body = {
            "events": list(page.events(db.session())),
            "after": page.after,
            "next_after": page.next_after,
            "tree_size": page.tree_size,
        }
        return body, 200, _page_headers(page)


def init_app(app: Flask) -> None:
    """Register the change feed blueprint."""
    register_blueprint(app, blp)
