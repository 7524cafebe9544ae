"""Entry pages: content in plain language, history, signature, removal, purge and escaping."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from registry.models import EntryRevision
from registry.signing.signatures import verify_entry
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests import builders
from tests.api.site.site_fixtures import PATENT, Publisher, ensure_site, standalone_site

XSS_NAME = "<script>alert(1)</script>"
XSS_ALIAS = '"><img src=x onerror=alert(2)>'
XSS_TEXT = "</script><script>alert(3)</script>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Entries in every public state: listed, amended, removed, purged, and a hostile one."""
    with standalone_site(tmp_path_factory.mktemp("entries")) as app:
        publisher = Publisher(db.session())
        publisher.publish(
            "IPL-2026-000001",
            "福州华兴科技有限公司",
            name_latin="Fuzhou Huaxing Keji",
            aliases=["华兴科技"],
            legal_representative="李明",
            grounds=["repeat_infringement", "deliberate_infringement"],
            sectors=["internet", "food_drug"],
            when=dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC),
        )
        publisher.publish("IPL-2026-000002", "厦门星海电子有限公司")
        publisher.amend("IPL-2026-000002", name="厦门星海电子科技有限公司")
        publisher.publish("IPL-2026-000003", "宁波瑞达机械有限公司")
        publisher.remove("IPL-2026-000003", "credit_restored")
        publisher.publish("IPL-2026-000004", "杭州鼎盛医药有限公司")
        publisher.remove("IPL-2026-000004", "expired")
        publisher.purge("IPL-2026-000004")
        publisher.publish(
            "IPL-2026-000005",
            XSS_NAME,
            aliases=[XSS_ALIAS],
            remedy=XSS_TEXT,
            authority=XSS_ALIAS,
            name_latin=XSS_TEXT,
        )
        yield app


@pytest.fixture
def client(site: Flask) -> FlaskClient:
    return site.test_client()


def _embedded_bundle(page: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="entry-bundle">(.*?)</script>', page, re.S
    )
    assert match is not None
    bundle: dict[str, Any] = json.loads(match.group(1))
    return bundle


def _stored_bundle(entry_id: str) -> dict[str, Any] | None:
    latest = db.session.scalars(
        select(EntryRevision)
        .where(EntryRevision.entry_id == entry_id)
        .order_by(EntryRevision.revision.desc())
    ).first()
    assert latest is not None
    return latest.bundle


def test_listed_entry_shows_everything_the_public_needs(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000001?lang=en").text
    assert '<h1 id="entry-title">福州华兴科技有限公司</h1>' in page
    assert "Fuzhou Huaxing Keji" in page and "华兴科技" in page and "李明" in page
    assert "Listed from 2026-03-02 until 2029-03-02." in page
    assert "Repeat infringement" in page and "Deliberate infringement" in page
    assert "infringed patents again after an earlier decision" in page
    assert "In this case: 案件说明 repeat_infringement" in page
    assert PATENT in page and "闽知裁字〔2025〕1号" in page
    assert "Administrative ruling on a patent infringement dispute" in page
    assert "Fujian (350100)" in page
    assert "Food and drugs" in page
    assert "restricted access to government procurement" in page
    assert "credit restoration from 2027-03-02" in page
    assert "decided within 15 days" in page


def test_entry_page_in_chinese(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000001?lang=zh").text
    assert "重复侵权" in page and "故意侵权" in page
    assert "在此前认定侵权的决定生效后" in page
    assert "限制参与政府采购" in page
    assert "专利侵权纠纷行政裁决" in page
    assert "福建省 (350100)" in page
    assert "列入期限：2026-03-02 至 2029-03-02。" in page
    assert 'data-msg-verified="验证通过：' in page


def test_entry_page_links_its_log_events_to_inclusion_proofs(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000002?lang=en").text
    rows = re.findall(r"<tr>\s*<td class=\"number\">(\d+)</td>\s*<td>([^<]+)</td>", page)
    assert [event for _seq, event in rows] == ["Listing", "Correction (correction)"]
    assert int(rows[1][0]) == int(rows[0][0]) + 1
    # Each event links to its readable proof page, which links the JSON.
    for seq, _event in rows:
        assert f'href="/entries/IPL-2026-000002/proof/{seq}"' in page
    assert "Entry IPL-2026-000002, revision 2" in page
    assert "厦门星海电子科技有限公司" in page  # the corrected name
    assert _embedded_bundle(page)["entry"]["revision"] == 2


def test_signed_bundle_is_embedded_for_the_browser_to_verify(
    site: Flask, client: FlaskClient
) -> None:
    page = client.get("/entries/IPL-2026-000001").text
    stored = _stored_bundle("IPL-2026-000001")
    assert _embedded_bundle(page) == stored
    assert stored is not None
    assert '<script src="/assets/site/verify.js" defer></script>' in page
    assert 'data-keys-url="/api/v1/keys"' in page
    assert 'data-keys-fallback-url="/feed/keys.json"' in page
    digest = db.session.scalars(
        select(EntryRevision.content_sha256).where(EntryRevision.entry_id == "IPL-2026-000001")
    ).one()
    assert f'data-content-sha256="{digest}"' in page
    assert stored["signature"]["kid"] in page
    assert 'aria-live="polite"' in page


def test_removed_entry_says_so_and_is_not_shown_as_listed(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000003?lang=en").text
    assert "This entry is no longer listed" in page
    assert re.search(r"It was removed from the list on \d{4}-\d{2}-\d{2}\.", page)
    assert "Reason: credit restored." in page
    assert "badge-removed" in page and "badge-listed" not in page
    assert "Listed from" not in page
    assert "credit restoration from" not in page
    assert "宁波瑞达机械有限公司" in page  # still published until the retention period ends
    rows = re.findall(r"<td>(Listing|Removal)[^<]*</td>", page)
    assert rows == ["Listing", "Removal"]


def test_purged_entry_shows_no_personal_content(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000004?lang=en").text
    assert "Its content has been purged" in page
    assert "Reason: the listing period ended." in page
    for text in ("杭州鼎盛医药", "李明", PATENT, "市场监督管理局", "案件说明"):
        assert text not in page
    assert "entry-bundle" not in page and "verify.js" not in page
    assert 'href="/entries/IPL-2026-000004/proof/' in page
    home = client.get("/").text
    assert "杭州鼎盛医药" not in home
    assert "IPL-2026-000004" in home  # the removal itself stays public


def test_stored_text_is_always_escaped(client: FlaskClient) -> None:
    for path in (
        "/entries/IPL-2026-000005",
        "/",
        "/search?q=IPL-2026-000005&status=all",
        "/search?q=alert",
        "/search",
    ):
        page = client.get(path, follow_redirects=True).text
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert '"><img' not in page, path
    page = client.get("/entries/IPL-2026-000005").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert str(escape(XSS_ALIAS)) in page
    # Inside the JSON block nothing can close the script element early.
    block = page.split('id="entry-bundle">')[1].split("</script>")[0]
    assert "<" not in block
    assert _embedded_bundle(page)["entry"]["subject"]["name"] == XSS_NAME
    assert _embedded_bundle(page)["entry"]["remedy"] == XSS_TEXT


def test_entry_numbers_are_case_insensitive_and_unknown_ones_404(client: FlaskClient) -> None:
    assert client.get("/entries/ipl-2026-000001").status_code == 200
    missing = client.get("/entries/IPL-2026-999999?lang=zh")
    assert missing.status_code == 404
    assert "未找到" in missing.text
    assert client.get("/entries/%3Cscript%3E").status_code == 404


def test_an_entry_published_by_the_workflow_renders_and_verifies(app: Flask, session: Any) -> None:
    ensure_site(app)
    listing = builders.listing(session, state="published")

    page = app.test_client().get(f"/entries/{listing.entry_id}?lang=zh").text
    assert "深圳市华兴科技有限公司" in page
    assert "限制参与政府采购" in page  # the workflow's default measures, translated
    bundle = _embedded_bundle(page)
    verify_entry(bundle, [key_store(app).current("entry").verification_key()])


def test_the_configured_authority_says_where_objections_are_lodged(
    site: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another authority decided entry 1: this registry's objection address is not offered.
    assert "lodged at" not in client.get("/entries/IPL-2026-000001?lang=en").text
    settings = dict(site.config["REGISTRY"])
    settings["AUTHORITY_NAME"] = "福州市市场监督管理局"
    settings["AUTHORITY_CODE"] = "FZ-AMR"
    settings["AUTHORITY_OBJECTION_CONTACT"] = "福州市鼓楼区信用科<1号窗口>"
    monkeypatch.setitem(site.config, "REGISTRY", settings)
    english = client.get("/entries/IPL-2026-000001?lang=en").text
    assert "Objections and correction requests are lodged at: " in english
    assert str(escape("福州市鼓楼区信用科<1号窗口>")) in english
    chinese = client.get("/entries/IPL-2026-000001?lang=zh").text
    assert "异议和更正申请的受理地址：福州市鼓楼区信用科&lt;1号窗口&gt;" in chinese
