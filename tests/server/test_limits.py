"""Whose budget a connection's writes are counted against."""

from __future__ import annotations

import ipaddress

import pytest

from display_server.limits import Addresses, client_address, trusted_proxies
from queue_core.errors import ConfigError

NGINX = frozenset({ipaddress.ip_address("10.0.0.2")})


@pytest.mark.parametrize(
    ("peer", "forwarded", "counted"),
    [
        ("203.0.113.7", "", "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not a proxy: its header is its own
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # the left part is the client's
        ("10.0.0.2", "198.51.100.1, 10.0.0.2", "198.51.100.1"),
        ("10.0.0.2", "garbage", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("127.0.0.1", "", "loopback"),
        ("127.8.9.10", "", "loopback"),
        ("::ffff:203.0.113.7", "", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),
        (None, "", "unknown"),
    ],
)
def test_the_address_a_connection_counts_by(peer: str | None, forwarded: str, counted: str) -> None:
    assert client_address(peer, forwarded, NGINX) == counted


def test_the_connections_of_one_address_share_one_budget() -> None:
    addresses = Addresses()
    first, second = addresses.join("198.51.100.1"), addresses.join("198.51.100.1")
    assert first.shared is second.shared
    assert addresses.join("203.0.113.7").shared is not first.shared
    for address in ("198.51.100.1", "198.51.100.1", "203.0.113.7"):
        addresses.leave(address)
    assert len(addresses) == 0


def test_a_bad_proxy_address_is_named() -> None:
    assert trusted_proxies({"CLINIC_QUEUE_PROXIES": " 127.0.0.1 , ::1"}) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    with pytest.raises(ConfigError, match="'nginx' is not an IP address"):
        trusted_proxies({"CLINIC_QUEUE_PROXIES": "127.0.0.1,nginx"})
