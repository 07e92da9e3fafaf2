"""The few plain HTTP pages served on the websocket port: no second web framework, no CDN."""

from __future__ import annotations

import email.utils
import html
import http
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from websockets.datastructures import Headers
from websockets.http11 import Response

from queue_core.config import ClinicConfig

STATIC = Path(__file__).with_name("static")
CONTENT_TYPES = {  # every kind of file static/ holds
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".ico": "image/x-icon",
}
# An audio key is a hash of what the audio says and how (display_server/announcer.py): the
# bytes at one URL never change.
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_FOUND_PAGE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>404</title><h1>404</h1><p>未找到 / Not found</p></html>"
)


def response(
    status: int, body: bytes, content_type: str, *, method: str = "GET", cache: str = "no-store"
) -> Response:
    """A complete HTTP response; `Referrer-Policy` keeps a phone link's token out of Referers."""
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
            ("Cache-Control", cache),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ]
    )
    phrase = http.HTTPStatus(status).phrase
    return Response(status, phrase, headers, b"" if method == "HEAD" else body)


def not_found(method: str = "GET") -> Response:
    return response(404, NOT_FOUND_PAGE.encode(), CONTENT_TYPES[".html"], method=method)


def static_file(name: str, method: str = "GET", cache: str = "no-cache") -> Response:
    """A file from static/ only: decoded, no dot segments, resolved inside the folder."""
    decoded = unquote(name)
    parts = decoded.split("/")
    if (
        not decoded
        or "\\" in decoded
        or "\x00" in decoded
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    ):
        return not_found(method)
    root = STATIC.resolve()
    try:
        path = (root / decoded).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return not_found(method)
        body = path.read_bytes()
    except OSError:  # a name longer than the file system takes, among others: not ours
        return not_found(method)
    kind = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return response(200, body, kind, method=method, cache=cache)


def health(
    seq: int,
    displays: int,
    phones: int,
    fault: str | None = None,
    method: str = "GET",
    voice: str | None = None,
    silent: list[str] | None = None,
    notify: dict[str, Any] | None = None,
) -> Response:
    """503 with the fault's code (never the file's path: the route is public) when the server
    cannot trust its database any more. `voice`: the server's engine (null: none); `silent`:
    the registered screens whose latest receipt says they could not speak; `notify`: the
    webhooks' delivery (display_server/notify.py), null without webhooks."""
    counts = {
        "seq": seq,
        "displays": displays,
        "phones": phones,
        "voice": voice,
        "silent_screens": silent or [],
        "notify": notify,
    }
    if fault is None:
        body = json.dumps({"status": "ok", **counts})
        return response(200, body.encode(), "application/json", method=method)
    body = json.dumps({"status": "fault", "reason": fault, **counts})
    return response(503, body.encode(), "application/json", method=method)


def screens_index(config: ClinicConfig, method: str = "GET") -> Response:
    """One link per screen a clinic can put up: all, each department, queue and desk."""
    links: list[tuple[str, str]] = [("/display", "全部 / All queues")]
    departments = sorted({q.department for q in config.queues if q.department})
    links += [(f"/display?{urlencode({'department': d})}", f"{d}") for d in departments]
    links += [(f"/display?queues={quote(q.id)}", f"{q.name} / {q.name_en}") for q in config.queues]
    links += [(f"/display?desks={quote(d.id)}", f"{d.name} / {d.name_en}") for d in config.desks]
    items = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>' for href, label in links
    )
    title = html.escape(config.name)
    page = (
        f'<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><link rel="icon" href="/favicon.ico">'
        f"<style>body{{font:18px/1.6 sans-serif;margin:2em}}"
        f"a{{color:#0645ad}}</style><h1>{title}</h1><p>候诊屏幕 / Waiting-room screens</p>"
        f"<ul>{items}</ul></html>"
    )
    return response(200, page.encode(), CONTENT_TYPES[".html"], method=method)
