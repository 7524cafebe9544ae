"""A refused console form says what is wrong in the reader's language, the domain's reason too."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.models import Listing
from tests.api.admin.test_admin_console import _listing_under_review
from tests.api.conftest import SignedIn


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def chinese(signed_in: dict[str, SignedIn]) -> dict[str, SignedIn]:
    """The signed-in clients, reading the console in Chinese (its first language)."""
    for who in signed_in.values():
        who.client.set_cookie("lang", "zh")
    return signed_in


def test_a_case_whose_effect_precedes_its_decision_is_refused_in_chinese(
    chinese, deliberate_subject
):
    refused = chinese["clerk"].form(
        f"/admin/subjects/{deliberate_subject}/cases",
        {
            "kind": "administrative_penalty",
            "authority": "厦门市知识产权局",
            "document_number": "厦知罚〔2025〕9号",
            "decided_on": "2025-06-20",
            "effective_on": "2025-06-01",
            "infringement_found": "1",
        },
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert "2025-06-01 早于" in page
    assert "is before" not in page


def test_an_approval_with_a_malformed_document_number_is_refused_in_chinese(
    chinese, session, deliberate_subject
):
    listing: Listing = _listing_under_review(session, deliberate_subject, dt.date(2025, 5, 1))
    decider, reviewer = chinese["reviewer2"], chinese["reviewer"]
    decided = decider.form(
        f"/admin/requests/{listing.requests[0].id}/decision",
        {"decision": "refuse", "reason": "无新事实"},
    )
    assert decided.status_code == 303
    refused = reviewer.form(
        f"/admin/listings/{listing.id}/approve",
        {"reason": "事实清楚", "document_number": "No. 11", "confirm": "1"},
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert "&#39;No. 11&#39; 不符合" in page and "的文书编号格式" in page
    assert "does not match" not in page


def test_a_subject_with_a_malformed_credit_code_is_refused_in_chinese(chinese):
    refused = chinese["clerk"].form(
        "/admin/subjects",
        {
            "kind": "legal_person",
            "name": "厦门某贸易有限公司",
            "identifier_scheme": "cn_uscc",
            "identifier_value": "91350100M0001",
        },
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert "统一社会信用代码应为 18 位，而不是 13 位" in page
    assert "must have 18 characters" not in page


def test_english_readers_keep_the_domain_wording(signed_in):
    refused = signed_in["clerk"].form(
        "/admin/subjects",
        {
            "kind": "legal_person",
            "name": "Xiamen Trading Ltd",
            "identifier_scheme": "cn_uscc",
            "identifier_value": "91350100M0001",
        },
    )
    assert refused.status_code == 422
    assert "unified social credit code must have 18 characters, not 13" in _text(refused)


def test_a_refused_transition_names_the_state_and_the_request_in_chinese(
    chinese, session, deliberate_subject
):
    listing: Listing = _listing_under_review(session, deliberate_subject, dt.date(2025, 5, 1))
    refused = chinese["reviewer"].form(
        f"/admin/listings/{listing.id}/approve",
        {"reason": "事实清楚", "document_number": "演示知信〔2026〕11号", "confirm": "1"},
    )
    assert refused.status_code == 409
    page = _text(refused)
    request_id = listing.requests[0].id
    assert f"不能对状态为“审核中”的列入执行“批准”：异议 #{request_id} 尚未决定" in page
    assert "cannot approve" not in page
