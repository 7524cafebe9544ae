"""Accessibility: axe-core, run in Chromium on every public page and the main console pages.

axe-core comes from npm (`npm ci --prefix tests/e2e`: package.json and package-lock.json pin
it) and is injected into each page as loaded. Without it the tests skip, unless
REGISTRY_REQUIRE_BROWSER=1 (as in CI). The desktop runs also save a screenshot of each public
page in each language to docs/screenshots/desktop-<page>-<language>.png.

Public pages must have no violation of serious or critical impact, in Chinese and in English
(and in Chinese on a 360-px phone). The console pages are checked the same way; the
violations they still have are listed in CONSOLE_KNOWN, so a new one fails, and so does a listed
one that is gone (then drop it from the list).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import select

from registry.accounts.passwords import DEMO_PASSWORD
from registry.models import Listing, LogEvent
from runtime.extensions import db
from tests.e2e.conftest import REQUIRE_BROWSER, VIEWPORT, DemoSite, browser_locale

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BLOCKING = ("serious", "critical")
LANGUAGES = ("zh", "en")
PHONE: ViewportSize = {"width": 360, "height": 740}
# Console pages are being rebuilt; these (page, axe rule) violations are known and reported.
CONSOLE_KNOWN: set[tuple[str, str]] = set()


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations of the page as it is now."""
    if not AXE.exists():
        missing = f"{AXE} is missing: run `npm ci --prefix tests/e2e`"
        if REQUIRE_BROWSER:
            pytest.fail(missing)
        pytest.skip(missing)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def described(violations: list[dict[str, Any]]) -> list[str]:
    """One line per violation: rule, impact, help and the first offending elements."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in violations
    ]


@pytest.fixture
def tab(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab in the test's locale; the context bypasses CSP only so that axe-core itself
    can be injected."""
    context = browser.new_context(
        viewport=VIEWPORT, locale=browser_locale(request), bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def public_paths(site: DemoSite) -> dict[str, str]:
    """Every kind of public page, by name."""
    entry = site.listed("legal_person")[0]
    with site.app.app_context():
        seq = db.session.scalar(
            select(LogEvent.seq).where(LogEvent.entry_id == entry.entry_id).limit(1)
        )
        db.session.remove()
    assert entry.content is not None
    return {
        "home": "/",
        "search": "/search?q=" + entry.content["subject"]["name"][:4],
        "entry": f"/entries/{entry.entry_id}",
        "proof": f"/entries/{entry.entry_id}/proof/{seq}",
        "statistics": "/statistics",
        "verify": "/verify",
        "downloads": "/downloads",
        "api-docs": "/api/docs",
        "not-found": "/entries/IPL-1999-999999",
    }


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("zh", VIEWPORT), ("en", VIEWPORT), ("zh", PHONE)],
    ids=["zh-desktop", "en-desktop", "zh-phone"],
)
def test_public_pages_have_no_serious_accessibility_violation(
    demo_site: DemoSite, tab: Page, language: str, viewport: ViewportSize
) -> None:
    tab.set_viewport_size(viewport)
    found = {}
    for name, path in public_paths(demo_site).items():
        separator = "&" if "?" in path else "?"
        tab.goto(f"{demo_site.url}{path}{separator}lang={language}", wait_until="load")
        if name == "entry":
            # Check the page as the visitor reads it: with the signature check's result shown.
            tab.locator("#verify-status.verified").wait_for()
        if viewport == VIEWPORT:
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = DOCS_SCREENSHOTS / f"desktop-{name}-{language}.png"
            tab.screenshot(path=str(shot), full_page=True)
        violations = described(blocking_violations(tab))
        if violations:
            found[name] = violations
    assert found == {}


def sign_in(tab: Page, base_url: str) -> None:
    """Sign in to the console as the demo admin."""
    tab.goto(f"{base_url}/admin/login", wait_until="load")
    tab.fill("input[name=username]", "demo-admin")
    tab.fill("input[name=password]", DEMO_PASSWORD)
    with tab.expect_navigation():
        tab.click("button[type=submit], input[type=submit]")
    assert "/admin/login" not in tab.url, "the demo admin could not sign in"


@pytest.mark.parametrize("language", LANGUAGES)
def test_console_pages_have_only_the_known_accessibility_violations(
    demo_site: DemoSite, tab: Page, language: str
) -> None:
    with demo_site.app.app_context():
        listing_id = db.session.scalar(select(Listing.id).order_by(Listing.id).limit(1))
        db.session.remove()
    found: set[tuple[str, str]] = set()
    details: list[str] = []
    tab.goto(f"{demo_site.url}/admin/login?lang={language}", wait_until="load")
    for violation in blocking_violations(tab):
        found.add(("login", violation["id"]))
    details += described(blocking_violations(tab))
    sign_in(tab, demo_site.url)
    for name, path in {
        "dashboard": "/admin/",
        "listings": "/admin/listings",
        "listing": f"/admin/listings/{listing_id}",
    }.items():
        tab.goto(f"{demo_site.url}{path}?lang={language}", wait_until="load")
        violations = blocking_violations(tab)
        found |= {(name, v["id"]) for v in violations}
        details += [f"{name}: {line}" for line in described(violations)]
    print("\n".join(details))
    assert found == CONSOLE_KNOWN, details
