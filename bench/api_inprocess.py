"""The 100-name batch screen against /healthz in one process, by CPU time.

`python -m bench.api_load` measures the served API with wrk, which on a shared machine mostly
measures the other jobs. This runs the same two requests through the Flask test client in one
process (the demo after one publication, SQLite, rate limits off) and compares the CPU time
each costs, in rounds, so that two copies of the code can be measured side by side.

Two batches are screened: the listed names of the demo, repeated to 100 (the standing figure:
a worker answers them from the parts it keeps, registry/screening/batch.py), and 100 distinct
generated names (bench/screening_subjects.py) never screened before, which every time go
through the matcher: the cost of a batch of new customers.

Run `python -m bench.api_inprocess` (about a minute); `--workdir` keeps the prepared database
for another run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.screening_subjects import generate_subjects
from bench.served import first_listed, prepare_database, served_app, server_env

ROUNDS = 3
SCREENS = 30
HEALTHZ = 1000
BATCH = 100


def prepared(workdir: Path) -> tuple[dict[str, str], str]:
    """The server environment of `workdir` and an API key, preparing the database once."""
    saved = workdir / "bench-env.json"
    if not saved.exists():
        env = server_env(workdir, f"sqlite:///{workdir}/registry.db")
        key = prepare_database(env)
        saved.write_text(json.dumps({"env": env, "key": key}))
    data = json.loads(saved.read_text())
    return data["env"], data["key"]


def cpu_per_call(call: Any, count: int) -> float:
    """CPU seconds a call of `call()`, over `count` calls."""
    started = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - started) / count


def fresh_bodies(count: int, first_seed: int) -> list[str]:
    """`count` screening bodies of BATCH generated names each, all different."""
    bodies = []
    for seed in range(first_seed, first_seed + count):
        _world, _enterprises, listed = generate_subjects(BATCH, random.Random(seed))
        bodies.append(json.dumps({"queries": [{"name": subject.name} for subject in listed]}))
    return bodies


def measure(workdir: Path) -> list[tuple[float, float, float]]:
    """Per round, CPU seconds of a `screen x100` of listed names, of fresh names, of `/healthz`."""
    env, key = prepared(workdir)
    os.environ.update(env)
    client = served_app().test_client()
    _entry, _identifier, names = first_listed(workdir / "feed")
    batch = (names * (BATCH // max(len(names), 1) + 1))[:BATCH]
    body = json.dumps({"queries": [{"name": name} for name in batch]})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def screen(data: str = body) -> None:
        answer = client.post("/api/v1/screen", data=data, headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"screen answered {answer.status_code}: {answer.data[:200]!r}")

    screen()  # the first request maps the index and fills the caches a running server has
    cpu_per_call(lambda: client.get("/healthz"), 50)
    rounds = []
    for number in range(ROUNDS):
        fresh = iter(fresh_bodies(SCREENS, number * SCREENS))
        rounds.append(
            (
                cpu_per_call(screen, SCREENS),
                cpu_per_call(lambda bodies=fresh: screen(next(bodies)), SCREENS),
                cpu_per_call(lambda: client.get("/healthz"), HEALTHZ),
            )
        )
    return rounds


def main(argv: list[str] | None = None) -> None:
    """Prepare (or reuse) a database, measure, print one line a round."""
    parser = argparse.ArgumentParser(prog="python -m bench.api_inprocess", description=__doc__)
    parser.add_argument("--workdir", type=Path, help="keep the prepared database here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"screen x{BATCH} against /healthz, in process, CPU time ({workdir})")
        print("  listed names, repeated           fresh names                      /healthz")
        for listed, fresh, healthz in measure(workdir):
            print(
                f"  {listed * 1e3:6.1f} ms  x healthz {healthz / listed:.4f}"
                f"   {fresh * 1e3:6.1f} ms  x healthz {healthz / fresh:.4f}"
                f"   {healthz * 1e3:6.3f} ms"
            )


if __name__ == "__main__":
    main()
