"""Which address the demo's links carry, for each way of starting it."""

from __future__ import annotations

import pytest

from clinic_queue.lan import listen_host, phone_base
from queue_core.errors import ConfigError


def _lan() -> str:
    return "192.168.1.20"


def _no_lan() -> None:
    return None


def test_a_server_on_every_interface_gives_phones_the_lan_address() -> None:
    assert phone_base("0.0.0.0", 8765, {}, _lan) == "http://192.168.1.20:8765"
    assert phone_base("::", 8765, {}, _lan) == "http://192.168.1.20:8765"
    assert phone_base("0.0.0.0", 8765, {}, _no_lan) == "http://0.0.0.0:8765"


def test_a_named_address_wins_and_a_bad_one_is_refused_with_its_variable() -> None:
    named = {"CLINIC_QUEUE_PUBLIC_URL": "https://queue.example/"}
    assert phone_base("0.0.0.0", 8765, named, _lan) == "https://queue.example"
    with pytest.raises(ConfigError, match=r"CLINIC_QUEUE_PUBLIC_URL: 'queue\.example' must start"):
        phone_base("0.0.0.0", 8765, {"CLINIC_QUEUE_PUBLIC_URL": "queue.example"}, _lan)


def test_a_server_on_one_address_is_reached_there() -> None:
    assert phone_base("127.0.0.1", 8765, {}, _lan) == "http://127.0.0.1:8765"
    assert phone_base("10.1.2.3", 80, {}, _lan) == "http://10.1.2.3:80"
    assert phone_base("fe80::1", 8765, {}, _lan) == "http://[fe80::1]:8765"


def test_a_public_address_alone_serves_every_interface() -> None:
    assert listen_host({}) == "127.0.0.1"
    assert listen_host({"CLINIC_QUEUE_PUBLIC_URL": "http://10.1.2.3:8765"}) == "0.0.0.0"
    assert listen_host({"CLINIC_QUEUE_HOST": "10.1.2.3"}) == "10.1.2.3"
