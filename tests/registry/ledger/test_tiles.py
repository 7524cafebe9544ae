"""The tlog-tiles layout: paths, partial tiles, immutability, entry bundles, resuming."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from registry.errors import Conflict, InvalidValue
from registry.ledger.hashing import HASH_SIZE, leaf_hash
from registry.ledger.proofs import root_of
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import (
    DirectoryTileStore,
    MemoryTileStore,
    TileRef,
    TileUnavailable,
    decode_bundle,
    encode_bundle,
    encode_index,
    entries_tile,
    hash_tile,
    parse_tile_path,
    tiles_written_since,
)


def leaves(start: int, stop: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(start, stop)]


class RecordingStore(MemoryTileStore):
    """Counts every write, to show full tiles are written once."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, path: str, data: bytes) -> None:
        self.writes.append(path)
        super().write(path, data)


@pytest.mark.parametrize(
    ("index", "encoded"),
    [
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (10**9, "x001/x000/x000/000"),
    ],
)
def test_index_encoding(index: int, encoded: str) -> None:
    assert encode_index(index) == encoded


def test_tile_paths() -> None:
    assert hash_tile(0, 0).path == "tile/0/000"
    assert hash_tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert hash_tile(2, 5, 17).path == "tile/2/005.p/17"
    assert hash_tile(63, 0, 1).path == "tile/63/000.p/1"
    assert entries_tile(1234067).path == "tile/entries/x001/x234/067"
    assert entries_tile(3, 255).path == "tile/entries/003.p/255"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: hash_tile(64, 0), "level"),
        (lambda: hash_tile(-1, 0), "level"),
        (lambda: hash_tile(0, -1), "index"),
        (lambda: hash_tile(0, 0, 0), "width"),
        (lambda: entries_tile(0, 257), "width"),
    ],
)
def test_tile_coordinates_are_checked(call: object, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        call()  # type: ignore[operator]
    assert caught.value.field == field


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/000",
        "tile/1/x001/x234/067",
        "tile/5/012.p/200",
        "tile/entries/x002/000.p/1",
        "tile/entries/999",
        "tile/63/000.p/255",
    ],
)
def test_canonical_paths_round_trip(path: str) -> None:
    assert parse_tile_path(path).path == path


def test_parse_reads_the_coordinates() -> None:
    assert parse_tile_path("tile/1/x001/x234/067.p/9") == TileRef(1, 1234067, 9)
    assert parse_tile_path("tile/entries/004") == TileRef(None, 4)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/x000/001",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/007",
        "tile/0/001/002",
        "tile/0/x001",
        "tile/0/../000",
        "/etc/passwd",
        "tile/0/abc",
        "tile/entries/000.p/",
        "checkpoint",
        "tile/０/000",
    ],
)
def test_non_canonical_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_tile_path(path)
    assert caught.value.field == "path"


def test_a_tree_of_70000_has_the_tiles_the_spec_lists() -> None:
    store = MemoryTileStore()
    log = TiledLog(store)
    log.extend(leaves(0, 70_000))
    log.flush()
    hash_tiles = sorted(p for p in store.files if not p.startswith("tile/entries/"))
    assert len([p for p in hash_tiles if p.startswith("tile/0/") and ".p/" not in p]) == 273
    assert "tile/0/273.p/112" in hash_tiles
    assert [p for p in hash_tiles if not p.startswith("tile/0/")] == [
        "tile/1/000",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]
    assert len(store.files["tile/1/001.p/17"]) == 17 * HASH_SIZE
    assert len([p for p in store.files if p.startswith("tile/entries/")]) == 274


def test_a_tree_of_256_has_one_full_tile_and_a_level_1_partial() -> None:
    store = MemoryTileStore()
    log = TiledLog(store)
    log.extend(leaves(0, 256))
    log.flush()
    assert sorted(store.files) == ["tile/0/000", "tile/1/000.p/1", "tile/entries/000"]
    assert store.files["tile/1/000.p/1"] == root_of([leaf_hash(x) for x in leaves(0, 256)])


def test_tile_hashes_are_the_merkle_tree_hashes() -> None:
    store = MemoryTileStore()
    data = leaves(0, 600)
    TiledLog(store).extend(data)
    hashes = [leaf_hash(x) for x in data]
    assert store.files["tile/0/001"] == b"".join(hashes[256:512])
    assert store.files["tile/entries/001"] == encode_bundle(data[256:512])
    assert not [p for p in store.files if ".p/" in p]


def test_full_tiles_are_written_once_across_flushes_and_resumes() -> None:
    store = RecordingStore()
    size = 0
    for batch in (1, 300, 0, 255, 1, 700):
        log = TiledLog(store, size)
        size = log.extend(leaves(size, size + batch))
        log.flush()
    full = [p for p in store.writes if ".p/" not in p]
    assert len(full) == len(set(full))
    assert len([p for p in full if p.startswith("tile/0/")]) == size // 256
    assert TiledLog(store, size).root() == root_of([leaf_hash(x) for x in leaves(0, size)])


def test_stores_refuse_to_rewrite_a_tile_with_other_bytes(tmp_path: Path) -> None:
    for store in (MemoryTileStore(), DirectoryTileStore(tmp_path)):
        store.write("tile/0/000.p/1", b"a" * 32)
        store.write("tile/0/000.p/1", b"a" * 32)  # the same bytes again are harmless
        with pytest.raises(Conflict, match="tiles are immutable"):
            store.write("tile/0/000.p/1", b"b" * 32)
        assert store.read("tile/0/000.p/1") == b"a" * 32
        assert store.read("tile/0/001") is None


def test_directory_store_lays_tiles_out_as_served(tmp_path: Path) -> None:
    store = DirectoryTileStore(tmp_path)
    log = TiledLog(store)
    log.extend(leaves(0, 1000))
    log.flush()
    assert (tmp_path / "tile/0/003.p/232").stat().st_size == 232 * HASH_SIZE
    assert stat.S_IMODE(os.stat(tmp_path / "tile/0/000").st_mode) == 0o644
    assert not list(tmp_path.rglob(".tile-*"))
    resumed = TiledLog(DirectoryTileStore(tmp_path), 1000)
    assert resumed.root() == log.root()
    assert resumed.entry(999) == leaves(999, 1000)[0]
    with pytest.raises(InvalidValue):
        store.write("tile/../../escape", b"x")


def test_resume_needs_the_partial_tiles_of_that_size() -> None:
    store = MemoryTileStore()
    log = TiledLog(store)
    log.extend(leaves(0, 300))
    log.flush()
    with pytest.raises(TileUnavailable, match=r"tile/0/001\.p/45 is missing"):
        TiledLog(store, 301)
    del store.files["tile/entries/001.p/44"]
    with pytest.raises(TileUnavailable, match=r"tile/entries/001\.p/44 is missing"):
        TiledLog(store, 300)


def test_damaged_tiles_are_reported() -> None:
    store = MemoryTileStore()
    log = TiledLog(store)
    log.extend(leaves(0, 600))
    log.flush()
    store.files["tile/0/000"] = store.files["tile/0/000"][:-1]
    with pytest.raises(TileUnavailable, match="holds 8191 bytes, expected 8192"):
        TiledLog(store, 600).inclusion_proof(3)


def test_entries_are_read_back_from_bundles_and_the_open_tile() -> None:
    store = MemoryTileStore()
    data = leaves(0, 520)
    log = TiledLog(store)
    log.extend(data)
    assert [log.entry(i) for i in (0, 255, 256, 511, 512, 519)] == [
        data[i] for i in (0, 255, 256, 511, 512, 519)
    ]
    assert log.leaf_hash(300) == leaf_hash(data[300])
    with pytest.raises(InvalidValue):
        log.entry(520)


def test_entry_bundles_round_trip() -> None:
    entries = [b"", b"x", bytes(range(256)) * 3, b"\x00" * 65535]
    bundle = encode_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01x"
    assert decode_bundle(bundle) == entries
    assert decode_bundle(b"") == []


@pytest.mark.parametrize(
    ("bundle", "reason"),
    [
        (b"\x00", "truncated length prefix at offset 0"),
        (b"\x00\x03ab", "claims 3 bytes"),
        (b"\x00\x00" * 257, "at most 256"),
    ],
)
def test_damaged_bundles_are_refused(bundle: bytes, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        decode_bundle(bundle)


def test_entries_longer_than_a_uint16_are_refused() -> None:
    with pytest.raises(InvalidValue, match="65536 bytes"):
        encode_bundle([b"\x00" * 65536])
    with pytest.raises(InvalidValue, match="65536 bytes"):
        TiledLog(MemoryTileStore()).append(b"\x00" * 65536)


@pytest.mark.parametrize(
    ("old_size", "new_size"),
    [(0, 5), (3, 14), (250, 262), (256, 256), (511, 513), (65_530, 65_545), (70_000, 70_001)],
)
def test_tiles_written_since_names_every_tile_a_growing_log_writes(
    old_size: int, new_size: int
) -> None:
    store = MemoryTileStore()
    log = TiledLog(store)
    log.extend(leaves(0, old_size))
    log.flush()
    before = set(store.files)
    for leaf in leaves(old_size, new_size):  # one flush per append, as the registry does
        log.append(leaf)
        log.flush()

    named = {ref.path for ref in tiles_written_since(old_size, new_size)}

    assert set(store.files) - before <= named
    assert named <= set(store.files)  # one flush per append writes every width on the way
    assert len(named) <= 2 * (new_size - old_size) + 8  # not growing with the log


def test_tiles_written_since_is_empty_unless_the_log_grew() -> None:
    assert tiles_written_since(300, 300) == []
    assert tiles_written_since(300, 200) == []
