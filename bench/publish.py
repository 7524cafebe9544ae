"""Publisher benchmark: a full feed publication and an incremental one, against raw signing.

`python -m bench.publish` runs 10k, 100k and 1M published entries, `--quick` 1k and 10k,
`--sizes 1000,5000` any list of sizes. For each size a SQLite database is filled directly
(subjects, listings, signed entry revisions and their `listed` leaves, appended to the tiled
log in bulk: bench/registry_data.py; with `--data-dir` or `BENCH_DATA_DIR` it is generated
once and copied for later runs), then a separate process times the real `publish_once`: the
first run (every tile, every snapshot, CSV and FollowTheMoney chunk, the delta of every event)
and an incremental run with 10 newly approved listings on top, which the run itself publishes
(10 new signed entries and events). `--whole-files` also writes the whole files, as this
release does by default (docs/feed-chunks.md). Each publishing process reports its peak
memory; raw Ed25519 signing of the same number of entries is the yardstick.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.memory import peak_rss_mb, tree_cpu_seconds, tree_peak_rss_mb
from bench.registry_data import (
    RECORDED_AT,
    app_for,
    data_dir_from,
    describe,
    entry_content,
    identifier_row,
    listing_row,
    prepare,
    subject_row,
)

NEW_LISTINGS = 10
# A run's parts, each from the first of the progress messages that start it: the feed
# (transitions, checkpoint, tiles, chunks, delta, index), then the exports: the national export
# and the screening index, which run side by side (publisher/run.py).
PARTS = (
    ("feed", ("applying due transitions",)),
    ("exports", ("writing the national platform export", "writing the screening index")),
)
STEP_ORDER = (
    "transitions",
    "checkpoint",
    "tiles",
    "snapshot",
    "snapshot_csv",
    "ftm",
    "chunks",
    "delta",
    "index",
    "atom",
    "national",
    "screening_index",
)


def _approve_new(entries: int) -> None:
    """Add listings approved and waiting: the next run publishes them (signs, logs them)."""
    from sqlalchemy import insert

    from registry.models import Listing, Subject, SubjectIdentifier
    from runtime.extensions import db

    now = RECORDED_AT
    numbers = range(entries + 1, entries + NEW_LISTINGS + 1)
    session = db.session()
    session.execute(insert(Subject), [subject_row(n, now) for n in numbers])
    session.execute(insert(SubjectIdentifier), [identifier_row(n) for n in numbers])
    session.execute(insert(Listing), [listing_row(n, "approved", now) for n in numbers])
    session.commit()


def _progress(message: str) -> None:
    """A publication's progress on stderr, timed: a run cut short still tells how far it got."""
    print(f"    {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def part_seconds(marks: list[tuple[str, float, float]], end: tuple[float, float]) -> dict[str, Any]:
    """Wall and CPU seconds of each part of a run, from (message, wall, CPU) read at each message.

    A part runs from the first of its starting messages to the next part's (or to `end`); a
    part none of whose messages came (not configured) is left out.
    """
    starts = []
    for part, openings in PARTS:
        found = next(((wall, cpu) for message, wall, cpu in marks if message in openings), None)
        if found is not None:
            starts.append((part, *found))
    parts: dict[str, Any] = {}
    for number, (part, wall, cpu) in enumerate(starts):
        next_wall, next_cpu = starts[number + 1][1:] if number + 1 < len(starts) else end
        parts[part] = {"s": next_wall - wall, "cpu_s": next_cpu - cpu}
    return parts


def _megabytes(directory: Path) -> float:
    """Bytes of the files under `directory`, in MB."""
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / 2**20


def measure(workdir: Path, entries: int, whole_files: bool = False) -> dict[str, Any]:
    """In this process: time a full publication, then an incremental one; peak memory.

    By default the feed is published as chunks only (docs/feed-chunks.md); `whole_files`
    also writes the whole snapshot, CSV and FollowTheMoney files, as this release does.
    """
    from publisher.run import publish_once
    from publisher.settings import PublishSettings
    from registry.listings.policy import Policy
    from runtime.extensions import db
    from runtime.gc_pauses import freeze_loaded
    from runtime.signing_keys import key_store

    app = app_for(workdir)
    freeze_loaded()  # as the publisher process does once its app is loaded
    result: dict[str, Any] = {"entries": entries}
    app.config["REGISTRY"]["FEED_WHOLE_FILES"] = whole_files
    with app.app_context():
        settings = app.config["REGISTRY"]
        result["baseline_rss_mb"] = peak_rss_mb()

        def publish(run: str) -> int:
            marks: list[tuple[str, float, float]] = []

            def progress(message: str) -> None:
                marks.append((message, time.perf_counter(), tree_cpu_seconds()))
                _progress(f"{run}: {message}")

            cpu, started = tree_cpu_seconds(), time.perf_counter()
            report = publish_once(
                db.session(),
                key_store(app),
                Policy.from_settings(settings),
                PublishSettings.from_config(app.config),
                progress=progress,
            )
            end = (time.perf_counter(), tree_cpu_seconds())
            result[f"{run}_s"] = end[0] - started
            result[f"{run}_cpu_s"] = end[1] - cpu
            result[f"{run}_steps"] = report.steps
            result[f"{run}_parts"] = part_seconds(marks, end)
            _progress(f"{run}: {json.dumps(report.steps)}")
            return len(report.published)

        publish("full")
        result["feed_mb"] = _megabytes(Path(app.config["FEED_DIR"]))
        _approve_new(entries)
        published = publish("incremental")
        assert published == NEW_LISTINGS, f"the incremental run published {published}"
        result["peak_rss_mb"] = peak_rss_mb()
    return result


def raw_signing(count: int) -> tuple[float, float]:
    """Seconds and CPU seconds for `count` raw Ed25519 signatures over entry-sized messages."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.canonical import canonical_bytes

    key = Ed25519PrivateKey.generate()
    message = b"ipl.entry/v1\x00" + canonical_bytes(
        entry_content(listing_row(1, "published", RECORDED_AT), subject_row(1, RECORDED_AT))
    )
    cpu, started = time.process_time(), time.perf_counter()
    for _ in range(count):
        key.sign(message)
    return time.perf_counter() - started, time.process_time() - cpu


def _dominant(steps: dict[str, float]) -> str:
    detail = {name: seconds for name, seconds in steps.items() if name != "feed"}
    name = max(detail, key=lambda step: detail[step])
    total = sum(detail.values())
    return f"{name} {detail[name] / total:.0%}"


def _child(size: int, workdir: Path, whole_files: bool) -> dict[str, Any]:
    """Measure one size in a fresh process, so its peak memory is its own."""
    whole = ["--whole-files"] if whole_files else []
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.publish", "--measure", str(size), str(workdir), *whole],
        stdout=subprocess.PIPE,
        text=True,
    )
    with process:
        # The publish's worker processes (chunks, name parsing) count in this peak.
        tree_peak = tree_peak_rss_mb(process)
        assert process.stdout is not None
        output = process.stdout.read()
    if process.returncode != 0:  # its traceback went to stderr, which is ours
        raise SystemExit(f"measuring {size:,} entries failed (exit {process.returncode})")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["tree_peak_rss_mb"] = tree_peak
    return result


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a side-by-side table."""
    parser = argparse.ArgumentParser(prog="python -m bench.publish", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k and 10k entries")
    parser.add_argument("--sizes", help="comma-separated entry counts, e.g. 1000000")
    parser.add_argument(
        "--whole-files",
        action="store_true",
        help="also write the whole snapshot, CSV and FTM files (this release's default)",
    )
    parser.add_argument(
        "--data-dir",
        help="keep each size's generated registry here and reuse it (default: $BENCH_DATA_DIR; "
        "none: generate it afresh each run)",
    )
    parser.add_argument("--measure", nargs=2, metavar=("ENTRIES", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        measured = measure(Path(args.measure[1]), int(args.measure[0]), args.whole_files)
        print(json.dumps(measured))
        return

    sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else ((1_000, 10_000) if args.quick else (10_000, 100_000, 1_000_000))
    )
    mode = "whole files and chunks" if args.whole_files else "chunks only"
    print(
        f"publisher benchmark{' (quick)' if args.quick else ''}: real publish_once on SQLite, "
        f"{mode}"
    )
    data_dir = data_dir_from(args.data_dir)
    rows = []
    for size in sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-publish-{size}-"))
        try:
            seconds, reused = prepare(workdir, size, data_dir)
            print(describe(size, seconds, reused), flush=True)
            result = _child(size, workdir, args.whole_files)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        result["sign_s"], result["sign_cpu_s"] = raw_signing(size)
        rows.append(result)

    header = (
        f"  {'entries':>8} {'full':>8} {'incr.':>8} {'incr/full':>9} {'sign N':>8} "
        f"{'full/sign':>9} {'RSS MB':>12} {'+workers':>8}  dominant step (full | incremental)"
    )
    print(header)
    for r in rows:
        print(
            f"  {r['entries']:>8,} {r['full_s']:>7.2f}s {r['incremental_s']:>7.2f}s "
            f"{r['incremental_s'] / r['full_s']:>9.0%} {r['sign_s']:>7.2f}s "
            f"{r['full_s'] / r['sign_s']:>8.0f}x "
            f"{r['peak_rss_mb']:>5.0f} ({r['baseline_rss_mb']:.0f}) "
            f"{r['tree_peak_rss_mb']:>8.0f}  "
            f"{_dominant(r['full_steps'])} | {_dominant(r['incremental_steps'])}"
        )
    print("  steps, seconds (full / incremental):")
    for r in rows:
        cells = "  ".join(
            f"{name} {r['full_steps'].get(name, 0):.2f}/{r['incremental_steps'].get(name, 0):.2f}"
            for name in STEP_ORDER
        )
        print(f"    {r['entries']:>8,}: {cells}")
    print("  CPU seconds (the publishing process and its workers; load cannot skew these):")
    for r in rows:
        print(
            f"    {r['entries']:>8,}: full {r['full_cpu_s']:.1f}s, incremental "
            f"{r['incremental_cpu_s']:.1f}s, raw signing {r['sign_cpu_s']:.1f}s, "
            f"full/sign {r['full_cpu_s'] / r['sign_cpu_s']:.1f}x"
        )
    print(
        "  full publish by part, against raw signing (wall with every core; CPU of every process):"
    )
    for r in rows:
        cells = "  ".join(
            f"{part} {p['s']:.1f}s = {p['s'] / r['sign_s']:.2f}x, "
            f"CPU {p['cpu_s']:.1f}s = {p['cpu_s'] / r['sign_cpu_s']:.2f}x"
            for part, p in r["full_parts"].items()
        )
        print(f"    {r['entries']:>8,}: {cells}")
    for r in rows:  # the feed folder's files (tiles, chunks, delta, index)
        print(
            f"  feed on disk after the full run, {r['entries']:,} entries: {r['feed_mb']:,.1f} MB"
        )
    print("  RSS: peak of the publishing process (after imports and app start-up in brackets);")
    print("  +workers: peak of the RSS summed over it and its worker processes (sampled).")
    print("  An incremental run rewrites only the chunks its new events touch (the 10 new entries")
    print("  fall in the last chunk) and lists every other chunk again; with --whole-files it")
    print("  also copies the whole files, a pass over the list.")


if __name__ == "__main__":
    main()
