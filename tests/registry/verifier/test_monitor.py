"""The monitor follows a feed run after run, and keeps evidence when the log shows two histories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from registry.ledger.checkpoint import sign_checkpoint
from registry.ledger.tiled_log import TiledLog
from registry.ledger.tiles import MemoryTileStore
from registry.verifier import DirectorySource
from registry.verifier.monitor import MonitorState, monitor_once
from server.main import main
from tests.registry.verifier.verifier_feeds import NOW, ORIGIN, build_feed, flip_byte


def _runs(state: Path) -> list[dict[str, object]]:
    lines = (state / "runs.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_growing_log_is_followed_and_the_checkpoint_moves_forward(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed", listed=3, removed=0)
    state = MonitorState(tmp_path / "state")

    first = monitor_once(DirectorySource(feed.root), state, now=NOW)
    assert first.outcome == "ok" and first.previous_size is None
    assert (tmp_path / "state" / "vkey").read_text().strip() == feed.keys[
        "checkpoint"
    ].verification_key().note_vkey

    shutil.rmtree(feed.root)
    build_feed(feed.root, listed=5, removed=1, keys=feed.keys)
    second = monitor_once(DirectorySource(feed.root), state, now=NOW)

    assert second.outcome == "ok", second.report.problems()
    assert second.previous_size == 3
    assert second.report.checkpoint is not None and second.report.checkpoint.size == 6
    assert [run["outcome"] for run in _runs(tmp_path / "state")] == ["ok", "ok"]
    assert [run["size"] for run in _runs(tmp_path / "state")] == [3, 6]


def test_a_split_view_is_reported_with_both_signed_checkpoints_kept(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    state = MonitorState(tmp_path / "state")
    # An earlier run was shown another history, signed with the log's own key.
    fork = TiledLog(MemoryTileStore())
    fork.extend([b"another", b"history"])
    forked = sign_checkpoint(ORIGIN, 2, fork.root(), feed.keys["checkpoint"], ORIGIN)
    state.write("checkpoint", forked)

    result = monitor_once(DirectorySource(feed.root), state, now=NOW)

    assert result.outcome == "split_view" and result.exit_code == 2
    assert result.evidence is not None
    assert (result.evidence / "previous.checkpoint").read_text() == forked
    current = (result.evidence / "current.checkpoint").read_text()
    assert current == (feed.root / "log" / "checkpoint").read_text()
    assert "the log forked" in (result.evidence / "report.txt").read_text()
    # The checkpoint seen before is not replaced by the contradicting one.
    assert state.read("checkpoint") == forked


def test_a_tampered_entry_is_a_problem_and_the_checkpoint_stays(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    state = MonitorState(tmp_path / "state")
    assert monitor_once(DirectorySource(feed.root), state, now=NOW).outcome == "ok"
    saved = state.read("checkpoint")
    snapshot = next((feed.root / "snapshot").glob("*.jsonl"))
    flip_byte(snapshot, 40)

    result = monitor_once(DirectorySource(feed.root), state, now=NOW)

    assert result.outcome == "problems" and result.exit_code == 1
    assert any("snapshot" in problem for problem in result.report.problems())
    assert state.read("checkpoint") == saved


def test_a_key_other_than_the_pinned_one_is_refused(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    state = MonitorState(tmp_path / "state")
    assert monitor_once(DirectorySource(feed.root), state, now=NOW).outcome == "ok"
    other = build_feed(tmp_path / "other")  # same origin, new keys: another log

    result = monitor_once(DirectorySource(other.root), state, now=NOW)

    assert result.outcome == "problems"
    assert any("not validly signed" in problem for problem in result.report.problems())


def test_the_command_exits_2_on_a_split_view(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    runner = CliRunner()
    state = tmp_path / "state"
    fork = TiledLog(MemoryTileStore())
    fork.extend([b"x"])
    MonitorState(state).write(
        "checkpoint", sign_checkpoint(ORIGIN, 1, fork.root(), feed.keys["checkpoint"], ORIGIN)
    )
    vkey = feed.keys["checkpoint"].verification_key().note_vkey
    assert vkey is not None

    result = runner.invoke(main, ["monitor", str(feed.root), "--state", str(state), "--vkey", vkey])

    assert result.exit_code == 2
    assert "SPLIT VIEW" in result.output


def test_the_command_names_a_malformed_key(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    runner = CliRunner()

    result = runner.invoke(
        main, ["monitor", str(feed.root), "--state", str(tmp_path / "s"), "--vkey", "nonsense"]
    )

    assert result.exit_code == 1
    assert "vkey" in result.output or "verifier key" in result.output
    assert "Traceback" not in result.output
