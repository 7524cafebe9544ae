"""The keyless public reads: /api/v1/entries (filters, pages, ETags) and one entry in full."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import EntryRevision, Listing, LogEvent, utcnow
from registry.transaction import atomic
from tests.api.screening_api.screening_fixtures import demo_app


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry (overrides the empty app of tests/conftest.py)."""
    yield from demo_app(tmp_path, demo_template)


def test_entries_are_paged_with_headers_and_links(client: FlaskClient, session: Session) -> None:
    ever_published = session.scalar(
        select(Listing.id).where(Listing.entry_id.is_not(None)).order_by(Listing.id.desc())
    )
    assert ever_published is not None
    first = client.get("/api/v1/entries?page_size=5")
    assert first.status_code == 200
    pagination = json.loads(first.headers["X-Pagination"])
    total = pagination["total"]
    ever = session.query(Listing).filter(Listing.entry_id.is_not(None)).count()
    in_error = session.query(LogEvent).filter_by(event="removed", reason="error").count()
    assert in_error > 0  # the demo has one: the list leaves it out
    assert total == ever - in_error
    assert pagination["total_pages"] == -(-total // 5) and pagination["next_page"] == 2
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    second = client.get("/api/v1/entries?page_size=5&page=2").get_json()
    ids = [e["entry_id"] for e in first.get_json() + second]
    assert ids == sorted(ids) and len(set(ids)) == 10


def test_filters_by_status_sector_authority_and_dates(client: FlaskClient) -> None:
    every = client.get("/api/v1/entries?page_size=100").get_json()
    for status in ("published", "removed", "expired"):
        found = client.get(f"/api/v1/entries?status={status}&page_size=100").get_json()
        assert found and {e["status"] for e in found} == {status}
        assert [e for e in every if e["status"] == status] == found
    expired = client.get("/api/v1/entries?status=expired").get_json()[0]
    assert expired["end_reason"] == "expired" and expired["ended_on"] == expired["period_end"]

    sector = every[0]["sectors"][0]
    by_sector = client.get(f"/api/v1/entries?sector={sector}&page_size=100").get_json()
    assert by_sector and all(sector in e["sectors"] for e in by_sector)
    authority = every[0]["authority"]
    by_authority = client.get(
        "/api/v1/entries", query_string={"authority": authority[:4], "page_size": 100}
    ).get_json()
    assert by_authority and all(authority[:4] in e["authority"] for e in by_authority)
    day = sorted(e["listed_on"] for e in every)[len(every) // 2]
    later = client.get(f"/api/v1/entries?listed_from={day}&page_size=100").get_json()
    earlier = client.get(f"/api/v1/entries?listed_to={day}&page_size=100").get_json()
    assert all(e["listed_on"] >= day for e in later) and all(e["listed_on"] <= day for e in earlier)
    assert len(later) + len(earlier) >= len(every)


def test_an_unchanged_list_answers_304_to_its_etag(client: FlaskClient) -> None:
    first = client.get("/api/v1/entries?status=published")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/entries?status=published", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    other = client.get("/api/v1/entries?status=removed", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_a_removed_entry_shows_its_bundle_revisions_and_events(
    client: FlaskClient, session: Session
) -> None:
    removed = session.scalars(select(Listing).where(Listing.state == "removed")).first()
    assert removed is not None
    detail = client.get(f"/api/v1/entries/{removed.entry_id}").get_json()
    assert detail["status"] == "removed" and detail["end_reason"] == removed.end_reason
    assert detail["bundle"]["entry"]["entry_id"] == removed.entry_id
    assert [e["event"] for e in detail["events"]] == ["listed", "removed"]
    assert detail["seq"] == detail["events"][-1]["seq"]
    assert detail["revisions"][0]["content_sha256"]
    assert client.get("/api/v1/entries/IPL-1999-000001").status_code == 404


def test_a_purged_entry_has_no_content_left(client: FlaskClient, session: Session) -> None:
    removed = session.scalars(select(Listing).where(Listing.state == "removed")).first()
    assert removed is not None
    with atomic(session):
        for revision in session.scalars(
            select(EntryRevision).where(EntryRevision.entry_id == removed.entry_id)
        ):
            revision.bundle = None
            revision.purged_at = utcnow()
    response = client.get(f"/api/v1/entries/{removed.entry_id}")
    detail = response.get_json()
    assert detail["purged"] and detail["bundle"] is None and detail["name"] is None
    assert detail["status"] == "removed" and detail["events"]
    assert removed.subject.name not in response.get_data(as_text=True)
    sector_lists = client.get("/api/v1/entries?page_size=100&sector=other").get_json()
    assert removed.entry_id not in [e["entry_id"] for e in sector_lists]
