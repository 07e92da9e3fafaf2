"""The public address: the clinic file says it, CLINIC_QUEUE_PUBLIC_URL overrides it, and a
loopback address (which no phone can open) is warned about in one line."""

from __future__ import annotations

import dataclasses

import pytest

from queue_core.address import PUBLIC_URL_ENV, public_address
from queue_core.config import ClinicConfig, load_config
from queue_core.errors import ConfigError
from tests.conftest import SAMPLE_CONFIG

SAMPLE = load_config(SAMPLE_CONFIG)
HOSPITAL = dataclasses.replace(SAMPLE, public_url="https://queue.hospital.example/")


def test_the_clinic_file_gives_the_address_of_every_ticket_link() -> None:
    address = public_address(HOSPITAL, environ={})
    assert address.base == "https://queue.hospital.example"
    assert address.link("tok") == "https://queue.hospital.example/t/tok"
    assert not address.loopback and address.warning() is None


def test_the_environment_overrides_the_clinic_file() -> None:
    address = public_address(HOSPITAL, environ={PUBLIC_URL_ENV: "http://10.1.2.3:8765/queue/"})
    assert (address.base, address.source) == ("http://10.1.2.3:8765/queue", PUBLIC_URL_ENV)
    assert address.link("tok") == "http://10.1.2.3:8765/queue/t/tok"


def test_without_either_it_is_the_server_s_default_and_the_warning_says_how_to_set_it() -> None:
    address = public_address(SAMPLE, environ={PUBLIC_URL_ENV: "  "})
    assert address.base == "http://127.0.0.1:8765" and address.loopback
    assert address.warning() == (
        "warning: ticket links point to http://127.0.0.1:8765 (the default), a loopback address"
        " that patients' phones cannot open; set public_url in the clinic file's [clinic] table"
        " and run init, or set CLINIC_QUEUE_PUBLIC_URL."
    )


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8765", True),
        ("http://127.8.9.10", True),
        ("http://localhost:8765", True),
        ("http://LOCALHOST.", True),
        ("http://queue.localhost", True),
        ("http://[::1]:8765", True),
        ("http://[::ffff:127.0.0.1]", True),
        ("http://0.0.0.0:8765", True),
        ("http://[::]:8765", True),
        ("http://10.1.2.3:8765", False),
        ("https://queue.hospital.example", False),
        ("http://[fe80::1]", False),
        ("http://localhost-clinic.cn", False),
    ],
)
def test_loopback_addresses_are_told_apart(url: str, loopback: bool) -> None:
    address = public_address(SAMPLE, environ={PUBLIC_URL_ENV: url})
    assert address.loopback is loopback
    assert (address.warning() is not None) is loopback


def test_a_bad_override_is_refused_naming_the_variable() -> None:
    config: ClinicConfig = HOSPITAL
    with pytest.raises(ConfigError) as refused:
        public_address(config, environ={PUBLIC_URL_ENV: "queue.hospital.example"})
    assert refused.value.problems == [
        "CLINIC_QUEUE_PUBLIC_URL: 'queue.hospital.example' must start with http:// or https://"
    ]
