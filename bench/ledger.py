"""Ledger benchmark: event appends against raw Ed25519 signing, proofs at 1k, 100k and 1M leaves.

Run `python -m bench.ledger` (about a minute on two cores) or `--quick` for a smoke run.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.memory import peak_rss_mb
from registry.ledger.events import event_leaf
from registry.ledger.proofs import verify_consistency, verify_inclusion
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import MemoryTileStore

RECORDED_AT = "2026-01-31T08:00:00Z"
CONTENT = hashlib.sha256(b"entry").hexdigest()


class CountingStore(MemoryTileStore):
    """A memory store that counts the hashes proof generation reads."""

    def __init__(self) -> None:
        super().__init__()
        self.hashes_read = 0

    def read(self, path: str) -> bytes | None:
        """Return the stored bytes and count the hashes in them."""
        data = super().read(path)
        if data is not None and not path.startswith("tile/entries/"):
            self.hashes_read += len(data) // 32
        return data


def rate(count: int, work: Callable[[], object]) -> tuple[float, float]:
    """Run `work` once and return (seconds, count per second)."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    return seconds, count / seconds


def event_leaves(count: int) -> list[bytes]:
    """Build `count` event leaves (validated ipl.event/v1 objects in JCS)."""
    reasons = [("listed", None), ("amended", "correction"), ("removed", "expired")]
    return [
        event_leaf(
            seq,
            reasons[seq % 3][0],
            f"IPL-2026-{seq // 3:06d}",
            1 + seq % 3,
            CONTENT,
            RECORDED_AT,
            reasons[seq % 3][1],
        )
        for seq in range(count)
    ]


def append_leaves(leaves: list[bytes]) -> TiledLog:
    """Append leaves to a fresh tiled log and write its partial tiles."""
    log = TiledLog(MemoryTileStore())
    log.extend(leaves)
    log.flush()
    return log


def sign_messages(count: int) -> None:
    """Make `count` raw Ed25519 signatures over event-sized messages."""
    key = Ed25519PrivateKey.generate()
    message = event_leaf(0, "listed", "IPL-2026-000001", 1, CONTENT, RECORDED_AT)
    for _ in range(count):
        key.sign(message)


def int_leaf_store(size: int) -> CountingStore:
    """The tiles of a log whose leaves are the SHA-256 hashes of 0..size-1."""
    store = CountingStore()
    log = TiledLog(store)
    log.extend(hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size))
    log.flush()
    return store


def time_proofs(store: CountingStore, size: int, samples: int) -> dict[str, float]:
    """Mean microseconds and hashes read per proof: cold (a log opened per proof, as a web
    request does) and warm (one log object answering every proof)."""
    rng = random.Random(6962)
    warm_log = TiledLog(store, size)
    root = warm_log.root()
    results: dict[str, float] = {}
    for kind in ("inclusion", "consistency"):
        picks = [
            rng.randrange(1, size + 1) if kind == "consistency" else rng.randrange(size)
            for _ in range(samples)
        ]

        def prove(log: TiledLog, pick: int, kind: str = kind) -> list[bytes]:
            return (
                log.consistency_proof(pick, size)
                if kind == "consistency"
                else (log.inclusion_proof(pick))
            )

        store.hashes_read = 0
        start = time.perf_counter()
        for pick in picks:
            prove(TiledLog(store, size), pick)
        results[f"{kind} cold µs"] = (time.perf_counter() - start) / samples * 1e6
        results[f"{kind} hashes read"] = store.hashes_read / samples
        start = time.perf_counter()
        proofs = [prove(warm_log, pick) for pick in picks]
        results[f"{kind} warm µs"] = (time.perf_counter() - start) / samples * 1e6
        # Check some, so a fast but wrong proof cannot pass for a result.
        for pick, proof in list(zip(picks, proofs, strict=True))[:20]:
            if kind == "inclusion":
                verify_inclusion(pick, size, warm_log.leaf_hash(pick), proof, root)
            else:
                verify_consistency(pick, size, proof, warm_log.root(pick), root)
    return results


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print side-by-side numbers."""
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    events, signatures, sizes, samples = (
        (5_000, 2_000, (1_000, 5_000, 20_000), 200)
        if args.quick
        else (100_000, 20_000, (1_000, 100_000, 1_000_000), 2_000)
    )

    print(f"ledger benchmark{' (quick)' if args.quick else ''}")
    leaves: list[bytes] = []
    built_s, built = rate(events, lambda: leaves.extend(event_leaves(events)))
    print(f"  build event leaves (JCS)          {events:>9,} in {built_s:6.2f}s  {built:>10,.0f}/s")
    appended_s, _ = rate(events, lambda: append_leaves(leaves))
    print(
        f"  append them to the tiled log      {events:>9,} in {appended_s:6.2f}s"
        f"  {events / appended_s:>10,.0f}/s"
    )
    appended = events / (built_s + appended_s)
    print(
        f"  events appended, end to end       {events:>9,} in {built_s + appended_s:6.2f}s"
        f"  {appended:>10,.0f}/s"
    )
    seconds, signed = rate(signatures, lambda: sign_messages(signatures))
    print(
        f"  raw Ed25519 signatures            {signatures:>9,} in {seconds:6.2f}s"
        f"  {signed:>10,.0f}/s"
    )
    print(f"  events appended per signature     {appended / signed:>37.2f}x")
    print(f"  peak memory after appends         {peak_rss_mb():>34.0f} MB")

    measured = {}
    for size in sizes:
        start = time.perf_counter()
        store = int_leaf_store(size)
        built = time.perf_counter() - start
        measured[size] = time_proofs(store, size, samples)
        print(f"  built a {size:,}-leaf log in {built:.2f}s; peak memory {peak_rss_mb():.0f} MB")
        del store

    small, large = sizes[0], sizes[-1]
    header = f"proofs (mean of {samples:,})"
    columns = "".join(f"{f'{size:,} leaves':>17}" for size in sizes)
    print(f"  {header:<29}{columns}  ratio {large:,}/{small:,}")
    for row in measured[small]:
        cells = "".join(f"{measured[size][row]:>17.1f}" for size in sizes)
        a, b = measured[small][row], measured[large][row]
        print(f"    {row:<27}{cells}  {b / a if a else float('nan'):>5.2f}x")
    print(f"  peak memory (RSS)                 {peak_rss_mb():>34.0f} MB")


if __name__ == "__main__":
    main()
