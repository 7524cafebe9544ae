"""The public list of the read API worked out once per list state and filter, moved with the state.

Before, every `GET /api/v1/entries` (keyless) made a public entry of every entry of the list
and filtered them all: about a second of CPU per request at 100k entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from flask import Flask

from api.public_view import public_now
from registry.publication import public_entries
from registry.publication.as_of import ListState, list_state, moved
from registry.publication.events import log_size
from registry.publication.public_entries import (
    SHOWN,
    EntryFilter,
    listed_in_order,
    matching_entries,
    page_of_entries,
)
from registry.publication.public_view import PublicEntry, shown_entries
from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher, standalone_site

DAY = dt.date(2026, 3, 20)
FILTERS = [
    EntryFilter(),
    EntryFilter(status="published"),
    EntryFilter(status="removed"),
    EntryFilter(sector="internet"),
    EntryFilter(authority="知识产权"),
    EntryFilter(listed_from=dt.date(2026, 3, 4), listed_to=dt.date(2026, 3, 8)),
]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Flask]:
    with standalone_site(tmp_path) as app:
        publisher = Publisher(db.session())
        for number in range(1, 13):
            publisher.publish(
                f"IPL-2026-{number:06d}",
                f"示例{number}号科技有限公司",
                sectors=["internet"] if number % 3 == 0 else ["manufacturing"],
            )
        publisher.remove("IPL-2026-000004", "credit_restored")
        publisher.remove("IPL-2026-000005", "error")
        app.extensions["test.publisher"] = publisher
        yield app


def _whole(state: ListState, entry_filter: EntryFilter) -> list[tuple[str, str]]:
    return [
        (entry.entry_id, entry.status)
        for entry in shown_entries(state)
        if entry_filter.accepts(entry)
    ]


def _seen(entries: Sequence[PublicEntry]) -> list[tuple[str, str]]:
    return [(entry.entry_id, entry.status) for entry in entries]


def test_each_filter_matches_as_a_pass_over_every_entry_and_is_kept(site: Flask) -> None:
    state = list_state(db.session(), log_size(db.session()), DAY)
    for entry_filter in FILTERS:
        found = matching_entries(state, entry_filter)
        assert _seen(found) == _whole(state, entry_filter)
        assert matching_entries(state, entry_filter) is found
    assert "IPL-2026-000005" not in [entry.entry_id for entry in listed_in_order(state)]
    page, total = page_of_entries(db.session(), state, EntryFilter(status="published"), 2, 4)
    assert total == 10 and [item["entry_id"] for item in page] == [
        "IPL-2026-000007",
        "IPL-2026-000008",
        "IPL-2026-000009",
        "IPL-2026-000010",
    ]


def test_the_kept_filters_are_bounded(site: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public_entries, "KEPT_FILTERS", 2)
    state = list_state(db.session(), log_size(db.session()), DAY)
    for entry_filter in FILTERS:
        assert _seen(matching_entries(state, entry_filter)) == _whole(state, entry_filter)
    assert len(state.derived[public_entries.MATCHING]) <= 2


@pytest.mark.parametrize("one_by_one", [1_000, 0], ids=["placed-one-by-one", "merged"])
def test_a_moved_state_takes_over_the_list_and_works_out_only_the_changed_entries(
    site: Flask, monkeypatch: pytest.MonkeyPatch, one_by_one: int
) -> None:
    monkeypatch.setattr(public_entries, "PLACED_ONE_BY_ONE", one_by_one)
    session = db.session()
    before = list_state(session, log_size(session), DAY)
    kept = {entry.entry_id: entry for entry in listed_in_order(before)}
    columns = public_entries.filter_columns(before)
    publisher = site.extensions["test.publisher"]
    publisher.amend("IPL-2026-000002", name="示例2号信息科技有限公司")
    publisher.remove("IPL-2026-000003", "credit_restored")
    publisher.remove("IPL-2026-000006", "error")
    publisher.publish("IPL-2026-000013", "示例13号科技有限公司")
    after = moved(session, before, log_size(session), DAY)
    assert after.origin is not None
    listed = listed_in_order(after)
    # The columns were moved with the list (`_whole` compares them with every entry read).
    assert public_entries.filter_columns(after) is not columns
    for entry_filter in FILTERS:
        assert _seen(matching_entries(after, entry_filter)) == _whole(after, entry_filter)
    changed = {"IPL-2026-000002", "IPL-2026-000003", "IPL-2026-000006", "IPL-2026-000013"}
    for entry in listed:
        # Unchanged entries are the very objects of the earlier list; changed ones are new.
        assert (entry is kept.get(entry.entry_id)) == (entry.entry_id not in changed)
    assert listed[1].content is not None
    assert listed[1].content["subject"]["name"] == "示例2号信息科技有限公司"
    # Going back to the earlier size moves the list back as well.
    back = moved(session, after, before.tree_size, DAY)
    assert _seen(listed_in_order(back)) == _seen(listed_in_order(before))


def test_another_day_works_the_list_out_again(site: Flask) -> None:
    session = db.session()
    before = list_state(session, log_size(session), DAY)
    earlier = listed_in_order(before)
    later = moved(session, before, log_size(session), DAY + dt.timedelta(days=1))
    assert _seen(listed_in_order(later)) == _whole(later, EntryFilter())
    # Statuses are those of the later day: no entry is taken over from the earlier one.
    assert not {id(entry) for entry in earlier} & {id(entry) for entry in listed_in_order(later)}


def test_the_api_works_the_list_out_once_per_state(site: Flask) -> None:
    client = site.test_client()
    first = client.get("/api/v1/entries?page_size=5")
    assert first.status_code == 200
    with site.test_request_context():
        shown = public_now().derived[SHOWN]
    again = client.get("/api/v1/entries?page=2&page_size=5")
    assert again.status_code == 200
    assert [item["entry_id"] for item in first.get_json() + again.get_json()] == [
        entry.entry_id for entry in shown
    ][:10]
    with site.test_request_context():
        assert public_now().derived[SHOWN] is shown


def test_a_new_filter_reads_no_entry_once_the_columns_are_read(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each new filter of the keyless list tested every entry in Python: about a second of
    # CPU at a million entries, and an address may send 300 requests a minute, each with an
    # authority or dates of its own.
    session = db.session()
    before = list_state(session, log_size(session), DAY)
    matching_entries(before, EntryFilter(status="published"))  # reads the columns once
    read: list[str] = []
    accepts = EntryFilter.accepts
    content = PublicEntry.content

    def counted_accepts(entry_filter: EntryFilter, entry: PublicEntry) -> bool:
        read.append(entry.entry_id)
        return accepts(entry_filter, entry)

    def counted_content(entry: PublicEntry) -> object:
        read.append(entry.entry_id)
        return content.fget(entry)  # type: ignore[attr-defined]

    monkeypatch.setattr(EntryFilter, "accepts", counted_accepts)
    monkeypatch.setattr(PublicEntry, "content", property(counted_content))
    for number in range(1, 4):
        chosen = EntryFilter(authority=f"知识产权{number}", listed_from=DAY)
        assert list(matching_entries(before, chosen)) == []
    new_filters = [*FILTERS, EntryFilter(status="published", sector="internet", authority="局")]
    for entry_filter in new_filters:
        matching_entries(before, entry_filter)
    assert read == []
    # A moved state's columns are moved by the entries that changed: only they are read.
    publisher = site.extensions["test.publisher"]
    publisher.amend("IPL-2026-000002", name="示例2号信息科技有限公司", sectors=["internet"])
    publisher.remove("IPL-2026-000003", "credit_restored")
    publisher.remove("IPL-2026-000006", "error")
    publisher.publish("IPL-2026-000013", "示例13号科技有限公司", sectors=["internet"])
    after = moved(session, before, log_size(session), DAY)
    read.clear()
    listed_in_order(after)
    assert public_entries.COLUMNS in after.derived
    assert public_entries.MATCHING not in before.derived  # its filters are let go
    assert set(read) <= {"IPL-2026-000002", "IPL-2026-000003", "IPL-2026-000013"}
    read.clear()
    for entry_filter in new_filters:
        assert _seen(list(matching_entries(after, entry_filter))) == _whole_unread(
            after, entry_filter, monkeypatch, accepts, content
        )
    assert read == []


def _whole_unread(
    state: ListState,
    entry_filter: EntryFilter,
    monkeypatch: pytest.MonkeyPatch,
    accepts: object,
    content: property,
) -> list[tuple[str, str]]:
    """`_whole` with the counted reads set aside while it reads every entry."""
    with monkeypatch.context() as patched:
        patched.setattr(EntryFilter, "accepts", accepts)
        patched.setattr(PublicEntry, "content", content)
        return _whole(state, entry_filter)


def test_a_state_nobody_asked_for_is_passed_through_to_the_last_list(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A removal between two requests made a state whose list no request asked for; the next
    # state then found no list to move from and worked out the whole list and its columns
    # again (about 3 s of CPU at a million entries).
    session = db.session()
    before = list_state(session, log_size(session), DAY)
    public_entries.filter_columns(before)
    publisher = site.extensions["test.publisher"]
    publisher.remove("IPL-2026-000003", "credit_restored")
    middle = moved(session, before, log_size(session), DAY)
    publisher.amend("IPL-2026-000002", name="示例2号信息科技有限公司", sectors=["internet"])
    publisher.publish("IPL-2026-000013", "示例13号科技有限公司", sectors=["internet"])
    after = moved(session, middle, log_size(session), DAY)

    def refused(*args: object) -> None:
        raise AssertionError("worked out whole")

    monkeypatch.setattr(public_entries, "shown_entries", refused)
    monkeypatch.setattr(public_entries.FilterColumns, "of", refused)
    assert SHOWN not in middle.derived
    for entry_filter in FILTERS:
        # `_whole` reads the list through public_view's `shown_entries`, not the refused one.
        assert _seen(list(matching_entries(after, entry_filter))) == _whole(after, entry_filter)
    assert SHOWN not in middle.derived
