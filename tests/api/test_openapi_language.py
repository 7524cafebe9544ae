"""The OpenAPI document and the docs page in Chinese; the English document stays canonical."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from api.openapi_document import DESCRIPTION, operations
from api.openapi_language import TEXTS, document_texts, paragraphs

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _document(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/openapi.json{query}")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_every_text_of_the_document_is_marked_for_the_catalogue(client: FlaskClient) -> None:
    """A new operation, or a changed docstring, fails here until its text is in TEXTS."""
    english = _document(client)
    missing = set(document_texts(english)) - TEXTS - {DESCRIPTION}
    assert sorted(missing) == []


def test_every_operation_and_tag_reads_in_chinese(client: FlaskClient) -> None:
    english, chinese = _document(client), _document(client, "?lang=zh")
    assert chinese["info"]["x-language"] == "zh"
    assert CHINESE.search(chinese["info"]["description"])
    pairs = zip(operations(english), operations(chinese), strict=True)
    for (path, method, original), (same_path, same_method, translated) in pairs:
        assert (same_path, same_method) == (path, method)
        where = f"{method} {path}"
        assert CHINESE.search(translated["summary"]), f"{where} has no Chinese summary"
        assert translated["summary"] != original["summary"], where
        said = paragraphs(translated["description"])
        assert len(said) == len(paragraphs(original["description"])), where
        assert all(CHINESE.search(paragraph) for paragraph in said), where
        assert said[-1].startswith("访问："), where
        # Only prose changes: answers, examples, schemas and extensions stay as they are.
        assert {k: v for k, v in translated.items() if k not in ("summary", "description")} == {
            k: v for k, v in original.items() if k not in ("summary", "description")
        }
    for tag in chinese["tags"]:
        assert CHINESE.search(tag["description"]), f"tag {tag['name']} has no Chinese description"
    assert chinese["components"] == english["components"]


def test_the_english_document_is_unchanged_by_the_reader_language(client: FlaskClient) -> None:
    plain = _document(client)
    assert "x-language" not in plain["info"]
    for query, headers in (("", {"Accept-Language": "zh-CN"}), ("?lang=en", {})):
        answer = client.get(f"/api/v1/openapi.json{query}", headers=headers)
        assert answer.get_json() == plain
    assert not CHINESE.search(plain["info"]["description"])
    assert all(not CHINESE.search(op["summary"]) for _p, _m, op in operations(plain))


def test_an_unknown_language_is_refused_naming_the_field(client: FlaskClient) -> None:
    answer = client.get("/api/v1/openapi.json?lang=fr")
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"lang": ["must be en or zh"]}


def test_the_docs_page_reads_in_chinese(client: FlaskClient) -> None:
    html = client.get("/api/docs?lang=zh").get_data(as_text=True)
    assert "登记一个主体（登记员）。" in html  # an admin operation's summary
    assert "将最多 1,000 个名称与名单比对（权限范围：screen）。" in html
    assert "查询字符串会进入访问日志" in html  # an operation's details
    assert "公示名单，面向所有人：无需密钥，按地址限流" in html  # a tag's description
    assert 'href="/api/v1/openapi.json?lang=zh"' in html
    assert 'href="/api/v1/openapi.json" hreflang="en"' in html
    assert "docs/api-quickstart.zh.md" in html
    assert "Record a subject (clerk)." not in html
    assert '<td lang="en">' not in html


def test_the_docs_page_in_english_is_the_english_document(client: FlaskClient) -> None:
    html = client.get("/api/docs?lang=en").get_data(as_text=True)
    assert "Record a subject (clerk)." in html
    assert "The published list, for anyone: no key needed, rate-limited per address" in html
    assert 'href="/api/v1/openapi.json"' in html and "?lang=zh" not in html.split("<main")[1]
    assert "docs/api-quickstart.md" in html and "api-quickstart.zh.md" not in html
    assert not CHINESE.search(html.split('id="endpoints-public"')[1].split("</section>")[0])
