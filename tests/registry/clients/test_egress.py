"""Webhook targets: every spelling of an internal address is refused (SSRF)."""

from __future__ import annotations

import ipaddress

import pytest

from registry.clients.egress import EgressPolicy, EgressRefused, host_address, parse_ranges
from registry.clients.watch_items import check_webhook_url
from registry.errors import InvalidValue

PRODUCTION = EgressPolicy()


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://127.0.0.1./", "127.0.0.1"),
        ("http://2852039166/latest/meta-data/", "169.254.169.254"),
        ("http://169.254.169.254/", "169.254.169.254"),
        ("http://10.1/", "10.0.0.1"),
        ("http://[::1]/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe"),
        ("http://0/", "0.0.0.0"),
    ],
)
def test_every_spelling_of_an_internal_address_is_refused(url: str, address: str) -> None:
    with pytest.raises(EgressRefused, match="loopback or private") as refused:
        check_webhook_url(url, PRODUCTION)
    assert address in refused.value.reason


@pytest.mark.parametrize("url", ["http://localhost./", "http://LOCALHOST/", "http://a.localhost/"])
def test_localhost_names_are_refused(url: str) -> None:
    with pytest.raises(EgressRefused, match="loopback or private"):
        check_webhook_url(url, PRODUCTION)


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "0x1g.1", "08.1.1.1", "1.2.70000"])
def test_malformed_numeric_hosts_are_refused_with_the_field_named(host: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_webhook_url(f"http://{host}/", PRODUCTION)
    assert refused.value.field == "webhook_url"


def test_numeric_spellings_follow_inet_aton() -> None:
    assert host_address("0x7f.1") == ipaddress.ip_address("127.0.0.1")
    assert host_address("192.168.257") == ipaddress.ip_address("192.168.1.1")
    assert host_address("8.8.8.8.") == ipaddress.ip_address("8.8.8.8")
    assert host_address("hooks.bank.example") is None
    assert host_address("1.2.3.example") is None


def test_public_addresses_and_names_pass_registration() -> None:
    assert check_webhook_url("https://134744072/", PRODUCTION) == "https://134744072/"
    assert check_webhook_url("https://hooks.bank.example/x", PRODUCTION)


def test_configured_ranges_allow_and_deny() -> None:
    policy = EgressPolicy(
        allow=parse_ranges("10.20.0.0/16", "allow"), deny=parse_ranges("8.8.8.0/24", "deny")
    )
    assert policy.permits(ipaddress.ip_address("10.20.1.2"))
    assert not policy.permits(ipaddress.ip_address("10.21.1.2"))
    assert not policy.permits(ipaddress.ip_address("8.8.8.8"))
    assert policy.permits(ipaddress.ip_address("8.8.4.4"))
    # deny wins even over development's "anything internal"
    loose = EgressPolicy(deny=parse_ranges("169.254.0.0/16", "deny"), allow_internal=True)
    assert loose.permits(ipaddress.ip_address("127.0.0.1"))
    assert not loose.permits(ipaddress.ip_address("169.254.169.254"))
    with pytest.raises(ValueError, match="REGISTRY_X: 'nonsense' is not an address range"):
        parse_ranges("10.0.0.0/8, nonsense", "REGISTRY_X")


def test_every_resolved_address_is_checked() -> None:
    def resolver(host: str, port: int) -> list[str]:
        assert (host, port) == ("hooks.bank.example", 443)
        return ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(EgressRefused, match=r"resolves to 10\.0\.0\.5"):
        PRODUCTION.resolve("hooks.bank.example.", 443, resolver)
    assert PRODUCTION.resolve("hooks.bank.example", 443, lambda h, p: ["93.184.216.34"]) == [
        "93.184.216.34"
    ]


def test_names_resolving_to_mapped_or_unresolvable_addresses_are_refused() -> None:
    with pytest.raises(EgressRefused, match="resolves to ::ffff:7f00:1"):
        PRODUCTION.resolve("rebind.example", 80, lambda h, p: ["::ffff:127.0.0.1"])

    def fails(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(EgressRefused, match="does not resolve"):
        PRODUCTION.resolve("nowhere.example", 80, fails)
