"""The screening index as one read-only file that every worker maps instead of building its own.

Layout (all integers little-endian):

    magic  b"RSCIDX1\\n"              8 bytes
    header length                     8 bytes, unsigned
    header                            UTF-8 JSON: format version, record count, stamp of the
                                      whole file, and per array its offset, type and length
    arrays, each starting on 8 bytes  single_hashes     uint64, sorted: the keys filed under
                                                        one record (XXH3-64 of a key's UTF-8)
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

import json
import mmap
import os
import shutil
import tempfile
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from xxhash import xxh3_64_digest, xxh3_64_intdigest

from registry.errors import InvalidValue
from registry.screening.matching.blocking import every_key
from registry.screening.matching.records import ListedName
from registry.screening.matching.score import IndexedRecord
from registry.screening.matching.stored_records import (
    deflate,
    encode_record,
    inflate,
    record_dictionary,
    record_from_json,
)
from registry.worker_processes import forkserver_context, preload_in_workers

MAGIC = b"RSCIDX1\n"
# The version changes whenever the keys a record is filed under change, as well as the layout:
# a file of another version lacks keys the blocker looks for (2: every Latin name of six or more
# letters is filed under its head; trade-name sounds and one-typo keys also with the industry;
# 3: 钢结构 and 工艺品 are industry words, so names holding them parse differently; 4: keys of
# one record without a list, 32-bit offsets, records deflated against a preset dictionary; 5: a
# rare reading of a character (鑫 xun) gives no sound key, and names with no Chinese form are
# also filed under their distinctive word with two letters left out; 6: so are the names of any
# subject written in Latin letters, a Chinese subject's English name too; 7: keys hashed with
# XXH3-64 instead of 8-byte BLAKE2b, a sixth of the cost of hashing the hundred keys of a name;
# 8: a record whose names hold no place is filed under blocking.NO_PLACE_KEY, so that a query
# naming a place reads only the records in or around it, or of no place).
# It also changes whenever a name parses differently: the publisher takes the records of entries
# that did not change from the file it replaces (`write_index_file_over`), never parsing them
# again while the version is the same.
FORMAT_VERSION = 8
_ALIGN = 8
# Hashes of recent keys kept per worker (query keys repeat: common words, places, sounds).
KEY_HASH_CACHE = 4096
# Records decoded from the file and kept per worker (the candidates of recent queries). Few
# candidates recur from one query to the next and decoding one costs about 15 µs, while each
# decoded record holds some 3 KB of Python objects.
RECORD_CACHE = 1024


@lru_cache(maxsize=KEY_HASH_CACHE)
def key_hash(key: str) -> int:
    """The 64-bit hash a key is filed under (stable across processes, unlike hash()).

    XXH3-64 of the key's UTF-8, whose output is fixed by its specification: a collision only
    makes a record a candidate, scored like any other, so no cryptographic hash is needed.
    """
    return xxh3_64_intdigest(key.encode())


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """Where each of consecutive parts of these sizes begins, and the end (uint32 if it fits)."""
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets.astype("<u4" if offsets[-1] < 2**32 else "<u8")


# Writing holds about the same memory whatever the size of the list: each record is deflated
# and appended to a scratch file as it is filed, and its postings (key hash, position) are
# spilled, `SPILL_POSTINGS` at a time, to one scratch file per hash range (the hash's top
# `SPILL_BITS` bits). The key tables are then made range by range in hash order, each range
# sorted on its own (a 256th of the postings), and the file is put together from the scratch
# files. The scratch files lie beside the file (the same disk, not a memory-backed /tmp).
SPILL_BITS = 8
SPILL_POSTINGS = 1 << 21
# Names parsed per job when they are parsed in worker processes; a list of at most
# `INLINE_JOBS` jobs is parsed here (not worth starting the processes), and jobs queued per
# process.
JOB_NAMES = 500
INLINE_JOBS = 2
IN_FLIGHT = 3
_POSTING = np.dtype([("hash", "<u8"), ("position", "<i4")])
# How `_file` gives the key hashes: XXH3's canonical (big-endian) digests, end to end.
_DIGEST = np.dtype(">u8")
preload_in_workers(__name__)
# Key tables, as the writer keeps them in scratch files while it makes them range by range.
_KEY_COLUMNS = {
    "single_hashes": "<u8",
    "single_positions": "<i4",
    "list_hashes": "<u8",
    "list_starts": "<u8",
    "positions": "<i4",
}
# Filed records: each deflated, the 8-byte hashes of all their keys, and how many keys each.
_Filed = tuple[list[bytes], bytes, bytes]
_Item = IndexedRecord | ListedName


def _file(items: Sequence[_Item], dictionary: bytes) -> _Filed:
    """Records (or listed names, parsed here) as the writer takes them, in order."""
    parts = []
    digests: list[bytes] = []
    counts: array[int] = array("i")
    for item in items:
        record = item if isinstance(item, IndexedRecord) else IndexedRecord.from_listed(item)
        before = len(digests)
        # key_hash's values as big-endian bytes (`_DIGEST`), without its cache (which keeps the
        # keys of recent queries).
        digests += [xxh3_64_digest(key.encode()) for key in every_key(record)]
        counts.append(len(digests) - before)
        parts.append(encode_record(record, dictionary))
    return parts, b"".join(digests), counts.tobytes()


def _jobs(items: Iterable[_Item]) -> Iterator[list[_Item]]:
    job: list[_Item] = []
    for item in items:
        job.append(item)
        if len(job) == JOB_NAMES:
            yield job
            job = []
    if job:
        yield job


def _filed(items: Iterable[_Item], dictionary: bytes, workers: int) -> Iterator[_Filed]:
    """`items` filed, `JOB_NAMES` at a time, in order; over `workers` processes if more than one.

    A name's parse, keys and deflated record depend on that name alone, so the processes give
    the bytes this process would. Only a few jobs per process are in flight: the items may be
    read from the database as they are taken, and are not all held.
    """
    jobs = _jobs(items)
    first = list(islice(jobs, INLINE_JOBS + 1))
    if workers <= 1 or len(first) <= INLINE_JOBS:
        for job in chain(first, jobs):
            yield _file(job, dictionary)
        return
    context = forkserver_context()
    pending: deque[Future[_Filed]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        try:
            for job in chain(first, jobs):
                pending.append(pool.submit(_file, job, dictionary))
                while len(pending) >= IN_FLIGHT * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


class _Writer:
    """An index file being written: records and postings go to scratch files as they come."""

    def __init__(self, path: Path, dictionary: bytes, progress: Callable[[str], None]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self.dictionary = dictionary
        self._progress = progress
        self._scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        self._records = (self._scratch / "records").open("wb")
        self._sizes: array[int] = array("q")
        self._held: list[np.ndarray] = []
        self._held_count = 0
        self._spilled = False
        self.count = 0

    def add(self, filed: _Filed) -> None:
        """Filed records, at the next positions."""
        parts, digests, counts = filed
        first = self.count
        positions = np.repeat(
            np.arange(first, first + len(parts), dtype="<i4"), np.frombuffer(counts, dtype="i")
        )
        self.add_postings(np.frombuffer(digests, dtype=_DIGEST).astype("<u8"), positions)
        for part in parts:
            self.add_stored(part)

    def add_stored(self, stored: bytes) -> None:
        """A record as stored, at the next position (its postings are added on their own)."""
        self._records.write(stored)
        self._sizes.append(len(stored))
        self.count += 1
        if self.count % 20_000 == 0:
            self._progress(f"screening index: {self.count:,} records")

    def add_postings(self, hashes: np.ndarray, positions: np.ndarray) -> None:
        """Postings (key hash, record position), in any order."""
        if not len(hashes):
            return
        postings = np.empty(len(hashes), dtype=_POSTING)
        postings["hash"] = hashes
        postings["position"] = positions
        self._held.append(postings)
        self._held_count += len(postings)
        if self._held_count >= SPILL_POSTINGS:
            self._spill()

    def _spill(self) -> None:
        postings = np.concatenate(self._held) if self._held else np.empty(0, dtype=_POSTING)
        self._held, self._held_count, self._spilled = [], 0, True
        ranges = (postings["hash"] >> np.uint64(64 - SPILL_BITS)).astype(np.intp)
        postings = postings[np.argsort(ranges, kind="stable")]
        ends = np.cumsum(np.bincount(ranges, minlength=1 << SPILL_BITS)).tolist()
        start = 0
        for number, end in enumerate(ends):
            if end > start:
                with (self._scratch / f"postings.{number}").open("ab") as out:
                    out.write(postings[start:end].tobytes())
            start = end

    def _ranges(self) -> Iterator[np.ndarray]:
        """Every posting, range by range in hash order, each sorted by hash, then position."""
        if not self._spilled:
            ranges = [np.concatenate(self._held)] if self._held else []
            self._held = []
            for postings in ranges:
                yield postings[np.lexsort((postings["position"], postings["hash"]))]
            return
        self._spill()
        for number in range(1 << SPILL_BITS):
            path = self._scratch / f"postings.{number}"
            if path.exists():
                postings = np.fromfile(path, dtype=_POSTING)
                path.unlink()
                yield postings[np.lexsort((postings["position"], postings["hash"]))]

    def _key_tables(self) -> dict[str, tuple[Path, int]]:
        """The key tables, written range by range to scratch files: each one's file and length."""
        outs = {name: (self._scratch / name).open("wb") for name in _KEY_COLUMNS}
        lengths = dict.fromkeys(_KEY_COLUMNS, 0)
        listed = 0  # postings in the lists so far
        try:
            for postings in self._ranges():
                hashes, positions = postings["hash"], postings["position"]
                unique, firsts, counts = np.unique(hashes, return_index=True, return_counts=True)
                single = counts == 1
                list_counts = counts[~single]
                starts = np.zeros(len(list_counts), dtype="<u8")
                np.cumsum(list_counts[:-1], out=starts[1:])
                tables = {
                    "single_hashes": unique[single],
                    "single_positions": positions[firsts[single]],
                    "list_hashes": unique[~single],
                    "list_starts": starts + np.uint64(listed),
                    "positions": positions[np.repeat(~single, counts)],
                }
                for name, values in tables.items():
                    outs[name].write(values.astype(_KEY_COLUMNS[name]).tobytes())
                    lengths[name] += len(values)
                listed += int(list_counts.sum())
        finally:
            for out in outs.values():
                out.close()
        return {name: (self._scratch / name, lengths[name]) for name in _KEY_COLUMNS}

    def finish(self, stamps: Sequence[int], meta: dict[str, Any]) -> None:
        """Write the file from what was added, atomically; the scratch files go."""
        self._records.close()
        if self.count != len(stamps):
            raise InvalidValue("stamps", "must give one stamp per record")
        self._progress(f"screening index: sorting {self._postings_count():,} postings")
        tables = self._key_tables()
        list_starts_path, list_count = tables.pop("list_starts")
        positions_count = tables["positions"][1]
        starts_kind = np.dtype("<u4" if positions_count < 2**32 else "<u8")
        sizes = np.frombuffer(self._sizes, dtype=np.int64)
        columns: dict[str, _Column] = {
            **{
                name: _Column(np.dtype(_KEY_COLUMNS[name]), length, path)
                for name, (path, length) in tables.items()
            },
            "list_starts": _Column(
                starts_kind, list_count + 1, list_starts_path, end=positions_count
            ),
            "record_starts": _Column.of(_offsets(sizes)),
            "records": _Column(np.dtype("u1"), int(sizes.sum()), self._scratch / "records"),
            "record_dictionary": _Column.of(np.frombuffer(self.dictionary, dtype="u1")),
            "stamps": _Column.of(np.asarray(stamps, dtype="<u8")),
        }
        order = [*_KEY_COLUMNS, "record_starts", "records", "record_dictionary", "stamps"]
        _write_columns(self._path, {name: columns[name] for name in order}, meta)

    def _postings_count(self) -> int:
        spilled = sum(path.stat().st_size for path in self._scratch.glob("postings.*"))
        return self._held_count + spilled // _POSTING.itemsize

    def close(self) -> None:
        """Remove the scratch files."""
        self._records.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


@dataclass(frozen=True)
class _Column:
    """An array of the file: in memory, or in a scratch file (converted to `kind` if need be).

    `end`, if given, is one more value after the scratch file's (the end of the last list).
    """

    kind: np.dtype[Any]
    size: int
    path: Path | None = None
    values: np.ndarray | None = None
    end: int | None = None

    @classmethod
    def of(cls, values: np.ndarray) -> _Column:
        return cls(values.dtype, int(values.size), values=values)

    @property
    def nbytes(self) -> int:
        return self.size * self.kind.itemsize

    def write_to(self, out: BinaryIO) -> None:
        if self.values is not None:
            out.write(self.values.tobytes())
            return
        assert self.path is not None
        stored = np.dtype(_stored_kind(self.path.name))
        with self.path.open("rb") as source:
            if stored == self.kind:
                shutil.copyfileobj(source, out, 1 << 20)
            else:
                while chunk := source.read((1 << 20) * stored.itemsize):
                    out.write(np.frombuffer(chunk, dtype=stored).astype(self.kind).tobytes())
        if self.end is not None:
            out.write(np.array([self.end], dtype=self.kind).tobytes())


def _stored_kind(name: str) -> str:
    """How a scratch file keeps its values: key tables as `_KEY_COLUMNS` says, records as bytes."""
    return _KEY_COLUMNS.get(name, "u1")


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
    return _write(path, records, stamps, file_stamp, progress, workers=1)


def write_index_names(
    path: Path,
    names: Iterable[ListedName],
    stamps: Sequence[int],
    file_stamp: str,
    progress: Callable[[str], None] = lambda _message: None,
    workers: int = 1,
) -> int:
    """`write_index_records` of the records of `names`, parsed over `workers` processes.

    The file is the one written from the same names parsed here, byte for byte.
    """
    return _write(path, names, stamps, file_stamp, progress, workers)


def _write(
    path: Path,
    items: Iterable[IndexedRecord | ListedName],
    stamps: Sequence[int],
    file_stamp: str,
    progress: Callable[[str], None],
    workers: int,
) -> int:
    dictionary = record_dictionary()
    writer = _Writer(path, dictionary, progress)
    try:
        for filed in _filed(items, dictionary, workers):
            writer.add(filed)
        writer.finish(stamps, {"count": writer.count, "stamp": file_stamp})
        return writer.count
    finally:
        writer.close()


# Keys of the old file whose lists are moved to the new file at a time.
_OLD_KEYS = 1 << 16


def write_index_file_over(
    path: Path,
    old: IndexFile,
    sources: Sequence[int | IndexedRecord | ListedName],
    stamps: Sequence[int],
    file_stamp: str,
    workers: int = 1,
) -> None:
    """Write an index file whose records are taken from `old` or given; atomically.

    `sources[i]` is either the position in `old` of a record to take as it is (its stored bytes
    and its postings) or a record (or a listed name, parsed over `workers` processes) to file
    anew. The file is the one `write_index_file` writes for the same records: keys are kept as
    their hashes, so an old record's postings move to its new position without its keys being
    computed again.
    """
    if len(stamps) != len(sources):
        raise InvalidValue("stamps", "must give one stamp per record")
    dictionary = record_dictionary()
    writer = _Writer(path, dictionary, lambda _message: None)
    try:
        new_position = np.full(old.count, -1, dtype="<i8")
        for position, source in enumerate(sources):
            if isinstance(source, int):
                new_position[source] = position
        fresh = _filed(
            (source for source in sources if not isinstance(source, int)), dictionary, workers
        )
        parts: list[bytes] = []
        digests = np.zeros(0, dtype="<u8")
        ends: list[int] = []
        taken = 0
        for position, source in enumerate(sources):
            if isinstance(source, int):
                stored = old.stored_record(source)
                if old.dictionary != dictionary:
                    stored = deflate(inflate(stored, old.dictionary), dictionary)
                writer.add_stored(stored)
                continue
            if taken == len(parts):
                parts, hashes, counts = next(fresh)
                digests = np.frombuffer(hashes, dtype=_DIGEST).astype("<u8")
                ends = np.cumsum(np.frombuffer(counts, dtype="i")).tolist()
                taken = 0
            keys = digests[ends[taken - 1] if taken else 0 : ends[taken]]
            writer.add_postings(keys, np.full(len(keys), position, dtype="<i4"))
            writer.add_stored(parts[taken])
            taken += 1
        for old_hashes, old_positions in old.postings_in_parts(_OLD_KEYS):
            moved = new_position[old_positions]
            kept = moved >= 0
            writer.add_postings(old_hashes[kept], moved[kept])
        writer.finish(stamps, {"count": len(sources), "stamp": file_stamp})
    finally:
        writer.close()


def _write_columns(path: Path, columns: dict[str, _Column], meta: dict[str, Any]) -> None:
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, column in columns.items():
        layout[name] = [offset, column.kind.str, column.size]
        offset += -(-column.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"version": FORMAT_VERSION, **meta, "arrays": layout}).encode()
    header += b" " * (-(len(header) + 16) % _ALIGN)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for column in columns.values():
                column.write_to(out)
                out.write(b"\0" * (-column.nbytes % _ALIGN))
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


def _header(data: mmap.mmap, path: Path) -> tuple[dict[str, Any], int]:
    """The JSON header of the index file mapped as `data`, and its length in bytes."""
    if data[: len(MAGIC)] != MAGIC or len(data) < 16:
        raise InvalidValue("screening_index", "%(path)s is not a screening index file", path=path)
    size = int.from_bytes(data[8:16], "little")
    try:
        header = json.loads(data[16 : 16 + size])
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise InvalidValue("screening_index", "%(path)s is not a screening index file", path=path)
    return header, size


def read_header(path: Path) -> dict[str, Any]:
    """The header of the index file at `path`, whatever its format version (`version`)."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size < 16:
            raise InvalidValue(
                "screening_index", "%(path)s is not a screening index file", path=path
            )
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _header(data, path)[0]


class IndexFile:
    """An index file mapped read-only: key lookups and records, decoded on demand."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        header, size = _header(self._map, path)
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

    def postings_in_parts(self, keys: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every (key hash, position) the file holds, as pairs of arrays of `keys` keys each."""
        arrays = self._arrays
        singles = arrays["single_hashes"]
        for first in range(0, len(singles), keys):
            yield (
                singles[first : first + keys],
                arrays["single_positions"][first : first + keys],
            )
        list_hashes, starts = arrays["list_hashes"], arrays["list_starts"]
        for first in range(0, len(list_hashes), keys):
            bounds = starts[first : first + keys + 1].astype(np.int64)
            yield (
                np.repeat(list_hashes[first : first + keys], np.diff(bounds)),
                arrays["positions"][bounds[0] : bounds[-1]],
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
