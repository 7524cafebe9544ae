"""Publish now in a real browser: the page shows each step while the run goes, then the outcome.

The run is held after its first step (a stand-in for the publisher, offered to the live app),
so the test sees the page before and after the run moves on, without reloading it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from runtime import publish_now
from tests.e2e.conftest import DemoSite, Visitor
from tests.e2e.test_console_browser import sign_in, submit

pytestmark = pytest.mark.browser


class HeldRun:
    """Reports a step, waits for the test, reports two more and returns a report."""

    def __init__(self) -> None:
        self.go_on = threading.Event()

    def __call__(self, progress: publish_now.Progress) -> Any:
        progress("applying due transitions")
        assert self.go_on.wait(60), "the test never let the run go on"
        progress("signing the log checkpoint")
        progress("writing the feed files")
        return SimpleNamespace(version=77, tree_size=88, published=[1, 2], expired=[])


@pytest.fixture
def held(demo_site: DemoSite) -> Iterator[HeldRun]:
    """The live app publishes with a held run for this test, and with the publisher after."""
    app = demo_site.app
    real = app.extensions[publish_now.FOREGROUND]
    run = HeldRun()
    publish_now.offer(app, run)
    yield run
    run.go_on.set()
    app.extensions[publish_now.THREAD].join()
    publish_now.offer(app, real)


@pytest.mark.reads("en")
def test_the_publish_page_follows_the_run_step_by_step(
    demo_site: DemoSite, visitor: Visitor, held: HeldRun
) -> None:
    page, base = visitor.page, demo_site.url
    page.goto(f"{base}/admin/login?lang=en")
    sign_in(page, base, "demo-admin")
    page.goto(f"{base}/admin/publish")
    submit(page, "form[action='/admin/publish']")
    steps = page.locator("ol.steps li")
    expect(steps).to_have_text(["applying due transitions"])
    expect(page.locator("#publish-run")).to_have_attribute("data-state", "running")
    expect(page.locator("form[action='/admin/publish']")).to_have_count(0)
    expect(page.locator("#publication-status")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    held.go_on.set()
    expect(steps).to_have_text(
        ["applying due transitions", "signing the log checkpoint", "writing the feed files"]
    )
    expect(page.locator("#publish-run")).to_have_attribute("data-state", "done")
    expect(page.locator("#publish-outcome")).to_have_text(
        "Done: feed version 77, log size 88; 2 published, 0 expired."
    )
    assert page.evaluate("window.stillTheSamePage === true")  # no reload, no navigation
    expect(page.locator("#publish-start-hidden a")).to_have_attribute("href", "/admin/publish")
    expect(page.locator("#publication-status")).to_be_hidden()  # read before the run ended
    visitor.assert_no_problems()
