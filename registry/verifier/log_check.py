"""Recompute the transparency log from its published entry tiles and check every hash tile.

The entries are replayed into a fresh TiledLog whose tile store compares each hash tile it
produces with the one the feed publishes, so a tile that disagrees with the entries is named
and the root is computed from the entries alone, never taken from the published hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from registry.errors import DomainError
from registry.ledger.checkpoint import Checkpoint
from registry.ledger.hashing import HASH_SIZE
from registry.ledger.proofs import InvalidProof, verify_consistency
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import TILE_WIDTH, TileRef, parse_tile_path
from registry.verifier.parallel_check import Workers
from registry.verifier.report import VerificationReport
from registry.verifier.source import FeedSource
from registry.verifier.work import TileOutcome, check_tiles

LOG_PREFIX = "log/"
Progress = Callable[[str, int, int], None]
# Entry tiles handed to a worker at a time (4,096 leaves).
TILES_PER_JOB = 16


@dataclass
class LeafIndex:
    """What the snapshot and delta checks need to know about the leaves."""

    contents: dict[tuple[str, int], str] = field(default_factory=dict)
    last_event: dict[str, tuple[str, int]] = field(default_factory=dict)
    # SHA-256 of each leaf from `keep_from` on, in order, end to end: the delta's lines are
    # compared with them. Digests in one buffer, not the leaves nor a bytes object each, so a
    # 1M-event delta costs 32 MB.
    kept: bytearray = field(default_factory=bytearray)
    keep_from: int = 0
    anchors: int = 0  # audit anchors among the leaves
    states: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)

    def keep(self, seq: int, leaf: bytes) -> None:
        """Remember leaf `seq` (called in order) if the delta will need it."""
        if seq >= self.keep_from:
            self.kept += hashlib.sha256(leaf).digest()

    def kept_digest(self, seq: int) -> bytes | None:
        """The SHA-256 of leaf `seq`, if it was kept."""
        position = (seq - self.keep_from) * HASH_SIZE
        if not 0 <= position < len(self.kept):
            return None
        return bytes(self.kept[position : position + HASH_SIZE])


class RecomputedTiles:
    """A TileStore that checks each hash tile the replay produces against the published one.

    A tile equal to the published one is remembered by its SHA-256 only (a 1M-entry log has
    32 MB of hash tiles) and read back from the feed when a proof needs it, checked against
    that digest; a tile that differs is kept whole.
    """

    def __init__(self, source: FeedSource, report: VerificationReport) -> None:
        self.source = source
        self.report = report
        self.hash_tiles: dict[str, bytes] = {}
        self.digests: dict[str, bytes] = {}

    def read(self, path: str) -> bytes | None:
        """Return a hash tile the replay computed (never bytes it did not compute)."""
        kept = self.hash_tiles.get(path)
        if kept is not None or path not in self.digests:
            return kept
        published = self.source.read(LOG_PREFIX + path)
        if published is None or hashlib.sha256(published).digest() != self.digests[path]:
            return None
        return published

    def write(self, path: str, data: bytes) -> None:
        """Compare a recomputed tile with the published one and remember it."""
        ref = parse_tile_path(path)
        if ref.level is None:
            return  # entry bundles are what the replay read; comparing them proves nothing
        published = self.source.read(LOG_PREFIX + path)
        if published == data:
            self.digests[path] = hashlib.sha256(data).digest()
            self.hash_tiles.pop(path, None)
            return
        self.hash_tiles[path] = data
        if published is None:
            self.report.fail(LOG_PREFIX + path, "is missing from the feed")
        else:
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


def _tile_jobs(
    source: FeedSource, refs: list[TileRef], keep_from: int
) -> Iterator[tuple[tuple[TileRef, ...], tuple[list[tuple[int, int, bytes]], int] | None]]:
    """Read the entry tiles in runs of TILES_PER_JOB; a missing tile ends the runs."""
    for start in range(0, len(refs), TILES_PER_JOB):
        run = refs[start : start + TILES_PER_JOB]
        tiles: list[tuple[int, int, bytes]] = []
        for position, ref in enumerate(run):
            data = source.read(LOG_PREFIX + ref.path)
            if data is None:
                if tiles:
                    yield tuple(run[:position]), (tiles, keep_from)
                yield (ref,), None
                return
            tiles.append((ref.index, ref.width, data))
        yield tuple(run), (tiles, keep_from)


def rebuild_log(
    source: FeedSource,
    checkpoint: Checkpoint,
    report: VerificationReport,
    leaves: LeafIndex,
    progress: Progress,
    workers: Workers | None = None,
) -> TiledLog | None:
    """Replay the entry tiles up to the checkpoint size; None when they cannot be read.

    The leaves are decoded, checked and hashed by `workers` (registry/verifier/work.py);
    this process builds the tree from their hashes and indexes their events, in order.
    """
    log = TiledLog(RecomputedTiles(source, report))
    refs = _entry_tiles(checkpoint.size)
    done, running = 0, workers or Workers(1)
    for run, outcomes in running.ordered(check_tiles, _tile_jobs(source, refs, leaves.keep_from)):
        if outcomes is None:
            path = LOG_PREFIX + run[0].path
            report.fail(path, f"is missing; the checkpoint covers {checkpoint.size} entries")
            return None
        for ref, outcome in zip(run, outcomes, strict=True):
            if not _replay_tile(LOG_PREFIX + ref.path, outcome, log, leaves, report):
                return None
            done += 1
            progress("recomputing the log", done, len(refs))
    log.flush()
    if log.root() != checkpoint.root:
        report.fail(
            "log/checkpoint",
            f"the signed root {checkpoint.root.hex()} is not the Merkle root of the "
            f"{checkpoint.size} published log entries ({log.root().hex()})",
        )
        return None
    return log


def _replay_tile(
    path: str, outcome: TileOutcome, log: TiledLog, leaves: LeafIndex, report: VerificationReport
) -> bool:
    """Fold one checked tile into the tree and the leaf index; False when it is unreadable."""
    if outcome.unreadable is not None:
        report.fail(path, outcome.unreadable)
        return False
    for _offset, message in outcome.problems:
        report.fail(path, message)
    contents, last_event, states = leaves.contents, leaves.last_event, leaves.states
    for seq, event, entry_id, revision, digest in outcome.events:
        if contents.setdefault((entry_id, revision), digest) != digest:
            report.fail(
                path, f"leaf {seq} gives {entry_id} revision {revision} a second content hash"
            )
        # One (event, revision) tuple shared by every entry in that state, not one each.
        state = (event, revision)
        last_event[entry_id] = states.setdefault(state, state)
    leaves.anchors += outcome.anchors
    leaves.kept += b"".join(outcome.kept)
    log.extend_leaf_hashes(outcome.hashes)
    report.count("log entries", len(outcome.hashes))
    return True


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
