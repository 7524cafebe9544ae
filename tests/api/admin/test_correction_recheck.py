"""Issue #17, corrections through the admin API: a corrected case that leaves a published
entry without its ground shows the entry as pending review in the console and the entries API."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from registry import clock
from registry.listings.policy import Policy
from tests import builders
from tests.api.conftest import SignedIn

API = "/api/v1/admin"


def test_a_correction_that_voids_the_ground_flags_the_entry_in_console_and_api(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    policy = Policy.from_settings(app.config["REGISTRY"])
    listing = builders.listing(
        session, state="published", ground="repeat_infringement", policy=policy
    )
    first, second = sorted(listing.cases, key=lambda c: c.decided_on)
    assert second.act_start is not None
    reviewer = signed_in["reviewer"]
    corrected = reviewer.post(
        f"{API}/cases/{first.id}/correct",
        {
            "effective_on": (second.act_start + dt.timedelta(days=1)).isoformat(),
            "reason": "the effective date was misread",
        },
    )
    assert corrected.status_code == 200, corrected.get_json()
    today = clock.beijing_today().isoformat()

    shown = reviewer.get(f"{API}/listings/{listing.id}").get_json()
    assert shown["state"] == "published"
    assert "repeat_infringement" in shown["review_flag"]
    (removal,) = [r for r in shown["requests"] if r["kind"] == "removal"]
    assert removal["decision"] is None and removal["lodged_on"] == today

    page = reviewer.get(f"/admin/listings/{listing.id}?lang=en").get_data(as_text=True)
    assert "Needs review:" in page and "the cited ground no longer holds" in page
    assert "Listed in error" in page

    # The trail names each step in words: the correction, the flag, the proposed removal.
    trail = reviewer.get("/admin/audit?lang=en").get_data(as_text=True)
    for words in ("Corrected a case", "Flagged a listing for review", "Proposed an early removal"):
        assert words in trail
    assert "更正了案件" in reviewer.get("/admin/audit?lang=zh").get_data(as_text=True)

    entry = app.test_client().get(f"/api/v1/entries/{listing.entry_id}").get_json()
    assert entry["removal_pending"]["note"] == f"removal pending — listed in error on {today}"

    # A second reviewer confirms the removal within its due date, as for a revoked basis.
    confirmed = signed_in["reviewer2"].post(
        f"{API}/listings/{listing.id}/remove",
        {"reason_code": "error", "reason": "the ground does not hold", "on": today},
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["state"] == "removed"
