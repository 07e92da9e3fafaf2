"""Where a phone on the clinic's network reaches a server listening on this machine.

A server bound to every interface (0.0.0.0) prints that address, which no phone can dial; the
demo's QR code needs this machine's address on the local network instead.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping

from queue_core.address import PUBLIC_URL_ENV, is_loopback, url_problem
from queue_core.errors import ConfigError

# Connecting a UDP socket sends nothing: the kernel only picks the interface it would route
# through, whose address is the one the local network sees. Any routable address will do; this
# one is reserved for documentation (RFC 5737) and never answers.
ROUTE_PROBE = ("192.0.2.1", 9)


def lan_address() -> str | None:
    """This machine's IPv4 address on its network, or None when it has none but loopback."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(ROUTE_PROBE)
        found = str(probe.getsockname()[0])
    except OSError:
        found = ""
    finally:
        probe.close()
    if found and not is_loopback(found):
        return found
    try:
        named = socket.gethostbyname(socket.gethostname())
    except OSError:
        return None
    return None if is_loopback(named) else named


def listen_host(environ: Mapping[str, str]) -> str:
    """`CLINIC_QUEUE_HOST`, else every interface when a public address is given (phones must
    reach the server at it), else this machine only."""
    host = environ.get("CLINIC_QUEUE_HOST", "").strip()
    if host:
        return host
    return "0.0.0.0" if environ.get(PUBLIC_URL_ENV, "").strip() else "127.0.0.1"


def phone_base(
    host: str,
    port: int,
    environ: Mapping[str, str],
    find_lan: Callable[[], str | None] = lan_address,
) -> str:
    """The base of the links phones open, for a server listening on `host`:`port`: the public
    address if one is set, this machine's LAN address for a server on every interface, else
    the address it listens on."""
    override = environ.get(PUBLIC_URL_ENV, "").strip()
    if override:
        problem = url_problem(override)
        if problem is not None:
            raise ConfigError([f"{PUBLIC_URL_ENV}: {override!r} {problem}"])
        return override.rstrip("/")
    if is_unspecified(host):
        host = find_lan() or host
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def is_unspecified(host: str) -> bool:
    """0.0.0.0 or ::, the addresses a server listens on but nobody can dial."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
