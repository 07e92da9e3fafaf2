"""Whether this desk's calls reach a screen, from the display server's file beside the database
(queue_core/screen_status.py): the one thing a desk console cannot tell from the queue itself."""

from __future__ import annotations

import time
from datetime import datetime

from queue_core.config import ClinicConfig
from queue_core.console_view import DeskView
from queue_core.screen_status import ScreenStatus, Unseen, unseen
from queue_core.screens import registered_filter
from queue_tui.i18n import Lang, t


class Reach:
    def __init__(self, config: ClinicConfig, desk_id: str) -> None:
        self.desk_id = desk_id
        # Only registered screens send receipts that count: without one showing this desk, no
        # receipt is ever due, and waiting for one would warn all day.
        self.receipts_due = any(
            desk_id in registered_filter(config, screen).desks for screen in config.screens
        )
        self.status: ScreenStatus | None = None
        # The current call (number, recalls) and when this console first saw it: a recall is a
        # new call whose receipts start from zero, and the ticket keeps its first call's time.
        self._call: tuple[str, int] | None = None
        self._call_seen = datetime.min

    def warning(self, snapshot: DeskView | None, now: datetime, lang: Lang) -> str:
        waited = self._unacknowledged_for(snapshot, now)
        why = unseen(self.status, self.desk_id, time.time(), waited)
        if why is None:
            return ""
        if why is Unseen.NO_RECEIPT:
            return t(lang, "unseen.no_receipt", seconds=int(waited or 0))
        return t(lang, f"unseen.{why.value}")

    def _unacknowledged_for(self, snapshot: DeskView | None, now: datetime) -> float | None:
        current = snapshot.current if snapshot else None
        if current is None or snapshot is None:
            self._call = None
            return None
        call = (current.number, current.recalls)
        if call != self._call:
            self._call, self._call_seen = call, now
        if not self.receipts_due or snapshot.receipts:
            return None
        return (now - self._call_seen).total_seconds()
