"""The listings a publication run expires or purges, found without reading every listing."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.listings import published as published_listings
from registry.listings.policy import Policy
from registry.listings.queries import list_listings, listing_view, review_queue
from registry.models import EntryRevision
from registry.subjects.queries import list_subjects
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


def test_the_review_queue_reads_only_flagged_listings_and_undecided_requests(
    session: Session, policy: Policy
) -> None:
    """A reviewer's queue reads the few flagged listings and open requests by their own
    indexes, never every listing or request (70 ms a page at 100k listings, before)."""
    builders.listing(session, state="published", policy=policy)
    session.commit()
    read = plans(session, lambda: review_queue(session, policy, dt.date(2030, 1, 1)))
    # A scan, if any, is of a partial index holding only the rows asked for.
    whole = [step for plan in read for step in plan.split(" / ") if step.startswith("SCAN")]
    assert all("USING INDEX ix_" in step or "COVERING INDEX ix_" in step for step in whole)
    assert any("ix_listings_review_flag" in plan for plan in read)
    assert any("ix_listing_requests_undecided" in plan for plan in read)


@pytest.fixture
def six_published(session: Session, policy: Policy) -> None:
    """Six published listings, each with its subject and case, none of them loaded."""
    for _ in range(6):
        builders.listing(session, state="published", policy=policy)
    session.commit()
    session.expunge_all()


@pytest.mark.usefixtures("six_published")
def test_a_page_of_listings_reads_their_subjects_cases_and_requests_together(
    session: Session, policy: Policy
) -> None:
    """Not three statements per listing: a console page of 50 listings ran 154."""
    found = plans(
        session,
        lambda: [
            listing_view(listing, policy, dt.date(2030, 1, 1))
            for listing in list_listings(session, None, None, 50, 0)
        ],
    )
    assert len(found) <= 6


@pytest.mark.usefixtures("six_published")
def test_a_page_of_subjects_reads_their_identifiers_and_cases_together(session: Session) -> None:
    """Not two statements per subject: the admin API's page of 100 subjects ran 204."""

    def page() -> list[tuple[int, list[str], list[int]]]:
        return [
            (subject.id, [i.value for i in subject.identifiers], [c.id for c in subject.cases])
            for subject in list_subjects(session, None, 50, 0)
        ]

    assert len(plans(session, page)) <= 3
    assert len(page()) == 6 and all(cases for _id, _values, cases in page())
