"""Expiry across the calendar: a listing leaves the feed at the first run after its period end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.jobs import publish_interval
from publisher.run import RunReport, publish_once
from publisher.settings import PublishSettings
from registry.listings.policy import Policy
from registry.models import Listing, LogEvent
from runtime.signing_keys import key_store
from tests import builders
from tests.publisher.feed_checks import assert_feed_complete, snapshot_entry_ids

D = dt.date


def _at(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _approved(session: Session, number: int, approve_by: dt.date) -> int:
    """A listing approved on `approve_by`, for a subject of its own; returns its id."""
    subject = builders.deliberate_subject(session, number=number, decided_on=D(2027, 3, 1))
    proposed = approve_by - dt.timedelta(days=40)
    listing = builders.listing(
        session,
        subject_id=subject.id,
        proposed_on=proposed,
        served_on=proposed,
        reviewed_on=approve_by,
        approved_on=approve_by,
    )
    assert listing.defence_deadline is not None and listing.defence_deadline < approve_by
    return listing.id


class Runs:
    """Publication runs at chosen instants on one app."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app, self.session = app, session
        self.feed = Path(app.config["FEED_DIR"])

    def at(self, moment: dt.datetime) -> tuple[RunReport, list[str]]:
        """Publish as of `moment`; the report and the entry ids in the new snapshot."""
        report = publish_once(
            self.session,
            key_store(self.app),
            Policy.from_settings(self.app.config["REGISTRY"]),
            PublishSettings.from_config(self.app.config),
            now=moment,
        )
        signed = assert_feed_complete(self.feed, key_store(self.app).public_keys())
        assert signed["version"] == report.version
        return report, snapshot_entry_ids(self.feed, signed)


def test_leap_day_listing_expires_at_the_first_run_after_its_period_end(
    app: Flask, session: Session
) -> None:
    leap = _approved(session, 0, D(2028, 2, 28))
    runs = Runs(app, session)
    report, _ids = runs.at(_at(D(2028, 2, 29), 9))
    leap_listing = session.get(Listing, leap)
    assert leap_listing is not None and leap_listing.listed_on == D(2028, 2, 29)
    # Three years from 29 February end on 28 February of a common year (Civil Code art. 202).
    assert leap_listing.period_end == D(2031, 2, 28)
    leap_id = leap_listing.entry_id
    assert report.published == [leap_id]

    ordinary = _approved(session, 1, D(2028, 3, 1))
    runs.at(_at(D(2028, 3, 1), 9))
    ordinary_listing = session.get(Listing, ordinary)
    assert ordinary_listing is not None and ordinary_listing.period_end == D(2031, 3, 1)
    ordinary_id = ordinary_listing.entry_id

    # The period end is the last day listed: a run on 28 February in Beijing (07:00 there,
    # 23:00 UTC the day before, and again at 23:00 Beijing) still publishes it.
    for moment in (_at(D(2031, 2, 27), 23), _at(D(2031, 2, 28), 15)):
        report, ids = runs.at(moment)
        assert report.expired == [] and ids == [leap_id, ordinary_id]
    # The first run after midnight in Beijing (16:00 UTC), within one interval, removes it.
    interval = publish_interval(app)
    report, ids = runs.at(_at(D(2031, 2, 28), 16) + interval / 2)
    assert report.expired == [leap_id]
    assert ids == [ordinary_id]
    session.refresh(leap_listing)
    assert (leap_listing.state, leap_listing.ended_on) == ("expired", D(2031, 2, 28))
    removal = session.scalar(
        select(LogEvent).where(LogEvent.entry_id == leap_id, LogEvent.event == "removed")
    )
    assert removal is not None and removal.reason == "expired"
    # ...and no later run brings it back; the ordinary listing goes on 1 March.
    for moment in (_at(D(2031, 2, 28), 18), _at(D(2031, 3, 1), 1), _at(D(2032, 2, 29), 0)):
        report, ids = runs.at(moment)
        assert leap_id not in ids
    assert ids == []
    assert session.scalars(select(Listing.state)).all() == ["expired", "expired"]


def test_expiry_is_in_the_delta_between_the_versions(app: Flask, session: Session) -> None:
    _approved(session, 0, D(2027, 6, 1))
    runs = Runs(app, session)
    first, _ids = runs.at(_at(D(2027, 6, 2), 9))
    second, ids = runs.at(_at(D(2030, 6, 3), 9))
    assert ids == [] and second.expired == first.published
    feed = Path(app.config["FEED_DIR"])
    delta = feed / "delta" / f"{first.version}-{second.version}.jsonl"
    events = [json.loads(line) for line in delta.read_bytes().splitlines()]
    assert [(e["type"], e.get("event"), e.get("reason")) for e in events] == [
        ("ipl.event/v1", "removed", "expired"),
        ("ipl.audit_anchor/v1", None, None),  # the expiry moved the audit trail
    ]
    assert events[0]["bundle"]["entry"]["period_end"] == "2030-06-02"
