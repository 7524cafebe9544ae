"""Fuzz the screening and public entry endpoints from their OpenAPI description (schemathesis).

Every generated request, valid or not, must get a documented status, never a 5xx, and a body
matching the documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from tests.api.screening_api.screening_fixtures import bearer, demo_app, new_key

FUZZED_PATHS = r"^/api/v1/(entries|lookup|screen|receipts|usage)"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry, with a public rate limit the fuzzer cannot reach."""
    yield from demo_app(tmp_path, demo_template)


def test_no_server_errors_and_documented_responses(app: Flask, session: Session) -> None:
    # schemathesis' pytest loader (from_fixture) does not run under pytest 9, so each
    # operation gets its own bounded hypothesis run here.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(
        path_regex=FUZZED_PATHS
    )
    headers = bearer(new_key(session))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7  # POST /api/v1/lookup joined GET

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
