"""Browser tests: the public site on a real HTTP server, driven by headless Chromium.

One server per test session holds the demo dataset after one publication run. Chromium comes
from the system (`chromium` on PATH, or REGISTRY_CHROMIUM); without it the tests skip, unless
REGISTRY_REQUIRE_BROWSER=1 (as in CI), which turns a missing browser into an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import select

from api.public_view import public_now
from registry.canonical import sha256_hex
from registry.models import EntryRevision
from registry.publication.public_view import PublicEntry, public_entries
from runtime.extensions import db
from tests.live_demo import live_demo

REQUIRE_BROWSER = os.environ.get("REGISTRY_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# The browser's locale for each page language, so that its own widgets (date pickers) and
# Accept-Language match the language under test.
LOCALES = {"zh": "zh-CN", "en": "en-US"}
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Reports every Content-Security-Policy violation to the test through an exposed binding.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__reportCspViolation(event.violatedDirective + " blocked " + event.blockedURI);
});
"""


def chromium_path() -> str | None:
    """The Chromium executable: REGISTRY_CHROMIUM, else `chromium` on PATH."""
    return os.environ.get("REGISTRY_CHROMIUM") or shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests skip with a reason when Chromium is missing, unless a browser is required."""
    if chromium_path():
        return
    missing = "Chromium not found (install chromium or set REGISTRY_CHROMIUM)"
    for item in items:
        if "browser" in item.keywords:
            if REQUIRE_BROWSER:
                raise pytest.UsageError(f"REGISTRY_REQUIRE_BROWSER=1 but {missing}")
            item.add_marker(pytest.mark.skip(reason=f"{missing}: browser tests skipped"))


@dataclass(frozen=True)
class DemoSite:
    """The running site and the published demo entries the tests look up."""

    url: str
    app: Flask
    entries: tuple[PublicEntry, ...]

    def listed(self, kind: str) -> list[PublicEntry]:
        """Currently listed entries of one subject kind, with their content, by entry id."""
        return sorted(
            (
                e
                for e in self.entries
                if e.removal is None and e.content and e.content["subject"]["kind"] == kind
            ),
            key=lambda e: e.entry_id,
        )

    def translated(self, language: str, message: str) -> str:
        """`message` as the site's translations render it in `language`."""
        with self.app.test_request_context(), force_locale(language):
            return str(gettext(message))

    @contextmanager
    def tampered(self, entry_id: str, *, rehash: bool, **changes: Any) -> Iterator[None]:
        """The latest revision's entry content changed without signing it again, meanwhile.

        With `rehash`, the recorded content hash is made to match the altered content, so
        only the signature can give the change away. The revision is put back afterwards:
        the site is shared by the session's tests, and a publication by a later test would
        otherwise refuse the altered entry.
        """
        with self.app.app_context():
            revision = self._latest_revision(entry_id)
            kept = (revision.bundle, revision.content_sha256)
            assert revision.bundle is not None
            entry = {**revision.bundle["entry"], **changes}
            revision.bundle = {**revision.bundle, "entry": entry}  # new object: column written
            if rehash:
                revision.content_sha256 = sha256_hex(entry)
            db.session.commit()
            db.session.remove()
        try:
            yield
        finally:
            with self.app.app_context():
                revision = self._latest_revision(entry_id)
                revision.bundle, revision.content_sha256 = kept
                db.session.commit()
                db.session.remove()

    @staticmethod
    def _latest_revision(entry_id: str) -> EntryRevision:
        revision = db.session.scalars(
            select(EntryRevision)
            .where(EntryRevision.entry_id == entry_id)
            .order_by(EntryRevision.revision.desc())
        ).first()
        assert revision is not None
        return revision


def browser_locale(request: pytest.FixtureRequest) -> str:
    """The locale for the language under test: the test's `language` parameter, else its
    `reads` mark (`@pytest.mark.reads("en")`), else Chinese, the site's first language."""
    callspec = getattr(request.node, "callspec", None)
    language = callspec.params.get("language") if callspec is not None else None
    mark = request.node.get_closest_marker("reads")
    if language is None and mark is not None:
        language = mark.args[0]
    return LOCALES[language or "zh"]


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The app with the demo data and one publication, served on 127.0.0.1 in a thread."""
    directory = tmp_path_factory.mktemp("e2e")
    with live_demo(directory, SITE_SEARCH_RATE_LIMIT="100000/minute") as served:
        with served.app.app_context():
            entries = tuple(public_entries(public_now()))
            db.session.remove()
        yield DemoSite(served.url, served.app, entries)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium, shared by the session's tests."""
    executable = chromium_path()
    assert executable is not None  # collection skipped the tests otherwise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visitor:
    """One visitor's tab, with every console error, page error and CSP violation it met."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Response:
        """Load a page of the site and wait until its scripts have run."""
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        return response

    def screenshot(self, name: str) -> Path:
        """Save the whole page under tests/e2e/screenshots/."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_no_problems(self) -> None:
        """No console error, uncaught exception or CSP violation happened in this tab."""
        assert self.problems == []


@pytest.fixture
def visitor(
    browser: Browser, demo_site: DemoSite, request: pytest.FixtureRequest
) -> Iterator[Visitor]:
    """A fresh browser context (no cookies) in the test's locale, with one tab that records
    problems."""
    context = browser.new_context(viewport=VIEWPORT, locale=browser_locale(request))
    page = context.new_page()
    page.set_default_timeout(10_000)
    seen = Visitor(page, demo_site.url)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium asks for /favicon.ico on its own; the site has no icon, and says so.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            seen.problems.append(f"console error: {message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.problems.append(f"page error: {error} ({page.url})"))
    page.expose_function(
        "__reportCspViolation", lambda text: seen.problems.append(f"CSP violation: {text}")
    )
    page.add_init_script(CSP_LISTENER)
    yield seen
    context.close()
