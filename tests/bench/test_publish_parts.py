"""`bench.publish` splits a run's wall and CPU time into the feed and the steps after it."""

from __future__ import annotations

import pytest

from bench.publish import part_seconds


def test_each_part_runs_from_its_message_to_the_next_part_s() -> None:
    marks = [
        ("applying due transitions", 10.0, 100.0),
        ("signing the log checkpoint", 10.5, 100.4),
        ("writing the national platform export", 20.0, 130.0),
        ("writing the screening index", 27.0, 137.0),
        ("screening index: written", 50.0, 185.0),
    ]
    parts = part_seconds(marks, end=(51.0, 186.0))
    assert list(parts) == ["feed", "national", "screening_index"]
    assert parts["feed"] == {"s": pytest.approx(10.0), "cpu_s": pytest.approx(30.0)}
    assert parts["national"] == {"s": pytest.approx(7.0), "cpu_s": pytest.approx(7.0)}
    assert parts["screening_index"] == {"s": pytest.approx(24.0), "cpu_s": pytest.approx(49.0)}


def test_a_step_not_configured_is_left_out_and_the_feed_runs_to_the_end() -> None:
    marks = [("applying due transitions", 1.0, 2.0), ("writing log tiles (5 events)", 1.5, 2.5)]
    assert part_seconds(marks, end=(4.0, 8.0)) == {"feed": {"s": 3.0, "cpu_s": 6.0}}
