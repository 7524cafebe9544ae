"""The database and key files are private: created 0600, refused in production when not."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from runtime.config import ConfigError
from runtime.file_permissions import exposed_files, sqlite_path
from tests.conftest import make_app


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_new_keys_are_created_0600(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    app = make_app(tmp_path, f"sqlite:///{database}")
    assert _mode(database) == 0o600
    keys = sorted(Path(app.config["KEYS_DIR"]).glob("*.pem"))
    assert keys and {_mode(key) for key in keys} == {0o600}


@pytest.mark.parametrize("which", ["database", "key"])
def test_production_refuses_to_start_with_files_others_can_read(tmp_path: Path, which: str) -> None:
    database = tmp_path / "registry.sqlite3"
    app = make_app(tmp_path, f"sqlite:///{database}")  # creates the database and the keys
    exposed = database if which == "database" else next(Path(app.config["KEYS_DIR"]).glob("*.pem"))
    os.chmod(exposed, 0o644)
    with pytest.raises(ConfigError) as refused:
        make_app(tmp_path, f"sqlite:///{database}", REGISTRY_ENV="production")
    assert f"{exposed} has mode 0644; run: chmod 600 {exposed}" in str(refused.value)
    os.chmod(exposed, 0o600)
    make_app(tmp_path, f"sqlite:///{database}", REGISTRY_ENV="production")


def test_only_file_databases_have_a_path_and_missing_files_are_no_problem(tmp_path: Path) -> None:
    assert sqlite_path("postgresql+psycopg://registry@db/registry") is None
    assert sqlite_path("sqlite://") is None
    assert sqlite_path(f"sqlite:///{tmp_path}/x.db") == tmp_path / "x.db"
    assert exposed_files([tmp_path / "missing.pem"]) == []
