"""A plain screening body reads as the documented schema reads it; others go to the schema."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask

from api.screening_api.screen_body import SCREEN_ARGUMENTS, read_screen_body

PLAIN = [
    {"queries": [{"name": "深圳市华兴科技有限公司"}]},
    {
        "queries": [
            {"name": "Shenzhen Huaxing", "kind": "legal_person", "region": "440300", "ref": "r1"},
            {"name": "", "identifiers": [{"scheme": "cn_uscc", "value": "91440300MA5F0000X1"}]},
            {"identifiers": []},
            {},
        ],
        "threshold": 1,
        "limit": 100,
        "exclude_entry_ids": ["IPL-2025-000007"],
        "as_of": "2026-06-30",
        "privacy": True,
    },
    {"queries": [{"name": "x" * 300, "ref": "r" * 100}], "threshold": 0.0, "as_of": "20260630"},
]
# Each is left to the schema: it refuses them, or converts a value ("0.5", 5.0) as it loads.
NOT_PLAIN: list[Any] = [
    [],
    {"queries": []},
    {"queries": [{"name": "x"}] * 1001},
    {"queries": [{"name": "x", "extra": 1}]},
    {"queries": [{"name": "x"}], "extra": 1},
    {"queries": [{"name": None}]},
    {"queries": [{"name": "x" * 301}]},
    {"queries": [{"name": "x", "ref": "r" * 101}]},
    {"queries": [{"name": "x", "kind": "robot"}]},
    {"queries": [{"name": "x", "region": "44030"}]},
    {"queries": [{"name": "x", "identifiers": [{"scheme": "cn_uscc"}]}]},
    {"queries": [{"name": "x", "identifiers": [{"scheme": "", "value": "1"}]}]},
    {"queries": [{"name": "x", "identifiers": [{"scheme": "s", "value": "1", "n": 1}]}]},
    {"queries": [{"name": "x", "identifiers": [{"scheme": "s", "value": "1"}] * 11}]},
    {"queries": [{"name": "x"}], "threshold": "0.5"},
    {"queries": [{"name": "x"}], "threshold": 1.5},
    {"queries": [{"name": "x"}], "threshold": True},
    {"queries": [{"name": "x"}], "limit": 5.0},
    {"queries": [{"name": "x"}], "limit": 0},
    {"queries": [{"name": "x"}], "exclude_entry_ids": ["x" * 21]},
    {"queries": [{"name": "x"}], "as_of": "2026-02-30"},
    {"queries": [{"name": "x"}], "as_of": None},
    {"queries": [{"name": "x"}], "privacy": "yes"},
]


def _read(app: Flask, body: bytes, content_type: str = "application/json") -> Any:
    """What the reader gives, and whether it asked the schema."""
    asked: list[bool] = []

    def by_schema() -> dict[str, Any]:
        asked.append(True)
        return {"by": "schema"}

    with app.test_request_context(
        "/api/v1/screen", method="POST", data=body, content_type=content_type
    ):
        return read_screen_body(by_schema), bool(asked)


@pytest.mark.parametrize("body", PLAIN)
def test_a_plain_body_reads_exactly_as_the_schema_loads_it(app: Flask, body: Any) -> None:
    read, asked = _read(app, json.dumps(body).encode())
    assert not asked
    assert read == SCREEN_ARGUMENTS.load(body)
    if "as_of" in body:
        assert isinstance(read["as_of"], dt.date)


@pytest.mark.parametrize("body", NOT_PLAIN)
def test_any_other_body_is_read_by_the_schema(app: Flask, body: Any) -> None:
    assert _read(app, json.dumps(body).encode()) == ({"by": "schema"}, True)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"not json", "application/json"),
        (b"", "application/json"),
        (b'{"queries": [{"name": "x"}], "threshold": NaN}', "application/json"),
        (b'{"queries": [{"name": "\\ud800"}]}', "application/json"),
        (json.dumps(PLAIN[0]).encode(), "text/plain"),
        (json.dumps(PLAIN[0]).encode(), "application/vnd.example+json"),
    ],
)
def test_unreadable_or_other_bodies_go_to_the_schema(
    app: Flask, data: bytes, content_type: str
) -> None:
    assert _read(app, data, content_type) == ({"by": "schema"}, True)
