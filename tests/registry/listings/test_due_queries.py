"""The listings a publication run expires or purges, found without reading every listing."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.listings import published as published_listings
from registry.listings.policy import Policy
from registry.models import EntryRevision
from tests import builders
from tests.query_plans import plans


@pytest.fixture
def policy(app: Flask) -> Policy:
    return Policy.from_settings(app.config["REGISTRY"])


def test_only_ended_listings_past_retention_still_holding_content_are_due_for_purge(
    session: Session, policy: Policy
) -> None:
    ended = [builders.listing(session, state="removed", policy=policy) for _ in range(3)]
    builders.listing(session, state="published", policy=policy)
    assert ended[0].ended_on is not None
    day = ended[0].ended_on + dt.timedelta(days=policy.retention_days)
    ended[2].ended_on = day - dt.timedelta(days=policy.retention_days - 1)  # ended later
    for revision in session.query(EntryRevision).filter_by(entry_id=ended[1].entry_id):
        revision.bundle = None  # purged by an earlier run
        revision.purged_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    session.commit()

    assert published_listings.due_for_purge(session, policy, day - dt.timedelta(days=1)) == []
    assert published_listings.due_for_purge(session, policy, day) == [ended[0].entry_id]


def test_the_due_queries_read_listings_by_state_and_date(session: Session, policy: Policy) -> None:
    builders.listing(session, state="published", policy=policy)
    session.commit()
    today = dt.date(2030, 1, 1)

    expiry = plans(session, lambda: published_listings.due_for_expiry(session, today))
    purge = plans(session, lambda: published_listings.due_for_purge(session, policy, today))

    assert expiry == [
        "SEARCH listings USING COVERING INDEX ix_listings_state_period_end "
        "(state=? AND period_end<?)"
    ]
    assert purge[0].startswith(
        "SEARCH listings USING INDEX ix_listings_state_ended_on (state=? AND ended_on<?)"
    )
