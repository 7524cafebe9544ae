"""The migrations and the model on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from registry.audit import trail as audit
from runtime.extensions import db
from tests.conftest import make_app
from tests.migration_checks import assert_migrations_round_trip

pytestmark = pytest.mark.pg


def test_migrations_upgrade_and_downgrade_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    assert_migrations_round_trip(make_app(tmp_path, pg_database))


def test_audit_chain_on_postgresql(pg_app: Flask) -> None:
    for i in range(3):
        audit.record(db.session, actor="t", action="x", object_type="y", object_id=i)
    db.session.commit()
    assert audit.verify_chain(db.session).checked == 3
