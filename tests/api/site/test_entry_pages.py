"""Entry pages kept by the worker while what they show holds (api/site/entry_pages.py).

Each test counts the renders of the entry templates through Flask's `template_rendered`
signal and checks that a page served from what the worker kept is the page a fresh render
gives, byte for byte: kept through other entries' events, rendered again for its own event, a
removal proposed or decided, a purge, a new day or other settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import select

from api.site.entry_pages import EXTENSION, EntryPages
from registry import clock
from registry.models import Listing, ListingRequest
from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher, standalone_site

ENTRY = "IPL-2026-000001"
OTHER = "IPL-2026-000002"
ENTRY_TEMPLATES = ("site/entry.html", "site/entry_withdrawn.html")


@pytest.fixture
def site(tmp_path: Any) -> Iterator[Flask]:
    with standalone_site(tmp_path) as app:
        publisher = Publisher(db.session())
        publisher.publish(ENTRY, "福州华兴科技有限公司")
        publisher.publish(OTHER, "厦门星海电子有限公司")
        app.extensions["test.publisher"] = publisher
        yield app


@pytest.fixture
def renders(site: Flask) -> Iterator[list[str]]:
    """The entry templates rendered since the test began, by name."""
    rendered: list[str] = []

    def record(_sender: Flask, template: Any, **_extra: Any) -> None:
        if template.name in ENTRY_TEMPLATES:
            rendered.append(template.name)

    template_rendered.connect(record, site)
    yield rendered
    template_rendered.disconnect(record, site)


def _publisher(site: Flask) -> Publisher:
    publisher = site.extensions["test.publisher"]
    assert isinstance(publisher, Publisher)
    return publisher


def _fresh(site: Flask, path: str) -> bytes:
    """The page as a worker that kept nothing renders it now."""
    site.extensions[EXTENSION] = EntryPages()
    return site.test_client().get(path).get_data()


def _kept_then_fresh(site: Flask, client: FlaskClient, path: str) -> tuple[bytes, bytes]:
    kept = client.get(path).get_data()
    return kept, _fresh(site, path)


def test_a_page_is_rendered_once_and_served_again_byte_for_byte(
    site: Flask, renders: list[str]
) -> None:
    client = site.test_client()
    first = client.get(f"/entries/{ENTRY}")
    second = client.get(f"/entries/{ENTRY}")
    assert first.status_code == second.status_code == 200
    assert renders == ["site/entry.html"]
    assert second.get_data() == first.get_data()
    assert "福州华兴科技有限公司" in second.text
    assert second.headers["Cache-Control"] == "no-cache"
    assert second.headers["ETag"] == first.headers["ETag"]
    # The security headers and the language's Vary go with a kept page too.
    assert "default-src 'self'" in second.headers["Content-Security-Policy"]
    assert {"Accept-Language", "Cookie"} <= set(second.headers["Vary"].replace(" ", "").split(","))
    assert second.get_data() == _fresh(site, f"/entries/{ENTRY}")


def test_a_revalidating_client_gets_304_without_a_body(site: Flask, renders: list[str]) -> None:
    client = site.test_client()
    etag = client.get(f"/entries/{ENTRY}").headers["ETag"]
    again = client.get(f"/entries/{ENTRY}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert renders == ["site/entry.html"]
    # Another entry's page, or this one in the other language, does not match that tag.
    other = client.get(f"/entries/{OTHER}", headers={"If-None-Match": etag})
    english = client.get(f"/entries/{ENTRY}?lang=en", headers={"If-None-Match": etag})
    assert other.status_code == english.status_code == 200
    assert english.headers["ETag"] != etag and "Entry IPL-2026-000001" in english.text


def test_each_language_is_kept_apart_and_other_query_arguments_are_never_kept(
    site: Flask, renders: list[str]
) -> None:
    client = site.test_client()
    for _ in range(2):
        chinese = client.get(f"/entries/{ENTRY}?lang=zh").text
        english = client.get(f"/entries/{ENTRY}?lang=en").text
    assert renders == ["site/entry.html"] * 2
    assert 'lang="zh-Hans"' in chinese and 'lang="en"' in english
    # Written into the language links: rendered for each request, never kept.
    for _ in range(2):
        page = client.get(f"/entries/{ENTRY}?lang=en&from=search").text
        assert "from=search" in page
    assert len(renders) == 4
    assert len(site.extensions[EXTENSION]) == 2


def test_another_entrys_event_leaves_the_page_standing(site: Flask, renders: list[str]) -> None:
    client = site.test_client()
    before = client.get(f"/entries/{ENTRY}").get_data()
    _publisher(site).amend(OTHER, name="厦门星海电子科技有限公司")
    _publisher(site).publish("IPL-2026-000003", "宁波瑞达机械有限公司")
    kept, fresh = _kept_then_fresh(site, client, f"/entries/{ENTRY}")
    assert kept == before == fresh
    assert renders == ["site/entry.html", "site/entry.html"]  # the second is `_fresh`'s
    assert "厦门星海电子科技有限公司" in client.get(f"/entries/{OTHER}").text


def test_the_entrys_own_events_render_it_again(site: Flask, renders: list[str]) -> None:
    client = site.test_client()
    client.get(f"/entries/{ENTRY}?lang=en")
    _publisher(site).amend(ENTRY, name="福州华兴信息科技有限公司")
    amended, fresh = _kept_then_fresh(site, client, f"/entries/{ENTRY}?lang=en")
    assert amended == fresh and "福州华兴信息科技有限公司" in amended.decode()
    _publisher(site).remove(ENTRY, "credit_restored")
    removed, fresh = _kept_then_fresh(site, client, f"/entries/{ENTRY}?lang=en")
    assert removed == fresh and "This entry is no longer listed" in removed.decode()
    _publisher(site).purge(ENTRY)
    purged, fresh = _kept_then_fresh(site, client, f"/entries/{ENTRY}?lang=en")
    assert purged == fresh and "Its content has been purged" in purged.decode()
    assert "福州华兴信息科技有限公司" not in purged.decode()


def test_a_removal_proposed_and_decided_renders_it_again(site: Flask) -> None:
    client = site.test_client()
    assert "Removal pending" not in client.get(f"/entries/{ENTRY}?lang=en").text
    listing = db.session.scalar(select(Listing).where(Listing.entry_id == ENTRY))
    assert listing is not None
    proposal = ListingRequest(
        listing_id=listing.id,
        kind="removal",
        lodged_on=clock.beijing_today(),
        text="error: listed in error",
    )
    db.session.add(proposal)
    db.session.commit()
    pending, fresh = _kept_then_fresh(site, client, f"/entries/{ENTRY}?lang=en")
    assert pending == fresh and "Removal pending" in pending.decode()
    proposal.decision, proposal.decided_on = "rejected", clock.beijing_today()
    db.session.commit()
    decided, fresh = _kept_then_fresh(site, client, f"/entries/{ENTRY}?lang=en")
    assert decided == fresh and "Removal pending" not in decided.decode()


def test_a_new_day_or_other_settings_render_it_again(
    site: Flask, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = site.test_client()
    client.get(f"/entries/{ENTRY}")
    with clock.today_is(clock.beijing_today() + dt.timedelta(days=1)):
        client.get(f"/entries/{ENTRY}")
        client.get(f"/entries/{ENTRY}")
    assert len(renders) == 2
    settings = dict(site.config["REGISTRY"])
    settings["AUTHORITY_OBJECTION_CONTACT"] = "福州市鼓楼区信用科"
    monkeypatch.setitem(site.config, "REGISTRY", settings)
    client.get(f"/entries/{ENTRY}")
    assert len(renders) == 3


def test_unknown_entries_are_not_kept(site: Flask) -> None:
    client = site.test_client()
    for _ in range(3):
        assert client.get("/entries/IPL-2026-999999").status_code == 404
    assert len(site.extensions.get(EXTENSION) or EntryPages()) == 0


def test_the_least_recently_used_page_leaves_a_full_worker(site: Flask, renders: list[str]) -> None:
    site.extensions[EXTENSION] = EntryPages(capacity=1)
    client = site.test_client()
    client.get(f"/entries/{ENTRY}")
    client.get(f"/entries/{OTHER}")
    client.get(f"/entries/{OTHER}")
    client.get(f"/entries/{ENTRY}")
    assert len(renders) == 3
