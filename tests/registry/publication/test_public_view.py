"""The public read model on the demo data: status now and on a day, removals, purges, signing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.clock import beijing_today
from registry.listings import published as published_listings
from registry.models import EntryRevision, Listing, LogEvent, SignedCheckpoint, utcnow
from registry.publication import checkpoints
from registry.publication.as_of import list_state
from registry.publication.events import log_size
from registry.publication.public_view import (
    ListStateCache,
    PendingRemoval,
    Removal,
    entry_with_history,
    pending_removals,
    public_entries,
    public_entry,
    recent_events,
    state_now,
)
from registry.signing.keystore import KeyStore
from runtime.signing_keys import key_store
from tests.api.screening_api.screening_fixtures import demo_app, demo_reviewers, published
from tests.query_plans import plans


@pytest.fixture
def app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """The demo registry (overrides the empty app of tests/conftest.py)."""
    yield from demo_app(tmp_path, demo_template)


def _today() -> dt.date:
    """The registry's calendar day (Beijing), which removals and answers are dated by."""
    return beijing_today()


def _origin(app: Flask) -> str:
    return str(app.config["REGISTRY"]["LOG_ORIGIN"])


def test_a_removal_is_pending_until_a_second_reviewer_confirms_it(session: Session) -> None:
    listing = published(session, "legal_person")[0]
    assert listing.entry_id is not None
    first, second = demo_reviewers(session)
    today = _today()
    before = public_entry(session, listing.entry_id, today)
    assert before is not None and before.status == "published" and before.listed
    assert before.pending_removal is None and before.removal is None

    published_listings.remove(
        session, first, key_store(), listing.id, "basis_revoked", today, "ruling set aside"
    )
    proposed = public_entry(session, listing.entry_id, today)
    assert proposed is not None and proposed.status == "published"
    assert proposed.pending_removal == PendingRemoval(today, "basis_revoked")

    published_listings.remove(
        session, second, key_store(), listing.id, "basis_revoked", today, "confirmed"
    )
    removed = public_entry(session, listing.entry_id, today)
    assert removed is not None and removed.status == "removed" and not removed.listed
    assert removed.screening_status == "previously_listed"
    assert removed.removal == Removal(_today(), "basis_revoked")
    assert removed.pending_removal is None
    # The signed content of the last revision stays public as a record.
    assert removed.content is not None and removed.content["entry_id"] == listing.entry_id

    found = entry_with_history(session, listing.entry_id, today)
    assert found is not None
    assert [event.event for event in found[1]][-1] == "removed"


def test_an_answer_for_a_past_day_ignores_later_events(session: Session) -> None:
    listing = published(session, "legal_person")[0]
    assert listing.entry_id is not None
    first, second = demo_reviewers(session)
    for reviewer in (first, second):
        published_listings.remove(
            session, reviewer, key_store(), listing.id, "error", _today(), "in error"
        )
    yesterday = _today() - dt.timedelta(days=1)
    then = list_state(session, log_size(session), yesterday)
    [entry] = [e for e in public_entries(then) if e.entry_id == listing.entry_id]
    assert entry.status == "published" and entry.day == yesterday
    now = state_now(session, ListStateCache(), _today())
    [entry] = [e for e in public_entries(now) if e.entry_id == listing.entry_id]
    assert entry.status == "removed" and entry.removal == Removal(_today(), "error")


def test_a_period_that_ended_is_expired_before_the_log_records_it(session: Session) -> None:
    listing = published(session, "legal_person")[0]
    assert listing.entry_id is not None and listing.period_end is not None
    # `period_end` is the last day listed; the entry is expired from the next day on.
    the_day_after = public_entry(
        session, listing.entry_id, listing.period_end + dt.timedelta(days=1)
    )
    assert the_day_after is not None
    assert the_day_after.status == "expired"
    assert the_day_after.removal == Removal(listing.period_end, "expired")
    on_the_day = public_entry(session, listing.entry_id, listing.period_end)
    assert on_the_day is not None and on_the_day.status == "published"


def test_a_logged_expiry_ends_on_the_period_end(session: Session) -> None:
    expired = session.scalars(select(Listing).where(Listing.state == "expired")).first()
    assert expired is not None and expired.entry_id is not None
    entry = public_entry(session, expired.entry_id, _today())
    assert entry is not None and entry.status == "expired"
    assert expired.period_end is not None
    assert entry.removal == Removal(expired.period_end, "expired")


def test_purged_entries_keep_their_status_but_have_no_content(session: Session) -> None:
    removed = session.scalars(
        select(Listing).where(Listing.state == "removed").order_by(Listing.id)
    ).first()
    assert removed is not None and removed.entry_id is not None
    for revision in session.scalars(
        select(EntryRevision).where(EntryRevision.entry_id == removed.entry_id)
    ):
        revision.bundle = None
        revision.purged_at = utcnow()
    session.commit()
    entry = public_entry(session, removed.entry_id, _today())
    assert entry is not None and entry.purged and entry.content is None
    assert entry.status == "removed" and entry.content_sha256
    state = state_now(session, ListStateCache(), _today())
    assert removed.entry_id in state.entries
    assert removed.entry_id not in state.identifiers


def test_recent_events_pair_each_event_with_the_entry_now(session: Session) -> None:
    state = state_now(session, ListStateCache(), _today())
    removals = recent_events(session, state, "removed", 3)
    assert removals and all(event.event == "removed" for event, _ in removals)
    assert [event.seq for event, _ in removals] == sorted(
        (event.seq for event, _ in removals), reverse=True
    )
    assert all(not entry.listed for _, entry in removals)


def test_the_cache_replays_once_per_log_size_day_and_purge(session: Session) -> None:
    cache = ListStateCache()
    today = _today()
    first = state_now(session, cache, today)
    assert state_now(session, cache, today) is first
    listing = published(session)[0]
    reviewers = demo_reviewers(session)
    for reviewer in reviewers:
        published_listings.remove(session, reviewer, key_store(), listing.id, "error", today, "x")
    grown = state_now(session, cache, today)
    assert grown is not first and grown.tree_size == first.tree_size + 1


def test_a_checkpoint_is_signed_when_the_log_has_grown_past_the_last(
    app: Flask, session: Session
) -> None:
    signed = checkpoints.checkpoint_covering_log(session, key_store(), _origin(app))
    assert signed.tree_size == log_size(session)
    again = checkpoints.checkpoint_covering_log(session, key_store(), _origin(app))
    assert again.tree_size == signed.tree_size
    count = session.scalar(select(func.count()).select_from(SignedCheckpoint)) or 0

    listing = published(session)[0]
    for reviewer in demo_reviewers(session):
        published_listings.remove(
            session, reviewer, key_store(), listing.id, "error", _today(), "in error"
        )
    grown = checkpoints.checkpoint_covering_log(session, key_store(), _origin(app))
    # The removal, then the anchor of the audit trail it moved, signed together.
    assert grown.tree_size == signed.tree_size + 2
    assert session.scalar(select(func.count()).select_from(SignedCheckpoint)) == count + 1
    assert session.scalar(select(func.max(LogEvent.seq))) == grown.tree_size - 1


def test_a_checkpoint_signed_by_another_process_first_is_the_answer(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign = checkpoints.sign_new_checkpoint

    def lose_the_race(session: Session, keys: KeyStore, origin: str) -> SignedCheckpoint:
        sign(session, keys, origin)  # the other process commits this size first
        raise IntegrityError("INSERT INTO signed_checkpoints", {}, Exception("duplicate key"))

    monkeypatch.setattr(checkpoints, "sign_new_checkpoint", lose_the_race)
    signed = checkpoints.checkpoint_covering_log(session, key_store(), _origin(app))
    assert signed.tree_size == log_size(session)


def test_a_replay_without_identifiers_reads_the_same_entries(session: Session) -> None:
    size, today = log_size(session), _today()
    full = list_state(session, size, today)
    light = list_state(session, size, today, identifiers=False)
    assert full.identifiers and not light.identifiers
    assert light.entries == full.entries
    assert any(entry.removed_at is not None for entry in full.entries.values())
    # Bundles decoded from their JSON text equal what the JSON column type gives.
    stored = {(r.entry_id, r.revision): r.bundle for r in session.scalars(select(EntryRevision))}
    for entry in full.entries.values():
        assert entry.bundle == stored[(entry.entry_id, entry.revision)]
    some = sorted(full.entries)[:3]
    chosen = list_state(session, size, today, some, identifiers=False)
    assert chosen.entries == {entry_id: full.entries[entry_id] for entry_id in some}


def test_the_removals_awaiting_confirmation_are_read_from_their_own_index(
    session: Session,
) -> None:
    """Every site page and lookup reads them: from the few pending requests, never by going
    through every published listing (8 ms a page at 100k listings, before)."""
    read = plans(session, lambda: pending_removals(session, None))
    assert len(read) == 1
    assert "USING INDEX ix_listing_requests_pending_removal" in read[0]
    # Listings are then read by id, not every one in the published state.
    assert "(state=?)" not in read[0] and "rowid=?" in read[0]


def test_an_entry_replayed_on_its_own_reads_its_identifiers_by_subject(session: Session) -> None:
    """An entry page, a moved list state: not a pass over every stored identifier (4.3 ms a
    replay at 100k identifiers, before)."""
    entry_id = published(session)[0].entry_id
    assert entry_id is not None
    read = plans(session, lambda: list_state(session, log_size(session), _today(), [entry_id]))
    steps = [step for plan in read for step in plan.split(" / ")]
    assert "SEARCH subject_identifiers USING INDEX ix_subject_identifiers_subject_id" in " ".join(
        steps
    )
    assert not [step for step in steps if step.startswith("SCAN subject_identifiers")]


@pytest.mark.parametrize("event", ["listed", "removed"])
def test_the_latest_events_of_a_kind_are_read_from_their_own_index(
    session: Session, event: str
) -> None:
    """The home page's latest listings and removals, once per list state: read back through
    the events of that kind, not along the whole log until enough are met (most of the log
    for removals on a long list with few of them)."""
    state = list_state(session, log_size(session), _today())
    read = plans(session, lambda: recent_events(session, state, event, 5))
    assert len(read) == 1
    assert "USING INDEX ix_log_events_event_seq (event=? AND seq<?)" in read[0], read[0]
