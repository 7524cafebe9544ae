"""Full ID numbers live only in the subject table: no page, header or link ever carries one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from stdnum.cn import ric

from registry.models import SubjectIdentifier
from registry.subjects.identifiers import mask_ric
from runtime.extensions import db
from tests.api.site.site_fixtures import FULL_RIC, Publisher, standalone_site

# Fictitious people: valid numbers, so every code path treats them as real ID numbers.
OTHER_RICS = [
    body + ric.calc_check_digit(body + "0") for body in ("44030519900215001", "11010119751130222")
]
PEOPLE = [
    ("IPL-2026-000001", "张伟", FULL_RIC, None),
    ("IPL-2026-000002", "王芳", OTHER_RICS[0], "credit_restored"),
    ("IPL-2026-000003", "李娜", OTHER_RICS[1], "expired"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Natural persons in every public state; their full numbers are in the subject table."""
    with standalone_site(tmp_path_factory.mktemp("privacy")) as app:
        publisher = Publisher(db.session())
        for entry_id, name, number, removal in PEOPLE:
            publisher.publish(entry_id, name, full_ric=number, sectors=["exhibition"])
            if removal:
                publisher.remove(entry_id, removal)
        publisher.amend("IPL-2026-000001", aliases=["张小伟"])
        publisher.purge("IPL-2026-000003")
        yield app


@pytest.fixture
def client(site: Flask) -> FlaskClient:
    return site.test_client()


def _paths() -> list[str]:
    paths = ["/", "/statistics", "/verify", "/search", "/search?status=all"]
    for entry_id, name, number, _removal in PEOPLE:
        paths += [
            f"/entries/{entry_id}",
            f"/entries/{number}",
            f"/search?q={name}&status=all",
            f"/search?q={number}&status=all",
            f"/search?q={number.lower()}",
            f"/search?q={name}+{number}&status=all",
            f"/search?q={mask_ric(number)}&status=all",
            f"/search?q={number[:4]}+{number[4:10]}+{number[10:14]}+{number[14:]}",
            f"/statistics?q={number}",
            f"/?lang=en&q={number}",
        ]
    return paths


def test_the_numbers_really_are_stored_in_full(site: Flask) -> None:
    stored = set(db.session.scalars(select(SubjectIdentifier.value)))
    assert stored == {number for _e, _n, number, _r in PEOPLE}
    assert all(ric.is_valid(number) for number in stored)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_response_ever_contains_a_full_id_number(client: FlaskClient, language: str) -> None:
    numbers = [number for _e, _n, number, _r in PEOPLE]
    for path in _paths():
        joiner = "&" if "?" in path else "?"
        url = f"{path}{joiner}lang={language}"
        for response in (client.get(url), client.get(url, follow_redirects=True)):
            exposed = response.get_data(as_text=True) + str(response.headers)
            for number in numbers:
                for form in (number, number.lower(), number[:6] + " " + number[6:]):
                    assert form not in exposed, f"{url} exposes {form}"


def test_masked_numbers_are_shown_where_they_were_published(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000001").text
    assert mask_ric(FULL_RIC) in page
    assert "居民身份证号码（已脱敏）" in page
    found = client.get(f"/search?q={FULL_RIC}", follow_redirects=True).text
    assert "IPL-2026-000001" in found
    assert mask_ric(FULL_RIC) in found


def test_purged_person_leaves_no_trace_but_the_entry_number(client: FlaskClient) -> None:
    _entry_id, name, number, _removal = PEOPLE[2]
    for path in ("/", "/entries/IPL-2026-000003", "/search?status=all", "/statistics"):
        page = client.get(path).text
        assert name not in page and mask_ric(number) not in page, path
