"""Recompute the transparency log from its published entry tiles and check every hash tile.

The entries are replayed into a fresh TiledLog whose tile store compares each hash tile it
produces with the one the feed publishes, so a tile that disagrees with the entries is named
and the root is computed from the entries alone, never taken from the published hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.canonical import canonical_bytes, loads_strict
from registry.errors import DomainError, InvalidValue
from registry.ledger.anchors import ANCHOR_TYPE, checked_anchor, is_anchor
from registry.ledger.checkpoint import Checkpoint
from registry.ledger.events import EVENT_TYPE, event_object
from registry.ledger.hashing import HASH_SIZE
from registry.ledger.proofs import InvalidProof, verify_consistency
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import TILE_WIDTH, TileRef, decode_bundle, parse_tile_path
from registry.verifier.report import VerificationReport
from registry.verifier.source import FeedSource

LOG_PREFIX = "log/"
Progress = Callable[[str, int, int], None]
_LEAF_FIELDS = ("seq", "event", "entry_id", "revision", "content_sha256", "recorded_at", "reason")


@dataclass
class LeafIndex:
    """What the snapshot and delta checks need to know about the leaves."""

    contents: dict[tuple[str, int], str] = field(default_factory=dict)
    last_event: dict[str, tuple[str, int]] = field(default_factory=dict)
    # SHA-256 of each leaf from `keep_from` on, in order: the delta's lines are compared with
    # them. Digests, not the leaves, so a 1M-event delta costs tens of MB, not hundreds.
    kept: list[bytes] = field(default_factory=list)
    keep_from: int = 0
    anchors: int = 0  # audit anchors among the leaves

    def keep(self, seq: int, leaf: bytes) -> None:
        """Remember leaf `seq` (called in order) if the delta will need it."""
        if seq >= self.keep_from:
            self.kept.append(hashlib.sha256(leaf).digest())

    def kept_digest(self, seq: int) -> bytes | None:
        """The SHA-256 of leaf `seq`, if it was kept."""
        position = seq - self.keep_from
        return self.kept[position] if 0 <= position < len(self.kept) else None


class RecomputedTiles:
    """A TileStore that checks each hash tile the replay produces against the published one."""

    def __init__(self, source: FeedSource, report: VerificationReport) -> None:
        self.source = source
        self.report = report
        self.hash_tiles: dict[str, bytes] = {}

    def read(self, path: str) -> bytes | None:
        """Return a hash tile the replay computed (never the published bytes)."""
        return self.hash_tiles.get(path)

    def write(self, path: str, data: bytes) -> None:
        """Compare a recomputed tile with the published one and keep it."""
        ref = parse_tile_path(path)
        if ref.level is None:
            return  # entry bundles are what the replay read; comparing them proves nothing
        self.hash_tiles[path] = data
        published = self.source.read(LOG_PREFIX + path)
        if published is None:
            self.report.fail(LOG_PREFIX + path, "is missing from the feed")
        elif published != data:
            self.report.fail(LOG_PREFIX + path, _tile_difference(ref, published, data))


def _tile_difference(ref: TileRef, published: bytes, computed: bytes) -> str:
    if len(published) != len(computed):
        return f"holds {len(published)} bytes, expected {len(computed)} ({ref.width} hashes)"
    for position in range(0, len(computed), HASH_SIZE):
        if published[position : position + HASH_SIZE] != computed[position : position + HASH_SIZE]:
            number = position // HASH_SIZE
            if ref.level == 0:
                leaf = ref.index * TILE_WIDTH + number
                return f"hash {number} (leaf {leaf}) differs from the hash of that log entry"
            return f"hash {number} differs from the root of the tile below it"
    return "differs from the recomputed tile"


def _entry_tiles(size: int) -> list[TileRef]:
    full, rest = divmod(size, TILE_WIDTH)
    refs = [TileRef(None, index) for index in range(full)]
    return refs + ([TileRef(None, full, rest)] if rest else [])


def _check_leaf(seq: int, leaf: bytes) -> dict[str, Any]:
    """Return the leaf's event or anchor object, or raise InvalidValue saying why it is neither."""
    body = loads_strict(leaf)
    if is_anchor(body):
        event = checked_anchor(body)
    elif not isinstance(body, dict) or body.get("type") != EVENT_TYPE:
        raise InvalidValue(
            "type",
            "is neither an %(EVENT_TYPE)s nor an %(ANCHOR_TYPE)s object",
            EVENT_TYPE=EVENT_TYPE,
            ANCHOR_TYPE=ANCHOR_TYPE,
        )
    else:
        unknown = set(body) - {"type", *_LEAF_FIELDS}
        if unknown:
            raise InvalidValue(
                "leaf",
                "has unexpected keys %(unknown)s",
                unknown=", ".join(sorted(unknown)),
            )
        fields: dict[str, Any] = {name: body.get(name) for name in _LEAF_FIELDS}
        event = event_object(**fields)
    if event["seq"] != seq:
        raise InvalidValue(
            "seq",
            "is %(event)s, but the leaf is at index %(seq)s",
            event=event["seq"],
            seq=seq,
        )
    if canonical_bytes(event) != leaf:
        raise InvalidValue("leaf", "is not in canonical (JCS) form")
    return event


def _index_leaf(
    leaves: LeafIndex, seq: int, event: dict[str, Any], where: str, report: VerificationReport
) -> None:
    if is_anchor(event):
        leaves.anchors += 1
        return
    entry_id, revision = str(event["entry_id"]), int(event["revision"])
    digest = str(event["content_sha256"])
    known = leaves.contents.setdefault((entry_id, revision), digest)
    if known != digest:
        report.fail(where, f"leaf {seq} gives {entry_id} revision {revision} a second content hash")
    leaves.last_event[entry_id] = (str(event["event"]), revision)


def rebuild_log(
    source: FeedSource,
    checkpoint: Checkpoint,
    report: VerificationReport,
    leaves: LeafIndex,
    progress: Progress,
) -> TiledLog | None:
    """Replay the entry tiles up to the checkpoint size; None when they cannot be read."""
    log = TiledLog(RecomputedTiles(source, report))
    refs = _entry_tiles(checkpoint.size)
    for number, ref in enumerate(refs):
        path = LOG_PREFIX + ref.path
        data = source.read(path)
        if data is None:
            report.fail(path, f"is missing; the checkpoint covers {checkpoint.size} entries")
            return None
        try:
            entries = decode_bundle(data)
        except InvalidValue as error:
            report.fail(path, f"is not a valid entry bundle: {error.reason}")
            return None
        if len(entries) != ref.width:
            report.fail(path, f"holds {len(entries)} entries, expected {ref.width}")
            return None
        for offset, leaf in enumerate(entries):
            seq = ref.index * TILE_WIDTH + offset
            try:
                event = _check_leaf(seq, leaf)
            except InvalidValue as error:
                report.fail(
                    path, f"entry {offset} (leaf {seq}) is not a valid log event: {error.message}"
                )
            else:
                _index_leaf(leaves, seq, event, path, report)
            leaves.keep(seq, leaf)
            log.append(leaf)
        report.count("log entries", len(entries))
        progress("recomputing the log", number + 1, len(refs))
    log.flush()
    if log.root() != checkpoint.root:
        report.fail(
            "log/checkpoint",
            f"the signed root {checkpoint.root.hex()} is not the Merkle root of the "
            f"{checkpoint.size} published log entries ({log.root().hex()})",
        )
        return None
    return log


def check_consistency(
    log: TiledLog,
    saved: Checkpoint,
    current: Checkpoint,
    saved_name: str,
    report: VerificationReport,
) -> None:
    """Prove the saved checkpoint's tree is a prefix of the current one (RFC 9162 proof)."""
    if saved.origin != current.origin:
        report.fail(saved_name, f"is for log {saved.origin!r}, not {current.origin!r}")
        return
    if saved.size > current.size:
        report.fail(
            saved_name,
            f"has {saved.size} entries but the feed's log only {current.size}: "
            "the log was rolled back or replaced",
        )
        return
    if saved.size == 0:
        return
    try:
        proof = log.consistency_proof(saved.size, current.size) if saved.size < current.size else []
        verify_consistency(saved.size, current.size, proof, saved.root, current.root)
    except (InvalidProof, DomainError) as error:
        reason = error.reason if isinstance(error, InvalidProof) else error.message
        report.fail(saved_name, f"is not a prefix of the current log ({reason}): the log forked")
        return
    report.count("consistency proofs")
