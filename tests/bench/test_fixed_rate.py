"""The fixed-rate client: every request sent on schedule, failures counted, a stall measured."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bench.fixed_rate import Request, fixed_rate_latency


class _Handler(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, bytes, str | None]]] = []
    stall: ClassVar[threading.Event] = threading.Event()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(
            (self.command, self.path, body, self.headers.get("Authorization"))
        )
        if self.path == "/stall" and not type(self).stall.is_set():
            type(self).stall.set()
            time.sleep(0.4)
        status = 500 if self.path == "/broken" else 200
        payload = b'{"status": "ok"}' * 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.received = []
    _Handler.stall = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_every_request_is_sent_with_its_body_and_headers(server: str) -> None:
    requests = [
        Request("GET", "/healthz"),
        Request("POST", "/screen", b'{"names": ["x"]}', (("Authorization", "Bearer k"),)),
    ]
    result = fixed_rate_latency(server, requests, rate=40, seconds=0.5)
    assert result["sent"] == 20 and result["errors"] == 0
    assert sorted(set(_Handler.received)) == [
        ("GET", "/healthz", b"", None),
        ("POST", "/screen", b'{"names": ["x"]}', "Bearer k"),
    ]
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_error_statuses_and_refused_connections_count_as_failures(server: str) -> None:
    result = fixed_rate_latency(server, [Request("GET", "/broken")], rate=20, seconds=0.25)
    assert result["errors"] == result["sent"] == 5
    assert result["first_failures"][0] == "GET /broken -> 500"

    closed = fixed_rate_latency("http://127.0.0.1:1", [Request("GET", "/")], rate=10, seconds=0.2)
    assert closed["errors"] == closed["sent"] == 2
    assert closed["first_failures"][0] == "GET / -> no answer"


def test_a_stalled_request_is_measured_and_does_not_hold_back_the_others(server: str) -> None:
    # One request stalls 0.4 s; those due meanwhile are sent on time by other threads, so
    # the stall is in the maximum and the median stays that of the others.
    result = fixed_rate_latency(server, [Request("GET", "/stall")], rate=50, seconds=1.0)
    assert result["sent"] == 50 and result["errors"] == 0
    assert result["max_ms"] >= 400
    assert result["p50_ms"] < 100
