"""The server speaks TLS itself when given a certificate and key: a wss client logs in."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from display_server.server import serve
from display_server.staff import STAFF_PATH
from queue_core.staff import add_staff
from queue_core.store import Store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def test_a_wss_client_logs_in_on_a_server_with_its_own_certificate(
    store: Store, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    add_staff(store, "wang", "desk", ("nk1",), "correct horse 42", "host:root")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    async with serve(store, "127.0.0.1", 0, tls=server_side) as app:
        assert app.url.startswith("https://")
        async with connect(f"wss://127.0.0.1:{app.port}{STAFF_PATH}", ssl=client_side) as ws:
            await ws.send(
                json.dumps({"type": "login", "user": "wang", "password": "correct horse 42"})
            )
            session = json.loads(await ws.recv())
    assert session["type"] == "session" and session["user"] == "wang"


async def test_the_his_api_speaks_the_same_tls_on_its_own_port(
    store: Store, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    add_staff(store, "his", "integration", (), "correct horse 42", "host:root")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    async with serve(store, "127.0.0.1", 0, tls=server_side, api_port=0) as app:
        assert app.api_url is not None and app.api_url.startswith("https://")
        port = int(app.api_url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_side)
        body = json.dumps({"user": "his", "password": "correct horse 42"}).encode()
        writer.write(
            b"POST /api/v1/login HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        )
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and json.loads(rest)["role"] == "integration"
