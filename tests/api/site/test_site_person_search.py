"""Site search finds responsible persons by name or masked ID number, never showing the ID."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from registry.actors import SYSTEM
from registry.models import Listing
from registry.subjects.identifiers import mask_ric
from registry.subjects.persons import PersonInput, record_person
from runtime.extensions import db
from tests.api.site.site_fixtures import USCC, Publisher, standalone_site
from tests.builders import id_number

RIC = id_number(31)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One listed company and one removed one, each with a recorded responsible person."""
    with standalone_site(tmp_path_factory.mktemp("persons")) as app:
        publisher = Publisher(db.session())
        publisher.publish(
            "IPL-2026-000001",
            "福州华兴科技有限公司",
            identifiers=[{"scheme": "cn_uscc", "value": USCC}],
        )
        publisher.publish("IPL-2026-000002", "厦门星海电子有限公司", region="350200")
        publisher.remove("IPL-2026-000002", "credit_restored")
        session = db.session()
        for entry_id, role, name, number in (
            ("IPL-2026-000001", "legal_representative", "欧阳娜娜", RIC),
            ("IPL-2026-000002", "directly_responsible", "欧阳明", id_number(32)),
        ):
            listing = session.scalars(select(Listing).where(Listing.entry_id == entry_id)).one()
            record_person(
                session, SYSTEM, listing.subject_id, PersonInput(role, name, "cn_ric", number)
            )
        yield app


def test_a_persons_name_finds_the_relation_in_chinese_and_english(site: Flask) -> None:
    client = site.test_client()
    page = client.get("/search", query_string={"q": "欧阳娜娜", "lang": "zh"}).get_data(
        as_text=True
    )
    assert "已列入组织的相关责任人" in page
    assert "福州华兴科技有限公司的法定代表人" in page
    assert "/entries/IPL-2026-000001" in page
    assert mask_ric(RIC) in page and RIC not in page

    english = client.get("/search", query_string={"q": "欧阳娜娜", "lang": "en"}).get_data(
        as_text=True
    )
    assert "legal representative of 福州华兴科技有限公司" in english


def test_a_full_id_number_finds_the_person_but_is_masked_in_the_address(site: Flask) -> None:
    client = site.test_client()
    redirected = client.get("/search", query_string={"q": RIC})
    assert redirected.status_code == 303 and RIC not in redirected.headers["Location"]
    page = client.get(redirected.headers["Location"]).get_data(as_text=True)
    assert "欧阳娜娜" in page and RIC not in page


def test_the_status_filter_applies_to_persons(site: Flask) -> None:
    client = site.test_client()
    listed_only = client.get("/search", query_string={"q": "欧阳明"}).get_data(as_text=True)
    assert "IPL-2026-000002" not in listed_only
    every = client.get("/search", query_string={"q": "欧阳明", "status": "all"}).get_data(
        as_text=True
    )
    assert "厦门星海电子有限公司的直接责任人" in every
