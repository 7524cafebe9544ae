"""The admin console: pages without scripts, drafting from the rule explanation, review, audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from registry.listings.policy import Policy
from registry.models import Listing
from tests import builders


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_pages_carry_no_inline_script_or_style(signed_in, deliberate_subject):
    for path in (
        "/admin/",
        "/admin/subjects",
        f"/admin/subjects/{deliberate_subject}",
        "/admin/cases",
        "/admin/listings",
        "/admin/queue",
        "/admin/audit",
    ):
        page = signed_in["clerk"].get(path)
        assert page.status_code == 200, path
        assert "<script" not in _text(page) and "style=" not in _text(page), path
        assert "<style" not in _text(page), path
    css = signed_in["clerk"].get("/static/admin/admin.css")
    assert css.status_code == 200
    assert "deadline-missed" in css.get_data(as_text=True)
    css.close()  # static files are streamed from an open file


def test_clerk_records_a_case_and_drafts_a_proposal_from_holding_grounds(
    signed_in, deliberate_subject
):
    clerk = signed_in["clerk"]
    page = _text(clerk.get(f"/admin/subjects/{deliberate_subject}"))
    assert "Deliberate infringement</strong>: holds" in page
    assert "Repeat infringement</strong>: does not hold" in page
    assert 'name="grounds" value="deliberate_infringement"' in page
    assert 'name="grounds" value="repeat_infringement"' not in page

    recorded = clerk.form(
        f"/admin/subjects/{deliberate_subject}/cases",
        {
            "kind": "administrative_penalty",
            "authority": "Xiamen IP Office",
            "document_number": "XM-2025-9",
            "decided_on": "2025-06-01",
            "effective_on": "2025-06-20",
            "infringement_found": "1",
            "sectors": ["food_drug", "internet"],
        },
    )
    assert recorded.status_code == 303
    followed = clerk.get(recorded.location)
    assert "Case XM-2025-9 recorded." in _text(followed)
    assert "XM-2025-9" in _text(followed)

    drafted = clerk.form(
        f"/admin/subjects/{deliberate_subject}/proposals", {"grounds": "deliberate_infringement"}
    )
    assert drafted.status_code == 303
    listing_page = _text(clerk.get(drafted.location))
    assert 'State: <strong id="listing-state">Draft</strong>' in listing_page
    assert "found deliberate infringement" in listing_page
    assert "Record the notice" in listing_page


def test_console_reports_fixable_mistakes_by_field(signed_in, deliberate_subject):
    clerk = signed_in["clerk"]
    bad_date = clerk.client.post(
        f"/admin/subjects/{deliberate_subject}/cases",
        data={
            "csrf_token": clerk.csrf_token,
            "kind": "court_judgment",
            "authority": "Court",
            "document_number": "Z-1",
            "decided_on": "1 March",
        },
    )
    assert bad_date.status_code == 422
    page = _text(bad_date)
    # Beside its field, in words, and what was typed is still there.
    assert (
        '<p class="field-error" id="decided_on-error" role="alert">'
        "1 March is not a date; choose one (YYYY-MM-DD).</p>"
    ) in page
    assert 'name="document_number" required value="Z-1"' in page
    assert 'value="court_judgment" selected' in page
    not_holding = clerk.client.post(
        f"/admin/subjects/{deliberate_subject}/proposals",
        data={
            "csrf_token": clerk.csrf_token,
            "grounds": "repeat_infringement",
        },
        follow_redirects=True,
    )
    assert "repeat_infringement does not hold" in _text(not_holding)


def test_console_form_without_csrf_token_is_refused(signed_in, deliberate_subject, session):
    response = signed_in["clerk"].client.post(
        f"/admin/subjects/{deliberate_subject}/proposals",
        data={"grounds": "deliberate_infringement"},
    )
    assert response.status_code == 400
    assert session.query(Listing).count() == 0


def _listing_under_review(session: Session, subject_id: int, lodged: dt.date) -> Listing:
    """A listing noticed and objected to on `lodged`."""
    return builders.listing(
        session,
        state="under_review",
        subject_id=subject_id,
        proposed_on=lodged,
        served_on=lodged,
        objection="Unfair.",
        policy=Policy(),
    )


def test_reviewer_queue_marks_missed_deadlines_in_words(
    signed_in, users, session, deliberate_subject
):
    listing = _listing_under_review(session, deliberate_subject, dt.date(2025, 5, 1))
    page = _text(signed_in["reviewer"].get("/admin/queue"))
    assert f'href="/admin/listings/{listing.id}"' in page
    assert "MISSED" in page  # the objection was due 2025-05-16
    assert "Acme Trading Ltd" in page


def test_one_reviewer_decides_the_objection_another_approves_with_a_reason(
    signed_in, users, session, deliberate_subject
):
    listing = _listing_under_review(session, deliberate_subject, dt.date(2025, 5, 1))
    reviewer, decider = signed_in["reviewer"], signed_in["reviewer2"]
    request_id = listing.requests[0].id
    decided = decider.form(
        f"/admin/requests/{request_id}/decision", {"decision": "refuse", "reason": "no new facts"}
    )
    assert "Decision recorded." in _text(decider.get(decided.location))
    # Issue #17, finding 7: whoever decided the objection does not also approve.
    own = decider.form(
        f"/admin/listings/{listing.id}/approve",
        {"reason": "established", "document_number": "演示知信〔2026〕11号", "confirm": "1"},
    )
    assert own.status_code == 409
    assert "another reviewer must approve" in _text(own)

    no_reason = reviewer.form(
        f"/admin/listings/{listing.id}/approve",
        {"document_number": "演示知信〔2026〕11号", "confirm": "1"},
    )
    assert no_reason.status_code == 422
    assert 'id="reason-error" role="alert">Fill this in: it must not be empty.' in _text(no_reason)
    no_number = reviewer.form(
        f"/admin/listings/{listing.id}/approve", {"reason": "established", "confirm": "1"}
    )
    assert no_number.status_code == 422
    assert 'id="document_number-error" role="alert">' in _text(no_number)
    approved = reviewer.form(
        f"/admin/listings/{listing.id}/approve",
        {"reason": "established", "document_number": "演示知信〔2026〕11号", "confirm": "1"},
    )
    page = _text(reviewer.get(approved.location))
    assert "Approved; it will be published at the next run." in page
    assert 'State: <strong id="listing-state">Approved, waiting for publication</strong>' in page
    assert "Publish by" in page


def test_auditor_browses_and_verifies_the_audit_trail(signed_in, deliberate_subject):
    page = _text(signed_in["auditor"].get("/admin/audit?action=case.record&verify=1"))
    assert "Chain intact" in page
    assert "case.record" in page
    assert "subject.record" not in page.split("<tbody>")[1]
    assert 'name="csrf_token"' in page  # only the sign-out form; the auditor gets no change forms
    assert page.count("<form") == 2  # sign-out and the filter form


def test_admin_creates_an_account_from_the_console(signed_in):
    admin = signed_in["admin"]
    created = admin.form(
        "/admin/users",
        {"username": "newclerk", "role": "clerk", "password": "long enough password"},
    )
    page = _text(admin.get(created.location))
    assert "Account newclerk created." in page
    assert "<td>newclerk</td>" in page


def test_a_reviewer_created_in_the_console_waits_for_a_second_admin(app, signed_in, session):
    from registry.accounts import users as accounts
    from tests.api.conftest import SignedIn, console_login

    accounts.create_user(session, "second", "admin", "another long password")
    admin = signed_in["admin"]
    asked = admin.form(
        "/admin/users",
        {"username": "newreviewer", "role": "reviewer", "password": "long enough password"},
    )
    page = _text(admin.get(asked.location))
    assert "Request 1 (newreviewer as Reviewer) waits for another admin&#39;s confirmation." in page
    assert "<td>newreviewer</td>" not in page
    listed = _text(admin.get("/admin/users/requests?lang=zh"))
    assert "newreviewer" in listed and "确认</button>" not in listed  # not by the requester

    client = app.test_client()
    assert console_login(client, "second", "another long password").status_code == 303
    second = SignedIn(client, client.get("/api/v1/admin/session").get_json()["csrf_token"])
    confirmed = second.form("/admin/users/requests/1/confirm")
    assert "申请 1 已确认。" in _text(second.get(confirmed.location))
    assert "<td>newreviewer</td>" in _text(second.get("/admin/users"))


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/admin/queue")
    assert response.status_code == 302
    assert "/admin/login?next=" in response.location
    assert "验证码" in _text(client.get("/admin/login"))


def test_console_records_a_determination_with_its_conduct(signed_in, deliberate_subject):
    clerk = signed_in["clerk"]
    page = _text(clerk.get(f"/admin/subjects/{deliberate_subject}"))
    assert '<option value="false_documents" >Submitting false documents</option>' in page
    fields = {
        "kind": "provincial_determination",
        "authority": "福建省知识产权局",
        "document_number": "闽知保决字〔2025〕2号",
        "decided_on": "2025-06-01",
        "effective_on": "2025-06-01",
        "conduct": "agency_violation",
    }
    ticked = clerk.client.post(
        f"/admin/subjects/{deliberate_subject}/cases",
        data={"csrf_token": clerk.csrf_token, **fields, "infringement_found": "1"},
        follow_redirects=True,
    )
    assert ticked.status_code == 422
    assert "infringement found: a determination by a patent office does not find" in _text(ticked)
    recorded = clerk.form(f"/admin/subjects/{deliberate_subject}/cases", fields)
    assert recorded.status_code == 303
    followed = _text(clerk.get(recorded.location))
    assert "<strong>Serious violation in patent agency</strong>: holds" in followed
