"""The console in a real browser: a clerk records a case and serves the notice, a reviewer
approves after the preview of the entry to be signed, an admin publishes, and the public entry
verifies at the top of its page; in Chinese and English, on a desktop and a 360-px phone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from registry import clock
from registry.accounts.passwords import DEMO_PASSWORD
from registry.models import Listing
from runtime.extensions import db
from tests.e2e.conftest import LOCALES, DemoSite, Visitor

pytestmark = pytest.mark.browser

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
WORDS = {
    "zh": {
        "draft": "草稿",
        "approved": "已批准，待公示",
        "holds": "成立",
        "published": "1",
        "not_held": "不成立 — 仅有一项可计入的已生效侵犯专利权认定",
        "deliberate": "认定故意侵权，于2025年4月1日生效。",
    },
    "en": {
        "draft": "Draft",
        "approved": "Approved, waiting for publication",
        "holds": "holds",
        "not_held": "does not hold — only one effective infringement finding counts",
        "deliberate": "found deliberate infringement, effective 2025-04-01.",
    },
}


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the console's form."""
    page.goto(f"{base}/admin/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert page.url.rstrip("/").endswith("/admin")


def sign_out(page: Page) -> None:
    """Sign out with the header's button."""
    with page.expect_navigation():
        page.click("form.signout button")


def submit(page: Page, form: str, button: str = "button[type=submit]") -> None:
    """Press the submit button of the form matched by `form`, waiting for the next page."""
    with page.expect_navigation():
        page.click(f"{form} {button}")


def shoot(page: Page, name: str, viewport: str, language: str) -> None:
    """A full-page screenshot into docs/screenshots/, and no sideways scrolling on a phone."""
    prefix = "phone-console" if viewport == "phone" else "console"
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"{prefix}-{name}-{language}.png"), full_page=True)
    if viewport == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 360px phone"


@pytest.mark.parametrize(
    ("language", "viewport"), [("zh", "desktop"), ("en", "desktop"), ("zh", "phone")]
)
def test_a_case_becomes_a_verified_public_entry_through_the_console(
    demo_site: DemoSite, visitor: Visitor, language: str, viewport: str
) -> None:
    page, base = visitor.page, demo_site.url
    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    page.goto(f"{base}/admin/login?lang={language}")  # the choice is kept in a cookie
    assert page.evaluate("navigator.language") == LOCALES[language]
    words = WORDS[language]
    name = f"福州精密机械有限公司（{language}-{viewport}）"

    # A clerk records the subject and its case, drafts the proposal and serves the notice.
    sign_in(page, base, "demo-clerk")
    shoot(page, "dashboard-clerk", viewport, language)
    page.goto(f"{base}/admin/subjects")
    page.fill("#s-name", name)
    submit(page, "form[method=post][action='/admin/subjects']")
    assert page.locator(".field-error, .flash-error").count() == 0, page.content()[-3000:]
    expect(page.locator("h1")).to_contain_text(name)  # kept exactly as typed
    page.select_option("#kind", "court_judgment")
    page.fill("#authority", "福州市中级人民法院")
    page.fill("#document_number", f"（2025）闽01民初{viewport}{language}号")
    page.fill("#decided_on", "2025-03-01")
    page.fill("#effective_on", "2025-04-01")
    page.check("input[name=deliberate]")
    submit(page, "form[action$='/cases#record-case']")
    grounds = page.locator(".grounds")
    expect(grounds).to_contain_text(words["holds"])
    # Every ground is explained in the page's language, holding or not.
    expect(grounds).to_contain_text(words["not_held"])
    expect(grounds).to_contain_text(words["deliberate"])
    shoot(page, "subject", viewport, language)
    submit(page, "form[action$='/proposals']")
    expect(page.locator("#listing-state")).to_have_text(words["draft"])
    listing_id = int(re.search(r"/admin/listings/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    submit(page, "form[action$='/notify']")
    expect(page.locator("main")).to_contain_text(words["deliberate"])
    shoot(page, "listing-notified", viewport, language)

    # The defence period passes without a defence; the clerk starts the review.
    with demo_site.app.app_context():
        listing = db.session.get(Listing, listing_id)
        assert listing is not None and listing.state == "notified"
        listing.defence_deadline = clock.beijing_today() - dt.timedelta(days=1)
        db.session.commit()
        db.session.remove()
    page.reload()
    submit(page, "form[action$='/start-review']")
    sign_out(page)

    # A reviewer sees the entry exactly as it will be signed, then confirms.
    sign_in(page, base, "demo-reviewer")
    expect(page.locator("main")).to_contain_text(name)  # waiting for them on the dashboard
    shoot(page, "dashboard-reviewer", viewport, language)
    page.goto(f"{base}/admin/listings/{listing_id}")
    page.fill("#a-reason", "事实清楚，证据充分")
    page.fill("#document_number", f"演示知信〔2026〕{listing_id}号")
    submit(page, "form[action$='/approval']")
    preview = page.locator("article.preview")
    expect(preview.locator("[data-signed='subject.name']")).to_have_text(name)
    expect(preview.locator("[data-signed='decision.document_number']")).to_have_text(
        f"演示知信〔2026〕{listing_id}号"
    )
    shoot(page, "approval-preview", viewport, language)
    page.check("input[name=confirm]")
    submit(page, "form[action$='/approval']", "button[formaction$='/approve']")
    expect(page.locator("#listing-state")).to_have_text(words["approved"])
    sign_out(page)

    # An admin publishes now and sees the run's steps appear while it goes, then its outcome.
    sign_in(page, base, "demo-admin")
    page.goto(f"{base}/admin/publish")
    submit(page, "form[action='/admin/publish']")
    expect(page.locator("ol.steps li").first).to_be_visible()
    expect(page.locator("#publish-run")).to_have_attribute("data-state", "done", timeout=60_000)
    expect(page.locator("#publish-outcome")).to_contain_text("1")
    assert page.locator("ol.steps li").count() >= 3
    shoot(page, "publish", viewport, language)
    page.goto(f"{base}/admin/keys")
    shoot(page, "keys", viewport, language)
    page.goto(f"{base}/admin/audit")
    shoot(page, "audit", viewport, language)
    sign_out(page)

    # The public entry verifies, and says so at the top of the page.
    with demo_site.app.app_context():
        entry_id = db.session.get(Listing, listing_id).entry_id  # type: ignore[union-attr]
        db.session.remove()
    assert entry_id is not None
    visitor.open(f"/entries/{entry_id}?lang={language}")
    status = page.locator("#verify-status")
    status.and_(page.locator(".verified")).wait_for()
    expect(status).to_have_text(
        demo_site.translated(
            language,
            "Signature verified: the text on this page is exactly what the registry signed.",
        )
    )
    assert status.bounding_box()["y"] < page.locator("#subject-heading").bounding_box()["y"]  # type: ignore[index]
    expect(page.locator("[data-signed='subject.name']")).to_have_text(name)
    visitor.assert_no_problems()
