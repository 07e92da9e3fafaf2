"""The `[notify]` table: what reaches a patient's locked phone, through which webhooks.

A notification is one of `KINDS`; the outbox (queue_core/outbox.py) writes one row per
notification and webhook that wants it, in the transaction of the events that caused it.
docs/notifications.md says what each kind means and how a receiver checks a delivery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from queue_core.address import http_url_problem

# The kinds of notification, in the order docs/notifications.md explains them.
KINDS = (
    "waiting",  # entered the line (checked in, issued, back from tests, transferred)
    "ahead",  # reached clinic.alert_ahead patients ahead, or fewer
    "estimate",  # the wait estimate moved by notify.estimate_moved_minutes or more
    "called",
    "recalled",
    "missed",
    "requeued",
    "closed",  # its day closed while the ticket was still open
)
KEYS = {"include_name", "include_phone", "estimate_moved_minutes", "concurrency", "webhook"}
WEBHOOK_KEYS = {"name", "url", "secret", "events", "timeout", "give_up_minutes"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SECRET_MIN = 16  # characters: shorter secrets can be guessed from signed bodies offline
ESTIMATE_MOVED_MINUTES = 15
CONCURRENCY = 4  # requests in flight at once, over every webhook
TIMEOUT_S = 5.0
GIVE_UP_MINUTES = 30  # a "called" message an hour late does more harm than none


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str
    secret: str = field(repr=False)
    events: tuple[str, ...] = KINDS
    timeout: float = TIMEOUT_S
    give_up_minutes: int = GIVE_UP_MINUTES


@dataclass(frozen=True)
class NotifyConfig:
    include_name: bool = False
    include_phone: bool = False
    estimate_moved_minutes: int = ESTIMATE_MOVED_MINUTES
    concurrency: int = CONCURRENCY
    webhooks: tuple[Webhook, ...] = ()

    def webhook(self, name: str) -> Webhook | None:
        return next((w for w in self.webhooks if w.name == name), None)


def parse_notify(table: Any) -> tuple[NotifyConfig, list[str]]:
    """The `[notify]` table and its problems, each naming its key (never a secret's value)."""
    if table is None:
        return NotifyConfig(), []
    if not isinstance(table, dict):
        return NotifyConfig(), ["notify: expected a table ([notify])"]
    problems = [f"notify.{k}: unknown key" for k in sorted(set(table) - KEYS)]

    def take(t: dict[str, Any], path: str, key: str, kind: type, default: Any) -> Any:
        value = t.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            problems.append(f"{path}.{key}: expected {kind.__name__}, got {type(value).__name__}")
            return default
        return value

    include_name = take(table, "notify", "include_name", bool, False)
    include_phone = take(table, "notify", "include_phone", bool, False)
    moved = take(table, "notify", "estimate_moved_minutes", int, ESTIMATE_MOVED_MINUTES)
    if not 1 <= moved <= 240:
        problems.append("notify.estimate_moved_minutes: must be between 1 and 240")
    concurrency = take(table, "notify", "concurrency", int, CONCURRENCY)
    if not 1 <= concurrency <= 64:
        problems.append("notify.concurrency: must be between 1 and 64")
    raw = table.get("webhook", [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        problems.append("notify.webhook: expected an array of tables ([[notify.webhook]])")
        raw = []
    webhooks: list[Webhook] = []
    for i, t in enumerate(raw):
        p = f"notify.webhook[{i}]"
        problems += [f"{p}.{k}: unknown key" for k in sorted(set(t) - WEBHOOK_KEYS)]
        name = take(t, p, "name", str, "")
        if not _NAME.match(name):
            problems.append(f"{p}.name: {name!r} must be lower-case letters, digits, - or _")
        url = take(t, p, "url", str, "")
        problem = http_url_problem(url)
        if problem is not None:
            problems.append(f"{p}.url: {problem}")
        secret = take(t, p, "secret", str, "")
        if len(secret) < SECRET_MIN:
            problems.append(f"{p}.secret: must be at least {SECRET_MIN} characters")
        events = take(t, p, "events", list, list(KINDS))
        for kind in events:
            if kind not in KINDS:
                problems.append(f"{p}.events: {kind!r} is not one of {', '.join(KINDS)}")
        timeout = take(t, p, "timeout", float, TIMEOUT_S)
        if not 0.1 <= timeout <= 60:
            problems.append(f"{p}.timeout: must be between 0.1 and 60 seconds")
        give_up = take(t, p, "give_up_minutes", int, GIVE_UP_MINUTES)
        if not 1 <= give_up <= 1440:
            problems.append(f"{p}.give_up_minutes: must be between 1 and 1440")
        webhooks.append(
            Webhook(
                name=name,
                url=url,
                secret=secret,
                events=tuple(k for k in KINDS if k in events),
                timeout=timeout,
                give_up_minutes=give_up,
            )
        )
    names = [w.name for w in webhooks]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"notify.webhook: name {name!r} is used twice")
    config = NotifyConfig(include_name, include_phone, moved, concurrency, tuple(webhooks))
    return config, problems
