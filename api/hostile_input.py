"""Requests no view should see: JSON nested too deeply, with repeated keys or huge integers,
ids beyond 64 bits in the path, and NUL characters (PostgreSQL cannot store them).

Checked once before every view, so each endpoint answers 400 with a reason instead of crashing
in webargs (recursion, Python's integer-length limit), the database (integer overflow, NUL
bytes) or silently keeping the last of two repeated keys.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, request

from api.errors import error_response

INT64 = 2**63
# Far below Python's recursion limit, which the views' own JSON parsing shares with the
# request's stack; no body the API accepts nests more than a few levels.
MAX_DEPTH = 64


class HostileJson(ValueError):
    """A JSON body parsers would read differently or could not store (the message says why)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise HostileJson(f"the JSON body repeats the key {key!r}")
        result[key] = value
    return result


def _int64(text: str) -> int:
    # Checked on the digits first: int() itself refuses more than 4300 of them.
    value = int(text) if len(text) <= 20 else INT64
    if not -INT64 <= value < INT64:
        shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"
        raise HostileJson(f"the JSON body has an integer outside the 64-bit range: {shown}")
    return value


def _structure_problem(document: Any, strings: bool = True) -> str | None:
    """Why the parsed body is refused (too deep, a NUL character), or None.

    With `strings` false (the text holds no \\u0000 escape, the only way a parsed string can
    hold a NUL) strings are not searched.
    """
    # Walked level by level, not recursively: recursing here, inside a request, could itself
    # overflow. Keys sit one level below their object, as its values do.
    level: list[Any] = [document]
    depth = 0
    while level:
        if depth > MAX_DEPTH:
            return f"the JSON body is nested too deeply (more than {MAX_DEPTH} levels)"
        inner: list[Any] = []
        for value in level:
            kind = type(value)
            if kind is dict:
                if strings:
                    inner.extend(value)
                inner.extend(value.values())
            elif kind is list:
                inner.extend(value)
            elif strings and kind is str and "\x00" in value:
                return "the JSON body contains a NUL character (\\u0000)"
        level = inner
        depth += 1
    return None


def check_json_body(data: bytes) -> str | None:
    """Why the JSON body `data` is refused, or None when it is acceptable (or not JSON at all)."""
    try:
        document = json.loads(data, object_pairs_hook=_unique_keys, parse_int=_int64)
    except HostileJson as error:
        return str(error)
    except RecursionError:
        return "the JSON body is nested too deeply"
    except (ValueError, UnicodeDecodeError):
        return None  # not JSON at all: the view's own parser answers with its 400
    # Strict parsing refuses raw control characters in strings: a NUL can only be escaped.
    return _structure_problem(document, strings=b"\\u0000" in data)


def refuse_hostile_request() -> tuple[Response, int] | None:
    """Answer 400 (NUL, hostile JSON) or 404 (an id beyond 64 bits); let anything else through."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        return error_response(400, "invalid_request", "the URL contains a NUL character (%00)")
    if any(
        isinstance(value, int) and not -INT64 <= value < INT64
        for value in (request.view_args or {}).values()
    ):
        return error_response(404, "not_found", "no record has an id that large")
    if request.is_json:
        data = request.get_data(cache=True)
        reason = check_json_body(data) if data else None
        if reason:
            return error_response(400, "invalid_json", reason)
    return None


def init_app(app: Flask) -> None:
    """Check every request before its view runs."""
    app.before_request(refuse_hostile_request)
