"""Domain fixtures: a database session with no Flask app behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from registry.models import Base


@pytest.fixture
def bare_session(tmp_path: Path) -> Iterator[Session]:
    """A Session on a fresh SQLite file holding the registry's tables; no app, no Flask."""
    engine = create_engine(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()
