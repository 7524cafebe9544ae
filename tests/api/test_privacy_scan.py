"""No public page, API answer or feed file of the demo carries a full ID number or an address.

Every natural person of the demo has a full resident ID number and an address on record; this
test publishes the demo, then fetches every public page and read endpoint and reads every feed
file, looking for any of those values.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.jobs import run_publication
from registry.actors import SYSTEM
from registry.models import EntryRevision, Listing, ResponsiblePerson, Subject, SubjectIdentifier
from registry.subjects.personal_ids import PERSONAL_SCHEMES, mask_personal
from registry.subjects.persons import PersonInput, record_person
from runtime.extensions import db
from tests import builders
from tests.api.screening_api.screening_fixtures import demo_app

PERSON = "欧阳娜娜"


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry with a company's legal representative recorded, published once."""
    for application in demo_app(tmp_path, demo_template):
        company = (
            db.session()
            .scalars(select(Listing).join(Subject).where(Subject.kind == "legal_person"))
            .first()
        )
        assert company is not None
        person = PersonInput("legal_representative", PERSON, "cn_ric", builders.id_number(77))
        record_person(db.session(), SYSTEM, company.subject_id, person)
        run_publication(application)
        yield application


def _secrets(session: Session) -> dict[str, str]:
    """Full personal identifiers (every personal scheme) and natural persons' addresses."""
    secrets = {
        value: f"ID number of subject {subject_id}"
        for value, subject_id in session.execute(
            select(SubjectIdentifier.value, SubjectIdentifier.subject_id).where(
                SubjectIdentifier.scheme.in_(PERSONAL_SCHEMES)
            )
        )
    }
    addresses = session.execute(
        select(Subject.address, Subject.id).where(
            Subject.kind == "natural_person", Subject.address.is_not(None)
        )
    )
    secrets.update({address: f"address of subject {sid}" for address, sid in addresses})
    persons = session.execute(select(ResponsiblePerson.value, ResponsiblePerson.subject_id))
    secrets.update({value: f"ID number of a person of subject {sid}" for value, sid in persons})
    return secrets


def _public_urls(session: Session) -> list[str]:
    entry_ids = sorted(set(session.scalars(select(EntryRevision.entry_id))))
    urls = ["/", "/statistics", "/verify", "/downloads", "/search?q=公司", "/search?q=Zhang"]
    urls += [f"/search?q={PERSON}", f"/search?q={PERSON}&lang=en"]
    urls += ["/?lang=en", "/search?q=%E5%85%AC%E5%8F%B8&status=all&lang=en"]
    urls += ["/api/v1/entries?status=published&page_size=100"]
    urls += ["/api/v1/entries?status=removed&page_size=100"]
    urls += ["/api/v1/entries?status=expired&page_size=100"]
    urls += ["/api/v1/changes?after=-1&limit=1000", "/api/v1/log/entries?start=0&limit=1000"]
    urls += ["/api/v1/keys", "/api/v1/log/checkpoint"]
    for entry_id in entry_ids:
        urls += [f"/entries/{entry_id}", f"/entries/{entry_id}?lang=en"]
        urls += [f"/api/v1/entries/{entry_id}"]
    return urls


def test_no_public_output_contains_personal_data(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    secrets = _secrets(session)
    assert sum(label.startswith("ID") for label in secrets.values()) >= 5
    # The published form of each number is the masked one, and it does appear.
    masked = [mask_personal(value) for value, label in secrets.items() if label.startswith("ID")]

    leaks: list[str] = []
    seen_masked = False
    for url in _public_urls(session):
        response = client.get(url)
        text = response.get_data(as_text=True)
        response.close()
        assert response.status_code == 200, url
        seen_masked = seen_masked or any(m in text for m in masked)
        leaks += [f"{label} in {url}" for secret, label in secrets.items() if secret in text]

    feed = Path(app.config["FEED_DIR"])
    files = [path for path in sorted(feed.rglob("*")) if path.is_file()]
    assert any(path.suffix == ".jsonl" for path in files)
    national = Path(app.config["NATIONAL_EXPORT_DIR"])
    files += [path for path in sorted(national.glob("*")) if path.is_file()]
    assert any(path.parent == national for path in files)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        seen_masked = seen_masked or any(m in text for m in masked)
        where = f"feed/{path.relative_to(feed)}" if path.is_relative_to(feed) else path.name
        leaks += [f"{label} in {where}" for secret, label in secrets.items() if secret in text]

    assert leaks == []
    assert seen_masked
