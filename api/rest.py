"""The OpenAPI surface: one flask-smorest `Api` per app, its spec, its docs page, its errors.

Other modules add their endpoints with `register_blueprint(app, blp)`; the spec is served at
`/api/v1/openapi.json` and a plain, script-free list of endpoints at `/api/docs`.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, Flask, Response, current_app, render_template
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import HTTPException

from api.errors import error_response

API_PREFIX = "/api/v1"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

docs = Blueprint("api_docs", __name__)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Webargs' nested messages as `{"field.sub[0]": [reasons]}`, locations dropped."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


class ErrorSchema(ma.Schema):
    """The JSON error body every endpoint returns (documentation only)."""

    code = ma.fields.String(metadata={"example": "invalid_value"})
    status = ma.fields.Integer(metadata={"example": 422})
    message = ma.fields.String(metadata={"example": "grounds: cite at least one ground"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"example": {"grounds": ["cite at least one ground"]}},
    )


class RegistryApi(Api):
    """flask-smorest's Api with errors in the registry's `{code, status, message, errors}` shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> tuple[Response, int]:
        """Render any HTTP error, including request validation failures, as the shared JSON body."""
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("errors") or data.get("messages") or {}
        # Webargs nests messages by location ("json", "query"); the field names are what matter.
        if isinstance(messages, dict) and set(messages) <= {
            "json",
            "query",
            "form",
            "path",
            "headers",
        }:
            merged: dict[str, list[str]] = {}
            for location in messages.values():
                merged.update(flatten_messages(location))
            errors = merged
        else:
            errors = flatten_messages(messages) if messages else {}
        code = (error.name or "error").lower().replace(" ", "_")
        if status == 422 and errors:
            summary = "; ".join(
                f"{field}: {' '.join(why).rstrip('.')}" for field, why in errors.items()
            )
            return error_response(status, "invalid_value", f"invalid input: {summary}", errors)
        message = data.get("message") or error.description or error.name
        return error_response(status, code, str(message), errors)


def rest_api(app: Flask | None = None) -> RegistryApi:
    """The app's Api object."""
    api: RegistryApi = (app or current_app).extensions["registry_api"]
    return api


def register_blueprint(app: Flask, blp: ApiBlueprint, **options: Any) -> None:
    """Add a flask-smorest blueprint to the app and to its OpenAPI spec."""
    rest_api(app).register_blueprint(blp, **options)


def endpoint_list(spec: dict[str, Any]) -> list[dict[str, str]]:
    """The spec's operations as rows (method, path, summary, tag) for the docs page."""
    rows = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary") or operation.get("description", ""),
                    "tag": ", ".join(operation.get("tags", [])),
                }
            )
    return rows


@docs.get("/api/docs")
def api_docs() -> str:
    """Human-readable API docs rendered on the server (the CSP allows no CDN scripts)."""
    spec = rest_api().spec.to_dict()
    return render_template(
        "admin/api_docs.html",
        info=spec.get("info", {}),
        endpoints=endpoint_list(spec),
        spec_url=f"{API_PREFIX}/openapi.json",
    )


def init_app(app: Flask) -> None:
    """Create the app's Api (spec at /api/v1/openapi.json) and the docs page."""
    app.config.setdefault("API_TITLE", "Patent Dishonesty Disclosure Registry API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = RegistryApi(
        spec_kwargs={
            "components": {
                "securitySchemes": {
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                    "bearer": {"type": "http", "scheme": "bearer"},
                }
            }
        }
    )
    api.init_app(app)
    app.extensions["registry_api"] = api
    app.register_blueprint(docs)
