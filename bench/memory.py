"""Peak memory and CPU time of the running benchmark process, or of a measured child and its
workers."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    On Linux this is VmHWM, which counts this program only: `ru_maxrss` would also count the
    parent's memory at the fork that started a measuring child process.
    """
    if STATUS.exists():
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (Linux: /proc/<pid>/task/<tid>/children)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue  # ended meanwhile
    return found


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:"), 0)


def tree_peak_rss_mb(process: subprocess.Popen[str], interval: float = 0.02) -> float:
    """Wait for `process`; the peak of the RSS summed over it and its descendants, in MB.

    Sampled every `interval` seconds, so it counts worker processes a child starts (0 where
    /proc is not there). Shared pages are counted in every process that maps them.
    """
    peak = 0
    while process.poll() is None:
        if Path("/proc").is_dir():
            peak = max(peak, sum(_rss_kb(pid) for pid in descendants(process.pid)))
        time.sleep(interval)
    return peak / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (worker processes)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def tree_cpu_seconds() -> float:
    """CPU time of this process and of every process below it, ended or running.

    Ended children that were waited for are in RUSAGE_CHILDREN; a running descendant (a
    multiprocessing fork server, its workers) counts its own time and that of the children it
    reaped (/proc/<pid>/stat utime, stime, cutime, cstime), so nothing is counted twice.
    """
    total = cpu_seconds()
    if not Path("/proc").is_dir():
        return total
    tick = os.sysconf("SC_CLK_TCK")
    for pid in descendants(os.getpid())[1:]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += sum(int(value) for value in fields[11:15]) / tick
    return total
