"""Feeds built here by hand for the offline verifier tests, and a way to serve one over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from typing import Any

from publisher.writers import (
    build_index,
    write_atomic,
    write_delta,
    write_index,
    write_keys,
    write_snapshot_jsonl,
)
from registry.canonical import canonical_bytes, sha256_hex
from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.events import event_leaf
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import DirectoryTileStore
from registry.signing.keys import KEY_USES, SigningKey, generate_key
from registry.signing.signatures import sign_entry, sign_envelope
from registry.verifier import DirectorySource, VerificationReport, verify_feed
from tests.publisher.writer_samples import make_entry

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
ORIGIN = "registry.example/test-log"


@dataclass
class Feed:
    """A feed written to `root` and the keys that signed it."""

    root: Path
    keys: dict[str, SigningKey]

    def checkpoint(self, size: int) -> str:
        """The checkpoint note the log would have signed at `size`."""
        root = TiledLog(DirectoryTileStore(self.root / "log"), size).root()
        return sign_checkpoint(ORIGIN, size, root, self.keys["checkpoint"], ORIGIN)

    def pinned(self) -> list[Any]:
        return [key.verification_key() for key in self.keys.values()]

    def verify(self, **options: Any) -> VerificationReport:
        options.setdefault("pinned_keys", self.pinned())
        return verify_feed(DirectorySource(self.root), now=NOW, **options)


def _stamp(seq: int) -> str:
    return (NOW - dt.timedelta(days=1) + dt.timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_feed(
    root: Path,
    listed: int = 3,
    removed: int = 1,
    purged: bool = False,
    delta_from: int = 0,
    keys: dict[str, SigningKey] | None = None,
    relogged: int = 0,
) -> Feed:
    """Publish `listed` entries (the last `removed` of them removed again) as feed version 1.

    The delta holds the events from `delta_from` on, as if earlier ones were in older deltas.
    `keys` signs with the keys of an earlier feed (the same log publishing again). The first
    `relogged` entries are then logged as amended at the same revision with another content
    hash (their delta lines without a bundle), which the log must never do.
    """
    keys = keys or {use: generate_key(use, NOW - dt.timedelta(days=2), ORIGIN) for use in KEY_USES}
    bundles = [sign_entry(make_entry(number), keys["entry"]) for number in range(1, listed + 1)]
    log = TiledLog(DirectoryTileStore(root / "log"))
    events: list[dict[str, Any]] = []

    def append(
        event: str, bundle: dict[str, Any], reason: str | None = None, content: str | None = None
    ) -> None:
        entry = bundle["entry"]
        digest = content or sha256_hex(entry)
        fields = (log.size, event, entry["entry_id"], entry["revision"], digest)
        leaf = event_leaf(*fields, _stamp(log.size), reason)
        purge = (purged and reason) or content
        events.append({**json.loads(leaf), "bundle": None if purge else bundle})
        log.append(leaf)
        log.flush()  # as the publisher does after every append: partial tiles for every size

    for bundle in bundles:
        append("listed", bundle)
    for bundle in bundles[listed - removed :]:
        append("removed", bundle, "error")
    for bundle in bundles[:relogged]:
        other = sha256_hex({**bundle["entry"], "remedy": "logged twice"})
        append("amended", bundle, "correction", other)
    feed = Feed(root, keys)
    note = feed.checkpoint(log.size)
    write_atomic(root / "log" / "checkpoint", note.encode())
    snapshot = write_snapshot_jsonl(root, 1, bundles[: listed - removed])
    delta = write_delta(root, 0, 1, events[delta_from:])
    write_keys(root, [key.verification_key().as_record() for key in keys.values()])
    signed = build_index(1, NOW, NOW + dt.timedelta(hours=2), note, [snapshot], delta)
    write_index(root, sign_envelope("ipl.feed-index/v1", signed, keys["index"]))
    return feed


def rewrite_line(path: Path, number: int, change: Any) -> None:
    """Replace line `number` (from 1) of a JSONL file by change(parsed line), in canonical form."""
    lines = path.read_bytes().splitlines(keepends=True)
    lines[number - 1] = canonical_bytes(change(json.loads(lines[number - 1]))) + b"\n"
    path.write_bytes(b"".join(lines))


def flip_byte(path: Path, offset: int) -> None:
    """Change one byte of a file in place."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def failures(report: VerificationReport) -> str:
    """All problems as one text, for assertions that name the file and the reason."""
    return "\n".join(report.problems())


class QuietFileHandler(SimpleHTTPRequestHandler):
    """Serves files like `python -m http.server`, without logging each request."""

    def log_message(self, format: str, *args: object) -> None:
        return None  # keep test output clean


@contextmanager
def serving(handler: Callable[..., BaseRequestHandler]) -> Iterator[str]:
    """Run `handler` on a free port of 127.0.0.1 until the block ends; yield the URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def served(root: Path) -> AbstractContextManager[str]:
    """Serve the files under `root` over HTTP; the context yields the URL."""
    return serving(partial(QuietFileHandler, directory=root))
