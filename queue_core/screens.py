"""What a waiting-room screen shows, and which screens are registered.

A TV page names what it shows in its URL (department, queues, desks). A registered screen
(`[[screens]]` in the clinic file) has its filter in the configuration instead, and a secret key
that its URL carries: only a registered screen's receipts count, each for a call it shows, so
neither who it is nor what it shows is the client's to choose.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from queue_core.config import SCREEN_KEY, ClinicConfig, ScreenConfig


@dataclass(frozen=True)
class ScreenFilter:
    """Which queues and desks one screen shows; a message is relevant by its desk or queue."""

    queues: frozenset[str]
    desks: frozenset[str]

    def shows(self, desk: str | None, queues: Iterable[str | None]) -> bool:
        if desk is not None:
            return desk in self.desks
        return any(q in self.queues for q in queues if q)


def screen_filter(
    config: ClinicConfig,
    departments: Collection[str] = (),
    queues: Collection[str] = (),
    desks: Collection[str] = (),
) -> ScreenFilter:
    """The union of the departments' queues, the queues and the desks' queues; the desks named,
    or (none named) every desk serving one of those queues. No filter at all: everything.
    Unknown ids are ignored."""
    chosen_queues = {q.id for q in config.queues if q.id in queues or q.department in departments}
    chosen_desks = {d.id for d in config.desks if d.id in desks}
    for desk in config.desks:
        if desk.id in chosen_desks:
            chosen_queues.update(desk.queues)
    if not (departments or queues or desks):
        chosen_queues = {q.id for q in config.queues}
    if not desks:
        chosen_desks = {d.id for d in config.desks if chosen_queues & set(d.queues)}
    return ScreenFilter(frozenset(chosen_queues), frozenset(chosen_desks))


def registered_filter(config: ClinicConfig, screen: ScreenConfig) -> ScreenFilter:
    """What a registered screen shows: its table's filter, never its URL's."""
    departments = (screen.department,) if screen.department else ()
    return screen_filter(config, departments, screen.queues, screen.desks)


def screen_by_key(config: ClinicConfig, key: str) -> ScreenConfig | None:
    """The registered screen whose key this is, or None. Every key is compared in full, in
    constant time: a comparison that stops at the first wrong character would tell by its
    time how much of a guess was right."""
    if not SCREEN_KEY.fullmatch(key):
        return None
    found = None
    for screen in config.screens:
        if hmac.compare_digest(screen.key.encode(), key.encode()):
            found = screen
    return found
