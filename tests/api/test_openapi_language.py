"""The OpenAPI document and the docs page in Chinese; the English document stays canonical."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from api.openapi_document import KEY_ACCESS, operations
from api.openapi_language import document_texts, paragraphs
from registry.clients.api_keys import SCOPES

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]


def _document(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/openapi.json{query}")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def _extracted() -> set[str]:
    """Every message `make messages` extracts from api/, as babel.cfg maps the files."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    return {
        message if isinstance(message, str) else message[0]
        for path in sorted((ROOT / "api").rglob("*.py"))
        for _file, _line, message, _comments, _context in check_and_call_extract_file(
            path, method_map, options_map, None, keywords, (), False, dirpath=ROOT
        )
    }


def _untranslated(texts: list[str]) -> list[str]:
    """The texts the Chinese catalogue has no (settled) translation for."""
    folder = ROOT / "api" / "translations" / "zh" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as stream:
        catalogue = read_po(stream)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    return sorted(text for text in set(texts) if text not in translated)


def test_extraction_yields_every_text_of_the_document(client: FlaskClient) -> None:
    """Docstrings, tag descriptions, the overview and access sentences all reach the catalogue."""
    missing = set(document_texts(_document(client))) - _extracted()
    assert sorted(missing) == []


def test_every_text_of_the_document_has_a_chinese_translation(client: FlaskClient) -> None:
    english = _document(client)
    assert _untranslated(document_texts(english)) == []
    # A docstring changed without its translation is named.
    changed = copy.deepcopy(english)
    _path, _method, operation = operations(changed)[0]
    operation["summary"] = operation["summary"].rstrip(".") + ", revised."
    assert _untranslated(document_texts(changed)) == [operation["summary"]]


def test_every_scope_has_its_marked_access_sentence() -> None:
    assert set(KEY_ACCESS) == {None, *SCOPES}
    assert all(f"`{scope}` scope" in KEY_ACCESS[scope] for scope in SCOPES)


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
