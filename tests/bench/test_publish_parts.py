"""`bench.publish` splits a run's wall and CPU time into the feed and the exports after it."""

from __future__ import annotations

import pytest

from bench.publish import part_seconds


def test_each_part_runs_from_its_first_message_to_the_next_part_s() -> None:
    marks = [
        ("applying due transitions", 10.0, 100.0),
        ("signing the log checkpoint", 10.5, 100.4),
        # The exports run side by side: either may say so first.
        ("writing the screening index", 20.0, 130.0),
        ("writing the national platform export", 20.1, 130.1),
        ("screening index: written", 50.0, 185.0),
    ]
    parts = part_seconds(marks, end=(51.0, 186.0))
    assert list(parts) == ["feed", "exports"]
    assert parts["feed"] == {"s": pytest.approx(10.0), "cpu_s": pytest.approx(30.0)}
    assert parts["exports"] == {"s": pytest.approx(31.0), "cpu_s": pytest.approx(56.0)}


def test_the_exports_start_with_whichever_is_configured() -> None:
    marks = [
        ("applying due transitions", 1.0, 2.0),
        ("writing the national platform export", 3.0, 5.0),
    ]
    assert part_seconds(marks, end=(4.0, 8.0))["exports"] == {"s": 1.0, "cpu_s": 3.0}


def test_a_step_not_configured_is_left_out_and_the_feed_runs_to_the_end() -> None:
    marks = [("applying due transitions", 1.0, 2.0), ("writing log tiles (5 events)", 1.5, 2.5)]
    assert part_seconds(marks, end=(4.0, 8.0)) == {"feed": {"s": 3.0, "cpu_s": 6.0}}
