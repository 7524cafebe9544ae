"""Screening index file: memory and start-up of workers that map it, next to building per worker.

The benchmark writes the index file of n generated subjects (as the publisher does), then starts
worker processes that map it and screen the same queries, and reads each worker's resident and
proportional memory (RSS, PSS: shared pages divided among the processes mapping them) from
/proc. Side by side, one process builds the index in memory, as every worker did before the
file. "ready" is the time from opening the file to the first answer.

Run `python -m bench.screening_index` (100k subjects, 4 workers), `--listed 1000000` for 1M
(with `--file-only` to skip the in-memory build beside it), or `--quick`. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.screening import percentile
from bench.screening_data import generate_benchmark
from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery
from registry.screening.matching.index_file import IndexFile, write_index_file
from registry.screening.matching.score import IndexedRecord

ROLLUP = "/proc/{pid}/smaps_rollup"


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB, from /proc/<pid>/smaps_rollup."""
    fields = {}
    for line in Path(ROLLUP.format(pid=pid)).read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def _warm_up() -> None:
    """Load what any worker loads anyway (pinyin tables, vocabularies) before measuring."""
    sample = MatchIndex.build([ListedName("warm-up", "legal_person", "深圳市华兴科技有限公司")])
    sample.screen(ScreeningQuery(name="Shenzhen Huaxing Technology"))


def worker(index_path: str, queries_path: str) -> None:
    """Map the index, screen the queries, report, then wait until told to end (stdin closes)."""
    names = json.loads(Path(queries_path).read_text())
    _warm_up()
    before = memory_mb(os.getpid())
    start = time.perf_counter()
    index = MatchIndex.from_file(IndexFile(Path(index_path)))
    index.screen(ScreeningQuery(name=names[0]))
    ready = time.perf_counter() - start
    latencies = []
    for name in names:
        began = time.perf_counter()
        index.screen(ScreeningQuery(name=name))
        latencies.append(time.perf_counter() - began)
    report = {"ready": ready, "before": before, "latencies": latencies}
    print(json.dumps(report), flush=True)
    sys.stdin.read()


def in_memory_worker(listed_count: int) -> None:
    """Build the index in this process, as each worker did before the shared file."""
    benchmark = generate_benchmark(listed_count, 100, seed=7)
    _warm_up()
    before = memory_mb(os.getpid())
    start = time.perf_counter()
    MatchIndex.build(benchmark.listed)
    built = time.perf_counter() - start
    print(json.dumps({"ready": built, "before": before}), flush=True)
    sys.stdin.read()


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.screening_index", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def _report_in_memory(listed_count: int) -> None:
    process = _start(["--in-memory", str(listed_count)])
    assert process.stdout is not None and process.stdin is not None
    found = json.loads(process.stdout.readline())
    rss = memory_mb(process.pid)[0]
    process.stdin.close()
    process.wait()
    grown = rss - found["before"][0]
    print(
        f"    in memory, per worker (before)  build {found['ready']:>7.1f}s"
        f"  RSS {rss:>7.0f} MB, of which the index {grown:>6.0f} MB (times each worker)"
    )


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report(listed_count: int, workers: int, query_count: int, in_memory: bool = True) -> None:
    """Write the file, start `workers` mapping it, print their memory and start-up."""
    benchmark = generate_benchmark(listed_count, query_count, seed=7)
    print(f"  screening index file, {listed_count:,} subjects, {workers} workers")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "screening.index"
        start = time.perf_counter()
        records = []
        for number, item in enumerate(benchmark.listed, 1):
            records.append(IndexedRecord.from_listed(item))
            if number % 100_000 == 0:
                _progress(f"parsed {number:,} of {listed_count:,} names")
        write_index_file(path, records, list(range(len(records))), "bench", _progress)
        written = time.perf_counter() - start
        del records
        size = path.stat().st_size / 2**20
        print(f"    write the file (parse + keys)   {written:>7.1f}s  {size:>7.0f} MB on disk")
        queries = Path(directory) / "queries.json"
        names = [q.query.name or "-" for q in benchmark.queries]
        queries.write_text(json.dumps(names, ensure_ascii=False))
        processes = [_start(["--worker", str(path), str(queries)]) for _ in range(workers)]
        found = []
        for process in processes:
            assert process.stdout is not None
            found.append(json.loads(process.stdout.readline()))
        memory = [memory_mb(process.pid) for process in processes]
        for process in processes:
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
    ready = [item["ready"] for item in found]
    latencies = [value for item in found for value in item["latencies"]]
    base_pss = sum(item["before"][1] for item in found)
    total_pss = sum(pss for _, pss in memory)
    print(
        f"    ready (map + first answer)      p50 {percentile(ready, 0.5):.3f}s"
        f"  max {max(ready):.3f}s   (aim <= 2 s)"
    )
    print(
        f"    latency a query, mapped          p50 {percentile(latencies, 0.5) * 1e3:.2f} ms"
        f"  p99 {percentile(latencies, 0.99) * 1e3:.2f} ms  ({len(latencies):,} queries)"
    )
    print(
        f"    memory, all {workers} workers: PSS    {total_pss:>7.0f} MB total,"
        f" {total_pss - base_pss:>6.0f} MB for the index and its caches (aim <= 200 MB)"
    )
    print(f"    RSS per worker                  {max(rss for rss, _ in memory):>7.0f} MB at most")
    if in_memory:
        _report_in_memory(listed_count)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.screening_index", description=__doc__)
    parser.add_argument("--listed", type=int, default=100_000, help="subjects in the index")
    parser.add_argument("--workers", type=int, default=4, help="worker processes mapping it")
    parser.add_argument("--quick", action="store_true", help="10k subjects, 2 workers")
    parser.add_argument(
        "--file-only", action="store_true", help="skip building the index in memory beside it"
    )
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--in-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return
    if args.in_memory:
        in_memory_worker(args.in_memory)
        return
    listed, workers = (10_000, 2) if args.quick else (args.listed, args.workers)
    print(f"screening index benchmark{' (quick)' if args.quick else ''}")
    report(listed, workers, 1000, in_memory=not args.file_only)


if __name__ == "__main__":
    main()
