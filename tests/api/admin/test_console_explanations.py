"""The rule engine's explanations in the console reader's language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests import builders
from tests.api.conftest import SignedIn

# The deliberate_subject fixture's one case, in the engine's words.
HOLDS_EN = "Decision FZ-2025-001 found deliberate infringement, effective 2025-04-01."
HOLDS_ZH = "人民法院判决FZ-2025-001认定故意侵权，于2025年4月1日生效。"
ONE_FINDING_EN = "only one effective infringement finding counts (decision FZ-2025-001)."
ONE_FINDING_ZH = "仅有一项可计入的已生效侵犯专利权认定（法院判决FZ-2025-001）。"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _page(client: SignedIn, path: str, language: str) -> str:
    client.client.set_cookie("lang", language)
    response = client.get(path)
    assert response.status_code == 200, path
    return _text(response)


def _not_final_case(session: Session, subject_id: int) -> None:
    builders.case(
        session,
        subject_id,
        authority="Fuzhou IP Office",
        document_number="FZ-2025-002",
        decided_on=dt.date(2025, 5, 1),
        effective_on=None,
        kind="court_judgment",
    )


def test_a_chinese_subject_page_explains_every_ground_in_chinese(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    _not_final_case(session, deliberate_subject)
    page = _page(signed_in["clerk"], f"/admin/subjects/{deliberate_subject}", "zh")
    assert f"不成立 — {ONE_FINDING_ZH}" in page
    assert f"成立 — {HOLDS_ZH}" in page
    # The proposal form cites the holding ground in Chinese too.
    assert f'value="deliberate_infringement" checked> 故意侵权: {HOLDS_ZH}' in page
    assert "不予考虑： 案件" in page and "（尚未生效）" not in page and "(尚未生效)" in page
    for english in ("only one effective", "found deliberate", "no effective", "not yet effective"):
        assert english not in page


def test_an_english_subject_page_keeps_the_english_explanations(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    _not_final_case(session, deliberate_subject)
    page = _page(signed_in["clerk"], f"/admin/subjects/{deliberate_subject}", "en")
    assert f"does not hold — {ONE_FINDING_EN}" in page
    assert f"holds — {HOLDS_EN}" in page
    assert f"Deliberate infringement: {HOLDS_EN}" in page
    assert "(not yet effective)" in page
    assert "仅有一项" not in page and "认定故意侵权" not in page


def test_the_listing_page_shows_the_grounds_in_the_reader_language(
    signed_in, deliberate_subject: int
) -> None:
    clerk = signed_in["clerk"]
    drafted = clerk.form(
        f"/admin/subjects/{deliberate_subject}/proposals", {"grounds": "deliberate_infringement"}
    )
    assert drafted.status_code == 303
    assert f"故意侵权</strong>: {HOLDS_ZH}</li>" in _page(clerk, drafted.location, "zh")
    assert f"Deliberate infringement</strong>: {HOLDS_EN}</li>" in _page(
        clerk, drafted.location, "en"
    )


def test_a_stored_ground_without_chinese_falls_back_to_the_english(
    signed_in, session: Session
) -> None:
    listing = builders.listing(session, state="draft")
    listing.grounds = [{**g, "explanation_zh": ""} for g in listing.grounds]
    session.flush()
    english = listing.grounds[0]["explanation"]
    page = _page(signed_in["clerk"], f"/admin/listings/{listing.id}", "zh")
    assert f"</strong>: {english}</li>" in page


def test_the_subject_kind_line_ends_without_a_stray_full_stop(
    signed_in, session: Session, deliberate_subject: int
) -> None:
    clerk = signed_in["clerk"]
    page = _page(clerk, f"/admin/subjects/{deliberate_subject}", "zh")
    assert "<p>企业（法人）\n" in page and "企业（法人）." not in page
    with_region = builders.foreign_company(
        session, name="Beta Ltd", number="7654321", region="350100"
    )
    path = f"/admin/subjects/{with_region.id}"
    assert "<p>企业（法人），地区 350100\n" in _page(clerk, path, "zh")
    assert "<p>Enterprise (legal person), region 350100\n" in _page(clerk, path, "en")


def test_a_proposal_on_a_ground_that_does_not_hold_is_refused_in_chinese(
    signed_in, deliberate_subject: int
) -> None:
    clerk = signed_in["clerk"]
    clerk.client.set_cookie("lang", "zh")
    refused = clerk.form(
        f"/admin/subjects/{deliberate_subject}/proposals", {"grounds": "repeat_infringement"}
    )
    assert refused.status_code == 303
    page = _text(clerk.get(refused.location))
    assert f"不成立：{ONE_FINDING_ZH}" in page
    assert "only one effective" not in page
