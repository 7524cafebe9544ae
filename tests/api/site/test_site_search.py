"""Search by name, pinyin and identifier, with filters, pages, errors and a rate limit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from runtime.extensions import db
from tests.api.site.site_fixtures import (
    FULL_RIC,
    MASKED_RIC,
    PATENT,
    USCC,
    Publisher,
    ensure_site,
    standalone_site,
)

FILLER_TRADES = "鼎泰嘉禾宏图德润金科伟业天成中联创新博远恒信瑞丰盛世永安"
FILLERS = 23
OTHER_PATENT = "ZL201710601862.3"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A register with named entries to find and a run of similar ones to page through."""
    with standalone_site(tmp_path_factory.mktemp("search")) as app:
        publisher = Publisher(db.session())
        publisher.publish(
            "IPL-2026-000001",
            "福州华兴科技有限公司",
            name_latin="Fuzhou Huaxing Keji",
            identifiers=[{"scheme": "cn_uscc", "value": USCC}],
            sectors=["internet"],
        )
        publisher.publish("IPL-2026-000002", "张伟", full_ric=FULL_RIC, sectors=["food_drug"])
        publisher.publish("IPL-2026-000003", "深圳市瑞达电子有限公司", region="440300")
        publisher.publish(
            "IPL-2026-000004",
            "Nordlicht Optics GmbH",
            region=None,
            identifiers=[{"scheme": "other", "name": "DE Handelsregister", "value": "HRB 48213"}],
        )
        publisher.publish("IPL-2026-000005", "厦门星海电子有限公司", region="350200")
        publisher.remove("IPL-2026-000005", "credit_restored")
        publisher.publish("IPL-2026-000006", "宁波华兴机械有限公司", region="330200")
        publisher.remove("IPL-2026-000006", "expired")
        publisher.purge("IPL-2026-000006")
        for n in range(FILLERS):
            publisher.publish(
                f"IPL-2025-{n + 1:06d}",
                f"泉州{FILLER_TRADES[n]}{FILLER_TRADES[n + 1]}环保有限公司",
                when=dt.datetime(2025, 1 + n % 12, 10, tzinfo=dt.UTC),
                sectors=["environment"],
                authority="泉州市市场监督管理局",
                patents=[OTHER_PATENT],
                region="350500",
            )
        yield app


@pytest.fixture
def client(site: Flask) -> FlaskClient:
    return site.test_client()


def _found(page: str) -> list[str]:
    return re.findall(r'id="card-(IPL-\d{4}-\d{6})"', page)


def test_chinese_name_finds_the_entry(client: FlaskClient) -> None:
    assert _found(client.get("/search?q=华兴科技").text) == ["IPL-2026-000001"]
    assert _found(client.get("/search?q=福州华兴科技有限公司").text) == ["IPL-2026-000001"]


def test_pinyin_finds_chinese_names(client: FlaskClient) -> None:
    page = client.get("/search?q=huaxing+keji&lang=en").text
    assert "IPL-2026-000001" in _found(page)
    # No Latin name was recorded for this one: the engine's pinyin of the name is enough.
    assert _found(client.get("/search?q=Ruida+Dianzi").text) == ["IPL-2026-000003"]


def test_latin_names_are_found_despite_case_and_legal_form(client: FlaskClient) -> None:
    assert _found(client.get("/search?q=nordlicht+optics").text) == ["IPL-2026-000004"]


def test_identifiers_match_exactly(client: FlaskClient) -> None:
    assert _found(client.get(f"/search?q={USCC.lower()}").text) == ["IPL-2026-000001"]
    assert _found(client.get("/search?q=HRB+48213").text) == ["IPL-2026-000004"]
    assert _found(client.get(f"/search?q={USCC[:-1]}0").text) == []


def test_patent_numbers_match_exactly(client: FlaskClient) -> None:
    found = _found(client.get(f"/search?q={PATENT}").text)
    assert found[:4] == ["IPL-2026-000004", "IPL-2026-000003", "IPL-2026-000002", "IPL-2026-000001"]
    assert len(_found(client.get(f"/search?q={OTHER_PATENT}").text)) == 20  # first page


def test_masked_id_number_finds_the_person(client: FlaskClient) -> None:
    page = client.get(f"/search?q={MASKED_RIC}").text
    assert _found(page) == ["IPL-2026-000002"]
    fewer_stars = MASKED_RIC[:4] + "***" + MASKED_RIC[-4:]
    assert _found(client.get(f"/search?q={fewer_stars}").text) == ["IPL-2026-000002"]


def test_full_id_number_is_masked_before_anything_shows_it(client: FlaskClient) -> None:
    response = client.get(f"/search?q={FULL_RIC}&sector=food_drug")
    assert response.status_code == 303
    assert FULL_RIC not in response.headers["Location"]
    assert response.headers["Location"].startswith("/search?q=3501")
    followed = client.get(f"/search?q={FULL_RIC}&sector=food_drug", follow_redirects=True)
    assert FULL_RIC not in followed.text
    assert _found(followed.text) == ["IPL-2026-000002"]
    assert f'value="{MASKED_RIC}"' in followed.text


def test_entry_number_goes_straight_to_the_entry(client: FlaskClient) -> None:
    response = client.get("/search?q=ipl-2026-000003")
    assert response.status_code == 303
    assert response.headers["Location"] == "/entries/IPL-2026-000003"
    assert _found(client.get("/search?q=IPL-2099-000001").text) == []


def test_removed_entries_only_on_request(client: FlaskClient) -> None:
    assert _found(client.get("/search?q=星海电子").text) == []
    assert "Search removed entries too" in client.get("/search?q=星海电子&lang=en").text
    removed = client.get("/search?q=星海电子&status=removed&lang=en").text
    assert _found(removed) == ["IPL-2026-000005"]
    assert "badge-removed" in removed
    assert _found(client.get("/search?q=星海电子&status=all").text) == ["IPL-2026-000005"]


def test_purged_entries_are_never_found(client: FlaskClient) -> None:
    for status in ("listed", "removed", "all"):
        page = client.get(f"/search?q=宁波华兴机械&status={status}").text
        assert "IPL-2026-000006" not in page
        assert "宁波华兴机械" not in page.split('id="results-heading"')[1]


def test_filters_narrow_the_results(client: FlaskClient) -> None:
    assert _found(client.get("/search?sector=food_drug").text) == ["IPL-2026-000002"]
    by_authority = _found(client.get("/search?authority=泉州市市场监督管理局&page=2").text)
    assert len(by_authority) == FILLERS - 20
    in_2026 = _found(client.get("/search?year=2026").text)
    assert set(in_2026) == {f"IPL-2026-00000{n}" for n in range(1, 5)}
    assert _found(client.get("/search?q=华兴科技&sector=environment").text) == []


def test_filter_options_come_from_the_register(client: FlaskClient) -> None:
    page = client.get("/search").text
    assert '<option value="泉州市市场监督管理局">' in page
    assert '<option value="2025">' in page and '<option value="2026">' in page
    assert '<option value="food_drug">' in page


def test_results_come_in_pages_of_twenty(client: FlaskClient) -> None:
    first = client.get("/search?sector=environment&lang=en").text
    assert len(_found(first)) == 20
    assert "23 entries found" in first
    assert "Page 1 of 2" in first
    assert 'rel="next" href="/search?sector=environment&amp;status=listed&amp;page=2"' in first
    assert 'rel="prev"' not in first
    second = client.get("/search?sector=environment&page=2&lang=en").text
    assert len(_found(second)) == 3
    assert 'rel="prev" href="/search?sector=environment&amp;status=listed"' in second
    assert set(_found(first)).isdisjoint(_found(second))
    # Newest listing first.
    assert _found(first)[0] == "IPL-2025-000012"


def test_invalid_fields_are_named_in_the_error(client: FlaskClient) -> None:
    response = client.get("/search?sector=mining&year=twenty&lang=en")
    assert response.status_code == 400
    page = response.text
    assert 'role="alert"' in page
    assert "Unknown sector; choose one from the list." in page
    assert "Year must be four digits, for example 2026." in page
    assert 'id="sector" name="sector" aria-describedby="sector-error" aria-invalid="true"' in page
    assert 'href="#year"' in page
    chinese = client.get("/search?page=0&lang=zh").text
    assert "页码必须是 1 到 10000 之间的整数。" in chinese


def test_searches_are_rate_limited_per_client(app: Flask) -> None:
    ensure_site(app)
    app.config["SITE_SEARCH_RATE_LIMIT"] = "2/minute"
    client = app.test_client()
    assert client.get("/search?q=a").status_code == 200
    assert client.get("/search?q=b").status_code == 200
    refused = client.get("/search?q=c&lang=en")
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "Too many searches" in refused.text
    assert client.get("/").status_code == 200  # other pages are not limited


def test_search_follows_publication_removal_and_purge(app: Flask) -> None:
    ensure_site(app)
    client = app.test_client()
    publisher = Publisher(db.session())
    assert _found(client.get("/search?q=华兴科技&status=all").text) == []
    publisher.publish("IPL-2026-000001", "福州华兴科技有限公司")
    assert _found(client.get("/search?q=华兴科技").text) == ["IPL-2026-000001"]
    publisher.amend("IPL-2026-000001", name="福州华兴电子有限公司")
    assert _found(client.get("/search?q=华兴电子").text) == ["IPL-2026-000001"]
    # (An entry removed in error leaves search altogether: test_site_for_people.py.)
    publisher.remove("IPL-2026-000001", "credit_restored")
    assert _found(client.get("/search?q=华兴电子").text) == []
    assert _found(client.get("/search?q=华兴电子&status=removed").text) == ["IPL-2026-000001"]
    publisher.purge("IPL-2026-000001")
    assert _found(client.get("/search?q=华兴电子&status=all").text) == []


def test_a_page_past_the_end_offers_the_first(client: FlaskClient) -> None:
    page = client.get("/search?sector=food_drug&page=3&lang=en").text
    assert _found(page) == []
    assert "1 entry found" in page
    assert 'href="/search?sector=food_drug&amp;status=listed">Go to the first page' in page


# --- the site searches on the screening engine -------------------------------------------


def test_the_site_search_uses_the_screening_index(client: FlaskClient) -> None:
    from api.public_view import screening_index
    from api.site.catalogue import current_catalogue
    from registry.screening.shared_index import match_index

    with client.application.app_context():
        catalogue = current_catalogue()
        assert catalogue.names.index is match_index(catalogue.state, screening_index())


def test_region_and_industry_words_find_entries(client: FlaskClient) -> None:
    assert _found(client.get("/search?q=深圳").text) == ["IPL-2026-000003"]
    assert _found(client.get("/search?q=深圳+电子").text) == ["IPL-2026-000003"]
    assert _found(client.get("/search?q=电子").text) == ["IPL-2026-000003"]
    assert _found(client.get("/search?q=福州+华兴").text) == ["IPL-2026-000001"]
    assert _found(client.get("/search?q=Shenzhen&lang=en").text) == ["IPL-2026-000003"]


def test_a_place_name_does_not_find_a_company_elsewhere(client: FlaskClient) -> None:
    assert "IPL-2026-000001" not in _found(client.get("/search?q=Shenzhen&lang=en").text)
    assert "IPL-2026-000001" not in _found(client.get("/search?q=深圳+华兴").text)


def test_a_one_character_slip_in_the_trade_name_is_found(client: FlaskClient) -> None:
    assert _found(client.get("/search?q=鼎秦环保").text)[:1] == ["IPL-2025-000001"]
    assert _found(client.get("/search?q=泉州鼎秦环保有限公司").text)[:1] == ["IPL-2025-000001"]


def test_a_credit_code_with_a_wrong_check_character_is_called_invalid(
    client: FlaskClient,
) -> None:
    wrong = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    response = client.get(f"/search?q={wrong}&lang=en")
    assert response.status_code == 400
    assert "not a valid unified social credit code" in response.text
    assert wrong in response.text  # a credit code is public: it is shown, not masked
    numeric = "913501002601234560"  # all digits, not a birth date: a credit code, not an ID
    response = client.get(f"/search?q={numeric}&lang=en")
    assert "not a valid unified social credit code" in response.text


def test_a_page_past_the_end_is_not_found(client: FlaskClient) -> None:
    response = client.get("/search?sector=environment&page=99&lang=en")
    assert response.status_code == 404
    assert _found(response.text) == []


def test_results_explain_each_feature_in_the_readers_language(client: FlaskClient) -> None:
    chinese = client.get("/search?q=福州华星科技").text
    assert _found(chinese)[:1] == ["IPL-2026-000001"]
    assert "为何列出此结果" in chinese
    assert "字号：读音相同（同音字，或两个字顺序调换）。" in chinese
    assert "行业用语：相同。" in chinese
    english = client.get("/search?q=福州华星科技&lang=en").text
    assert "Why this result" in english
    assert "Trade name: sounds the same" in english
    assert "Compared with the registered name: 94% alike." in english


def test_a_search_by_code_explains_nothing(client: FlaskClient) -> None:
    page = client.get(f"/search?q={USCC}&lang=en").text
    assert _found(page) == ["IPL-2026-000001"]
    assert "Why this result" not in page
