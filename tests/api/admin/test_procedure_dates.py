"""Issue #17 through the admin API: legal dates in Beijing, nothing in the future, back-dating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import clock
from registry.audit.trail import AuditRecord
from registry.models import Listing
from tests import builders
from tests.api.conftest import SignedIn

API = "/api/v1/admin"
TODAY = dt.date(2026, 1, 5)
SetToday = Callable[[dt.date], None]


def _draft(clerk: SignedIn) -> int:
    response = clerk.post(
        f"{API}/listings", {"subject_id": 1, "grounds": ["deliberate_infringement"]}
    )
    assert response.status_code == 201, response.get_json()
    listing_id: int = response.get_json()["id"]
    return listing_id


def _errors(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    errors: dict[str, list[str]] = response.get_json()["errors"]
    return errors


def test_finding_1_a_future_date_cannot_end_the_defence_period(
    signed_in: dict[str, SignedIn], deliberate_subject: int, set_today: SetToday
) -> None:
    set_today(TODAY)
    clerk = signed_in["clerk"]
    listing_id = _draft(clerk)
    future_notice = clerk.post(f"{API}/listings/{listing_id}/notify", {"served_on": "2026-01-06"})
    assert future_notice.status_code == 422
    assert "future" in _errors(future_notice)["served_on"][0]
    notified = clerk.post(f"{API}/listings/{listing_id}/notify", {"served_on": "2026-01-05"})
    assert notified.get_json()["defence_deadline"] == "2026-01-19"

    # The clerk claims it is already February: refused, naming `on`; nothing changes.
    early = clerk.post(f"{API}/listings/{listing_id}/start-review", {"on": "2026-02-01"})
    assert early.status_code == 422
    assert "2026-02-01 is after today (2026-01-05" in _errors(early)["on"][0]
    assert clerk.get(f"{API}/listings/{listing_id}").get_json()["state"] == "notified"
    without_date = clerk.post(f"{API}/listings/{listing_id}/start-review", {})
    assert without_date.status_code == 409
    assert "defence period runs until 2026-01-19" in without_date.get_json()["message"]


def test_finding_2_back_dating_is_bounded_evidenced_and_audited(
    signed_in: dict[str, SignedIn], deliberate_subject: int, set_today: SetToday, session: Session
) -> None:
    set_today(dt.date(2026, 1, 2))
    clerk = signed_in["clerk"]
    listing_id = _draft(clerk)
    set_today(dt.date(2026, 1, 20))
    path = f"{API}/listings/{listing_id}/notify"
    too_old = clerk.post(path, {"served_on": "2026-01-05", "evidence": "EMS1234567890CN"})
    assert too_old.status_code == 422
    assert "at most 10 days" in _errors(too_old)["served_on"][0]
    before_proposal = clerk.post(path, {"served_on": "2026-01-01", "evidence": "EMS1"})
    assert "before the proposal" in _errors(before_proposal)["served_on"][0]
    unproven = clerk.post(path, {"served_on": "2026-01-12"})
    assert unproven.status_code == 422
    assert "postal tracking number" in _errors(unproven)["evidence"][0]
    assert session.get(Listing, listing_id).state == "draft"  # type: ignore[union-attr]

    served = clerk.post(path, {"served_on": "2026-01-12", "evidence": "EMS1234567890CN"})
    assert served.status_code == 200, served.get_json()
    record = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "listing.notify")
    ).one()
    assert (record.after or {})["backdated"] == {
        "occurred_on": "2026-01-12",
        "recorded_on": "2026-01-20",
        "days": 8,
        "evidence": "EMS1234567890CN",
    }


def test_finding_2_a_revoked_basis_stops_the_proposal(
    signed_in: dict[str, SignedIn], deliberate_subject: int, set_today: SetToday
) -> None:
    set_today(TODAY)
    clerk, reviewer = signed_in["clerk"], signed_in["reviewer"]
    listing_id = _draft(clerk)
    revoked = reviewer.post(
        f"{API}/cases/1/revoke", {"revoked_on": "2026-01-05", "reason": "overturned on appeal"}
    )
    assert revoked.status_code == 200, revoked.get_json()
    # A notice back-dated before the revocation still cannot rest on the revoked case.
    notice = clerk.post(
        f"{API}/listings/{listing_id}/notify", {"served_on": "2026-01-05", "evidence": "EMS9"}
    )
    assert notice.status_code == 409
    assert "in state 'withdrawn'" in notice.get_json()["message"]
    shown = clerk.get(f"{API}/listings/{listing_id}").get_json()
    assert (shown["state"], shown["end_reason"]) == ("withdrawn", "basis_revoked")


def test_finding_3_a_future_restoration_request_is_refused(
    signed_in: dict[str, SignedIn], session: Session, set_today: SetToday
) -> None:
    listing = builders.listing(session, state="published")
    assert listing.listed_on is not None
    set_today(listing.listed_on + dt.timedelta(days=30))
    one_year_on = (listing.listed_on + dt.timedelta(days=366)).isoformat()
    response = signed_in["clerk"].post(
        f"{API}/listings/{listing.id}/requests",
        {"kind": "restoration", "lodged_on": one_year_on, "text": "Performed in full."},
    )
    assert response.status_code == 422
    assert "future" in _errors(response)["lodged_on"][0]
    assert listing.requests == []


@pytest.mark.parametrize(
    ("instant", "legal"),
    [
        (dt.datetime(2026, 1, 4, 23, 30, tzinfo=dt.UTC), dt.date(2026, 1, 5)),  # 07:30 Beijing
        (dt.datetime(2026, 1, 5, 15, 59, tzinfo=dt.UTC), dt.date(2026, 1, 5)),  # 23:59 Beijing
        (dt.datetime(2026, 1, 5, 16, 0, tzinfo=dt.UTC), dt.date(2026, 1, 6)),  # midnight
    ],
)
def test_finding_5_legal_dates_are_beijing_dates(
    signed_in: dict[str, SignedIn],
    deliberate_subject: int,
    monkeypatch: pytest.MonkeyPatch,
    instant: dt.datetime,
    legal: dt.date,
) -> None:
    assert clock.legal_date(instant) == legal
    monkeypatch.setattr(clock, "utcnow", lambda: instant)
    assert clock.beijing_today() == legal
    listing = signed_in["clerk"].post(
        f"{API}/listings", {"subject_id": 1, "grounds": ["deliberate_infringement"]}
    )
    assert listing.get_json()["proposed_on"] == legal.isoformat()


def test_finding_9_only_a_reviewer_revokes_a_case(
    signed_in: dict[str, SignedIn], deliberate_subject: int, set_today: SetToday
) -> None:
    set_today(TODAY)
    response = signed_in["clerk"].post(
        f"{API}/cases/1/revoke", {"revoked_on": "2026-01-05", "reason": "overturned"}
    )
    assert response.status_code == 403
    assert signed_in["clerk"].get(f"{API}/cases/1").get_json()["revoked_on"] is None


def test_finding_4_deadlines_in_a_year_without_an_official_arrangement_are_provisional(
    signed_in: dict[str, SignedIn], session: Session
) -> None:
    listing = builders.listing(session, state="published")
    shown = signed_in["reviewer"].get(f"{API}/listings/{listing.id}").get_json()
    assert shown["deadlines"][0]["name"] == "listing period ends"
    assert shown["deadlines"][0]["provisional"] is True  # 2029: no State Council notice yet
    page = signed_in["reviewer"].get(f"/admin/listings/{listing.id}")
    assert "provisional: no official holiday arrangement for 2029" in page.get_data(as_text=True)
