"""Waits, visits and missed calls summed up by priority class, queue or any other grouping."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from queue_core.insight.journeys import Journey, minutes
from queue_core.insight.stats import Stats, summary


def waits(journeys: Iterable[Journey]) -> Stats:
    """Check-in (issue) to first call, over the journeys that were called."""
    return summary(w for j in journeys if (w := j.wait_minutes) is not None)


def visit_minutes(journeys: Iterable[Journey], desk: str | None = None) -> Stats:
    """Call to done (or sent for tests), over the consultations that ended, at `desk` if given."""
    return summary(
        minutes(v.start, v.end)
        for j in journeys
        for v in j.visits
        if v.end is not None and desk in (None, v.desk)
    )


def grouped(journeys: Iterable[Journey], key: Callable[[Journey], str]) -> dict[str, list[Journey]]:
    """The journeys by `key`, groups in sorted order."""
    groups: dict[str, list[Journey]] = {}
    for journey in journeys:
        groups.setdefault(key(journey), []).append(journey)
    return dict(sorted(groups.items()))


def waits_by_class(journeys: Iterable[Journey]) -> dict[str, Stats]:
    """Priority class (or "regular") -> its waits."""
    return {k: waits(group) for k, group in grouped(journeys, lambda j: j.klass).items()}


@dataclass(frozen=True)
class Recovery:
    """Missed calls and what became of them: came back, or no-show when the day closed."""

    missed: int  # tickets that missed at least one call
    came_back: int  # of those, tickets that were back at least once
    no_show: int  # tickets still on the missed list when their day closed


def missed_recovery(journeys: Iterable[Journey]) -> Recovery:
    chosen = list(journeys)
    return Recovery(
        missed=sum(1 for j in chosen if j.missed),
        came_back=sum(1 for j in chosen if j.missed and j.came_back),
        no_show=sum(1 for j in chosen if j.no_show),
    )
