"""One HTTP POST to a webhook target, connected to the address the egress policy checked.

The host name is resolved once, every address it resolves to is checked against the policy,
and the socket is opened to a checked address: a name that answers a public address to the
check and a private one to the connection (DNS rebinding) gains nothing. The request still
names the host: the `Host` header and, for https, the TLS server name (SNI) and certificate
check use the name from the URL. Redirects are never followed, so no answer can send the
signed request to another host.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from urllib.parse import urlsplit

from registry.clients.egress import EgressPolicy, EgressRefused, Resolver

TIMEOUT_SECONDS = 5
MAX_ERROR_LENGTH = 500


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for (host, port), in its order, no duplicates."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in found:
        if str(sockaddr[0]) not in addresses:
            addresses.append(str(sockaddr[0]))
    return addresses


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `address` that names `host` in its requests."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        """Open the socket to the checked address, never to a fresh lookup of the name."""
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to `address` whose TLS checks the certificate of `host`."""

    def __init__(
        self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls = context

    def connect(self) -> None:
        """Open the socket to the checked address, then TLS with the URL's host as server name."""
        sock = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _connection(
    scheme: str, host: str, port: int, address: str, tls: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    if scheme == "https":
        context = tls or ssl.create_default_context()
        return PinnedHTTPSConnection(host, port, address, TIMEOUT_SECONDS, context)
    return PinnedHTTPConnection(host, port, address, TIMEOUT_SECONDS)


def post_pinned(
    url: str,
    body: bytes,
    headers: dict[str, str],
    policy: EgressPolicy,
    resolver: Resolver = system_resolver,
    tls: ssl.SSLContext | None = None,
) -> tuple[int | None, str | None]:
    """POST `body`; (status, None) on any HTTP answer, (None, error) when refused or unreachable.

    A 3xx answer is returned as it is: the redirect is not followed.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = policy.resolve(host, port, resolver)
    except (EgressRefused, ValueError) as error:
        return None, f"refused: {getattr(error, 'reason', error)}"[:MAX_ERROR_LENGTH]
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    last_error = "no address to connect to"
    for address in addresses:
        connection = _connection(parts.scheme, host, port, address, tls)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return int(response.status), None
        except (OSError, http.client.HTTPException) as error:
            last_error = f"{type(error).__name__}: {error}"
        finally:
            connection.close()
    return None, last_error[:MAX_ERROR_LENGTH]
