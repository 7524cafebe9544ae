"""The OpenAPI document as readers meet it: public endpoints, then client ones, then admin ones.

flask-smorest lists operations in the order blueprints were registered (the admin API first).
`arranged` reorders them by audience, says on every operation who may call it (no key, an API
key with a named scope, or a console session) and explains keys and scopes in `info`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from api.openapi_examples import EXAMPLES
from api.text_marks import N_

API_PREFIX = "/api/v1"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
AUDIENCES = ("public", "client", "admin")
# What `api_key_required` leaves on a view: the scope it asks for (None: any valid key).
SCOPE_ATTRIBUTE = "required_scope"
_NO_KEY = object()
# The scope an operation needs, for programs: a scope name, or "any" for any valid key.
SCOPE_EXTENSION = "x-api-key-scope"
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

DESCRIPTION = N_(
    """\
Patent authorities list repeat and deliberate patent infringers here; every entry is signed and
recorded in a public transparency log. This API serves three audiences, in this order:

* **Public** endpoints need no key (rate-limited per address): the published entries, the log
  (checkpoints, inclusion and consistency proofs, proof bundles), the public keys and the change
  feed.
* **Client** endpoints (banks, procurement systems) need an API key, sent as
  `Authorization: Bearer ipl_<prefix>_<secret>`. A registry administrator issues keys (console,
  `POST /api/v1/admin/api-keys` or `registry apikey create`); the secret is shown once. Each key
  holds scopes: `screen` opens `/lookup`, `/screen`, `/receipts/{receipt_id}` and `/ftm/...`;
  `watch` opens `/watchlists/...`; any key may read its own `/usage`. A missing, unknown or
  revoked key is answered 401, a key without the scope 403 (naming it), a key over its own rate
  limit 429 with `Retry-After`. Every lookup and screening answer carries a receipt signed by the
  registry and bound to a log checkpoint.
* **Admin** endpoints (`/api/v1/admin/...`) are for registry staff and use the console session:
  sign in at `/admin/login`, read the CSRF token from `GET /api/v1/admin/session` and send it as
  `X-CSRFToken` on every POST, PUT, PATCH or DELETE. Each operation names the roles it admits.

Errors are JSON `{code, status, message, errors}`, the message in Chinese or English after
`Accept-Language`; a 422 maps each invalid field to its reasons, a 409 is a state conflict.
A walk-through with curl and Python examples: docs/api-quickstart.md in the registry's source.
"""
)

# Who may call an operation, the last paragraph of its description: by audience, and for the
# client audience by the scope its key needs (None: any valid key). Marked for the catalogue.
ACCESS = {
    "public": N_("Access: public, no key needed (rate-limited per client address)."),
    "admin": N_(
        "Access: console session of registry staff (cookie), with the CSRF token from "
        "`GET /api/v1/admin/session` sent as `X-CSRFToken` on POST, PUT, PATCH and DELETE."
    ),
}
KEY_ACCESS: dict[str | None, str] = {
    None: N_("Access: any valid API key (`Authorization: Bearer <key>`)."),
    "screen": N_("Access: API key (`Authorization: Bearer <key>`) with the `screen` scope."),
    "watch": N_("Access: API key (`Authorization: Bearer <key>`) with the `watch` scope."),
}


def openapi_path(rule: str) -> str:
    """A Flask rule (`/entries/<string:entry_id>`) as an OpenAPI path (`/entries/{entry_id}`)."""
    return _CONVERTER.sub(r"{\1}", rule)


def key_scopes(app: Flask) -> dict[str, str | None]:
    """The scope each bearer-key path requires (None: any key), read from the views themselves."""
    scopes: dict[str, str | None] = {}
    for rule in app.url_map.iter_rules():
        scope = getattr(app.view_functions[rule.endpoint], SCOPE_ATTRIBUTE, _NO_KEY)
        if scope is not _NO_KEY:
            scopes[openapi_path(rule.rule)] = scope  # type: ignore[assignment]
    return scopes


def audience(path: str, operation: dict[str, Any]) -> str:
    """`public`, `client` (API key) or `admin` (console session) for one operation."""
    if path.startswith(f"{API_PREFIX}/admin/"):
        return "admin"
    if operation.get("security"):
        return "client"
    return "public"


def access_text(who: str, scope: str | None) -> str:
    """The sentence saying who may call an operation."""
    if who != "client":
        return ACCESS[who]
    # A scope without its marked sentence is still said (untranslated); a test names it.
    return KEY_ACCESS.get(
        scope, f"Access: API key (`Authorization: Bearer <key>`) with the `{scope}` scope."
    )


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of the spec, in document order."""
    return [
        (path, method, item[method])
        for path, item in spec.get("paths", {}).items()
        for method in HTTP_METHODS
        if method in item
    ]


def add_examples(operation: dict[str, Any], example: dict[str, Any]) -> None:
    """Put an example request body and answer into the operation where it has none."""
    if "request" in example:
        body = operation.setdefault("requestBody", {"required": True})
        content = body.setdefault("content", {})
        for media in content.values() or [content.setdefault("application/json", {})]:
            media.setdefault("example", example["request"])
    responses = operation.setdefault("responses", {}) if "response" in example else {}
    answers = dict(example.get("answers", {}))
    if "response" in example:
        success = [code for code in responses if code.startswith("2")] or ["200"]
        answers[success[0]] = example["response"]
    for code, body in answers.items():
        answer = operation.setdefault("responses", {}).setdefault(code, {"description": "OK"})
        content = answer.setdefault("content", {})
        kind = example.get("media", "application/json")
        media = content.get("application/json") or content.setdefault(kind, {})
        media.setdefault("example", body)


def arranged(spec: dict[str, Any], app: Flask) -> dict[str, Any]:
    """The spec ordered public, client, admin (paths and tags), each operation's access said."""
    scopes = key_scopes(app)
    rank: dict[str, int] = {}
    for path, method, operation in operations(spec):
        who = audience(path, operation)
        rank[path] = min(rank.get(path, len(AUDIENCES)), AUDIENCES.index(who))
        if who == "admin" and not operation.get("security"):
            operation["security"] = [{"session": []}]
        if who == "client":
            operation[SCOPE_EXTENSION] = scopes.get(path) or "any"
        access = access_text(who, scopes.get(path))
        described = operation.get("description", "")
        if access not in described:
            operation["description"] = f"{described}\n\n{access}".strip()
        add_examples(operation, EXAMPLES.get((method, path), {}))
    paths = dict(sorted(spec.get("paths", {}).items(), key=lambda pair: rank.get(pair[0], 0)))
    tag_order = [tag for _p, _m, op in operations({"paths": paths}) for tag in op.get("tags", [])]
    tags = sorted(
        spec.get("tags", []),
        key=lambda tag: (
            tag_order.index(tag["name"]) if tag["name"] in tag_order else len(tag_order)
        ),
    )
    info = {**spec.get("info", {}), "description": DESCRIPTION}
    return {**spec, "info": info, "tags": tags, "paths": paths}


def endpoint_sections(spec: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The arranged spec's operations as rows (method, path, summary, details, scope) per
    audience."""
    sections: dict[str, list[dict[str, str]]] = {who: [] for who in AUDIENCES}
    for path, method, operation in operations(spec):
        sections[audience(path, operation)].append(
            {
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                # The description without its last paragraph, the access sentence.
                "details": operation.get("description", "").rsplit("\n\n", 1)[0]
                if "\n\n" in operation.get("description", "")
                else "",
                "scope": operation.get(SCOPE_EXTENSION, ""),
            }
        )
    return sections
