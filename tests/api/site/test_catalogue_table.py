"""The site's catalogue and search table: worked out once per list state, advanced, never stale.

A search used to read every entry for every request, and the catalogue was rebuilt whole for
each new list state. These tests check that the table's filters and codes give what reading
every entry gives, and that a catalogue advanced from the previous one is the catalogue a
whole build gives, with the unchanged entries' rows shared rather than worked out again.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import itertools
import random
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from api.public_view import public_now
from api.site import catalogue, gzip_segments, search_table, spreadsheet, statistics, views
from api.site.catalogue import Catalogue, catalogue_rows, current_catalogue
from api.site.redaction import compact
from api.site.search_table import entry_codes, entry_identifiers
from api.site.statistics import site_statistics
from registry.publication.as_of import ListState, moved
from registry.publication.events import log_size
from registry.publication.public_view import PublicEntry, listings_by_month
from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher, standalone_site
from tests.builders import id_number

SECTORS = ["internet", "environment", "food_drug"]
AUTHORITIES = ["福州市市场监督管理局", "泉州市市场监督管理局"]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Flask]:
    with standalone_site(tmp_path) as app, app.test_request_context():
        yield app


def _publish_some(publisher: Publisher, first: int, count: int) -> None:
    for number in range(first, first + count):
        entry_id = f"IPL-2026-{number:06d}"
        when = dt.datetime(2025 + number % 2, 1 + number % 12, 3, tzinfo=dt.UTC)
        extra = {
            "when": when,
            "sectors": [SECTORS[number % 3], SECTORS[(number + 1) % 3]][: 1 + number % 2],
            "authority": AUTHORITIES[number % 2],
            "patents": [f"ZL2015101234{number:02d}.7"],
        }
        if number % 4 == 0:
            publisher.publish(entry_id, f"李{number}", full_ric=id_number(number), **extra)
        else:
            publisher.publish(entry_id, f"福州第{number}电子有限公司", **extra)


def _published(count: int) -> Publisher:
    """A publisher that has published entries 1 to `count`."""
    publisher = Publisher(db.session())
    _publish_some(publisher, 1, count)
    return publisher


def _change_some(publisher: Publisher, first: int, count: int) -> None:
    """What moves a list state: a correction, a removal, a removal in error, new listings."""
    publisher.amend("IPL-2026-000002", name="福州更正电子有限公司", sectors=["environment"])
    publisher.remove("IPL-2026-000003", "credit_restored")
    publisher.remove("IPL-2026-000005", "error")
    _publish_some(publisher, first, count)


def _count_moved_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many changed entries each moved catalogue looks at, as it is moved."""
    looked_at: list[int] = []
    moved_rows = catalogue._moved_rows

    def spied(state: ListState, previous: Catalogue, changed: frozenset[str]) -> object:
        looked_at.append(len(changed))
        return moved_rows(state, previous, changed)

    monkeypatch.setattr(catalogue, "_moved_rows", spied)
    return looked_at


def _whole(catalogue: Catalogue) -> Catalogue:
    """The catalogue of the same state built from nothing."""
    built = catalogue_rows(catalogue.state)
    return Catalogue(catalogue.state, built.rows, built.ordered, built.table(None), None)


def _passes(entry: PublicEntry, status: str, sector: str, authority: str, year: str) -> bool:
    """The filters as the site applied them entry by entry."""
    content = entry.content or {}
    side = "listed" if entry.listed else "removed"
    return (
        (status == "all" or side == status)
        and (not sector or sector in (content.get("sectors") or []))
        and (not authority or (content.get("decision") or {}).get("authority") == authority)
        and (not year or str(content.get("listed_on") or "")[:4] == year)
    )


def _check(catalogue: Catalogue) -> None:
    whole = _whole(catalogue)
    assert [row.entry for row in catalogue.ordered] == [row.entry for row in whole.ordered]
    assert catalogue.counts == whole.counts
    table = catalogue.table
    assert table.facets == whole.table.facets
    entries = [table.entry_at(position) for position in range(len(table))]
    assert entries == [row.entry for row in whole.table.rows]
    for entry in entries:
        assert entries[table.position_of(entry.entry_id) or 0] is entry
    for status, sector, authority, year in itertools.product(
        ["all", "listed", "removed"],
        ["", *SECTORS],
        ["", *AUTHORITIES, "不存在的机关"],
        ["", "2025", "2026", "0000"],
    ):
        allowed = table.allowed(status, sector, authority, year)
        found = list(range(len(entries))) if allowed is None else allowed.positions.tolist()
        expected = [i for i, e in enumerate(entries) if _passes(e, status, sector, authority, year)]
        assert found == expected, (status, sector, authority, year)
    for position, entry in enumerate(entries):
        for code in entry_codes(entry):
            assert table.found_by(code) == [
                i for i, other in enumerate(entries) if code in entry_codes(other)
            ]
        for identifier in entry_identifiers(entry):
            if identifier.get("scheme") == "cn_ric":
                value = compact(identifier["value"])
                assert position in table.found_by((value[:4], value[-4:]))


def test_an_advanced_catalogue_is_the_whole_one_and_shares_unchanged_rows(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = _published(12)
    first = current_catalogue()
    _check(first)

    _change_some(publisher, 13, 3)
    looked_at = _count_moved_rows(monkeypatch)
    second = current_catalogue()
    assert second is not first
    # The state was moved from the first catalogue's: only the six changed entries are read.
    assert looked_at == [6]
    assert second.counts == _whole(second).counts
    _check(second)
    assert second.rows["IPL-2026-000001"] is first.rows["IPL-2026-000001"]
    assert second.rows["IPL-2026-000002"] is not first.rows["IPL-2026-000002"]
    # Listed in error: out of the catalogue, its codes no longer find it.
    assert second.table.position_of("IPL-2026-000005") is None
    assert second.table.found_by("IPL-2026-000005-决定") == []
    assert second.find("IPL-2026-000005") is None
    assert second.counts.removed == first.counts.removed + 1

    publisher.purge("IPL-2026-000004")
    third = current_catalogue()
    _check(third)
    assert third.table.position_of("IPL-2026-000004") is None
    assert third.find("IPL-2026-000004") is not None
    # While every shown row is searchable the table holds the catalogue's own tuple, so the
    # next table takes it over instead of going through every row; a purged row ends that.
    assert first.table.rows is first.ordered and second.table.rows is second.ordered
    assert third.table.rows is not third.ordered

    publisher.remove("IPL-2026-000006", "credit_restored")
    fourth = current_catalogue()
    _check(fourth)
    assert fourth.table.position_of("IPL-2026-000004") is None
    assert fourth.table.rows is not fourth.ordered


def test_a_catalogue_is_moved_through_states_no_page_was_asked_for(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A state no page was asked for (a removal between two visits) left the next catalogue
    # comparing every entry of the list with the last catalogue's rows (about 1 s at 1M).
    publisher = _published(12)
    first = current_catalogue()
    first.table.allowed("listed")  # its columns are read, and moved with the table
    session = db.session()
    day = first.state.day
    publisher.remove("IPL-2026-000003", "credit_restored")
    middle = moved(session, first.state, log_size(session), day)
    publisher.amend("IPL-2026-000002", name="福州更正电子有限公司", sectors=["environment"])
    publisher.remove("IPL-2026-000005", "error")
    _publish_some(publisher, 13, 2)
    last = moved(session, middle, log_size(session), day)
    looked_at = _count_moved_rows(monkeypatch)
    built = catalogue_rows(last, first)
    assert looked_at == [5] and built.advanced
    made = Catalogue(last, built.rows, built.ordered, built.table(first), None)
    assert made.table.columns is not first.table.columns
    _check(made)
    assert made.rows["IPL-2026-000001"] is first.rows["IPL-2026-000001"]
    assert made.table.position_of("IPL-2026-000005") is None


def test_statistics_move_with_the_catalogue_and_are_the_whole_count(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each new list state used to count every shown entry again (0.56 s of CPU at 100k).
    publisher = _published(16)
    first = current_catalogue()
    before = site_statistics(first)
    publisher.amend("IPL-2026-000002", sectors=["food_drug"])
    publisher.remove("IPL-2026-000003", "credit_restored")
    publisher.remove("IPL-2026-000006", "error")
    _publish_some(publisher, 17, 2)
    counted: list[int] = []
    whole = statistics._counted

    def counting(entries: object, months: object) -> object:
        found = whole(entries, months)  # type: ignore[arg-type]
        counted.append(found.listed + found.removed)
        return found

    monkeypatch.setattr(statistics, "_counted", counting)
    second = current_catalogue()
    moved = site_statistics(second)
    assert counted == []
    months = listings_by_month(db.session(), second.state)
    assert moved == whole(second.all_entries, months).statistics()
    assert moved.by_sector != before.by_sector and moved.by_month != before.by_month
    # Two listed, one removed, one listed in error (out of every count).
    assert (moved.listed_now, moved.removed) == (before.listed_now, before.removed + 1)

    publisher.purge("IPL-2026-000004")  # replayed whole: counted whole
    third = current_catalogue()
    purged = site_statistics(third)
    assert len(counted) == 1
    months = listings_by_month(db.session(), third.state)
    assert purged == whole(third.all_entries, months).statistics()
    assert purged.by_province[-1] == (None, 1)  # its region went with its content


def test_a_search_reads_the_entries_it_shows_not_every_entry(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _published(30)
    client = site.test_client()
    assert client.get("/search?q=").status_code == 200  # the catalogue is built once
    read: list[str] = []
    content = PublicEntry.content

    def counted(entry: PublicEntry) -> object:
        read.append(entry.entry_id)
        return content.fget(entry)  # type: ignore[attr-defined]

    monkeypatch.setattr(PublicEntry, "content", property(counted))
    found = client.get("/search?q=ZL201510123401.7")
    assert "IPL-2026-000001" in found.text
    assert set(read) == {"IPL-2026-000001"}
    read.clear()
    first_page = client.get("/search?q=&status=listed")
    assert first_page.status_code == 200
    assert "IPL-2026-" in first_page.text
    shown = set(re.findall(r'id="card-(IPL-\d{4}-\d{6})"', first_page.text))
    assert len(shown) == 20
    assert set(read) == shown


def test_a_new_states_filters_are_moved_by_the_changed_rows_not_read_from_every_row(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first filtered search of each new list state tested every row in Python (0.7 s of
    # CPU at a million entries, per worker), and every request then sorted every position
    # its filters let through (about 0.1 s at a million listed).
    publisher = _published(30)
    client = site.test_client()
    assert client.get("/search?q=&status=listed").status_code == 200
    first = current_catalogue()
    assert first.table.allowed("listed") is first.table.allowed("listed")  # kept per table
    read_whole: list[int] = []
    whole_columns = search_table.Columns.of

    def counted(cls: type[search_table.Columns], rows: list[search_table.Row]) -> object:
        read_whole.append(len(rows))
        return whole_columns(rows)

    monkeypatch.setattr(search_table.Columns, "of", classmethod(counted))
    _change_some(publisher, 31, 2)
    page = client.get("/search?q=&status=removed&sector=internet")
    assert page.status_code == 200
    assert "IPL-2026-000003" in page.text
    second = current_catalogue()
    assert second.table.columns is not first.table.columns
    assert read_whole == []  # moved by the five changed rows
    assert not first.table._allowed  # the last state's answers are let go
    _check(second)  # which builds whole tables of its own to compare with
    read_whole.clear()

    publisher.purge("IPL-2026-000004")  # a purge replays the state whole: read once
    assert client.get("/search?q=&year=2025").status_code == 200
    assert read_whole == [len(current_catalogue().table)]
    _check(current_catalogue())


_ROW_FACTS = st.tuples(
    st.booleans(),
    st.sampled_from(["", "2024-05-06", "2025-01-02", "2026-12-01"]),
    st.frozensets(st.sampled_from([*SECTORS, "unknown"])),
    st.sampled_from(["", *AUTHORITIES, "厦门市市场监督管理局"]),
)


def _row(number: int, facts: tuple[bool, str, frozenset[str], str]) -> search_table.Row:
    listed, listed_on, sectors, authority = facts
    content = {"listed_on": listed_on, "sectors": sorted(sectors)}
    content["decision"] = {"authority": authority}
    entry = SimpleNamespace(
        entry_id=f"IPL-2026-{number:06d}",
        content=content,
        listed=listed,
        removed_in_error=False,
        purged=False,
    )
    return search_table.Row.of(entry)  # type: ignore[arg-type]


@given(
    before=st.lists(_ROW_FACTS, max_size=40),
    after=st.lists(_ROW_FACTS, max_size=40),
    kept=st.lists(st.booleans(), max_size=40),
)
def test_moved_columns_are_the_columns_read_from_every_row(
    before: list[tuple[bool, str, frozenset[str], str]],
    after: list[tuple[bool, str, frozenset[str], str]],
    kept: list[bool],
) -> None:
    old = [_row(number, facts) for number, facts in enumerate(before)]
    # Some rows stay, the others leave; new rows take numbers of their own.
    staying = [row for row, stays in zip(old, kept, strict=False) if stays]
    new = [_row(100 + number, facts) for number, facts in enumerate(after)]
    rows = sorted([*staying, *new], key=search_table.row_order, reverse=True)
    old.sort(key=search_table.row_order, reverse=True)
    removed = [position for position, row in enumerate(old) if row not in staying]
    added = sorted(((rows.index(row), row) for row in new), key=lambda pair: pair[0])
    moved = search_table.Columns.of(old).moved(removed, added)
    whole = search_table.Columns.of(rows)
    for name in ("listed", "year", "sectors"):
        assert getattr(moved, name).tolist() == getattr(whole, name).tolist(), name
    names = [moved.authorities.names[number] for number in moved.authority.tolist()]
    assert names == [row.authority for row in rows]
    assert not moved.listed.flags.writeable


def test_the_spreadsheet_is_written_once_per_state_then_only_for_the_changed_entries(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each download used to write every listed entry again: 4.5 s of CPU at 100k entries for
    # one unauthenticated request, past the worker timeout near 1M.
    publisher = _published(12)
    client = site.test_client()
    written: list[str] = []
    cell = spreadsheet._cell

    def counted(value: str) -> str:
        written.append(value)
        return cell(value)

    monkeypatch.setattr(spreadsheet, "_cell", counted)
    columns = len(spreadsheet.COLUMNS)
    first = client.get("/downloads/listings.csv")
    assert len(written) == 12 * columns
    assert client.get("/downloads/listings.csv").data == first.data
    zipped = client.get("/downloads/listings.csv", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == first.data
    assert len(written) == 12 * columns  # neither wrote a line again

    publisher.amend("IPL-2026-000002", name="福州更正电子有限公司")
    after = client.get("/downloads/listings.csv").data.decode("utf-8-sig")
    assert len(written) == 13 * columns  # the corrected entry's line alone
    lines = list(csv.reader(io.StringIO(after)))
    assert [line[1] for line in lines if line[0] == "IPL-2026-000002"] == ["福州更正电子有限公司"]
    assert len(lines) == 13
    english = client.get("/downloads/listings.csv?lang=en").data.decode("utf-8-sig")
    assert english.startswith("Entry ID,") and len(written) == 25 * columns


def test_a_new_state_compresses_only_the_spreadsheet_segments_it_changed(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million entries the file is some 300 MB of text: compressing it whole for every
    new list state cost each worker seconds. Segments end after entries whose id hashes to 0
    modulo SEGMENT_ROWS (4 here, for 30 entries), and only the changed ones are compressed."""
    monkeypatch.setattr(search_table, "SEGMENT_ROWS", 4)
    publisher = _published(30)
    client = site.test_client()
    compressed: list[bytes] = []
    segment_of = gzip_segments.Segment.of.__func__  # type: ignore[attr-defined]

    def counted(cls: type[gzip_segments.Segment], data: bytes, level: int = 1) -> object:
        compressed.append(data)
        return segment_of(cls, data, level)

    monkeypatch.setattr(gzip_segments.Segment, "of", classmethod(counted))

    def download() -> bytes:
        zipped = client.get("/downloads/listings.csv", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        text = gzip.decompress(zipped.data)
        state = current_catalogue()
        assert text == spreadsheet.listing_csv(state.ordered, "zh", _entry_url).encode()
        return text

    first = download()
    segments = len(compressed) - 1  # the header is compressed for every file
    assert 3 <= segments <= 20
    compressed.clear()
    publisher.amend("IPL-2026-000007", name="福州更正电子有限公司")
    publisher.remove("IPL-2026-000020", "credit_restored")
    second = download()
    assert second != first and "福州更正电子有限公司".encode() in second
    assert b"IPL-2026-000020" not in second
    # The header, and the segments of the two changed entries (one each, or one for both).
    assert 2 <= len(compressed) <= 3
    assert sum(data.count(b"\r\n") for data in compressed[1:]) < 30


def test_the_spreadsheet_moves_through_states_and_is_the_whole_file_each_time(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new state's file was found by going through every row of the list (0.4 s at 1M);
    now the segments the changed entries fall in are found by bisection, across states no
    download was asked for, and the file is the one written whole."""
    monkeypatch.setattr(search_table, "SEGMENT_ROWS", 3)
    publisher = _published(40)
    client = site.test_client()
    moved_through: list[int] = []
    moved_segments = spreadsheet._moved_segments

    def spied(*args: object) -> object:
        moved_through.append(1)
        return moved_segments(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(spreadsheet, "_moved_segments", spied)

    def download() -> None:
        zipped = client.get("/downloads/listings.csv", headers={"Accept-Encoding": "gzip"})
        expected = spreadsheet.listing_csv(current_catalogue().ordered, "zh", _entry_url)
        assert gzip.decompress(zipped.data).decode() == expected

    download()
    chosen = random.Random(7)
    listed = [f"IPL-2026-{number:06d}" for number in range(1, 41)]
    for step in range(16):
        entry_id = chosen.choice(listed)
        action = chosen.choice(["amend", "remove", "error", "publish", "two"])
        if action == "amend":
            publisher.amend(entry_id, name=f"福州更正{step}电子有限公司")
        elif action in ("remove", "error"):
            publisher.remove(entry_id, "credit_restored" if action == "remove" else "error")
            listed.remove(entry_id)
        else:
            first = 41 + step * 2
            _publish_some(publisher, first, 2 if action == "two" else 1)
            listed += [f"IPL-2026-{first:06d}", f"IPL-2026-{first + 1:06d}"][
                : 1 + (action == "two")
            ]
        if step % 3 == 1:
            with site.test_request_context("/"):
                public_now()  # a state made for another reader: no download in it
        else:
            download()
    assert len(moved_through) >= 8


def test_a_download_without_gzip_is_expanded_as_it_is_sent_and_its_rate_is_limited(
    site: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is kept compressed; a client that does not accept gzip used to get it expanded
    whole in memory first: some 300 MB and a second of CPU per request at a million entries,
    from any address, as often as it liked."""
    monkeypatch.setattr(search_table, "SEGMENT_ROWS", 4)
    monkeypatch.setattr(views, "EXPANDED_CHUNK", 64)
    site.config["SITE_EXPANDED_DOWNLOAD_RATE_LIMIT"] = "3/minute"
    _published(30)
    client = site.test_client()
    zipped = client.get("/downloads/listings.csv", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/downloads/listings.csv", buffered=False)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert plain.is_streamed
    pieces = list(plain.response)
    plain.close()
    assert b"".join(pieces) == gzip.decompress(zipped.data)
    # Expanded a piece at a time: no piece holds more than a small part of the file.
    assert len(pieces) > 10 and max(map(len, pieces)) < len(b"".join(pieces)) / 4
    for _ in range(2):
        assert client.get("/downloads/listings.csv").status_code == 200
    refused = client.get("/downloads/listings.csv")
    assert refused.status_code == 429
    # The compressed file, sent as it is kept, is not limited.
    for _ in range(5):
        zipped = client.get("/downloads/listings.csv", headers={"Accept-Encoding": "gzip"})
        assert zipped.status_code == 200


def _entry_url(entry_id: str) -> str:
    return "http://localhost/entries/" + entry_id


@given(
    before=st.lists(_ROW_FACTS, max_size=40),
    leaving=st.lists(st.booleans(), max_size=40),
    amended=st.lists(st.booleans(), max_size=40),
    after=st.lists(_ROW_FACTS, max_size=20),
)
def test_a_moved_order_is_the_sorted_order(
    before: list[tuple[bool, str, frozenset[str], str]],
    leaving: list[bool],
    amended: list[bool],
    after: list[tuple[bool, str, frozenset[str], str]],
) -> None:
    old = [_row(number, facts) for number, facts in enumerate(before)]
    gone = [row for row, leaves in zip(old, leaving, strict=False) if leaves]
    # An amended entry leaves and comes back with the same order; new entries come in too.
    back = [
        _row(int(row.order[1][-6:]), (not row.listed, row.order[0], row.sectors, row.authority))
        for row, again in zip(gone, amended, strict=False)
        if again
    ]
    new = [*back, *(_row(100 + number, facts) for number, facts in enumerate(after))]
    ordered = tuple(sorted(old, key=search_table.row_order, reverse=True))
    staying = [row for row in old if row not in gone]
    expected = sorted([*staying, *new], key=search_table.row_order, reverse=True)
    # Edited in a copy (a few changes) and copied in slices (more).
    for in_place in (catalogue.EDITED_IN_PLACE, 0):
        with patch.object(catalogue, "EDITED_IN_PLACE", in_place):
            moved_order = catalogue._reordered(ordered, gone, new)
        assert list(moved_order) == expected
        assert all(a is b for a, b in zip(moved_order, expected, strict=True))
