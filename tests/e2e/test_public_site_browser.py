"""The public site in a real browser: search, entry pages, in-browser signature checks,
languages, keyboard use, and no console errors or CSP violations on the way."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, ViewportSize
from pypinyin import lazy_pinyin
from sqlalchemy import select

from registry.models import Listing
from registry.publication.public_view import PublicEntry
from runtime.extensions import db
from tests.e2e.conftest import DemoSite, Visitor

pytestmark = pytest.mark.browser

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DOCS_SCREENSHOT = DOCS_SCREENSHOTS / "entry.png"
PHONE: ViewportSize = {"width": 360, "height": 740}
VERIFIED = "Signature verified: the text on this page is exactly what the registry signed."
FAILED_MARK = "Signature check FAILED"


def identifier(entry: PublicEntry, scheme: str) -> str:
    """The value of the entry's identifier in `scheme`, as published."""
    assert entry.content is not None
    values = [i["value"] for i in entry.content["subject"]["identifiers"] if i["scheme"] == scheme]
    assert values, f"{entry.entry_id} has no {scheme} identifier"
    return str(values[0])


def chinese_company(site: DemoSite, position: int = 0) -> PublicEntry:
    """A listed company with a Chinese name and a credit code."""
    companies = [
        e for e in site.listed("legal_person") if "cn_uscc" in _schemes(e) and _is_chinese(e)
    ]
    return companies[position]


def _schemes(entry: PublicEntry) -> set[str]:
    assert entry.content is not None
    return {i["scheme"] for i in entry.content["subject"]["identifiers"]}


def _is_chinese(entry: PublicEntry) -> bool:
    assert entry.content is not None
    return re.search(r"[\u4e00-\u9fff]", entry.content["subject"]["name"]) is not None


def search_from_home(visitor: Visitor, text: str) -> None:
    """Type `text` into the home page's search box and submit it."""
    visitor.open("/")
    visitor.page.fill("#q", text)
    with visitor.page.expect_navigation():
        visitor.page.press("#q", "Enter")
    assert "/search?" in visitor.page.url


def result_ids(visitor: Visitor) -> list[str]:
    """The entry ids of the result cards, in order."""
    ids = visitor.page.locator(".results article.card").evaluate_all(
        "cards => cards.map(card => card.querySelector('.meta span').textContent.trim())"
    )
    return [str(i) for i in ids]


def open_result(visitor: Visitor, entry: PublicEntry) -> None:
    """Follow the result card's link to the entry page."""
    with visitor.page.expect_navigation():
        visitor.page.click(f"#card-{entry.entry_id} a")
    assert visitor.page.url.split("?")[0].endswith(f"/entries/{entry.entry_id}")


def verify_status(visitor: Visitor, outcome: str) -> Locator:
    """Wait until the in-browser check reports `outcome` ("verified" or "failed")."""
    status = visitor.page.locator("#verify-status")
    status.and_(visitor.page.locator(f".{outcome}")).wait_for()
    return status


def test_search_by_chinese_name_opens_an_entry_whose_signature_verifies(
    demo_site: DemoSite, visitor: Visitor
) -> None:
    entry = chinese_company(demo_site)
    assert entry.content is not None
    name = entry.content["subject"]["name"]

    search_from_home(visitor, name)
    assert visitor.page.get_attribute("html", "lang") == "zh-Hans"
    assert result_ids(visitor)[0] == entry.entry_id
    open_result(visitor, entry)

    assert visitor.page.inner_text("h1") == name
    status = verify_status(visitor, "verified")
    assert status.inner_text() == demo_site.translated("zh", VERIFIED)
    assert status.inner_text() != VERIFIED  # really the Chinese wording
    assert "failed" not in (status.get_attribute("class") or "")
    visitor.assert_no_problems()


def test_search_by_pinyin_finds_the_company(demo_site: DemoSite, visitor: Visitor) -> None:
    entry = chinese_company(demo_site, 1)
    assert entry.content is not None
    pinyin = " ".join(lazy_pinyin(entry.content["subject"]["name"]))

    search_from_home(visitor, pinyin)

    assert entry.entry_id in result_ids(visitor)
    open_result(visitor, entry)
    verify_status(visitor, "verified")
    visitor.assert_no_problems()


def test_search_by_credit_code_finds_exactly_that_company(
    demo_site: DemoSite, visitor: Visitor
) -> None:
    entry = chinese_company(demo_site, 2)
    code = identifier(entry, "cn_uscc")

    search_from_home(visitor, code)

    assert result_ids(visitor) == [entry.entry_id]
    assert code in visitor.page.inner_text(f"#card-{entry.entry_id} >> xpath=..")
    visitor.assert_no_problems()


def test_a_full_id_number_is_searched_masked_and_never_shown(
    demo_site: DemoSite, visitor: Visitor
) -> None:
    person = demo_site.listed("natural_person")[0]
    masked = identifier(person, "cn_ric")
    with demo_site.app.app_context():
        listing = db.session.scalars(
            select(Listing).where(Listing.entry_id == person.entry_id)
        ).one()
        full = next(i.value for i in listing.subject.identifiers if i.scheme == "cn_ric")
        db.session.remove()
    assert full != masked

    search_from_home(visitor, full)

    assert person.entry_id in result_ids(visitor)
    assert full not in visitor.page.url
    assert full not in visitor.page.content()
    assert visitor.page.input_value("#q") == masked
    visitor.assert_no_problems()


def test_the_language_switch_shows_the_entry_in_english(
    demo_site: DemoSite, visitor: Visitor
) -> None:
    entry = chinese_company(demo_site)
    visitor.open(f"/entries/{entry.entry_id}")
    verify_status(visitor, "verified")
    assert visitor.page.get_attribute("html", "lang") == "zh-Hans"

    with visitor.page.expect_navigation():
        visitor.page.click("nav.language a[hreflang='en']")

    assert visitor.page.get_attribute("html", "lang") == "en"
    assert visitor.page.inner_text("#signature-heading") == "Signature"
    assert verify_status(visitor, "verified").inner_text() == VERIFIED
    # The choice sticks: the next page, without ?lang=, is English too.
    with visitor.page.expect_navigation():
        visitor.page.click("a.site-name")
    assert visitor.page.get_attribute("html", "lang") == "en"
    assert visitor.page.is_visible("nav.language a[hreflang='zh-Hans']")
    visitor.assert_no_problems()


@pytest.mark.reads("en")
def test_keyboard_reaches_the_skip_link_and_the_search_input(
    demo_site: DemoSite, visitor: Visitor
) -> None:
    entry = chinese_company(demo_site)
    assert entry.content is not None
    page = visitor.page
    visitor.open("/?lang=en")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    shown = page.locator(".skip-link").bounding_box()
    assert shown is not None and shown["y"] >= 0  # moved into view on focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(entry.content["subject"]["name"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert result_ids(visitor)[0] == entry.entry_id
    visitor.assert_no_problems()


@pytest.mark.reads("en")
@pytest.mark.parametrize(
    ("position", "rehash", "message"),
    [(-1, False, "data-msg-hash-mismatch"), (-2, True, "data-msg-failed")],
    ids=["content-only", "content-and-hash"],
)
def test_a_tampered_entry_fails_the_in_browser_check(
    demo_site: DemoSite, visitor: Visitor, position: int, rehash: bool, message: str
) -> None:
    # Entries no other test opens, and put back afterwards (a later test publishes).
    entry = chinese_company(demo_site, position)
    assert entry.content is not None
    # The English page shows a v2 entry's English remedy, so that is the text tampered with.
    field = "remedy_en" if "remedy_en" in entry.content else "remedy"
    edited = {field: entry.content[field] + " (edited)"}
    with demo_site.tampered(entry.entry_id, rehash=rehash, **edited):
        visitor.open(f"/entries/{entry.entry_id}?lang=en")

        status = verify_status(visitor, "failed")
        assert status.inner_text() == status.get_attribute(message)
        assert status.inner_text().startswith(FAILED_MARK)
        assert "verified" not in (status.get_attribute("class") or "")
        assert "(edited)" in visitor.page.inner_text("#remedy-heading >> xpath=..")
    visitor.assert_no_problems()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_home_results_and_entry_pages_render(
    demo_site: DemoSite, visitor: Visitor, language: str
) -> None:
    person = demo_site.listed("natural_person")[0]
    assert person.content is not None
    page = visitor.page

    visitor.open(f"/?lang={language}")
    assert page.locator(".event-list li").count() > 0
    visitor.screenshot(f"home-{language}")

    visitor.open("/search?q=&status=all")
    assert len(result_ids(visitor)) > 1
    visitor.screenshot(f"results-{language}")

    visitor.open(f"/entries/{person.entry_id}")
    verify_status(visitor, "verified")
    assert identifier(person, "cn_ric") in page.inner_text("#subject-heading >> xpath=..")
    visitor.screenshot(f"entry-{language}")
    if language == "en" and os.environ.get("REGISTRY_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True)
    visitor.assert_no_problems()


def test_the_recorder_catches_csp_violations(visitor: Visitor) -> None:
    # Without this, "no problems" on the pages above could mean the listener never ran.
    visitor.open("/")
    visitor.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
        }"""
    )
    assert visitor.page.evaluate("window.inlineRan === undefined")

    def reported() -> bool:
        return any(p.startswith("CSP violation: script-src") for p in visitor.problems)

    for _ in range(100):  # the report reaches the test asynchronously
        if reported():
            break
        visitor.page.wait_for_timeout(20)
    assert reported(), visitor.problems


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_phone_reads_every_public_page_without_sideways_scrolling(
    demo_site: DemoSite, visitor: Visitor, language: str
) -> None:
    person = demo_site.listed("natural_person")[0]
    page = visitor.page
    page.set_viewport_size(PHONE)
    for name, path in [
        ("home", f"/?lang={language}"),
        ("search", "/search?q=&status=all"),
        ("entry", f"/entries/{person.entry_id}"),
        ("statistics", "/statistics"),
        ("downloads", "/downloads"),
        ("verify", "/verify"),
    ]:
        visitor.open(path)
        if name == "entry":
            status = verify_status(visitor, "verified")
            # The verification result is the first thing under the title, not at the bottom.
            assert status.bounding_box()["y"] < page.locator("#subject-heading").bounding_box()["y"]
            proof_link = page.locator("a[href*='/proof/']").first.get_attribute("href")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a 360px phone"
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"phone-{name}-{language}.png"), full_page=True)
    assert proof_link is not None
    visitor.open(proof_link)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"phone-proof-{language}.png"), full_page=True)
    visitor.assert_no_problems()


def test_an_entry_prints_without_navigation(
    demo_site: DemoSite, visitor: Visitor, tmp_path: Path
) -> None:
    entry = chinese_company(demo_site, 1)
    visitor.open(f"/entries/{entry.entry_id}")
    verify_status(visitor, "verified")
    visitor.page.emulate_media(media="print")
    assert not visitor.page.locator(".site-header").is_visible()
    assert not visitor.page.locator(".site-footer").is_visible()
    assert visitor.page.locator("#verify-status").is_visible()
    printed = tmp_path / "entry.pdf"
    visitor.page.pdf(path=str(printed), format="A4")
    assert printed.read_bytes().startswith(b"%PDF")
    visitor.page.screenshot(path=str(DOCS_SCREENSHOTS / "entry-print.png"), full_page=True)


@pytest.mark.reads("en")
def test_the_proof_of_an_entry_is_checked_in_the_browser(
    demo_site: DemoSite, visitor: Visitor
) -> None:
    entry = chinese_company(demo_site, 3)
    visitor.open(f"/entries/{entry.entry_id}?lang=en")
    verify_status(visitor, "verified")

    button = visitor.page.locator("button.check-proof").first
    button.click()
    status = visitor.page.locator(".proof-status.verified").first
    status.wait_for()

    text = status.inner_text()
    assert text.startswith("Proof verified: log position ")
    assert "signed by the log" in text
    visitor.assert_no_problems()
