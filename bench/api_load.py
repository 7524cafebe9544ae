"""HTTP load benchmark: saturating rates under wrk, latency at half of them, SQLite and PostgreSQL.

Run `python -m bench.api_load` (SQLite and PostgreSQL: REGISTRY_TEST_PG_URL, else the local
server on 127.0.0.1:5432 when it answers) or `--quick` (SQLite only, short runs: under two
minutes). Each backend gets a served copy of the demo data after one publication: gunicorn,
2 workers, 127.0.0.1 only, rate limits off (this measures capacity, not the limiter's policy).
Targets: `/healthz` (the framework's ceiling), a public entry page, and the screening API's
identifier lookup and 100-query batch screen.
wrk and the server share the machine's cores, so the figures are lower bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.fixed_rate import Request, fixed_rate_latency
from bench.served import WORKERS, Served, pg_database, serve

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def ensure_wrk() -> str:
    """The wrk binary, installed with apt-get when missing (the command is printed first)."""
    found = shutil.which("wrk")
    if found:
        return found
    command = ["apt-get", "install", "-y", "wrk"]
    print(f"wrk is missing; installing it: {' '.join(command)}", flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is still missing after apt-get install")
    return found


@dataclass(frozen=True)
class Target:
    """One request the benchmark repeats."""

    name: str
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    heavy: bool = False  # seconds of CPU per request: saturates at a few connections


def targets(served: Served) -> list[Target]:
    """The four measured requests: framework ceiling, public page, lookup, 100-query screen."""
    bearer = (("Authorization", f"Bearer {served.api_key}"),)
    lookup = f"/api/v1/lookup?scheme=cn_uscc&value={served.identifier['value']}"
    names = (served.names * (100 // max(len(served.names), 1) + 1))[:100]
    screen = json.dumps({"queries": [{"name": name} for name in names]}).encode()
    json_bearer = (*bearer, ("Content-Type", "application/json"))
    return [
        Target("healthz", "GET", "/healthz"),
        Target("entry page", "GET", f"/entries/{served.entry_id}"),
        Target("lookup", "GET", lookup, headers=bearer),
        Target("screen x100", "POST", "/api/v1/screen", screen, json_bearer, heavy=True),
    ]


def wrk_script(target: Target, directory: Path) -> Path:
    """A wrk Lua script sending `target` (method, headers, body)."""
    lines = [f'wrk.method = "{target.method}"']
    lines += [f'wrk.headers["{name}"] = {json.dumps(value)}' for name, value in target.headers]
    if target.body:
        lines.append(f"wrk.body = {json.dumps(target.body.decode())}")
    script = directory / f"{re.sub(r'[^a-z0-9]+', '_', target.name)}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def server_cpu(served: Served) -> dict[int, float]:
    """CPU seconds used so far by each gunicorn worker and each PostgreSQL backend it talks to.

    Read from /proc, so the benchmark can divide the server's own CPU time by the requests it
    answered: on a machine shared with other jobs that ratio moves far less than requests/s.
    """
    pids = _children(served.process.pid)
    if served.backend == "postgresql":
        pids += _backends(served.env["REGISTRY_DATABASE_URL"])
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        used[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return used


def _children(pid: int) -> list[int]:
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def _backends(database_url: str) -> list[int]:
    from sqlalchemy import create_engine, make_url, text

    url = make_url(database_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            return [
                int(pid)
                for pid in conn.execute(text(query + " AND pid <> pg_backend_pid()")).scalars()
            ]
    finally:
        engine.dispose()


def run_wrk(
    wrk: str, url: str, script: Path, connections: int, seconds: int, served: Served | None = None
) -> dict[str, Any]:
    """One wrk run: requests/s, non-2xx count, socket errors and the server's CPU per request."""
    before = server_cpu(served) if served else {}
    output = subprocess.run(
        [
            wrk,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = server_cpu(served) if served else {}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    answered = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    cpu = sum(used - before.get(pid, 0.0) for pid, used in after.items())
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": rate,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "cpu_us": cpu / answered * 1e6 if answered else 0.0,
    }


def saturating_rate(
    wrk: str, served: Served, target: Target, scripts: Path, seconds: int, levels: tuple[int, ...]
) -> dict[str, Any]:
    """The best requests/s over the connection counts in `levels` (stops once it stops rising)."""
    best: dict[str, Any] = {
        "rps": 0.0,
        "connections": 0,
        "non_2xx": 0,
        "socket_errors": 0,
        "cpu_us": 0.0,
    }
    script = wrk_script(target, scripts)
    for connections in levels:
        run = run_wrk(wrk, served.base_url + target.path, script, connections, seconds, served)
        if run["non_2xx"] or run["socket_errors"]:
            print(
                f"[{served.backend}] {target.name}: {run['non_2xx']} non-2xx and "
                f"{run['socket_errors']} socket errors at {connections} connections",
                flush=True,
            )
        if run["rps"] <= best["rps"] * 1.05:
            break
        best = run | {"connections": connections}
    return best


def measure(
    wrk: str, served: Served, quick: bool, only: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Saturating rate and half-rate latency of every target (or `/healthz` and `only`)."""
    rows = []
    seconds, levels = (3, (4, 16)) if quick else (8, (4, 16, 64))
    chosen = [t for t in targets(served) if not only or t.name in only or t.name == "healthz"]
    with tempfile.TemporaryDirectory() as scripts:
        for target in chosen:
            tried = (1, 2) if target.heavy and quick else (1, 2, 4) if target.heavy else levels
            best = saturating_rate(wrk, served, target, Path(scripts), seconds, tried)
            half = best["rps"] / 2
            request = Request(target.method, target.path, target.body, target.headers)
            latency = fixed_rate_latency(served.base_url, [request], rate=half, seconds=seconds)
            rows.append(
                {
                    "backend": served.backend,
                    "target": target.name,
                    **best,
                    "half_rate": half,
                    **latency,
                }
            )
            print(
                f"[{served.backend}] {target.name}: {best['rps']:.0f} req/s "
                f"(c={best['connections']}); at {half:.0f}/s p50 {latency['p50_ms']:.1f} ms "
                f"p99 {latency['p99_ms']:.1f} ms",
                flush=True,
            )
    ceiling, ceiling_cpu = rows[0]["rps"], rows[0]["cpu_us"]
    for row in rows:
        row["ratio_to_healthz"] = row["rps"] / ceiling if ceiling else 0.0
        row["cpu_ratio_to_healthz"] = ceiling_cpu / row["cpu_us"] if row["cpu_us"] else 0.0
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    """Requests/s side by side with /healthz, and latency at half the saturating rate."""
    print(
        f"\n{'backend':<10} {'target':<12} {'req/s':>8} {'x healthz':>9} {'at req/s':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'sent/s':>7} {'CPU us':>7} {'x by CPU':>8}"
    )
    for row in rows:
        print(
            f"{row['backend']:<10} {row['target']:<12} {row['rps']:>8.0f} "
            f"{row['ratio_to_healthz']:>9.3f} {row['half_rate']:>8.0f} {row['p50_ms']:>7.1f} "
            f"{row['p99_ms']:>7.1f} {row['achieved_rps']:>7.0f} {row['cpu_us']:>7.0f} "
            f"{row['cpu_ratio_to_healthz']:>8.3f}"
        )
    print(
        "(CPU us: CPU time of the gunicorn workers, and of the PostgreSQL backends serving "
        "them, per request answered at the saturating rate; x by CPU: /healthz's over it)"
    )


def postgres_url() -> str:
    """REGISTRY_TEST_PG_URL, else the local server on 127.0.0.1:5432 if it answers."""
    configured = os.environ.get("REGISTRY_TEST_PG_URL", "")
    if configured:
        return configured
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(LOCAL_POSTGRES.replace("postgresql:", "postgresql+psycopg:", 1))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        return ""
    finally:
        engine.dispose()
    return LOCAL_POSTGRES


def run(
    quick: bool, only: frozenset[str] = frozenset(), workers: int = WORKERS
) -> list[dict[str, Any]]:
    """Benchmark SQLite (and PostgreSQL unless quick or unconfigured); return the rows."""
    wrk = ensure_wrk()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        workdir = Path(tmp) / "sqlite"
        database = f"sqlite:///{workdir / 'registry.sqlite3'}"
        with serve("sqlite", workdir, database, workers) as served:
            rows += measure(wrk, served, quick, only)
        pg_url = postgres_url()
        if pg_url and not quick:
            with (
                pg_database(pg_url) as url,
                serve("postgresql", Path(tmp) / "pg", url, workers) as served,
            ):
                rows += measure(wrk, served, quick, only)
        elif not quick:
            print(f"no PostgreSQL at REGISTRY_TEST_PG_URL or {LOCAL_POSTGRES}: skipped")
    return rows


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Command-line entry point; prints the table and returns its rows."""
    parser = argparse.ArgumentParser(prog="python -m bench.api_load", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="SQLite only, short runs (< 2 min)")
    parser.add_argument(
        "--targets",
        default="",
        help="comma-separated targets to measure besides /healthz, e.g. lookup (default: all)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help=f"gunicorn sync workers of the server (default {WORKERS}, one per core here)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    only = frozenset(name.strip() for name in args.targets.split(",") if name.strip())
    started = time.monotonic()
    rows = run(args.quick, only, args.workers)
    print_table(rows)
    print(
        f"({'quick mode, ' if args.quick else ''}{time.monotonic() - started:.0f} s; "
        "latency measured open-loop at a fixed rate by bench/fixed_rate.py)"
    )
    return rows


if __name__ == "__main__":
    main()
