"""Natural persons identified by permits, residence IDs, passports or `other`: never in full.

A person from Hong Kong, listed for deliberate infringement, is published; then every public
output (entry content, site pages, entries and lookup API, every feed file) is read looking
for any of the full values on record.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from stdnum.iso7064 import mod_11_2

from publisher.jobs import run_publication
from registry.subjects.personal_ids import mask_personal
from tests import builders
from tests.api.screening_api.screening_fixtures import bearer, new_key

RESIDENCE = "81000019900101123" + mod_11_2.calc_check_digit("81000019900101123")
IDENTIFIERS = [
    {"scheme": "hkmotw_residence", "value": RESIDENCE},
    {"scheme": "hkmo_permit", "value": "H12345678"},
    {"scheme": "passport", "value": "K01234567", "country": "HK"},
    {"scheme": "other", "name": "HK identity card", "value": "A1234563"},
]
FULL_VALUES = [item["value"] for item in IDENTIFIERS]


def test_personal_identifiers_are_masked_in_every_public_output(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    person = builders.subject(
        session, kind="natural_person", name="陈大文", identifiers=IDENTIFIERS
    )
    builders.deliberate_case(session, person.id)
    listing = builders.listing(session, state="published", subject_id=person.id)
    assert listing.state == "published"
    run_publication(app)

    key = new_key(session)
    answer = client.post(
        "/api/v1/lookup",
        json={"scheme": "hkmo_permit", "value": "H12345678"},
        headers=bearer(key),
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["answer"] == "listed"
    assert answer.get_json()["query"]["value"] == mask_personal("H12345678")
    passport = client.post(
        "/api/v1/lookup",
        json={"scheme": "passport", "value": "K01234567", "country": "HK"},
        headers=bearer(key),
    ).get_json()
    assert passport["answer"] == "listed"
    assert passport["query"] == {
        "scheme": "passport",
        "country": "HK",
        "value": mask_personal("K01234567"),
    }

    outputs = {"lookup": answer.get_data(as_text=True)}
    for url in (
        f"/entries/{listing.entry_id}",
        f"/entries/{listing.entry_id}?lang=en",
        f"/api/v1/entries/{listing.entry_id}",
        "/search?q=陈大文",
        "/api/v1/entries?status=published&page_size=100",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        outputs[url] = response.get_data(as_text=True)
    feed = Path(app.config["FEED_DIR"])
    for path in sorted(feed.rglob("*")):
        if path.is_file():
            outputs[f"feed/{path.relative_to(feed)}"] = path.read_bytes().decode("utf-8", "replace")

    leaks = [
        f"{value} in {where}"
        for where, text in outputs.items()
        for value in FULL_VALUES
        if value in text
    ]
    assert leaks == []
    page = outputs[f"/entries/{listing.entry_id}"]
    assert all(mask_personal(value) in page for value in FULL_VALUES)
    assert any(
        where.endswith(".csv") and mask_personal("A1234563") in text
        for where, text in outputs.items()
    )
