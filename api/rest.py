"""The OpenAPI surface: one flask-smorest `Api` per app, its document and its errors.

Other modules add their endpoints with `register_blueprint(app, blp)`; the spec is served at
`/api/v1/openapi.json` (arranged by `api/openapi_document.py`); the site lists it at `/api/docs`.
"""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import Flask, Response, current_app, request
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import HTTPException

from api.errors import error_response
from api.openapi_document import API_PREFIX, arranged
from api.openapi_language import CANONICAL, LANGUAGES, localised


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

    def document(self, language: str = CANONICAL) -> dict[str, Any]:
        """The OpenAPI document in `language`: public, then client, then admin endpoints,
        access stated.

        Arranged once per language (about 9 ms of CPU, for a page and a file anyone may ask
        for as often as they like): it is asked for in requests, and Flask takes no blueprint
        once the app has served one.
        """
        documents: dict[str, dict[str, Any]] = self.__dict__.setdefault("_documents", {})
        found = documents.get(language)
        if found is None:
            found = localised(arranged(self.spec.to_dict(), current_app), language)
            documents[language] = found
        return found

    def _openapi_json(self) -> Response:
        """Serve `document()` at /api/v1/openapi.json, in place of the raw spec.

        The English document is the specification; `?lang=zh` gives a copy with its prose in
        Chinese (`api/openapi_language.py`), which the Chinese docs page links to.
        """
        language = request.args.get("lang", CANONICAL)
        if language not in LANGUAGES:
            choices = " or ".join(LANGUAGES)
            refusal, status = error_response(
                422, "invalid_value", f"lang: must be {choices}", {"lang": [f"must be {choices}"]}
            )
            refusal.status_code = status
            return refusal
        served: dict[str, bytes] = self.__dict__.setdefault("_served", {})
        body = served.get(language)
        if body is None:
            text = json.dumps(self.document(language), indent=2, ensure_ascii=False)
            body = served[language] = text.encode()
        return current_app.response_class(body, mimetype="application/json")

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


def init_app(app: Flask) -> None:
    """Create the app's Api (its document at /api/v1/openapi.json; the docs page is the site's)."""
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
