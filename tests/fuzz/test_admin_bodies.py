"""Hostile JSON bodies into the admin API, as a signed-in clerk: clean 4xx JSON, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import SignedIn

WRITE_PATHS = [
    "/api/v1/admin/subjects",
    "/api/v1/admin/cases",
    "/api/v1/admin/listings",
    "/api/v1/admin/patent-invalidations",
]
SUBJECTS = "/api/v1/admin/subjects"


def post_raw(user: SignedIn, path: str, body: str | bytes) -> Any:
    """POST `body` as-is with the JSON content type and the session's CSRF header."""
    return user.client.post(
        path,
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": user.csrf_token},
    )


def assert_clean_refusal(response: Any, status: int, words: str) -> None:
    """The refusal is the shared JSON error body with `status` and a message naming the issue."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["status"] == status and body["code"]
    assert words in body["message"], body


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
        # Shallow enough for the parser here, too deep for the view's own parsing deeper down.
        ("[" * 940 + "]" * 940, "nested too deeply"),
        ("[" * 66 + "]" * 66, "more than 64 levels"),
        ('{"name":' * 10_000 + "1" + "}" * 10_000, "nested too deeply"),
        ('{"subject_id": 1' + "0" * 400 + "}", "outside the 64-bit range"),
        ('{"subject_id": -' + "9" * 5000 + "}", "outside the 64-bit range"),
        ('{"kind": "legal_person", "kind": "natural_person", "name": "x"}', "repeats the key"),
        # PostgreSQL cannot store NUL; refused up front rather than as a database error.
        ('{"kind": "legal_person", "name": "Acme\\u0000Trading"}', "NUL character"),
        ('{"authority": "x", "document_number": "FZ\\u0000-1"}', "NUL character"),
    ],
)
def test_hostile_json_is_refused_with_400(clerk: SignedIn, body: str, words: str) -> None:
    for path in WRITE_PATHS:
        assert_clean_refusal(post_raw(clerk, path, body), 400, words)


@pytest.mark.parametrize(
    "body",
    [
        b'{"kind": "legal_person", "name": "\xff"}',
        b'{"kind": "legal_person", "name": ',
        b"",
        b"null",
        b"[]",
        b'"a string"',
    ],
)
def test_malformed_or_non_object_bodies_are_4xx(clerk: SignedIn, body: bytes) -> None:
    response = post_raw(clerk, SUBJECTS, body)
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert response.get_json()["errors"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": ["legal_person"], "name": "x"}, "kind"),
        ({"kind": "legal_person", "name": {"a": 1}}, "name"),
        ({"kind": "legal_person", "name": 10**15}, "name"),
        ({"kind": "legal_person", "name": "x", "aliases": "not a list"}, "aliases"),
        (
            {"kind": "legal_person", "name": "x", "identifiers": [{"scheme": 1}]},
            "identifiers[0].scheme",
        ),
        ({"kind": "robot", "name": "x"}, "kind"),
    ],
)
def test_wrong_types_name_the_field(clerk: SignedIn, body: dict[str, Any], field: str) -> None:
    response = clerk.post(SUBJECTS, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize(
    "name",
    [
        "Acme\u202eTrading",  # right-to-left override: text that reads differently than it is
        "Acme\u200bTrading",  # zero-width space: two names that look identical
        "\x1b[31mAcme",
    ],
)
def test_control_and_invisible_characters_in_names_are_refused(clerk: SignedIn, name: str) -> None:
    response = clerk.post(SUBJECTS, json={"kind": "legal_person", "name": name})
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]


def test_oversize_body_is_413_json(app: Flask, clerk: SignedIn) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = post_raw(clerk, SUBJECTS, b" " * (limit + 1))
    assert_clean_refusal(response, 413, "")


NAMES = st.text(max_size=40) | st.sampled_from(
    ["Ꭺcme", "Аcme Trading", "ａｃｍｅ", "Acme\u00adTrading", "\U0001f600", "\ufeffAcme"]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=NAMES,
    kind=st.sampled_from(["legal_person", "natural_person", "", "x"]),
    extra=st.dictionaries(
        st.sampled_from(["aliases", "region", "address", "identifiers", "name_latin"]),
        st.none()
        | st.text(max_size=10)
        | st.lists(st.text(max_size=10), max_size=3)
        | st.integers(),
        max_size=3,
    ),
)
def test_any_subject_body_gets_a_clean_answer(
    clerk: SignedIn, name: str, kind: str, extra: dict[str, Any]
) -> None:
    response = post_raw(clerk, SUBJECTS, json.dumps({"kind": kind, "name": name, **extra}))
    assert response.status_code in (201, 400, 409, 422), response.get_data(as_text=True)[:300]
    if response.status_code != 201:
        assert response.get_json()["errors"] is not None


def test_ids_beyond_64_bits_in_the_path_are_404(clerk: SignedIn) -> None:
    # The database cannot even compare such an id (SQLite raises OverflowError): no record has it.
    for path in ("/api/v1/admin/subjects/", "/api/v1/admin/cases/", "/api/v1/admin/listings/"):
        response = clerk.get(path + "9" * 25)
        assert response.status_code == 404, response.get_data(as_text=True)[:300]
        assert response.get_json()["code"] == "not_found"
