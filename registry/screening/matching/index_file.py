"""The screening index as one read-only file that every worker maps instead of building its own.

Layout (all integers little-endian):

    magic  b"RSCIDX1\\n"                 8 bytes
    header length                        8 bytes, unsigned
    header                               UTF-8 JSON: format version, record count, stamp of the
                                         whole file, and per array its offset, type and length
    arrays, each starting on 8 bytes     key_hashes  uint64, sorted (8-byte BLAKE2b of a key)
                                         key_starts  int64, where each key's positions begin
                                         positions   int32, record positions, per key
                                         record_starts int64 and records (UTF-8 JSON objects)
                                         stamps      uint64 per record, given by the caller

Keys are the blocking keys of registry.screening.matching.blocking, identifier keys (`i`),
and place and industry keys (`p`, `q`, `t`) for the site's place and industry words. A record
is a JSON object (entry id, kind, names, identifiers, region and the parsed name forms);
readers ignore fields they do not know, so a record may carry more (the relation of a person
to an entry, say) without a new format version.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from registry.errors import InvalidValue
from registry.screening.matching.blocking import every_key
from registry.screening.matching.forms import NameForm
from registry.screening.matching.records import ListedName
from registry.screening.matching.score import IndexedRecord

MAGIC = b"RSCIDX1\n"
# The version changes whenever the keys a record is filed under change, as well as the layout:
# a file of another version lacks keys the blocker looks for (2: every Latin name of six or more
# letters is filed under its head; trade-name sounds and one-typo keys also with the industry;
# 3: 钢结构 and 工艺品 are industry words, so names holding them parse differently; 4: a rare
# reading of a character (鑫 xun) gives no sound key, and names with no Chinese form are also
# filed under their distinctive word with two letters left out).
# It also changes whenever a name parses differently: the publisher takes the records of entries
# that did not change from the file it replaces (`write_index_file_over`), never parsing them
# again while the version is the same.
FORMAT_VERSION = 4
_ALIGN = 8
# Hashes of recent keys kept per worker (query keys repeat: common words, places, sounds).
KEY_HASH_CACHE = 4096
# Records decoded from the file and kept per worker (the candidates of recent queries).
RECORD_CACHE = 4096


@lru_cache(maxsize=KEY_HASH_CACHE)
def key_hash(key: str) -> int:
    """The 64-bit hash a key is filed under (stable across processes, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def _record_json(record: IndexedRecord) -> bytes:
    listed = record.listed
    data = {
        "entry_id": listed.entry_id,
        "kind": listed.kind,
        "name": listed.name,
        "latin": listed.latin,
        "aliases": list(listed.aliases),
        "identifiers": [list(pair) for pair in listed.identifiers],
        "region": listed.region,
        "forms": [[feature, text, _form_fields(form)] for feature, text, form in record.forms],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _form_fields(form: NameForm) -> list[Any]:
    return [
        form.han,
        sorted(form.regions),
        form.core,
        form.trade,
        form.industry,
        list(form.words),
        list(form.distinct),
        list(form.sector),
        form.legal_form,
        form.person,
    ]


def _form_from(fields: list[Any]) -> NameForm:
    han, regions, core, trade, industry, words, distinct, sector, legal_form, person = fields
    return NameForm(
        han,
        frozenset(regions),
        core,
        trade,
        industry,
        tuple(words),
        tuple(distinct),
        tuple(sector),
        legal_form,
        person,
    )


def _record_from(raw: bytes) -> IndexedRecord:
    data = json.loads(raw)
    listed = ListedName.restore(
        entry_id=data["entry_id"],
        kind=data["kind"],
        name=data["name"],
        latin=data["latin"],
        aliases=tuple(data["aliases"]),
        identifiers=tuple((scheme, value) for scheme, value in data["identifiers"]),
        region=data["region"],
    )
    forms = tuple((feature, text, _form_from(fields)) for feature, text, fields in data["forms"])
    return IndexedRecord(
        listed, forms, any(form.han for _, _, form in forms), frozenset(listed.identifiers)
    )


def write_index_file(
    path: Path,
    records: Sequence[IndexedRecord],
    stamps: Sequence[int],
    file_stamp: str,
    progress: Callable[[str], None] = lambda _message: None,
) -> None:
    """Write `records` as an index file, atomically (readers see the old file or the new one)."""
    if len(stamps) != len(records):
        raise InvalidValue("stamps", "must give one stamp per record")
    postings: defaultdict[str, array[int]] = defaultdict(partial(array, "i"))
    blob = bytearray()
    record_starts = array("q", [0])
    for position, record in enumerate(records):
        for key in every_key(record):
            postings[key].append(position)
        blob += _record_json(record)
        record_starts.append(len(blob))
        if position and position % 20_000 == 0:
            progress(f"screening index: {position:,} of {len(records):,} records")
    progress(f"screening index: hashing {len(postings):,} keys")
    keys = list(postings)
    hashes = np.fromiter(map(key_hash, keys), dtype="<u8", count=len(keys))
    order = np.argsort(hashes, kind="stable")
    lists = [np.frombuffer(postings[keys[i]], dtype="<i4") for i in order.tolist()]
    key_starts = np.zeros(len(lists) + 1, dtype="<i8")
    np.cumsum([len(plist) for plist in lists], out=key_starts[1:])
    arrays = {
        "key_hashes": hashes[order],
        "key_starts": key_starts,
        "positions": np.concatenate(lists) if lists else np.zeros(0, dtype="<i4"),
        "record_starts": np.frombuffer(record_starts, dtype="<i8"),
        "records": np.frombuffer(bytes(blob), dtype="u1"),
        "stamps": np.asarray(stamps, dtype="<u8"),
    }
    _write_arrays(path, arrays, {"count": len(records), "stamp": file_stamp})


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
    old_starts = old._arrays["record_starts"]
    old_blob = old._arrays["records"]
    new_position = np.full(old.count, -1, dtype="<i8")
    parts: list[bytes] = []
    added_hashes: array[int] = array("Q")
    added_positions: array[int] = array("q")
    for position, source in enumerate(sources):
        if isinstance(source, int):
            new_position[source] = position
            parts.append(old_blob[int(old_starts[source]) : int(old_starts[source + 1])].tobytes())
            continue
        for key in every_key(source):
            added_hashes.append(key_hash(key))
            added_positions.append(position)
        parts.append(_record_json(source))
    old_hashes = np.repeat(old._arrays["key_hashes"], np.diff(old._arrays["key_starts"]))
    moved = new_position[old._arrays["positions"]]
    kept = moved >= 0
    hashes = np.concatenate([old_hashes[kept], np.frombuffer(added_hashes, dtype="<u8")])
    positions = np.concatenate([moved[kept], np.frombuffer(added_positions, dtype="<i8")])
    order = np.lexsort((positions, hashes))
    hashes, positions = hashes[order], positions[order]
    unique_hashes, firsts = np.unique(hashes, return_index=True)
    key_starts = np.append(firsts, len(hashes)).astype("<i8")
    record_starts = np.zeros(len(parts) + 1, dtype="<i8")
    np.cumsum([len(part) for part in parts], out=record_starts[1:])
    arrays = {
        "key_hashes": unique_hashes.astype("<u8"),
        "key_starts": key_starts,
        "positions": positions.astype("<i4"),
        "record_starts": record_starts,
        "records": np.frombuffer(b"".join(parts), dtype="u1"),
        "stamps": np.asarray(stamps, dtype="<u8"),
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
        self._positions = memoryview(self._map)[
            base + header["arrays"]["positions"][0] : base
            + header["arrays"]["positions"][0]
            + 4 * header["arrays"]["positions"][2]
        ].cast("i")
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
        table = self._arrays["key_hashes"]
        if not len(table):
            return {}
        found = np.minimum(np.searchsorted(table, hashes), len(table) - 1)
        (hits,) = np.nonzero(table[found] == hashes)
        where = found[hits]
        starts = self._arrays["key_starts"][where].tolist()
        ends = self._arrays["key_starts"][where + 1].tolist()
        positions = self._positions
        return {
            wanted[hit]: positions[start:end]
            for hit, start, end in zip(hits.tolist(), starts, ends, strict=True)
        }

    def _decode(self, position: int) -> IndexedRecord:
        starts = self._arrays["record_starts"]
        start, end = int(starts[position]), int(starts[position + 1])
        return _record_from(self._arrays["records"][start:end].tobytes())

    def records(self) -> Iterator[IndexedRecord]:
        """Every record, in position order (decoded one by one, not kept)."""
        return (self._decode(position) for position in range(self.count))

    def close(self) -> None:
        """Let the mapping go (views into it must be gone)."""
        self.record.cache_clear()
        self._arrays.clear()
        self._positions.release()
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
