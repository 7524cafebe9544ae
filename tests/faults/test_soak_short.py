"""The CI-short soak: 20 seconds of mixed load with the publisher running, zero errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_a_twenty_second_soak_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--seconds", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "soak passed" in result.stdout
    assert " 0 errors" in result.stdout
