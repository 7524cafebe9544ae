"""Workers screen over the index file the publisher wrote, and see what changed since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from api.public_view import list_states, public_now, screening_index
from registry.clock import utcnow
from registry.models import EntryRevision
from registry.publication.as_of import ListState
from registry.screening import shared_index
from registry.screening.matching import ScreeningQuery, index_file
from registry.screening.shared_index import (
    DriftBound,
    IndexWrite,
    StateIndex,
    match_index,
    update_shared_index,
    write_shared_index,
)
from runtime.extensions import db
from tests.api.site.site_fixtures import Publisher, publish_three_companies, standalone_site


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A register of three entries whose index file has been written."""
    with standalone_site(tmp_path) as application:
        publisher = Publisher(db.session())
        publish_three_companies(publisher)
        application.extensions["test.publisher"] = publisher
        written = write_shared_index(Path(application.config["SCREENING_INDEX"]), public_now())
        assert written.records == 3 and not written.kept
        yield application


def _found(name: str) -> list[str]:
    index = match_index(public_now(), screening_index())
    return [match.entry_id for match in index.screen(ScreeningQuery(name=name))]


def test_the_index_comes_from_the_file(app: Flask) -> None:
    index = match_index(public_now(), screening_index())
    assert index.file is not None and index.file.count == 3
    assert len(index) == 3
    assert _found("深圳华星科技") == ["IPL-2026-000001"]


def test_changes_after_the_file_was_written_are_seen(app: Flask) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    publisher.amend("IPL-2026-000002", name="福州瑞丰电子有限公司")
    publisher.purge("IPL-2026-000003")
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    index = match_index(public_now(), screening_index())
    assert index.file is not None  # still the file, with the changes beside it
    assert len(index) == 3
    assert _found("瑞丰电子") == ["IPL-2026-000002"]
    assert _found("瑞达电子") == []
    assert _found("星海电子") == []
    assert _found("宁波鼎泰机械") == ["IPL-2026-000004"]
    assert index.entries_in(frozenset({"350000"}), ["dianzi"]) == {"IPL-2026-000002"}


NAMES = ("深圳华星科技", "瑞丰电子", "瑞达电子", "星海电子", "宁波鼎泰机械", "杭州新源")


def test_a_new_list_state_carries_the_index_over_and_stamps_only_what_changed(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    for number in range(6, 14):
        publisher.publish(f"IPL-2026-{number:06d}", f"泉州第{number}纺织有限公司", region="350500")
    write_shared_index(Path(app.config["SCREENING_INDEX"]), public_now())
    match_index(public_now(), screening_index())  # the file's index, every entry stamped
    publisher.amend("IPL-2026-000002", name="福州瑞丰电子有限公司")
    publisher.remove("IPL-2026-000001")
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    publisher.publish("IPL-2026-000005", "杭州新源材料有限公司", region="330100")
    publisher.amend("IPL-2026-000005", name="杭州新源材料科技有限公司")
    whole = StateIndex.over_file
    stamped: list[int] = []

    def counted(state: ListState, file: index_file.IndexFile) -> StateIndex:
        stamped.append(len(state.entries))
        return whole(state, file)

    monkeypatch.setattr(StateIndex, "over_file", counted)
    state = public_now()
    assert state.origin is not None and len(state.origin.changed) == 4
    carried = match_index(state, screening_index())
    assert stamped == []
    assert carried.file is not None
    expected = whole(state, carried.file)
    assert len(carried) == len(expected) == 13
    for name in NAMES:
        query = ScreeningQuery(name=name)
        assert carried.screen(query) == expected.screen(query)
    for regions, words in ((frozenset({"350000"}), ["dianzi"]), (frozenset(), ["cailiao"])):
        assert carried.entries_in(regions, words) == expected.entries_in(regions, words)
    # Back to the day the file was written: the later entries leave, the correction is undone.
    day = publisher.clock.date() - dt.timedelta(days=5)
    earlier = list_states().get(db.session(), state.tree_size, day)
    back = match_index(earlier, screening_index())
    assert stamped == [] and len(back) == 11
    for name in NAMES:
        query = ScreeningQuery(name=name)
        assert back.screen(query) == whole(earlier, carried.file).screen(query)


def test_the_site_search_reads_the_file(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/search?q=深圳华星科技").text
    assert "IPL-2026-000001" in page
    assert "IPL-2026-000002" not in page


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def test_a_few_changes_keep_the_file_and_the_site_screens_them(app: Flask) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    path = Path(app.config["SCREENING_INDEX"])
    before = _identity(path)
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    publisher.purge("IPL-2026-000003")
    outcome = write_shared_index(path, public_now(), max_drift=DriftBound())
    assert outcome.kept and outcome.changed == 2 and outcome.parsed == 0
    assert str(outcome) == "kept, 2 changed entries screened from memory"
    assert _identity(path) == before
    assert _found("宁波鼎泰机械") == ["IPL-2026-000004"]
    assert _found("星海电子") == []
    client = app.test_client()
    assert "IPL-2026-000004" in client.get("/search?q=宁波鼎泰机械").text
    assert "IPL-2026-000003" not in client.get("/search?q=厦门星海电子").text


def test_changes_beyond_the_bound_rewrite_the_file_as_from_scratch(
    app: Flask, tmp_path: Path
) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    path = Path(app.config["SCREENING_INDEX"])
    before = _identity(path)
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    publisher.amend("IPL-2026-000002", name="福州瑞丰电子有限公司")
    outcome = write_shared_index(path, public_now(), max_drift=DriftBound(entries=2))
    assert not outcome.kept and outcome.changed == 3
    assert (outcome.records, outcome.parsed) == (4, 2)  # two records taken from the old file
    assert _identity(path) != before
    scratch = tmp_path / "scratch.index"
    assert write_shared_index(scratch, public_now()).parsed == 4
    assert path.read_bytes() == scratch.read_bytes()
    assert _found("瑞丰电子") == ["IPL-2026-000002"]
    assert _found("瑞达电子") == []
    assert _found("宁波鼎泰机械") == ["IPL-2026-000004"]
    assert _found("深圳华星科技") == ["IPL-2026-000001"]


def test_without_a_bound_the_file_is_written_on_every_run(app: Flask) -> None:
    path = Path(app.config["SCREENING_INDEX"])
    outcome = write_shared_index(path, public_now())
    assert not outcome.kept and outcome.changed == 0 and outcome.parsed == 0


def test_a_file_of_another_format_is_written_again_from_the_names(app: Flask) -> None:
    path = Path(app.config["SCREENING_INDEX"])
    path.write_bytes(b"not an index file")
    outcome = write_shared_index(path, public_now(), max_drift=DriftBound())
    assert not outcome.kept and outcome.parsed == 3
    assert _found("深圳华星科技") == ["IPL-2026-000001"]


def _purge_now(publisher: Publisher, entry_id: str) -> None:
    """Purge an entry as the publisher's run does, stamped with the real time."""
    publisher.purge(entry_id)
    for revision in db.session().query(EntryRevision).filter_by(entry_id=entry_id):
        revision.purged_at = utcnow()
    db.session().commit()


def _publisher_step(app: Flask, bound: DriftBound) -> tuple[IndexWrite, Path]:
    path = Path(app.config["SCREENING_INDEX"])
    state = public_now()
    return update_shared_index(db.session(), path, state.tree_size, state.day, bound), path


def test_the_publisher_keeps_the_file_without_reading_the_list(app: Flask) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    before = _identity(Path(app.config["SCREENING_INDEX"]))
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    publisher.publish("IPL-2026-000005", "温州恒信阀门有限公司", region="330300")
    _purge_now(publisher, "IPL-2026-000003")
    outcome, path = _publisher_step(app, DriftBound())
    assert str(outcome) == "kept, 3 changed entries screened from memory"
    assert _identity(path) == before
    assert _found("宁波鼎泰机械") == ["IPL-2026-000004"]
    assert _found("温州恒信阀门") == ["IPL-2026-000005"]
    assert _found("星海电子") == []
    client = app.test_client()
    assert "IPL-2026-000005" in client.get("/search?q=温州恒信阀门").text


def test_the_publisher_rewrites_the_file_past_the_bound(app: Flask, tmp_path: Path) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    _purge_now(publisher, "IPL-2026-000003")
    outcome, path = _publisher_step(app, DriftBound(entries=1))
    assert str(outcome) == "written, 3 records (1 names parsed)"
    scratch = tmp_path / "scratch.index"
    write_shared_index(scratch, public_now())
    assert path.read_bytes() == scratch.read_bytes()
    outcome, _ = _publisher_step(app, DriftBound(entries=1))
    # No event since; the purge may count again within the second the file was written in.
    assert outcome.kept and outcome.changed <= 1


@pytest.mark.parametrize(
    ("text", "records", "limit"),
    [("2%", 10_000, 500), ("2%", 1_000_000, 20_000), ("0.5%", 1_000_000, 5_000), ("7", 10, 7)],
)
def test_the_drift_bound_is_a_count_or_a_share_with_a_floor(
    text: str, records: int, limit: int
) -> None:
    assert DriftBound.parse(text).limit(records) == limit


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "0 or more"),
        ("many", "a count such as 500"),
        ("x%", "a percentage such as 2%"),
        ("80%", "from 0% to 50%"),
    ],
)
def test_a_bad_drift_bound_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DriftBound.parse(text)


def test_a_file_of_a_longer_log_is_written_again(app: Flask) -> None:
    path = Path(app.config["SCREENING_INDEX"])
    state = public_now()
    outcome = update_shared_index(db.session(), path, state.tree_size - 1, state.day, DriftBound())
    assert not outcome.kept


def test_the_default_bound_is_500_entries_whatever_the_size() -> None:
    assert DriftBound().limit(10_000) == DriftBound().limit(1_000_000) == 500
    assert str(DriftBound()) == "500" and str(DriftBound.parse("2%")) == "2%"


def test_the_publisher_writes_a_missing_file_in_batches_as_from_the_whole_list(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    publisher.amend("IPL-2026-000002", name="福州瑞丰电子有限公司")
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    publisher.publish("IPL-2026-000005", "温州恒信阀门有限公司", region="330300")
    _purge_now(publisher, "IPL-2026-000003")
    whole = tmp_path / "whole.index"
    assert write_shared_index(whole, public_now()).records == 4
    path = Path(app.config["SCREENING_INDEX"])
    path.unlink()
    monkeypatch.setattr(shared_index, "SCRATCH_BATCH", 2)
    # The ids are held as one array of bytes, in the order of the whole list's file.
    ids = shared_index._sorted_entry_ids(db.session(), public_now().tree_size)
    assert ids.nbytes == 5 * len("IPL-2026-000001")
    assert [entry_id.decode() for entry_id in ids] == [f"IPL-2026-00000{n}" for n in range(1, 6)]
    outcome, _path = _publisher_step(app, DriftBound())
    assert (outcome.records, outcome.kept, outcome.parsed) == (4, False, 4)
    assert path.read_bytes() == whole.read_bytes()
    assert _found("温州恒信阀门") == ["IPL-2026-000005"]
    assert _found("星海电子") == []


def test_names_parsed_in_worker_processes_give_the_file_parsed_here(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher: Publisher = app.extensions["test.publisher"]
    publisher.amend("IPL-2026-000002", name="福州瑞丰电子有限公司")
    publisher.publish("IPL-2026-000004", "宁波鼎泰机械有限公司", region="330200")
    publisher.publish("IPL-2026-000005", "Nordlicht Optics GmbH")
    here = tmp_path / "here.index"
    assert write_shared_index(here, public_now(), workers=1).parsed == 5
    # A job per name, and no job parsed in this process: every name goes to a worker.
    monkeypatch.setattr(index_file, "JOB_NAMES", 1)
    monkeypatch.setattr(index_file, "INLINE_JOBS", 0)
    monkeypatch.setattr(shared_index, "SCRATCH_BATCH", 2)
    path = Path(app.config["SCREENING_INDEX"])
    path.unlink()
    state = public_now()
    first = update_shared_index(
        db.session(), path, state.tree_size, state.day, DriftBound(), workers=2
    )
    assert (first.records, first.parsed) == (5, 5)
    assert path.read_bytes() == here.read_bytes()
    # Over an old file: the old records are taken as they are, the changed names parsed there.
    old = tmp_path / "old.index"
    assert write_shared_index(old, public_now(), workers=1).records == 5
    publisher.publish("IPL-2026-000006", "温州恒信阀门有限公司", region="330300")
    publisher.amend("IPL-2026-000001", name="深圳市华星科技有限公司")
    over = write_shared_index(old, public_now(), max_drift=DriftBound(entries=0), workers=2)
    assert (over.records, over.parsed) == (6, 2)
    scratch = tmp_path / "scratch.index"
    assert write_shared_index(scratch, public_now(), workers=1).parsed == 6
    assert old.read_bytes() == scratch.read_bytes()
