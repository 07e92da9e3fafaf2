"""The plain HTTP routes: screens list, pages, health, static files, and nothing outside them."""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path

import pytest

from display_server.server import DisplayServer
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, ROOT
from tests.server.conftest import WAIT_S

Answer = tuple[int, dict[str, str], bytes]


def _get(port: int, path: str, method: str = "GET") -> Answer:
    """A raw request: http.client sends the path exactly as given (no normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_S)
    try:
        conn.request(method, path)
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


async def get(server: DisplayServer, path: str, method: str = "GET") -> Answer:
    return await asyncio.to_thread(_get, server.port, path, method)


async def test_index_links_every_department_queue_and_desk(server: DisplayServer) -> None:
    status, headers, body = await get(server, "/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    config = server.config
    for queue in config.queues:
        assert f'href="/display?queues={queue.id}"' in page
    for desk in config.desks:
        assert f'href="/display?desks={desk.id}"' in page
    assert "/display?department=%E5%86%85%E7%A7%91" in page  # 内科


async def test_display_page_is_served(server: DisplayServer) -> None:
    status, headers, body = await get(server, "/display?department=%E5%86%85%E7%A7%91")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"<html" in body.lower()


async def test_phone_page_only_for_a_real_token(store: Store, server: DisplayServer) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    status, headers, body = await get(server, f"/t/{ticket.token}")
    assert status == 200
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert "张三丰".encode() not in body
    unknown = await get(server, "/t/" + "x" * len(ticket.token))
    malformed = await get(server, "/t/%3Cscript%3E")
    assert unknown[0] == malformed[0] == 404
    assert unknown[2] == malformed[2]


async def test_healthz_reports_the_last_seq(store: Store, server: DisplayServer) -> None:
    status, headers, body = await get(server, "/healthz")
    data = json.loads(body)
    assert status == 200 and headers["content-type"] == "application/json"
    assert data["status"] == "ok" and data["seq"] == store.last_seq()


KINDS = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".ico": "image/x-icon",
}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "display_server/static").iterdir()))
async def test_every_static_file_is_served_with_its_content_type(
    server: DisplayServer, name: str
) -> None:
    status, headers, body = await get(server, f"/static/{name}")
    assert status == 200
    assert headers["content-type"] == KINDS[Path(name).suffix]
    assert headers["x-content-type-options"] == "nosniff"
    assert body == (ROOT / "display_server/static" / name).read_bytes()


async def test_the_favicon_every_page_links_to_is_an_icon(server: DisplayServer) -> None:
    for page in ("/", "/display"):
        assert b'<link rel="icon" href="/favicon.ico">' in (await get(server, page))[2]
    status, headers, body = await get(server, "/favicon.ico")
    assert (status, headers["content-type"]) == (200, "image/x-icon")
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's header: reserved 0, type 1 (icon)
    head = await get(server, "/favicon.ico", "HEAD")
    assert (head[0], head[2]) == (200, b"")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/..\\server.py",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/static/.hidden",
        "/static/",
        "/static/nope.js",
        "/static/display.js%00.png",
        "/../../etc/passwd",
        "/nothing-here",
        "/static/" + "a" * 300,  # longer than a file name may be: the file system refuses it
        "/static/" + "a" * 300 + ".js",
        "/static/" + "%61" * 300,
        "/static/x/" + "b" * 256,
    ],
)
async def test_paths_outside_static_are_not_found(server: DisplayServer, path: str) -> None:
    status, _, body = await get(server, path)
    assert status == 404
    assert b"import" not in body and b"root:" not in body


async def test_other_methods_are_refused(server: DisplayServer) -> None:
    assert (await get(server, "/", "POST"))[0] == 405
    status, headers, body = await get(server, "/healthz", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


async def test_plain_get_on_a_feed_asks_for_an_upgrade(server: DisplayServer) -> None:
    assert (await get(server, "/ws/display"))[0] == 426
