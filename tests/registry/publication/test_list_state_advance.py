"""A list state advanced from an earlier one is the state a whole replay gives, entry for entry.

Readers keep the list state of each log size (`ListStateCache`); a new one is advanced from
the last (`as_of.advanced`) rather than replayed whole. These tests build a log of listings,
corrections, removals and identifiers over many days, then compare every advanced state with
the whole replay of the same size and day: the same entries in the same order, the same
identifiers, and the untouched entries' states reused rather than read again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry.publication.as_of import ListState, advanced, list_state
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


def test_an_advanced_state_is_the_whole_replay_of_its_size_and_day(
    app: Flask, session: Session
) -> None:
    publisher = Publisher(session)
    sizes = _random_log(publisher, random.Random(7), 40)
    first_day = publisher.clock.date() - dt.timedelta(days=40)
    days = [first_day + dt.timedelta(days=n) for n in (0, 9, 20, 33, 41)]
    # Every step of one leaf or one operation, and every pair of sizes and days among a few.
    pairs = set(itertools.pairwise(sizes))
    pairs |= {(a, b) for a in sizes[::5] for b in sizes[::5] + sizes[-1:] if a <= b}
    states = {(size, day): list_state(session, size, day) for size in sizes for day in days}
    for day_index, day in enumerate(days):
        for base, size in sorted(pairs):
            for later in days[day_index:]:
                grown = advanced(session, states[(base, day)], size, later)
                _same(grown, states[(size, later)])


def test_an_advanced_state_reuses_what_did_not_change(app: Flask, session: Session) -> None:
    publisher = Publisher(session)
    for number in range(3):
        publisher.publish(f"IPL-2026-{number + 1:06d}", f"福州第{number}电子有限公司")
    day = publisher.clock.date() + dt.timedelta(days=5)
    base = list_state(session, log_size(session), day)
    publisher.amend("IPL-2026-000002", name="福州更正电子有限公司")
    publisher.publish("IPL-2026-000004", "张四", full_ric=id_number(4))
    grown = advanced(session, base, log_size(session))
    _same(grown, list_state(session, log_size(session), day))
    assert grown.entries["IPL-2026-000001"] is base.entries["IPL-2026-000001"]
    assert grown.entries["IPL-2026-000003"] is base.entries["IPL-2026-000003"]
    assert grown.entries["IPL-2026-000002"].revision == 2
    assert list(grown.entries)[-1] == "IPL-2026-000004"
    assert grown.identifiers["IPL-2026-000004"] == [("cn_ric", "", id_number(4))]
    with pytest.raises(ValueError, match="cannot advance a state of"):
        advanced(session, grown, base.tree_size)
    with pytest.raises(ValueError, match="cannot advance a state of"):
        advanced(session, grown, grown.tree_size, day - dt.timedelta(days=1))


def test_the_cache_advances_within_a_day_and_past_midnight_and_replays_after_a_purge(
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
    midnight = cache.get(session, log_size(session), day + dt.timedelta(days=1), marker)
    _same(midnight, list_state(session, log_size(session), day + dt.timedelta(days=1)))
    # The day after is advanced from the day before: nothing was recorded in between.
    assert midnight.entries["IPL-2026-000004"] is purged.entries["IPL-2026-000004"]
    far = cache.get(session, log_size(session), day + dt.timedelta(days=3), marker)
    _same(far, list_state(session, log_size(session), day + dt.timedelta(days=3)))
    assert far.entries["IPL-2026-000004"] is not purged.entries["IPL-2026-000004"]


def test_a_first_publication_is_replayed_whole_not_advanced(
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

    def counted(session: Session, base: ListState, tree_size: int, day: dt.date) -> ListState:
        advances.append(tree_size)
        return advanced(session, base, tree_size, day)

    monkeypatch.setattr("registry.publication.public_view.advanced", counted)
    state = cache.get(session, log_size(session), day)
    # Three new leaves on a base of one: a whole replay, in log order.
    assert advances == [] and len(state.entries) == 4
    publisher.remove("IPL-2026-000002")
    cache.get(db.session(), log_size(session), day)
    assert advances == [log_size(session)]
