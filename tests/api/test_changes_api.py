"""The public change feed: events with content, pages, NDJSON, bounded by the signed checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.jobs import run_publication
from registry.models import EntryRevision
from registry.publication.events import log_size
from runtime.extensions import db
from tests.api.screening_api.screening_fixtures import demo_app

NDJSON = {"Accept": "application/x-ndjson"}


def _pages(client: FlaskClient, tree_size: int) -> list[dict[str, Any]]:
    """Every event, read 7 at a time, checking each page's bounds and headers."""
    seen: list[dict[str, Any]] = []
    after = -1
    while True:
        response = client.get(f"/api/v1/changes?after={after}&limit=7")
        assert response.status_code == 200
        page = response.get_json()
        assert page["tree_size"] == tree_size
        assert response.headers["X-Next-After"] == str(page["next_after"])
        if not page["events"]:
            assert page["next_after"] == after
            return seen
        seen += page["events"]
        after = page["next_after"]


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """A private copy of the demo registry (loaded once per session), never published yet."""
    yield from demo_app(tmp_path, demo_template)


def test_the_feed_serves_signed_events_with_content(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    assert log_size(session) > 0
    # Nothing is served before a checkpoint is signed: no event without a provable leaf.
    unsigned = client.get("/api/v1/changes")
    assert unsigned.json == {"events": [], "after": -1, "next_after": -1, "tree_size": 0}

    report = run_publication(app)
    assert report is not None
    tree_size = report.tree_size
    events = _pages(client, tree_size)
    assert [event["seq"] for event in events] == list(range(tree_size))
    listed = next(event for event in events if event["event"] == "listed")
    assert listed["type"] == "ipl.event/v1"
    assert listed["bundle"]["entry"]["entry_id"] == listed["entry_id"]
    assert listed["bundle"]["entry"]["revision"] == listed["revision"]

    # NDJSON: the same events, one per line, with the paging headers.
    response = client.get("/api/v1/changes?after=2&limit=5", headers=NDJSON)
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data().splitlines()]
    assert lines == events[3:8]
    assert response.headers["X-Next-After"] == "7"
    assert response.headers["X-Tree-Size"] == str(tree_size)

    # Purged content is served as null; the event itself stays.
    revision = db.session.scalars(select(EntryRevision).order_by(EntryRevision.id)).first()
    assert revision is not None
    revision.bundle = None
    db.session.commit()
    events = client.get(f"/api/v1/changes?limit={tree_size}").get_json()["events"]
    purged = [e for e in events if e.get("entry_id") == revision.entry_id]
    assert purged and all(event["bundle"] is None for event in purged)


@pytest.mark.parametrize(
    ("query", "field"), [("after=-2", "after"), ("limit=0", "limit"), ("limit=10001", "limit")]
)
def test_bad_parameters_name_the_field(client: FlaskClient, query: str, field: str) -> None:
    response = client.get(f"/api/v1/changes?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_the_feed_is_public_and_rate_limited_by_address(client: FlaskClient) -> None:
    response = client.get("/api/v1/changes")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" in response.headers
