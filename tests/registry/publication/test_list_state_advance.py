"""A list state moved from another is the state a whole replay gives, entry for entry.

Readers keep the list state of each log size and day (`ListStateCache`); a new one is moved
from the nearest kept one (`as_of.moved`) rather than replayed whole: to a larger or smaller
log, to a later day or to an earlier `as_of` day. These tests build a log of listings,
corrections, removals and identifiers over many days, then compare every moved state with
the whole replay of the same size and day: the same entries in the same order, the same
identifiers and identifier index, and the untouched entries' states shared rather than read
again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry import layered
from registry.publication.as_of import ListState, list_state, moved
from registry.publication.events import log_size
from registry.publication.public_view import ListStateCache, purge_marker
from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher
from tests.builders import id_number


def _same(advanced_state: ListState, whole: ListState) -> None:
    assert advanced_state.tree_size == whole.tree_size and advanced_state.day == whole.day
    assert list(advanced_state.entries.items()) == list(whole.entries.items())
    assert advanced_state.identifiers == whole.identifiers
    assert advanced_state.by_identifier == whole.by_identifier


def _random_log(publisher: Publisher, rng: random.Random, operations: int) -> list[int]:
    """Listings, corrections and removals in random order; the log size after each."""
    listed: list[str] = []
    removed: set[str] = set()
    sizes = [log_size(publisher.session)]
    for number in range(operations):
        choice = rng.random()
        live = [entry_id for entry_id in listed if entry_id not in removed]
        if choice < 0.5 or not live:
            entry_id = f"IPL-2026-{number + 1:06d}"
            if rng.random() < 0.4:
                publisher.publish(entry_id, f"张{number}", full_ric=id_number(number))
            else:
                publisher.publish(entry_id, f"福州第{number}电子有限公司")
            listed.append(entry_id)
        elif choice < 0.8:
            publisher.amend(rng.choice(live), name=f"福州更正{number}电子有限公司")
        else:
            entry_id = rng.choice(live)
            publisher.remove(entry_id, rng.choice(["credit_restored", "error"]))
            removed.add(entry_id)
        sizes.append(log_size(publisher.session))
    return sizes


def test_a_moved_state_is_the_whole_replay_of_its_size_and_day(
    app: Flask, session: Session
) -> None:
    publisher = Publisher(session)
    sizes = _random_log(publisher, random.Random(7), 40)
    first_day = publisher.clock.date() - dt.timedelta(days=40)
    days = [first_day + dt.timedelta(days=n) for n in (0, 9, 20, 33, 41)]
    # Every step of one leaf or one operation, both ways, and every pair among a few sizes.
    pairs = set(itertools.pairwise(sizes)) | set(itertools.pairwise(sizes[::-1]))
    pairs |= set(itertools.product(sizes[::5] + sizes[-1:], repeat=2))
    states = {(size, day): list_state(session, size, day) for size in sizes for day in days}
    for state in states.values():
        assert state.by_identifier is not None  # built, so that moves carry it over
    for base_day, day in itertools.product(days, repeat=2):
        for base, size in sorted(pairs):
            found = moved(session, states[(base, base_day)], size, day)
            assert "by_identifier" in found.__dict__
            _same(found, states[(size, day)])


@pytest.mark.parametrize("fold_past", [1, 4096])
def test_a_state_moved_from_moved_states_is_still_the_whole_replay(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch, fold_past: int
) -> None:
    """A worker moves each state from the last: a long chain of moves, each reading through
    the dicts of the state it came from (registry/layered.py), folded when the changes grow
    past their share (after every change, or never in this test)."""
    monkeypatch.setattr(layered, "FLATTEN_LEAST", fold_past)
    publisher = Publisher(session)
    sizes = _random_log(publisher, random.Random(11), 40)
    first_day = publisher.clock.date() - dt.timedelta(days=40)
    rng = random.Random(fold_past)
    state = list_state(session, sizes[0], first_day)
    assert state.by_identifier is not None
    for _ in range(60):
        size, day = rng.choice(sizes), first_day + dt.timedelta(days=rng.randrange(45))
        state = moved(session, state, size, day)
        _same(state, list_state(session, size, day))
    assert isinstance(state.entries, layered.Layered)


def test_a_moved_state_shares_what_did_not_change(app: Flask, session: Session) -> None:
    publisher = Publisher(session)
    for number in range(3):
        publisher.publish(f"IPL-2026-{number + 1:06d}", f"福州第{number}电子有限公司")
    day = publisher.clock.date() + dt.timedelta(days=5)
    base = list_state(session, log_size(session), day)
    publisher.amend("IPL-2026-000002", name="福州更正电子有限公司")
    publisher.publish("IPL-2026-000004", "张四", full_ric=id_number(4))
    grown = moved(session, base, log_size(session))
    _same(grown, list_state(session, log_size(session), day))
    assert grown.entries["IPL-2026-000001"] is base.entries["IPL-2026-000001"]
    assert grown.entries["IPL-2026-000003"] is base.entries["IPL-2026-000003"]
    assert grown.entries["IPL-2026-000002"].revision == 2
    assert list(grown.entries)[-1] == "IPL-2026-000004"
    assert grown.identifiers["IPL-2026-000004"] == [("cn_ric", "", id_number(4))]
    # Back to the smaller log: the new entry drops out, the correction is undone.
    shrunk = moved(session, grown, base.tree_size)
    _same(shrunk, base)
    assert shrunk.entries["IPL-2026-000003"] is base.entries["IPL-2026-000003"]


def test_an_earlier_day_drops_later_listings_and_shares_the_rest(
    app: Flask, session: Session
) -> None:
    publisher = Publisher(session)
    for number in range(4):
        publisher.publish(f"IPL-2026-{number + 1:06d}", f"福州第{number}电子有限公司")
    on_the_day = publisher.clock.date()
    publisher.publish("IPL-2026-000005", "张五", full_ric=id_number(5))
    publisher.remove("IPL-2026-000002")
    now = list_state(session, log_size(session), publisher.clock.date() + dt.timedelta(days=3))
    assert now.by_identifier
    then = moved(session, now, now.tree_size, on_the_day)
    _same(then, list_state(session, now.tree_size, on_the_day))
    assert list(then.entries) == [f"IPL-2026-{number:06d}" for number in range(1, 5)]
    assert then.entries["IPL-2026-000002"].removed_at is None
    assert then.entries["IPL-2026-000001"] is now.entries["IPL-2026-000001"]
    assert then.by_identifier == {}


def test_the_cache_moves_within_a_day_past_midnight_and_to_any_day_and_replays_after_a_purge(
    app: Flask, session: Session
) -> None:
    publisher = Publisher(session)
    for number in range(4):
        publisher.publish(f"IPL-2026-{number + 1:06d}", f"福州第{number}电子有限公司")
    day = publisher.clock.date() + dt.timedelta(days=30)
    cache = ListStateCache()
    first = cache.get(session, log_size(session), day)
    publisher.remove("IPL-2026-000003")
    second = cache.get(session, log_size(session), day)
    _same(second, list_state(session, log_size(session), day))
    assert second.entries["IPL-2026-000001"] is first.entries["IPL-2026-000001"]
    assert second.entries["IPL-2026-000003"].removed_at is not None

    publisher.purge("IPL-2026-000001")
    publisher.amend("IPL-2026-000002", name="福州更正电子有限公司")
    purged = cache.get(session, log_size(session), day, purge_marker(session))
    _same(purged, list_state(session, log_size(session), day))
    assert purged.entries["IPL-2026-000001"].purged
    # Replayed whole after the purge: nothing is taken over from the states before it.
    assert purged.entries["IPL-2026-000004"] is not second.entries["IPL-2026-000004"]

    marker = purge_marker(session)
    for later in (1, 3, 400):
        other_day = day + dt.timedelta(days=later)
        moved_on = cache.get(session, log_size(session), other_day, marker)
        _same(moved_on, list_state(session, log_size(session), other_day))
        # Nothing was recorded after `day`: the entries are those of the state before.
        assert moved_on.entries["IPL-2026-000004"] is purged.entries["IPL-2026-000004"]


def test_as_of_days_are_moved_from_the_state_kept_not_replayed_whole(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Publisher(session)
    for number in range(12):
        publisher.publish(f"IPL-2026-{number + 1:06d}", f"福州第{number}电子有限公司")
    today = publisher.clock.date()
    cache = ListStateCache()
    now = cache.get(session, log_size(session), today)
    replays: list[dt.date] = []

    def counted(session: Session, tree_size: int, day: dt.date) -> ListState:
        replays.append(day)
        return list_state(session, tree_size, day)

    monkeypatch.setattr("registry.publication.public_view.list_state", counted)
    # A client asking for the list as it stood on each of the last days: each is the kept
    # state less the few entries listed since, sharing the rest.
    for back in range(1, 5):
        day = today - dt.timedelta(days=back)
        state = cache.get(session, log_size(session), day)
        assert len(state.entries) == 12 - back
        assert state.entries["IPL-2026-000001"] is now.entries["IPL-2026-000001"]
        _same(state, list_state(session, log_size(session), day))
    assert replays == []
    # Before most of the list was recorded a whole replay reads less, and is what runs.
    early = today - dt.timedelta(days=10)
    assert len(cache.get(session, log_size(session), early).entries) == 2
    assert replays == [early]


def test_a_first_publication_is_replayed_whole_not_moved(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Publisher(session)
    publisher.publish("IPL-2026-000001", "福州第一电子有限公司")
    day = publisher.clock.date() + dt.timedelta(days=30)
    cache = ListStateCache()
    cache.get(session, log_size(session), day)
    for number in range(1, 4):
        publisher.publish(f"IPL-2026-{number + 1:06d}", f"福州第{number}电子有限公司")
    advances: list[int] = []

    def counted(
        session: Session, base: ListState, tree_size: int, day: dt.date, changed: list[str]
    ) -> ListState:
        advances.append(tree_size)
        return moved(session, base, tree_size, day, changed)

    monkeypatch.setattr("registry.publication.public_view.moved", counted)
    state = cache.get(session, log_size(session), day)
    # Three new leaves on a base of one: a whole replay, in log order.
    assert advances == [] and len(state.entries) == 4
    publisher.remove("IPL-2026-000002")
    cache.get(db.session(), log_size(session), day)
    assert advances == [log_size(session)]
