"""The parts of a scaled-out deployment as OS processes, for tests/pg/test_pg_scale_out.py.

Web nodes are gunicorn serving `wsgi:app` (the production app); publishers are
`tests/pg/publisher_loop.py`; a sampler watches PostgreSQL's lock table for the publisher
lock; a staff member signs in on one node and carries the session cookie to any node.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, make_url, text

from bench.served import BIN, ROOT, free_port
from publisher.leader import PUBLISHER_LOCK_KEY

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# Who holds the publisher's advisory lock in this database (a bigint key: classid is its
# high half, objid its low half), named by the holder's application_name.
HOLDERS = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def with_application_name(database_url: str, name: str) -> str:
    """The database URL whose connections show `name` in pg_stat_activity."""
    url = make_url(database_url).update_query_dict({"application_name": name})
    return url.render_as_string(hide_password=False)


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):  # refused, or still starting
            if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        assert process.poll() is None, f"gunicorn exited with {process.returncode}"
        time.sleep(0.2)
    raise AssertionError(f"{base_url} did not answer /healthz within 30 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def web_node(env: dict[str, str], log_dir: Path, name: str) -> Iterator[str]:
    """A gunicorn web node (one worker) on a free loopback port; yields its base URL."""
    port = free_port()
    node_env = env | {
        "REGISTRY_DATABASE_URL": with_application_name(env["REGISTRY_DATABASE_URL"], name)
    }
    with (log_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            env=node_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process)
        yield base_url
    finally:
        _stop(process)


@contextmanager
def publisher(
    env: dict[str, str], log_dir: Path, runs: Path, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A publisher process named `name` (its runs logged to `runs`); stopped afterwards."""
    node_env = env | {
        "REGISTRY_DATABASE_URL": with_application_name(env["REGISTRY_DATABASE_URL"], name)
    }
    with (log_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.pg.publisher_loop", str(runs), name],
            env=node_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        _stop(process)


def kill(process: subprocess.Popen[bytes]) -> float:
    """SIGKILL `process` (no cleanup of any kind); return the time it was sent."""
    process.send_signal(signal.SIGKILL)
    killed_at = time.time()
    process.wait(timeout=10)
    return killed_at


@dataclass
class LockSampler:
    """Samples the publisher lock's holders every few milliseconds in a thread."""

    database_url: str
    samples: list[tuple[float, list[str]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def holders(self) -> list[str]:
        """The latest sample's holders."""
        return self.samples[-1][1] if self.samples else []

    @contextmanager
    def running(self) -> Iterator[LockSampler]:
        """Sample until the block ends."""
        engine = create_engine(with_application_name(self.database_url, "lock-sampler"))
        thread = threading.Thread(target=self._sample, args=(engine,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=10)
            engine.dispose()

    def _sample(self, engine: Any) -> None:
        with engine.connect() as conn:
            while not self._stop.is_set():
                names = list(conn.scalars(HOLDERS, {"key": PUBLISHER_LOCK_KEY}))
                conn.rollback()
                self.samples.append((time.time(), names))
                time.sleep(0.005)


class Staff:
    """A member of staff signed in on one node, whose session cookie any node accepts."""

    def __init__(self, base_url: str, username: str, password: str, code: str = "") -> None:
        self.http = requests.Session()
        page = self._call("GET", f"{base_url}/admin/login")
        found = _CSRF_RE.search(page.text)
        assert found, "the sign-in page has no CSRF token"
        signed_in = self._call(
            "POST",
            f"{base_url}/admin/login",
            data={
                "csrf_token": found.group(1),
                "username": username,
                "password": password,
                "totp": code,
            },
            allow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        self.csrf_token = self._call("GET", f"{base_url}/api/v1/admin/session").json()["csrf_token"]

    def post(self, url: str, body: dict[str, Any]) -> requests.Response:
        """POST a JSON body with the CSRF header."""
        return self._call("POST", url, json=body, headers={"X-CSRFToken": self.csrf_token})

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        response = self.http.request(method, url, timeout=30, **kwargs)
        # Production cookies are Secure: a load balancer terminates TLS in front of the nodes,
        # which these plain-HTTP loopback requests stand in for.
        for cookie in self.http.cookies:
            cookie.secure = False
        return response


def read_runs(path: Path) -> list[dict[str, Any]]:
    """The publishers' run records, in the order they were written."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def open_run(records: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The run `name` has started and not ended, if its last start or end record is a start."""
    mine = [r for r in records if r.get("publisher") == name and "start" in r]
    if mine and "end" not in mine[-1]:
        return mine[-1]
    return None
