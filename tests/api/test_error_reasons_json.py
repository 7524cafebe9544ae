"""A JSON 422 gives the domain's reason in Chinese when asked for; English is unchanged."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry.actors import SYSTEM
from registry.clients.api_keys import create_key

ADMIN = "/api/v1/admin"
USCC_TOO_SHORT = "value: unified social credit code must have 18 characters, not 3"


def _person(clerk, subject_id: int, language: str):
    return clerk.client.post(
        f"{ADMIN}/subjects/{subject_id}/persons",
        json={"role": "main_responsible", "name": "王伟", "scheme": "cn_ric", "value": "1234"},
        headers={"X-CSRFToken": clerk.csrf_token, "Accept-Language": language},
    )


def test_an_admin_api_refusal_says_the_reason_in_chinese(signed_in, deliberate_subject):
    chinese = _person(signed_in["clerk"], deliberate_subject, "zh-CN")
    assert chinese.status_code == 422
    body = chinese.get_json()
    assert chinese.headers["Content-Language"] == "zh"
    assert body["message"] == "person.identifier.value：居民身份证号码应为 18 位，而不是 4 位"
    # `errors` keeps the exact English reason for programs.
    assert body["errors"] == {
        "person.identifier.value": ["resident identity card number must have 18 characters, not 4"]
    }


def test_an_admin_api_refusal_in_english_is_unchanged(signed_in, deliberate_subject):
    english = _person(signed_in["clerk"], deliberate_subject, "en")
    assert english.status_code == 422
    assert english.headers["Content-Language"] == "en"
    assert english.get_json()["message"] == (
        "person.identifier.value: resident identity card number must have 18 characters, not 4"
    )


def _lookup(client: FlaskClient, secret: str, language: str | None):
    headers = {"Authorization": f"Bearer {secret}"}
    if language:
        headers["Accept-Language"] = language
    return client.get(
        "/api/v1/lookup", query_string={"scheme": "cn_uscc", "value": "123"}, headers=headers
    )


def test_a_client_api_refusal_says_the_reason_in_chinese(client: FlaskClient, session: Session):
    secret = create_key(session, SYSTEM, "Example Bank", ["screen"], "1000/minute").secret
    chinese = _lookup(client, secret, "zh")
    assert chinese.status_code == 422
    assert chinese.get_json()["message"] == "value：统一社会信用代码应为 18 位，而不是 3 位"
    assert chinese.get_json()["errors"] == {"value": [USCC_TOO_SHORT.removeprefix("value: ")]}
    for english in (_lookup(client, secret, "en"), _lookup(client, secret, None)):
        assert english.status_code == 422
        assert english.get_json()["message"] == USCC_TOO_SHORT
        assert english.headers["Content-Language"] == "en"


def test_a_not_found_says_what_is_missing_in_chinese(signed_in):
    missing = signed_in["clerk"].client.get(
        f"{ADMIN}/subjects/987654/persons", headers={"Accept-Language": "zh"}
    )
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "主体 987654 不存在"


def test_an_unknown_api_key_is_refused_in_chinese(client: FlaskClient) -> None:
    refused = client.get(
        "/api/v1/lookup",
        query_string={"scheme": "cn_uscc", "value": "123"},
        headers={"Authorization": "Bearer not-a-key", "Accept-Language": "zh"},
    )
    assert refused.status_code == 401
    assert refused.get_json()["message"] == "API 密钥格式错误：应为 ipl_<prefix>_<secret>"
