"""The admin API end to end: records, the listing walk, the queue, users, the audit trail, docs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from stdnum.cn import uscc

from api.auth import current_actor
from registry.listings.authority import DecisionAuthority
from registry.listings.queries import request_view
from registry.models import ListingRequest
from tests.api.conftest import SignedIn

API = "/api/v1/admin"
PROPOSED = "2026-01-05"


def _propose(clerk: SignedIn, subject_id: int) -> dict:
    response = clerk.post(
        f"{API}/listings",
        {
            "subject_id": subject_id,
            "grounds": ["deliberate_infringement"],
            "on": PROPOSED,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_listing_walk_propose_notify_review_approve(signed_in, deliberate_subject, set_today):
    set_today(dt.date.fromisoformat(PROPOSED))
    clerk, reviewer = signed_in["clerk"], signed_in["reviewer2"]
    listing = _propose(clerk, deliberate_subject)
    assert listing["state"] == "draft"
    assert listing["grounds"][0]["code"] == "deliberate_infringement"
    assert "deliberate infringement" in listing["grounds"][0]["explanation"]

    notified = clerk.post(f"{API}/listings/{listing['id']}/notify", {"served_on": PROPOSED})
    assert notified.status_code == 200
    deadline = dt.date.fromisoformat(notified.get_json()["defence_deadline"])
    assert notified.get_json()["deadlines"][0]["name"] == "defence period ends"

    set_today(deadline)
    early = clerk.post(f"{API}/listings/{listing['id']}/start-review", {"on": deadline.isoformat()})
    assert early.status_code == 409
    assert "defence period runs until" in early.get_json()["message"]
    after = (deadline + dt.timedelta(days=1)).isoformat()
    set_today(deadline + dt.timedelta(days=1))
    review = clerk.post(f"{API}/listings/{listing['id']}/start-review", {"on": after})
    assert review.get_json()["state"] == "under_review"

    approve_url = f"{API}/listings/{listing['id']}/approve"
    reason = "deliberate infringement established"
    # Finding 12: the reviewer enters the authority's document number; nothing is invented.
    missing = reviewer.post(approve_url, {"reason": reason, "on": after})
    assert missing.status_code == 422
    assert (
        "enter the decision document number" in missing.get_json()["errors"]["document_number"][0]
    )
    foreign = reviewer.post(
        approve_url, {"reason": reason, "on": after, "document_number": "DEC-2026-000001"}
    )
    assert foreign.status_code == 422
    assert (
        "does not match the document number pattern"
        in (foreign.get_json()["errors"]["document_number"][0])
    )
    assert clerk.get(f"{API}/listings/{listing['id']}").get_json()["state"] == "under_review"
    approved = reviewer.post(
        approve_url, {"reason": reason, "on": after, "document_number": "演示知信〔2026〕8号"}
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["decision_document_number"] == "演示知信〔2026〕8号"
    assert approved.get_json()["decision_authority"] == DecisionAuthority().name
    body = approved.get_json()
    assert body["state"] == "approved"
    assert body["deadlines"][0]["name"] == "publish by"

    shown = clerk.get(f"{API}/listings/{listing['id']}").get_json()
    assert shown["state"] == "approved"
    assert [x["id"] for x in clerk.get(f"{API}/listings?state=approved").get_json()] == [
        listing["id"]
    ]
    actions = [r["action"] for r in clerk.get(f"{API}/audit?object_type=listing").get_json()]
    assert actions == ["listing.approve", "listing.review", "listing.notify", "listing.propose"]


def test_objection_moves_to_review_and_must_be_decided_before_approval(
    signed_in, deliberate_subject, set_today
):
    set_today(dt.date.fromisoformat(PROPOSED))
    clerk, reviewer = signed_in["clerk"], signed_in["reviewer"]
    listing = _propose(clerk, deliberate_subject)
    clerk.post(f"{API}/listings/{listing['id']}/notify", {"served_on": PROPOSED})
    lodged = clerk.post(
        f"{API}/listings/{listing['id']}/requests",
        {"kind": "objection", "lodged_on": PROPOSED, "text": "We appealed."},
    )
    assert lodged.status_code == 201
    request_id = lodged.get_json()["id"]
    assert clerk.get(f"{API}/listings/{listing['id']}").get_json()["state"] == "under_review"

    blocked = reviewer.post(
        f"{API}/listings/{listing['id']}/approve",
        {"reason": "ok", "document_number": "演示知信〔2026〕9号"},
    )
    assert blocked.status_code == 409
    assert "objection" in blocked.get_json()["message"]

    decided = reviewer.post(
        f"{API}/requests/{request_id}/decision",
        {"accepted": False, "reason": "the appeal was dismissed"},
    )
    assert decided.get_json()["decision"] == "refused"
    rejected = reviewer.post(f"{API}/listings/{listing['id']}/reject", {"reason": "on reflection"})
    assert rejected.get_json()["state"] == "rejected"


def test_queue_shows_open_requests_with_deadline_status(signed_in, deliberate_subject, set_today):
    set_today(dt.date.fromisoformat(PROPOSED))
    clerk = signed_in["clerk"]
    listing = _propose(clerk, deliberate_subject)
    clerk.post(f"{API}/listings/{listing['id']}/notify", {"served_on": PROPOSED})
    clerk.post(
        f"{API}/listings/{listing['id']}/requests",
        {"kind": "defence", "lodged_on": PROPOSED, "text": "We performed."},
    )

    due = dt.date(2026, 1, 20)  # lodged 5 January, 15 days to decide
    statuses = {}
    set_today(dt.date(2026, 1, 21))
    for on in ("2026-01-10", "2026-01-19", "2026-01-21"):
        queue = signed_in["auditor"].get(f"{API}/queue?on={on}").get_json()
        assert [x["id"] for x in queue["under_review"]] == [listing["id"]]
        statuses[on] = queue["open_requests"][0]["deadline_status"]
        assert queue["open_requests"][0]["decision_due"] == due.isoformat()
    assert statuses == {"2026-01-10": "ok", "2026-01-19": "near", "2026-01-21": "missed"}


def test_request_view_has_no_deadline_status_once_decided(app, session: Session):
    decided = ListingRequest(
        listing_id=1,
        kind="objection",
        lodged_on=dt.date(2026, 1, 1),
        decision_due=dt.date(2026, 1, 16),
        decision="accepted",
    )
    assert request_view(decided, dt.date(2026, 2, 1))["deadline_status"] is None


def test_evaluation_explains_grounds_with_cases_and_dates(signed_in, deliberate_subject):
    response = signed_in["reviewer"].get(
        f"{API}/subjects/{deliberate_subject}/evaluation?on=2026-01-05"
    )
    grounds = {g["code"]: g for g in response.get_json()["grounds"]}
    assert grounds["deliberate_infringement"]["holds"] is True
    assert grounds["deliberate_infringement"]["dates"][0] == {
        "case_id": 1,
        "field": "effective_on",
        "on": "2025-04-01",
    }
    assert grounds["repeat_infringement"]["holds"] is False
    before = (
        signed_in["reviewer"]
        .get(f"{API}/subjects/{deliberate_subject}/evaluation?on=2025-03-15")
        .get_json()
    )
    assert not any(g["holds"] for g in before["grounds"])


def test_proposal_citing_a_ground_that_does_not_hold_is_refused(signed_in, deliberate_subject):
    response = signed_in["clerk"].post(
        f"{API}/listings",
        {"subject_id": deliberate_subject, "grounds": ["repeat_infringement"], "on": PROPOSED},
    )
    assert response.status_code == 422
    assert "repeat_infringement does not hold" in response.get_json()["errors"]["grounds"][0]


def test_invalid_input_names_each_field(signed_in):
    response = signed_in["clerk"].post(
        f"{API}/cases",
        {
            "subject_id": "one",
            "kind": "rumour",
            "authority": "X",
            "document_number": "1",
            "decided_on": "2026-13-01",
            "sectors": ["space"],
        },
    )
    body = response.get_json()
    assert response.status_code == 422
    assert body["code"] == "invalid_value"
    assert set(body["errors"]) == {"subject_id", "kind", "decided_on", "sectors[0]"}
    assert "subject_id" in body["message"]


def test_subjects_and_cases_with_filters(signed_in, deliberate_subject):
    clerk = signed_in["clerk"]
    created = clerk.post(
        f"{API}/subjects",
        {
            "kind": "legal_person",
            "name": "北京示例科技有限公司",
            "identifiers": [{"scheme": "cn_uscc", "value": "91350100M000100Y43"}],
        },
    )
    assert created.status_code == 201, created.get_json()
    subject = created.get_json()
    assert subject["name_latin"].startswith("Bei Jing")
    assert clerk.get(f"{API}/subjects/{subject['id']}").get_json()["name"] == subject["name"]
    assert clerk.get(f"{API}/subjects/999").status_code == 404

    case = clerk.post(
        f"{API}/cases",
        {
            "subject_id": subject["id"],
            "kind": "court_judgment",
            "authority": "Beijing IP Court",
            "document_number": "BJ-2026-7",
            "decided_on": "2026-02-01",
            "sectors": ["food_drug"],
            "patents": ["ZL201510123456.1"],
        },
    )
    assert case.status_code == 201, case.get_json()
    duplicate = clerk.post(
        f"{API}/cases",
        {
            "subject_id": subject["id"],
            "kind": "court_judgment",
            "authority": "Beijing IP Court",
            "document_number": "BJ-2026-7",
            "decided_on": "2026-02-01",
        },
    )
    assert duplicate.status_code == 409

    def ids(query: str) -> list[int]:
        return [c["id"] for c in clerk.get(f"{API}/cases?{query}").get_json()]

    assert ids("sector=food_drug") == [case.get_json()["id"]]
    assert ids("authority=Fuzhou IP Office") == [1]
    assert ids("decided_from=2026-01-01") == [case.get_json()["id"]]
    assert ids("decided_to=2025-12-31") == [1]
    wrong = clerk.get(f"{API}/cases?decided_from=2026-02-02&decided_to=2026-01-01")
    assert wrong.status_code == 422
    assert "decided_from" in wrong.get_json()["errors"]


def test_revocation_and_invalidation_flag_listings_for_review(
    signed_in, deliberate_subject, set_today
):
    set_today(dt.date.fromisoformat(PROPOSED))
    clerk = signed_in["clerk"]
    listing = _propose(clerk, deliberate_subject)
    set_today(dt.date(2026, 1, 8))
    revoked = signed_in["reviewer"].post(
        f"{API}/cases/1/revoke",
        {"revoked_on": "2026-01-06", "reason": "overturned", "evidence": "(2026)闽民终1号"},
    )
    assert revoked.get_json() == {"flagged_listing_ids": [listing["id"]]}
    assert clerk.get(f"{API}/cases/1").get_json()["revoked_on"] == "2026-01-06"
    queue = clerk.get(f"{API}/queue").get_json()
    assert "revoked" in queue["flagged"][0]["review_flag"]
    invalidated = clerk.post(
        f"{API}/patent-invalidations",
        {
            "patent_number": "ZL201510123456.1",
            "decision_number": "INV-1",
            "decided_on": "2026-01-07",
            "scope": "whole",
        },
    )
    assert invalidated.status_code == 201
    assert invalidated.get_json() == {"flagged_listing_ids": []}


def test_admin_manages_users_but_not_their_own_account(signed_in, users):
    admin = signed_in["admin"]
    created = admin.post(
        f"{API}/users",
        {"username": "newclerk", "role": "clerk", "password": "long enough password"},
    )
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    assert "password" not in created.get_json()
    short = admin.post(f"{API}/users", {"username": "x2", "role": "clerk", "password": "short"})
    assert short.get_json()["errors"] == {"password": ["must be at least 12 characters long"]}

    assert (
        admin.post(f"{API}/users/{user_id}/role", {"role": "auditor"}).get_json()["role"]
        == "auditor"
    )
    assert admin.post(f"{API}/users/{user_id}/deactivate").get_json()["active"] is False
    assert admin.post(f"{API}/users/{user_id}/deactivate").status_code == 409
    own = admin.post(f"{API}/users/{users['admin'].id}/role", {"role": "reviewer"})
    assert own.status_code == 409
    listed = {u["username"]: u for u in signed_in["auditor"].get(f"{API}/users").get_json()}
    assert listed["newclerk"]["active"] is False
    trail = signed_in["auditor"].get(f"{API}/audit?actor=admin").get_json()
    assert [r["action"] for r in trail] == ["user.deactivate", "user.role", "user.create"]


def test_audit_trail_filters_and_verifies(signed_in, deliberate_subject):
    auditor = signed_in["auditor"]
    records = auditor.get(f"{API}/audit?action=case.record").get_json()
    assert len(records) == 1
    assert records[0]["object_type"] == "case"
    assert len(records[0]["record_hash"]) == 64
    report = auditor.get(f"{API}/audit/verify").get_json()
    assert report["intact"] is True
    assert report["checked"] >= 7  # five accounts, a subject and a case


def test_current_actor_carries_the_user_id(app, signed_in, users):
    with app.test_request_context():
        from flask_login import login_user

        from api.auth import SessionUser

        login_user(SessionUser(users["auditor"].id, "auditor", "auditor"))
        actor = current_actor()
    assert (actor.name, actor.role, actor.user_id) == ("auditor", "auditor", users["auditor"].id)


def test_openapi_spec_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/admin/listings/{listing_id}/approve" in spec["paths"]
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/api/v1/admin/subjects/{subject_id}/evaluation" in html
    assert "<script" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_identifier_errors_are_422_naming_the_field_and_the_part(signed_in):
    body = "91440300MA5F00001"  # the organisation code's check character should be X
    wrong = body + uscc.calc_check_digit(body)
    response = signed_in["clerk"].post(
        f"{API}/subjects",
        {
            "kind": "legal_person",
            "name": "深圳市示例科技有限公司",
            "identifiers": [{"scheme": "cn_uscc", "value": wrong}],
        },
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "identifiers[0].value": ["organisation code check character should be X"]
    }
    person = signed_in["clerk"].post(
        f"{API}/subjects",
        {
            "kind": "natural_person",
            "name": "陈大文",
            "identifiers": [{"scheme": "passport", "value": "E12345678"}],
        },
    )
    assert person.status_code == 422
    assert "identifiers[0].country" in person.get_json()["errors"]


def _determination(clerk: SignedIn, subject_id: int, **fields: object):
    body = {
        "subject_id": subject_id,
        "kind": "cnipa_determination",
        "authority": "国家知识产权局",
        "document_number": "国知发保决字〔2025〕3号",
        "decided_on": "2025-06-02",
        "effective_on": "2025-06-02",
        "conduct": "abnormal_application",
        **fields,
    }
    return clerk.post(f"{API}/cases", body)


def test_a_determination_needs_its_conduct_and_finds_no_infringement(signed_in, deliberate_subject):
    clerk = signed_in["clerk"]
    missing = _determination(clerk, deliberate_subject, conduct=None)
    assert missing.status_code == 422
    assert (
        "a determination names the conduct it found" in missing.get_json()["errors"]["conduct"][0]
    )
    unknown = _determination(clerk, deliberate_subject, conduct="plagiarism")
    assert set(unknown.get_json()["errors"]) == {"conduct"}
    infringing = _determination(clerk, deliberate_subject, infringement_found=True)
    assert infringing.status_code == 422
    assert set(infringing.get_json()["errors"]) == {"infringement_found"}
    on_a_ruling = _determination(clerk, deliberate_subject, kind="administrative_ruling")
    assert on_a_ruling.status_code == 422
    assert set(on_a_ruling.get_json()["errors"]) == {"conduct"}


def test_a_determination_type_is_proposed_on_its_determination(
    signed_in, deliberate_subject, set_today
):
    set_today(dt.date.fromisoformat(PROPOSED))
    clerk = signed_in["clerk"]
    recorded = _determination(clerk, deliberate_subject)
    assert recorded.status_code == 201, recorded.get_json()
    case = recorded.get_json()
    assert (case["conduct"], case["infringement_found"]) == ("abnormal_application", False)
    evaluation = clerk.get(f"{API}/subjects/{deliberate_subject}/evaluation?on={PROPOSED}")
    grounds = {g["code"]: g for g in evaluation.get_json()["grounds"]}
    assert grounds["abnormal_application"]["holds"] is True
    assert grounds["abnormal_application"]["case_ids"] == [case["id"]]
    response = clerk.post(
        f"{API}/listings",
        {"subject_id": deliberate_subject, "grounds": ["abnormal_application"], "on": PROPOSED},
    )
    assert response.status_code == 201, response.get_json()
    listing = response.get_json()
    assert "found abnormal patent applications" in listing["grounds"][0]["explanation"]
    assert listing["grounds"][0]["explanation_zh"] == (
        "国家知识产权局认定决定国知发保决字〔2025〕3号（国家知识产权局）认定存在非正常申请专利行为，"
        "于2025年6月2日生效。"
    )
    assert listing["grounds"][0]["name_zh"] == "非正常申请专利行为"
    assert listing["measures"][0] == "限制参与政府采购"
    assert listing["remedy"].startswith("对列入决定不服的，可以自知道该决定之日起60日内")
    unknown = clerk.post(
        f"{API}/listings",
        {"subject_id": deliberate_subject, "grounds": ["gossip"], "on": PROPOSED},
    )
    assert unknown.status_code == 422
    assert "unknown ground gossip" in unknown.get_json()["errors"]["grounds"][0]
