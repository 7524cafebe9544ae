"""The console in Chinese first: words instead of codes, errors beside fields, allowed steps."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.actors import Actor
from registry.listings.allowed import TRANSITIONS, allowed_transitions
from registry.models import AuditRecord, Listing, Subject
from tests import builders
from tests.api.conftest import SignedIn

RAW_CODES = (
    "under_review",
    "deliberate_infringement",
    "repeat_infringement",
    "court_judgment",
    "legal_person",
    "case.record",
    "subject.record",
    "food_drug",
)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _visible(page: str) -> str:
    """The text a reader sees: tags (and so attribute values) removed."""
    return re.sub(r"<[^>]+>", " ", page)


def _in_chinese(client: SignedIn) -> SignedIn:
    client.client.set_cookie("lang", "zh")
    return client


def test_the_console_is_chinese_first_and_english_on_request(app: Flask, signed_in) -> None:
    anonymous = app.test_client()
    login = _text(anonymous.get("/admin/login"))
    assert '<html lang="zh-Hans">' in login
    assert "专利失信名单管理台" in login
    clerk = _in_chinese(signed_in["clerk"])
    page = _text(clerk.get("/admin/"))
    assert "工作台" in page and "经办人" in page
    english = clerk.get("/admin/?lang=en")
    assert "Dashboard" in _text(english) and "Clerk" in _text(english)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert "Subjects" in _text(clerk.get("/admin/subjects"))  # the choice is remembered


def test_no_raw_code_is_shown_on_the_main_pages(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    listing = builders.listing(
        session, state="under_review", subject_id=deliberate_subject, objection="Unfair."
    )
    for name in ("clerk", "reviewer"):
        client = _in_chinese(signed_in[name])
        for path in (
            "/admin/",
            "/admin/subjects",
            f"/admin/subjects/{deliberate_subject}",
            "/admin/cases",
            "/admin/listings",
            f"/admin/listings/{listing.id}",
            "/admin/queue",
            "/admin/audit",
        ):
            shown = _visible(_text(client.get(path)))
            assert [code for code in RAW_CODES if code in shown] == [], (name, path)
    shown = _visible(_text(signed_in["reviewer"].get(f"/admin/listings/{listing.id}")))
    assert "审核中" in shown and "故意侵权" in shown


def test_a_refused_case_form_keeps_what_was_typed_and_says_why_beside_the_field(
    signed_in, deliberate_subject: int
) -> None:
    clerk = _in_chinese(signed_in["clerk"])
    refused = clerk.form(
        f"/admin/subjects/{deliberate_subject}/cases",
        {
            "kind": "administrative_penalty",
            "authority": "厦门市市场监督管理局（知识产权局）",
            "document_number": "厦市监罚〔2025〕9号",
            "decided_on": "",
            "sectors": ["internet"],
        },
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert 'id="decided_on-error" role="alert">请选择日期：此项必填。</p>' in page
    assert 'aria-describedby="decided_on-error"' in page
    assert 'value="厦门市市场监督管理局（知识产权局）"' in page
    assert 'value="厦市监罚〔2025〕9号"' in page
    assert 'value="internet" checked' in page
    assert 'type="date"' in page
    assert "decided_on:" not in page  # no internal field path


def test_a_subject_recorded_in_the_console_keeps_its_punctuation(
    signed_in, session: Session
) -> None:
    clerk = _in_chinese(signed_in["clerk"])
    name = "福州某某科技有限公司（闽侯分公司）"
    recorded = clerk.form("/admin/subjects", {"kind": "legal_person", "name": name})
    assert recorded.status_code == 303
    assert session.query(Subject).filter_by(name=name).count() == 1
    empty = clerk.form("/admin/subjects", {"kind": "legal_person", "name": " ", "region": "12"})
    assert empty.status_code == 422
    assert 'id="name-error" role="alert">请填写：此项不能为空。</p>' in _text(empty)
    assert 'name="region" inputmode="numeric" value="12"' in _text(empty)


def test_configured_authorities_are_offered_as_a_choice(
    app: Flask, signed_in, deliberate_subject: int
) -> None:
    app.config["REGISTRY"]["AUTHORITIES"] = "福州市中级人民法院|厦门市市场监督管理局（知识产权局）"
    try:
        page = _text(signed_in["clerk"].get(f"/admin/subjects/{deliberate_subject}"))
    finally:
        app.config["REGISTRY"]["AUTHORITIES"] = ""
    assert '<select id="authority" name="authority"' in page
    assert "<option >厦门市市场监督管理局（知识产权局）</option>" in page
    recorded = _text(signed_in["clerk"].get(f"/admin/subjects/{deliberate_subject}"))
    assert 'list="authority-names"' in recorded and '<option value="Fuzhou IP Office">' in recorded


@pytest.mark.parametrize("state", builders.STATES)
def test_only_the_steps_a_role_may_take_in_a_state_are_offered(
    signed_in, session: Session, users, state: str
) -> None:
    listing = builders.listing(session, state=state)
    for name, user in users.items():
        actor = Actor(name=user.username, role=user.role, user_id=user.id)
        allowed = allowed_transitions(listing, actor)
        for transition, (_permission, states) in TRANSITIONS.items():
            expected = state in states and user.role in _roles(_permission)
            if transition in ("approve", "reject") and listing.proposed_by == user.id:
                expected = False
            assert (transition in allowed) == expected, (name, state, transition)
        if user.role == "admin":
            continue
        page = _text(signed_in[name].get(f"/admin/listings/{listing.id}"))
        for transition in ("notify", "start-review", "reject", "withdraw", "remove", "amend"):
            shown = f"/admin/listings/{listing.id}/{transition}" in page
            assert shown == (transition in allowed), (name, state, transition)
        shown = f"/admin/listings/{listing.id}/approval" in page
        assert shown == ("approve" in allowed), (name, state)


def _roles(permission: str) -> frozenset[str]:
    from registry.actors import PERMISSIONS

    return PERMISSIONS[permission]


def test_approval_shows_the_entry_as_signed_and_waits_for_confirmation(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    listing = builders.listing(
        session, state="under_review", subject_id=deliberate_subject, objection="Unfair."
    )
    signed_in["reviewer2"].form(
        f"/admin/requests/{listing.requests[0].id}/decision",
        {"decision": "refuse", "reason": "no new facts"},
    )
    reviewer = _in_chinese(signed_in["reviewer"])
    typed = {"reason": "事实清楚", "document_number": "演示知信〔2026〕3号"}
    preview = reviewer.form(f"/admin/listings/{listing.id}/approval", typed)
    assert preview.status_code == 200
    page = _text(preview)
    # The site's own entry markup, with the decision about to be taken.
    assert '<dd data-signed="subject.name">Acme Trading Ltd</dd>' in page
    assert '<dd data-signed="decision.document_number">演示知信〔2026〕3号</dd>' in page
    assert '<dd data-signed="basis.0.document_number">FZ-2025-001</dd>' in page
    assert 'id="grounds-heading"' in page
    assert ">事实清楚</textarea>" in page

    unconfirmed = reviewer.form(f"/admin/listings/{listing.id}/approve", typed)
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error" role="alert">请确认上面显示的条目就是要签名的内容。' in _text(
        unconfirmed
    )
    session.refresh(listing)
    assert listing.state == "under_review"

    approved = reviewer.form(f"/admin/listings/{listing.id}/approve", {**typed, "confirm": "1"})
    assert approved.status_code == 303
    session.refresh(listing)
    assert listing.state == "approved"
    assert listing.decision_document_number == "演示知信〔2026〕3号"


def test_approval_is_refused_to_roles_and_states_that_do_not_allow_it(
    signed_in, session: Session
) -> None:
    listing = builders.listing(session, state="notified")
    assert signed_in["clerk"].get(f"/admin/listings/{listing.id}/approval").status_code == 403
    assert signed_in["reviewer"].get(f"/admin/listings/{listing.id}/approval").status_code == 409


def test_the_audit_page_reads_as_who_what_when_and_a_field_diff(
    signed_in, session: Session
) -> None:
    builders.listing(session, state="under_review", objection="Unfair.")
    page = _text(_in_chinese(signed_in["auditor"]).get("/admin/audit?verify=1"))
    assert "哈希链完整" in page
    assert "时间（北京时间）" in page
    assert "登记主体" in page  # subject.record in words
    assert "<del>已告知</del>" in page and "<ins>审核中</ins>" in page  # states in words
    newest = session.query(AuditRecord).order_by(AuditRecord.seq.desc()).first()
    assert newest is not None
    from registry.timestamps import beijing_time

    assert beijing_time(newest.recorded_at).strftime("%Y-%m-%d %H:%M") in page


def test_list_pages_refuse_a_page_number_that_is_not_one(signed_in) -> None:
    refused = _in_chinese(signed_in["auditor"]).get("/admin/audit?page=zero")
    assert refused.status_code == 422
    assert "请填写 1 至 10000 之间的页码" in _text(refused)
    assert signed_in["clerk"].get("/admin/listings?state=nonsense").status_code == 422


def test_listings_are_paged(signed_in, session: Session, deliberate_subject: int) -> None:
    subject = session.get(Subject, deliberate_subject)
    assert subject is not None
    for number in range(51):
        session.add(
            Listing(
                subject_id=subject.id,
                state="withdrawn",
                grounds=[],
                proposed_on=builders.PROPOSED,
                sectors=[],
                measures=[],
            )
        )
    session.commit()
    first = _text(signed_in["clerk"].get("/admin/listings?state=withdrawn"))
    assert 'href="/admin/listings?state=withdrawn&amp;page=2" rel="next"' in first
    second = _text(signed_in["clerk"].get("/admin/listings?state=withdrawn&page=2"))
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_a_removal_proposed_by_one_reviewer_waits_in_another_reviewers_queue(
    signed_in, session: Session
) -> None:
    listing = builders.listing(session, state="published")
    proposed = signed_in["reviewer"].form(
        f"/admin/listings/{listing.id}/remove", {"reason_code": "error", "reason": "wrong company"}
    )
    assert proposed.status_code == 303
    other = _text(signed_in["reviewer2"].get("/admin/"))
    waiting = other.split("Early removals proposed by another reviewer")[1].split("</table>")[0]
    assert f'href="/admin/listings/{listing.id}"' in waiting
    assert "Listed in error: wrong company" in waiting
    own = _text(signed_in["reviewer"].get("/admin/"))
    assert "No removal waits for your confirmation." in own
    queue = _text(signed_in["reviewer2"].get("/admin/queue"))
    assert "Listed in error: wrong company" in queue
    detail = _text(signed_in["reviewer2"].get(f"/admin/listings/{listing.id}"))
    assert "Another reviewer proposed this removal" in detail


def test_the_dashboard_lists_what_waits_with_urgent_deadlines_and_recent_decisions(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    listing = builders.listing(
        session, state="under_review", subject_id=deliberate_subject, objection="Unfair."
    )
    draft = builders.listing(session, state="draft")
    reviewer = _text(signed_in["reviewer"].get("/admin/"))
    mine = reviewer.split("Waiting for you")[1]
    assert f'href="/admin/listings/{listing.id}"' in mine
    assert "Deadlines near or missed" in mine and "MISSED" in mine  # the objection is overdue
    assert "Requests to decide" in mine
    clerk = _text(signed_in["clerk"].get("/admin/")).split("Waiting for you")[1]
    assert f'href="/admin/listings/{draft.id}"' in clerk
    assert "Serve and record the notice" in clerk
    assert "Started the review" not in clerk  # not a decision
    signed_in["reviewer2"].form(
        f"/admin/requests/{listing.requests[0].id}/decision",
        {"decision": "refuse", "reason": "no new facts"},
    )
    approved = signed_in["reviewer"].form(
        f"/admin/listings/{listing.id}/approve",
        {"reason": "established", "document_number": "演示知信〔2026〕4号", "confirm": "1"},
    )
    assert approved.status_code == 303, _text(approved)
    recent = _text(signed_in["auditor"].get("/admin/")).split("Recent decisions")[1]
    assert "Approved a listing" in recent and "Decided an objection" in recent


def test_every_list_has_search_filters_and_paging(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    clerk, admin = signed_in["clerk"], signed_in["admin"]
    acme = builders.listing(session, state="draft", subject_id=deliberate_subject)
    other = builders.listing(session, state="draft")
    found = _text(clerk.get("/admin/listings?name=Acme"))
    rows = found.split("<tbody>")[1]
    assert f'href="/admin/listings/{acme.id}"' in rows
    assert f'href="/admin/listings/{other.id}"' not in rows
    assert 'name="name" value="Acme"' in found
    assert "No subjects recorded." in _text(clerk.get("/admin/subjects?name=nobody"))
    assert "No cases match." in _text(clerk.get("/admin/cases?authority=nobody"))
    assert clerk.get("/admin/cases?sector=nonsense").status_code == 422
    users = _text(admin.get("/admin/users?role=reviewer"))
    rows = users.split("<tbody>")[1].split("</tbody>")[0]
    assert "<td>reviewer2</td>" in rows and "<td>clerk</td>" not in rows
    searched = _text(admin.get("/admin/users?q=REVIEWER2")).split("<tbody>")[1]
    assert "<td>reviewer2</td>" in searched and "<td>reviewer</td>" not in searched
    assert admin.get("/admin/users?role=king").status_code == 422
