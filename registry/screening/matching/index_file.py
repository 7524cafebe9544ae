"""The screening index as one read-only file that every worker maps instead of building its own.

Layout (all integers little-endian):

    magic  b"RSCIDX1\\n"              8 bytes
    header length                     8 bytes, unsigned
    header                            UTF-8 JSON: format version, record count, stamp of the
                                      whole file, and per array its offset, type and length
    arrays, each starting on 8 bytes  single_hashes     uint64, sorted: the keys filed under
                                                        one record (8-byte BLAKE2b of a key)
                                      single_positions  int32, that record's position
                                      list_hashes       uint64, sorted: the other keys
                                      list_starts       where each of them begins in
                                                        `positions`, and the end
                                      positions         int32, record positions, per key
                                      record_starts     where each record begins, and the end
                                      records           each record deflated on its own
                                      record_dictionary their preset dictionary
                                      stamps            uint64 per record, given by the caller

Offsets are uint32 while they fit (uint64 beyond 4 GiB); the header gives each array's type.
Keys are the blocking keys of registry.screening.matching.blocking, identifier keys (`i`),
and place and industry keys (`p`, `q`, `t`) for the site's place and industry words. Four keys
in five are filed under a single record: they keep its position beside their hash, with no list
of their own. Records are JSON, deflated (registry.screening.matching.stored_records).

Every worker maps the same file, so the page cache holds one copy of it for all of them; what a
worker holds of its own is the records it decoded last (`RECORD_CACHE`) and the matcher's caches.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from registry.errors import InvalidValue
from registry.screening.matching.blocking import every_key
from registry.screening.matching.score import IndexedRecord
from registry.screening.matching.stored_records import (
    deflate,
    encode_record,
    inflate,
    record_dictionary,
    record_from_json,
)

MAGIC = b"RSCIDX1\n"
# The version changes whenever the keys a record is filed under change, as well as the layout:
# a file of another version lacks keys the blocker looks for (2: every Latin name of six or more
# letters is filed under its head; trade-name sounds and one-typo keys also with the industry;
# 3: 钢结构 and 工艺品 are industry words, so names holding them parse differently; 4: keys of
# one record without a list, 32-bit offsets, records deflated against a preset dictionary; 5: a
# rare reading of a character (鑫 xun) gives no sound key, and names with no Chinese form are
# also filed under their distinctive word with two letters left out).
# It also changes whenever a name parses differently: the publisher takes the records of entries
# that did not change from the file it replaces (`write_index_file_over`), never parsing them
# again while the version is the same.
FORMAT_VERSION = 5
_ALIGN = 8
# Hashes of recent keys kept per worker (query keys repeat: common words, places, sounds).
KEY_HASH_CACHE = 4096
# Records decoded from the file and kept per worker (the candidates of recent queries). Few
# candidates recur from one query to the next and decoding one costs about 15 µs, while each
# decoded record holds some 3 KB of Python objects.
RECORD_CACHE = 1024


@lru_cache(maxsize=KEY_HASH_CACHE)
def key_hash(key: str) -> int:
    """The 64-bit hash a key is filed under (stable across processes, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """Where each of consecutive parts of these sizes begins, and the end (uint32 if it fits)."""
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets.astype("<u4" if offsets[-1] < 2**32 else "<u8")


def _key_arrays(hashes: np.ndarray, counts: np.ndarray, positions: np.ndarray) -> dict[str, Any]:
    """The key tables of keys with unique `hashes`, each with `counts` of `positions` in turn."""
    firsts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=firsts[1:])
    order = np.argsort(hashes, kind="stable")
    hashes, counts, firsts = hashes[order], counts[order], firsts[order]
    single = counts == 1
    lists = ~single
    list_counts = counts[lists]
    list_starts = _offsets(list_counts)
    # For each slot of the lists in hash order, where its position is in `positions`: the
    # key's first there, plus the slot's place in its list.
    shift = np.repeat(firsts[lists] - list_starts[:-1].astype(np.int64), list_counts)
    taken = shift + np.arange(len(shift))
    return {
        "single_hashes": hashes[single].astype("<u8"),
        "single_positions": positions[firsts[single]].astype("<i4"),
        "list_hashes": hashes[lists].astype("<u8"),
        "list_starts": list_starts,
        "positions": positions[taken].astype("<i4"),
    }


def _record_arrays(
    parts: Sequence[bytes], dictionary: bytes, stamps: Sequence[int]
) -> dict[str, Any]:
    """The record arrays of stored records `parts`, deflated against `dictionary`."""
    return {
        "record_starts": _offsets(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))),
        "records": np.frombuffer(b"".join(parts), dtype="u1"),
        "record_dictionary": np.frombuffer(dictionary, dtype="u1"),
        "stamps": np.asarray(stamps, dtype="<u8"),
    }


def write_index_file(
    path: Path,
    records: Iterable[IndexedRecord],
    stamps: Sequence[int],
    file_stamp: str,
    progress: Callable[[str], None] = lambda _message: None,
) -> None:
    """Write `records` as an index file, atomically (readers see the old file or the new one).

    `records` may be a generator: each record is filed and encoded as it comes and not kept,
    so a publisher parsing a million names never holds their parsed forms all at once.
    """
    write_index_records(path, records, stamps, file_stamp, progress)


def write_index_records(
    path: Path,
    records: Iterable[IndexedRecord],
    stamps: Sequence[int],
    file_stamp: str,
    progress: Callable[[str], None] = lambda _message: None,
) -> int:
    """`write_index_file`, where `stamps` may still grow while `records` are taken.

    The stamp of each record must be in `stamps` once the record has been taken (a generator
    reading the list in batches appends both). Returns how many records were written.
    """
    dictionary = record_dictionary()
    # Each key filed is kept as its 64-bit hash beside the record's position (12 bytes), not
    # as a string with a list of its own: names that yield hundreds of keys each (a long
    # trade name of digits, say) would otherwise hold gigabytes at 100k records.
    hashes: array[int] = array("Q")
    positions: array[int] = array("i")
    parts = []
    # Not through key_hash's cache, which keeps the keys of recent queries.
    hash_of = key_hash.__wrapped__
    count = 0
    for position, record in enumerate(records):
        for key in every_key(record):
            hashes.append(hash_of(key))
            positions.append(position)
        parts.append(encode_record(record, dictionary))
        count = position + 1
        if position and position % 20_000 == 0:
            progress(f"screening index: {position:,} records")
    if count != len(stamps):
        raise InvalidValue("stamps", "must give one stamp per record")
    progress(f"screening index: sorting {len(hashes):,} postings")
    arrays = {
        **_postings_arrays(
            np.frombuffer(hashes, dtype="<u8"), np.frombuffer(positions, dtype="<i4")
        ),
        **_record_arrays(parts, dictionary, stamps),
    }
    _write_arrays(path, arrays, {"count": count, "stamp": file_stamp})
    return count


def _postings_arrays(hashes: np.ndarray, positions: np.ndarray) -> dict[str, Any]:
    """The key tables of postings given as (key hash, position) pairs in any order."""
    order = np.lexsort((positions, hashes))
    unique_hashes, counts = np.unique(hashes[order], return_counts=True)
    return _key_arrays(unique_hashes, counts, positions[order])


def write_index_file_over(
    path: Path,
    old: IndexFile,
    sources: Sequence[int | IndexedRecord],
    stamps: Sequence[int],
    file_stamp: str,
) -> None:
    """Write an index file whose records are taken from `old` or given; atomically.

    `sources[i]` is either the position in `old` of a record to take as it is (its stored bytes
    and its postings) or a record to file anew. The file is the one `write_index_file` writes
    for the same records: keys are kept as their hashes, so an old record's postings move to
    its new position without its keys being computed again.
    """
    if len(stamps) != len(sources):
        raise InvalidValue("stamps", "must give one stamp per record")
    dictionary = record_dictionary()
    new_position = np.full(old.count, -1, dtype="<i8")
    parts: list[bytes] = []
    added_hashes: array[int] = array("Q")
    added_positions: array[int] = array("q")
    for position, source in enumerate(sources):
        if isinstance(source, int):
            new_position[source] = position
            stored = old.stored_record(source)
            if old.dictionary != dictionary:
                stored = deflate(inflate(stored, old.dictionary), dictionary)
            parts.append(stored)
            continue
        for key in every_key(source):
            added_hashes.append(key_hash(key))
            added_positions.append(position)
        parts.append(encode_record(source, dictionary))
    old_hashes, old_positions = old.postings()
    moved = new_position[old_positions]
    kept = moved >= 0
    hashes = np.concatenate([old_hashes[kept], np.frombuffer(added_hashes, dtype="<u8")])
    positions = np.concatenate([moved[kept], np.frombuffer(added_positions, dtype="<i8")])
    arrays = {
        **_postings_arrays(hashes, positions),
        **_record_arrays(parts, dictionary, stamps),
    }
    _write_arrays(path, arrays, {"count": len(sources), "stamp": file_stamp})


def _write_arrays(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, values in arrays.items():
        layout[name] = [offset, values.dtype.str, int(values.size)]
        offset += -(-values.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"version": FORMAT_VERSION, **meta, "arrays": layout}).encode()
    header += b" " * (-(len(header) + 16) % _ALIGN)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for values in arrays.values():
                out.write(values.tobytes())
                out.write(b"\0" * (-values.nbytes % _ALIGN))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o640)  # full identifiers: not for the public feed directory
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _find(table: np.ndarray, hashes: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Which of `hashes` the sorted `table` holds (their indexes), and where in it."""
    if not len(table):
        return [], np.zeros(0, dtype=np.int64)
    found = np.minimum(np.searchsorted(table, hashes), len(table) - 1)
    (hits,) = np.nonzero(table[found] == hashes)
    return hits.tolist(), found[hits]


class IndexFile:
    """An index file mapped read-only: key lookups and records, decoded on demand."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(MAGIC)] != MAGIC:
            raise InvalidValue(
                "screening_index",
                "%(path)s is not a screening index file",
                path=path,
            )
        size = int.from_bytes(self._map[8:16], "little")
        header = json.loads(self._map[16 : 16 + size])
        if header.get("version") != FORMAT_VERSION:
            raise InvalidValue(
                "screening_index",
                "%(path)s has format %(version)s",
                path=path,
                version=header.get("version"),
            )
        self.stamp: str = header["stamp"]
        self.count: int = header["count"]
        base = 16 + size
        self._arrays = {
            name: np.frombuffer(self._map, dtype=kind, count=length, offset=base + offset)
            for name, (offset, kind, length) in header["arrays"].items()
        }
        # Positions and records are sliced per key and per record: memoryviews, not arrays.
        with memoryview(self._map) as whole:

            def view(name: str) -> memoryview:
                offset = base + header["arrays"][name][0]
                return whole[offset : offset + self._arrays[name].nbytes]

            self._single_positions = view("single_positions").cast("i")
            self._positions = view("positions").cast("i")
            self._records = view("records")
        self.dictionary = self._arrays["record_dictionary"].tobytes()
        self.record = lru_cache(maxsize=RECORD_CACHE)(self._decode)

    @property
    def stamps(self) -> np.ndarray:
        """The caller's stamp of every record, by position."""
        return self._arrays["stamps"]

    def lookup(self, keys: Iterable[str]) -> dict[str, memoryview]:
        """The positions filed under each of `keys` that the file holds."""
        wanted = list(keys)
        if not wanted:
            return {}
        hashes = np.fromiter(map(key_hash, wanted), dtype="<u8", count=len(wanted))
        hits, where = _find(self._arrays["single_hashes"], hashes)
        single = self._single_positions
        found = {
            wanted[hit]: single[at : at + 1] for hit, at in zip(hits, where.tolist(), strict=True)
        }
        hits, where = _find(self._arrays["list_hashes"], hashes)
        starts = self._arrays["list_starts"][where].tolist()
        ends = self._arrays["list_starts"][where + 1].tolist()
        positions = self._positions
        for hit, start, end in zip(hits, starts, ends, strict=True):
            found[wanted[hit]] = positions[start:end]
        return found

    def postings(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (key hash, position) the file holds, as two arrays."""
        arrays = self._arrays
        list_hashes = np.repeat(arrays["list_hashes"], np.diff(arrays["list_starts"]))
        return (
            np.concatenate([arrays["single_hashes"], list_hashes]),
            np.concatenate([arrays["single_positions"], arrays["positions"]]),
        )

    def stored_record(self, position: int) -> bytes:
        """A record as the file stores it (deflated against `dictionary`)."""
        starts = self._arrays["record_starts"]
        return self._records[int(starts[position]) : int(starts[position + 1])].tobytes()

    def _decode(self, position: int) -> IndexedRecord:
        starts = self._arrays["record_starts"]
        stored = self._records[int(starts[position]) : int(starts[position + 1])]
        return record_from_json(inflate(stored, self.dictionary))

    def records(self) -> Iterator[IndexedRecord]:
        """Every record, in position order (decoded one by one, not kept)."""
        return (self._decode(position) for position in range(self.count))

    def close(self) -> None:
        """Let the mapping go (views into it must be gone)."""
        self.record.cache_clear()
        self._arrays.clear()
        for view in (self._single_positions, self._positions, self._records):
            view.release()
        self._map.close()


class MappedRecords(Sequence[IndexedRecord]):
    """The records of an index file as a sequence (decoded when asked for)."""

    def __init__(self, file: IndexFile) -> None:
        self._file = file

    def __len__(self) -> int:
        return self._file.count

    def __getitem__(self, position: int) -> IndexedRecord:  # type: ignore[override]
        return self._file.record(position)


class MappedPostings:
    """The key -> positions table of an index file, with the interface of a dict of lists."""

    def __init__(self, file: IndexFile) -> None:
        self._file = file

    def get_many(self, keys: Iterable[str]) -> dict[str, memoryview]:
        """The positions of every key the file holds."""
        return self._file.lookup(keys)
