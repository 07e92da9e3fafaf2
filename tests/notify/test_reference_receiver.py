"""deploy/sms_receiver.py, run as the hospital would run it, in front of a real gateway (a
local HTTP server): a signed notification becomes one text message, a retry none, a forged
one is refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from display_server.webhook_post import post
from queue_core.notify_config import Webhook
from queue_core.outbox import Row
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
SECRET = "reference-receiver-secret"


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    texts: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            texts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send", texts
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_called_notification_becomes_one_text_message(
    gateway: tuple[str, list[dict[str, Any]]],
) -> None:
    url, texts = gateway
    port = free_port()
    env = {
        **os.environ,
        "CLINIC_QUEUE_WEBHOOK_SECRET": SECRET,
        "SMS_GATEWAY_URL": url,
        "RECEIVER_PORT": str(port),
    }
    receiver = subprocess.Popen(
        [sys.executable, str(ROOT / "deploy" / "sms_receiver.py")],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.stdout is not None
        assert receiver.stdout.readline().startswith("Receiving on")
        payload = {
            "kind": "called",
            "ticket": "A012",
            "ticket_id": 17,
            "his_id": "HIS-42",
            "room": "3",
            "queue_name": "内科普通号",
            "ahead": None,
            "wait": None,
        }
        row = Row(1, "sms", 17, "called", json.dumps(payload).encode(), "k-1", "", 0)
        hook = Webhook("sms", f"http://127.0.0.1:{port}/", SECRET)
        assert post(hook, row) is None
        assert post(hook, row) is None  # a retry with the same key: no second message
        forged = Webhook("sms", hook.url, "another-secret-entirely")
        assert post(forged, Row(2, "sms", 17, "called", row.body, "k-2", "", 0)) == "HTTP 401"
    finally:
        receiver.terminate()
        receiver.wait(10)
    assert texts == [{"patient": "HIS-42", "text": "请 A012 号到 3 诊室就诊。"}]
