"""The 100-name batch screen against /healthz in one process, by CPU time.

`python -m bench.api_load` measures the served API with wrk, which on a shared machine mostly
measures the other jobs. This runs the same two requests through the Flask test client in one
process (the demo after one publication, SQLite, rate limits off) and compares the CPU time
each costs, in rounds, so that two copies of the code can be measured side by side.

Two batches are screened: the listed names of the demo, repeated to 100 (the standing figure:
a worker answers them from the parts it keeps, registry/screening/batch.py), and 100 distinct
generated names (bench/screening_subjects.py) never screened before, which every time go
through the matcher: the cost of a batch of new customers.

The demo lists 35 subjects, and a new name costs more as the list grows (it shares keys with
more listed names, each a candidate to read and bound). The same fresh batches are therefore
also screened against an index file of `--listed` generated subjects (20,000 unless given; 0
leaves it out), with the matcher alone (over 95 % of a fresh batch's request), beside the same
round's `/healthz`: the figure web nodes are sized by (docs/operations.md).

Run `python -m bench.api_inprocess` (about two minutes; `--quick`: one round); `--workdir`
keeps the prepared database and index file for another run. `make bench` runs it.
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

from bench.screening_index import fingerprint
from bench.screening_subjects import generate_subjects
from bench.served import first_listed, prepare_database, served_app, server_env
from registry.screening.matching import MatchIndex, ScreeningQuery
from registry.screening.matching.index_file import IndexFile, write_index_names

ROUNDS = 3
SCREENS = 30
LISTED = 20_000
HEALTHZ = 1000
BATCH = 100
# Seeds of the generated list (`--listed`), far from those of the fresh batches.
LISTED_SEED = 1_000_000


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


def listed_index(workdir: Path, count: int) -> MatchIndex:
    """The matcher over an index file of `count` generated subjects, written once in `workdir`.

    The file is named by what made it (bench.screening_index.fingerprint: the matcher's code),
    so a kept one is used only by the code that wrote it.
    """
    path = workdir / f"listed-{count}-{fingerprint(count, 0)[:16]}.index"
    if not path.exists():
        _world, _enterprises, listed = generate_subjects(count, random.Random(LISTED_SEED))
        scratch = path.with_suffix(".writing")
        write_index_names(scratch, listed, range(count), f"bench-{count}")
        scratch.replace(path)
    return MatchIndex.from_file(IndexFile(path))


def fresh_queries(body: str) -> list[ScreeningQuery]:
    """The queries of a screening body, as the matcher takes them."""
    return [ScreeningQuery(name=query["name"]) for query in json.loads(body)["queries"]]


def measure(workdir: Path, listed: int = 0, rounds: int = ROUNDS) -> list[tuple[float, ...]]:
    """Per round, CPU seconds of a `screen x100` of listed names, of fresh names, of `/healthz`,
    and with `listed` of the fresh names against that many listed subjects (matcher alone)."""
    national = listed_index(workdir, listed) if listed else None
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
    if national is not None:
        # Batches apart from the measured ones fill the matcher's caches, as a running worker's are.
        for warming in fresh_bodies(5, rounds * SCREENS):
            national.screen_many(fresh_queries(warming))
    results = []
    for number in range(rounds):
        round_bodies = fresh_bodies(SCREENS, number * SCREENS)
        fresh = iter(round_bodies)
        measured = [
            cpu_per_call(screen, SCREENS),
            cpu_per_call(lambda bodies=fresh: screen(next(bodies)), SCREENS),
            cpu_per_call(lambda: client.get("/healthz"), HEALTHZ),
        ]
        if national is not None:
            batches = iter([fresh_queries(body) for body in round_bodies])
            measured.append(
                cpu_per_call(
                    lambda matcher=national, queued=batches: matcher.screen_many(next(queued)),
                    SCREENS,
                )
            )
        results.append(tuple(measured))
    return results


def main(argv: list[str] | None = None) -> None:
    """Prepare (or reuse) a database, measure, print one line a round."""
    parser = argparse.ArgumentParser(prog="python -m bench.api_inprocess", description=__doc__)
    parser.add_argument("--workdir", type=Path, help="keep the prepared database here")
    parser.add_argument(
        "--listed",
        type=int,
        default=LISTED,
        help=f"screen the fresh names against this many generated subjects too ({LISTED:,};"
        " 0: not)",
    )
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    args = parser.parse_args(argv)
    if args.listed < 0:
        parser.error("--listed: give a number of subjects, 0 or more")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"screen x{BATCH} against /healthz, in process, CPU time ({workdir})")
        heading = "  listed names, repeated           fresh names                      /healthz"
        print(heading + (f"    fresh names, {args.listed:,} listed" if args.listed else ""))
        for listed, fresh, healthz, *national in measure(
            workdir, args.listed, 1 if args.quick else ROUNDS
        ):
            print(
                f"  {listed * 1e3:6.1f} ms  x healthz {healthz / listed:.4f}"
                f"   {fresh * 1e3:6.1f} ms  x healthz {healthz / fresh:.4f}"
                f"   {healthz * 1e3:6.3f} ms"
                + "".join(f"   {n * 1e3:6.1f} ms  x healthz {healthz / n:.4f}" for n in national)
            )


if __name__ == "__main__":
    main()
