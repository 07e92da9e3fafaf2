"""Real-time (or scaled) play: the virtual clock tied to the wall clock, for lively screens."""

from __future__ import annotations

import time
from datetime import datetime


class Pacer:
    """Sleeps until a virtual moment is due: `anchor` (virtual; None: the first moment asked
    about) happens at the wall moment the pacer was made, and the virtual clock then runs
    `speed` times as fast as the wall's. Moments before the anchor are due at once: a day
    joined late (today at the wall clock) catches up first."""

    def __init__(self, anchor: datetime | None, speed: float) -> None:
        self.anchor, self.speed = anchor, speed
        self._wall = time.monotonic()

    def __call__(self, moment: datetime) -> None:
        if self.anchor is None:
            self.anchor, self._wall = moment, time.monotonic()
        due = self._wall + (moment - self.anchor).total_seconds() / self.speed
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
