"""Public, keyless reads of the published list: every entry, paged, and one entry in full.

Rate-limited per client address. Responses carry an ETag; send it back as If-None-Match to
get 304 Not Modified while nothing changed. Pages are described by the `X-Pagination` header
and linked with `Link: <...>; rel="next"` (and prev, first, last).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import Any, ClassVar

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from api.api_key_auth import public_rate_limit
from api.public_view import public_now, today
from api.screening_api import schemas
from registry.publication.public_entries import EntryFilter, entry_detail, page_of_entries
from runtime.extensions import db

blp = Blueprint(
    "public_entries",
    __name__,
    url_prefix="/api/v1",
    description="The published list, for anyone: no key needed, rate-limited per address",
)

PAGE_HEADERS = {
    "X-Pagination": {
        "description": "JSON: total, total_pages, page, page_size, first_page, last_page, "
        "previous_page, next_page",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": "RFC 8288 links: first, prev, next, last",
        "schema": {"type": "string"},
    },
    "ETag": {"description": "send back as If-None-Match", "schema": {"type": "string"}},
}


def _conditional_json(body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with a strong ETag over its bytes, 304 when the client has it."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = current_app.response_class(data, mimetype="application/json")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers.update(headers or {})
    return response.make_conditional(request)


def _page_links(page: int, last: int, query: dict[str, Any]) -> str:
    def link(number: int, rel: str) -> str:
        args = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in query.items()}
        url = url_for("public_entries.Entries", **(args | {"page": number}), _external=True)
        return f'<{url}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    return ", ".join(links)


@blp.route("/entries")
class Entries(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [public_rate_limit]

    @blp.arguments(schemas.PublicEntriesQuerySchema, location="query")
    @blp.response(200, schemas.PublicEntrySchema(many=True), headers=PAGE_HEADERS)
    @blp.alt_response(304, description="not modified since the ETag sent in If-None-Match")
    @blp.alt_response(400, schema=schemas.ApiErrorSchema, description="unreadable request")
    @blp.alt_response(422, schema=schemas.ApiErrorSchema)
    @blp.alt_response(429, schema=schemas.ApiErrorSchema, description="rate limit exceeded")
    def get(self, query: dict[str, Any]) -> Response:
        """Every published entry, in entry id order, filtered by status, sector, authority, dates.

        `status` is `published` (listed now), `removed` or `expired`. Purged entries appear
        with `purged: true` and no content, and never match a content filter.
        """
        page, page_size = query.pop("page"), query.pop("page_size")
        entry_filter = EntryFilter(**query)
        items, total = page_of_entries(db.session(), public_now(), entry_filter, page, page_size)
        last = max(1, math.ceil(total / page_size))
        pagination = {
            "total": total,
            "total_pages": last,
            "page": page,
            "page_size": page_size,
            "first_page": 1,
            "last_page": last,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page < last else None,
        }
        headers = {
            "X-Pagination": json.dumps(pagination),
            "Link": _page_links(page, last, query | {"page_size": page_size}),
        }
        return _conditional_json(items, headers)


@blp.route("/entries/<string:entry_id>")
class EntryById(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [public_rate_limit]

    @blp.response(200, schemas.PublicEntryDetailSchema, headers={"ETag": PAGE_HEADERS["ETag"]})
    @blp.alt_response(304, description="not modified since the ETag sent in If-None-Match")
    @blp.alt_response(400, schema=schemas.ApiErrorSchema, description="unreadable request")
    @blp.alt_response(404, schema=schemas.ApiErrorSchema)
    @blp.alt_response(429, schema=schemas.ApiErrorSchema, description="rate limit exceeded")
    def get(self, entry_id: str) -> Response:
        """One entry: the signed bundle of its latest revision, its revisions and log events.

        Removed and expired entries say so, with the date and reason. Once purged, the bundle
        is null and no personal content remains; the log events stay.
        """
        return _conditional_json(entry_detail(db.session(), entry_id, today()))
