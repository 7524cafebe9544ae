"""Which network addresses the registry may send webhooks to (server-side request forgery).

A webhook URL is a client's request that the registry's own network connects somewhere. Left
unchecked, a client could point it at the cloud metadata service (169.254.169.254), the
database, or an admin port on localhost. The check runs twice: on registration, against the
URL's host as written (every spelling of an IPv4 address a C resolver accepts: `2130706433`,
`0x7f000001`, `127.1`, `0177.0.0.1`, a trailing dot), and on every delivery, against every
address the host name resolves to at that moment; the delivery then connects to the address
that was checked, never resolving the name a second time (DNS rebinding).

The ranges are configuration: `deny` always wins, `allow` admits internal ranges an operator
runs receivers in, and everything else must be a globally routable address unless
`allow_internal` (development and tests) says otherwise.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from registry.errors import InvalidValue

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Resolves (host, port) to the addresses a connection could reach, as text.
Resolver = Callable[[str, int], list[str]]

_NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
# RFC 6052 well-known NAT64 prefix: 64:ff9b::7f00:1 reaches 127.0.0.1 through a NAT64 gateway.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class EgressRefused(InvalidValue):
    """The target is, or resolves to, an address the egress policy refuses."""


def parse_ranges(text: str, setting: str) -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8, fd00::/8` into networks; a ValueError names the setting and the bad range."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as error:
            raise ValueError(f"{setting}: {part!r} is not an address range ({error})") from None
    return tuple(networks)


def _ipv4_number(label: str) -> int:
    """One part of an inet_aton spelling: decimal, 0x hexadecimal or 0-prefixed octal."""
    if label[:2].lower() == "0x":
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)  # raises ValueError on 8 or 9, as inet_aton refuses them
    return int(label)


def host_address(host: str) -> IPAddress | None:
    """The address a URL host denotes, in any spelling a resolver accepts; None for a name.

    Follows inet_aton (and the WHATWG URL parser): a host whose last label is a number is an
    IPv4 address in one to four parts, the last part filling the remaining bytes.
    """
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    with contextlib.suppress(ValueError):  # not a standard spelling: try inet_aton's below
        return ipaddress.ip_address(host.split("%", 1)[0])
    labels = host.split(".")
    if not labels or not _NUMBER.match(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMBER.match(label) for label in labels):
        raise InvalidValue(
            "webhook_url",
            "%(host)r is neither a host name nor an IP address",
            host=host,
        )
    try:
        parts = [_ipv4_number(label) for label in labels]
    except ValueError:
        raise InvalidValue(
            "webhook_url",
            "%(host)r is not a valid IPv4 address",
            host=host,
        ) from None
    *leading, last = parts
    if any(part > 255 for part in leading) or last >= 256 ** (5 - len(parts)):
        raise InvalidValue(
            "webhook_url",
            "%(host)r is not a valid IPv4 address",
            host=host,
        )
    value = last
    for position, part in enumerate(leading):
        value |= part << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def _embedded(address: IPAddress) -> Iterable[IPAddress]:
    """The address itself and any IPv4 address it carries (mapped, 6to4, Teredo, NAT64)."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


@dataclass(frozen=True)
class EgressPolicy:
    """Allowed and denied ranges for outgoing webhook connections."""

    allow: tuple[IPNetwork, ...] = ()
    deny: tuple[IPNetwork, ...] = ()
    allow_internal: bool = False

    def permits(self, address: IPAddress) -> bool:
        """Whether a connection to `address` may be made."""
        for each in _embedded(address):
            if any(each in network for network in self.deny if each.version == network.version):
                return False
            allowed = any(
                each in network for network in self.allow if each.version == network.version
            )
            if not (allowed or self.allow_internal or each.is_global):
                return False
        return True

    def check_host(self, host: str) -> None:
        """Refuse a URL host that is, in any spelling, an address outside the policy."""
        lowered = host.lower().rstrip(".")
        if not self.allow_internal and (lowered == "localhost" or lowered.endswith(".localhost")):
            raise EgressRefused(
                "webhook_url",
                "%(host)s is a loopback or private address",
                host=host,
            )
        address = host_address(host)
        if address is not None and not self.permits(address):
            raise EgressRefused(
                "webhook_url",
                "%(host)s is a loopback or private address (%(address)s); use a public host",
                host=host,
                address=address,
            )

    def resolve(self, host: str, port: int, resolver: Resolver) -> list[str]:
        """The addresses to connect to: every address `host` resolves to must be permitted."""
        self.check_host(host)
        try:
            found = resolver(host.rstrip("."), port)
        except OSError as error:
            raise EgressRefused(
                "webhook_url",
                "%(host)s does not resolve: %(error)s",
                host=host,
                error=error,
            ) from None
        if not found:
            raise EgressRefused(
                "webhook_url",
                "%(host)s does not resolve to any address",
                host=host,
            )
        for text in found:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not self.permits(address):
                raise EgressRefused(
                    "webhook_url",
                    "%(host)s resolves to %(address)s, a loopback, private or denied address",
                    host=host,
                    address=address,
                )
        return found
