"""A console on another PC before any server answers: the address it dials, keys refused with
the reason and the header's "reconnecting" while nothing listens (a port nobody holds)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from queue_core.errors import QueueError
from queue_tui.remote import RemoteBackend, staff_url
from queue_tui.staff_link import LinkState, Offline, StaffLink


@pytest.mark.parametrize(
    ("typed", "dialled"),
    [
        ("https://queue.clinic.lan", "wss://queue.clinic.lan/ws/staff/v1"),
        ("http://10.0.0.5:8765", "ws://10.0.0.5:8765/ws/staff/v1"),
        ("https://queue.clinic.lan:8443/", "wss://queue.clinic.lan:8443/ws/staff/v1"),
        ("10.0.0.5:8765", "ws://10.0.0.5:8765/ws/staff/v1"),
    ],
)
def test_the_server_address_becomes_the_staff_socket(typed: str, dialled: str) -> None:
    assert staff_url(typed) == dialled


def test_an_address_that_is_not_one_is_refused_in_one_line() -> None:
    with pytest.raises(QueueError) as refused:
        staff_url("ftp://queue.clinic.lan")
    assert "e.g. https://" in refused.value.message


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_with_no_server_keys_are_refused_saying_why(tmp_path: Path) -> None:
    watch = {"type": "watch", "view": "desk", "desk": "nk1"}
    link = StaffLink("wang", "secret", watch)
    backend = RemoteBackend(f"http://127.0.0.1:{_free_port()}", link, tmp_path)
    backend.start()
    try:
        for _ in range(500):
            if link.state is LinkState.RECONNECTING:
                break
            time.sleep(0.01)
        assert link.state is LinkState.RECONNECTING
        assert link.why
        with pytest.raises(Offline) as refused:
            backend.run("call_next", {"desk": "nk1"})
        assert link.why in refused.value.message
        assert not link.pending
        follower = backend.follow_desk("nk1", lambda view: None, lambda problem: None)
        trouble = follower.connection()
        assert trouble is not None and trouble[0] == "link.reconnecting"
        assert trouble[1]["why"] == link.why
        assert 0 <= int(trouble[1]["seconds"]) <= 15
        assert follower.failing
    finally:
        backend.stop()
