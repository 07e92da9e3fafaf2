"""How much a client may send, and how much of it may write to the database.

Every message of a connection counts against `RateLimit` (a flood is closed with 1008). Acks
and presence also write: each takes the writer gate that every desk waits on. Those are
limited once more, per connection and per client address (all the connections of one address
share one budget), and a write over either budget is answered with `error` `rate_limited` and
not recorded. An address's budget lives while it has a connection open.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Mapping

from queue_core.errors import ConfigError

RATE_PER_S = 20.0  # client messages a second, sustained, before close 1008
BURST = 20
# A TV acknowledges a call after saying it (seconds each), a phone's presence is a tap: a page
# writes far less than one message a second, and a TV back online sends its few pending acks
# in one go.
WRITE_RATE_PER_S = 1.0
WRITE_BURST = 10
# Every TV and phone behind one address (a ward's NAT, a carrier's) together.
ADDRESS_WRITE_RATE_PER_S = 5.0
ADDRESS_WRITE_BURST = 30
PROXIES_ENV = "CLINIC_QUEUE_PROXIES"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RateLimit:
    """A token bucket: bursts are fine, a sustained flood is not."""

    def __init__(self, rate: float = RATE_PER_S, burst: int = BURST) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.at = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Writes:
    """One connection's write budget: its own, and its address's that it shares."""

    def __init__(self, shared: RateLimit) -> None:
        self.own = RateLimit(WRITE_RATE_PER_S, WRITE_BURST)
        self.shared = shared

    def allow(self) -> bool:
        return self.own.allow() and self.shared.allow()


class Addresses:
    """The shared write budget of each address that has connections open."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[RateLimit, int]] = {}

    def join(self, address: str) -> Writes:
        bucket, count = self._open.get(address) or (
            RateLimit(ADDRESS_WRITE_RATE_PER_S, ADDRESS_WRITE_BURST),
            0,
        )
        self._open[address] = (bucket, count + 1)
        return Writes(bucket)

    def leave(self, address: str) -> None:
        bucket, count = self._open[address]
        if count > 1:
            self._open[address] = (bucket, count - 1)
        else:
            del self._open[address]

    def __len__(self) -> int:
        return len(self._open)


def trusted_proxies(environ: Mapping[str, str] = os.environ) -> frozenset[IPAddress]:
    """`CLINIC_QUEUE_PROXIES`: the addresses of reverse proxies (nginx) whose X-Forwarded-For
    names the client. Unset or empty: none, every client is the address it connects from."""
    proxies = set()
    for item in environ.get(PROXIES_ENV, "").split(","):
        if item.strip():
            try:
                proxies.add(ipaddress.ip_address(item.strip()))
            except ValueError:
                raise ConfigError(
                    [f"{PROXIES_ENV}: {item.strip()!r} is not an IP address"]
                ) from None
    return frozenset(proxies)


def client_address(peer: str | None, forwarded: str, proxies: frozenset[IPAddress]) -> str:
    """The address a connection's writes are counted by.

    From a trusted proxy, the rightmost address of X-Forwarded-For that is not itself a
    proxy (the ones to its left are the client's to write); from anyone else, or when that
    header names nothing usable, the connection's own peer. An IPv6 host is counted by its
    /64 (it has them all), and the machine itself (127.0.0.0/8, ::1) is one address.
    """
    address = _parsed(peer)
    if address is not None and address in proxies:
        for item in reversed(forwarded.split(",")):
            named = _parsed(item.strip())
            if named is None:
                break
            if named not in proxies:
                address = named
                break
    if address is None:
        return "unknown"
    if address.is_loopback:
        return "loopback"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _parsed(text: str | None) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text or "")
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
