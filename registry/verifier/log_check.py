"""Recompute the transparency log from its published entry tiles and check every hash tile.

The entries are replayed into a fresh TiledLog whose tile store compares each hash tile it
produces with the one the feed publishes, so a tile that disagrees with the entries is named
and the root is computed from the entries alone, never taken from the published hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from registry.errors import DomainError, InvalidValue
from registry.ledger.checkpoint import Checkpoint
from registry.ledger.hashing import HASH_SIZE
from registry.ledger.proofs import InvalidProof, verify_consistency
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import TILE_WIDTH, TileRef, decode_bundle, parse_tile_path
from registry.verifier.leaf_index import LeafIndex
from registry.verifier.parallel_check import Workers
from registry.verifier.report import VerificationReport
from registry.verifier.source import FeedSource, LocalFile, local_file
from registry.verifier.work import TileOutcome, check_tiles

LOG_PREFIX = "log/"
Progress = Callable[[str, int, int], None]
# Entry tiles handed to a worker at a time (4,096 leaves).
TILES_PER_JOB = 16


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


def leaf_reader(source: FeedSource, size: int) -> Callable[[int], bytes | None]:
    """Read leaf `seq` of a log of `size` leaves again from its entry tile."""

    def read(seq: int) -> bytes | None:
        index, offset = divmod(seq, TILE_WIDTH)
        ref = TileRef(None, index, min(TILE_WIDTH, size - index * TILE_WIDTH))
        data = source.read(LOG_PREFIX + ref.path)
        try:
            leaves = [] if data is None else decode_bundle(data)
        except InvalidValue:
            return None
        return leaves[offset] if offset < len(leaves) else None

    return read


TileJob = tuple[list[tuple[int, int, bytes | LocalFile]], int, bytes]


def _tile_jobs(
    source: FeedSource, refs: list[TileRef], leaves: LeafIndex
) -> Iterator[tuple[tuple[TileRef, ...], TileJob | None]]:
    """Read the entry tiles in runs of TILES_PER_JOB; a missing tile ends the runs."""
    for start in range(0, len(refs), TILES_PER_JOB):
        run = refs[start : start + TILES_PER_JOB]
        tiles: list[tuple[int, int, bytes | LocalFile]] = []
        for position, ref in enumerate(run):
            # A tile on the local disk is read by the worker replaying it, not sent to it.
            path = LOG_PREFIX + ref.path
            data = local_file(source, path) or source.read(path)
            if data is None:
                if tiles:
                    yield tuple(run[:position]), (tiles, leaves.keep_from, leaves.secret)
                yield (ref,), None
                return
            tiles.append((ref.index, ref.width, data))
        yield tuple(run), (tiles, leaves.keep_from, leaves.secret)


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
    # Where each replayed tile's problems end in the report: an event that gives a revision
    # a second content hash is found once every tile is indexed, and reported there.
    ends: list[int] = []
    try:
        running = workers or Workers(1)
        for run, outcomes in running.ordered(check_tiles, _tile_jobs(source, refs, leaves)):
            if outcomes is None:
                path = LOG_PREFIX + run[0].path
                report.fail(path, f"is missing; the checkpoint covers {checkpoint.size} entries")
                return None
            for ref, outcome in zip(run, outcomes, strict=True):
                if not _replay_tile(LOG_PREFIX + ref.path, outcome, log, leaves, report, ends):
                    return None
                progress("recomputing the log", len(ends), len(refs))
    finally:
        _report_second_contents(leaves.finish(), refs, ends, report)
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
    path: str,
    outcome: TileOutcome,
    log: TiledLog,
    leaves: LeafIndex,
    report: VerificationReport,
    ends: list[int],
) -> bool:
    """Fold one checked tile into the tree and the leaf index; False when it is unreadable."""
    if outcome.unreadable is not None:
        report.fail(path, outcome.unreadable)
        return False
    for _offset, message in outcome.problems:
        report.fail(path, message)
    ends.append(len(report.failures))
    leaves.add(outcome)
    log.extend_leaf_hashes(outcome.hashes)
    report.count("log entries", len(outcome.hashes))
    return True


def _report_second_contents(
    seconds: list[tuple[int, str, int]],
    refs: list[TileRef],
    ends: list[int],
    report: VerificationReport,
) -> None:
    """Report each event that gives a revision a second content hash, after its tile's problems.

    `ends[i]` is how many failures the report held after tile i's own; later failures
    stay after these, as if they had been reported while the tile was replayed.
    """
    inserted = 0
    for seq, entry_id, revision in seconds:
        tile, held = seq // TILE_WIDTH, len(report.failures)
        report.fail_at(
            ends[tile] + inserted,
            LOG_PREFIX + refs[tile].path,
            f"leaf {seq} gives {entry_id} revision {revision} a second content hash",
        )
        inserted += len(report.failures) - held


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
