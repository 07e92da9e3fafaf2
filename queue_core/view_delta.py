"""A desk's view on the wire in small steps (docs/staff-api.md, "Views and deltas").

A whole view carries every ticket of the desk's line: hundreds of rows on a busy morning. A
call changes one of them and moves the others up a place, so after the first view the server
sends what changed since the view the console holds: the rows of the tickets it does not have
in that form, the line as ticket ids with their places, and any other part that changed. Each
delta names its base (the `seq` of the view it applies to); a console holding another view
asks for the whole one again. Both sides live here, so what the server takes out is what the
console puts back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from queue_core.console_view import (
    ESTIMATED_PLACES,
    DeskView,
    Json,
    config_from_json,
    config_to_json,
)
from queue_core.model import Placement, Ticket
from queue_core.rules import Placed

_SIMPLE = ("paused", "receipts", "unspoken")
NO_BASE = -2  # a base no console holds: before any view (-1) or after a reload


Entry = tuple[int, int, str, tuple[int, ...]]  # on the wire: [ticket id, offset, reason, key]


def entries(view: DeskView) -> list[Entry]:
    """The line as a delta carries it: each ticket's id, its queue position kept as the offset
    from its index (a call at the head leaves every other entry as it was, so a delta carries
    the ends that changed), why it stands there (a Placement is a str) and its merge key."""
    return [(t.id, at - i, why, key) for i, (t, at, why, key) in enumerate(view.line)]


def _rows(tickets: list[Ticket]) -> list[Json]:
    return [t.to_row() for t in tickets]


def _cut(before: list[Entry], after: list[Entry]) -> Json:
    """`after` as `before`'s first `head` and last `tail` entries around `middle`."""
    head = 0
    most = min(len(before), len(after))
    while head < most and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < most - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return {"head": head, "tail": tail, "middle": after[head : len(after) - tail]}


def _fresh(before: list[Placed], after: list[Placed], head: int, tail: int) -> list[Ticket]:
    """The tickets of `after` whose row is not the one `before` holds, in line order. Around
    the cut the ends are entry for entry the same tickets, so they are compared in place; a
    ticket of the middle can only have stood in the middle before."""
    kept, end = len(before) - tail, len(after) - tail
    known = {p.ticket.id: p.ticket for p in before[head:kept]}
    first = zip(after[:head], before[:head], strict=True)
    last = zip(after[end:], before[kept:], strict=True)
    return [
        *(a.ticket for a, b in first if a.ticket is not b.ticket),
        *(p.ticket for p in after[head:end] if known.get(p.ticket.id) is not p.ticket),
        *(a.ticket for a, b in last if a.ticket is not b.ticket),
    ]


def delta(
    before: DeskView,
    after: DeskView,
    held: list[Entry] | None = None,
    line: list[Entry] | None = None,
) -> Json:
    """What changed from `before` to `after` (both of one desk); {} when nothing a console
    shows did. Tickets are compared as objects: the line replaces a ticket's object when its
    row changes and keeps it otherwise, so this never compares rows field by field."""
    out: Json = {}
    if after.config is not before.config:
        out["config"] = config_to_json(after.config)
    for name in _SIMPLE:
        if getattr(after, name) != getattr(before, name):
            out[name] = getattr(after, name)
    if after.current is not before.current:
        out["current"] = after.current.to_row() if after.current else None
    for name in ("missed", "away"):
        now, then = getattr(after, name), getattr(before, name)
        if len(now) != len(then) or any(a is not b for a, b in zip(now, then, strict=True)):
            out[name] = _rows(now)
    if after.line is not before.line:  # the same list: a commit that left this line alone
        then = entries(before) if held is None else held
        line = entries(after) if line is None else line
        cut = _cut(then, line)
        fresh = _fresh(before.line, after.line, cut["head"], cut["tail"])
        if fresh or cut["middle"] or cut["head"] + cut["tail"] != len(then):
            out["line"] = cut
            out["tickets"] = _rows(fresh)
    if after.estimates != before.estimates:
        then = before.estimates
        out["estimates"] = {
            "set": [
                [t, lo, hi] for t, (lo, hi) in after.estimates.items() if then.get(t) != (lo, hi)
            ],
            "gone": [t for t in then if t not in after.estimates],
        }
    return out


def _spliced(line: list[Placed], cut: Json, fresh: dict[int, Ticket]) -> list[Placed]:
    """The new line: the held line's ends around the delta's middle; `fresh`, the tickets
    whose rows came with the delta, replace theirs wherever they stand."""
    head, tail, middle = int(cut["head"]), int(cut["tail"]), cut["middle"]
    if head + tail > len(line):
        raise ValueError("a line delta longer than the line it applies to")
    known = fresh
    if any(entry[0] not in fresh for entry in middle):  # a call leaves no middle at all
        known = {**{p.ticket.id: p.ticket for p in line}, **fresh}
    new = [
        Placed(known[ticket], head + i + offset, Placement(reason), tuple(key))
        for i, (ticket, offset, reason, key) in enumerate(middle)
    ]
    shift = head + len(middle) - (len(line) - tail)  # how far the kept tail moved
    ends = (
        _moved(line[:head], 0, fresh),
        _moved(line[len(line) - tail :] if tail else [], shift, fresh),
    )
    return [*ends[0], *new, *ends[1]]


def _moved(kept: list[Placed], shift: int, fresh: dict[int, Ticket]) -> list[Placed]:
    """Kept entries `shift` places further on, with the fresh rows in. A call shifts the
    whole tail: thousands of entries per delta on a long line, so each is unpacked once and
    built by tuple.__new__, which skips the named tuple's own constructor (a Python call)."""
    build = tuple.__new__
    if fresh:
        return [
            build(Placed, (fresh.get(t.id, t), at + shift, why, key)) for t, at, why, key in kept
        ]
    if shift:
        return [build(Placed, (t, at + shift, why, key)) for t, at, why, key in kept]
    return kept


def applied(view: DeskView, seq: int, changes: Json) -> DeskView:
    """`view` with a delta taken in: the console's side of `delta`."""
    config = config_from_json(changes["config"]) if "config" in changes else view.config
    desk = config.desk(view.desk.id)
    if desk is None:
        raise ValueError(f"desk {view.desk.id!r} is not in the new configuration")
    line = view.line
    if "line" in changes:
        fresh = {t.id: t for t in map(Ticket.from_row, changes["tickets"])}
        line = _spliced(view.line, changes["line"], fresh)

    def tickets(name: str) -> list[Ticket]:
        rows = changes.get(name)
        return list(getattr(view, name)) if rows is None else [Ticket.from_row(r) for r in rows]

    current = view.current
    if "current" in changes:
        current = None if changes["current"] is None else Ticket.from_row(changes["current"])
    estimates = view.estimates
    if "estimates" in changes:
        moved = changes["estimates"]
        estimates = dict(view.estimates)
        for ticket in moved["gone"]:
            estimates.pop(int(ticket), None)
        estimates.update((int(t), (int(lo), int(hi))) for t, lo, hi in moved["set"])
        # In the line's order, as the server's view holds them.
        estimates = {
            p.ticket.id: estimates[p.ticket.id]
            for p in line[:ESTIMATED_PLACES]
            if p.ticket.id in estimates
        }
    return DeskView(
        seq,
        config,
        desk,
        bool(changes.get("paused", view.paused)),
        current,
        int(changes.get("receipts", view.receipts)),
        line,
        tickets("missed"),
        tickets("away"),
        estimates,
        int(changes.get("unspoken", view.unspoken)),
    )


@dataclass
class DeskFrames:
    """The server's side for one desk: the view as of its last change, and the delta that led
    there, built once per change however many consoles watch the desk."""

    view: DeskView | None = None
    base: int = NO_BASE  # the seq of the view before the last change: the delta's base
    changes: Json = field(default_factory=dict)
    _whole: Json | None = None
    _entries: list[Entry] = field(default_factory=list)  # entries(view)

    @property
    def seq(self) -> int:
        return -1 if self.view is None else self.view.seq

    def update(self, view: DeskView) -> None:
        """The desk's view read after a change; kept only if a console would see a difference."""
        if self.view is None:
            self.view, self._whole, self._entries = view, None, entries(view)
            return
        line = entries(view)
        changes = delta(self.view, view, self._entries, line)
        if changes:
            # A line loaded again (a new day) can change at the seq it had: no console holds
            # a view the delta could apply to, so each is sent the whole one.
            self.base = self.view.seq if view.seq != self.view.seq else NO_BASE
            self.changes = changes
            self.view, self._whole, self._entries = view, None, line

    def whole(self) -> Json:
        """The whole view, for a console that joins or holds an older one."""
        assert self.view is not None
        if self._whole is None:
            self._whole = self.view.to_json()
        return self._whole
