"""The code an appointment patient types on their phone to check in on site (签到码): pure.

Each department's code is derived, not stored: an HMAC of the department and the current time
window under the clinic's secret (queue_core/duties.py), cut to 6 digits. It changes every
`checkin_code_minutes`, and the previous window's code is still taken, so a patient who read it
just before it changed is not refused. Only the department's registered screens show it, so a
patient at home cannot know it. Wrong codes are counted per ticket: after `TRIES` within
`TRIES_WINDOW_S`, the ticket's check-in from the phone waits until the oldest is forgotten.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from queue_core.config import ClinicConfig

DIGITS = 6
TRIES = 5  # wrong codes per ticket...
TRIES_WINDOW_S = 600.0  # ...within this long; then it waits
KEEP_TICKETS = 10_000  # tickets whose wrong codes are remembered; the oldest go first
PHONE_ACTOR = "phone"  # the actor of a check-in from the patient's own phone


def place_of(config: ClinicConfig, queue_id: str) -> str:
    """The department a queue's patients check in at (its own id when it names none)."""
    queue = config.queue(queue_id)
    return queue.department if queue is not None and queue.department else queue_id


def places(config: ClinicConfig, queue_ids: Iterable[str]) -> list[str]:
    return sorted({place_of(config, q) for q in queue_ids})


def window_of(now: datetime, minutes: int) -> int:
    return int(now.timestamp() // (minutes * 60))


def window_ends(now: datetime, minutes: int) -> float:
    """The POSIX time the current window ends: when the screens show the next code."""
    return float((window_of(now, minutes) + 1) * minutes * 60)


def code(secret: bytes, place: str, window: int) -> str:
    digest = hmac.new(secret, f"{place}\n{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**DIGITS:0{DIGITS}d}"


def current(secret: bytes, place: str, now: datetime, minutes: int) -> str:
    return code(secret, place, window_of(now, minutes))


def accepts(secret: bytes, place: str, typed: str, now: datetime, minutes: int) -> bool:
    """The current window's code or the previous one's; spaces a patient typed are ignored."""
    typed = "".join(typed.split())
    window = window_of(now, minutes)
    found = False
    for w in (window, window - 1):  # both compared: the answer's time says nothing of which
        found |= hmac.compare_digest(typed.encode(), code(secret, place, w).encode())
    return found


@dataclass
class Tries:
    """Wrong codes per ticket id, at monotonic times passed in."""

    limit: int = TRIES
    window_s: float = TRIES_WINDOW_S
    _wrong: dict[int, deque[float]] = field(default_factory=dict)

    def _recent(self, ticket_id: int, now: float) -> deque[float]:
        times = self._wrong.get(ticket_id, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, ticket_id: int, now: float) -> float:
        """0 when the ticket may try a code now, else the seconds until it may."""
        times = self._recent(ticket_id, now)
        if len(times) < self.limit:
            return 0.0
        return times[0] + self.window_s - now

    def left(self, ticket_id: int, now: float) -> int:
        return max(0, self.limit - len(self._recent(ticket_id, now)))

    def wrong(self, ticket_id: int, now: float) -> None:
        times = self._recent(ticket_id, now)
        times.append(now)
        self._wrong.pop(ticket_id, None)
        self._wrong[ticket_id] = times  # the most recent last: the oldest are dropped first
        while len(self._wrong) > KEEP_TICKETS:
            del self._wrong[next(iter(self._wrong))]
