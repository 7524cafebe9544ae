"""Soak: a mixed workload at 70% of its saturating rate, with the publisher running every minute.

Run `python -m bench.soak` (5 minutes) or `--seconds 20` (the CI-short version). The served app
(bench/served.py: gunicorn, 2 workers, loopback only, SQLite with the demo and one publication)
runs its in-process scheduler with REGISTRY_PUBLISH_CRON='* * * * *'. Passes when no request
failed, at least one scheduled publication ran, and no gunicorn worker's resident memory grew
beyond the tolerance between the end of the warm-up and the end of the run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.api_load import ensure_wrk, run_wrk
from bench.fixed_rate import Request, fixed_rate_latency
from bench.served import Served, serve

SHARE = 0.70
RSS_TOLERANCE = 1.25  # a worker may grow 25% (+ RSS_SLACK_MB) over its warmed-up size
RSS_SLACK_MB = 16.0


def mixed_requests(served: Served) -> list[Request]:
    """The mix: probes, public pages, the public API and the screening lookup."""
    bearer = (("Authorization", f"Bearer {served.api_key}"),)
    lookup = f"/api/v1/lookup?scheme=cn_uscc&value={served.identifier['value']}"
    return [
        Request("GET", "/healthz"),
        Request("GET", f"/entries/{served.entry_id}"),
        Request("GET", "/api/v1/entries?page_size=20"),
        Request("GET", f"/api/v1/entries/{served.entry_id}"),
        Request("GET", lookup, headers=bearer),
        Request("GET", "/"),
        Request("GET", "/readyz"),
    ]


def mixed_wrk_script(requests: list[Request], directory: Path) -> Path:
    """A wrk Lua script that cycles through `requests`."""
    entries = ", ".join(
        "wrk.format({method}, {path}, {headers})".format(
            method=json.dumps(r.method),
            path=json.dumps(r.path),
            headers="{"
            + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in r.headers)
            + "}",
        )
        for r in requests
    )
    script = directory / "mixed.lua"
    script.write_text(
        f"local requests = nil\nlocal n = 0\n"
        f"init = function(args) requests = {{{entries}}} end\n"
        "request = function()\n  n = n + 1\n  return requests[(n % #requests) + 1]\nend\n"
    )
    return script


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: children of the master process, from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{master}/task").iterdir():
        text = (task / "children").read_text().split()
        children.extend(int(pid) for pid in text)
    return sorted(children)


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def feed_version(served: Served) -> int:
    """The version of the index.json the served app last published."""
    index = Path(served.env["REGISTRY_FEED_DIR"]) / "index.json"
    return int(json.loads(index.read_bytes())["signed"]["version"])


def align_to_minute(seconds: float) -> None:
    """Start a soak shorter than a minute so that a per-minute publication falls in its middle."""
    if seconds >= 60:
        return
    now = time.time()
    start = (now // 60 + 1) * 60 - seconds / 2
    if start < now:
        start += 60
    time.sleep(start - now)


def soak(served: Served, seconds: float) -> dict[str, Any]:
    """Measure the mix's saturating rate, then drive 70% of it; return the verdict's inputs."""
    wrk = ensure_wrk()
    requests = mixed_requests(served)
    with tempfile.TemporaryDirectory() as scripts:
        script = mixed_wrk_script(requests, Path(scripts))
        saturation = run_wrk(wrk, served.base_url + "/", script, 8, 3)
    rate = saturation["rps"] * SHARE
    align_to_minute(seconds)
    version_before = feed_version(served)
    warmup = max(5.0, seconds * 0.2)
    fixed_rate_latency(served.base_url, requests, rate, warmup)
    baseline = {pid: rss_mb(pid) for pid in worker_pids(served.process.pid)}
    result = fixed_rate_latency(served.base_url, requests, rate, seconds - warmup)
    final = {pid: rss_mb(pid) for pid in worker_pids(served.process.pid)}
    grown = {
        pid: (baseline[pid], final[pid])
        for pid in baseline
        if pid in final and final[pid] > baseline[pid] * RSS_TOLERANCE + RSS_SLACK_MB
    }
    return {
        "saturating_rps": saturation["rps"],
        "rate": rate,
        "warmup_s": warmup,
        "workers_replaced": sorted(set(baseline) ^ set(final)),
        "rss_baseline_mb": baseline,
        "rss_final_mb": final,
        "rss_grown": grown,
        "publications": feed_version(served) - version_before,
        **result,
    }


def verdict(report: dict[str, Any]) -> list[str]:
    """The soak's failures, in words; empty when it passed."""
    problems = []
    if report["errors"]:
        problems.append(f"{report['errors']:.0f} failed requests: {report['first_failures']}")
    if report["workers_replaced"]:
        problems.append(f"gunicorn workers died or were replaced: {report['workers_replaced']}")
    if report["rss_grown"]:
        problems.append(
            f"worker memory grew beyond tolerance (MB before, after): {report['rss_grown']}"
        )
    if report["publications"] < 1:
        problems.append("no scheduled publication ran during the soak")
    return problems


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command-line entry point: run the soak, print the report, exit 1 on any failure."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, default=5.0, help="soak length (default 5)")
    length.add_argument("--seconds", type=float, help="soak length in seconds (CI: 20)")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        workdir = Path(tmp)
        database = f"sqlite:///{workdir / 'registry.sqlite3'}"
        extra = {"REGISTRY_SCHEDULER": "true", "REGISTRY_PUBLISH_CRON": "* * * * *"}
        with serve("sqlite", workdir, database, **extra) as served:
            report = soak(served, seconds)
    print(
        f"soak {seconds:.0f} s at {report['rate']:.0f} req/s "
        f"({SHARE:.0%} of {report['saturating_rps']:.0f}): {report['sent']:.0f} requests, "
        f"{report['errors']:.0f} errors, p50 {report['p50_ms']:.1f} ms, "
        f"p99 {report['p99_ms']:.1f} ms, {report['publications']} publication(s)"
    )
    for pid, before in report["rss_baseline_mb"].items():
        after = report["rss_final_mb"].get(pid, float("nan"))
        print(f"  worker {pid}: RSS {before:.1f} MB -> {after:.1f} MB")
    problems = verdict(report)
    for problem in problems:
        print(f"FAIL: {problem}")
    if problems:
        raise SystemExit(1)
    print("soak passed")
    return report


if __name__ == "__main__":
    main()
