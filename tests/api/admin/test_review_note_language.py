"""The "needs review" note a correction leaves on a listing, in the console reader's language."""

from __future__ import annotations

import datetime as dt
import html

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import clock
from registry.listings.grounds import evaluate_cases
from registry.listings.policy import Policy
from registry.models import AuditRecord, Listing
from tests import builders
from tests.api.conftest import SignedIn

API = "/api/v1/admin"


def _page(client: SignedIn, path: str, language: str) -> str:
    response = client.get(f"{path}?lang={language}")
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def _note(page: str) -> str:
    # The needs-review paragraph at the head of the listing page.
    (line,) = [line for line in page.splitlines() if 'role="alert"' in line]
    return line


def _correct_away_the_ground(
    app: Flask, session: Session, reviewer: SignedIn
) -> tuple[Listing, Policy]:
    policy = Policy.from_settings(app.config["REGISTRY"])
    listing = builders.listing(
        session, state="published", ground="repeat_infringement", policy=policy
    )
    first, second = sorted(listing.cases, key=lambda c: c.decided_on)
    assert second.act_start is not None
    corrected = reviewer.post(
        f"{API}/cases/{first.id}/correct",
        {
            "effective_on": (second.act_start + dt.timedelta(days=1)).isoformat(),
            "reason": "the effective date was misread",
        },
    )
    assert corrected.status_code == 200, corrected.get_json()
    session.expire_all()
    return listing, policy


def test_a_broken_ground_shows_its_note_in_chinese_on_zh_and_english_on_en(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    reviewer = signed_in["reviewer"]
    listing, policy = _correct_away_the_ground(app, session, reviewer)
    result = evaluate_cases(session, listing.cases, clock.beijing_today(), policy).grounds[
        "repeat_infringement"
    ]
    assert not result.holds and result.reason_zh and result.explanation

    zh = _note(_page(reviewer, f"/admin/listings/{listing.id}", "zh"))
    assert "所引依据不再成立" in zh and result.reason_zh in zh and "重复专利侵权行为" in zh
    assert "the cited ground no longer holds" not in zh and result.explanation not in zh
    en = _note(_page(reviewer, f"/admin/listings/{listing.id}", "en"))
    assert "the cited ground no longer holds" in en and result.explanation in en
    assert "所引依据不再成立" not in en

    # The review queue lists the flagged listing with the same note.
    assert "所引依据不再成立" in _page(reviewer, "/admin/queue", "zh")
    assert "the cited ground no longer holds" in _page(reviewer, "/admin/queue", "en")

    # The flag's audit record keeps the English and carries the Chinese beside it.
    flag = session.scalars(
        select(AuditRecord).where(
            AuditRecord.action == "listing.flag", AuditRecord.object_id == str(listing.id)
        )
    ).one()
    assert flag.after["review_flag"] == listing.review_flag
    assert flag.after["review_flag_zh"] == listing.review_flag_zh
    assert listing.review_flag_zh and "所引依据不再成立" in listing.review_flag_zh


def test_a_listing_stored_with_only_the_english_note_shows_it_on_zh_pages(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    reviewer = signed_in["reviewer"]
    listing, _policy = _correct_away_the_ground(app, session, reviewer)
    listing.review_flag_zh = None
    session.commit()

    zh = _note(_page(reviewer, f"/admin/listings/{listing.id}", "zh"))
    assert "the cited ground no longer holds" in zh
    assert "所引依据不再成立" not in zh


def test_confirming_the_removal_clears_the_note_in_both_languages(
    app: Flask, session: Session, signed_in: dict[str, SignedIn]
) -> None:
    listing, _policy = _correct_away_the_ground(app, session, signed_in["reviewer"])
    assert listing.review_flag and listing.review_flag_zh
    confirmed = signed_in["reviewer2"].post(
        f"{API}/listings/{listing.id}/remove",
        {
            "reason_code": "error",
            "reason": "the ground does not hold",
            "on": clock.beijing_today().isoformat(),
        },
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    session.expire_all()
    assert listing.state == "removed"
    assert listing.review_flag is None and listing.review_flag_zh is None
