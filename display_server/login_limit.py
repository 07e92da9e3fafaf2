"""Failed staff logins, counted per name and per client address, with a backoff (pure: the
time is passed in, so tests and benchmarks drive it).

A login costs a scrypt check (tens of milliseconds and 16 MiB); a guessing flood refused here
costs a dictionary lookup, so legitimate logins from other addresses are still answered.
"""

from __future__ import annotations

from dataclasses import dataclass

FREE_PER_NAME = 5  # failures of one name before it waits
FREE_PER_ADDRESS = 20  # failures from one address (a ward's NAT holds several desks)
MAX_WAIT_S = 900.0  # the longest wait the backoff reaches
FORGET_S = 900.0  # failures older than this (since the latest) are forgotten
KEEP_COUNTS = 10_000  # above this many counted names or addresses, the old ones are dropped


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0


class LoginLimit:
    def __init__(self) -> None:
        self._names: dict[str, _Count] = {}
        self._addresses: dict[str, _Count] = {}

    def retry_after(self, name: str, address: str, now: float) -> float:
        """Seconds before this name from this address may try again; 0 when it may now."""
        return max(
            _wait(self._names.get(name), FREE_PER_NAME, now),
            _wait(self._addresses.get(address), FREE_PER_ADDRESS, now),
        )

    def failed(self, name: str, address: str, now: float) -> None:
        for table, key in ((self._names, name), (self._addresses, address)):
            count = table.get(key)
            if count is None or now - count.last > FORGET_S:
                count = table[key] = _Count()
            count.failures += 1
            count.last = now
            if len(table) > KEEP_COUNTS:
                self.forget_old(now)

    def succeeded(self, name: str) -> None:
        self._names.pop(name, None)

    def forget_old(self, now: float) -> None:
        """Drop counts nobody added to for FORGET_S, so a flood of made-up names is not kept."""
        for table in (self._names, self._addresses):
            for key in [k for k, c in table.items() if now - c.last > FORGET_S]:
                del table[key]


def _wait(count: _Count | None, free: int, now: float) -> float:
    if count is None or count.failures < free or now - count.last > FORGET_S:
        return 0.0
    wait = min(2.0 ** (count.failures - free), MAX_WAIT_S)
    return max(0.0, count.last + wait - now)
