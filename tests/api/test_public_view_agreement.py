"""Every reader gives one answer: a removal shows on the site and in the API before any publish run.

The site, the keyless entries API, lookups and screening all ask the same read model, and
lookups answer from the whole committed log (signing a checkpoint on demand), so a removal
never waits for the next publication run to reach a signed receipt.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.listings import published as published_listings
from registry.models import LogEvent, SignedCheckpoint
from registry.screening.receipts import verify_receipt
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import (
    bearer,
    demo_app,
    demo_reviewers,
    new_key,
    published,
)


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry (overrides the empty app of tests/conftest.py)."""
    yield from demo_app(tmp_path, demo_template)


def _lookup(client: FlaskClient, key: str, uscc: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_uscc", "value": uscc}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _screen(client: FlaskClient, key: str, name: str, entry_id: str) -> list[str]:
    response = client.post(
        "/api/v1/screen", json={"queries": [{"name": name}]}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    matches = response.get_json()["results"][0]["matches"]
    return [match["status"] for match in matches if match["entry_id"] == entry_id]


def _site_page(client: FlaskClient, entry_id: str) -> str:
    response = client.get(f"/entries/{entry_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _site_search(client: FlaskClient, text: str, status: str) -> str:
    response = client.get("/search", query_string={"q": text, "status": status})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_removal_reaches_every_reader_before_the_next_publish_run(
    client: FlaskClient, session: Session
) -> None:
    key = new_key(session)
    listing = published(session, "legal_person")[0]
    entry_id, name = listing.entry_id, listing.subject.name
    assert entry_id is not None
    uscc = listing.subject.identifiers[0].value

    # Before: a lookup signs the latest checkpoint, and every reader says it is listed.
    assert _lookup(client, key, uscc)["answer"] == "listed"
    assert _screen(client, key, name, entry_id) == ["listed"]
    assert "notice-removed" not in _site_page(client, entry_id)
    assert entry_id in _site_search(client, name, "listed")
    assert client.get(f"/api/v1/entries/{entry_id}").get_json()["status"] == "published"

    first, second = demo_reviewers(session)
    for reviewer in (first, second):
        published_listings.remove(
            session, reviewer, key_store(), listing.id, "error", listing.proposed_on, "in error"
        )
    assert listing.state == "removed"
    signed_before = session.scalar(select(func.max(SignedCheckpoint.tree_size)))
    log_size = session.scalar(select(func.count()).select_from(LogEvent))
    assert signed_before is not None and log_size == signed_before + 1

    # After, with no publish run: the site, the entries API, lookups and screening agree.
    assert "notice-removed" in _site_page(client, entry_id)
    detail = client.get(f"/api/v1/entries/{entry_id}").get_json()
    assert detail["status"] == "removed" and detail["end_reason"] == "error"
    # Removed in error: the entries API keeps a notice at its address and leaves the list.
    assert detail["removed_in_error"] and detail["bundle"] is None and detail["name"] is None
    removed = client.get("/api/v1/entries", query_string={"status": "removed", "page_size": 100})
    assert entry_id not in [entry["entry_id"] for entry in removed.get_json()]
    listed = client.get("/api/v1/entries", query_string={"status": "published", "page_size": 100})
    assert entry_id not in [entry["entry_id"] for entry in listed.get_json()]

    found = _lookup(client, key, uscc)
    assert found["answer"] == "previously_listed"
    assert found["entries"][0]["end_reason"] == "error"
    # The lookup signs a checkpoint covering the removal and the audit anchor signed with it.
    assert found["checkpoint"]["tree_size"] == log_size + 1
    signed = verify_receipt(found["receipt"], key_store().public_keys())
    assert signed["results"][0]["answer"] == "previously_listed"
    assert signed["checkpoint"]["tree_size"] == log_size + 1
    assert _screen(client, key, name, entry_id) == ["previously_listed"]

    assert entry_id not in _site_search(client, name, "listed")
    # Removed in error: it leaves the site's search altogether.
    assert entry_id not in _site_search(client, name, "removed")
