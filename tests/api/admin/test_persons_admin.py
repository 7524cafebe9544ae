"""Responsible persons through the admin API and the console: masked, validated, audited."""

from __future__ import annotations

from tests.builders import id_number

API = "/api/v1/admin"
RIC = id_number(5)


def test_clerk_records_lists_and_removes_a_person_through_the_api(signed_in, deliberate_subject):
    clerk = signed_in["clerk"]
    created = clerk.post(
        f"{API}/subjects/{deliberate_subject}/persons",
        {"role": "legal_representative", "name": "王伟", "scheme": "cn_ric", "value": RIC},
    )
    assert created.status_code == 201, created.get_json()
    person = created.get_json()
    assert person["value"] == RIC[:4] + "*" * 10 + RIC[-4:]

    listed = signed_in["auditor"].get(f"{API}/subjects/{deliberate_subject}/persons")
    assert [p["name"] for p in listed.get_json()] == ["王伟"]
    assert RIC not in listed.get_data(as_text=True)

    removed = clerk.client.delete(
        f"{API}/subjects/{deliberate_subject}/persons/{person['id']}",
        headers={"X-CSRFToken": clerk.csrf_token},
    )
    assert removed.status_code == 204
    assert clerk.get(f"{API}/subjects/{deliberate_subject}/persons").get_json() == []


def test_a_bad_identifier_is_a_422_naming_the_field_in_chinese_when_asked(
    signed_in, deliberate_subject
):
    clerk = signed_in["clerk"]
    response = clerk.client.post(
        f"{API}/subjects/{deliberate_subject}/persons",
        json={"role": "main_responsible", "name": "王伟", "scheme": "cn_ric", "value": "1234"},
        headers={"X-CSRFToken": clerk.csrf_token, "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert "person.identifier.value" in body["errors"]
    assert "person.identifier.value" in body["message"]
    assert response.headers["Content-Language"] == "zh"


def test_a_reviewer_may_not_record_a_person(signed_in, deliberate_subject):
    response = signed_in["reviewer"].post(
        f"{API}/subjects/{deliberate_subject}/persons",
        {"role": "legal_representative", "name": "王伟", "scheme": "cn_ric", "value": RIC},
    )
    assert response.status_code == 403


def test_console_page_records_a_person_and_shows_the_identifier_masked(
    signed_in, deliberate_subject
):
    clerk = signed_in["clerk"]
    subject_page = clerk.get(f"/admin/subjects/{deliberate_subject}").get_data(as_text=True)
    assert f"/admin/subjects/{deliberate_subject}/persons" in subject_page

    sent = clerk.form(
        f"/admin/subjects/{deliberate_subject}/persons",
        {"role": "directly_responsible", "name": "李娜", "scheme": "cn_ric", "value": RIC},
    )
    assert sent.status_code == 303
    page = clerk.get(f"/admin/subjects/{deliberate_subject}/persons").get_data(as_text=True)
    assert "李娜" in page and "直接责任人" in page
    assert RIC not in page and RIC[:4] + "*" * 10 + RIC[-4:] in page

    refused = clerk.form(
        f"/admin/subjects/{deliberate_subject}/persons",
        {"role": "directly_responsible", "name": "李娜", "scheme": "cn_ric", "value": "12"},
    )
    assert refused.status_code == 303
    again = clerk.get(f"/admin/subjects/{deliberate_subject}/persons").get_data(as_text=True)
    assert 'class="flash flash-error"' in again and "person.identifier.value" not in again
