"""One signed POST of a notification to a webhook: blocking, run on the notifier's threads.

The signature (docs/notifications.md): `X-Clinic-Queue-Signature: t=<unix seconds>,v1=<hex>`
where hex is HMAC-SHA256 with the webhook's secret over `<t>.` followed by the body's bytes.
A receiver recomputes it, compares in constant time and refuses a `t` too far from its clock,
so a body recorded on the way cannot be played again later.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import time
from urllib.parse import urlsplit

from queue_core.notify_config import Webhook
from queue_core.outbox import Row

SIGNATURE = "X-Clinic-Queue-Signature"
KEY = "Idempotency-Key"
ANSWER_LIMIT = 64 * 1024  # bytes of an answer read before the connection is closed


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post(hook: Webhook, row: Row) -> str | None:
    """None when the webhook took the notification (any 2xx answer), else what went wrong."""
    parts = urlsplit(hook.url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname or "", parts.port, timeout=hook.timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        KEY: row.key,
        SIGNATURE: signature(hook.secret, int(time.time()), row.body),
        "X-Clinic-Queue-Kind": row.kind,
        "X-Clinic-Queue-Attempt": str(row.attempts + 1),
        "User-Agent": "clinic-queue",
    }
    try:
        conn.request("POST", path, body=row.body, headers=headers)
        answer = conn.getresponse()
        answer.read(ANSWER_LIMIT)
        if 200 <= answer.status < 300:
            return None
        return f"HTTP {answer.status}"
    except TimeoutError:
        return f"no answer within {hook.timeout:g} s"
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        conn.close()
