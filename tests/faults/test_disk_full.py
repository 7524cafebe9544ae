"""The feed directory's disk fills up during a publication.

A real (small) tmpfs is mounted as the feed directory. The run that hits ENOSPC must fail
naming the file, leave the previous `index.json` in place and still verifiable, and the run
after space is freed must succeed. Mounting needs root; outside CI the test skips without it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from registry.signing.signatures import verify_envelope
from runtime.signing_keys import key_store
from tests.faults.conftest import SmallDemo

REQUIRE = os.environ.get("REGISTRY_REQUIRE_PG") == "1"  # CI: this test must run there
SIZE = "2m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A freshly mounted 2 MB tmpfs, unmounted afterwards."""
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}"
        if REQUIRE:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=True)


def fill(directory: Path) -> Path:
    """Write a filler file until not one more byte fits; return it."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):  # big steps, then down to the last byte
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    return filler


def verify_feed(app: Flask, feed: Path) -> dict:
    """Check index.json's signature and every resource's presence, size and hash."""
    envelope = json.loads((feed / "index.json").read_bytes())
    verify_envelope("ipl.feed-index/v1", envelope, key_store(app).public_keys())
    signed = envelope["signed"]
    for resource in signed["resources"]:
        data = (feed / resource["path"]).read_bytes()
        assert len(data) == resource["size"], resource["path"]
        assert hashlib.sha256(data).hexdigest() == resource["sha256"], resource["path"]
    return signed


def test_a_full_disk_fails_the_run_and_keeps_the_previous_index(
    app: Flask, demo: SmallDemo, small_disk: Path
) -> None:
    first = demo.publish(feed_dir=small_disk)
    index_before = (small_disk / "index.json").read_bytes()
    assert verify_feed(app, small_disk)["version"] == first.version

    filler = fill(small_disk)
    demo.listings("approved", 2)
    with pytest.raises(OSError) as failure:
        demo.publish(feed_dir=small_disk)
    assert failure.value.errno == errno.ENOSPC
    named = failure.value.filename
    assert named and str(small_disk) in str(named), f"the error must name the file: {failure.value}"

    assert (small_disk / "index.json").read_bytes() == index_before
    assert verify_feed(app, small_disk)["version"] == first.version

    filler.unlink()
    third = demo.publish(feed_dir=small_disk)
    assert third.version > first.version
    signed = verify_feed(app, small_disk)
    assert signed["version"] == third.version
    assert third.tree_size > first.tree_size
    leftovers = [p for p in small_disk.rglob(".*.tmp")]
    assert leftovers == [], "temporary files of the failed run must be cleaned up"
