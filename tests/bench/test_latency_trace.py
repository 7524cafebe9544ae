"""bench/latency_trace.py: each request's time split between the client and the worker."""

from __future__ import annotations

import pytest

from bench import latency_trace
from bench.latency_trace import Noted, Sent, breakdown, phases


def _request(due: float, waiting: float, in_worker: float) -> tuple[Sent, Noted]:
    """Client and server rows of a request: 0.1 ms late, 0.1 ms connect, 0.1 ms back."""
    sent = due + 0.0001
    connected = sent + 0.0001
    started = connected + waiting
    finished = started + in_worker
    return (due, sent, connected, finished + 0.0001, 200), (started, finished, started - 0.001)


def test_a_request_splits_into_its_phases() -> None:
    client, server = _request(10.0, waiting=0.004, in_worker=0.0007)
    split = phases(client, server)
    expected = {"sent late": 0.0001, "connect": 0.0001, "waiting": 0.004, "in worker": 0.0007}
    # The worker had finished its request before 1 ms before it started: free for the last 1 ms.
    assert split == pytest.approx(expected | {"back": 0.0001, "worker free": 0.001})


def test_the_slowest_are_told_apart_by_where_they_waited() -> None:
    sent: dict[int, Sent] = {}
    served: dict[int, Noted] = {}
    for number in range(200):
        waiting = {50: 0.008, 51: 0.009, 52: 0.010}.get(number, 0.0001)
        sent[number], served[number] = _request(number * 0.01, waiting, in_worker=0.0006)
    # A request the server never noted (its connection refused) is counted, not split.
    sent[200] = (2.0, 2.0, 0.0, 2.0, None)
    flushes = [(sent[52][2] + 0.001, sent[52][2] + 0.003)]  # while request 52 waited

    found = breakdown(sent, served, flushes)

    assert found["requests"] == 200 and found["unanswered"] == 1 and found["misjoined"] == 0
    assert found["slowest_count"] == 2
    assert found["longest_in"]["waiting"] == 2
    assert found["during_flush"] == 1
    assert found["slowest"]["waiting"] == pytest.approx(0.0095)
    assert found["every"]["in worker"] == pytest.approx(0.0006)
    assert found["p99"] > found["p50"] * 5


def test_a_rate_at_or_below_zero_is_refused_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(latency_trace, "trace", lambda *args: pytest.fail("started"))
    with pytest.raises(SystemExit):
        latency_trace.main(["--rate", "0"])
    assert "--rate must be above 0" in capsys.readouterr().err


def test_a_served_lookup_is_traced_in_both_the_client_and_the_workers() -> None:
    """gunicorn with bench/trace_hooks.py: every numbered lookup is noted by a worker."""
    found = latency_trace.trace("sqlite", "lookup", rate=40.0, seconds=1.0, workers=2)
    assert found["requests"] == 40 and found["unanswered"] == 0
    # Each worker note is the measured request's own, not the warm-up's of the same number.
    assert found["misjoined"] == 0
    assert 0 < found["p50"] <= found["p99"]
    assert all(found["every"][phase] >= 0 for phase in ("waiting", "in worker"))
    # Each lookup's receipt is written by the workers' receipt writers, whose flushes are noted.
    assert found["flushes"] >= 1
