"""Delta writer: log events between two versions, each with its entry content or null."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.worker_pool import WorkerPool
from publisher.writers import delta
from publisher.writers.atomic import ImmutableFileChanged
from publisher.writers.delta import write_delta
from registry.canonical import canonical_bytes, loads_strict
from registry.errors import InvalidValue
from registry.ledger.events import event_leaf
from tests.publisher.writer_samples import make_bundle, make_event


def sample_events() -> list[dict[str, Any]]:
    first, second = make_bundle(1), make_bundle(2)
    amended = make_bundle(2, revision=2, remedy="Corrected remedy")
    return [
        make_event(10, "listed", first),
        make_event(11, "listed", second),
        make_event(12, "amended", amended, reason="correction"),
        make_event(13, "removed", first, purged=True, reason="credit_restored"),
    ]


def test_delta_lines_are_leaf_objects_with_their_bundles(tmp_path: Path) -> None:
    events = sample_events()

    delta = write_delta(tmp_path, 3, 4, iter(events))

    path = tmp_path / "delta" / "3-4.jsonl"
    lines = [loads_strict(line) for line in path.read_bytes().splitlines()]
    assert [line["seq"] for line in lines] == [10, 11, 12, 13]
    assert [line["bundle"] for line in lines] == [event["bundle"] for event in events]
    assert lines[3]["bundle"] is None
    assert delta == {
        "from": 3,
        "to": 4,
        "path": "delta/3-4.jsonl",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size": path.stat().st_size,
        "count": 4,
    }


def test_dropping_the_bundle_gives_back_the_log_leaf_bytes(tmp_path: Path) -> None:
    events = sample_events()
    write_delta(tmp_path, 3, 4, events)

    lines = (tmp_path / "delta" / "3-4.jsonl").read_bytes().splitlines()
    for line, event in zip(lines, events, strict=True):
        leaf = {key: value for key, value in loads_strict(line).items() if key != "bundle"}
        fields = {key: value for key, value in event.items() if key != "bundle"}
        assert canonical_bytes(leaf) == event_leaf(**fields)


def test_each_line_is_the_canonical_form_of_its_event(tmp_path: Path) -> None:
    # A line is joined from the entry's canonical bytes (the ones hashed) and the rest:
    # it must be exactly JCS of the whole line, for entries with awkward text too.
    events = sample_events()
    odd = make_bundle(3, name='引号"与\\反斜杠\u2028', aliases=["𠀀 astral", "\u0000"])
    events.insert(3, make_event(13, "listed", odd))
    events[4]["seq"] = 14
    write_delta(tmp_path, 3, 4, events)

    lines = (tmp_path / "delta" / "3-4.jsonl").read_bytes().splitlines()
    assert len(lines) == 5
    for line, event in zip(lines, events, strict=True):
        assert line == canonical_bytes(loads_strict(line))
        assert loads_strict(line)["bundle"] == event["bundle"]


def test_an_empty_delta_is_written(tmp_path: Path) -> None:
    delta = write_delta(tmp_path, 4, 5, [])

    assert delta["count"] == 0
    assert (tmp_path / "delta" / "4-5.jsonl").read_bytes() == b""


def test_a_gap_in_seq_is_refused(tmp_path: Path) -> None:
    events = sample_events()
    del events[1]

    with pytest.raises(InvalidValue) as raised:
        write_delta(tmp_path, 3, 4, events)

    assert raised.value.field == "events[1].seq"
    assert "expected 11 after 10, got 12" in raised.value.reason
    assert not (tmp_path / "delta" / "3-4.jsonl").exists()


def test_a_bundle_that_is_not_the_hashed_content_is_refused(tmp_path: Path) -> None:
    event = make_event(0, "listed", make_bundle(1))
    event["bundle"] = make_bundle(1, remedy="Something else")

    with pytest.raises(InvalidValue) as raised:
        write_delta(tmp_path, 0, 1, [event])

    assert raised.value.field == "events[0].bundle"
    assert "content_sha256" in raised.value.reason


def test_a_bundle_of_another_entry_is_refused(tmp_path: Path) -> None:
    event = make_event(0, "listed", make_bundle(1))
    event["bundle"] = make_bundle(2)

    with pytest.raises(InvalidValue) as raised:
        write_delta(tmp_path, 0, 1, [event])

    assert "holds IPL-2026-000002 revision 1" in raised.value.reason


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "deleted"}, "events[0].event"),
        ({"recorded_at": "2026-03-02 08:00"}, "events[0].recorded_at"),
        ({"reason": "expired"}, "events[0].reason"),
        ({"type": "ipl.entry/v1"}, "events[0].type"),
        ({"comment": "x"}, "events[0]"),
    ],
)
def test_malformed_events_are_refused_with_the_field(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    event = {**make_event(0, "listed", make_bundle(1)), **change}

    with pytest.raises(InvalidValue) as raised:
        write_delta(tmp_path, 0, 1, [event])

    assert raised.value.field == field


def test_versions_must_increase(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_delta(tmp_path, 4, 4, [])

    assert raised.value.field == "to_version"


def test_a_written_delta_is_immutable(tmp_path: Path) -> None:
    events = sample_events()
    write_delta(tmp_path, 3, 4, events)

    with pytest.raises(ImmutableFileChanged):
        write_delta(tmp_path, 3, 4, events[:2])


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerPool]:
    """Two worker processes, given runs of one event each (all but the first two)."""
    monkeypatch.setattr(delta, "BATCH", 1)
    with WorkerPool(2) as workers:
        yield workers


def many_events() -> list[dict[str, Any]]:
    return [make_event(20 + n, "listed", make_bundle(n + 1)) for n in range(6)]


def test_worker_processes_write_the_same_delta(tmp_path: Path, pool: WorkerPool) -> None:
    alone = write_delta(tmp_path / "alone", 3, 4, many_events())
    parallel = write_delta(tmp_path / "parallel", 3, 4, many_events(), pool)

    assert parallel == alone
    assert parallel["count"] == 6
    assert (tmp_path / "parallel" / parallel["path"]).read_bytes() == (
        tmp_path / "alone" / alone["path"]
    ).read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda events: events.__delitem__(4), id="gap-between-runs"),
        pytest.param(lambda events: events[4].__setitem__("revision", 0), id="bad-leaf"),
        pytest.param(
            lambda events: events[5].__setitem__("content_sha256", "0" * 64), id="bad-bundle"
        ),
    ],
)
def test_an_event_refused_in_a_worker_is_reported_as_alone(
    tmp_path: Path, pool: WorkerPool, damage: Callable[[list[dict[str, Any]]], None]
) -> None:
    events = many_events()
    damage(events)
    with pytest.raises(InvalidValue) as alone:
        write_delta(tmp_path / "alone", 3, 4, events)
    with pytest.raises(InvalidValue) as parallel:
        write_delta(tmp_path / "parallel", 3, 4, events, pool)

    assert (parallel.value.field, parallel.value.message) == (
        alone.value.field,
        alone.value.message,
    )
    assert not (tmp_path / "parallel" / "delta" / "3-4.jsonl").exists()
