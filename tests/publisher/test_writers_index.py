"""The feed head: the signed index envelope and the published keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from publisher.writers.delta import write_delta
from publisher.writers.index import build_index, write_index, write_keys
from publisher.writers.snapshot import write_snapshot_jsonl
from registry.canonical import loads_strict
from registry.errors import Conflict, InvalidValue
from registry.ledger.note import sign_note
from registry.signing.keys import generate_key
from registry.signing.signatures import FEED_INDEX_TYPE, sign_envelope, verify_envelope
from tests.publisher.writer_samples import NOW, make_bundle, make_event

INDEX_KEY = generate_key("index", NOW)
CHECKPOINT = sign_note(
    "ipl.example.cn/log\n2\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=\n",
    Ed25519PrivateKey.generate(),
    "ipl.example.cn/log",
)


def publish_files(feed: Path, version: int = 2) -> tuple[list[Any], Any]:
    bundles = [make_bundle(1), make_bundle(2)]
    snapshot = write_snapshot_jsonl(feed, version, bundles)
    events = [make_event(0, "listed", bundles[0]), make_event(1, "listed", bundles[1])]
    delta = write_delta(feed, version - 1, version, events)
    return [snapshot], delta


def index_for(feed: Path, version: int = 2) -> dict[str, Any]:
    resources, delta = publish_files(feed, version)
    expires = NOW + dt.timedelta(hours=2)
    return build_index(version, NOW, expires, CHECKPOINT, resources, delta)


def test_build_index_has_exactly_the_contract_fields(tmp_path: Path) -> None:
    resources, delta = publish_files(tmp_path)
    issued = dt.datetime(2026, 3, 2, 16, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    signed = build_index(2, issued, issued + dt.timedelta(hours=2), CHECKPOINT, resources, delta)

    assert signed == {
        "type": "ipl.feed-index/v1",
        "version": 2,
        "issued_at": "2026-03-02T08:00:00Z",
        "expires": "2026-03-02T10:00:00Z",
        "checkpoint": CHECKPOINT,
        "resources": resources,
        "delta": delta,
    }
    assert set(signed["delta"]) == {"from", "to", "path", "sha256", "size", "count"}


def test_signed_index_is_written_and_verifies(tmp_path: Path) -> None:
    envelope = sign_envelope(FEED_INDEX_TYPE, index_for(tmp_path), INDEX_KEY)

    write_index(tmp_path, envelope)

    published = loads_strict((tmp_path / "index.json").read_bytes())
    assert published == envelope
    verify_envelope(FEED_INDEX_TYPE, published, [INDEX_KEY.verification_key()])


def test_the_version_never_goes_back_but_may_be_resigned(tmp_path: Path) -> None:
    write_index(tmp_path, sign_envelope(FEED_INDEX_TYPE, index_for(tmp_path, 3), INDEX_KEY))
    resigned = {**index_for(tmp_path, 3), "issued_at": "2026-03-02T09:00:00Z"}
    write_index(tmp_path, sign_envelope(FEED_INDEX_TYPE, resigned, INDEX_KEY))

    with pytest.raises(Conflict, match="never goes back to 2"):
        write_index(tmp_path, sign_envelope(FEED_INDEX_TYPE, index_for(tmp_path, 2), INDEX_KEY))

    assert loads_strict((tmp_path / "index.json").read_bytes())["signed"] == resigned


def test_an_index_pointing_at_a_missing_file_is_refused(tmp_path: Path) -> None:
    envelope = sign_envelope(FEED_INDEX_TYPE, index_for(tmp_path), INDEX_KEY)
    (tmp_path / "snapshot" / "2.jsonl").unlink()

    with pytest.raises(InvalidValue, match="missing"):
        write_index(tmp_path, envelope)

    assert not (tmp_path / "index.json").exists()


def test_an_unsigned_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_index(tmp_path, {"signed": index_for(tmp_path), "signatures": []})

    assert raised.value.field == "signatures"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sha256": "ABC"}, "resources[0].sha256"),
        ({"path": "../etc/passwd"}, "resources[0].path"),
        ({"count": -1}, "resources[0].count"),
        ({"extra": 1}, "resources[0]"),
    ],
)
def test_malformed_resources_are_refused(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    resources, delta = publish_files(tmp_path)
    bad = [{**resources[0], **change}]

    with pytest.raises(InvalidValue) as raised:
        build_index(2, NOW, NOW + dt.timedelta(hours=1), CHECKPOINT, bad, delta)

    assert raised.value.field == field


def test_times_and_checkpoint_are_checked(tmp_path: Path) -> None:
    resources, delta = publish_files(tmp_path)

    with pytest.raises(InvalidValue) as raised:
        build_index(2, NOW, NOW, CHECKPOINT, resources, delta)
    assert raised.value.field == "expires"
    with pytest.raises(InvalidValue) as raised:
        build_index(2, NOW.replace(tzinfo=None), NOW, CHECKPOINT, resources, delta)
    assert raised.value.field == "issued_at"
    with pytest.raises(InvalidValue) as raised:
        build_index(2, NOW, NOW + dt.timedelta(hours=1), "origin\n2\nroot\n", resources, delta)
    assert raised.value.field == "checkpoint"


def test_the_delta_must_lead_to_this_version(tmp_path: Path) -> None:
    resources, delta = publish_files(tmp_path)

    with pytest.raises(InvalidValue) as raised:
        build_index(3, NOW, NOW + dt.timedelta(hours=1), CHECKPOINT, resources, delta)

    assert raised.value.field == "delta"


def test_keys_json_lists_current_and_retired_keys(tmp_path: Path) -> None:
    retired = generate_key("entry", NOW - dt.timedelta(days=400)).verification_key()
    retired_record = {**retired.as_record(), "valid_until": "2026-01-01T00:00:00Z"}
    records = [retired_record, INDEX_KEY.verification_key().as_record()]

    write_keys(tmp_path, records)

    assert loads_strict((tmp_path / "keys.json").read_bytes()) == {"keys": records}


def test_a_key_whose_kid_does_not_match_is_refused(tmp_path: Path) -> None:
    record = {**INDEX_KEY.verification_key().as_record(), "kid": "forged"}

    with pytest.raises(InvalidValue) as raised:
        write_keys(tmp_path, [record])

    assert raised.value.field == "public_keys[0].kid"
    assert not (tmp_path / "keys.json").exists()
