"""The public address: where patients' phones reach the display server, so the base of the
link in every ticket's QR code.

It belongs to the clinic (`[clinic] public_url` in the clinic file); CLINIC_QUEUE_PUBLIC_URL
overrides it on one machine. Without either it is the display server's own default address,
which only the server's machine can open: a loopback address makes every ticket's link dead
on a phone, so the commands that print or serve links say so (`PublicAddress.warning`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from queue_core.errors import ConfigError

if TYPE_CHECKING:
    from queue_core.config import ClinicConfig

PUBLIC_URL_ENV = "CLINIC_QUEUE_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8765"  # `clinic-queue serve` with its defaults
FROM_CONFIG = "clinic.public_url"
FROM_DEFAULT = "the default"


def http_url_problem(text: str, host_example: str = "") -> str | None:
    """Why `text` is no http(s) address of a host (said after it), or None when it is one."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if any(ch.isspace() for ch in text):
        return "must not contain spaces"
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        return "has a port that is not a number from 0 to 65535"
    return None if host else f"must name a host{host_example}"


def url_problem(text: str) -> str | None:
    """Why `text` cannot be the public address (said after it), or None when it can."""
    problem = http_url_problem(text, ", e.g. https://queue.hospital.example")
    if problem is not None:
        return problem
    parts = urlsplit(text)
    if parts.query or parts.fragment:
        return "must not have a query (?) or a fragment (#): ticket links are added to it"
    return None


def is_loopback(host: str) -> bool:
    """Only this machine answers: 127.0.0.0/8, ::1, localhost; or no machine at all (0.0.0.0,
    ::, addresses a server listens on but a phone cannot dial)."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


@dataclass(frozen=True)
class PublicAddress:
    base: str  # no trailing slash: a ticket's link is base + "/t/" + token
    source: str  # where it was set: PUBLIC_URL_ENV, FROM_CONFIG or FROM_DEFAULT

    @property
    def loopback(self) -> bool:
        return is_loopback(urlsplit(self.base).hostname or "")

    def link(self, token: str) -> str:
        """The patient's own page, as the QR code on their ticket encodes it."""
        return f"{self.base}/t/{token}"

    def warning(self) -> str | None:
        """One line saying that phones cannot open the links and how to fix it, or None."""
        if not self.loopback:
            return None
        return (
            f"warning: ticket links point to {self.base} ({self.source}), a loopback address"
            " that patients' phones cannot open; set public_url in the clinic file's [clinic]"
            f" table and run init, or set {PUBLIC_URL_ENV}."
        )


def public_address(config: ClinicConfig, environ: Mapping[str, str] | None = None) -> PublicAddress:
    """The public base URL: the environment's override, else the clinic's, else the default.
    A bad override is a ConfigError naming the variable, before anything is issued."""
    env = environ if environ is not None else os.environ
    override = env.get(PUBLIC_URL_ENV, "").strip()
    if override:
        problem = url_problem(override)
        if problem is not None:
            raise ConfigError([f"{PUBLIC_URL_ENV}: {override!r} {problem}"])
        return PublicAddress(override.rstrip("/"), PUBLIC_URL_ENV)
    if config.public_url:
        return PublicAddress(config.public_url.rstrip("/"), FROM_CONFIG)
    return PublicAddress(DEFAULT_PUBLIC_URL, FROM_DEFAULT)
