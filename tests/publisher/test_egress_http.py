"""Webhook POSTs connect to the address that was checked, never to a second lookup."""

from __future__ import annotations

import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network
from threading import Thread
from typing import Any

import pytest

from publisher.egress_http import post_pinned
from registry.clients.egress import EgressPolicy
from tests.publisher.webhook_receiver import webhook_receiver

LOOPBACK_ALLOWED = EgressPolicy(allow=(ip_network("127.0.0.0/8"),))


def test_a_name_resolving_to_a_private_address_is_not_contacted() -> None:
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        url = f"http://hooks.bank.example:{port}/hooks"
        status, error = post_pinned(url, b"{}", {}, EgressPolicy(), lambda h, p: ["127.0.0.1"])
    assert status is None and error is not None
    assert error.startswith("refused: hooks.bank.example resolves to 127.0.0.1")
    assert receiver.requests == []


def test_the_checked_address_is_used_and_the_host_header_names_the_host() -> None:
    lookups: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append((host, port))
        return ["127.0.0.1"]

    with webhook_receiver(status=204) as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        url = f"http://hooks.bank.example:{port}/hooks?x=1"
        status, error = post_pinned(url, b'{"a":1}', {"X-T": "1"}, LOOPBACK_ALLOWED, resolver)
    assert (status, error) == (204, None)
    assert lookups == [("hooks.bank.example", port)]  # one lookup, no second one to rebind
    (request,) = receiver.requests
    assert request.path == "/hooks?x=1" and request.body == b'{"a":1}'
    assert request.headers["Host"] == f"hooks.bank.example:{port}"


def test_a_redirect_to_the_metadata_service_is_not_followed() -> None:
    seen: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        status, error = post_pinned(url, b"{}", {}, LOOPBACK_ALLOWED, lambda h, p: [h])
    finally:
        server.shutdown()
        server.server_close()
    assert (status, error) == (302, None)
    assert seen == ["/hook"]


def test_https_names_the_host_for_sni_and_the_certificate_check() -> None:
    server_names: list[str | None] = []

    class RecordingContext(ssl.SSLContext):
        def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
            server_names.append(kwargs.get("server_hostname"))
            raise ssl.SSLError("handshake refused by the test")

    with webhook_receiver() as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        context = RecordingContext(ssl.PROTOCOL_TLS_CLIENT)
        status, error = post_pinned(
            f"https://hooks.bank.example:{port}/",
            b"{}",
            {},
            LOOPBACK_ALLOWED,
            lambda h, p: ["127.0.0.1"],
            tls=context,
        )
    assert status is None and error is not None and "handshake refused" in error
    assert server_names == ["hooks.bank.example"]


@pytest.mark.parametrize("url", ["http://2130706433:1/", "http://0x7f000001:1/", "http://127.1:1/"])
def test_numeric_spellings_are_refused_before_any_lookup(url: str) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise AssertionError("no lookup for a refused address")

    status, error = post_pinned(url, b"{}", {}, EgressPolicy(), resolver)
    assert status is None and error is not None and "loopback or private" in error
