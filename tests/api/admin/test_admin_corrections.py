"""Issue #17, finding 10 through the admin API: corrections, their deadline, record edits."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from registry.listings.policy import Policy
from tests import builders
from tests.api.conftest import SignedIn

API = "/api/v1/admin"


def test_a_correction_is_lodged_decided_and_published_with_its_deadline_shown(
    app: Flask, session: Session, signed_in: dict[str, SignedIn], set_today
) -> None:
    policy = Policy.from_settings(app.config["REGISTRY"])
    listing = builders.listing(session, state="published", policy=policy)
    clerk, reviewer, reviewer2 = signed_in["clerk"], signed_in["reviewer"], signed_in["reviewer2"]
    corrected = ["environment"] if listing.sectors != ["environment"] else ["internet"]
    set_today(dt.date(2026, 10, 28))
    lodged = clerk.post(
        f"{API}/listings/{listing.id}/requests",
        {"kind": "correction", "lodged_on": "2026-10-28", "text": "Wrong sector."},
    )
    assert lodged.status_code == 201, lodged.get_json()
    request_id = lodged.get_json()["id"]
    assert lodged.get_json()["decision_due"] == "2026-11-12"  # 15 days, tracked

    early = reviewer2.post(
        f"{API}/listings/{listing.id}/amend",
        {"reason": "fix", "sectors": corrected, "correction_id": request_id},
    )
    assert early.status_code == 409
    assert f"correction #{request_id} is not accepted" in early.get_json()["message"]

    decided = reviewer.post(
        f"{API}/requests/{request_id}/decision",
        {"accepted": True, "reason": "the sector was misrecorded", "on": "2026-10-28"},
    )
    assert decided.get_json()["publish_due"] == "2026-11-02"
    shown = clerk.get(f"{API}/listings/{listing.id}").get_json()
    deadlines = {d["name"]: d["due"] for d in shown["deadlines"]}
    assert deadlines[f"publish correction #{request_id} by"] == "2026-11-02"

    unchanged = reviewer2.post(
        f"{API}/listings/{listing.id}/amend",
        {"reason": "fix", "sectors": list(listing.sectors), "correction_id": request_id},
    )
    assert unchanged.status_code == 422
    assert "changes nothing" in unchanged.get_json()["errors"]["sectors"][0]

    amended = reviewer2.post(
        f"{API}/listings/{listing.id}/amend",
        {"reason": "correction accepted", "sectors": corrected, "correction_id": request_id},
    )
    assert amended.status_code == 200, amended.get_json()
    body = amended.get_json()
    assert body["revision"] == 2
    assert [r["published_revision"] for r in body["requests"] if r["id"] == request_id] == [2]
    assert not [d for d in body["deadlines"] if d["name"].startswith("publish correction")]


def test_record_corrections_need_a_reason_and_valid_values(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    listing = builders.listing(session, state="published")
    reviewer = signed_in["reviewer"]
    case_id = listing.cases[0].id
    no_reason = reviewer.post(f"{API}/cases/{case_id}/correct", {"performance_status": "performed"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    bad = reviewer.post(
        f"{API}/cases/{case_id}/correct", {"performance_status": "someday", "reason": "x"}
    )
    assert bad.status_code == 422
    assert "unknown status" in bad.get_json()["errors"]["performance_status"][0]
    future = reviewer.post(
        f"{API}/cases/{case_id}/correct", {"effective_on": "2099-01-01", "reason": "x"}
    )
    assert future.status_code == 422 and "effective_on" in future.get_json()["errors"]

    renamed = reviewer.post(
        f"{API}/subjects/{listing.subject_id}/correct",
        {"name": "更名后科技有限公司", "reason": "registered name change"},
    )
    assert renamed.status_code == 200
    assert renamed.get_json() == {"revised_listing_ids": [listing.id]}
    entry = app.test_client().get(f"/api/v1/entries/{listing.entry_id}").get_json()
    assert entry["name"] == "更名后科技有限公司" and entry["revision"] == 2


def test_the_console_publishes_a_correction_and_names_a_bad_request_number(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    listing = builders.listing(session, state="published")
    reviewer = signed_in["reviewer"]
    url = f"/admin/listings/{listing.id}/amend"
    bad = reviewer.client.post(
        url,
        data={
            "csrf_token": reviewer.csrf_token,
            "reason": "x",
            "remedy": "New.",
            "correction_id": "²",
        },
        follow_redirects=True,
    )
    assert bad.status_code == 422
    # The error stands beside the field it names, in words.
    assert (
        'id="correction_id-error" role="alert">&#39;²&#39; is not a request number'
        in bad.get_data(as_text=True)
    )
    published = reviewer.form(url, {"reason": "typo", "remedy": "Corrected remedy text."})
    assert published.status_code == 303
    session.refresh(listing)
    assert listing.revision == 2 and listing.remedy == "Corrected remedy text."


def test_a_restoration_grant_names_the_unmet_conditions(
    app: Flask, session: Session, signed_in: dict[str, SignedIn], set_today
) -> None:
    listing = builders.listing(session, state="published")
    set_today(dt.date(2027, 10, 20))
    lodged = signed_in["clerk"].post(
        f"{API}/listings/{listing.id}/requests",
        {
            "kind": "restoration",
            "lodged_on": "2027-10-20",
            "text": "Performed.",
            "credit_commitment": "letter 7",
        },
    )
    assert lodged.status_code == 201, lodged.get_json()
    conditions = {c["code"]: c["met"] for c in lodged.get_json()["conditions"]}
    assert conditions == {
        "obligations_performed": False,
        "credit_commitment": True,
        "no_new_case": True,
    }
    refused = signed_in["reviewer"].post(
        f"{API}/requests/{lodged.get_json()['id']}/decision",
        {"accepted": True, "reason": "ok", "on": "2027-10-20"},
    )
    assert refused.status_code == 409
    assert "obligations_performed" in refused.get_json()["message"]
    wrong_kind = signed_in["clerk"].post(
        f"{API}/listings/{listing.id}/requests",
        {
            "kind": "correction",
            "lodged_on": "2027-10-20",
            "text": "typo",
            "performance_evidence": "x",
        },
    )
    assert wrong_kind.status_code == 422
    assert "performance_evidence" in wrong_kind.get_json()["errors"]


def test_the_console_shows_the_correction_deadline_and_the_restoration_conditions(
    app: Flask, session: Session, signed_in: dict[str, SignedIn], set_today
) -> None:
    listing = builders.listing(session, state="published")
    clerk, reviewer = signed_in["clerk"], signed_in["reviewer"]
    set_today(dt.date(2027, 10, 20))
    correction = clerk.post(
        f"{API}/listings/{listing.id}/requests",
        {"kind": "correction", "lodged_on": "2027-10-20", "text": "Wrong sector."},
    ).get_json()["id"]
    reviewer.post(
        f"{API}/requests/{correction}/decision",
        {"accepted": True, "reason": "misrecorded", "on": "2027-10-20"},
    )
    clerk.form(
        f"/admin/listings/{listing.id}/request",
        {
            "kind": "restoration",
            "lodged_on": "2027-10-20",
            "text": "Performed.",
            "performance_evidence": "receipt 9",
        },
    )
    page = reviewer.get(f"/admin/listings/{listing.id}").get_data(as_text=True)
    assert f"Publish the accepted correction (Correction request #{correction}): 2027-10-25" in page
    assert "publish the correction by 2027-10-25" in page
    assert "NOT met: Obligations performed, with evidence" in page
    assert "NOT met: Credit commitment recorded (no credit commitment recorded)" in page
    assert "met: No new case since listing (no case decided since the listing)" in page
