"""A PostgreSQL primary and a streaming hot standby of it, in a temporary folder, for tests.

The shared test server (REGISTRY_TEST_PG_URL) does not accept replication connections, so
the read-replica tests start a small cluster of their own with the same PostgreSQL
binaries: `initdb` a primary that trusts local replication, `pg_basebackup -R` it into a
standby, start both on free ports. PostgreSQL refuses to run as root; under root (as in the
development container) the servers run as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.s3_server import free_port


def postgres_bindir() -> Path | None:
    """Where initdb, pg_ctl and pg_basebackup are, or None when they are not installed."""
    configured = os.environ.get("REGISTRY_PG_BINDIR")
    if configured:
        return Path(configured)
    found = shutil.which("pg_config")
    if found:
        output = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(output.stdout.strip())
        if (candidate / "initdb").is_file():
            return candidate
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@dataclass
class ReplicaCluster:
    """A running primary and hot standby; `url` names a database on either."""

    bindir: Path
    root: Path
    primary_port: int
    standby_port: int
    run_as: list[str]

    def primary_url(self, database: str = "postgres") -> str:
        """The primary's URL for `database`."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.primary_port}/{database}"

    def standby_url(self, database: str = "postgres") -> str:
        """The standby's URL for `database`."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.standby_port}/{database}"

    def _run(self, *command: str) -> None:
        subprocess.run([*self.run_as, *command], check=True, capture_output=True)

    @classmethod
    def start(cls, bindir: Path) -> ReplicaCluster:
        """initdb, start the primary, clone it as a standby and start that."""
        root = Path(tempfile.mkdtemp(prefix="registry-replica-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        cluster = cls(bindir, root, free_port(), free_port(), run_as)
        primary, standby = root / "primary", root / "standby"
        cluster._run(
            str(bindir / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "-N"
        )
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        cluster._pg_ctl(primary, cluster.primary_port, "-c fsync=off")
        cluster._run(
            str(bindir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(cluster.primary_port), "-U", "postgres"),
            *("-D", str(standby), "-R", "-X", "stream"),
        )
        cluster._pg_ctl(standby, cluster.standby_port, "-c hot_standby=on")
        return cluster

    def _pg_ctl(self, data: Path, port: int, extra: str) -> None:
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 {extra}"
        log = self.root / f"{data.name}.log"
        self._run(
            str(self.bindir / "pg_ctl"),
            *("-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"),
        )
        self._run(str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-t", "30")

    def create_database(self, name: str) -> None:
        """Create `name` on the primary and wait until the standby has replayed it."""
        with psycopg.connect(self._dsn(self.primary_port), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.wait_for_replay()

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self._dsn(self.primary_port), autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert target is not None
        deadline = time.monotonic() + timeout
        with psycopg.connect(self._dsn(self.standby_port), autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (str(target[0]),)
                ).fetchone()
                if row is not None and row[0]:
                    return
                time.sleep(0.05)
        raise AssertionError(f"the standby did not replay up to {target[0]} in {timeout} s")

    def pause_replay(self, pause: bool = True) -> None:
        """Stop (or resume) applying the primary's changes on the standby: a lagging replica."""
        function = "pg_wal_replay_pause" if pause else "pg_wal_replay_resume"
        with psycopg.connect(self._dsn(self.standby_port), autocommit=True) as conn:
            conn.execute(f"SELECT {function}()")

    def stop_standby(self) -> None:
        """Stop the standby at once, as if its machine died."""
        self._run(
            str(self.bindir / "pg_ctl"),
            *("-D", str(self.root / "standby"), "-m", "immediate", "-w", "stop"),
        )

    def start_standby(self) -> None:
        """Start the stopped standby again (it resumes streaming from the primary)."""
        self._pg_ctl(self.root / "standby", self.standby_port, "-c hot_standby=on")

    def _dsn(self, port: int) -> str:
        return f"host=127.0.0.1 port={port} user=postgres dbname=postgres"

    def stop(self) -> None:
        """Stop both servers (ours, by their data folders) and delete the folder."""
        for data in ("standby", "primary"):
            subprocess.run(
                [
                    *self.run_as,
                    str(self.bindir / "pg_ctl"),
                    *("-D", str(self.root / data), "-m", "immediate", "-w", "stop"),
                ],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)
