"""A reference receiver for clinic-queue's notifications: checks each one, then forwards it to
the hospital's SMS gateway as one text message (docs/notifications.md).

Standard library only. Configure with the environment:

    CLINIC_QUEUE_WEBHOOK_SECRET   the [[notify.webhook]] secret
    SMS_GATEWAY_URL               where a message is POSTed: {"patient": ..., "text": ...}
    RECEIVER_PORT                 default 8900 (listens on 127.0.0.1: put it behind nginx)

It answers 200 only once the gateway took the message, so clinic-queue retries otherwise; a
notification it has already forwarded (the same Idempotency-Key) is answered 200 again without
a second message. The keys it has seen are kept in memory: a restart may forward a retry once
more, which a gateway with its own idempotency (most have one) absorbs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("CLINIC_QUEUE_WEBHOOK_SECRET", "")
GATEWAY = os.environ.get("SMS_GATEWAY_URL", "")
REPLAY_WINDOW_S = 300  # a signature older (or newer) than this is refused: a replay
TEXTS = {
    "waiting": "您已排队 {ticket} 号（{queue_name}），前面还有 {ahead} 位。",
    "ahead": "{ticket} 号：前面还有 {ahead} 位，请回到候诊区。",
    "estimate": "{ticket} 号：预计等待时间有变，约 {wait} 分钟。",
    "called": "请 {ticket} 号到 {room} 诊室就诊。",
    "recalled": "再次呼叫：请 {ticket} 号到 {room} 诊室就诊。",
    "missed": "{ticket} 号已过号，请到分诊台重新排队。",
    "requeued": "{ticket} 号已重新排队，前面还有 {ahead} 位。",
    "closed": "今日门诊已结束，{ticket} 号未能就诊。",
}
seen: set[str] = set()


def verify(header: str, body: bytes, now: float) -> bool:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`, and `t` is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - stamp) > REPLAY_WINDOW_S:
        return False
    mac = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts.get("v1", ""))


def text_of(n: dict[str, object]) -> str:
    wait = n.get("wait")
    fields = {**n, "wait": "-".join(map(str, wait)) if isinstance(wait, list) else "?"}
    return TEXTS[str(n["kind"])].format(**fields)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not verify(self.headers.get("X-Clinic-Queue-Signature", ""), body, time.time()):
            return self._answer(401)
        key = self.headers.get("Idempotency-Key", "")
        if key in seen:
            return self._answer(200)
        notification = json.loads(body)
        message = {
            "patient": notification["his_id"] or f"ticket:{notification['ticket_id']}",
            "text": text_of(notification),
        }
        request = urllib.request.Request(
            GATEWAY,
            data=json.dumps(message, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(request, timeout=5):
                pass
        except OSError:
            return self._answer(502)  # clinic-queue tries again later
        seen.add(key)
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    if len(SECRET) < 16 or not GATEWAY:
        raise SystemExit("set CLINIC_QUEUE_WEBHOOK_SECRET and SMS_GATEWAY_URL")
    port = int(os.environ.get("RECEIVER_PORT", "8900"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"Receiving on http://127.0.0.1:{port}", flush=True)  # listening from here on
    server.serve_forever()
