"""A registry that signs two histories: the witness refuses the second, the monitor reports it.

Both feeds are complete and each verifies on its own (signatures, tiles, entries), signed with
the same keys; they disagree on the log's fourth event. Only someone who saw the first can
tell: a witness, which holds the size and root it cosigned, and a monitor, which holds the
checkpoint it verified last.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from publisher.witnessing import add_checkpoint_body
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import DirectoryTileStore
from registry.verifier import DirectorySource
from registry.verifier.monitor import MonitorState, monitor_once
from registry.witness.service import Witness
from registry.witness.state import WitnessState
from server.witness import create_witness_app
from tests.registry.verifier.verifier_feeds import NOW, ORIGIN, build_feed

WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def _submission(feed_root: Path, old: int) -> bytes:
    note = (feed_root / "log" / "checkpoint").read_text()
    size = int(note.split("\n")[1])
    log = TiledLog(DirectoryTileStore(feed_root / "log"), size)
    return add_checkpoint_body(log, note, old, size)


def test_a_forked_log_is_refused_by_the_witness_and_reported_by_the_monitor(
    tmp_path: Path,
) -> None:
    shown_to_all = build_feed(tmp_path / "feed", listed=3, removed=1)  # 3 listed, 1 removed
    # The same keys sign another history: entry 2 removed as well, before entry 3.
    forked = build_feed(tmp_path / "fork", listed=3, removed=2, keys=shown_to_all.keys)
    log_vkey = shown_to_all.keys["checkpoint"].verification_key().note_vkey
    assert log_vkey is not None
    witness = Witness(
        "witness.example/w1", WITNESS_KEY, [log_vkey], WitnessState(tmp_path / "w.sqlite3")
    )
    http = create_witness_app(witness).test_client()
    monitor = MonitorState(tmp_path / "monitor")

    assert http.post("/add-checkpoint", data=_submission(shown_to_all.root, 0)).status_code == 200
    assert monitor_once(DirectorySource(shown_to_all.root), monitor, now=NOW).outcome == "ok"
    # Each feed alone is valid: nothing but the earlier checkpoint shows the fork.
    assert forked.verify().ok

    refused = http.post("/add-checkpoint", data=_submission(forked.root, 4))
    assert refused.status_code == 422
    assert "consistency proof" in refused.get_data(as_text=True)
    seen = monitor_once(DirectorySource(forked.root), monitor, now=NOW)

    assert seen.outcome == "split_view" and seen.exit_code == 2
    assert seen.evidence is not None
    assert (seen.evidence / "previous.checkpoint").read_text() == (
        shown_to_all.root / "log" / "checkpoint"
    ).read_text()
    assert (seen.evidence / "current.checkpoint").read_text() == (
        forked.root / "log" / "checkpoint"
    ).read_text()
    assert witness.state.latest(ORIGIN).size == 4  # type: ignore[union-attr]
