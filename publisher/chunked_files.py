"""The snapshot, CSV and FollowTheMoney files of a version as immutable chunks.

The layout is a contract: docs/feed-chunks.md.

A full build streams every listed entry once, in entry_id order, and writes the three chunks
of each key. A run on top of a published version rewrites only the chunks whose keys its new
log events touched: each is merged from the previous chunk (lines of untouched entries copied
as bytes, publisher/incremental.py), or re-read from the database when that chunk is missing,
damaged or unexpected. Every other chunk is listed again as it is. Both give the same chunks,
byte for byte, so the index of an incremental run equals the index of a full build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from publisher import incremental, versions
from publisher.chunks import ChunkKind, chunk_key, grouped, listed_chunks, write_chunk
from publisher.worker_pool import WorkerPool
from publisher.writers import Resource
from publisher.writers.atomic import file_sha256
from publisher.writers.snapshot import UTF8_BOM
from registry.publication.public_view import listed_bundle_texts, listed_bundles
from registry.publication.stored_json import loads_stored

SNAPSHOT = ChunkKind("snapshot", "snapshot", ".jsonl")
CSV = ChunkKind("snapshot_csv", "snapshot", ".csv", header=UTF8_BOM + incremental.csv_header())
FTM = ChunkKind("ftm", "ftm", ".ftm.json")
KINDS = (SNAPSHOT, CSV, FTM)

Bundle = Mapping[str, Any]
Changed = Sequence[tuple[str, Bundle | None]]


def _entry_id(bundle: Bundle) -> str:
    return str(bundle["entry"]["entry_id"])


def write_key_chunks(
    feed_dir: Path, key: str, bundles: Sequence[Bundle], public_url: str | None
) -> list[Resource]:
    """Write the snapshot, CSV and FTM chunks of `key` from its bundles (entry_id order)."""
    ftm = [incremental.ftm_lines(bundle, public_url) for bundle in bundles]
    return [
        write_chunk(
            feed_dir, SNAPSHOT, key, [incremental.jsonl_line(b) for b in bundles], len(bundles)
        ),
        write_chunk(feed_dir, CSV, key, [incremental.csv_line(b) for b in bundles], len(bundles)),
        write_chunk(feed_dir, FTM, key, ftm, sum(lines.count(b"\n") for lines in ftm)),
    ]


def _in_kind_order(records: Iterable[Resource]) -> list[Resource]:
    # Index order: every snapshot chunk, then every CSV chunk, then every FTM chunk, each
    # by key, so a consumer concatenating one kind's chunks in listed order gets the file.
    rank = {kind.name: number for number, kind in enumerate(KINDS)}
    return sorted(records, key=lambda r: (rank[r["name"].split("/")[0]], r["name"]))


def write_key_chunk_texts(
    feed_dir: Path, key: str, texts: Sequence[tuple[str, str]], public_url: str | None
) -> list[Resource]:
    """`write_key_chunks` from (entry_id, bundle JSON text) pairs, decoded here (in a worker)."""
    bundles = [loads_stored(text) for _entry_id, text in texts]
    for (entry_id, _text), bundle in zip(texts, bundles, strict=True):
        if _entry_id(bundle) != entry_id:
            raise ValueError(f"the bundle stored for {entry_id!r} is {_entry_id(bundle)!r}'s")
    return write_key_chunks(feed_dir, key, bundles, public_url)


def write_all_chunks(
    session: Session,
    feed_dir: Path,
    size: int,
    public_url: str | None,
    workers: int = 1,
    pool: WorkerPool | None = None,
) -> list[Resource]:
    """Write every chunk of the entries listed at log size `size`; return their records.

    Chunks are independent: past the first few keys, `pool` (or a pool of `workers`
    processes) decodes, encodes and writes them while this process reads the database.
    """
    pairs = ((entry_id, (entry_id, text)) for entry_id, text in listed_bundle_texts(session, size))
    jobs = ((feed_dir, key, texts, public_url) for key, texts in grouped(pairs))
    with ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(WorkerPool(workers))
        chunks = pool.ordered(write_key_chunk_texts, jobs)
        records = [record for chunk in chunks for record in chunk]
    return _in_kind_order(records)


def previous_chunks(
    feed_dir: Path, head: versions.PublishedHead
) -> dict[str, dict[str, Resource]] | None:
    """The published head's chunk records by kind name and key; None if it has none to build on.

    None when `index.json` is not the head, holds the log at another size, or lists no chunks
    or chunks of different keys per kind (a version published before chunking, or damaged).
    """
    signed = versions.read_signed_index(feed_dir)
    if signed is None or int(signed["version"]) != head.version:
        return None
    if int(str(signed["checkpoint"]).split("\n")[1]) != head.tree_size:
        return None
    resources = signed.get("resources")
    if not isinstance(resources, list) or head.version < 1:
        return None
    try:
        chunks = {kind.name: listed_chunks(resources, kind) for kind in KINDS}
    except (KeyError, TypeError, ValueError):
        return None
    keys = {name: set(by_key) for name, by_key in chunks.items()}
    if not keys[SNAPSHOT.name] or len({frozenset(k) for k in keys.values()}) != 1:
        # An empty registry has no chunks; rebuilding nothing is as cheap as reusing it.
        return None
    return chunks


def _intact(feed_dir: Path, record: Resource) -> bool:
    # A listed chunk is only reused if it is still on disk at its size (a redaction deletes
    # the chunks of a purged entry, so its key is then rewritten from the database).
    try:
        return (feed_dir / record["path"]).stat().st_size == record["size"]
    except OSError:
        return False


def write_changed_chunks(
    session: Session,
    feed_dir: Path,
    size: int,
    previous: Mapping[str, Mapping[str, Resource]],
    changed: Changed,
    public_url: str | None,
) -> list[Resource]:
    """The chunk records at `size`: `previous` with the chunks of the changed keys rewritten."""
    by_key: dict[str, list[tuple[str, Bundle | None]]] = {}
    for entry_id, bundle in changed:
        by_key.setdefault(chunk_key(entry_id), []).append((entry_id, bundle))
    keys = set(previous[SNAPSHOT.name])
    for key in keys:
        if not all(_intact(feed_dir, previous[kind.name][key]) for kind in KINDS):
            by_key.setdefault(key, [])
    records = [
        previous[kind.name][key] for kind in KINDS for key in sorted(keys) if key not in by_key
    ]
    for key in sorted(by_key):
        old = [previous[kind.name][key] for kind in KINDS] if key in keys else None
        records.extend(_rewrite_key(session, feed_dir, size, key, old, by_key[key], public_url))
    return _in_kind_order(records)


def _rewrite_key(
    session: Session,
    feed_dir: Path,
    size: int,
    key: str,
    old: list[Resource] | None,
    changed: Changed,
    public_url: str | None,
) -> list[Resource]:
    bundles: list[Bundle]
    if old is not None:
        try:
            return _merge_key(feed_dir, key, old, changed, public_url)
        except incremental.NotIncremental:
            # A previous chunk is missing or damaged: the key is read again from the database.
            bundles = [
                bundle
                for bundle in listed_bundles(session, size, id_prefix=key)
                if chunk_key(_entry_id(bundle)) == key
            ]
    else:
        # A key the previous version did not have: its entries are all new, all in `changed`.
        bundles = [bundle for _entry_id, bundle in changed if bundle is not None]
    return write_key_chunks(feed_dir, key, bundles, public_url) if bundles else []


def _merge_key(
    feed_dir: Path, key: str, old: list[Resource], changed: Changed, public_url: str | None
) -> list[Resource]:
    """The chunks of `key` merged from its previous chunks; NotIncremental if one is unusable."""
    paths = []
    for record in old:
        path = feed_dir / record["path"]
        if file_sha256(path) != (record["sha256"], record["size"]):
            raise incremental.NotIncremental(f"{record['path']} no longer has its listed hash")
        paths.append(path)
    snapshot_path, csv_path, ftm_path = paths
    entry_ids = [entry_id for entry_id, _line in incremental.previous_entries(snapshot_path)]
    entries = [0]

    def count(number: int) -> None:
        entries[0] += number

    lines = list(
        incremental.merged(
            incremental.previous_entries(snapshot_path), changed, incremental.jsonl_line, count
        )
    )
    if not lines:
        return []
    rows = list(
        incremental.merged(
            incremental.previous_csv_rows(csv_path, iter(entry_ids)),
            changed,
            incremental.csv_line,
            lambda _number: None,
        )
    )
    entities = list(
        incremental.merged(
            incremental.previous_ftm_entities(ftm_path, iter(entry_ids), public_url),
            changed,
            partial(incremental.ftm_lines, base_url=public_url),
            lambda _number: None,
        )
    )
    return [
        write_chunk(feed_dir, SNAPSHOT, key, lines, entries[0]),
        write_chunk(feed_dir, CSV, key, rows, entries[0]),
        write_chunk(feed_dir, FTM, key, entities, sum(part.count(b"\n") for part in entities)),
    ]
