"""The OpenAPI document and the docs page: public, client, then admin; who may call each."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import rest
from api.openapi_document import AUDIENCES, SCOPE_EXTENSION, audience, operations
from api.openapi_examples import EXAMPLES
from tests.api.screening_api.screening_fixtures import bearer, new_key


def document(client: FlaskClient) -> dict[str, Any]:
    """The served OpenAPI document."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_public_paths_come_first_then_client_then_admin(client: FlaskClient) -> None:
    spec = document(client)
    ranks = [AUDIENCES.index(audience(p, op)) for p, _m, op in operations(spec)]
    assert ranks == sorted(ranks)
    assert set(ranks) == {0, 1, 2}
    first_admin_tag = next(i for i, t in enumerate(spec["tags"]) if t["name"].startswith("admin"))
    assert all(t["name"].startswith("admin") for t in spec["tags"][first_admin_tag:])


def test_every_operation_has_a_summary_and_says_who_may_call_it(client: FlaskClient) -> None:
    for path, method, operation in operations(document(client)):
        assert operation.get("summary"), f"{method} {path} has no summary"
        assert "Access: " in operation.get("description", ""), f"{method} {path}"
        if path.startswith("/api/v1/admin/"):
            assert operation["security"] == [{"session": []}]


def test_the_description_explains_keys_and_scopes(client: FlaskClient) -> None:
    description = document(client)["info"]["description"]
    for needed in ("Authorization: Bearer", "`screen`", "`watch`", "403", "X-CSRFToken"):
        assert needed in description


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_each_client_operation_needs_the_scope_it_documents(
    client: FlaskClient, session: Session
) -> None:
    keys = {"screen": new_key(session, "screen"), "watch": new_key(session, "watch")}
    client_operations = [
        (p, m, op) for p, m, op in operations(document(client)) if audience(p, op) == "client"
    ]
    assert {op[SCOPE_EXTENSION] for _p, _m, op in client_operations} == {"screen", "watch", "any"}
    for path, method, operation in client_operations:
        scope = operation[SCOPE_EXTENSION]
        for held, secret in keys.items():
            answer = client.open(_filled(path), method=method.upper(), headers=bearer(secret))
            refused = answer.status_code in (401, 403)
            assert refused == (scope not in ("any", held)), (method, path, held, answer.status_code)


def test_the_docs_page_lists_public_endpoints_before_admin_ones(client: FlaskClient) -> None:
    page = client.get("/api/docs?lang=zh")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    positions = [html.index(f'id="endpoints-{who}"') for who in AUDIENCES]
    assert positions == sorted(positions)
    assert html.index("/api/v1/entries/{entry_id}") < html.index("/api/v1/lookup")
    assert html.index("/api/v1/lookup") < html.index("/api/v1/admin/subjects")
    assert "公开接口（无需密钥）" in html and "密钥与权限范围" in html
    assert '<html lang="zh-CN">' in html or '<html lang="zh' in html


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def _has_example(spec: dict[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> bool:
    """True when `node`, or a schema it refers to, carries an example."""
    if isinstance(node, dict):
        if "example" in node or "examples" in node:
            return True
        if "$ref" in node:
            return node["$ref"] not in seen and _has_example(
                spec, _resolve(spec, node), seen | {node["$ref"]}
            )
        return any(_has_example(spec, value, seen) for value in node.values())
    if isinstance(node, list):
        return any(_has_example(spec, value, seen) for value in node)
    return False


def test_every_operation_has_examples(client: FlaskClient) -> None:
    """Public, client and admin operations alike: a request example, one per answer with a body."""
    spec = document(client)
    missing = []
    for path, method, operation in operations(spec):
        if "requestBody" in operation and not _has_example(spec, operation["requestBody"]):
            missing.append(f"{method} {path}: request")
        success = {
            code: _resolve(spec, answer)
            for code, answer in operation["responses"].items()
            if code.startswith("2")
        }
        assert success, f"{method} {path} documents no success answer"
        for code, answer in success.items():
            if answer.get("content") and not _has_example(spec, answer["content"]):
                missing.append(f"{method} {path}: answer {code}")
        if not any(answer.get("content") for answer in success.values()):
            assert set(success) == {"204"}, f"{method} {path}: only a 204 may have no content"
    assert missing == []


def test_admin_operations_have_written_examples(client: FlaskClient) -> None:
    """Admin examples are the registry's own, not only generated from the schemas' fields."""
    for path, method, operation in operations(document(client)):
        if audience(path, operation) == "admin" and method != "delete":
            assert (method, path) in EXAMPLES, f"{method} {path} has no written example"


_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _wrong_value(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    """`value` is null where the schema does not allow it, of another type, or not in its enum."""
    kind = schema.get("type")
    if value is None:
        return [] if schema.get("nullable") or kind is None else [f"{where}: null"]
    if kind in _TYPES:
        wrong = not isinstance(value, _TYPES[kind]) or (
            isinstance(value, bool) and kind in ("integer", "number")
        )
        if wrong:
            return [f"{where}: {type(value).__name__}, not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    return []


def _undocumented(spec: dict[str, Any], schema: Any, body: Any, where: str) -> list[str]:
    """Where `body` (nested too) disagrees with `schema`: a field it does not document, or a
    value of the wrong type, null where not nullable, or outside the schema's enum."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return []
    wrong = _wrong_value(schema, body, where)
    if wrong or body is None:
        return wrong
    if isinstance(body, list) and schema.get("type") == "array":
        return [
            name
            for index, item in enumerate(body)
            for name in _undocumented(spec, schema.get("items"), item, f"{where}[{index}]")
        ]
    properties = schema.get("properties")
    if not isinstance(body, dict) or properties is None:
        return []
    return [f"{where}.{key}" for key in body if key not in properties] + [
        name
        for key, value in body.items()
        if key in properties
        for name in _undocumented(spec, properties[key], value, f"{where}.{key}")
    ]


def test_written_examples_use_the_fields_their_schema_documents(client: FlaskClient) -> None:
    spec = document(client)
    checked = 0
    for (method, path), example in EXAMPLES.items():
        operation = spec["paths"][path][method]
        bodies = dict(example.get("answers", {}))
        if "response" in example:
            bodies[next(c for c in operation["responses"] if c.startswith("2"))] = example[
                "response"
            ]
        for code, body in bodies.items():
            answer = _resolve(spec, operation["responses"][code])
            schema = answer["content"].get("application/json", {}).get("schema")
            assert _undocumented(spec, schema, body, f"{method} {path} {code}") == []
            checked += schema is not None
        if "request" in example:
            media = operation["requestBody"]["content"]
            schema = next(iter(media.values())).get("schema")
            assert _undocumented(spec, schema, example["request"], f"{method} {path} in") == []
            checked += schema is not None
    assert checked > 60


def test_an_undocumented_field_is_found_however_deep() -> None:
    spec = {
        "components": {
            "schemas": {
                "Inner": {"type": "object", "properties": {"a": {"type": "string"}}},
                "Outer": {
                    "type": "object",
                    "properties": {
                        "inner": {"type": "array", "items": {"$ref": "#/components/schemas/Inner"}}
                    },
                },
            }
        }
    }
    outer = {"$ref": "#/components/schemas/Outer"}
    assert _undocumented(spec, outer, {"inner": [{"a": "x"}]}, "x") == []
    assert _undocumented(spec, outer, {"inner": [{"a": "x", "b": 1}]}, "x") == ["x.inner[0].b"]
    assert _undocumented(spec, outer, {"other": 1}, "x") == ["x.other"]
    assert _undocumented(spec, outer, {"inner": [{"a": 1}]}, "x") == [
        "x.inner[0].a: int, not string"
    ]
    assert _undocumented(spec, outer, {"inner": [{"a": None}]}, "x") == ["x.inner[0].a: null"]
    kinds = {"type": "string", "enum": ["whole", "partial"]}
    assert _undocumented(spec, kinds, "some", "x") == [
        "x: 'some' is not one of ['whole', 'partial']"
    ]


def test_the_document_is_arranged_once_per_language(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arranged and translated for every request: about 9 ms of CPU for a file and a page
    # anyone may ask for as often as they like.
    arranged: list[int] = []
    arrange = rest.arranged

    def counted(spec: dict[str, Any], app: Flask) -> dict[str, Any]:
        arranged.append(1)
        return arrange(spec, app)

    monkeypatch.setattr(rest, "arranged", counted)
    first = client.get("/api/v1/openapi.json").data
    for _ in range(3):
        assert client.get("/api/v1/openapi.json").data == first
        assert client.get("/api/docs", headers={"Accept-Language": "en"}).status_code == 200
    chinese = client.get("/api/v1/openapi.json?lang=zh")
    assert chinese.status_code == 200 and chinese.data != first
    assert client.get("/api/docs", headers={"Accept-Language": "zh"}).status_code == 200
    assert len(arranged) == 2  # once in English, once for the Chinese copy
