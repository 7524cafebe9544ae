"""Offline verification throughput: `registry verify` on feeds of growing size.

For each size a fresh SQLite registry is filled with that many published entries
(bench/registry_data.py; with `--data-dir` or `BENCH_DATA_DIR` generated once and copied for
later runs), published once, and the resulting feed directory verified with
`registry.verifier.verify_feed` in a fresh process (whose peak memory is reported, on its own
and with its worker processes), side by side with raw Ed25519 verification of as many
signatures (the floor any verifier of signed entries pays). `--feed` verifies feed directories
already published instead, against raw verification of as many signatures as the verifier
checked. `--keep-feeds DIR` publishes each size's feed into `DIR/feed-<N>` (`-regular` for
`--regular`) and keeps it; a later run with the same folder verifies the kept feed without
publishing again (delete it after the publisher changes what it writes).

    python -m bench.verify [--quick] [--sizes 1000,10000] [--data-dir DIR] [--feed DIR,...]
        [--keep-feeds DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.memory import cpu_seconds, peak_rss_mb, tree_peak_rss_mb
from bench.registry_data import app_for, data_dir_from, describe, prepare

QUICK_SIZES = (1_000, 10_000)
FULL_SIZES = (1_000, 100_000, 1_000_000)
# Written into a kept feed's folder once its publication has finished.
KEPT_FEED_MARK = "published.json"


def raw_verification(count: int) -> float:
    """Seconds to verify `count` Ed25519 signatures over entry-sized messages (one core)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"ipl.entry/v1\x00" + b"x" * 1500
    signature = key.sign(message)
    started = time.perf_counter()
    for _ in range(count):
        public.verify(signature, message)
    return time.perf_counter() - started


def raw_verification_on_cores(count: int, workers: int) -> float:
    """Seconds to verify `count` signatures split over `workers` processes (started first)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(raw_verification, [1] * workers))  # the processes are up before timing
        started = time.perf_counter()
        share = -(-count // workers)
        list(pool.map(raw_verification, [share] * workers))
        return time.perf_counter() - started


def raw_verification_cpu(count: int) -> float:
    """CPU seconds of this process to verify `count` signatures (the figure load cannot skew)."""
    started = time.process_time()
    raw_verification(count)
    return time.process_time() - started


def verify_directory(feed_dir: str) -> dict[str, Any]:
    """In this process: verify the feed at `feed_dir`; seconds, CPU seconds, peak memory."""
    from registry.verifier import open_source, verify_feed

    baseline = peak_rss_mb()
    cpu = cpu_seconds()
    started = time.perf_counter()
    report = verify_feed(open_source(feed_dir))
    seconds = time.perf_counter() - started
    return {
        "verify_s": seconds,
        "verify_cpu_s": cpu_seconds() - cpu,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak_rss_mb(),
        "signed": report.checked.get("signed entries", 0),
        "problems": [] if report.ok else report.problems(),
    }


def verify_in_child(feed_dir: str) -> dict[str, Any]:
    """Verify `feed_dir` in a fresh process, so the peak memory is the verifier's own."""
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.verify", "--measure", feed_dir], stdout=output, text=True
        )
        tree_peak = tree_peak_rss_mb(child)
        if child.returncode != 0:
            raise SystemExit(f"verifying {feed_dir} failed (exit {child.returncode})")
        output.seek(0)
        result: dict[str, Any] = json.loads(output.read().strip().splitlines()[-1])
    if result["problems"]:
        raise SystemExit(f"verification of {feed_dir} failed: {result['problems']}")
    return {**result, "tree_peak_rss_mb": tree_peak, "command_cpu_s": command_cpu(feed_dir)}


def command_cpu(feed_dir: str) -> float:
    """CPU seconds of `registry verify FEED_DIR`, the console script itself, with its workers.

    Its workers start by running the console script again (multiprocessing's spawn), so this
    also counts what the script imports; the in-process figure above does not.
    """
    script = Path(sys.executable).with_name("registry")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([str(script), "verify", feed_dir], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"registry verify {feed_dir} failed: {done.stdout}{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def yardsticks(size: int) -> dict[str, Any]:
    """Raw Ed25519 verification of `size` signatures: one core, every core, CPU seconds."""
    cores = os.cpu_count() or 1
    return {
        "entries": size,
        "raw_s": raw_verification(size),
        "raw_cores_s": raw_verification_on_cores(size, cores),
        "raw_cpu_s": raw_verification_cpu(size),
        "cores": cores,
    }


def publish_feed(
    size: int, feed_dir: Path, regular: bool = False, data_dir: Path | None = None
) -> None:
    """Publish a feed of `size` entries into `feed_dir` (chunks only, as it will be published).

    With `regular`, the version after a second run (its delta is empty); with `data_dir`,
    the registry is generated there once and copied (bench/registry_data.py).
    """
    from publisher.run import publish_once
    from publisher.settings import PublishSettings
    from registry.listings.policy import Policy
    from runtime.extensions import db
    from runtime.signing_keys import key_store

    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        seconds, reused = prepare(workdir, size, data_dir)
        print(describe(size, seconds, reused), file=sys.stderr, flush=True)
        app = app_for(workdir)
        app.config["FEED_DIR"] = str(feed_dir)
        # The feed as it will be published: chunks only (docs/feed-chunks.md).
        app.config["REGISTRY"]["FEED_WHOLE_FILES"] = False
        with app.app_context():
            settings = app.config["REGISTRY"]
            # Twice, as a consumer meets the feed: the first version's delta holds every
            # event (all N entries again), a regular version's only its run's events.
            # Only the feed is verified: the screening index and the national export, which
            # a run also writes, would only make the setup longer.
            publish_settings = dataclasses.replace(
                PublishSettings.from_config(app.config), screening_index=None, national_dir=None
            )
            for _run in range(2 if regular else 1):
                publish_once(
                    db.session(),
                    key_store(app),
                    Policy.from_settings(settings),
                    publish_settings,
                )
            db.session.remove()
            db.engine.dispose()


def kept_feed(
    feeds_dir: Path, size: int, regular: bool = False, data_dir: Path | None = None
) -> Path:
    """The feed of `size` entries kept under `feeds_dir`, published first if not there whole."""
    feed_dir = feeds_dir / f"feed-{size}{'-regular' if regular else ''}"
    mark = feed_dir / KEPT_FEED_MARK
    if mark.exists():
        print(f"  verifying the kept feed {feed_dir}", file=sys.stderr, flush=True)
        return feed_dir
    shutil.rmtree(feed_dir, ignore_errors=True)  # a publication cut short
    started = time.perf_counter()
    publish_feed(size, feed_dir, regular, data_dir)
    record = {
        "entries": size,
        "regular": regular,
        "published_s": round(time.perf_counter() - started, 1),
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    mark.write_text(json.dumps(record, indent=1) + "\n")
    return feed_dir


def measure(
    size: int,
    regular: bool = False,
    data_dir: Path | None = None,
    feeds_dir: Path | None = None,
) -> dict[str, Any]:
    """Publish a feed of `size` entries, then verify it in a fresh process.

    With `regular`, verify the version after a second run (its delta is empty); with
    `data_dir`, the registry is generated there once and copied (bench/registry_data.py);
    with `feeds_dir`, the feed is kept there and reused (`kept_feed`).
    """
    if feeds_dir is not None:
        result = verify_in_child(str(kept_feed(feeds_dir, size, regular, data_dir)))
        return {**yardsticks(size), **result}
    with tempfile.TemporaryDirectory() as directory:
        feed_dir = Path(directory) / "feed"
        publish_feed(size, feed_dir, regular, data_dir)
        result = verify_in_child(str(feed_dir))
    return {**yardsticks(size), **result}


def measure_feed(feed_dir: str) -> dict[str, Any]:
    """Verify a feed already published, against raw verification of as many signatures."""
    result = verify_in_child(feed_dir)
    return {**yardsticks(result["signed"]), **result}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a side-by-side table."""
    parser = argparse.ArgumentParser(prog="python -m bench.verify", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k and 10k entries")
    parser.add_argument("--sizes", help="comma-separated entry counts")
    parser.add_argument(
        "--regular",
        action="store_true",
        help="verify the version of a second run (empty delta), not the first (every event)",
    )
    parser.add_argument(
        "--feed", help="comma-separated feed directories already published, verified as they are"
    )
    parser.add_argument(
        "--data-dir",
        help="keep each size's generated registry here and reuse it (default: $BENCH_DATA_DIR)",
    )
    parser.add_argument(
        "--keep-feeds",
        help="publish each size's feed into this folder and keep it; verify a kept one as it is",
    )
    parser.add_argument("--measure", metavar="FEED_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(verify_directory(args.measure)))
        return
    sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else (QUICK_SIZES if args.quick else FULL_SIZES)
    )
    print("offline verification (registry verify on a local feed directory)")
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"{'entries':>10} {'verify':>9} {'entries/s':>10} {'raw Ed25519':>12} {'ratio':>7} "
        f"{'raw, all cores':>15} {'ratio':>7} {'CPU ratio':>10} {'command':>8} {'RSS MB':>14} "
        f"{'+workers':>9}"
    )
    feeds_dir = Path(args.keep_feeds) if args.keep_feeds else None
    rows = (
        (measure_feed(feed) for feed in args.feed.split(","))
        if args.feed
        else (
            measure(size, args.regular, data_dir_from(args.data_dir), feeds_dir) for size in sizes
        )
    )
    for row in rows:
        rate = row["entries"] / row["verify_s"]
        ratio = row["verify_s"] / row["raw_s"]
        print(
            f"{row['entries']:>10,} {row['verify_s']:>8.2f}s {rate:>10,.0f} "
            f"{row['raw_s']:>11.2f}s {ratio:>6.2f}x "
            f"{row['raw_cores_s']:>14.2f}s {row['verify_s'] / row['raw_cores_s']:>6.2f}x "
            f"{row['verify_cpu_s'] / row['raw_cpu_s']:>9.2f}x "
            f"{row['command_cpu_s'] / row['raw_cpu_s']:>7.2f}x "
            f"{row['peak_rss_mb']:>7.0f} ({row['baseline_rss_mb']:.0f}) "
            f"{row['tree_peak_rss_mb']:>9.0f}",
            flush=True,
        )
    print("  ratio: verification time over raw signature checks of as many entries, on one")
    print("  core and split over every core (the verifier checks chunks on every core)")
    print("  CPU ratio: CPU seconds of the verifier and its workers over those of the raw checks")
    print("  (on a shared machine the wall-clock ratios move with the load; this one does not)")
    print("  command: the same for `registry verify`, the console script, run once more")
    print("  RSS: peak of the verifying process (after start-up in brackets); +workers: peak of")
    print("  the RSS summed over it and its worker processes, sampled every 20 ms")
    if args.feed:
        print("  (--feed: entries are the signatures the verifier checked, the yardstick's count)")


if __name__ == "__main__":
    main()
