"""The node start benchmark: both ways of starting measured on a real gunicorn."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import node_start
from bench.registry_data import prepare


def test_both_starts_are_measured_and_the_shared_one_is_the_masters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare(tmp_path, 200, None, workers=1)
    own, shared = node_start.measure(tmp_path, 200)
    assert (own.shared, shared.shared) == (False, True)
    for start in (own, shared):
        assert start.ready_s > 0 and start.cpu_s > 0 and start.replaced_s > 0
        assert 0 < start.pss_mb <= start.rss_mb and start.pss_after_mb > 0
    # Each worker built its own model in one start; only the master did in the other.
    assert len(node_start._started(tmp_path / "gunicorn-own.log", node_start.OWN)) == 3
    shared_log = tmp_path / "gunicorn-shared.log"
    assert len(node_start._started(shared_log, node_start.OWN)) == 1
    assert len(node_start._started(shared_log, node_start.TAKEN)) == 3
    node_start.report(200, node_start.WORKERS, [own, shared])
    assert "the master's over each worker's, 2 workers: ready" in capsys.readouterr().out


def test_a_size_too_small_for_the_traffic_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        node_start.main(["--sizes", "50"])
    assert "at least 100 entries" in capsys.readouterr().err


def test_a_node_without_workers_is_refused() -> None:
    with pytest.raises(SystemExit, match="at least 1 worker"):
        node_start.main(["--workers", "0", "--quick"])
