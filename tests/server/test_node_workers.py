"""A real gunicorn node: the master builds the read model once, every worker serves from it.

Two workers over a migrated, published demo registry (production settings, no scheduler, as
docs/operations.md deploys a web node). The warm-up's steps are logged once, by the master;
each worker, and the worker that replaces one killed, logs that it took the master's model,
and they all answer the same lookup; so do the new workers a HUP starts, once the master
has moved its model to the current state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.node_start import children
from bench.served import first_listed, free_port, gunicorn, prepare_database, server_env, stop

STARTUP_SECONDS = 120
MASTER = "(gunicorn's master, for every worker)"
TAKEN = "warm-up: read model from gunicorn's master"


def _children(pid: int) -> set[int]:
    return set(children(pid))


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {STARTUP_SECONDS} s")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, str, dict[str, str]]]:
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    api_key = prepare_database(env)
    entry_id, identifier, _names = first_listed(tmp_path / "feed")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = gunicorn(env, port, 2, app="wsgi:app", output=output, log_level="info")
    base = f"http://127.0.0.1:{port}"
    query = {"api_key": api_key, "entry_id": entry_id, **identifier}
    try:
        yield process, log, base, query
    finally:
        stop(process)


def _lookup(base: str, query: dict[str, str]) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/lookup?scheme={query['scheme']}&value={query['value']}",
        headers={"Authorization": f"Bearer {query['api_key']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    return f"{answer['answer']} {answer['entries'][0]['entry_id']}"


def test_the_master_warms_once_and_every_worker_serves_from_its_model(
    node: tuple[subprocess.Popen[bytes], Path, str, dict[str, str]],
) -> None:
    process, log, base, query = node

    def taken() -> int:
        return log.read_text(encoding="utf-8").count(TAKEN)

    _wait_for(lambda: taken() == 2, "both workers started")
    text = log.read_text(encoding="utf-8")
    warmed = [line for line in text.splitlines() if "warm-up:" in line and TAKEN not in line]
    assert len(warmed) == 7 and all(line.endswith(MASTER) for line in warmed)
    assert "warm-up failed" not in text and "Traceback" not in text
    # Any worker may answer: each answers from the master's model.
    assert {_lookup(base, query) for _ in range(20)} == {f"listed {query['entry_id']}"}

    workers = _children(process.pid)
    assert len(workers) == 2
    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    _wait_for(lambda: taken() == 3, "a worker replaced the one killed")
    _wait_for(lambda: len(_children(process.pid) - {killed}) == 2, "the new worker running")
    assert {_lookup(base, query) for _ in range(20)} == {f"listed {query['entry_id']}"}
    text = log.read_text(encoding="utf-8")
    assert len([line for line in text.splitlines() if line.endswith(MASTER)]) == 7

    # A HUP: the master moves its model to the current state, then forks two new workers.
    before = _children(process.pid)
    process.send_signal(signal.SIGHUP)
    _wait_for(lambda: taken() == 5, "two new workers after the HUP")
    _wait_for(lambda: not (_children(process.pid) & before), "the old workers stopped")
    text = log.read_text(encoding="utf-8")
    assert len([line for line in text.splitlines() if line.endswith(MASTER)]) == 14
    assert "warm-up failed" not in text and "Traceback" not in text
    assert {_lookup(base, query) for _ in range(20)} == {f"listed {query['entry_id']}"}
