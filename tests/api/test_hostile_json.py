"""The JSON body check refuses NUL characters wherever they are and bodies nested too deeply."""

from __future__ import annotations

import json

import pytest

from api.hostile_input import MAX_DEPTH, check_json_body

NUL = "the JSON body contains a NUL character (\\u0000)"
DEEP = f"the JSON body is nested too deeply (more than {MAX_DEPTH} levels)"


def _nested(levels: int, inner: object) -> object:
    """`inner` inside `levels` containers, lists and objects in turn."""
    value = inner
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"queries": [{"name": "Acme\x00Trading"}]}, NUL),
        ({"queries": [{"na\x00me": "Acme"}]}, NUL),
        (["ok", ["deeper", ["\x00"]]], NUL),
        (_nested(MAX_DEPTH, "x"), None),  # the string sits at depth 64
        (_nested(MAX_DEPTH + 1, "x"), DEEP),
        (_nested(MAX_DEPTH, []), None),
        (_nested(MAX_DEPTH + 1, []), DEEP),
        ({"queries": [{"name": "Acme"}] * 1000, "limit": 5}, None),
    ],
)
def test_the_body_check_finds_nul_characters_and_depth(
    document: object, reason: str | None
) -> None:
    assert check_json_body(json.dumps(document).encode()) == reason


def test_an_escaped_backslash_before_u0000_is_no_nul() -> None:
    text = json.dumps({"name": "C:\\u0000"})  # a backslash, then the letters u0000
    assert "\\\\u0000" in text
    assert check_json_body(text.encode()) is None
