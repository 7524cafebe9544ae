"""Responsible persons in lookups and screening: the relation, its score, never the full ID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actors import SYSTEM
from registry.models import Listing, Receipt
from registry.screening.receipts import verify_receipt
from registry.subjects.identifiers import mask_ric
from registry.subjects.persons import (
    PersonInput,
    record_person,
    remove_person,
    subject_persons,
)
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import bearer, demo_app, new_key, published
from tests.builders import id_number

RIC = id_number(42)
NAME = "欧阳娜娜"


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry (overrides the empty app of tests/conftest.py)."""
    yield from demo_app(tmp_path, demo_template)


@pytest.fixture
def key(session: Session) -> str:
    """A key with the screen scope."""
    return new_key(session)


@pytest.fixture
def company(session: Session) -> Listing:
    """A published company listing whose legal representative is recorded."""
    listing = published(session, "legal_person")[0]
    record_person(
        session,
        SYSTEM,
        listing.subject_id,
        PersonInput("legal_representative", NAME, "cn_ric", RIC),
    )
    return listing


def _receipt_results(session: Session, app: Flask) -> list[dict]:
    envelope = session.scalars(select(Receipt).order_by(Receipt.issued_at.desc())).first()
    assert envelope is not None
    signed = verify_receipt(envelope.envelope, key_store(app).public_keys())
    results: list[dict] = signed["results"]
    return results


def test_a_lookup_by_a_persons_id_returns_the_relation_masked(
    client: FlaskClient, key: str, company: Listing, session: Session, app: Flask
) -> None:
    response = client.post(
        "/api/v1/lookup", json={"scheme": "cn_ric", "value": RIC}, headers=bearer(key)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["answer"] == "not_listed"  # the person is not listed; the company is
    [relation] = body["relations"]
    subject_name = company.subject.name
    assert relation["entry_id"] == company.entry_id and relation["status"] == "listed"
    assert relation["role"] == "legal_representative" and relation["score"] == 1.0
    assert relation["person"] == {
        "name": NAME,
        "identifier": {"scheme": "cn_ric", "value": mask_ric(RIC)},
    }
    assert relation["relation"]["zh"] == f"{subject_name}的法定代表人（列入 {company.entry_id}）"
    assert relation["relation"]["en"] == (
        f"legal representative of {subject_name}, listed {company.entry_id}"
    )
    assert "legal representative" in relation["features"][0]["note"]
    assert _receipt_results(session, app)[0]["relations"] == [
        {
            "entry_id": company.entry_id,
            "person": NAME,
            "role": "legal_representative",
            "status": "listed",
        }
    ]
    stored = json.dumps([r.envelope for r in session.scalars(select(Receipt))])
    assert RIC not in response.get_data(as_text=True) and RIC not in stored


def test_a_screen_by_a_persons_name_returns_the_relation_with_its_score(
    client: FlaskClient, key: str, company: Listing, session: Session, app: Flask
) -> None:
    response = client.post(
        "/api/v1/screen",
        json={
            "queries": [
                {"name": NAME},
                {"name": "Ouyang Nana", "kind": "natural_person"},
                {"name": NAME, "kind": "legal_person"},
                {"name": "", "identifiers": [{"scheme": "cn_ric", "value": RIC}]},
            ]
        },
        headers=bearer(key),
    )
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    by_name, by_latin, as_company, by_id = (r["relations"] for r in results)
    assert [r["entry_id"] for r in by_name] == [company.entry_id]
    assert by_name[0]["score"] == 1.0
    assert by_latin and by_latin[0]["score"] >= 0.8
    assert as_company == []  # a query for an organisation does not match its officers
    assert by_id[0]["person"]["identifier"]["value"] == mask_ric(RIC)
    assert [f["feature"] for f in by_name[0]["features"]][-1] == "relation"
    signed = _receipt_results(session, app)
    assert signed[0]["relations"] == [
        {
            "entry_id": company.entry_id,
            "person": NAME,
            "role": "legal_representative",
            "score": "1.0000",
            "status": "listed",
        }
    ]
    assert "relations" not in signed[2]  # receipts without relations keep their old shape
    assert RIC not in response.get_data(as_text=True)


def test_excluded_entries_hide_their_persons_too(
    client: FlaskClient, key: str, company: Listing
) -> None:
    response = client.post(
        "/api/v1/screen",
        json={"queries": [{"name": NAME}], "exclude_entry_ids": [company.entry_id]},
        headers=bearer(key),
    )
    assert response.get_json()["results"][0]["relations"] == []


def test_a_removed_person_no_longer_screens_and_a_new_one_does_at_once(
    client: FlaskClient, key: str, company: Listing, session: Session
) -> None:
    def relations(name: str) -> list[dict]:
        body = client.post(
            "/api/v1/screen", json={"queries": [{"name": name}]}, headers=bearer(key)
        ).get_json()
        found: list[dict] = body["results"][0]["relations"]
        return found

    assert relations(NAME)  # the index of this list state is now built and cached
    [person] = [p for p in subject_persons(session, company.subject_id) if p.name == NAME]
    remove_person(session, SYSTEM, company.subject_id, person.id)
    assert relations(NAME) == []

    record_person(
        session,
        SYSTEM,
        company.subject_id,
        PersonInput("main_responsible", "司马光", "passport", "123456789", "GB"),
    )
    [found] = relations("司马光")
    assert found["role"] == "main_responsible"
    assert found["person"]["identifier"] == {
        "scheme": "passport",
        "value": "1*******9",
        "country": "GB",
    }
