"""PostgreSQL restarted under load: 503 while it is down, recovery without an app restart.

The test starts its own PostgreSQL cluster (initdb into a temporary directory, a free port),
so stopping it disturbs nobody else. gunicorn serves the demo on it with 2 workers while
client threads keep requesting; the server is stopped, first cleanly (`-m fast`), then as a
crash (`-m immediate`), left down for a few seconds, and started again. Every answer must be
200 or a 503 `database_unavailable` with a JSON body, never a 500 or a dropped connection,
and once the server is back the same gunicorn process answers 200 again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.served import Served, free_port, serve

pytestmark = pytest.mark.pg

DOWN_SECONDS = 3.0
CLIENT_THREADS = 4


def _postgres_bindir() -> Path | None:
    """The directory of initdb and pg_ctl: pg_config's answer, else Debian's layout."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(answer.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster owned by one test."""

    bindir: Path
    datadir: Path
    port: int
    as_user: list[str]
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        command = [
            *self.as_user,
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.log),
            "-w",
            *args,
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-o", options, "start")

    def stop(self, mode: str) -> None:
        self.pg_ctl("-m", mode, "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = _postgres_bindir()
    if bindir is None:
        if os.environ.get("REGISTRY_REQUIRE_PG") == "1":
            pytest.fail("REGISTRY_REQUIRE_PG=1 but no initdb was found to start a private server")
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
    # Not under pytest's tmp_path: its parents are private to this user, and as root the
    # server runs as `postgres` (PostgreSQL refuses to run as root).
    root = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PrivatePostgres(bindir, root / "data", free_port(), as_user, root / "server.log")
    subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(server.datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start()
    try:
        yield server
    finally:
        subprocess.run(
            [
                *as_user,
                str(bindir / "pg_ctl"),
                "-D",
                str(server.datadir),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Answers:
    """What the client threads saw, with the moment each answer arrived."""

    seen: list[tuple[float, int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, detail: str) -> None:
        with self.lock:
            self.seen.append((time.monotonic(), status, detail))

    def between(self, start: float, end: float) -> list[tuple[float, int, str]]:
        with self.lock:
            return [answer for answer in self.seen if start <= answer[0] < end]


def _request(url: str, answers: Answers) -> None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            answers.add(response.status, "")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            code = json.loads(body).get("code", "")
        except ValueError:
            code = f"not JSON: {body[:80]!r}"
        answers.add(error.code, code)
    except OSError as error:  # refused or reset: the app dropped the client
        answers.add(0, f"{type(error).__name__}: {error}")


def _load(served: Served, answers: Answers, stop: threading.Event) -> None:
    urls = [
        f"{served.base_url}/api/v1/entries/{served.entry_id}",
        f"{served.base_url}/api/v1/changes",
        f"{served.base_url}/",
    ]
    turn = 0
    while not stop.is_set():
        _request(urls[turn % len(urls)], answers)
        turn += 1


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_gunicorn_answers_503_while_postgres_restarts_and_recovers(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    with serve("postgresql", tmp_path / "work", private_postgres.url) as served:
        answers = Answers()
        stop = threading.Event()
        clients = [
            threading.Thread(target=_load, args=(served, answers, stop), daemon=True)
            for _ in range(CLIENT_THREADS)
        ]
        for client in clients:
            client.start()
        try:
            for mode in ("fast", "immediate"):
                time.sleep(1.5)
                private_postgres.stop(mode)
                down_at = time.monotonic()
                time.sleep(DOWN_SECONDS / 2)
                assert _status(f"{served.base_url}/readyz") == 503, "readyz while down"
                assert _status(f"{served.base_url}/healthz") == 200, "the process is alive"
                time.sleep(DOWN_SECONDS / 2)
                up_at = time.monotonic()
                private_postgres.start()
                time.sleep(2.0)
                recovered_at = time.monotonic()
                time.sleep(1.5)

                during = answers.between(down_at + 0.2, up_at)
                assert during, f"no answers while the server was down ({mode})"
                assert {status for _, status, _ in during} == {503}, (mode, during[:5])
                assert {code for _, _, code in during} == {"database_unavailable"}, mode
                after = answers.between(recovered_at, time.monotonic())
                assert after and {status for _, status, _ in after} == {200}, (mode, after[:5])
                assert _status(f"{served.base_url}/readyz") == 200, f"readyz after ({mode})"
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=15)

        unexpected = [answer for answer in answers.seen if answer[1] not in (200, 503)]
        assert not unexpected, unexpected[:10]
        assert served.process.poll() is None, "gunicorn itself must not have been restarted"
