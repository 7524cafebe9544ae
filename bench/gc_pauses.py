"""Full garbage collections in a serving worker: how often during lookups, and what each costs.

Run `python -m bench.gc_pauses` (or `--lookups N`, `--no-freeze`). A served copy of the demo
data is prepared as for bench/api_load.py; the app is loaded in this process, the worker's
`post_worker_init` hook (gunicorn.conf.py: collect, then freeze what the app loaded) is called
unless `--no-freeze`, and identifier lookups are answered through the test client with the
receipt writer running as in a worker. Printed: the CPU time of each full collection during the
lookups, and of one full collection afterwards. These are CPU times of this process, which a
machine shared with other jobs barely moves, unlike latency percentiles: a full collection is a
pause of every request of its worker.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.served import ROOT, first_listed, prepare_database, server_env


def measure(lookups: int, freeze: bool) -> dict[str, Any]:
    """Answer `lookups` lookups in-process; the full collections seen and one made after."""
    with tempfile.TemporaryDirectory(prefix="bench-gc-") as tmp:
        workdir = Path(tmp)
        env = server_env(workdir, f"sqlite:///{workdir / 'registry.sqlite3'}")
        key = prepare_database(env)
        _entry_id, identifier, _names = first_listed(workdir / "feed")
        os.environ.update(env)
        from bench.served import served_app

        app = served_app()
        if freeze:
            hooks: dict[str, Any] = {}
            exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), hooks)
            hooks["post_worker_init"](None)
        pauses: list[float] = []
        started: list[float] = []

        def timed(phase: str, info: dict[str, Any]) -> None:
            if info["generation"] == 2:
                if phase == "start":
                    started.append(time.process_time())
                elif started:
                    pauses.append(time.process_time() - started.pop())

        client = app.test_client()
        url = f"/api/v1/lookup?scheme=cn_uscc&value={identifier['value']}"
        headers = {"Authorization": f"Bearer {key}"}
        for _ in range(300):  # the list state, caches and connections, as after a first minute
            assert client.get(url, headers=headers).status_code == 200
        gc.callbacks.append(timed)
        try:
            cpu = time.process_time()
            for number in range(lookups):
                assert client.get(url, headers=headers).status_code == 200
                if number % 50 == 49:
                    time.sleep(0.01)  # the receipt writer's thread runs on its interval
            cpu = time.process_time() - cpu
            after = time.process_time()
            gc.collect()
            full = time.process_time() - after
        finally:
            gc.callbacks.remove(timed)
        return {
            "freeze": freeze,
            "lookups": lookups,
            "lookup_cpu_us": cpu / lookups * 1e6,
            "pauses_ms": [pause * 1000 for pause in pauses],
            "full_ms": full * 1000,
            "frozen": gc.get_freeze_count(),
            "tracked": len(gc.get_objects()),
        }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command-line entry point; prints one line and returns the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.gc_pauses", description=__doc__)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--no-freeze", action="store_true", help="skip post_worker_init")
    args = parser.parse_args(argv)
    row = measure(args.lookups, not args.no_freeze)
    print(
        f"freeze={row['freeze']} lookups={row['lookups']} "
        f"CPU/lookup {row['lookup_cpu_us']:.0f} us; full collections during them: "
        f"{len(row['pauses_ms'])}, CPU ms {[round(p, 1) for p in row['pauses_ms']]}; "
        f"one full collection after: {row['full_ms']:.1f} ms CPU; "
        f"objects frozen {row['frozen']}, tracked {row['tracked']}"
    )
    return row


if __name__ == "__main__":
    main()
