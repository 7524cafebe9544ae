"""Issue #20, public site: Beijing time, localised errors, removals in error, statistics by
listing date, a spreadsheet download, the verification badge at the top and a readable proof."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.public_view import today
from registry import clock
from registry.publication.checkpoints import sign_new_checkpoint
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests.api.site.site_fixtures import Publisher, standalone_site

LATE_EVENING_UTC = dt.datetime(2026, 3, 2, 20, 30, tzinfo=dt.UTC)  # 04:30 on 3 March in Beijing


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A listed entry, one removed in error, one expired, and a signed checkpoint."""
    with standalone_site(tmp_path_factory.mktemp("people")) as app:
        publisher = Publisher(db.session())
        publisher.publish(
            "IPL-2026-000001",
            "福州华兴科技有限公司",
            when=LATE_EVENING_UTC,
            listed_on=dt.date(2025, 12, 15),
        )
        publisher.publish("IPL-2026-000002", "错列示例有限公司", listed_on=dt.date(2026, 1, 5))
        publisher.remove("IPL-2026-000002", "error")
        publisher.publish("IPL-2026-000003", "厦门星海电子有限公司", listed_on=dt.date(2026, 1, 9))
        publisher.remove("IPL-2026-000003", "credit_restored")
        sign_new_checkpoint(db.session(), key_store(app), app.config["REGISTRY"]["LOG_ORIGIN"])
        db.session.commit()
        yield app


@pytest.fixture
def client(site: Flask) -> FlaskClient:
    return site.test_client()


def test_log_times_are_shown_in_beijing_time(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000001").text
    assert "2026-03-03 04:30" in page and "北京时间" in page
    assert " UTC" not in page
    home = client.get("/").text
    assert 'datetime="2026-03-03"' in home


def test_today_is_the_beijing_calendar_date(monkeypatch: pytest.MonkeyPatch, site: Flask) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_EVENING_UTC)
    assert today() == dt.date(2026, 3, 3)


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-CN,zh;q=0.9", "找不到"), ("en-GB,en;q=0.8", "not found")]
)
def test_json_errors_speak_the_callers_language(
    client: FlaskClient, language: str, expected: str
) -> None:
    response = client.get("/api/v1/no-such-endpoint", headers={"Accept-Language": language})
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "not_found" and body["status"] == 404
    assert expected in body["message"].lower()
    assert response.headers["Content-Language"] == language[:2]


def test_a_domain_error_message_is_translated_too(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/log/proof/inclusion?index=999", headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 422
    assert re.search(r"[\u4e00-\u9fff]", response.get_json()["message"])


def test_an_entry_removed_in_error_leaves_listings_and_search(client: FlaskClient) -> None:
    home = client.get("/").text
    assert "错列示例有限公司" not in home and "IPL-2026-000002" not in home
    assert "厦门星海电子有限公司" in home  # an ordinary removal stays in "recent removals"
    assert "错列示例有限公司" not in client.get("/search?q=错列示例").text
    assert client.get("/search?q=IPL-2026-000002").status_code != 303


def test_an_entry_removed_in_error_keeps_a_minimal_notice(client: FlaskClient) -> None:
    response = client.get("/entries/IPL-2026-000002")
    assert response.status_code == 200
    page = response.text
    assert "IPL-2026-000002" in page and "错误" in page
    assert "错列示例有限公司" not in page and "entry-bundle" not in page


def test_statistics_count_by_listing_date(client: FlaskClient) -> None:
    page = client.get("/statistics").text
    assert "2025-12" in page
    # The removal in error is not a listing; the restored one was listed in January.
    table = page[page.index('id="by-month"') :]
    assert re.search(r"2026-01</t[hd]>\s*<td[^>]*>1<", table)


def test_the_csv_download_is_for_spreadsheets(client: FlaskClient) -> None:
    response = client.get("/downloads/listings.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "filename=" in disposition
    assert re.search(r"\d{4}-\d{2}-\d{2}", disposition)
    assert "专利领域严重失信主体名单" in unquote(disposition)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["条目编号", "主体名称", "主体类型"]
    assert [row[0] for row in rows[1:]] == ["IPL-2026-000001"]
    english = client.get("/downloads/listings.csv?lang=en")
    assert english.data.decode("utf-8-sig").startswith("Entry ID,Subject name,Subject kind")


def test_the_verification_badge_comes_first_and_names_the_checked_fields(
    client: FlaskClient,
) -> None:
    page = client.get("/entries/IPL-2026-000001").text
    assert page.index('id="verify-status"') < page.index('id="subject-heading"')
    assert 'data-signed="subject.name"' in page
    assert 'data-signed="decision.authority"' in page


def test_the_proof_page_explains_the_inclusion_proof(client: FlaskClient) -> None:
    page = client.get("/entries/IPL-2026-000001").text
    link = re.search(r'href="(/entries/IPL-2026-000001/proof/\d+)"', page)
    assert link is not None
    proof = client.get(link.group(1))
    assert proof.status_code == 200
    text = proof.text
    assert "检查点" in text and "树大小" in text
    assert "/api/v1/log/proof/inclusion?" in text  # the raw JSON, one click away
    assert re.search(r"<code[^>]*>[A-Za-z0-9+/]{43}=</code>", text)  # a path hash
    assert client.get("/entries/IPL-2026-000001/proof/999").status_code == 404


def test_the_keyless_entries_api_leaves_out_an_entry_removed_in_error(
    client: FlaskClient,
) -> None:
    for query in ("", "?status=removed"):
        listed = client.get(f"/api/v1/entries{query}").get_json()
        assert "IPL-2026-000002" not in {entry["entry_id"] for entry in listed}
    removed = client.get("/api/v1/entries?status=removed").get_json()
    assert [entry["entry_id"] for entry in removed] == ["IPL-2026-000003"]


def test_the_keyless_entries_api_keeps_only_a_removal_notice_at_its_address(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/entries/IPL-2026-000002")
    assert response.status_code == 200
    notice = response.get_json()
    assert "错列示例有限公司" not in response.text
    assert notice["entry_id"] == "IPL-2026-000002"
    assert (notice["status"], notice["end_reason"]) == ("removed", "error")
    assert notice["bundle"] is None and notice["name"] is None
    assert [event["event"] for event in notice["events"]] == ["listed", "removed"]
    # An ordinary removal keeps its content.
    assert client.get("/api/v1/entries/IPL-2026-000003").get_json()["bundle"] is not None
