"""What a waiting-room screen shows: the queues and desks of its filter."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from queue_core.config import ClinicConfig


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
