"""A benchmark server: a prepared database (demo data, one publication) served by gunicorn.

Loopback only, 2 workers, rate limits off; SQLite files or a throwaway PostgreSQL database.
Used by bench/api_load.py and bench/soak.py.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = 2
STARTUP_SECONDS = 120


@dataclass
class Served:
    """A running gunicorn serving one prepared database."""

    backend: str
    base_url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    api_key: str
    entry_id: str
    identifier: dict[str, str]
    names: list[str] = field(default_factory=list)


def served_app() -> Any:
    """The WSGI app gunicorn serves in benchmarks: the real app with rate limits off."""
    from server.app import create_app

    return create_app({"RATELIMIT_ENABLED": False})


def registry(env: dict[str, str], *args: str) -> str:
    """Run one `registry` command with `env`; return its output, failing loudly."""
    result = subprocess.run(
        [str(BIN / "registry"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"registry {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def server_env(workdir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark server: its own database, keys and feed, no scheduler."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update(
        REGISTRY_ENV="production",
        REGISTRY_SECRET_KEY=secrets.token_hex(32),
        REGISTRY_DATABASE_URL=database_url,
        REGISTRY_KEYS_DIR=str(workdir / "keys"),
        REGISTRY_FEED_DIR=str(workdir / "feed"),
        REGISTRY_SCREENING_INDEX=str(workdir / "screening.index"),
        REGISTRY_SCHEDULER="false",
        # Production keeps the signing keys encrypted and the rate limits in a shared store.
        REGISTRY_KEY_PASSPHRASE=secrets.token_hex(16),
        REGISTRY_RATELIMIT_STORAGE="redis://127.0.0.1:6379",
        # Production refuses the development address as the public one; any real-looking one
        # will do for a server that only answers the benchmark.
        REGISTRY_PUBLIC_URL="https://registry.bench.invalid",
        # Production refuses the demonstration authority too; a generic one, as in the
        # configuration tests, names no real office.
        REGISTRY_AUTHORITY_NAME="某市知识产权局",
        REGISTRY_AUTHORITY_CODE="BENCH-IPA",
        FLASK_APP="wsgi:app",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def prepare_database(env: dict[str, str]) -> str:
    """Migrate, load the demo, publish once; return a screening API key."""
    registry(env, "db", "upgrade")
    # `registry demo` refuses production (its passwords are published): load it as development.
    registry(env | {"REGISTRY_ENV": "development"}, "demo")
    registry(env, "publish")
    created = registry(
        env,
        "apikey",
        "create",
        "--name",
        "bench",
        "--scopes",
        "screen",
        "--rate-limit",
        "1000000/second",
    )
    return created.strip().splitlines()[-1]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn(
    env: dict[str, str],
    port: int,
    workers: int = WORKERS,
    app: str = "bench.served:served_app()",
    output: IO[bytes] | None = None,
    log_level: str = "warning",
) -> subprocess.Popen[bytes]:
    """Start gunicorn serving `app` (`workers` sync workers, loopback only), its log to `output`
    (default: this process's)."""
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--graceful-timeout=5",
            f"--log-level={log_level}",
            app,
        ],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=None if output is None else subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Stop gunicorn: SIGTERM, and SIGKILL if it has not ended within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_gunicorn(
    env: dict[str, str], port: int, workers: int = WORKERS
) -> subprocess.Popen[bytes]:
    """Start gunicorn (`workers` sync workers, loopback only); wait until /healthz answers."""
    process = gunicorn(env, port, workers)
    # Generous: on a machine shared with other jobs two workers may take a minute to start.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode}") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz within {STARTUP_SECONDS} s")


def first_listed(feed_dir: Path) -> tuple[str, dict[str, str], list[str]]:
    """From the published snapshot: an entry id, a cn_uscc identifier, and listed names."""
    index = json.loads((feed_dir / "index.json").read_bytes())["signed"]
    snapshot = next(r for r in index["resources"] if r["path"].endswith(".jsonl"))
    entry_id, identifier, names = "", dict[str, str](), list[str]()
    for line in (feed_dir / snapshot["path"]).read_bytes().splitlines():
        entry = json.loads(line)["entry"]
        subject = entry["subject"]
        names.append(subject["name"])
        uscc = [i for i in subject.get("identifiers", []) if i["scheme"] == "cn_uscc"]
        if uscc and not identifier:
            entry_id, identifier = (
                entry["entry_id"],
                {"scheme": "cn_uscc", "value": uscc[0]["value"]},
            )
    if not identifier:
        raise SystemExit("the demo snapshot has no entry with a cn_uscc identifier")
    return entry_id, identifier, names


@contextmanager
def serve(
    backend: str, workdir: Path, database_url: str, workers: int = WORKERS, **extra_env: str
) -> Iterator[Served]:
    """Prepare a database, serve it with gunicorn (`workers` workers), stop it afterwards."""
    env = server_env(workdir, database_url, **extra_env)
    print(f"[{backend}] migrating, loading the demo, publishing once ...", flush=True)
    api_key = prepare_database(env)
    entry_id, identifier, names = first_listed(workdir / "feed")
    port = free_port()
    process = start_gunicorn(env, port, workers)
    try:
        yield Served(
            backend, f"http://127.0.0.1:{port}", process, env, api_key, entry_id, identifier, names
        )
    finally:
        stop(process)


@contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on `server_url`'s server, dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    name = f"registry_bench_{secrets.token_hex(6)}"
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
