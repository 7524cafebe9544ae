"""A web node's start: the read model built by each worker, against once by gunicorn's master.

On a registry of N published entries generated in bulk (bench/registry_data.py, SQLite),
published once (its screening index file written), gunicorn serves the site with W workers
twice, side by side: with `REGISTRY_SHARED_READ_MODEL=false` each worker builds its own read
model (server/warm.py, `warm_worker`); with it on, the master builds it once and forks the
workers from it (`warm_master`). For each it measures:

- ready: seconds from gunicorn's start until every worker has its model;
- the CPU of the master and its workers by then;
- RSS and PSS summed over the master and its workers (PSS counts a page shared by k processes
  as 1/k in each: the memory the node really holds), once ready and again after some traffic
  (entry pages of random entries, searches, the home page), which writes to shared pages;
- the start of a worker that replaces one killed.

Run `python -m bench.node_start` (100k entries, 2 workers; `--quick`: 2,000; `--sizes` any
list; `--workers W` any number of workers; `--data-dir DIR` keeps each generated registry).
`make bench` runs it.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import signal
import sqlite3
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.memory import descendants
from bench.registry_data import DATABASE, KEYS, app_for, run_sizes
from bench.served import ROOT, free_port, gunicorn, stop

SIZES = (100_000,)
QUICK_SIZES = (2_000,)
WORKERS = 2
# Entry pages of random entries, then searches, after the node is ready.
PAGES = 400
SEARCHES = 20
START_SECONDS = 1_800
# What a worker logs once it has its read model, built by itself or taken from the master.
OWN = "warm-up: site statistics"
TAKEN = "warm-up: read model from gunicorn's master"
_PID = re.compile(r"\] \[(\d+)\] \[INFO\] ")


@dataclass
class Start:
    """One node start, measured."""

    shared: bool
    ready_s: float
    cpu_s: float
    rss_mb: float
    pss_mb: float
    pss_after_mb: float
    replaced_s: float


def publish(workdir: Path) -> None:
    """Publish the registry once: feed and screening index file (no national export)."""
    from publisher.run import publish_once
    from publisher.settings import PublishSettings
    from registry.listings.policy import Policy
    from runtime.extensions import db
    from runtime.signing_keys import key_store

    app = app_for(workdir)
    app.config["REGISTRY"]["FEED_WHOLE_FILES"] = False
    with app.app_context():
        settings = dataclasses.replace(PublishSettings.from_config(app.config), national_dir=None)
        publish_once(
            db.session(), key_store(app), Policy.from_settings(app.config["REGISTRY"]), settings
        )
        db.session.remove()


def _env(workdir: Path, shared: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update(
        REGISTRY_ENV="testing",
        REGISTRY_DATABASE_URL=f"sqlite:///{workdir / DATABASE}",
        REGISTRY_KEYS_DIR=str(workdir / KEYS),
        REGISTRY_FEED_DIR=str(workdir / "feed"),
        REGISTRY_SCREENING_INDEX=str(workdir / "screening.index"),
        REGISTRY_SCHEDULER="false",
        REGISTRY_SHARED_READ_MODEL="true" if shared else "false",
        PYTHONPATH=str(ROOT),
    )
    return env


def children(pid: int) -> list[int]:
    """The processes below `pid` (gunicorn's workers, for its master)."""
    return descendants(pid)[1:]


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    """(RSS, PSS) summed over `pids`, in MB."""
    rss = pss = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024


def _started(log: Path, marker: str) -> set[int]:
    """The processes that logged `marker`."""
    return {
        int(found.group(1))
        for line in log.read_text(encoding="utf-8").splitlines()
        if marker in line and (found := _PID.search(line))
    }


def _wait(process: subprocess.Popen[bytes], log: Path, marker: str, pids: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while len(_started(log, marker)) < pids:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers were not ready within {START_SECONDS} s; see {log}")
        time.sleep(0.1)


def _traffic(base: str, entry_ids: list[str]) -> None:
    for entry_id in entry_ids:
        with urllib.request.urlopen(f"{base}/entries/{entry_id}", timeout=60) as page:
            page.read()
    for number in range(SEARCHES):
        with urllib.request.urlopen(f"{base}/search?q=%E5%9F%BA%E5%87%86{number}", timeout=60):
            pass
    with urllib.request.urlopen(f"{base}/", timeout=60):
        pass


def start(workdir: Path, shared: bool, workers: int, entry_ids: list[str]) -> Start:
    """Serve the registry with gunicorn and measure its start, its memory and a replacement."""
    log = workdir / f"gunicorn-{'shared' if shared else 'own'}.log"
    port = free_port()
    marker = TAKEN if shared else OWN
    began = time.perf_counter()
    with log.open("wb") as output:
        process = gunicorn(_env(workdir, shared), port, workers, output=output, log_level="info")
    try:
        _wait(process, log, marker, workers)
        ready = time.perf_counter() - began
        pids = descendants(process.pid)
        cpu = sum(_cpu_s(pid) for pid in pids)
        rss, pss = _memory_mb(pids)
        _traffic(f"http://127.0.0.1:{port}", entry_ids)
        pss_after = _memory_mb(descendants(process.pid))[1]
        before = _started(log, marker)
        killed = children(process.pid)[0]
        replacing = time.perf_counter()
        os.kill(killed, signal.SIGKILL)
        _wait(process, log, marker, len(before) + 1)
        replaced = time.perf_counter() - replacing
    finally:
        stop(process, timeout=30)
    return Start(shared, ready, cpu, rss, pss, pss_after, replaced)


def _entry_ids(workdir: Path, count: int) -> list[str]:
    with sqlite3.connect(workdir / DATABASE) as connection:
        ids = [
            row[0]
            for row in connection.execute(
                "select entry_id from listings where entry_id is not null"
            )
        ]
    return random.Random(7).sample(ids, min(count, len(ids)))


def measure(workdir: Path, size: int, workers: int = WORKERS) -> list[Start]:
    """Publish once, then start the node each way, one after the other."""
    started = time.perf_counter()
    publish(workdir)
    print(f"  published once in {time.perf_counter() - started:.1f}s", flush=True)
    entry_ids = _entry_ids(workdir, PAGES)
    return [start(workdir, shared, workers, entry_ids) for shared in (False, True)]


def report(size: int, workers: int, starts: list[Start]) -> None:
    """One line per way of starting, then the shared one over the per-worker one."""
    print(
        f"  {'entries':>9}  {'read model':<13} {'ready':>8} {'CPU':>8} {'RSS MB':>8} "
        f"{'PSS MB':>8} {'PSS after':>10} {'replaced':>9}"
    )
    for one in starts:
        print(
            f"  {size:>9,}  {'the master' if one.shared else 'each worker':<13} "
            f"{one.ready_s:>7.1f}s {one.cpu_s:>7.1f}s {one.rss_mb:>8,.0f} {one.pss_mb:>8,.0f} "
            f"{one.pss_after_mb:>10,.0f} {one.replaced_s:>8.2f}s"
        )
    own, shared = starts
    print(
        f"  the master's over each worker's, {workers} workers: ready "
        f"{shared.ready_s / own.ready_s:.2f}x, CPU {shared.cpu_s / own.cpu_s:.2f}x, "
        f"PSS {shared.pss_mb / own.pss_mb:.2f}x (after traffic "
        f"{shared.pss_after_mb / own.pss_after_mb:.2f}x), a replacement worker "
        f"{shared.replaced_s / own.replaced_s:.3f}x"
    )


def main(argv: list[str] | None = None) -> None:
    """Prepare each size's registry, start the node both ways, print."""
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workers", type=int, default=WORKERS)
    known, rest = parser.parse_known_args(argv)
    if known.workers < 1:
        raise SystemExit("--workers: give at least 1 worker")

    def run(workdir: Path, size: int) -> None:
        report(size, known.workers, measure(workdir, size, known.workers))

    run_sizes(
        rest,
        prog="python -m bench.node_start",
        description=__doc__,
        title=(
            f"web node start, {known.workers} gunicorn workers: the read model built by each "
            "worker against once by the master (SQLite)"
        ),
        sizes=SIZES,
        quick_sizes=QUICK_SIZES,
        least=PAGES // 4,
        run=run,
    )


if __name__ == "__main__":
    main()
