"""Admin API: API keys for banks and procurement systems (admin role only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_actor, login_required
from api.screening_api import schemas
from registry.clients import api_keys
from registry.models import ApiKey
from runtime.extensions import db

blp = Blueprint(
    "admin_api_keys",
    __name__,
    url_prefix="/api/v1/admin",
    description="API keys: create (the secret is shown once), list and revoke (admin)",
)

SESSION_SECURITY: list[dict[str, list[str]]] = [{"session": []}]


@blp.route("/api-keys")
class ApiKeys(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [login_required]

    @blp.response(200, schemas.ApiKeyOutSchema(many=True))
    @blp.alt_response(401, schema=schemas.ApiErrorSchema)
    @blp.alt_response(403, schema=schemas.ApiErrorSchema)
    @blp.doc(security=SESSION_SECURITY)
    def get(self) -> list[ApiKey]:
        """Every API key, newest first; secrets are never shown again."""
        return api_keys.list_keys(db.session(), current_actor())

    @blp.arguments(schemas.ApiKeyInSchema)
    @blp.response(201, schemas.ApiKeyCreatedSchema)
    @blp.alt_response(401, schema=schemas.ApiErrorSchema)
    @blp.alt_response(403, schema=schemas.ApiErrorSchema)
    @blp.doc(security=SESSION_SECURITY)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a key with scopes and a rate limit; the response holds the only copy of it."""
        issued = api_keys.create_key(
            db.session(), current_actor(), data["name"], data["scopes"], data["rate_limit"]
        )
        shown = schemas.ApiKeyOutSchema().fields
        return {name: getattr(issued.key, name) for name in shown} | {"key": issued.secret}


@blp.route("/api-keys/<int:key_id>/revoke")
class ApiKeyRevoke(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [login_required]

    @blp.arguments(schemas.ApiKeyRevokeInSchema)
    @blp.response(200, schemas.ApiKeyOutSchema)
    @blp.alt_response(401, schema=schemas.ApiErrorSchema)
    @blp.alt_response(403, schema=schemas.ApiErrorSchema)
    @blp.alt_response(404, schema=schemas.ApiErrorSchema)
    @blp.alt_response(409, schema=schemas.ApiErrorSchema)
    @blp.doc(security=SESSION_SECURITY)
    def post(self, data: dict[str, Any], key_id: int) -> ApiKey:
        """Revoke a key at once: its next call gets 401."""
        return api_keys.revoke_key(db.session(), current_actor(), key_id, data["reason"])
