"""A compact demo (the demo's own builder, a handful of listings) and a publication helper."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from publisher.run import RunReport, publish_once
from publisher.settings import PublishSettings
from registry.accounts import users as accounts
from registry.demo.loader import DEMO_PASSWORD, DEMO_USERS, GROUND_CYCLE, DemoBuilder
from registry.listings.policy import Policy
from runtime.signing_keys import key_store

TODAY = dt.date(2026, 11, 25)


class SmallDemo:
    """Demo accounts and listings made by the demo's builder, a few at a time."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session
        self.policy = Policy.from_settings(app.config["REGISTRY"])
        for username, role in DEMO_USERS:
            accounts.create_user(
                session, username, role, DEMO_PASSWORD, actor="demo", allow_demo_password=True
            )
        self.builder = DemoBuilder(session, self.policy, key_store(app), TODAY)
        self.next_subject = 0

    def listings(self, target: str, count: int) -> list[int]:
        """Walk `count` new subjects' listings to `target` ("approved", "published", ...)."""
        ids = []
        for _ in range(count):
            subject = self.builder.subject(self.next_subject)
            ground = GROUND_CYCLE[self.next_subject % 3]
            ids.append(self.builder.listing(subject, ground, target).id)
            self.next_subject += 1
        return ids

    def publish(self, now: dt.datetime | None = None, feed_dir: Path | None = None) -> RunReport:
        """One publication run into `feed_dir` (default: the app's FEED_DIR) at `now`."""
        settings = PublishSettings.from_config(self.app.config)
        if feed_dir is not None:
            settings = dataclasses.replace(settings, feed_dir=feed_dir)
        return publish_once(self.session, key_store(self.app), self.policy, settings, now=now)


@pytest.fixture
def demo(app: Flask, session: Session) -> Iterator[SmallDemo]:
    """Three published and two approved listings on the SQLite app."""
    small = SmallDemo(app, session)
    small.listings("published", 3)
    small.listings("approved", 2)
    yield small
