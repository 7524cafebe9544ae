"""The Alembic migrations build exactly the model's schema on SQLite, and undo it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_app
from tests.migration_checks import assert_migrations_round_trip


def test_migrations_upgrade_and_downgrade_on_sqlite(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    assert_migrations_round_trip(app)
