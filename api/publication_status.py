"""`GET /api/v1/admin/publication`: is the publisher keeping up, and is the feed fresh?

Approved listings must reach the feed at the next run, so the waiting count and the oldest
approval show any lag. `last_run` is what the publisher in this process saw; when the
publisher runs on its own (`python -m publisher`) it is empty here, and the feed version
rows (written by whichever process publishes) and the index on disk tell the story.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import Flask, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import current_actor, login_required, require_role
from api.rest import register_blueprint
from registry.clock import beijing_today
from registry.errors import translatable
from registry.publication.status import publication_lag
from runtime.extensions import db
from runtime.health import run_check

READERS = frozenset({"reviewer", "auditor", "admin"})

blp = Blueprint(
    "admin_publication",
    __name__,
    url_prefix="/api/v1/admin",
    description="The publisher: approvals waiting, the last run, the feed's version and expiry",
)


class LastRunSchema(Schema):
    failures = fields.Integer(metadata={"description": "failed runs in a row"})
    last_error = fields.String(allow_none=True)
    last_success = fields.String(allow_none=True)
    last_version = fields.Integer(allow_none=True)
    next_retry = fields.String(allow_none=True)


class PublicationSchema(Schema):
    approved_waiting = fields.Integer(metadata={"description": "approved, not yet published"})
    oldest_approved_on = fields.Date(allow_none=True)
    oldest_waiting_days = fields.Integer(allow_none=True)
    feed_version = fields.Integer(allow_none=True, metadata={"description": "last published"})
    feed_issued_at = fields.String(allow_none=True)
    feed_expires = fields.String(allow_none=True)
    tree_size = fields.Integer(allow_none=True, metadata={"description": "log size it covers"})
    feed_fresh = fields.Boolean()
    feed_detail = fields.String()
    last_run = fields.Nested(LastRunSchema, allow_none=True)


def publication_status(app: Flask) -> dict[str, Any]:
    """The publication lag, the feed's freshness and this process's last run."""
    status = publication_lag(db.session())
    oldest = status["oldest_approved_on"]
    status["oldest_waiting_days"] = (beijing_today() - oldest).days if oldest is not None else None
    status["feed_fresh"], status["feed_detail"] = run_check(app, "feed")
    run = app.extensions.get("publisher_status")
    status["last_run"] = dict(run) if run else None
    return status


@blp.route("/publication")
class Publication(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [login_required]

    @blp.response(200, PublicationSchema)
    def get(self) -> dict[str, Any]:
        """Approved listings waiting, the last run, the feed version and its expiry."""
        require_role(current_actor(), READERS, translatable("read the publication status"))
        return publication_status(current_app._get_current_object())  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Register the endpoint, and offer the status to templates (the admin dashboard)."""
    register_blueprint(app, blp)
    app.add_template_global(lambda: publication_status(app), "publication_status")
