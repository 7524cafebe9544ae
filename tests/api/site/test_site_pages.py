"""Every page renders in both languages, chooses its language well and obeys the CSP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher, ensure_site, standalone_site

PAGES = [
    "/",
    "/search",
    "/search?q=华兴",
    "/entries/IPL-2026-000001",
    "/statistics",
    "/verify",
    "/downloads",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One listed and one removed entry, shared by the module's read-only tests."""
    with standalone_site(tmp_path_factory.mktemp("pages")) as app:
        publisher = Publisher(db.session())
        publisher.publish(
            "IPL-2026-000001",
            "福州华兴科技有限公司",
            name_latin="Fuzhou Huaxing Keji",
            sectors=["internet", "food_drug"],
        )
        publisher.publish("IPL-2026-000002", "厦门星海电子有限公司", region="350200")
        publisher.remove("IPL-2026-000002", "expired")
        yield app


@pytest.fixture
def client(site: Flask) -> FlaskClient:
    return site.test_client()


@pytest.fixture
def empty_site(app: Flask) -> Flask:
    ensure_site(app)
    return app


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_chinese_by_default(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.text
    assert '<html lang="zh-Hans">' in page
    assert "专利失信名单公示平台" in page
    assert "跳到主要内容" in page


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_english_on_request(client: FlaskClient, path: str) -> None:
    joiner = "&" if "?" in path else "?"
    page = client.get(f"{path}{joiner}lang=en").text
    assert '<html lang="en">' in page
    assert "Patent Dishonesty Disclosure Registry" in page
    assert "Skip to main content" in page
    assert "专利失信名单公示平台" not in page


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    page = client.get(path).text
    assert " style=" not in page
    assert "<style" not in page
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'type="application/json"' in tag or " src=" in tag, tag
    assert re.search(r" on[a-z]+=", page) is None  # no inline event handlers either


def test_language_choice_is_remembered_in_a_cookie(client: FlaskClient) -> None:
    response = client.get("/?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert '<html lang="en">' in client.get("/statistics").text
    assert '<html lang="zh-Hans">' in client.get("/statistics?lang=zh").text
    assert '<html lang="zh-Hans">' in client.get("/verify").text


def test_accept_language_decides_without_a_choice(client: FlaskClient) -> None:
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in english
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert '<html lang="zh-Hans">' in chinese
    other = client.get("/", headers={"Accept-Language": "fr-FR"}).text
    assert '<html lang="zh-Hans">' in other


def test_language_links_keep_the_query(client: FlaskClient) -> None:
    page = client.get("/search?q=%E5%8D%8E%E5%85%B4&sector=internet").text
    assert 'href="/search?q=%E5%8D%8E%E5%85%B4&amp;sector=internet&amp;lang=en"' in page
    assert 'hreflang="en"' in page


def test_home_shows_recent_listings_removals_and_open_data(client: FlaskClient) -> None:
    page = client.get("/?lang=en").text
    listings, removals = page.split('id="recent-removals"')
    assert "福州华兴科技有限公司" in listings
    assert "厦门星海电子有限公司" in removals
    assert "the listing period ended" in removals
    assert 'href="/feed/atom.xml"' in page
    assert 'href="/feed/"' in page
    assert "Currently listed: 1. Removed: 1." in page
    assert 'role="search"' in page and '<label for="q">' in page


def test_home_page_with_nothing_published(empty_site: Flask) -> None:
    page = empty_site.test_client().get("/?lang=en").text
    assert "Nothing has been listed yet." in page
    assert "No entry has been removed yet." in page


def test_statistics_draw_inline_svg_with_tables(client: FlaskClient) -> None:
    page = client.get("/statistics?lang=en").text
    assert page.count("<svg") == 3
    assert 'role="img"' in page
    assert '<title id="chart-month-title">New listings per month</title>' in page
    assert "Food and drugs" in page and "Internet" in page
    assert "Fujian" in page  # 350100 is in Fujian; the removed 350200 entry is not counted
    assert '<th scope="row">Fujian</th><td class="number">1</td>' in page
    chinese = client.get("/statistics?lang=zh").text
    assert "福建省" in chinese and "食品药品" in chinese


def test_statistics_without_listings(empty_site: Flask) -> None:
    page = empty_site.test_client().get("/statistics?lang=en").text
    assert "<svg" not in page
    assert "There are no current listings." in page


def test_verify_page_gives_the_commands(client: FlaskClient) -> None:
    page = client.get("/verify?lang=en").text
    assert "registry verify http://localhost/feed/ --since checkpoint.txt" in page
    assert "openssl pkeyutl -verify -pubin -inkey key.pem -rawin" in page
    assert "/api/v1/log/checkpoint" in page
    assert "/api/v1/log/proof/inclusion?entry_id=" in page
    assert "/api/v1/log/proof/consistency" in page
    assert 'href="/api/v1/keys"' in page


def test_unknown_entry_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/entries/IPL-2099-000001?lang=en")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is no published entry" in response.text
    assert client.get("/entries/IPL-2099-000001").status_code == 404


def test_stylesheet_and_script_are_served(client: FlaskClient) -> None:
    page = client.get("/").text
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheet is not None
    for url in (stylesheet.group(1), "/assets/site/verify.js"):
        response = client.get(url)
        response.close()  # static files are streamed from an open file
        assert response.status_code == 200


def test_downloads_list_the_files_of_the_signed_index(empty_site: Flask) -> None:
    feed_dir = Path(empty_site.config["FEED_DIR"])
    client = empty_site.test_client()
    assert "has not been published yet" in client.get("/downloads?lang=en").text

    feed_dir.mkdir(parents=True, exist_ok=True)
    (feed_dir / "index.json").write_text("{not json")
    assert "has not been published yet" in client.get("/downloads?lang=en").text

    signed = {
        "type": "ipl.feed-index/v1",
        "version": 7,
        "issued_at": "2026-03-02T08:00:00Z",
        "expires": "2026-03-02T10:00:00Z",
        "checkpoint": "…",
        "resources": [
            {
                "name": "snapshot_csv",
                "path": "snapshot/7.csv",
                "sha256": "ab" * 32,
                "size": 2560,
                "count": 12,
            },
            {"name": "ftm", "path": "../../etc/passwd", "sha256": "", "size": 1, "count": 1},
        ],
        "delta": {
            "from": 6,
            "to": 7,
            "path": "delta/6-7.jsonl",
            "sha256": "cd" * 32,
            "size": 100,
            "count": 2,
        },
    }
    (feed_dir / "index.json").write_text(json.dumps({"signed": signed, "signatures": []}))
    page = client.get("/downloads?lang=en").text
    assert "Feed version 7, issued 2026-03-02 16:00 Beijing time" in page  # #20: Beijing time
    assert '<a href="/feed/snapshot/7.csv" class="code">' in page
    assert "All current entries as a spreadsheet (CSV)" in page
    assert "2.5 KB" in page and "ab" * 32 in page
    assert '<a href="/feed/delta/6-7.jsonl"' in page
    assert "passwd" not in page
    assert "全部在列记录的电子表格（CSV）" in client.get("/downloads?lang=zh").text


def test_downloads_count_the_chunks_instead_of_listing_each(empty_site: Flask) -> None:
    feed_dir = Path(empty_site.config["FEED_DIR"])
    feed_dir.mkdir(parents=True, exist_ok=True)
    chunk = {"sha256": "ef" * 32, "size": 10, "count": 1}
    signed = {
        "version": 3,
        "issued_at": "2026-03-02T08:00:00Z",
        "expires": "2026-03-02T10:00:00Z",
        "resources": [
            {"name": f"{kind}/IPL-2026-000", "path": f"{kind}/chunks/x", **chunk}
            for kind in ("snapshot", "snapshot_csv", "ftm")
        ],
    }
    (feed_dir / "index.json").write_text(json.dumps({"signed": signed, "signatures": []}))
    client = empty_site.test_client()
    page = client.get("/downloads?lang=en").text
    assert "also published in 3 chunks" in page
    assert "chunks/x" not in page
    assert "同样的条目也以 3 个分块公布" in client.get("/downloads?lang=zh").text
