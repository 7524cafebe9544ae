"""Reading a batch screening body: plain bodies directly, anything else by the documented schema.

Marshmallow reads a 100-query body field by field, which costs more than screening it does
once its answers are reused. `read_screen_body` parses the JSON once and accepts it as it is
when every field is of the plain form the schema would load unchanged (strings, whole
numbers, real booleans, lengths and choices within bounds); the result is then exactly what
`ScreenRequestSchema().load` gives. Anything else (a missing or unexpected field, a number as
a string, a value out of range, malformed JSON) goes to the schema, which answers it as
before, errors included.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from flask import request

from api.screening_api.schemas import ScreenRequestSchema
from registry.screening.matching import DEFAULT_LIMIT, DEFAULT_THRESHOLD, KINDS
from registry.screening.screen import MAX_LIMIT, MAX_QUERIES, MAX_REF

# The schema instance the operation documents and every body that is not plain is read with.
SCREEN_ARGUMENTS = ScreenRequestSchema()

_BODY_FIELDS = frozenset({"queries", "threshold", "limit", "exclude_entry_ids", "as_of", "privacy"})
_QUERY_FIELDS = frozenset({"name", "identifiers", "kind", "region", "ref"})
_IDENTIFIER_FIELDS = frozenset({"scheme", "value"})
# As the schema's validators bound them (api/screening_api/schemas.py).
MAX_NAME = 300
MAX_IDENTIFIERS = 10
MAX_SCHEME = 40
MAX_VALUE = 100
MAX_EXCLUDED = 1000
MAX_ENTRY_ID = 20
_REGION = re.compile(r"^\d{6}$")


def read_screen_body(parse_by_schema: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The request's screening arguments; `parse_by_schema` reads any body that is not plain."""
    plain = _plain_body() if request.mimetype == "application/json" else None
    return plain if plain is not None else parse_by_schema()


def _plain_body() -> dict[str, Any] | None:
    """The body as the schema would load it, or None when the schema must read it."""
    try:
        body = orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError:
        return None
    if type(body) is not dict or not body.keys() <= _BODY_FIELDS:
        return None
    queries = body.get("queries")
    if type(queries) is not list or not 1 <= len(queries) <= MAX_QUERIES:
        return None
    if not all(_plain_query(query) for query in queries):
        return None
    loaded: dict[str, Any] = {
        "queries": [_loaded_query(query) for query in queries],
        "threshold": DEFAULT_THRESHOLD,
        "limit": DEFAULT_LIMIT,
        "exclude_entry_ids": [],
        "privacy": False,
    }
    for name, value in body.items():
        if name == "queries":
            continue
        read = _READERS[name](value)
        if read is None:
            return None
        loaded[name] = read
    return loaded


def _plain_query(query: Any) -> bool:
    if type(query) is not dict or not query.keys() <= _QUERY_FIELDS:
        return False
    name = query.get("name", "")
    if type(name) is not str or len(name) > MAX_NAME:
        return False
    if "identifiers" in query and not _plain_identifiers(query["identifiers"]):
        return False
    if "kind" in query and not (type(query["kind"]) is str and query["kind"] in KINDS):
        return False
    if "region" in query and not (type(query["region"]) is str and _REGION.match(query["region"])):
        return False
    ref = query.get("ref", "")
    return type(ref) is str and len(ref) <= MAX_REF


def _plain_identifiers(identifiers: Any) -> bool:
    if type(identifiers) is not list or len(identifiers) > MAX_IDENTIFIERS:
        return False
    for identifier in identifiers:
        if type(identifier) is not dict or identifier.keys() != _IDENTIFIER_FIELDS:
            return False
        scheme, value = identifier["scheme"], identifier["value"]
        if type(scheme) is not str or not 1 <= len(scheme) <= MAX_SCHEME:
            return False
        if type(value) is not str or not 1 <= len(value) <= MAX_VALUE:
            return False
    return True


def _loaded_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """The query with the schema's defaults (the name empty, no identifiers)."""
    loaded = {"name": "", "identifiers": []}
    loaded.update(query)
    return loaded


def _threshold(value: Any) -> float | None:
    # orjson gives no NaN or infinity; the schema loads a whole number as a float.
    if type(value) not in (int, float) or not 0.0 <= value <= 1.0:
        return None
    return float(value)


def _limit(value: Any) -> int | None:
    return value if type(value) is int and 1 <= value <= MAX_LIMIT else None


def _excluded(value: Any) -> list[str] | None:
    if type(value) is not list or len(value) > MAX_EXCLUDED:
        return None
    plain = all(type(item) is str and len(item) <= MAX_ENTRY_ID for item in value)
    return value if plain else None


def _as_of(value: Any) -> dt.date | None:
    if type(value) is not str:
        return None
    try:
        return dt.date.fromisoformat(value)  # as the schema's Date field reads it
    except ValueError:
        return None


def _privacy(value: Any) -> bool | None:
    return value if type(value) is bool else None


_READERS: dict[str, Callable[[Any], Any]] = {
    "threshold": _threshold,
    "limit": _limit,
    "exclude_entry_ids": _excluded,
    "as_of": _as_of,
    "privacy": _privacy,
}
