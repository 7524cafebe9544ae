"""Garbage query strings on the public site and API: a clear 4xx (or a page), never a 5xx."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GARBAGE = [
    "",
    "-1",
    "0",
    "99999999999999999999999999",
    "1" + "0" * 400,
    "1e9",
    "NaN",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "99999-01-01",
    "yesterday",
    "\x00",
    "%00",
    "' OR 1=1 --",
    "\u202e2026-01-01",
    "２０２６-０１-０１",
]
API_URLS = [
    "/api/v1/entries?page={v}",
    "/api/v1/entries?page_size={v}",
    "/api/v1/entries?listed_from={v}",
    "/api/v1/entries?listed_to={v}&status={v}",
    "/api/v1/changes?after={v}&limit={v}",
    "/api/v1/log/proof/inclusion?index={v}&tree_size={v}",
    "/api/v1/log/proof/consistency?first={v}&second={v}",
    "/api/v1/log/entries?start={v}&end={v}",
    "/api/v1/entries/{v}",
]
SITE_URLS = [
    "/search?q={v}&page={v}",
    "/search?year={v}&sector={v}&status={v}",
    "/?lang={v}",
    "/statistics?year={v}",
    "/entries/{v}",
]


def _get(client: FlaskClient, template: str, value: str) -> tuple[int, str, str | None]:
    response = client.get(template.format(v=quote(value, safe="")))
    return response.status_code, response.get_data(as_text=True), response.content_type


def test_api_query_garbage_gets_a_4xx_json_naming_the_problem(client: FlaskClient) -> None:
    for template in API_URLS:
        for value in GARBAGE:
            status, text, content_type = _get(client, template, value)
            assert status < 500, (template, value, text[:300])
            if status >= 400:
                assert content_type == "application/json", (template, value)
                assert '"message"' in text, (template, value, text[:200])


def test_api_says_which_parameter_is_wrong(client: FlaskClient) -> None:
    for query, field in [
        ("page=-1", "page"),
        ("page_size=1000000", "page_size"),
        ("listed_from=2026-02-30", "listed_from"),
    ]:
        response = client.get(f"/api/v1/entries?{query}")
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["errors"]


def test_site_query_garbage_never_fails_the_server(client: FlaskClient) -> None:
    for template in SITE_URLS:
        for value in GARBAGE:
            status, text, _content_type = _get(client, template, value)
            assert status < 500, (template, value, text[:300])


@pytest.mark.parametrize("page", ["-1", "abc", "1" + "0" * 30])
def test_site_search_explains_a_bad_page(client: FlaskClient, page: str) -> None:
    response = client.get(f"/search?q=acme&page={page}")
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True).lower()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(API_URLS + SITE_URLS),
    value=st.text(max_size=30) | st.integers().map(str),
)
def test_any_query_value_is_answered_below_500(client: FlaskClient, path: str, value: str) -> None:
    status, text, _content_type = _get(client, path, value)
    assert status < 500, (path, value, text[:300])


@pytest.mark.pg
def test_query_garbage_on_postgresql_never_fails_the_server(pg_app: Flask) -> None:
    # PostgreSQL refuses NUL characters and out-of-range integers that SQLite stores quietly.
    client = pg_app.test_client()
    for template in API_URLS + SITE_URLS:
        for value in GARBAGE:
            status, text, _content_type = _get(client, template, value)
            assert status < 500, (template, value, text[:300])


def test_query_integers_beyond_64_bits_are_400(client: FlaskClient) -> None:
    response = client.get("/api/v1/changes?after=" + "9" * 25)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["code"] == "value_out_of_range"


@pytest.mark.pg
def test_query_integers_beyond_64_bits_are_400_on_postgresql(pg_app: Flask) -> None:
    response = pg_app.test_client().get("/api/v1/changes?after=" + "9" * 25)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["code"] == "value_out_of_range"
