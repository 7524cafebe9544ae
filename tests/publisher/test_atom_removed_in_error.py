"""The published Atom feed leaves out an entry removed in error, keeping only its removal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from sqlalchemy import select

from publisher.jobs import run_publication
from registry.models import EntryRevision, LogEvent
from runtime.extensions import db
from tests.api.screening_api.screening_fixtures import demo_app


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """A private copy of the demo registry, which holds one entry removed in error."""
    yield from demo_app(tmp_path, demo_template)


def test_the_atom_feed_names_no_entry_removed_in_error(app: Flask) -> None:
    with app.app_context():
        in_error = db.session.scalars(
            select(LogEvent.entry_id).where(LogEvent.event == "removed", LogEvent.reason == "error")
        ).all()
        assert in_error, "the demo removes one entry in error"
        names = {
            bundle["entry"]["subject"]["name"]
            for bundle in db.session.scalars(
                select(EntryRevision.bundle).where(EntryRevision.entry_id.in_(in_error))
            )
            if bundle is not None
        }
        db.session.remove()
    assert names
    run_publication(app, progress=lambda _message: None)

    atom = (Path(app.config["FEED_DIR"]) / "atom.xml").read_text(encoding="utf-8")
    assert not [name for name in names if name in atom]
    titles = [entry.title for entry in feedparser.parse(atom).entries]
    for entry_id in in_error:
        assert [t for t in titles if entry_id in t] == [f"移出（错误列入）：{entry_id}"]
