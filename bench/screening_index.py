"""Screening index file: memory and start-up of workers that map it, next to building per worker.

The benchmark writes the index file of n generated subjects (as the publisher does), then starts
worker processes that map it and screen the same queries, and reads each worker's resident and
proportional memory (RSS, PSS: shared pages divided among the processes mapping them) from
/proc. Side by side, one process builds the index in memory, as every worker did before the
file. "ready" is the time from opening the file to the first answer.

Run `python -m bench.screening_index` (100k subjects, 4 workers), `--listed 1000000` for 1M,
or `--quick`. The file is written in a child process, as the publisher writes it (the names
read as they are filed, parsed in one process per core, `--parse-workers`); its CPU (with the
parsing processes) and its peak RSS (summed over it and them) are reported. `--base DIR` times
only the write, with the code checked out in DIR (one process, as it parsed) and with this
tree, alternating `--rounds` times on the same names, and prints both files' digests. With
`--data-dir` (or `BENCH_DATA_DIR`) the file and queries are kept there and reused while the code
that makes them is unchanged; `--skip-in-memory` leaves out the in-memory build. Progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.memory import peak_rss_mb, tree_cpu_seconds, tree_peak_rss_mb
from bench.registry_data import data_dir_from
from bench.screening import percentile
from bench.screening_data import generate_benchmark
from registry.screening import matching
from registry.screening.matching import ListedName, MatchIndex, ScreeningQuery, index_file
from registry.screening.matching.index_file import IndexFile
from registry.screening.matching.score import IndexedRecord

ROLLUP = "/proc/{pid}/smaps_rollup"
INDEX = "screening.index"
QUERIES = "queries.json"
MANIFEST = "generated.json"
# The benchmark modules that make the listed names and queries.
# Names pickled at a time for the child process that writes the file.
NAMES_PER_PICKLE = 2_000
SOURCES = ("screening_data", "screening_names", "screening_queries", "screening_subjects")


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


def _dump_names(listed: list[ListedName], path: Path) -> None:
    """The listed names, pickled `NAMES_PER_PICKLE` at a time (a child reads them as it goes)."""
    with path.open("wb") as out:
        for first in range(0, len(listed), NAMES_PER_PICKLE):
            pickle.dump(listed[first : first + NAMES_PER_PICKLE], out)


def _load_names(path: Path) -> Iterator[ListedName]:
    with path.open("rb") as source:
        while True:
            try:
                yield from pickle.load(source)
            except EOFError:
                return


def write_child(names_path: str, index_path: str, workers: int) -> None:
    """Write the index file of the pickled names with the code on PYTHONPATH, as a publisher.

    The names are read as they are filed, each stamp appended as its name is taken (the
    publisher's first write, `_write_in_batches`). A tree without `write_index_names` (the
    code before it) parses each name here and files it with `write_index_records`.
    """
    stamps: list[int] = []

    def names() -> Iterator[ListedName]:
        for name in _load_names(Path(names_path)):
            stamps.append(len(stamps))
            yield name

    start, cpu = time.perf_counter(), tree_cpu_seconds()
    if hasattr(index_file, "write_index_names"):
        index_file.write_index_names(
            Path(index_path), names(), stamps, "bench", _progress, workers=workers
        )
    else:
        records = (IndexedRecord.from_listed(name) for name in names())
        index_file.write_index_records(Path(index_path), records, stamps, "bench", _progress)
    wall = time.perf_counter() - start
    time.sleep(0.5)  # the forkserver reaps the workers that ended
    print(json.dumps({"wall": wall, "cpu": tree_cpu_seconds() - cpu, "peak_self": peak_rss_mb()}))


@dataclass(frozen=True)
class Written:
    """What writing the file took: clock and CPU seconds (with the workers), peak RSS, digest."""

    wall: float
    cpu: float
    peak_mb: float
    sha256: str


# The child runs this file's `main` with no main module of its own, so the worker processes
# of the writer (started from a fork server) do not import the benchmark again each.
_CHILD = "import runpy, sys; runpy.run_path(sys.argv.pop(1))['main'](sys.argv[1:])"


def write_measured(names: Path, index: Path, workers: int, code: Path) -> Written:
    """Write the index file in a child process running the code in `code`, and measure it.

    The peak is the RSS summed over the child and its worker processes (sampled), so it is
    the writer's own: the benchmark's list of names is not in it.
    """
    process = subprocess.Popen(
        [
            *(sys.executable, "-c", _CHILD, str(Path(__file__).resolve())),
            *("--write-child", str(names), str(index)),
            *("--parse-workers", str(workers)),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
    )
    with process:
        peak = tree_peak_rss_mb(process)
        assert process.stdout is not None
        found = json.loads(process.stdout.read().strip().splitlines()[-1])
    if process.returncode:
        raise RuntimeError(f"the writer in {code} failed ({process.returncode})")
    digest = hashlib.sha256(index.read_bytes()).hexdigest()
    return Written(found["wall"], found["cpu"], max(peak, found["peak_self"]), digest)


def write_index_and_queries(
    directory: Path, listed_count: int, query_count: int, workers: int
) -> Written:
    """Write the index file of `listed_count` subjects and the query names; what it took."""
    benchmark = generate_benchmark(listed_count, query_count, seed=7)
    names = [q.query.name or "-" for q in benchmark.queries]
    (directory / QUERIES).write_text(json.dumps(names, ensure_ascii=False))
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        _dump_names(benchmark.listed, Path(scratch) / "names.pickle")
        del benchmark
        return write_measured(
            Path(scratch) / "names.pickle", directory / INDEX, workers, Path.cwd()
        )


def compare_writers(listed_count: int, workers: int, base: Path, rounds: int) -> None:
    """Write the same names with the code in `base` and with this code, alternating; print both."""
    print(f"  index file write, {listed_count:,} subjects: {base} (before) and this tree (after)")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_SCRATCH")) as scratch:
        folder = Path(scratch)
        _dump_names(generate_benchmark(listed_count, 10, seed=7).listed, folder / "names.pickle")
        print("    code     wall s    CPU s   peak RSS MB  sha256")
        for _round in range(rounds):
            for label, code, parse_workers in (("before", base, 1), ("after", Path.cwd(), workers)):
                written = write_measured(
                    folder / "names.pickle", folder / f"{label}.index", parse_workers, code
                )
                print(
                    f"    {label:<7} {written.wall:>7.1f}  {written.cpu:>7.1f}"
                    f"  {written.peak_mb:>11.0f}  {written.sha256[:16]}",
                    flush=True,
                )
                (folder / f"{label}.index").unlink()


def fingerprint(listed_count: int, query_count: int) -> str:
    """What a kept index file must have been made with: sizes and the code making it."""
    digest = hashlib.sha256(f"{listed_count} {query_count} seed 7".encode())
    sources = sorted(Path(matching.__file__).parent.glob("*.py"))
    sources += [Path(__file__).parent / f"{name}.py" for name in SOURCES]
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def kept_index(
    data_dir: Path, listed_count: int, query_count: int, workers: int
) -> tuple[Path, Written | None]:
    """The kept index file and queries in `data_dir`, written first if missing or stale.

    Returns their folder and what the write took in this call (None if reused).
    """
    directory = data_dir / f"screening-{listed_count}"
    wanted = fingerprint(listed_count, query_count)
    manifest = directory / MANIFEST
    if manifest.exists() and json.loads(manifest.read_text())["fingerprint"] == wanted:
        return directory, None
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    written = write_index_and_queries(directory, listed_count, query_count, workers)
    manifest.write_text(json.dumps({"fingerprint": wanted, "written_s": round(written.wall, 1)}))
    return directory, written


def report(
    listed_count: int,
    workers: int,
    query_count: int,
    data_dir: Path | None = None,
    parse_workers: int = 1,
    in_memory: bool = True,
) -> None:
    """Write the file, start `workers` mapping it, print their memory and start-up."""
    print(f"  screening index file, {listed_count:,} subjects, {workers} workers")
    with tempfile.TemporaryDirectory() as scratch:
        if data_dir is None:
            directory: Path = Path(scratch)
            written: Written | None = write_index_and_queries(
                directory, listed_count, query_count, parse_workers
            )
        else:
            directory, written = kept_index(data_dir, listed_count, query_count, parse_workers)
        path, queries = directory / INDEX, directory / QUERIES
        size = path.stat().st_size / 2**20
        if written is None:
            print(f"    the kept file in {directory}       {size:>7.0f} MB on disk")
        else:
            print(
                "    write the file (parse + keys)   "
                f"{written.wall:>7.1f}s  {size:>7.0f} MB on disk"
            )
            print(
                f"    the writer: CPU {written.cpu:.1f} s (with its {parse_workers} parsing"
                f" processes), peak RSS {written.peak_mb:.0f} MB (summed over them)"
            )
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
        "--data-dir",
        help="keep the index file and queries here and reuse them while the code is unchanged "
        "(default: $BENCH_DATA_DIR; none: write them afresh)",
    )
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes parsing the names when the file is written (default: one per core)",
    )
    parser.add_argument(
        "--skip-in-memory",
        action="store_true",
        help="leave out building the index in memory for comparison (slow at 1M)",
    )
    parser.add_argument(
        "--base",
        help="a checkout of the code before (a git worktree): time the file write alone with "
        "it and with this tree, side by side, on the same names",
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the --base comparison")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--write-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--in-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return
    if args.in_memory:
        in_memory_worker(args.in_memory)
        return
    if args.write_child:
        names_path, index_path = args.write_child
        write_child(names_path, index_path, args.parse_workers)
        return
    if args.base:
        compare_writers(args.listed, args.parse_workers, Path(args.base), args.rounds)
        return
    listed, workers = (10_000, 2) if args.quick else (args.listed, args.workers)
    print(f"screening index benchmark{' (quick)' if args.quick else ''}")
    report(
        listed,
        workers,
        1000,
        data_dir_from(args.data_dir),
        args.parse_workers,
        in_memory=not args.skip_in_memory,
    )


if __name__ == "__main__":
    main()
