"""Delivery of the outbox to the clinic's webhooks, beside the feeds and never in their way.

One thread decides what to send and keeps the outbox's rows up to date through a connection
of its own; the POSTs run on a pool of `notify.concurrency` threads. Neither a webhook that
hangs nor a busy file ever holds the event loop, and a loop busy with the phones' updates
never holds a notification: the thread is woken by the log tail's thread itself when it sees
new events, and when the next retry falls due.

The guarantees (docs/notifications.md): at least once, each notification with its idempotency
key on every try; in order per ticket and webhook, since a ticket's next row is sent only once
the previous one was delivered or given up (recorded in the file first), while other tickets'
rows go on; a failed try is retried with exponential backoff and jitter until the webhook's
`give_up_minutes` have passed since the row was written.

Several servers of one clinic deliver the same outbox side by side: each claims the rows it
sends in the database first (queue_core/outbox.py), so a notification is sent by one of them.
A server killed during a try leaves its claim to run out, and another sends the row again then.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from display_server.webhook_post import post
from queue_core.errors import QueueError
from queue_core.notify_config import NotifyConfig, Webhook
from queue_core.outbox import (
    Backlog,
    Outcome,
    Row,
    backlog,
    due,
    give_up_unknown,
    is_stale,
    next_try,
    record,
)
from queue_core.store import Store

RETRY_BASE_S = 1.0  # the first retry; each failure doubles it
RETRY_CAP_S = 300.0  # ...up to this: a receiver down for an hour is tried every few minutes
IDLE_LOOK_S = 5.0  # without news, look again this often (rows written while the tail slept)


@dataclass(frozen=True)
class NotifyStatus:
    """What /healthz and an admin's console show of the delivery."""

    webhooks: int
    backlog: int
    oldest: str | None  # when the oldest notification still to deliver was written
    oldest_age_s: float | None
    delivered: int  # since the server started
    failed_tries: int  # since the server started
    given_up: int  # since the server started

    def to_json(self) -> dict[str, Any]:
        return {
            "webhooks": self.webhooks,
            "backlog": self.backlog,
            "oldest_undelivered": self.oldest,
            "oldest_age_s": None if self.oldest_age_s is None else round(self.oldest_age_s, 1),
            "delivered": self.delivered,
            "failed_tries": self.failed_tries,
            "given_up": self.given_up,
        }


def retry_delay(attempts: int, base_s: float) -> float:
    """After `attempts` failed tries: exponential, capped, with jitter so that receivers
    coming back are not hit by every retry at once."""
    return float(min(base_s * 2.0 ** (attempts - 1), RETRY_CAP_S) * random.uniform(0.5, 1.5))


class Notifier:
    """The delivery loop, on a thread of its own: the event loop may be busy with thousands of
    phones' updates at the very moment a call should go out."""

    def __init__(
        self,
        store: Store,
        config: NotifyConfig,
        holder: str,
        retry_base_s: float = RETRY_BASE_S,
    ):
        self.config = config
        self.holder = holder  # this server, in the claims on the rows it sends
        self.store = store.open_again()
        self.retry_base_s = retry_base_s
        self._http = ThreadPoolExecutor(config.concurrency, thread_name_prefix="notify-http")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # `_done` and the counts, which the senders add to
        self._in_flight: set[int] = set()
        self._done: list[Outcome] = []
        self._backlog = Backlog(0, None)
        self._counts = {"delivered": 0, "failed": 0, "given_up": 0}
        self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
        # Called on the delivery thread when the backlog changed: admins' consoles show it.
        self.on_backlog: Callable[[], None] | None = None

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """New events were committed: there may be new rows. Safe from any thread."""
        self._wake.set()

    def status(self) -> NotifyStatus:
        backlog = self._backlog
        with self._lock:
            counts = dict(self._counts)
        return NotifyStatus(
            len(self.config.webhooks),
            backlog.count,
            backlog.oldest,
            backlog.age_s(self.store.now()),
            counts["delivered"],
            counts["failed"],
            counts["given_up"],
        )

    def _run(self) -> None:
        names = [w.name for w in self.config.webhooks]
        # Busy at start: the next start gives them up; meanwhile they count in the backlog.
        with contextlib.suppress(QueueError):
            give_up_unknown(self.store, names, self.store.now())
        while not self._stop.is_set():
            try:
                wait = self._round()
            except QueueError:
                wait = IDLE_LOOK_S  # the file is busy or faulty: /healthz says so; look later
            self._wake.wait(wait)
            self._wake.clear()

    def _round(self) -> float:
        """Record what finished, start what is due; how long to sleep unless woken."""
        with self._lock:
            done, self._done = self._done, []
        if done:
            record(self.store, done)
            self._in_flight.difference_update(o.row_id for o in done)
        free = self.config.concurrency - len(self._in_flight)
        now = self.store.now()
        rows = due(self.store, now, self.holder, sorted(self._in_flight), free) if free > 0 else []
        for row in rows:
            hook = self.config.webhook(row.webhook)
            if hook is None:
                continue  # given up at start; a row written since by an older configuration
            self._in_flight.add(row.id)
            if is_stale(row, now, hook.give_up_minutes):
                late = f"not delivered within {hook.give_up_minutes} minutes"
                self._finish(Outcome(row.id, now, late, tried=False))
            else:
                self._http.submit(self._send, hook, row)
        with self.store.read() as conn:
            before, self._backlog = self._backlog, backlog(conn)
        if self.on_backlog is not None and before != self._backlog:
            with contextlib.suppress(RuntimeError):  # the server's loop is already closed
                self.on_backlog()
        if self._wake.is_set():
            return 0.0
        if len(self._in_flight) >= self.config.concurrency:
            return IDLE_LOOK_S
        soonest = next_try(self.store)
        if soonest is None:
            return IDLE_LOOK_S
        return min(max((soonest - self.store.now()).total_seconds(), 0.0), IDLE_LOOK_S)

    def _send(self, hook: Webhook, row: Row) -> None:
        error = post(hook, row)
        now = self.store.now()
        if error is None:
            self._finish(Outcome(row.id, now))
            return
        retry_at: datetime | None = now + timedelta(
            seconds=retry_delay(row.attempts + 1, self.retry_base_s)
        )
        if is_stale(row, now, hook.give_up_minutes):
            retry_at = None
        self._finish(Outcome(row.id, now, error, retry_at))

    def _finish(self, outcome: Outcome) -> None:
        """Counted now, recorded in the file by the next round, before the ticket's next row."""
        with self._lock:
            if outcome.error is None:
                self._counts["delivered"] += 1
            else:
                self._counts["failed"] += outcome.tried
                self._counts["given_up"] += outcome.retry_at is None
            self._done.append(outcome)
        self._wake.set()

    def close(self) -> None:
        """The POSTs in flight are not waited for: each is sent again after a restart (at
        least once), with the same idempotency key."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._http.shutdown(wait=False, cancel_futures=True)
        if not self._thread.is_alive():
            self.store.close()
