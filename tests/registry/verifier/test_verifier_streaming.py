"""The verifier reads the snapshot and delta as streams: from a directory and over HTTP."""

from __future__ import annotations

import io
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import IO, Any

import pytest

from registry.verifier import (
    DirectorySource,
    HttpSource,
    SourceUnavailable,
    VerificationReport,
    source,
    verify_feed,
)
from registry.verifier.feed_check import MAX_LINE_BYTES, jsonl_records
from tests.registry.verifier.verifier_feeds import (
    NOW,
    build_feed,
    failures,
    rewrite_line,
    served,
    serving,
)

DATA_DIRS = ("snapshot/", "delta/")


def test_jsonl_lines_are_parsed_one_by_one_and_bad_ones_named() -> None:
    report = VerificationReport("test")
    stream = io.BytesIO(b'{"a":1}\n\n[\n{"b":2}')

    records = list(jsonl_records("x.jsonl", stream, report))

    assert records == [(1, {"a": 1}), (4, {"b": 2})]
    assert failures(report).splitlines() == [
        "x.jsonl: line 2 is not valid JSON: not valid JSON: Expecting value at line 1 column 1",
        "x.jsonl: line 3 is not valid JSON: not valid JSON: Expecting value at line 1 column 2",
        "x.jsonl: does not end with a newline (the file may be truncated)",
    ]


def test_an_endless_line_is_skipped_unread_and_the_next_lines_still_checked() -> None:
    report = VerificationReport("test")
    endless = b"[" * (MAX_LINE_BYTES * 3 + 5)
    stream = io.BytesIO(b'{"a":1}\n' + endless + b'\n{"b":2}\n' + endless)

    records = list(jsonl_records("x.jsonl", stream, report))

    assert records == [(1, {"a": 1}), (3, {"b": 2})]
    assert failures(report).splitlines() == [
        f"x.jsonl: line 2 is longer than {MAX_LINE_BYTES:,} bytes; skipped",
        f"x.jsonl: line 4 is longer than {MAX_LINE_BYTES:,} bytes; skipped",
    ]


def test_a_line_of_exactly_the_limit_is_read() -> None:
    report = VerificationReport("test")
    padded = b'{"a":"' + b"x" * (MAX_LINE_BYTES - 8) + b'"}'
    assert len(padded) == MAX_LINE_BYTES
    records = list(jsonl_records("x.jsonl", io.BytesIO(padded + b"\n"), report))
    assert records == [(1, {"a": "x" * (MAX_LINE_BYTES - 8)})]
    assert report.ok


def test_a_delta_cut_inside_its_last_line_is_reported_as_truncated(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    delta = feed.root / "delta/0-1.jsonl"
    delta.write_bytes(delta.read_bytes()[:-10])

    text = failures(feed.verify())

    assert "delta/0-1.jsonl: does not end with a newline (the file may be truncated)" in text
    assert "delta/0-1.jsonl: line 4 is not valid JSON" in text
    assert "delta/0-1.jsonl: has 3 lines, index.json says 4" in text


class WholeReadForbidden(io.BufferedReader):
    """A file that fails the test when read whole instead of in chunks or lines."""

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and size >= 0, f"{self.name} was read whole"
        return super().read(size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        raise AssertionError(f"{self.name} was read whole")


class StreamingOnly:
    """A directory source that fails the test if a data file is read whole."""

    def __init__(self, root: Path) -> None:
        self.files = DirectorySource(root)
        self.location = self.files.location
        self.opened: list[IO[bytes]] = []

    def read(self, path: str) -> bytes | None:
        assert not path.startswith(DATA_DIRS), f"{path} was read whole"
        return self.files.read(path)

    def open(self, path: str) -> IO[bytes] | None:
        stream = WholeReadForbidden(io.FileIO(self.files.root / path))
        self.opened.append(stream)
        return stream


def test_the_data_files_are_never_read_whole_and_are_closed(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")
    files = StreamingOnly(feed.root)

    report = verify_feed(files, pinned_keys=feed.pinned(), now=NOW)

    assert report.ok, failures(report)
    assert report.checked["files"] == 2
    assert report.checked["delta events"] == 4
    assert sorted(stream.name for stream in files.opened) == [
        feed.root / "delta/0-1.jsonl",
        feed.root / "snapshot/1.jsonl",
    ]
    assert all(stream.closed for stream in files.opened)


def test_a_feed_over_http_verifies_and_a_tampered_delta_line_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks: each body arrives in many pieces and outgrows memory into a temporary file.
    monkeypatch.setattr(source, "CHUNK_SIZE", 64)
    feed = build_feed(tmp_path / "feed")
    delta = feed.root / "delta/0-1.jsonl"

    with served(feed.root) as url:
        intact = verify_feed(HttpSource(url), pinned_keys=feed.pinned(), now=NOW)
        rewrite_line(delta, 4, lambda line: {**line, "reason": "expired"})
        tampered = verify_feed(HttpSource(url), pinned_keys=feed.pinned(), now=NOW)

    assert intact.ok, failures(intact)
    assert intact.checked["signed entries"] == 6
    text = failures(tampered)
    assert "delta/0-1.jsonl: has sha256" in text
    assert "delta/0-1.jsonl: line 4 (leaf 3): the event differs from log entry 3" in text


def test_an_http_stream_is_the_body_or_none_or_a_clear_error(tmp_path: Path) -> None:
    feed = build_feed(tmp_path / "feed")

    with served(feed.root) as url:
        files = HttpSource(url)
        body = files.open("snapshot/1.jsonl")
        assert body is not None
        with body:
            assert body.read() == (feed.root / "snapshot/1.jsonl").read_bytes()
        assert files.open("snapshot/2.jsonl") is None
        with pytest.raises(SourceUnavailable, match="not a path inside the feed"):
            files.open("../secret")


class ShortBody(BaseHTTPRequestHandler):
    """Promises 100 bytes, sends 10, hangs up."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"0123456789")

    def log_message(self, format: str, *args: Any) -> None:
        return None  # keep test output clean


def test_a_body_cut_short_by_the_server_is_a_source_error_not_a_feed_failure() -> None:
    with serving(ShortBody) as url, pytest.raises(SourceUnavailable) as caught:
        HttpSource(url).open("delta/0-1.jsonl")

    assert caught.value.message == (
        f"GET {url}delta/0-1.jsonl failed: the body ended 90 bytes short"
    )
